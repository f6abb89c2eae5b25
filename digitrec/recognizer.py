"""The public recognizer: any image in, the digit and its probabilities out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitrec.imageio import ImageSource, load_grey
from digitrec.interpreter import DigitClassifier
from digitrec.preprocess import PreparedDigit, prepare_digit
from digitrec.segment import Segmentation, decode, segment
from digitrec.verifier import DigitVerifier

# Below this probability the answer is shown as a guess. Measured with the shipped model by
# bench/low_confidence.py: on the 6,000-digit MNIST validation split 99.5% of answers are
# above it and 99.5% of those are right, while of the 0.5% below it only 56% are; on real
# pen digits (UNIPEN on the canvas) 98.9% are above it, 98.2% of those right, 61% below.
LOW_CONFIDENCE = 0.6
# A picture of scattered grain (:class:`digitrec.preprocess.PreparedDigit`) is a digit only if
# the model is at least this sure of it. Measured with the shipped model on pictures of pure
# Gaussian noise (sigma 0.3 / 0.5 / 0.7, 1,000 each): the model is at most 0.25 sure of 95%
# of them, and 99.1% / 95.7% / 91.6% end as "no digit" (95.9% at sigma 0.5 when every
# scattered picture was refused). Of the 6,000 validation digits with sigma 0.5 noise, 1.3%
# are scattered and mostly read with confidence: accuracy 95.07% -> 95.98%.
SCATTERED_MIN_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Result:
    """What the recognizer read in one image.

    ``digit`` is None when no digit was found (blank canvas, blank paper, noise); then
    ``confidence`` is 0.0 and ``probabilities`` and ``processed`` are None.
    """

    digit: int | None
    confidence: float
    probabilities: tuple[float, ...] | None
    processed: np.ndarray | None

    @property
    def found(self) -> bool:
        return self.digit is not None

    @property
    def unsure(self) -> bool:
        """A digit was found but the model is not confident: say so rather than pretend."""
        return self.found and self.confidence < LOW_CONFIDENCE

    @property
    def confidence_text(self) -> str:
        """The confidence as a percentage, "> 99.9%" for a near-certainty rather than the
        flat "100.0%" it would round to (0.0% when no digit was found)."""
        return "> 99.9%" if self.confidence > 0.999 else f"{self.confidence:.1%}"

    def ranked(self) -> list[tuple[int, float]]:
        """(digit, probability) pairs, most likely first; empty when no digit was found."""
        if self.probabilities is None:
            return []
        return sorted(enumerate(self.probabilities), key=lambda pair: -pair[1])


# What every input without a digit gives.
NOTHING_FOUND = Result(digit=None, confidence=0.0, probabilities=None, processed=None)


@dataclass(frozen=True)
class NumberDigit(Result):
    """One digit of a number: what :class:`Result` holds, and where it was found.

    ``box`` is (x, y, width, height) in the pixels of the picture given (after any EXIF
    turn). A digit of a number is always found, so ``digit`` is never None here.
    """

    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class NumberResult:
    """What the recognizer read in a picture of a number.

    ``number`` is the digits as a string ("2024"; leading zeros kept), or None when no digit
    was found. ``digits`` are the digits, left to right. ``marks`` counts the digit-sized
    marks seen; ``note`` says why nothing was read when there was something to see (a page
    of writing, say).
    """

    number: str | None
    digits: tuple[NumberDigit, ...]
    marks: int = 0
    note: str | None = None

    @property
    def found(self) -> bool:
        return self.number is not None

    @property
    def unsure(self) -> bool:
        """Some digit is a guess: the number as a whole should not be trusted."""
        return any(digit.unsure for digit in self.digits)

    @property
    def confidence(self) -> float:
        """How sure the model is of the whole number: its least sure digit (0 when none)."""
        return min((digit.confidence for digit in self.digits), default=0.0)

    @property
    def confidence_text(self) -> str:
        """:attr:`confidence` as :attr:`Result.confidence_text` writes it."""
        least = min(self.digits, key=lambda digit: digit.confidence, default=NOTHING_FOUND)
        return least.confidence_text


def prepare(source: ImageSource, name: str | None = None) -> PreparedDigit | None:
    """Decode ``source`` and make it MNIST-like (a 28x28 uint8 image), or None if blank.

    Raises :class:`digitrec.ImageError` when the input is not a usable image.
    """
    return prepare_digit(load_grey(source, name))


def confirmed(probabilities: np.ndarray, scattered: np.ndarray) -> np.ndarray:
    """Which rows of the model's ``probabilities`` (N, 10) are digits: all but the pictures of
    scattered grain (N,) bool that the model is not sure of."""
    return ~scattered | (probabilities.max(axis=1) >= SCATTERED_MIN_CONFIDENCE)


def prepare_number(source: ImageSource, name: str | None = None) -> Segmentation:
    """Decode ``source`` and find the candidate digits of the number in it.

    Raises :class:`digitrec.ImageError` when the input is not a usable image.
    """
    return segment(load_grey(source, name))


class Recognizer:
    """Load once, then recognize as many images as you like.

    >>> rec = Recognizer.load()
    >>> rec.recognize("seven.png").digit
    7
    """

    def __init__(self, classifier: DigitClassifier, verifier: DigitVerifier | None = None):
        self._classifier = classifier
        self._verifier = verifier

    @classmethod
    def load(cls, path: str | Path | None = None) -> Recognizer:
        """The shipped model and its number verifier, or the TFLite file at ``path`` (with
        the verifier fitted in its folder, if there is one: numbers are read without)."""
        if path is None:
            return cls(DigitClassifier(), DigitVerifier.load())
        return cls(DigitClassifier(path), DigitVerifier.in_folder(Path(path).parent))

    @classmethod
    def load_personal(cls, path: str | Path, features_dir: str | Path | None = None) -> Recognizer:
        """The personal model saved at ``path`` (see :func:`digitrec.personal.learn_handwriting`)
        on top of the shipped features model (or the one in ``features_dir``)."""
        from digitrec import personal

        if features_dir is None:
            verifier = DigitVerifier.load()
        else:
            verifier = DigitVerifier.in_folder(features_dir)
        return cls(personal.load(path, personal.BaseModel.load(features_dir)), verifier)

    def recognize(self, image: ImageSource, name: str | None = None) -> Result:
        """Recognize one image: a path, bytes, PIL image or numpy array (grey/RGB/RGBA).

        ``name`` (e.g. an uploaded file's name) is how error messages refer to the input.
        """
        return self.classify([prepare(image, name)])[0]

    def recognize_many(self, images: Iterable[ImageSource]) -> list[Result]:
        """Recognize many images with one model call; raises on the first unusable one."""
        return self.classify([prepare(image) for image in images])

    def probabilities(self, digits: np.ndarray) -> np.ndarray:
        """The model's raw outputs for prepared digits: (N, 28, 28) uint8 -> (N, 10) floats,
        in one model call (what scoring on MNIST uses)."""
        return self._classifier.probabilities(digits)

    def read_number(self, image: ImageSource, name: str | None = None) -> NumberResult:
        """Read the handwritten number in one image: its digits, left to right.

        The digits are found by :mod:`digitrec.segment` (broken digits joined, touching
        ones cut apart, specks and trailing dots left out) and read by the model in one call;
        :class:`~digitrec.verifier.DigitVerifier` tells whole digits from merged pairs and
        pieces.
        Accepts what :meth:`recognize` does; ``name`` is how error messages refer to it.
        """
        return self.read_segmented([prepare_number(image, name)])[0]

    def read_segmented(self, segmentations: Sequence[Segmentation]) -> list[NumberResult]:
        """Numbers for already segmented pictures, their candidates read in one model call
        (and, for the verifier, one features-model call)."""
        candidates = [c for s in segmentations for c in s.candidates]
        every = self.classify([c.processed for c in candidates])
        if self._verifier is not None:
            probabilities = np.array([r.probabilities for r in every]).reshape(len(every), 10)
            every_wholeness = iter(self._verifier.wholeness(candidates, probabilities))
        results = iter(every)
        numbers = []
        for segmentation in segmentations:
            read = [next(results) for _ in segmentation.candidates]
            wholeness = None
            if self._verifier is not None:
                wholeness = [next(every_wholeness) for _ in segmentation.candidates]
            digits, confidences = [r.digit for r in read], [r.confidence for r in read]
            chosen = decode(segmentation, digits, confidences, wholeness)
            digits = tuple(
                NumberDigit(
                    digit=read[k].digit,
                    confidence=read[k].confidence,
                    probabilities=read[k].probabilities,
                    processed=read[k].processed,
                    box=segmentation.candidates[k].box,
                )
                for k in chosen
            )
            number = "".join(str(d.digit) for d in digits) or None
            numbers.append(NumberResult(number, digits, segmentation.marks, segmentation.note))
        return numbers

    def classify(self, processed: Sequence[PreparedDigit | np.ndarray | None]) -> list[Result]:
        """Results for already prepared digits: :class:`~digitrec.preprocess.PreparedDigit`
        or plain 28x28 images (None entries mean "no digit")."""
        prepared = [
            p if p is None or isinstance(p, PreparedDigit) else PreparedDigit(p) for p in processed
        ]
        found = [i for i, digit in enumerate(prepared) if digit is not None]
        results = [NOTHING_FOUND] * len(prepared)
        if not found:
            return results
        probabilities = self.probabilities(np.stack([prepared[i].image for i in found]))
        probabilities = probabilities.astype(np.float64)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        digits = confirmed(probabilities, np.array([prepared[i].scattered for i in found]))
        for i, row, is_digit in zip(found, probabilities, digits):
            if not is_digit:
                continue
            best = int(np.argmax(row))
            results[i] = Result(
                digit=best,
                confidence=float(row[best]),
                probabilities=tuple(float(p) for p in row),
                processed=prepared[i].image,
            )
        return results
