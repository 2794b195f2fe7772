"""Error functions: the mean over the batch of a per-example error; grad is its gradient."""

import numpy as np


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class CrossEntropyError:
    """E = -mean_b sum_k t_bk log y_bk, for outputs y that are probabilities."""

    def __call__(self, outputs, targets):
        return -np.mean(np.sum(targets * np.log(outputs), axis=1))

    def grad(self, outputs, targets):
        return -(targets / outputs) / outputs.shape[0]

    def __repr__(self):
        return "CrossEntropyError"


class CrossEntropySoftmaxError:
    """Cross entropy of softmax(outputs): outputs are unnormalised log probabilities."""

    def __call__(self, outputs, targets):
        log_probs = outputs - outputs.max(axis=-1, keepdims=True)
        log_probs = log_probs - np.log(np.exp(log_probs).sum(axis=-1, keepdims=True))
        return -np.mean(np.sum(targets * log_probs, axis=1))

    def grad(self, outputs, targets):
        return (_softmax(outputs) - targets) / outputs.shape[0]

    def __repr__(self):
        return "CrossEntropySoftmaxError"
