"""How fast the page answers: prints figures, asserts nothing.

1. Server side, on a real ``streamlit run`` server: one person's stroke sent -> answer
   received through Streamlit's websocket (``bench/load_test.py --people 1``, shorter
   pauses between strokes). This is the figure a person's answer waits for on the server.
2. The script rerun alone, driven by AppTest with a new drawing each time (median of many,
   after warm-up): what the page's own code costs. AppTest has no server, no websocket, and
   skips the full garbage collection a server ran after every script run until
   ``runner.postScriptGC`` was turned off (issue 14): it reported 12-14 ms where a real
   server took about 60 ms, so it is no longer printed as the server's figure.
3. In the browser, mouse released -> answer on screen: headless Chromium draws on the canvas
   of a real server; the clock stops on the first animation frame that shows the digit.
4. ``streamlit run`` -> first prediction served: a real server and headless Chromium; the clock
   starts before the process is spawned and stops when the predicted digit is on screen.

    python bench/app_latency.py [--runs 200] [--no-browser]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_support import (  # noqa: E402
    APP,
    CHROMIUM,
    DRAWING_LAYER,
    PREDICTED,
    canvas_state,
    draw,
    drawn_digit,
    launch_chromium,
    mouse_up_to_answer,
    start_streamlit,
    stop,
    streamlit_server,
    wait_healthy,
)


def rerun_after_stroke(runs: int, warmup: int = 10) -> list[float]:
    """Milliseconds per rerun with a new drawing on the canvas (what each stroke costs)."""
    from streamlit.testing.v1 import AppTest

    drawings = [canvas_state(drawn_digit(d, brush)) for d in (0, 7) for brush in (14, 20, 28)]
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    times = []
    for i in range(warmup + runs):
        at.session_state["canvas-0"] = drawings[i % len(drawings)]
        start = time.perf_counter()
        at.run()
        elapsed = (time.perf_counter() - start) * 1000
        assert not at.exception and at.metric, "the rerun did not show a prediction"
        if i >= warmup:
            times.append(elapsed)
    return times


def recognize_only(runs: int) -> list[float]:
    """Milliseconds for the library call alone, to show what the page itself adds."""
    from digitrec import Recognizer

    rec = Recognizer.load()
    image = drawn_digit(7)
    rec.recognize(image)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        rec.recognize(image)
        times.append((time.perf_counter() - start) * 1000)
    return times


def first_prediction() -> dict[str, float]:
    """Seconds from spawning ``streamlit run`` to health, page ready and first prediction."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1024, "height": 900})
        start = time.perf_counter()
        process, url = start_streamlit()
        try:
            wait_healthy(url, process)
            healthy = time.perf_counter() - start
            page.goto(url)
            expect(page.locator(DRAWING_LAYER)).to_be_visible(timeout=60_000)
            ready = time.perf_counter() - start
            drawing = time.perf_counter()
            draw(page, 7)
            drawing = time.perf_counter() - drawing
            expect(page.locator(PREDICTED)).to_have_count(1, timeout=60_000)
            served = time.perf_counter() - start
        finally:
            stop(process)
            browser.close()
    return {"healthy": healthy, "ready": ready, "drawing": drawing, "served": served}


def stroke_to_answer(strokes: int) -> list[float]:
    """Milliseconds from a stroke sent to its answer received, one person on a real server."""
    from tests.canvas_replay import record_canvas
    from tests.crowd import plan_crowd, run_crowd

    with streamlit_server() as url:
        recording = record_canvas(url)
        plans = plan_crowd(recording, people=1, digits_each=max(1, strokes // 10))
        return run_crowd(url, recording, plans, gap_s=(0.3, 0.6)).latencies_ms


def answer_waits(runs: int) -> list[float]:
    """Mouse released -> answer on screen, in Chromium against a fresh server."""
    with streamlit_server() as url:
        return mouse_up_to_answer(url, runs)


def summary(name: str, times: list[float]) -> str:
    times = sorted(times)
    p90 = times[int(0.9 * (len(times) - 1))]
    return (
        f"{name}: median {statistics.median(times):.1f} ms, p90 {p90:.1f} ms, "
        f"min {times[0]:.1f} ms (n={len(times)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--no-browser", action="store_true", help="skip the streamlit run figure")
    args = parser.parse_args()

    if CHROMIUM.exists():  # it records the canvas once
        print(summary("stroke sent -> answer received (real server, websocket, one person)",
                      stroke_to_answer(args.runs // 2)))  # fmt: skip
    print(summary("script rerun alone (AppTest: no server, nothing sent or rendered)",
                  rerun_after_stroke(args.runs)))  # fmt: skip
    print(summary("  of which recognizer.recognize(280x280 RGBA)", recognize_only(args.runs)))
    if not args.no_browser and CHROMIUM.exists():
        browser_runs = max(10, args.runs // 10)
        print(summary("mouse released -> answer on screen (Chromium, real server)",
                      answer_waits(browser_runs)))  # fmt: skip
        t = first_prediction()
        print(
            f"streamlit run -> first prediction served: {t['served']:.2f} s "
            f"(healthy {t['healthy']:.2f} s, page ready {t['ready']:.2f} s, "
            f"of which {t['drawing']:.2f} s spent drawing the stroke)"
        )


if __name__ == "__main__":
    main()
