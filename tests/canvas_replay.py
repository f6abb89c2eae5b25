"""What the page's canvas sends after a stroke, recorded once from a real browser and
replayed with other drawings by the load test's virtual people.

The canvas is a Streamlit component: after each stroke the browser sends a ``rerun_script``
BackMsg whose widget states carry every widget of the page, the canvas's as JSON (the
drawing's Fabric.js objects and a PNG data URL of the whole canvas). Recording it from
Chromium, instead of writing it by hand, keeps the widget ids, the page's hash and the
component's JSON shape exactly what the installed Streamlit and component produce.
"""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass

import numpy as np
from streamlit.proto.BackMsg_pb2 import BackMsg

from tests.browser_support import DRAWING_LAYER, PREDICTED, draw, launch_chromium


@dataclass(frozen=True)
class CanvasRecording:
    """The BackMsgs a browser sent: on opening the page, and after one stroke."""

    opening: bytes
    after_stroke: bytes
    canvas_id: str

    def stroke_message(self, png: bytes, traces: list[np.ndarray], brush: int) -> bytes:
        """The recorded after-stroke BackMsg with this drawing in the canvas's state: the
        canvas as a PNG data URL (what the page reads) and the strokes as Fabric.js paths
        (what the component keeps, sent along as the browser does)."""
        message = BackMsg()
        message.ParseFromString(self.after_stroke)
        widgets = message.rerun_script.widget_states.widgets
        widget = next(w for w in widgets if w.id == self.canvas_id)
        state = json.loads(widget.json_value)
        drawing = state["drawing"]
        template = drawing["raw"]["objects"][0]
        drawing["raw"]["objects"] = [fabric_path(template, trace, brush) for trace in traces]
        drawing["data"] = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        widget.json_value = json.dumps(state, separators=(",", ":"))
        return message.SerializeToString()


def fabric_path(template: dict, trace: np.ndarray, brush: int) -> dict:
    """A Fabric.js path object like the recorded one, drawn along ``trace`` (canvas px)."""
    low, high = trace.min(axis=0), trace.max(axis=0)
    path = [["M", *map(float, trace[0])]] + [["L", *map(float, point)] for point in trace[1:]]
    centre = (low + high) / 2  # the recorded objects are placed by their centre
    return {
        **copy.deepcopy(template),
        "path": path,
        "left": float(centre[0]),
        "top": float(centre[1]),
        "width": float(high[0] - low[0]),
        "height": float(high[1] - low[1]),
        "strokeWidth": brush,
    }


def record_canvas(url: str, timeout_ms: int = 60_000) -> CanvasRecording:
    """Open the page in headless Chromium, draw a 7, and keep the BackMsgs it sent."""
    from playwright.sync_api import expect, sync_playwright

    sent: list[bytes] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1024, "height": 900})
            page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
            page.goto(url)
            expect(page.locator(DRAWING_LAYER)).to_have_count(1, timeout=timeout_ms)
            page.wait_for_timeout(500)  # let the canvas finish mounting
            draw(page, 7)
            expect(page.locator(PREDICTED)).to_have_text("7", timeout=timeout_ms)
        finally:
            browser.close()
    reruns = [m for m in map(parse, sent) if m.WhichOneof("type") == "rerun_script"]
    for message in reruns:
        for widget in message.rerun_script.widget_states.widgets:
            if widget.json_value and '"drawing"' in widget.json_value:
                state = json.loads(widget.json_value)
                if state["drawing"].get("data"):
                    return CanvasRecording(
                        reruns[0].SerializeToString(), message.SerializeToString(), widget.id
                    )
    raise RuntimeError(f"none of the {len(reruns)} reruns Chromium sent carried a drawing")


def parse(frame: bytes | str) -> BackMsg:
    message = BackMsg()
    message.ParseFromString(frame if isinstance(frame, bytes) else frame.encode("latin-1"))
    return message
