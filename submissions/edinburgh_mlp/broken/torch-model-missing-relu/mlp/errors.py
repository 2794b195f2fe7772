# -*- coding: utf-8 -*-
"""Error functions: the mean over a batch of a per-example error, and its gradient."""

import numpy as np


class SumOfSquaredDiffsError(object):
    """Sum of squared differences (squared Euclidean distance) error."""

    def __call__(self, outputs, targets):
        return 0.5 * np.mean(np.sum((outputs - targets)**2, axis=1))

    def grad(self, outputs, targets):
        return (outputs - targets) / outputs.shape[0]

    def __repr__(self):
        return 'SumOfSquaredDiffsError'


class CrossEntropyError(object):
    """Multi-class cross entropy error."""

    def __call__(self, outputs, targets):
        return -np.mean(np.sum(targets * np.log(outputs), axis=1))

    def grad(self, outputs, targets):
        return -(targets / outputs) / outputs.shape[0]

    def __repr__(self):
        return 'CrossEntropyError'


class CrossEntropySoftmaxError(object):
    """Multi-class cross entropy error with Softmax applied to outputs."""

    def __call__(self, outputs, targets):
        normOutputs = outputs - outputs.max(-1)[:, None]
        logProb = normOutputs - np.log(np.sum(np.exp(normOutputs), axis=-1)[:, None])
        return -np.mean(np.sum(targets * logProb, axis=1))

    def grad(self, outputs, targets):
        probs = np.exp(outputs - outputs.max(-1)[:, None])
        probs /= probs.sum(-1)[:, None]
        return (probs - targets) / outputs.shape[0]

    def __repr__(self):
        return 'CrossEntropySoftmaxError'
