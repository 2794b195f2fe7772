"""Answer key of CSC321 Tutorial 6 (optimization and CNNs on MNIST): the notebook's definitions
as module ``tutorial6``. Only the judge imports it."""
