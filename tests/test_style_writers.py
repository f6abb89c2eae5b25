"""The generated style-shift writers of the personal fine-tune's benchmark: one hand each,
the styles they are named for, and every drawing readable as a digit on the canvas."""

from __future__ import annotations

import numpy as np

from digitrec.recognizer import prepare
from digitrec.training.style_writers import STYLE_SETS, StyleWriter, style_writers


def test_every_style_set_gets_its_writers_each_with_its_own_hand():
    writers = style_writers(2)
    assert len(writers) == 2 * len(STYLE_SETS)
    assert len({w.seed for w in writers}) == len(writers)
    assert {w.styled for w in writers} == set(STYLE_SETS.values())


def test_a_writer_draws_the_same_digits_every_time_and_styles_only_its_own():
    writer = StyleWriter("continental 1 and 7", (1, 7), seed=3)
    first, labels = writer.drawings(2)
    again, _ = writer.drawings(2)
    assert all((a == b).all() for a, b in zip(first, again))
    assert labels.tolist() == [d for d in range(10) for _ in range(2)]
    shapes = writer.hand()[0]
    assert len(shapes[7]) == 2  # the crossbar
    plain = StyleWriter("none", (), seed=3).hand()[0]
    assert len(plain[7]) == 1 and plain[1] != shapes[1]


def test_one_writers_digits_are_closer_to_each_other_than_to_another_writers():
    def digits(seed):
        images, labels = StyleWriter("all", (0, 1, 2, 4, 7, 9), seed).drawings(6)
        prepared = [prepare(image) for image in images]
        assert all(p is not None for p in prepared)
        return np.stack([p.image for p in prepared]).astype(np.float32).reshape(10, 6, -1)

    ours, theirs = digits(0), digits(1)
    within = np.mean([np.abs(d[:3, None] - d[None, 3:]).mean() for d in ours])
    between = np.mean([np.abs(a[:3, None] - b[None, 3:]).mean() for a, b in zip(ours, theirs)])
    assert within < 0.8 * between, (within, between)
