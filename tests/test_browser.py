"""The real page in headless Chromium: draw with the mouse, upload files, check the layout.

Needs Debian's chromium at /usr/bin/chromium and the Python playwright package (never
``playwright install``: the browser comes from apt). Run only these with ``pytest -m browser``.
Set DIGITREC_SCREENSHOTS=DIR to keep the screenshots taken at each width, on a phone
(phone-390x844.png) and on a desktop (desktop-1280x900.png; docs/screenshot.png is
desktop-1280-full.png from that folder).
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_support import (
    CHROMIUM,
    DRAWING_LAYER,
    PREDICTED,
    ROOT,
    STROKES,
    draw,
    draw_strokes,
    jpeg_bytes,
    launch_chromium,
    mnist_samples,
    paper_photo,
    start_streamlit,
    stop,
    streamlit_server,
    wait_healthy,
)
from tests.conftest import missing

WIDTHS = [320, 768, 1024, 1440, 2560]
PHONE = {"width": 390, "height": 844}  # CSS pixels of a common phone, held upright
DESKTOP = {"width": 1280, "height": 900}
WAIT_MS = 20_000

pytestmark = pytest.mark.browser

if not CHROMIUM.exists():
    missing(f"{CHROMIUM} is missing: apt install chromium")
if not (ROOT / "models" / "digitrec_cnn.tflite").exists():
    missing("models/digitrec_cnn.tflite is missing: train it with `python train.py`")
try:
    import playwright.sync_api as playwright_api
except ImportError:
    missing("playwright is missing: pip install playwright (never `playwright install`)")

expect = playwright_api.expect

NUMBER_READ = '.st-key-number-read [data-testid="stMetricValue"]'
CONFIDENCE = '.st-key-confidence [data-testid="stMetricValue"]'
ANSWER_LINE = ".st-key-answer-line"  # phones: the answer in one line above the canvas
CHART = '[data-testid="stVegaLiteChart"]'
MAIN_WIDTHS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  return {scroll: main.scrollWidth, client: main.clientWidth};
}"""
WIDEST_ELEMENT = """() => Math.max(...Array.from(
  document.querySelectorAll('[data-testid="stMainBlockContainer"] *'),
  (element) => element.getBoundingClientRect().right))"""
SCROLLED = """() => window.scrollY + document.querySelector('[data-testid="stMain"]').scrollTop"""


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with playwright_api.sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url):
    """A fresh session (own browser context) on the page, with the canvas ready."""
    context = browser.new_context(viewport={"width": 1024, "height": 900})
    yield open_page(context, app_url)
    context.close()


@pytest.fixture
def phone(browser, app_url):
    """The page on a phone: 390x844 CSS px, touch screen, mobile viewport, 3x pixels."""
    context = browser.new_context(
        viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=3
    )
    yield open_page(context, app_url)
    context.close()


@pytest.fixture
def desktop(browser, app_url):
    context = browser.new_context(viewport=DESKTOP)
    yield open_page(context, app_url)
    context.close()


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where screenshots go: $DIGITREC_SCREENSHOTS when set (to look at them), else tmp."""
    keep = os.environ.get("DIGITREC_SCREENSHOTS")
    folder = Path(keep) if keep else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_page(context, url: str):
    page = context.new_page()
    page.goto(url)
    expect(page.locator(DRAWING_LAYER)).to_be_visible(timeout=WAIT_MS)
    return page


def draw_with_finger(page, digit: int, strokes=None, width: int = 280) -> None:
    """Draw ``digit`` (or ``strokes`` on a canvas ``width`` px wide) with touch events, as a
    finger on a phone would (Playwright's own touchscreen can only tap, so the strokes go
    through the DevTools protocol)."""
    layer = page.locator(DRAWING_LAYER)
    box = layer.bounding_box()
    assert box is not None
    scale = box["width"] / width
    touch = page.context.new_cdp_session(page)

    def send(kind: str, x: float | None = None, y: float | None = None) -> None:
        points = [] if x is None else [{"x": box["x"] + x * scale, "y": box["y"] + y * scale}]
        touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    for stroke in STROKES[digit] if strokes is None else strokes:
        send("touchStart", *stroke[0])
        for (x0, y0), (x1, y1) in itertools.pairwise(stroke):
            for step in range(1, 16):
                send("touchMove", x0 + (x1 - x0) * step / 15, y0 + (y1 - y0) * step / 15)
        send("touchEnd")
    touch.detach()


def assert_in_view(page, selector: str) -> None:
    """The element's whole box lies inside the viewport, as the page sits unscrolled."""
    viewport = page.viewport_size
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not displayed"
    assert box["x"] >= 0 and box["y"] >= 0, f"{selector} starts outside the screen: {box}"
    right, bottom = box["x"] + box["width"], box["y"] + box["height"]
    assert right <= viewport["width"], f"{selector} ends at x={right:.0f}: {viewport}"
    assert bottom <= viewport["height"], f"{selector} ends at y={bottom:.0f}: {viewport}"


def wait_for_whole_rerun(page) -> None:
    """Streamlit sends a rerun's elements one by one: wait for its last, the guide."""
    expect(page.get_by_text("What this can and cannot do")).to_be_attached(timeout=WAIT_MS)
    page.wait_for_timeout(300)


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


def test_layout_fits_every_width_without_horizontal_overflow(page, screenshots):
    folder = screenshots
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


def test_phone_shows_the_whole_canvas_and_the_answer_without_scrolling(phone, screenshots):
    """Drawing with a finger at 390x844, the digit and its confidence stay in sight."""
    expect(phone.locator(ANSWER_LINE)).to_have_text(re.compile("Draw a digit below"))
    before = phone.locator(DRAWING_LAYER).bounding_box()
    draw_with_finger(phone, 7)
    expect(phone.locator(ANSWER_LINE)).to_have_text(
        re.compile(r"^7 · confidence (> )?\d+(\.\d)?%$"), timeout=WAIT_MS
    )
    wait_for_whole_rerun(phone)
    phone.screenshot(path=str(screenshots / "phone-390x844.png"))
    assert phone.evaluate(SCROLLED) == 0, "the page scrolled while drawing"
    assert_in_view(phone, DRAWING_LAYER)
    assert_in_view(phone, f"{ANSWER_LINE} strong")  # the digit
    assert_in_view(phone, ANSWER_LINE)  # with its confidence
    assert phone.locator(DRAWING_LAYER).bounding_box() == before, "the canvas moved"
    # The large answer beside the canvas would only repeat it far below: phones hide it.
    expect(phone.locator(PREDICTED)).to_be_hidden()
    expect(phone.locator(CHART)).to_be_attached()


def test_desktop_shows_the_whole_canvas_and_the_answer_without_scrolling(desktop, screenshots):
    draw(desktop, 7)
    expect(desktop.locator(PREDICTED)).to_have_text("7", timeout=WAIT_MS)
    wait_for_whole_rerun(desktop)
    desktop.screenshot(path=str(screenshots / "desktop-1280x900.png"))
    assert desktop.evaluate(SCROLLED) == 0
    for selector in (DRAWING_LAYER, PREDICTED, CONFIDENCE, CHART):
        assert_in_view(desktop, selector)
    expect(desktop.locator(ANSWER_LINE)).to_be_hidden()  # the one-line answer is for phones
    desktop.set_viewport_size({"width": DESKTOP["width"], "height": 1250})  # the whole page
    desktop.wait_for_timeout(400)
    desktop.screenshot(path=str(screenshots / "desktop-1280-full.png"))


def test_comparison_page_fits_a_desktop_and_speaks_to_visitors(browser, app_url, screenshots):
    """At 1280 px every table of the committed report fits, headed in words, not keys."""
    context = browser.new_context(viewport={"width": DESKTOP["width"], "height": 3000})
    page = context.new_page()
    page.goto(f"{app_url}/model_comparison")
    # Streamlit sends the page piece by piece: its last element is the setup's expander.
    expect(page.get_by_text("How these numbers were made")).to_be_attached(timeout=WAIT_MS)
    page.wait_for_timeout(500)
    page.screenshot(path=str(screenshots / "comparison-1280.png"), full_page=True)
    tables = page.locator('[data-testid="stTable"]')
    assert tables.count() >= 3
    main = page.locator('[data-testid="stMainBlockContainer"]').bounding_box()
    for index in range(tables.count()):
        table = tables.nth(index)
        box = table.bounding_box()
        assert box["x"] >= main["x"] and box["x"] + box["width"] <= main["x"] + main["width"]
        # Nothing inside the table scrolls sideways: every column is in view.
        hidden = table.evaluate(
            "(t) => Math.max(0, ...Array.from([t, ...t.querySelectorAll('*')],"
            " (e) => e.scrollWidth - e.clientWidth))"
        )
        assert hidden <= 1, f"table {index} is cut off by {hidden} px"
    widths = page.evaluate(MAIN_WIDTHS)
    assert widths["scroll"] <= widths["client"]
    text = page.locator('[data-testid="stMain"]').inner_text()
    for internal in ("macro_", "_seconds", "None", "goal"):
        assert internal not in text, internal
    assert "The *CNN shipped*" not in text and "CNN shipped" in text
    context.close()


def test_first_run_on_a_desktop_serves_without_a_terminal_prompt(tmp_path):
    """A fresh home directory, not headless (a desktop with a display): Streamlit would ask
    for an e-mail address on the terminal and serve nothing until Enter was pressed."""
    env = {**os.environ, "HOME": str(tmp_path), "BROWSER": "true", "DISPLAY": ":0"}
    process, url = start_streamlit(headless=False, env=env)
    try:
        wait_healthy(url, process, timeout=60)
    finally:
        stop(process)
    assert not (tmp_path / ".streamlit" / "credentials.toml").exists()


# --- numbers ----------------------------------------------------------------------------------

# "17" written on the number canvas (640 x 240 px): a 1, then a 7 beside it.
SEVENTEEN = [[(200, 40), (200, 200)], [(270, 45), (370, 45), (300, 200)]]


def choose_number_mode(page) -> None:
    page.locator('[data-testid="stButtonGroup"] button', has_text="A number").click()
    expect(page.get_by_text("Write a number on the black strip")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(f".st-key-number-canvas {DRAWING_LAYER}")).to_be_visible(timeout=WAIT_MS)
    page.wait_for_timeout(500)  # the fresh canvas mounts after the rerun's last element


def test_writing_a_two_digit_number_on_the_canvas(page):
    choose_number_mode(page)
    box = page.locator(DRAWING_LAYER).bounding_box()
    assert box is not None and round(box["width"]) == 640
    draw_strokes(page, SEVENTEEN, width=640)
    expect(page.locator(NUMBER_READ)).to_have_text("17", timeout=WAIT_MS)
    expect(page.get_by_text("Where each digit was found")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(".st-key-number-inputs img")).to_have_count(2)
    for width in (*WIDTHS, 375, 480, 600, 680):  # the wide canvas zooms out in steps
        page.set_viewport_size({"width": width, "height": 1200})
        page.wait_for_timeout(400)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, width
        main = page.evaluate(MAIN_WIDTHS)
        assert main["scroll"] <= main["client"], (width, main)
        canvas = page.locator(DRAWING_LAYER).bounding_box()
        assert canvas is not None and canvas["x"] + canvas["width"] <= width, (width, canvas)


def test_phone_writes_a_number_on_the_zoomed_canvas(phone, screenshots):
    """At 390 px the wide canvas is zoomed out to fit; a finger's strokes still land where
    they are drawn, and the number shows in the line above the canvas."""
    choose_number_mode(phone)
    box = phone.locator(DRAWING_LAYER).bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    draw_with_finger(phone, 0, strokes=SEVENTEEN, width=640)
    expect(phone.locator(ANSWER_LINE)).to_have_text("17 · every digit sure", timeout=WAIT_MS)
    wait_for_whole_rerun(phone)
    phone.screenshot(path=str(screenshots / "phone-number-390x844.png"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    main = phone.evaluate(MAIN_WIDTHS)
    assert main["scroll"] <= main["client"], main
