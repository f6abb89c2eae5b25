"""Training the shipped CNN, and the synthetic and replayed digits it is trained and checked on.

Nothing here is needed to recognize digits: serving (``digitrec.recognizer`` and the modules
below it) never imports this package. It needs the training requirements
(``pip install -r requirements-train.txt``) and a source checkout, for ``fonts/`` and ``models/``.

- ``recipe``: the whole training recipe, in the order it runs (``train.py`` wraps it)
- ``model``: the CNN's architecture, its export to TFLite, the averaged ensemble
- ``augment``, ``pen_styles``, ``strokes``: handwriting-like variants, styles MNIST lacks
  drawn as pen strokes, and the canvas's round brush
- ``noise``: additive white Gaussian noise (augmentation and the noise study)
- ``renders``: realistic test inputs (photos of paper, phone photos, canvas drawings)
- ``pen_replay``: the UNIPEN pen-tablet validation digits, replayed on the canvas
- ``style_writers``: generated writers with a consistent style shift, for the personal
  fine-tune's benchmark
- ``allocator``: glibc tuning for CPU training
"""

from pathlib import Path

# The source checkout this package sits in: fonts/, models/ and reports/ are read from it.
REPO_ROOT = Path(__file__).resolve().parents[2]
