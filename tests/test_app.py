"""The page, driven without a browser by Streamlit's AppTest.

The canvas cannot be drawn on here, so its state is injected through session state in the
form the component itself stores (a PNG data URL); tests/test_browser.py draws for real.
"""

from __future__ import annotations

import json
from io import BytesIO
from unittest import mock

import numpy as np
import pyarrow as pa
import pytest
import streamlit as st
from PIL import Image
from streamlit.testing.v1 import AppTest

from digitrec import NumberDigit, NumberResult, Recognizer, Result
from digitrec.training import renders
from streamlit_app import UPLOAD_TYPES
from tests.browser_support import (
    APP,
    ROOT,
    canvas_state,
    drawn_digit,
    jpeg_bytes,
    mnist_samples,
    paper_photo,
    png_bytes,
)
from tests.conftest import missing
from tests.images import number_canvas, number_photo, page_of_writing, pen, written

if not (ROOT / "models" / "digitrec_cnn.tflite").exists():
    missing("models/digitrec_cnn.tflite is missing: train it with `python train.py`")

TIMEOUT = 30  # the first run of a session imports numpy, cv2 and loads the model


def start() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()


def draw(at: AppTest, image: np.ndarray | None) -> AppTest:
    """Put ``image`` on the canvas as if it had just been drawn, and rerun."""
    at.session_state["canvas-0"] = canvas_state(image)
    return at.run()


def upload(name: str, data: bytes, mime: str = "image/jpeg") -> AppTest:
    at = start()
    at.segmented_control(key="source").set_value("Upload").run()
    return at.file_uploader(key="upload").upload(name, data, mime).run()


def predicted(at: AppTest) -> str:
    values = {metric.label: metric.value for metric in at.metric}
    return values["Predicted digit"]


def chart(at: AppTest) -> tuple[dict, list[dict]]:
    """The probability chart's Vega-Lite spec and its rows (Streamlit ships them as Arrow)."""
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1, "expected exactly one probability chart"
    proto = charts[0].proto
    rows = pa.ipc.open_stream(proto.data.data).read_all().to_pylist()
    return json.loads(proto.spec), rows


def assert_chart_highlights(at: AppTest, digit: int) -> None:
    spec, rows = chart(at)
    assert [row["digit"] for row in rows] == [str(d) for d in range(10)]
    assert sum(row["probability"] for row in rows) == pytest.approx(1.0, abs=1e-4)
    best = max(rows, key=lambda row: row["probability"])
    assert best["digit"] == str(digit)
    assert f"'{digit}'" in spec["encoding"]["color"]["condition"]["test"]


def assert_no_crash(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def block(at: AppTest, key: str):
    """The container with widget key ``key`` (AppTest has no direct look-up for blocks)."""
    found = [node for node in walk(at.main) if getattr(node, "key", None) == key]
    assert len(found) == 1, f"expected one container keyed {key!r}, found {len(found)}"
    return found[0]


def walk(node):
    for child in getattr(node, "children", {}).values():
        yield child
        yield from walk(child)


def answer_line(at: AppTest) -> str:
    """The text of the one-line answer that phones show above the input."""
    texts = [node.value for node in walk(block(at, "answer-line")) if node.type == "markdown"]
    assert len(texts) == 1, texts
    return texts[0]


def canvas_brush(at: AppTest) -> int:
    """The stroke width the canvas component was given in the last run."""
    (canvas,) = at.get("bidi_component")
    return json.loads(canvas.proto.json)["strokeWidth"]


# --- the canvas -----------------------------------------------------------------------------


def test_empty_canvas_shows_a_prompt_not_a_prediction():
    at = start()
    assert_no_crash(at)
    assert any("Draw a digit" in info.value for info in at.info)
    assert not at.metric
    assert not at.get("vega_lite_chart")


def test_blank_drawing_after_reset_shows_the_prompt():
    at = draw(start(), drawn_digit(1) * np.array([0, 0, 0, 1], np.uint8))  # all black
    assert_no_crash(at)
    assert any("Draw a digit" in info.value for info in at.info)
    assert not at.metric


@pytest.mark.parametrize("digit", [0, 1, 7])
def test_drawn_digit_is_recognized_with_chart_alternatives_and_model_input(digit):
    at = draw(start(), drawn_digit(digit))
    assert_no_crash(at)
    assert predicted(at) == str(digit)
    assert_chart_highlights(at, digit)
    assert any("possibilit" in md.value for md in at.markdown)
    assert len(at.image) == 1
    assert "What the model saw" in at.image[0].proto.imgs[0].caption


def test_clear_button_empties_the_canvas():
    at = draw(start(), drawn_digit(7))
    assert predicted(at) == "7"
    at.button(key="clear").click().run()
    assert_no_crash(at)
    assert not at.metric
    assert any("Draw a digit" in info.value for info in at.info)


def test_brush_width_has_a_default_and_can_change():
    at = start()
    assert at.slider(key="brush").value == 20
    assert canvas_brush(at) == 20
    at.slider(key="brush").set_value(30).run()
    assert_no_crash(at)
    assert at.slider(key="brush").value == 30
    assert canvas_brush(at) == 30  # the slider sits below the canvas but sizes its brush


# --- the one-line answer for phones ---------------------------------------------------------


def test_answer_line_prompts_before_anything_is_drawn():
    at = start()
    assert answer_line(at) == "Draw a digit below; the answer shows here."
    at = draw(at, drawn_digit(1) * np.array([0, 0, 0, 1], np.uint8))  # a blank canvas
    assert answer_line(at) == "Draw a digit below; the answer shows here."


@pytest.mark.parametrize("digit", [0, 7])
def test_answer_line_shows_the_digit_and_its_confidence(digit):
    at = draw(start(), drawn_digit(digit))
    assert_no_crash(at)
    line = answer_line(at)
    assert line.startswith(f"**{digit}** · confidence ")
    assert line.endswith("%")
    # The large answer beside the canvas says the same; phones hide it by its key.
    metrics = {
        node.label: node.value for node in walk(block(at, "prediction")) if node.type == "metric"
    }
    assert metrics["Predicted digit"] == str(digit)
    assert line.endswith(metrics["Confidence"])


def drawn_with_an_unsure_answer():
    """The page after a drawing that the model reads as a 4 at only 41%."""
    unsure = Result(
        digit=4,
        confidence=0.41,
        probabilities=(0.01, 0.02, 0.01, 0.01, 0.41, 0.02, 0.01, 0.01, 0.10, 0.40),
        processed=np.zeros((28, 28), np.uint8),
    )
    with mock.patch.object(Recognizer, "recognize", return_value=unsure):
        return draw(start(), drawn_digit(7))


def test_answer_line_says_when_the_model_is_unsure():
    at = drawn_with_an_unsure_answer()
    assert answer_line(at) == "Maybe **4** · confidence only 41%"


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("notes.txt", b"shopping list\n", "This image could not be read: see below."),
        (
            "blank.png",
            png_bytes(np.full((300, 400), 250, np.uint8)),
            "No digit found in this image: see below.",
        ),
    ],
    ids=["unreadable", "blank"],
)
def test_answer_line_points_to_the_explanation_for_a_bad_upload(name, data, expected):
    at = start()
    at.segmented_control(key="source").set_value("Upload").run()
    assert answer_line(at) == "Upload a digit below; the answer shows here."
    at.file_uploader(key="upload").upload(name, data, "application/octet-stream").run()
    assert_no_crash(at)
    assert answer_line(at) == expected


def test_answer_line_prompts_for_a_camera_photo():
    at = start()
    at.segmented_control(key="source").set_value("Camera").run()
    assert_no_crash(at)
    assert answer_line(at) == "Take a photo below; the answer shows here."


# --- uploads --------------------------------------------------------------------------------


def test_uploaded_photo_of_a_real_digit_shows_the_digit_and_chart():
    images, labels = mnist_samples(1)
    at = upload("seven.jpg", jpeg_bytes(paper_photo(images[0])))
    assert_no_crash(at)
    assert predicted(at) == str(labels[0])
    assert_chart_highlights(at, int(labels[0]))


def test_phone_photo_is_turned_upright_by_its_exif_orientation():
    images, labels = mnist_samples(1)  # a 7: lying on its side it reads as something else
    photo = paper_photo(images[0], size=3000)  # 9 megapixels, like a phone camera's
    at = upload("IMG_0001.jpg", jpeg_bytes(photo, exif_orientation=6))
    assert_no_crash(at)
    assert predicted(at) == str(labels[0])


@pytest.mark.parametrize("fmt", ["PNG", "HEIC", "AVIF", "BMP", "GIF", "WEBP", "TIFF"])
def test_every_advertised_format_is_read(fmt):
    assert fmt in UPLOAD_TYPES.upper()
    drawing = drawn_digit(7)[:, :, :3]
    buffer = BytesIO()
    if fmt == "HEIC":
        buffer.write(renders.as_heic(drawing))
    else:
        Image.fromarray(drawing).save(buffer, format=fmt)
    at = upload(f"seven.{fmt.lower()}", buffer.getvalue(), "application/octet-stream")
    assert_no_crash(at)
    assert predicted(at) == "7"


def _truncated_png() -> bytes:
    return png_bytes(drawn_digit(7))[:300]


def _huge_png() -> bytes:
    buffer = BytesIO()
    Image.new("L", (8000, 6000), 255).save(buffer, format="PNG")  # 48 MP, a few hundred KB
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "words"),
    [
        ("notes.txt", lambda: b"shopping list: milk, eggs\n", ("not an image",)),
        ("empty.png", lambda: b"", ("empty",)),
        ("broken.png", _truncated_png, ("corrupt", "cannot read")),
        ("huge.png", _huge_png, ("too large",)),
    ],
    ids=["text", "empty", "corrupt", "huge"],
)
def test_bad_upload_shows_a_clear_error_and_the_app_keeps_working(name, make, words):
    at = upload(name, make(), "application/octet-stream")
    assert_no_crash(at)
    assert len(at.error) == 1
    message = at.error[0].value
    assert name in message
    assert any(word in message.lower() for word in words), message
    assert "Traceback" not in message
    assert any("megapixels" in caption.value for caption in at.caption)
    assert not at.metric
    # The session is still usable: drawing a digit afterwards works.
    at.segmented_control(key="source").set_value("Draw").run()
    draw(at, drawn_digit(7))
    assert_no_crash(at)
    assert predicted(at) == "7"


def test_blank_upload_says_no_digit_was_found():
    at = upload("blank.png", png_bytes(np.full((300, 400), 250, np.uint8)), "image/png")
    assert_no_crash(at)
    assert any("No digit found" in warning.value for warning in at.warning)
    assert not at.metric


# --- the model and the page around it -------------------------------------------------------


def test_model_is_loaded_once_per_process_not_per_session_or_interaction():
    st.cache_resource.clear()
    with mock.patch.object(Recognizer, "load", wraps=Recognizer.load) as load:
        for _ in range(3):
            at = draw(start(), drawn_digit(7))
            draw(at, drawn_digit(0))
    assert load.call_count == 1


def test_missing_model_is_explained_without_a_traceback():
    st.cache_resource.clear()
    missing = FileNotFoundError("model not found: models/digitrec_cnn.tflite")
    try:
        with mock.patch.object(Recognizer, "load", side_effect=missing):
            at = start()
    finally:
        st.cache_resource.clear()
    assert_no_crash(at)
    assert "model is not installed" in at.error[0].value


def test_unexpected_failure_during_recognition_is_a_friendly_message():
    with mock.patch.object(Recognizer, "recognize", side_effect=RuntimeError("boom")):
        at = draw(start(), drawn_digit(7))
    assert_no_crash(at)
    assert "Something went wrong" in at.error[0].value
    assert "boom" not in at.error[0].value


def test_guide_explains_best_results_and_limits():
    at = start()
    headings = [header.value for header in at.subheader]
    assert "How to get the best result" in headings
    assert "What this can and cannot do" in headings


def test_guide_names_the_styles_it_reads_and_what_it_cannot():
    """People write their own way; the guide says which styles are read, not how to write."""
    at = start()
    guide = " ".join(md.value for md in at.markdown)
    for style in (
        "flag",
        "base",
        "curled foot",
        "crossed 7s",
        "slashed zeros",
        "open 4s",
        "one-stroke 9s",
        "looped head",
    ):
        assert style in guide, style
    assert "thick" in guide and "thin" in guide
    assert "need not fill the frame" in guide
    assert "**one** digit, 0 to 9, per image" in guide
    assert "for several digits choose **A number**" in guide
    assert "Not letters or symbols" in guide
    assert "low confidence means it is guessing" in guide
    for old_advice in ("plain way", "without a crossbar", "single stroke", "MNIST", "1990s"):
        assert old_advice not in guide, old_advice


def test_low_confidence_is_said_plainly():
    at = drawn_with_an_unsure_answer()
    assert_no_crash(at)
    assert "Not sure" in at.warning[0].value
    assert "41%" in at.warning[0].value
    assert predicted(at) == "4"
    assert "**9** (40.0%)" in " ".join(md.value for md in at.markdown)


# --- numbers ----------------------------------------------------------------------------------


def number_mode(at: AppTest | None = None) -> AppTest:
    at = at or start()
    at.segmented_control(key="mode").set_value("A number").run()
    return at


def write(at: AppTest, image: np.ndarray | None) -> AppTest:
    """Put ``image`` on the wide number canvas as if it had just been drawn, and rerun."""
    at.session_state["number-canvas-0"] = canvas_state(image)
    return at.run()


def number_read(at: AppTest) -> str:
    values = {metric.label: metric.value for metric in at.metric}
    return values["Number read"]


def test_number_mode_shows_a_wide_canvas_and_a_prompt():
    at = number_mode()
    assert_no_crash(at)
    assert at.title[0].value == "Recognize a handwritten number"
    (canvas,) = at.get("bidi_component")
    spec = json.loads(canvas.proto.json)
    assert (spec["canvasWidth"], spec["canvasHeight"]) == (640, 240)
    assert any("Write a number" in info.value for info in at.info)
    assert answer_line(at) == "Write a number below; it shows here."
    assert not at.metric


def test_a_written_number_is_read_with_boxes_and_each_digit_shown():
    at = write(number_mode(), number_canvas(written([pen(d) for d in (2, 0, 2, 4)], seed=0)))
    assert_no_crash(at)
    assert number_read(at) == "2024"
    assert answer_line(at) == "**2024** · every digit sure"
    pictures = [img for node in at.image for img in node.proto.imgs]
    assert "Where each digit was found" in pictures[0].caption
    assert [img.caption for img in pictures[1:]] == ["2", "0", "2", "4"]  # what the model saw
    assert not at.warning


def test_an_uploaded_photo_of_a_number_is_read():
    at = number_mode()
    at.segmented_control(key="source").set_value("Upload").run()
    photo = number_photo((7, 3, 1), seed=1)
    at.file_uploader(key="upload").upload("number.jpg", photo, "image/jpeg").run()
    assert_no_crash(at)
    assert number_read(at) == "731"


def test_number_mode_explains_bad_files_blank_pictures_and_pages_of_writing():
    at = number_mode()
    at.segmented_control(key="source").set_value("Upload").run()
    at.file_uploader(key="upload").upload("notes.txt", b"milk, eggs", "text/plain").run()
    assert_no_crash(at)
    assert "not an image" in at.error[0].value.lower()
    blank = png_bytes(np.full((200, 600, 3), 240, np.uint8))
    at.file_uploader(key="upload").upload("blank.png", blank, "image/png").run()
    assert "No number found" in at.warning[0].value
    page = png_bytes(np.dstack([page_of_writing()] * 3))
    at.file_uploader(key="upload").upload("page.png", page, "image/png").run()
    assert_no_crash(at)
    assert "page of writing" in at.warning[0].value
    assert not at.metric


def test_an_unsure_digit_is_named_in_the_warning():
    digits = (
        NumberDigit(4, 0.97, (0.1,) * 10, np.zeros((28, 28), np.uint8), (10, 10, 40, 80)),
        NumberDigit(9, 0.41, (0.1,) * 10, np.zeros((28, 28), np.uint8), (60, 10, 40, 80)),
    )
    unsure = NumberResult("49", digits, marks=2)
    with mock.patch.object(Recognizer, "read_number", return_value=unsure):
        at = write(number_mode(), number_canvas(written([pen(4), pen(9)])))
    assert_no_crash(at)
    assert number_read(at) == "49"
    assert "the 2nd (9, 41%)" in at.warning[0].value
    assert answer_line(at) == "Maybe **49** · some digits are guesses"


def test_clear_empties_the_number_canvas_and_the_modes_switch_back_and_forth():
    at = write(number_mode(), number_canvas(written([pen(5), pen(8)], seed=2)))
    assert number_read(at) == "58"
    at.button(key="clear").click().run()
    assert_no_crash(at)
    assert not at.metric
    assert any("Write a number" in info.value for info in at.info)
    at.segmented_control(key="mode").set_value("One digit").run()
    assert at.title[0].value == "Recognize a handwritten digit"
    assert any("Draw a digit" in info.value for info in at.info)
    (canvas,) = at.get("bidi_component")
    assert json.loads(canvas.proto.json)["canvasWidth"] == 280
