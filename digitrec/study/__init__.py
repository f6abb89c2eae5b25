"""The classifier study (``python -m digitrec compare``): kNN, SVMs, an MLP and CNNs on
MNIST, clean, with Gaussian or salt-and-pepper noise and blurred, and its report.

- ``results``: the typed results and the report's file names; standard library only, so
  the app's comparison page reads a report without scikit-learn or TensorFlow
- ``compare``: the command and the recipe (data, search on validation, scoring, timing)
- ``classifiers``: the model zoo and the search on the validation split
- ``report``: the report's Markdown and CSV tables; ``plots``: its figures (matplotlib)

Everything but ``results`` needs the training requirements
(``pip install -r requirements-train.txt``).
"""
