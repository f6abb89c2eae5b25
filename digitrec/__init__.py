"""digitrec: recognize handwritten digits in drawings, scans and photos.

>>> from digitrec import Recognizer
>>> rec = Recognizer.load()
>>> result = rec.recognize("digit.jpg")
>>> result.digit, result.confidence
"""

from digitrec.imageio import ImageError
from digitrec.recognizer import Recognizer, Result

__all__ = ["ImageError", "Recognizer", "Result"]
