"""Generated writers with a consistent style shift, for the personal fine-tune's benchmark.

Issue 12 asks to simulate a user who writes some digits, every time, in a style MNIST lacks
(continental 1 and 7, open 4, one-stroke 9). A :class:`StyleWriter` fixes, once, which digits
are styled, one shape per digit (the proportions that :mod:`digitrec.training.pen_styles`
draws at random are drawn once per writer), a slant, a digit height and a pen width; every
sample then varies only as one hand does: a little slant, size and brush, a wobbly stroke,
and a place on the canvas. The other digits are the writer's plain forms, drawn the same way
from the hand-made templates of :mod:`digitrec.training.renders`.

These writers come from the same style code that widens the shipped model's training data
(``pen_styles``), so the model has seen shapes like theirs: they check that the loop learns a
consistent style, and measure little beyond that. The UNIPEN writers are the real test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitrec.training.pen_replay import CANVAS
from digitrec.training.pen_styles import STYLES, hand_drawn, random_slant
from digitrec.training.renders import STROKES
from digitrec.training.strokes import canvas_rgba, draw

# The style sets, as issue 12 names them, and all six styles together.
STYLE_SETS: dict[str, tuple[int, ...]] = {
    "continental 1 and 7": (1, 7),
    "open 4, one-stroke 9": (4, 9),
    "continental 1 and 7, open 4, one-stroke 9": (1, 4, 7, 9),
    "all six (also slashed 0, looped 2)": (0, 1, 2, 4, 7, 9),
}
# One hand, many samples: how much each sample strays from the writer's own slant (degrees
# of rotation, shear), height (share) and pen width (px). Small, as within one session.
ROTATION_JITTER, SHEAR_JITTER, HEIGHT_JITTER, BRUSH_JITTER = 4.0, 0.06, 0.12, 2
# The writer's own digit height and pen on the 280 px canvas, as in the UNIPEN replay.
HEIGHT_RANGE = (120, 240)
BRUSH_RANGE = (12, 28)


@dataclass(frozen=True)
class StyleWriter:
    """One generated writer: the style set's name, its styled digits, and the hand's seed."""

    style: str
    styled: tuple[int, ...]
    seed: int

    @property
    def name(self) -> str:
        return f"{self.style} #{self.seed}"

    def hand(self) -> tuple[dict[int, list], np.ndarray, float, int]:
        """What stays fixed: one stroke shape per digit, the slant, the height, the pen."""
        rng = np.random.default_rng(self.seed)
        shapes = {label: self._shape(label, rng) for label in range(10)}
        slant, height = random_slant(rng), rng.uniform(*HEIGHT_RANGE)
        return shapes, slant, height, int(rng.integers(*BRUSH_RANGE))

    def _shape(self, label: int, rng: np.random.Generator) -> list:
        if label not in self.styled:
            plain = STROKES[label]
            # 0, 1, 2, 4, 7, 9: the first template is the plain (MNIST-like) form; others any.
            return plain[0] if label in STYLES else plain[int(rng.integers(len(plain)))]
        while True:
            shape = STYLES[label](rng)
            # A 7 is "continental" by its crossbar; pen_styles draws some without one.
            if label != 7 or len(shape) == 2:
                return shape

    def drawings(self, per_digit: int) -> tuple[list[np.ndarray], np.ndarray]:
        """``per_digit`` drawings of each digit as the page's 280x280 RGBA canvas, and labels."""
        shapes, slant, height, brush = self.hand()
        rng = np.random.default_rng([self.seed, 1])
        images, labels = [], []
        for label in range(10):
            for _ in range(per_digit):
                images.append(self._sample(shapes[label], slant, height, brush, rng))
                labels.append(label)
        return images, np.array(labels)

    @staticmethod
    def _sample(shape, slant, height, brush, rng: np.random.Generator) -> np.ndarray:
        angle = np.deg2rad(rng.normal(0, ROTATION_JITTER))
        rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        shear = np.array([[1.0, rng.normal(0, SHEAR_JITTER)], [0.0, 1.0]])
        strokes = hand_drawn(shape, rotation @ shear @ slant, rng)
        size = height * rng.uniform(1 - HEIGHT_JITTER, 1 + HEIGHT_JITTER)
        pen = int(np.clip(brush + rng.integers(-BRUSH_JITTER, BRUSH_JITTER + 1), *BRUSH_RANGE))
        margin = min(size / 2 + pen, CANVAS / 2)
        centre = tuple(rng.uniform(margin, CANVAS - margin, 2))
        return canvas_rgba(draw(strokes, size, pen, centre, CANVAS), transparent=True)


def style_writers(per_style: int) -> list[StyleWriter]:
    """``per_style`` writers for each style set, each with its own hand (seed)."""
    return [
        StyleWriter(style, styled, seed=index * per_style + k)
        for index, (style, styled) in enumerate(STYLE_SETS.items())
        for k in range(per_style)
    ]
