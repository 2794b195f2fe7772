"""Part 3: a general-purpose MLP as a torch ``nn.Module``."""
from collections import defaultdict
from typing import Sequence, Union

from torch import Tensor, nn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "softmax": nn.Softmax,
    "logsoftmax": nn.LogSoftmax,
    "lrelu": nn.LeakyReLU,
    "none": nn.Identity,
    None: nn.Identity,
}


# Default keyword arguments to pass to activation class constructors, e.g.
# activation_cls(**ACTIVATION_DEFAULT_KWARGS[name])
ACTIVATION_DEFAULT_KWARGS = defaultdict(
    dict,
    {
        # Normalize over the features of each sample (dim=None would warn, and pick
        # dim=1 for (N, D) inputs anyway).
        "softmax": dict(dim=1),
        "logsoftmax": dict(dim=1),
    },
)


class MLP(nn.Module):
    """
    A general-purpose MLP.
    """

    def __init__(
        self, in_dim: int, dims: Sequence[int], nonlins: Sequence[Union[str, nn.Module]]
    ):
        """
        :param in_dim: Input dimension.
        :param dims: Hidden dimensions, including output dimension.
        :param nonlins: Non-linearities to apply after each one of the hidden
            dimensions.
            Can be either a sequence of strings which are keys in the ACTIVATIONS
            dict, or instances of nn.Module (e.g. an instance of nn.ReLU()).
            Length should match 'dims'.
        """
        assert len(nonlins) == len(dims)
        super().__init__()
        self.in_dim = in_dim
        self.out_dim = dims[-1]

        layers = []
        d_in = in_dim
        # Linear, nonlin, Linear, nonlin, ... (creation order fixes the random init)
        for d_out, nonlin in zip(dims, nonlins):
            layers.append(nn.Linear(d_in, d_out))
            layers.append(_make_nonlin(nonlin))
            d_in = d_out
        self.seq = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        """
        :param x: An input tensor, of shape (N, D) containing N samples with D features.
        :return: An output tensor of shape (N, D_out) where D_out is the output dim.
        """
        return self.seq(x.reshape(x.shape[0], -1))


def _make_nonlin(nonlin: Union[str, nn.Module, None]) -> nn.Module:
    if isinstance(nonlin, nn.Module):
        return nonlin
    if nonlin not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {nonlin!r}; expected one of {list(ACTIVATIONS)}")
    return ACTIVATIONS[nonlin](**ACTIVATION_DEFAULT_KWARGS[nonlin])
