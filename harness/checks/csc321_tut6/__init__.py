"""Checks of CSC321 Tutorial 6 (optimization and CNNs on MNIST), one module per notebook section:
``models`` (parameter counts, forward passes, batch-norm placement) and ``training``
(get_accuracy, train's optimizers and loop, the tutorial's learning claims)."""
