# -*- coding: utf-8 -*-
"""Gradient based learning rules."""

import numpy as np


class GradientDescentLearningRule(object):
    """Simple (stochastic) gradient descent: p[i] := p[i] - learning_rate * dE/dp[i]."""

    def __init__(self, learning_rate=1e-3):
        assert learning_rate > 0., 'learning_rate should be positive.'
        self.learning_rate = learning_rate

    def initialise(self, params):
        """Keeps the parameter arrays, which are updated in place."""
        self.params = params

    def reset(self):
        pass

    def update_params(self, grads_wrt_params):
        for param, grad in zip(self.params, grads_wrt_params):
            param -= self.learning_rate * grad
