"""The page, driven without a browser by Streamlit's AppTest.

The canvas cannot be drawn on here, so its state is injected through session state in the
form the component itself stores (a PNG data URL); tests/test_browser.py draws for real.
"""

from __future__ import annotations

import ast
import json
from io import BytesIO
from unittest import mock

import numpy as np
import pyarrow as pa
import pytest
import streamlit as st
from PIL import Image
from streamlit.testing.v1 import AppTest

from digitrec import Recognizer, Result
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

pytestmark = pytest.mark.skipif(
    not (ROOT / "models" / "digitrec_cnn.tflite").exists(),
    reason="models/digitrec_cnn.tflite is missing: train it with `python train.py`",
)

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
    at.slider(key="brush").set_value(30).run()
    assert_no_crash(at)
    assert at.slider(key="brush").value == 30


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


@pytest.mark.parametrize("fmt", ["PNG", "BMP", "GIF", "WEBP", "TIFF"])
def test_every_advertised_format_is_read(fmt):
    buffer = BytesIO()
    Image.fromarray(drawn_digit(7)[:, :, :3]).save(buffer, format=fmt)
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


def test_low_confidence_is_said_plainly():
    unsure = Result(
        digit=4,
        confidence=0.41,
        probabilities=(0.01, 0.02, 0.01, 0.01, 0.41, 0.02, 0.01, 0.01, 0.10, 0.40),
        processed=np.zeros((28, 28), np.uint8),
    )
    with mock.patch.object(Recognizer, "recognize", return_value=unsure):
        at = draw(start(), drawn_digit(7))
    assert_no_crash(at)
    assert "Not sure" in at.warning[0].value
    assert "41%" in at.warning[0].value
    assert predicted(at) == "4"
    assert "**9** (40.0%)" in " ".join(md.value for md in at.markdown)


def test_page_does_no_image_maths_itself():
    """The page lays out widgets; decoding and preprocessing belong to digitrec."""
    tree = ast.parse(APP.read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not imported & {"numpy", "cv2", "PIL", "tensorflow", "keras", "ai_edge_litert"}
