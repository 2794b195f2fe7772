"""
The answer key reproduces the course's expected tensors that still reproduce under the pinned
torch (tests/assets/course/), exactly as the notebook cells compare them.

The dropout-based assets (expected_resblock_out, expected_resblock_bn_out,
expected_resnet_out_00/01) are not here: dropout's random stream changed since the course's
torch, so no correct solution reproduces them (see reference/README.md).
"""
import pytest
import torch

from .conftest import COURSE_ASSETS, SEED

import hw2.optimizers as optimizers
from hw2.cnn import CNN

# Part 4, In[3]: the notebook's three CNN configurations.
CNN_TEST_PARAMS = [
    dict(
        in_size=(3, 100, 100), out_classes=10,
        channels=[32] * 4, pool_every=2, hidden_dims=[100] * 2,
        conv_params=dict(kernel_size=3, stride=1, padding=1),
        activation_type="relu", activation_params=dict(),
        pooling_type="max", pooling_params=dict(kernel_size=2),
    ),
    dict(
        in_size=(3, 100, 100), out_classes=10,
        channels=[32] * 4, pool_every=2, hidden_dims=[100] * 2,
        conv_params=dict(kernel_size=5, stride=2, padding=3),
        activation_type="lrelu", activation_params=dict(negative_slope=0.05),
        pooling_type="avg", pooling_params=dict(kernel_size=3),
    ),
    dict(
        in_size=(3, 100, 100), out_classes=3,
        channels=[16] * 5, pool_every=3, hidden_dims=[100] * 1,
        conv_params=dict(kernel_size=2, stride=2, padding=2),
        activation_type="lrelu", activation_params=dict(negative_slope=0.1),
        pooling_type="max", pooling_params=dict(kernel_size=2),
    ),
]


@pytest.mark.parametrize("i", range(len(CNN_TEST_PARAMS)))
def test_cnn_reproduces_expected_conv_out(i: int) -> None:
    torch.manual_seed(SEED)
    net = CNN(**CNN_TEST_PARAMS[i])

    torch.manual_seed(SEED)
    test_out = net(torch.ones(1, 3, 100, 100))

    expected_out = torch.load(COURSE_ASSETS / f"expected_conv_out_{i:02d}.pt")
    assert test_out.shape == expected_out.shape
    max_diff = torch.max(torch.abs(test_out - expected_out)).item()
    assert max_diff < 1e-6, f"max_diff={max_diff}"


def test_vanilla_sgd_reproduces_expected_vsgd() -> None:
    torch.manual_seed(SEED)
    p = torch.randn(500, 10)
    dp = torch.randn(*p.shape) * 2
    params = [(p, dp)]

    vsgd = optimizers.VanillaSGD(params, learn_rate=0.5, reg=0.1)
    vsgd.step()

    # torch's legacy (pre-zipfile) pickle format
    expected_p = torch.load(COURSE_ASSETS / "expected_vsgd.pt", weights_only=False)
    diff = torch.norm(p - expected_p).item()
    assert diff < 1e-5, f"diff={diff}"
