"""digitrec: recognize handwritten digits in drawings, scans and photos.

>>> from digitrec import Recognizer
>>> rec = Recognizer.load()
>>> result = rec.recognize("digit.jpg")
>>> result.digit, result.confidence
"""

from digitrec.imageio import MAX_PIXELS, ImageError
from digitrec.recognizer import Recognizer, Result

__all__ = ["MAX_PIXELS", "ImageError", "Recognizer", "Result"]
