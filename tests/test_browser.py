"""The real page in headless Chromium: draw with the mouse, upload files, check the layout.

Needs Debian's chromium at /usr/bin/chromium and the Python playwright package (never
``playwright install``: the browser comes from apt). Run only these with ``pytest -m browser``.
Set DIGITREC_SCREENSHOTS=DIR to keep the screenshots taken at each width (docs/screenshot.png
is page-1024.png from that folder).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_support import (
    ROOT,
    STROKES,
    jpeg_bytes,
    mnist_samples,
    paper_photo,
    streamlit_server,
)

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
WIDTHS = [320, 768, 1024, 1440, 2560]
WAIT_MS = 20_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: apt install chromium"
    ),
    pytest.mark.skipif(
        not (ROOT / "models" / "digitrec_cnn.tflite").exists(),
        reason="models/digitrec_cnn.tflite is missing: train it with `python train.py`",
    ),
]

playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
expect = playwright_api.expect

PREDICTED = '.st-key-predicted-digit [data-testid="stMetricValue"]'
CHART = '[data-testid="stVegaLiteChart"]'
DRAWING_LAYER = '[data-testid="stBidiComponentIsolated"] canvas.upper-canvas'
MAIN_WIDTHS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  return {scroll: main.scrollWidth, client: main.clientWidth};
}"""
WIDEST_ELEMENT = """() => Math.max(...Array.from(
  document.querySelectorAll('[data-testid="stMainBlockContainer"] *'),
  (element) => element.getBoundingClientRect().right))"""


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url):
    """A fresh session (own browser context) on the page, with the canvas ready."""
    context = browser.new_context(viewport={"width": 1024, "height": 900})
    page = context.new_page()
    page.goto(app_url)
    expect(page.locator(DRAWING_LAYER)).to_be_visible(timeout=WAIT_MS)
    yield page
    context.close()


def draw(page, digit: int) -> None:
    """Draw ``digit`` stroke by stroke with the mouse, as a person would."""
    draw_strokes(page, STROKES[digit])


def draw_strokes(page, strokes: list[list[tuple[int, int]]]) -> None:
    layer = page.locator(DRAWING_LAYER)
    layer.scroll_into_view_if_needed()
    box = layer.bounding_box()
    assert box is not None
    scale = box["width"] / 280
    for stroke in strokes:
        (x0, y0), *rest = stroke
        page.mouse.move(box["x"] + x0 * scale, box["y"] + y0 * scale)
        page.mouse.down()
        for x, y in rest:
            page.mouse.move(box["x"] + x * scale, box["y"] + y * scale, steps=15)
        page.mouse.up()


def choose_source(page, name: str) -> None:
    page.locator('[data-testid="stButtonGroup"] button', has_text=name).click()
    expect(page.locator('[data-testid="stFileUploaderDropzoneInput"]')).to_be_attached(
        timeout=WAIT_MS
    )


def upload(page, name: str, data: bytes, mime: str) -> None:
    choose_source(page, "Upload")
    uploader = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    uploader.set_input_files({"name": name, "mimeType": mime, "buffer": data})


def test_drawing_a_digit_shows_the_prediction_and_chart(page):
    expect(page.get_by_text("Draw a digit (0–9)")).to_be_visible()
    draw(page, 7)
    expect(page.locator(PREDICTED)).to_have_text("7", timeout=WAIT_MS)
    expect(page.locator(CHART)).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("What the model saw")).to_be_visible(timeout=WAIT_MS)


def test_uploading_a_digit_photo_shows_the_prediction(page):
    images, labels = mnist_samples(1)
    upload(page, "digit.jpg", jpeg_bytes(paper_photo(images[0])), "image/jpeg")
    expect(page.locator(PREDICTED)).to_have_text(str(labels[0]), timeout=WAIT_MS)
    expect(page.locator(CHART)).to_be_visible(timeout=WAIT_MS)


def test_uploading_a_text_file_shows_an_error_not_a_traceback(page):
    upload(page, "notes.txt", b"shopping list: milk, eggs\n", "text/plain")
    error = page.locator('[data-testid="stAlertContentError"]')
    expect(error).to_contain_text("notes.txt", timeout=WAIT_MS)
    expect(error).to_contain_text(re.compile("not an image", re.IGNORECASE))
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.locator(PREDICTED)).to_have_count(0)


def test_layout_fits_every_width_without_horizontal_overflow(page, tmp_path):
    keep = os.environ.get("DIGITREC_SCREENSHOTS")
    folder = Path(keep) if keep else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    draw(page, 7)
    expect(page.locator(PREDICTED)).to_have_text("7", timeout=WAIT_MS)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 1700})  # tall: the whole page
        expect(page.locator(CHART)).to_be_visible(timeout=WAIT_MS)
        page.wait_for_timeout(400)  # let the chart and columns settle at the new width
        page.screenshot(path=str(folder / f"page-{width}.png"), full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"page overflows at {width} px: {scroll_width} px wide"
        # Streamlit scrolls inside its main area, so overflow there would not show above.
        main = page.evaluate(MAIN_WIDTHS)
        assert main["scroll"] <= main["client"], f"main area overflows at {width} px: {main}"
        widest = page.evaluate(WIDEST_ELEMENT)
        assert widest <= width, f"an element ends at {widest} px, beyond {width} px"
        canvas = page.locator(DRAWING_LAYER).bounding_box()
        assert canvas is not None
        assert canvas["x"] >= 0
        assert canvas["x"] + canvas["width"] <= width, f"canvas cut off at {width} px"


def test_canvas_toolbar_undo_and_reset_update_the_answer(page):
    draw(page, 7)
    expect(page.locator(PREDICTED)).to_have_text("7", timeout=WAIT_MS)
    confidence = page.locator(".st-key-confidence")
    first = confidence.inner_text()
    draw_strokes(page, [[(60, 250), (230, 250)]])  # a line under the 7
    expect(confidence).not_to_have_text(first, timeout=WAIT_MS)
    toolbar = page.locator('[data-testid="stBidiComponentIsolated"] .dc-toolbar')
    page.locator(DRAWING_LAYER).hover()
    toolbar.get_by_role("button", name="Undo").click()
    expect(page.locator(PREDICTED)).to_have_text("7", timeout=WAIT_MS)
    toolbar.get_by_role("button", name="Reset canvas & history").click()
    expect(page.get_by_text("Draw a digit (0–9)")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(PREDICTED)).to_have_count(0)


def test_clear_button_empties_the_canvas(page):
    draw(page, 0)
    expect(page.locator(PREDICTED)).to_have_text("0", timeout=WAIT_MS)
    page.locator(".st-key-clear button").click()
    expect(page.get_by_text("Draw a digit (0–9)")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(PREDICTED)).to_have_count(0)
    expect(page.locator(DRAWING_LAYER)).to_have_count(1, timeout=WAIT_MS)
    page.wait_for_timeout(500)  # the fresh canvas mounts after the rerun's last element
    draw(page, 7)
    expect(page.locator(PREDICTED)).to_have_text("7", timeout=WAIT_MS)
