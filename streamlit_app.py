"""digitrec's web page: draw, upload or photograph a digit and see what the model reads.

Run with ``streamlit run streamlit_app.py``. This file is layout and widgets only: decoding,
preprocessing and the model all live in :mod:`digitrec`, so the page shows exactly what the
CLI and the evaluations measure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from digitrec import ImageError, Recognizer, Result
from digitrec.imageio import MAX_PIXELS

HERE = Path(__file__).resolve().parent
COMPARISON_PAGE = HERE / "app_pages" / "model_comparison.py"

DRAW, UPLOAD, CAMERA = "Draw", "Upload", "Camera"
SOURCE_LABELS = {
    DRAW: ":material/draw: Draw",
    UPLOAD: ":material/upload: Upload",
    CAMERA: ":material/photo_camera: Camera",
}

# 280 px is MNIST's 28 px times ten: it fits a 320 px phone screen with the page's margins
# and still leaves room for a finger. A 20 px brush gives strokes as thick, relative to the
# digit, as MNIST's pen.
CANVAS_SIZE = 280
BRUSH_DEFAULT, BRUSH_MIN, BRUSH_MAX = 20, 8, 40

UPLOAD_TYPES = "PNG, JPEG, BMP, GIF, WebP or TIFF"
HIGHLIGHT, MUTED = "#e4572e", "#9aa5b1"

log = logging.getLogger("digitrec.app")

# The model's 28x28 input is shown enlarged; pixelated rendering keeps its pixels sharp
# instead of letting the browser blur them. The big digit is the page's answer.
PAGE_CSS = """
<style>
.st-key-model-input img { image-rendering: pixelated; image-rendering: crisp-edges; }
.st-key-predicted-digit [data-testid="stMetricValue"] { font-size: 4.5rem; line-height: 1.1; }
</style>
"""


def main() -> None:
    """Pick the page from the top navigation and run it."""
    st.set_page_config(page_title="digitrec — handwritten digits", page_icon=":material/draw:")
    st.navigation(pages(), position="top").run()


def pages() -> list[st.Page]:
    """Our page, plus the model comparison page once its file exists."""
    recognize = st.Page(
        recognize_page,
        title="Recognize a digit",
        icon=":material/draw:",
        url_path="recognize",
        default=True,
    )
    if not COMPARISON_PAGE.exists():
        return [recognize]
    compare = st.Page(COMPARISON_PAGE, title="How the models compare", icon=":material/bar_chart:")
    return [recognize, compare]


def recognize_page() -> None:
    """Input on the left, the answer on the right (stacked on phones), the guide below."""
    st.html(PAGE_CSS)
    st.title("Recognize a handwritten digit")
    recognizer = load_recognizer_or_explain()
    if recognizer is None:
        return
    source = source_picker()
    left, right = st.columns(2, gap="medium")
    with left:
        image, label = INPUTS[source]()
    with right:
        show_answer(recognizer, source, image, label)
    guide()


@st.cache_resource(show_spinner="Loading the model…")
def load_recognizer() -> Recognizer:
    """One recognizer per server process, shared by every session; never retrained here."""
    return Recognizer.load()


def load_recognizer_or_explain() -> Recognizer | None:
    """The shared recognizer, or a plain message when the model file is missing."""
    try:
        return load_recognizer()
    except FileNotFoundError as err:
        st.error(f"The model is not installed, so nothing can be recognized yet. {err}")
    except Exception:
        log.exception("loading the model failed")
        st.error("The model could not be loaded. Please tell whoever runs this site.")
    return None


def source_picker() -> str:
    """Where the digit comes from: drawn here, an uploaded file, or the device's camera."""
    choice = st.segmented_control(
        "Where is your digit?",
        list(SOURCE_LABELS),
        default=DRAW,
        format_func=SOURCE_LABELS.get,
        required=True,
        key="source",
    )
    return choice or DRAW


def drawn_digit() -> tuple[Any, str]:
    """The canvas (white ink on black, like MNIST), its brush width and a Clear button."""
    from streamlit_drawable_canvas import st_canvas  # only importable inside a running app

    brush = st.slider("Brush width", BRUSH_MIN, BRUSH_MAX, BRUSH_DEFAULT, step=2, key="brush")
    st.space(24)  # room for the canvas's toolbar, which pops up just above it
    canvas = st_canvas(
        stroke_width=brush,
        stroke_color="#FFFFFF",
        background_color="#000000",
        width=CANVAS_SIZE,
        height=CANVAS_SIZE,
        drawing_mode="freedraw",
        update_streamlit=True,
        return_image_data=True,
        key=canvas_key(),
    )
    st.button("Clear", icon=":material/delete:", on_click=clear_canvas, key="clear")
    st.caption("Undo and redo: hover over or tap the canvas's top-right corner.")
    return canvas.image_data, "your drawing"


def canvas_key() -> str:
    """The canvas's widget key; a new key gives a fresh, empty canvas."""
    return f"canvas-{st.session_state.get('canvas_generation', 0)}"


def clear_canvas() -> None:
    """Drop the drawing by giving the canvas a new key (its old state goes with the old key)."""
    st.session_state.pop(canvas_key(), None)
    st.session_state["canvas_generation"] = st.session_state.get("canvas_generation", 0) + 1


def uploaded_digit() -> tuple[Any, str]:
    """An image file of one digit: any type is let through so that we can say what is wrong."""
    upload = st.file_uploader(
        f"Upload a photo or scan of one digit ({UPLOAD_TYPES})",
        key="upload",
        help="Phone photos are turned upright "
        "automatically. Crop to one digit for the best result.",
    )
    if upload is None:
        return None, ""
    return upload.getvalue(), upload.name


def photographed_digit() -> tuple[Any, str]:
    """A photo from the device's camera: hold one written digit up, filling most of the frame."""
    photo = st.camera_input("Take a photo of one digit written on paper", key="camera")
    if photo is None:
        return None, ""
    return photo.getvalue(), "the photo"


INPUTS: dict[str, Callable[[], tuple[Any, str]]] = {
    DRAW: drawn_digit,
    UPLOAD: uploaded_digit,
    CAMERA: photographed_digit,
}

PROMPTS = {
    DRAW: "Draw a digit (0–9) on the black square. The answer appears after every stroke.",
    UPLOAD: f"Upload an image of one handwritten digit ({UPLOAD_TYPES}).",
    CAMERA: "Take a photo of one handwritten digit.",
}


def show_answer(recognizer: Recognizer, source: str, image: Any, label: str) -> None:
    """The prompt, an error, or the model's reading of the image."""
    if image is None:
        st.info(PROMPTS[source], icon=":material/info:")
        return
    result = read_digit(recognizer, image, label)
    if result is None:
        if source == UPLOAD:
            megapixels = MAX_PIXELS // 1_000_000
            st.caption(f"The page reads {UPLOAD_TYPES} images of up to {megapixels} megapixels.")
        return
    if not result.found:
        no_digit_found(source)
        return
    if result.unsure:
        st.warning(
            f"Not sure: this looks most like a {result.digit}, but the model is only "
            f"{result.confidence:.0%} confident. See the tips below."
        )
    prediction(result)
    probability_chart(result)
    alternatives(result)
    model_input(result)


def read_digit(recognizer: Recognizer, image: Any, label: str) -> Result | None:
    """Recognize ``image``, turning every failure into a message instead of a stack trace."""
    try:
        return recognizer.recognize(image, name=label)
    except ImageError as err:
        message = str(err)
        st.error(f"{message[:1].upper()}{message[1:]}.", icon=":material/error:")
    except Exception:
        log.exception("recognizing %s failed", label)
        st.error(
            f"Something went wrong while reading {label}. Please try another image.",
            icon=":material/error:",
        )
    return None


def no_digit_found(source: str) -> None:
    """A blank canvas is just not drawn on yet; a blank photo deserves a plain explanation."""
    if source == DRAW:
        st.info(PROMPTS[DRAW], icon=":material/info:")
    else:
        st.warning(
            "No digit found in this image. Make sure one digit is clearly visible, "
            "dark on a light background or light on a dark one."
        )


def prediction(result: Result) -> None:
    """The digit, large, with how sure the model is."""
    with st.container(horizontal=True, gap="large"):
        with st.container(key="predicted-digit", width="content"):
            st.metric("Predicted digit", str(result.digit))
        with st.container(key="confidence", width="content"):
            st.metric("Confidence", confidence_text(result.confidence))


def confidence_text(confidence: float) -> str:
    """A percentage that never rounds a near-certainty up to a flat "100.0%"."""
    return "> 99.9%" if confidence > 0.999 else f"{confidence:.1%}"


def probability_chart(result: Result) -> None:
    """All ten probabilities in digit order, the predicted one highlighted."""
    assert result.probabilities is not None
    values = [{"digit": str(d), "probability": p} for d, p in enumerate(result.probabilities)]
    spec = {
        "data": {"values": values},
        "mark": {"type": "bar", "cornerRadiusEnd": 2},
        "encoding": {
            "x": {
                "field": "digit",
                "type": "ordinal",
                "sort": [str(d) for d in range(10)],
                "title": "Digit",
                "axis": {"labelAngle": 0},
            },
            "y": {
                "field": "probability",
                "type": "quantitative",
                "title": "Probability",
                "scale": {"domain": [0, 1]},
                "axis": {"format": "%"},
            },
            "color": {
                "condition": {"test": f"datum.digit === '{result.digit}'", "value": HIGHLIGHT},
                "value": MUTED,
            },
            "tooltip": [
                {"field": "digit", "type": "ordinal"},
                {"field": "probability", "type": "quantitative", "format": ".1%"},
            ],
        },
    }
    st.vega_lite_chart(
        spec=spec,
        width="stretch",
        height=200,
        alt="Probability of each digit, predicted digit highlighted",
    )


def alternatives(result: Result) -> None:
    """The runners-up worth a mention (at least 1%), so a near miss is visible."""
    others = [(d, p) for d, p in result.ranked()[1:3] if p >= 0.01]
    if others:
        listed = ", ".join(f"**{d}** ({p:.1%})" for d, p in others)
        st.markdown(f"Other possibilities: {listed}")
    else:
        st.markdown("No other digit is a serious possibility.")


def model_input(result: Result) -> None:
    """The 28x28 image the model actually saw, enlarged with hard pixel edges."""
    with st.container(key="model-input"):
        st.image(result.processed, width=140, caption="What the model saw (28 × 28 pixels)")


def guide() -> None:
    """Short advice and honest limits, for people who wonder why a digit was misread."""
    st.divider()
    tips, limits = st.columns(2, gap="medium")
    with tips:
        st.subheader("How to get the best result")
        st.markdown(
            "- Draw **one** digit, large, filling most of the square.\n"
            "- Write it the plain way: a 7 without a crossbar, a 1 as a single stroke.\n"
            "- For photos: dark ink on plain paper, good light, the digit filling the frame.\n"
            "- Crop an upload to one digit; anything else in the picture can be read as ink."
        )
    with limits:
        st.subheader("What this can and cannot do")
        st.markdown(
            "- It reads **one** digit, 0 to 9, per image — not numbers, letters or symbols.\n"
            "- It learned from MNIST, American handwriting from the 1990s: unusual styles "
            "can be misread with high confidence.\n"
            "- Anything with ink in it is read as *some* digit; a low confidence means it is "
            "guessing."
        )


if __name__ == "__main__":
    main()
