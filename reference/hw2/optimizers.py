"""
Part 2: gradient-descent optimizers for our Layer-based models (and plain torch tensors).

Each optimizer adds the L2-regularization gradient ``reg * p`` (of ``R = reg/2 * ||p||^2``) to
the loss gradient and updates the parameter tensors IN PLACE.
"""
import abc
from typing import List, Optional, Sequence, Tuple, Union

import torch
from torch import Tensor

ParamSpec = Union[Tensor, Tuple[Tensor, Tensor]]


class Optimizer(abc.ABC):
    """
    Base class for optimizers.
    """

    def __init__(self, params: Sequence[ParamSpec]):
        """
        :param params: A sequence of model parameters to optimize. Can be a
        list of (param,grad) tuples as returned by the Layers, or a list of
        pytorch tensors in which case the grad will be taken from them.
        """
        assert isinstance(params, (list, tuple))
        self._params = params

    @property
    def params(self) -> List[Tuple[Tensor, Optional[Tensor]]]:
        """
        :return: A sequence of parameter tuples, each tuple containing
        (param_data, param_grad). The data should be updated in-place
        according to the grad.
        """
        returned_params = []
        for x in self._params:
            if isinstance(x, Tensor):
                p = x.data
                dp = x.grad.data if x.grad is not None else None
                returned_params.append((p, dp))
            elif isinstance(x, tuple) and len(x) == 2:
                returned_params.append(x)
            else:
                raise TypeError(f"Unexpected parameter type for parameter {x}")
        return returned_params

    def zero_grad(self) -> None:
        """
        Sets the gradient of the optimized parameters to zero (in place).
        """
        for _, dp in self.params:
            if dp is not None:
                dp.zero_()

    @abc.abstractmethod
    def step(self) -> None:
        """
        Updates all the registered parameter values based on their gradients.
        """
        raise NotImplementedError()


class VanillaSGD(Optimizer):
    def __init__(self, params, learn_rate: float = 1e-3, reg: float = 0):
        """
        :param params: The model parameters to optimize
        :param learn_rate: Learning rate
        :param reg: L2 Regularization strength
        """
        super().__init__(params)
        self.learn_rate = learn_rate
        self.reg = reg

    @torch.no_grad()
    def step(self) -> None:
        for p, dp in self.params:
            if dp is None:
                continue
            # theta <- theta - lr * (dL/dtheta + reg * theta)
            p -= self.learn_rate * (dp + self.reg * p)


class MomentumSGD(Optimizer):
    def __init__(
        self, params, learn_rate: float = 1e-3, reg: float = 0, momentum: float = 0.9
    ):
        """
        :param params: The model parameters to optimize
        :param learn_rate: Learning rate
        :param reg: L2 Regularization strength
        :param momentum: Momentum factor
        """
        super().__init__(params)
        self.learn_rate = learn_rate
        self.reg = reg
        self.momentum = momentum
        # One velocity per parameter (by position), created lazily at the first step.
        self._velocity: List[Optional[Tensor]] = [None] * len(self._params)

    @torch.no_grad()
    def step(self) -> None:
        for i, (p, dp) in enumerate(self.params):
            if dp is None:
                continue
            # v <- mu * v - lr * grad ; theta <- theta + v
            grad = dp + self.reg * p
            v = self._velocity[i]
            v = -self.learn_rate * grad if v is None else self.momentum * v - self.learn_rate * grad
            self._velocity[i] = v
            p += v


class RMSProp(Optimizer):
    def __init__(
        self,
        params,
        learn_rate: float = 1e-3,
        reg: float = 0,
        decay: float = 0.99,
        eps: float = 1e-8,
    ):
        """
        :param params: The model parameters to optimize
        :param learn_rate: Learning rate
        :param reg: L2 Regularization strength
        :param decay: Gradient exponential decay factor
        :param eps: Constant to add to gradient sum for numerical stability
        """
        super().__init__(params)
        self.learn_rate = learn_rate
        self.reg = reg
        self.decay = decay
        self.eps = eps
        # Decaying mean of squared gradients, one per parameter (by position).
        self._r: List[Optional[Tensor]] = [None] * len(self._params)

    @torch.no_grad()
    def step(self) -> None:
        for i, (p, dp) in enumerate(self.params):
            if dp is None:
                continue
            # r <- gamma * r + (1 - gamma) * grad^2 ; theta <- theta - lr / sqrt(r + eps) * grad
            grad = dp + self.reg * p
            r = self._r[i]
            r = torch.zeros_like(p) if r is None else r
            r = self.decay * r + (1 - self.decay) * grad**2
            self._r[i] = r
            p -= self.learn_rate * grad / torch.sqrt(r + self.eps)
