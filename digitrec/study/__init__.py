"""The classifier study (``python -m digitrec compare``): kNN, SVMs, an MLP and CNNs on
MNIST, clean and with Gaussian noise, and its report.

- ``compare``: the command and the recipe (data, search on validation, scoring)
- ``classifiers``: the model zoo and the search on the validation split
- ``report``: the report's tables, Markdown and plots

Needs the training requirements (``pip install -r requirements-train.txt``).
"""
