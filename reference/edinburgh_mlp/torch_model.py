"""The lab's PyTorch section: a multiple layer model for MNIST (flatten, then three affine layers
with ReLU between them)."""

import torch
from torch import nn


class MultipleLayerModel(nn.Module):
    def __init__(self, input_dim, output_dim, hidden_dim):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(input_dim, hidden_dim), nn.ReLU(),
            nn.Linear(hidden_dim, hidden_dim), nn.ReLU(),
            nn.Linear(hidden_dim, output_dim),
        )

    def forward(self, x):
        return self.linear_relu_stack(self.flatten(x))


def forward_with(weights: list, x: torch.Tensor) -> torch.Tensor:
    """The model's output on ``x`` with the given [(W, b), ...] of its three Linear layers (float64)."""
    dims = [w.shape for w, _ in weights]
    model = MultipleLayerModel(dims[0][1], dims[2][0], dims[0][0]).double()
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for layer, (w, b) in zip(linears, weights):
            layer.weight.copy_(torch.as_tensor(w, dtype=torch.float64))
            layer.bias.copy_(torch.as_tensor(b, dtype=torch.float64))
        return model(x.double())


def parameter_count(input_dim: int, output_dim: int, hidden_dim: int) -> int:
    return sum(p.numel() for p in MultipleLayerModel(input_dim, output_dim, hidden_dim).parameters())
