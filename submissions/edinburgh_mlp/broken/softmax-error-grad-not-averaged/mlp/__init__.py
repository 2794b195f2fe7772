# -*- coding: utf-8 -*-
"""Machine Learning Practical (INFR11119): the numpy framework used in the labs."""

DEFAULT_SEED = 123456  # Default random number generator seed if none provided.
