"""Parameter initialisers: callables that take a shape and return an array."""

import numpy as np

DEFAULT_SEED = 22102016


class ConstantInit:
    """Every entry set to ``value``."""

    def __init__(self, value):
        self.value = value

    def __call__(self, shape):
        return np.full(shape, float(self.value))


class UniformInit:
    """Entries drawn uniformly from [low, high) with ``rng``."""

    def __init__(self, low, high, rng=None):
        self.low, self.high = low, high
        self.rng = rng if rng is not None else np.random.RandomState(DEFAULT_SEED)

    def __call__(self, shape):
        return self.rng.uniform(self.low, self.high, size=shape)
