"""Helpers for the page's tests: realistic digit images, and a real ``streamlit run`` server.

Images are made the way users make them: strokes drawn with a thick round brush on the
280x280 canvas (white on black), and MNIST digits turned into photos of dark ink on unevenly
lit paper, saved as JPEG. Shared by tests/test_app.py, tests/test_browser.py, the load test
(tests/crowd.py, tests/test_load.py, bench/load_test.py) and bench/app_*.py.
"""

from __future__ import annotations

import base64
import io
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from deploy.serve_many import streamlit_command

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "streamlit_app.py"
CANVAS = 280
# The canvas's drawing layer, inside the component's open shadow root, and the big answer.
DRAWING_LAYER = '[data-testid="stBidiComponentIsolated"] canvas.upper-canvas'
PREDICTED = '.st-key-predicted-digit [data-testid="stMetricValue"]'
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Strokes of plainly written digits on the 280x280 canvas, as polylines.
STROKES: dict[int, list[list[tuple[int, int]]]] = {
    0: [
        [
            (140, 50),
            (95, 80),
            (85, 140),
            (95, 200),
            (140, 230),
            (185, 200),
            (195, 140),
            (185, 80),
            (140, 50),
        ]
    ],
    1: [[(140, 45), (140, 235)]],
    7: [[(80, 60), (200, 60), (120, 235)]],
}


def drawn_digit(digit: int, brush: int = 20) -> np.ndarray:
    """A 280x280 RGBA canvas image: white round-brush strokes on opaque black."""
    rgb = np.zeros((CANVAS, CANVAS, 3), np.uint8)
    for stroke in STROKES[digit]:
        points = np.array(stroke, np.int32)
        cv2.polylines(rgb, [points], False, (255, 255, 255), brush, cv2.LINE_AA)
        for x, y in stroke:  # round caps and joins, like the canvas's brush
            cv2.circle(rgb, (x, y), brush // 2, (255, 255, 255), -1, cv2.LINE_AA)
    alpha = np.full((CANVAS, CANVAS, 1), 255, np.uint8)
    return np.concatenate([rgb, alpha], axis=2)


def canvas_state(image: np.ndarray | None) -> dict:
    """What the canvas component keeps in session state after a stroke (a PNG data URL)."""
    url = None
    if image is not None:
        url = "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode("ascii")
    return {
        "drawing": {"raw": {"objects": [], "background": "#000000"}, "data": url},
        "backgroundFit": None,
    }


def png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def mnist_samples(count: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """The first ``count`` MNIST test digits (skipped, or failed in CI, when missing)."""
    from digitrec.data import MnistUnavailable, load_mnist
    from tests.conftest import missing

    try:
        images, labels = load_mnist("test", download=False)
    except MnistUnavailable as err:
        missing(f"MNIST test set not available offline: {err}")
    return images[:count], labels[:count]


def paper_photo(digit: np.ndarray, size: int = 600, seed: int = 0) -> Image.Image:
    """An MNIST digit as a photo: dark ink on unevenly lit paper, enlarged, noisy, blurred."""
    rng = np.random.default_rng(seed)
    ink = cv2.resize(digit, (size, size), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    light = np.linspace(235, 185, size, dtype=np.float32)[None, :] * np.ones((size, 1))
    paper = light - ink / 255.0 * (light - 40)
    paper += rng.normal(0, 6, paper.shape)
    paper = cv2.GaussianBlur(paper, (5, 5), 1.2)
    grey = np.clip(paper, 0, 255).astype(np.uint8)
    return Image.fromarray(np.stack([grey, grey, (grey * 0.95).astype(np.uint8)], axis=2))


def jpeg_bytes(image: Image.Image, exif_orientation: int | None = None) -> bytes:
    """JPEG bytes; with an EXIF orientation tag the stored pixels are turned to match it."""
    exif = Image.Exif()
    if exif_orientation == 6:  # "rotate 90 clockwise to view": store it turned the other way
        image = image.transpose(Image.Transpose.ROTATE_90)
        exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85, exif=exif.tobytes())
    return buffer.getvalue()


def draw(page, digit: int, shift: int = 0) -> float:
    """Draw ``digit`` stroke by stroke with the mouse, as a person would, ``shift`` canvas
    pixels to the right; returns the ``time.perf_counter()`` of the last mouse release."""
    return draw_strokes(page, [[(x + shift, y) for x, y in stroke] for stroke in STROKES[digit]])


def draw_strokes(page, strokes: list[list[tuple[int, int]]], width: int = CANVAS) -> float:
    """Draw ``strokes`` (canvas pixels) on the page's canvas, ``width`` px wide unzoomed,
    with a Playwright ``page``'s mouse; returns the ``time.perf_counter()`` of the last
    mouse release."""
    layer = page.locator(DRAWING_LAYER)
    layer.scroll_into_view_if_needed()
    box = layer.bounding_box()
    assert box is not None
    scale = box["width"] / width
    released = time.perf_counter()
    for stroke in strokes:
        (x0, y0), *rest = stroke
        page.mouse.move(box["x"] + x0 * scale, box["y"] + y0 * scale)
        page.mouse.down()
        for x, y in rest:
            page.mouse.move(box["x"] + x * scale, box["y"] + y * scale, steps=15)
        page.mouse.up()
        released = time.perf_counter()
    return released


def mouse_up_to_answer(
    url: str, runs: int | None = None, seconds: float | None = None, warmup: int = 3
) -> list[float]:
    """Milliseconds from releasing the mouse at the end of a drawing to its answer on the
    screen, in Chromium against the server at ``url``: what a person waits for after a
    stroke. Draws a 7 or a 0 and clears the canvas, ``runs`` times after ``warmup``, or
    for ``seconds`` (whichever ends first)."""
    from playwright.sync_api import expect, sync_playwright

    shown = "([selector, digit]) => document.querySelector(selector)?.textContent === digit"
    times: list[float] = []
    deadline = time.perf_counter() + (seconds if seconds is not None else float("inf"))
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1024, "height": 900})
        page.goto(url, timeout=120_000)  # a saturated server is slow to serve the page too
        i = 0
        while (runs is None or len(times) < runs) and time.perf_counter() < deadline:
            expect(page.locator(DRAWING_LAYER)).to_have_count(1, timeout=60_000)
            page.wait_for_timeout(500)  # let a fresh canvas finish mounting
            digit = (7, 0)[i % 2]
            released = draw(page, digit)
            # Checked on every animation frame: Playwright's own waits poll far more coarsely.
            page.wait_for_function(shown, arg=[PREDICTED, str(digit)], polling="raf")
            if i >= warmup:
                times.append((time.perf_counter() - released) * 1000)
            page.locator(".st-key-clear button").click()
            expect(page.locator(PREDICTED)).to_have_count(0, timeout=60_000)
            i += 1
        browser.close()
    return times


# --- a real server ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60.0) -> float:
    """Poll ``/_stcore/health`` until it answers ok; returns the seconds it took."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.read().strip() == b"ok":
                    return time.perf_counter() - start
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"streamlit did not become healthy within {timeout:.0f} s")


def start_streamlit(
    port: int | None = None, headless: bool = True, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen, str]:
    """Spawn ``streamlit run streamlit_app.py`` on a free localhost port: (process, its URL).

    ``headless=False`` runs it as on a desktop (where Streamlit may prompt on its terminal,
    whose stdin is kept open here); ``env`` replaces the environment.
    """
    port = port or free_port()
    process = subprocess.Popen(
        streamlit_command(port, "127.0.0.1", headless=headless),
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return process, f"http://127.0.0.1:{port}"


@contextmanager
def streamlit_server(port: int | None = None) -> Iterator[str]:
    """A ``streamlit run`` server for the length of the block; yields its URL."""
    process, url = start_streamlit(port)
    try:
        wait_healthy(url, process)
        yield url
    finally:
        stop(process)


def launch_chromium(playwright):
    """Debian's headless Chromium, driven by Playwright (which never downloads a browser)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if the server is still tearing down after a few seconds."""
    if process.stdin:
        process.stdin.close()
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
