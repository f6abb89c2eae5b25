"""digitrec's web page: draw, upload or photograph a digit or a number and see what is read.

Run with ``streamlit run streamlit_app.py``. This file is layout and widgets only: decoding,
preprocessing and the model all live in :mod:`digitrec`, so the page shows exactly what the
CLI and the evaluations measure.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from digitrec import (
    MAX_PIXELS,
    FeedbackError,
    FeedbackStore,
    ImageError,
    NumberResult,
    PersonalModelError,
    Recognizer,
    Result,
    draw_number,
    feedback_db_path,
    load_grey,
    personal_path,
)

HERE = Path(__file__).resolve().parent
COMPARISON_PAGE = HERE / "app_pages" / "model_comparison.py"
HANDWRITING_PAGE = HERE / "app_pages" / "my_handwriting.py"

DRAW, UPLOAD, CAMERA = "Draw", "Upload", "Camera"
FEEDBACK_SOURCES = {DRAW: "canvas", UPLOAD: "upload", CAMERA: "camera"}
SOURCE_LABELS = {
    DRAW: ":material/draw: Draw",
    UPLOAD: ":material/upload: Upload",
    CAMERA: ":material/photo_camera: Camera",
}

ONE_DIGIT, NUMBER = "One digit", "A number"
MODE_LABELS = {
    ONE_DIGIT: ":material/looks_one: One digit",
    NUMBER: ":material/pin: A number",
}

# 280 px is MNIST's 28 px times ten: it fits a 320 px phone screen with the page's margins
# and still leaves room for a finger. A 20 px brush gives strokes as thick, relative to the
# digit, as MNIST's pen.
CANVAS_SIZE = 280
# For numbers, a strip as wide as the page's column (704 px) allows: eight digits of about
# 60 px, four of 150 px. Narrower screens show it zoomed out (NUMBER_CANVAS_ZOOM).
NUMBER_CANVAS = (640, 240)
BRUSH_DEFAULT, BRUSH_MIN, BRUSH_MAX = 20, 8, 40

UPLOAD_TYPES = "PNG, JPEG, HEIC, AVIF, BMP, GIF, WebP or TIFF"
HIGHLIGHT, MUTED = "#e4572e", "#9aa5b1"
PHONE_WIDTH_PX = 640  # Streamlit stacks st.columns at this width and below

log = logging.getLogger("digitrec.app")

# The wide canvas is zoomed out to fit narrow screens (the page's column is the screen less
# 2 x 16 px of margin); the canvas maps the pointer through its on-screen size, so drawing
# still lands under the finger.
NUMBER_CANVAS_ZOOM = "\n".join(
    f"@media (width < {below}px) {{ .st-key-number-canvas "
    f'[data-testid="stBidiComponentIsolated"] {{ zoom: {zoom}; }} }}'
    for below, zoom in ((672, 0.82), (560, 0.67), (460, 0.54), (380, 0.45), (320, 0.4))
)

# The model's 28x28 input is shown enlarged; pixelated rendering keeps its pixels sharp
# instead of letting the browser blur them. The big digit is the page's answer.
# Below 640 px Streamlit stacks the columns, which would put the answer under the canvas, out
# of sight while drawing on a phone: there a one-line answer above the input replaces the big
# one, and the title shrinks to leave room. The line keeps one height in every state so that
# the canvas never jumps between strokes.
PAGE_CSS = f"""
<style>
.st-key-model-input img {{ image-rendering: pixelated; image-rendering: crisp-edges; }}
.st-key-predicted-digit [data-testid="stMetricValue"] {{ font-size: 4.5rem; line-height: 1.1; }}
.st-key-answer-line {{ min-height: 3rem; justify-content: center; }}
.st-key-answer-line p {{ margin: 0; font-size: 1.1rem; line-height: 1.35; }}
.st-key-answer-line strong {{
  font-size: 2.25rem; font-weight: 700; line-height: 1; vertical-align: -0.2rem;
  color: {HIGHLIGHT};
}}
@media (width > {PHONE_WIDTH_PX}px) {{
  [data-testid="stLayoutWrapper"]:has(> .st-key-answer-line), .st-key-answer-line {{
    display: none;
  }}
}}
@media (width <= {PHONE_WIDTH_PX}px) {{
  [data-testid="stLayoutWrapper"]:has(> .st-key-prediction), .st-key-prediction {{
    display: none;
  }}
  .stMain [data-testid="stHeadingWithActionElements"] h1 {{
    font-size: 1.75rem; padding: 0 0 0.5rem;
  }}
}}
.st-key-number-read [data-testid="stMetricValue"] {{ font-size: 3.5rem; line-height: 1.1; }}
.st-key-number-inputs img {{ image-rendering: pixelated; image-rendering: crisp-edges; }}
{NUMBER_CANVAS_ZOOM}
</style>
"""


def main() -> None:
    """Pick the page from the top navigation and run it."""
    st.set_page_config(page_title="digitrec — handwritten digits", page_icon=":material/draw:")
    st.navigation(pages(), position="top").run()


def pages() -> list[st.Page]:
    """Our page, "My handwriting" and the model comparison page."""
    recognize = st.Page(
        recognize_page,
        title="Recognize a digit",
        icon=":material/draw:",
        url_path="recognize",
        default=True,
    )
    mine = st.Page(HANDWRITING_PAGE, title="My handwriting", icon=":material/person:")
    compare = st.Page(COMPARISON_PAGE, title="How the models compare", icon=":material/bar_chart:")
    return [recognize, mine, compare]


def recognize_page() -> None:
    """Where the writing comes from and what to read in it, then the input and the answer."""
    st.html(PAGE_CSS)
    number = st.session_state.get("mode") == NUMBER
    st.title("Recognize a handwritten number" if number else "Recognize a handwritten digit")
    recognizer = load_recognizer_or_explain()
    if recognizer is None:
        return
    store = feedback_store_or_none()
    recognizer = model_switch(store) or recognizer
    with st.container(horizontal=True, gap="medium"):
        number = mode_picker() == NUMBER
        source = source_picker(number)
    if number:
        number_page(recognizer, source)
    else:
        digit_page(recognizer, source, store)
    guide(number)


def digit_page(recognizer: Recognizer, source: str, store: FeedbackStore | FeedbackError) -> None:
    """Input on the left, the answer on the right; on phones the answer line above the input."""
    phone_answer = st.container(key="answer-line")  # filled once the input has been read
    left, right = st.columns(2, gap="medium")
    with left:
        image, label = INPUTS[source]()
    with right:
        result = show_answer(recognizer, source, image, label)
        if result is not None and result.found:
            correction(store, source, image, result)
    with phone_answer:
        answer_line(source, image, result)


def number_page(recognizer: Recognizer, source: str) -> None:
    """The wide input, then the number read, where each digit was found and how surely."""
    phone_answer = st.container(key="answer-line")
    image, label = NUMBER_INPUTS[source]()
    result = show_number(recognizer, source, image, label)
    with phone_answer:
        answer_line(source, image, result, number=True)


@st.cache_resource(show_spinner="Loading the model…")
def load_recognizer() -> Recognizer:
    """One recognizer per server process, shared by every session; never retrained here.

    Once it is loaded, everything the process holds so far (Streamlit, numpy, the model:
    about 100,000 objects) lives as long as the process, so it is moved out of the garbage
    collector's sight: Python's own full collections then walk only what sessions create
    (20 ms a collection, holding the interpreter lock, down to nearly nothing; see
    "Serving many people" in README.md).
    """
    recognizer = Recognizer.load()
    gc.collect()
    gc.freeze()
    return recognizer


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


def feedback_store_or_none() -> FeedbackStore | FeedbackError:
    """The store of the user's corrections, or the error that says why it cannot be used
    (the page goes on recognizing either way)."""
    path = feedback_db_path()
    try:
        identity = file_identity(path)
        if identity is None:
            return FeedbackStore(path)  # sets the file up; the next rerun shares a store
        return shared_feedback_store(str(path), identity)
    except FeedbackError as err:
        return err


@st.cache_resource(show_spinner=False)
def shared_feedback_store(path: str, identity: tuple[int, int]) -> FeedbackStore:
    """One store per database file for the whole process. Making a store opens and checks the
    file, which cost 5% of the server's time at 50 people drawing (once per stroke); a store
    is safe to share between sessions. ``identity`` keys the cache, so a file deleted or
    replaced while the page runs gets a store (and a schema) of its own."""
    return FeedbackStore(path)


def file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file at ``path``, or None where there is none."""
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_dev, found.st_ino


@st.cache_resource(show_spinner="Loading your personal model…")
def load_personal(path: str, modified: float) -> Recognizer:
    """One personal recognizer per saved file and version (``modified`` keys the cache)."""
    return Recognizer.load_personal(path)


def model_switch(store: FeedbackStore | FeedbackError) -> Recognizer | None:
    """Once a personal model exists: a switch between it and the shipped one. Returns the
    personal recognizer when it is switched on, else None (the shipped model)."""
    if isinstance(store, FeedbackError):
        return None
    path = personal_path(store)
    if not path.is_file():
        return None
    on = st.toggle(
        "Use my personal model",
        key="use-personal",
        help="The model fine-tuned on your corrections (page “My handwriting”).",
    )
    if not on:
        return None
    try:
        return load_personal(str(path), path.stat().st_mtime)
    except (PersonalModelError, OSError, ValueError, KeyError) as err:
        st.warning(f"The personal model cannot be used: {err}. Using the shipped model.")
        return None


def correction(
    store: FeedbackStore | FeedbackError, source: str, image: Any, result: Result
) -> None:
    """ "That's right" or "That's wrong, it is: [0..9]": saves the sample to the local store."""
    with st.container(key="feedback"):
        if isinstance(store, FeedbackError):
            st.caption(f"Corrections cannot be saved here: {store}")
            return
        fingerprint = hash(result.processed.tobytes())
        saved = st.session_state.get("feedback-saved")
        if saved is not None and saved[0] == fingerprint:
            st.success(
                f"Saved as a {saved[1]}. Review it on the page “My handwriting”.",
                icon=":material/check:",
            )
            return
        args = (store, source, image, result, fingerprint)
        st.button(
            "That's right",
            key="feedback-right",
            icon=":material/thumb_up:",
            on_click=save_correction,
            args=(*args, result.digit),
        )
        st.caption("That's wrong, it is:")
        with st.container(horizontal=True, gap="small", key="feedback-digits"):
            for digit in range(10):
                st.button(
                    str(digit),
                    key=f"feedback-{digit}",
                    on_click=save_correction,
                    args=(*args, digit),
                )


def save_correction(
    store: FeedbackStore, source: str, image: Any, result: Result, fingerprint: int, label: int
) -> None:
    """Button callback: one sample, in one transaction; a failure is shown, not raised."""
    try:
        store.add_result(result, label, FEEDBACK_SOURCES[source], image)
    except (FeedbackError, ValueError) as err:
        st.toast(f"Not saved: {err}", icon=":material/error:")
        return
    st.session_state["feedback-saved"] = (fingerprint, label)


def source_picker(number: bool = False) -> str:
    """Where the digit comes from: drawn here, an uploaded file, or the device's camera."""
    label = "Where is your number?" if number else "Where is your digit?"
    return picker(label, SOURCE_LABELS, "source")


def mode_picker() -> str:
    """What to read: one digit (the whole picture is one digit) or a number of several."""
    return picker("What is to be read?", MODE_LABELS, "mode")


def picker(label: str, options: dict[str, str], key: str) -> str:
    """One choice among ``options`` (value: label with icon), the first by default."""
    first = next(iter(options))
    choice = st.segmented_control(
        label, list(options), default=first, format_func=options.get, required=True, key=key
    )
    return choice or first


def drawn_digit() -> tuple[Any, str]:
    """The square canvas for one digit, a Clear button and the brush width."""
    return drawing(CANVAS_SIZE, CANVAS_SIZE, canvas_key()), "your drawing"


def drawn_number() -> tuple[Any, str]:
    """The wide canvas for a number, a Clear button and the brush width."""
    with st.container(key="number-canvas"):
        image = drawing(*NUMBER_CANVAS, canvas_key("number-canvas"))
    return image, "your drawing"


def drawing(width: int, height: int, key: str) -> Any:
    """A canvas (white ink on black, like MNIST), a Clear button and the brush width; returns
    the drawing (RGBA), None before the first stroke.

    The brush slider sits below the canvas so that on a phone the canvas and the answer
    above it fit on one screen; its value is read from session state to size the brush.
    """
    from streamlit_drawable_canvas import st_canvas  # only importable inside a running app

    st.space(24)  # room for the canvas's toolbar, which pops up just above it
    canvas = st_canvas(
        stroke_width=st.session_state.get("brush", BRUSH_DEFAULT),
        stroke_color="#FFFFFF",
        background_color="#000000",
        width=width,
        height=height,
        drawing_mode="freedraw",
        update_streamlit=True,
        return_image_data=True,
        key=key,
    )
    st.button("Clear", icon=":material/delete:", on_click=clear_canvas, key="clear")
    st.slider("Brush width", BRUSH_MIN, BRUSH_MAX, BRUSH_DEFAULT, step=2, key="brush")
    st.caption("Undo and redo: hover over or tap the canvas's top-right corner.")
    return canvas.image_data


def canvas_key(name: str = "canvas") -> str:
    """A canvas's widget key; a new key gives a fresh, empty canvas."""
    return f"{name}-{st.session_state.get('canvas_generation', 0)}"


def clear_canvas() -> None:
    """Drop the drawings by giving the canvases new keys (old states go with the old keys)."""
    st.session_state.pop(canvas_key(), None)
    st.session_state.pop(canvas_key("number-canvas"), None)
    st.session_state["canvas_generation"] = st.session_state.get("canvas_generation", 0) + 1


def uploaded_digit() -> tuple[Any, str]:
    """An image file of one digit: any type is let through so that we can say what is wrong."""
    return uploaded(
        f"Upload a photo or scan of one digit ({UPLOAD_TYPES})",
        "Phone photos are turned upright automatically. One digit per image; "
        "it need not fill the frame.",
    )


def uploaded_number() -> tuple[Any, str]:
    """An image file of a number written on one line."""
    return uploaded(
        f"Upload a photo or scan of a number ({UPLOAD_TYPES})",
        "Phone photos are turned upright automatically. The digits of one number, on one "
        "line; ruled lines, slant and a trailing dot are fine.",
    )


def uploaded(label: str, help: str) -> tuple[Any, str]:
    """The uploaded file's bytes and name, or (None, "") before an upload."""
    upload = st.file_uploader(label, key="upload", help=help)
    if upload is None:
        return None, ""
    return upload.getvalue(), upload.name


def photographed_digit() -> tuple[Any, str]:
    """A photo from the device's camera of one written digit."""
    return photographed("Take a photo of one digit written on paper")


def photographed_number() -> tuple[Any, str]:
    """A photo from the device's camera of a number written on paper."""
    return photographed("Take a photo of a number written on paper")


def photographed(label: str) -> tuple[Any, str]:
    photo = st.camera_input(label, key="camera")
    if photo is None:
        return None, ""
    return photo.getvalue(), "the photo"


INPUTS: dict[str, Callable[[], tuple[Any, str]]] = {
    DRAW: drawn_digit,
    UPLOAD: uploaded_digit,
    CAMERA: photographed_digit,
}

NUMBER_INPUTS: dict[str, Callable[[], tuple[Any, str]]] = {
    DRAW: drawn_number,
    UPLOAD: uploaded_number,
    CAMERA: photographed_number,
}

PROMPTS = {
    DRAW: "Draw a digit (0–9) on the black square. The answer appears after every stroke.",
    UPLOAD: f"Upload an image of one handwritten digit ({UPLOAD_TYPES}).",
    CAMERA: "Take a photo of one handwritten digit.",
}

NUMBER_PROMPTS = {
    DRAW: "Write a number on the black strip, digits side by side. It is read after every stroke.",
    UPLOAD: f"Upload an image of a handwritten number ({UPLOAD_TYPES}).",
    CAMERA: "Take a photo of a handwritten number.",
}


def show_answer(recognizer: Recognizer, source: str, image: Any, label: str) -> Result | None:
    """The prompt, an error, or the model's reading of the image, which it returns."""
    result = prompt_or_read(recognizer.recognize, source, image, label, PROMPTS)
    if result is None:
        return None
    if not result.found:
        no_digit_found(source)
        return result
    if result.unsure:
        st.warning(
            f"Not sure: this looks most like a {result.digit}, but the model is only "
            f"{result.confidence:.0%} confident. See the tips below."
        )
    prediction(result)
    probability_chart(result)
    alternatives(result)
    model_input(result)
    return result


SHORT_PROMPTS = {
    DRAW: "Draw a digit below; the answer shows here.",
    UPLOAD: "Upload a digit below; the answer shows here.",
    CAMERA: "Take a photo below; the answer shows here.",
}


def answer_line(source: str, image: Any, result: Result | NumberResult | None, number=False):
    """Phones only: the digit or number and how sure the model is, in one line above the
    input.

    On a narrow screen everything in the right-hand column lands below the input; this line
    keeps the answer in sight while a finger draws on the canvas.
    """
    if image is not None and result is None:
        text = "This image could not be read: see below."
    elif result is None or (
        not result.found and source == DRAW and not getattr(result, "note", None)
    ):
        text = (NUMBER_SHORT_PROMPTS if number else SHORT_PROMPTS)[source]
    elif not result.found:
        text = f"No {'number' if number else 'digit'} found in this image: see below."
    else:
        text = found_line(result)
    st.markdown(text)


def found_line(result: Result | NumberResult) -> str:
    """What was read and how surely, in a few words."""
    if isinstance(result, NumberResult):
        if result.unsure:
            return f"Maybe **{result.number}** · some digits are guesses"
        return f"**{result.number}** · every digit sure"
    if result.unsure:
        return f"Maybe **{result.digit}** · confidence only {result.confidence:.0%}"
    return f"**{result.digit}** · confidence {result.confidence_text}"


def prompt_or_read(
    read: Callable[..., Any], source: str, image: Any, label: str, prompts: dict[str, str]
) -> Any:
    """The prompt when there is no image yet; else ``read(image, name=label)``, or None with
    a message instead of a stack trace when the image cannot be read."""
    if image is None:
        st.info(prompts[source], icon=":material/info:")
        return None
    result = safely(read, image, label)
    if result is None and source == UPLOAD:
        megapixels = MAX_PIXELS // 1_000_000
        st.caption(f"The page reads {UPLOAD_TYPES} images of up to {megapixels} megapixels.")
    return result


def safely(read: Callable[..., Any], image: Any, label: str) -> Any:
    """``read(image, name=label)``, or None with a message when the image cannot be read."""
    try:
        return read(image, name=label)
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


def show_number(recognizer: Recognizer, source: str, image: Any, label: str) -> NumberResult | None:
    """The prompt, an error, or the number read in the image, which it returns.

    The picture is decoded once, here: the reading and the picture with its boxes both use
    the decoded grey image (a phone photo costs tens of milliseconds to decode).
    """
    grey = prompt_or_read(load_grey, source, image, label, NUMBER_PROMPTS)
    if grey is None:
        return None
    result = safely(recognizer.read_number, grey, label)
    if result is None:
        return None
    if not result.found:
        if result.note:
            st.warning(f"No number read: {result.note}.")
        else:
            no_digit_found(source, number=True)
        return result
    if result.unsure:
        guesses = ", ".join(
            f"the {ordinal(i + 1)} ({d.digit}, {d.confidence:.0%})"
            for i, d in enumerate(result.digits)
            if d.unsure
        )
        st.warning(f"Not sure of every digit: {guesses} may be wrong (in orange below).")
    if result.note:
        st.info(f"Note: {result.note}.", icon=":material/info:")
    number_read(result)
    digits_found(grey, result)
    return result


def number_read(result: NumberResult) -> None:
    """The number, large, with how sure the model is of its least sure digit."""
    with st.container(horizontal=True, gap="large", key="prediction"):
        with st.container(key="number-read", width="content"):
            st.metric("Number read", result.number)
        with st.container(key="number-confidence", width="content"):
            st.metric("Least sure digit", result.confidence_text)


def digits_found(grey: Any, result: NumberResult) -> None:
    """The picture with a box round each digit and its confidence, then what the model saw."""
    st.image(
        draw_number(grey, result),
        caption="Where each digit was found, and how sure the model is of it",
    )
    with st.container(horizontal=True, key="number-inputs"):
        for digit in result.digits:
            st.image(digit.processed, width=56, caption=f"{digit.digit}")
    st.caption("What the model saw of each digit (28 × 28 pixels)")


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, ... 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


NUMBER_SHORT_PROMPTS = {
    DRAW: "Write a number below; it shows here.",
    UPLOAD: "Upload a number below; it shows here.",
    CAMERA: "Take a photo below; the number shows here.",
}


def no_digit_found(source: str, number: bool = False) -> None:
    """A blank canvas is just not drawn on yet; a blank photo deserves a plain explanation."""
    if source == DRAW:
        st.info((NUMBER_PROMPTS if number else PROMPTS)[DRAW], icon=":material/info:")
    else:
        what = ("number", "the digits are") if number else ("digit", "one digit is")
        st.warning(
            f"No {what[0]} found in this image. Make sure {what[1]} clearly visible, "
            "dark on a light background or light on a dark one."
        )


def prediction(result: Result) -> None:
    """The digit, large, with how sure the model is."""
    with st.container(horizontal=True, gap="large", key="prediction"):
        with st.container(key="predicted-digit", width="content"):
            st.metric("Predicted digit", str(result.digit))
        with st.container(key="confidence", width="content"):
            st.metric("Confidence", result.confidence_text)


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


def guide(number: bool = False) -> None:
    """Short advice and honest limits, for people who wonder why a digit was misread."""
    st.divider()
    tips, limits = st.columns(2, gap="medium")
    with tips:
        st.subheader("How to get the best result")
        if number:
            st.markdown(
                "- Write the digits **side by side on one line**, each about as tall as the "
                "others, with a little space between them.\n"
                "- Digits that touch are cut apart, but less surely than digits with a gap.\n"
                "- For photos: dark ink on paper, good light; ruled lines, slant and a "
                "trailing dot are fine. Keep other writing out of the picture."
            )
        else:
            st.markdown(
                "- Draw **one** digit, large, filling most of the square.\n"
                "- Write the way you always do, with a thin pen or a thick one.\n"
                "- For photos: ink or pencil on paper, or chalk on a board, in good light. "
                "The digit need not fill the frame, but keep other writing out of the "
                "picture: it can be read as ink."
            )
    with limits:
        st.subheader("What this can and cannot do")
        reads = (
            "- It reads the digits 0 to 9 of **one number** on one line, left to right — not "
            "letters, signs or decimal points (dots are left out).\n"
            if number
            else "- It reads **one** digit, 0 to 9, per image; for several digits choose "
            "**A number** above. Not letters or symbols.\n"
        )
        st.markdown(
            "- It reads the usual ways of writing digits, European and American: 1s with a "
            "flag, a base or a curled foot, crossed 7s, slashed zeros, open 4s, one-stroke 9s "
            "and 9s with a looped head.\n"
            + reads
            + "- Anything with ink in it is read as *some* digit; a low confidence means it is "
            "guessing."
        )


if __name__ == "__main__":
    main()
