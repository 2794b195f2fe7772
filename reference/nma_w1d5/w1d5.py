"""Neuromatch Academy DL, W1D5 Tutorial 1 (optimization techniques): the graded definitions.

``MLP`` is the tutorial's classifier (Linear/ReLU stack in ``main``, log-softmax outputs); the
update rules take a graph-attached scalar ``loss`` and call ``backward`` themselves, then change
the parameters (and the momentum / RMSprop buffers) in place.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    """in_dim -> hidden_dims[0] -> ReLU -> ... -> hidden_dims[-1] -> ReLU -> out_dim, log-softmax."""

    def __init__(self, in_dim=784, out_dim=10, hidden_dims=[], use_bias=True):  # noqa: B006 (the tutorial's API)
        super().__init__()
        self.in_dim = in_dim
        self.out_dim = out_dim
        sizes = [in_dim, *hidden_dims, out_dim]
        layers: list[nn.Module] = []
        for k in range(len(sizes) - 1):
            layers.append(nn.Linear(sizes[k], sizes[k + 1], bias=use_bias))
            if k < len(sizes) - 2:
                layers.append(nn.ReLU())
        self.main = nn.Sequential(*layers)

    def forward(self, x):
        return F.log_softmax(self.main(x.view(-1, self.in_dim)), dim=1)


def zero_grad(params):
    """Reset the accumulated gradient of every parameter that has one."""
    for p in params:
        if p.grad is not None:
            p.grad.detach_()
            p.grad.zero_()


def _grads(loss, params):
    params = list(params)
    zero_grad(params)
    loss.backward()
    return params


def gradient_update(loss, params, lr=1e-3):
    """w <- w - lr * dJ/dw."""
    params = _grads(loss, params)
    with torch.no_grad():
        for p in params:
            p.sub_(lr * p.grad)


def momentum_update(loss, params, grad_vel, lr=1e-3, beta=0.8):
    """v <- -lr * dJ/dw + beta * v ; w <- w + v (each v changed in place)."""
    params = _grads(loss, params)
    with torch.no_grad():
        for p, v in zip(params, grad_vel):
            v.mul_(beta).sub_(lr * p.grad)
            p.add_(v)


def rmsprop_update(loss, params, grad_sq, lr=1e-3, alpha=0.8, epsilon=1e-8):
    """s <- alpha * s + (1 - alpha) * g^2 ; w <- w - lr * g / sqrt(s + epsilon) (each s in place)."""
    params = _grads(loss, params)
    with torch.no_grad():
        for p, s in zip(params, grad_sq):
            g = p.grad
            s.mul_(alpha).add_((1 - alpha) * g * g)
            p.sub_(lr * g / torch.sqrt(s + epsilon))
