"""digitrec: recognize handwritten digits in drawings, scans and photos.

>>> from digitrec import Recognizer
>>> rec = Recognizer.load()
>>> result = rec.recognize("digit.jpg")
>>> result.digit, result.confidence
>>> rec.read_number("cheque.jpg").number
"""

from digitrec.annotate import draw_number
from digitrec.feedback import FeedbackError, FeedbackStore, Sample, feedback_db_path
from digitrec.imageio import MAX_PIXELS, ImageError, load_grey
from digitrec.personal import (
    FineTuneReport,
    PersonalModelError,
    forget_personal_model,
    learn_handwriting,
    personal_card,
    personal_path,
)
from digitrec.recognizer import NumberDigit, NumberResult, Recognizer, Result

__all__ = [
    "MAX_PIXELS",
    "FeedbackError",
    "FeedbackStore",
    "FineTuneReport",
    "ImageError",
    "NumberDigit",
    "NumberResult",
    "PersonalModelError",
    "Recognizer",
    "Result",
    "Sample",
    "draw_number",
    "feedback_db_path",
    "forget_personal_model",
    "learn_handwriting",
    "load_grey",
    "personal_card",
    "personal_path",
]
