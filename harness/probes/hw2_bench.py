"""Throughput benchmarks of an ``hw2`` package: the same cases run on the student's code and,
in a second worker, on the reference, so each result is a ratio measured on the same machine.

Each case is built once per worker (building a ResNet is not what is measured) and then timed
by ``probes.timing``. Part 1 layers are plain tensors (CPU); ``nn.Module`` cases run on CUDA when
the worker sees a GPU.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from . import timing
from .server import ProbeError, import_student, probe

_BUILT: dict[str, tuple[Callable[[], object], str]] = {}


def _module_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def _linear() -> tuple[Callable[[], object], str]:
    layer = import_student("hw2.layers").Linear(1024, 512)
    x, dout = torch.randn(256, 1024), torch.randn(256, 512)

    def step() -> None:
        layer(x)
        layer.backward(dout)

    return step, "cpu"


def _mlp_train_step() -> tuple[Callable[[], object], str]:
    layers = import_student("hw2.layers")
    model = layers.MLP(3072, num_classes=10, hidden_features=[512, 256])
    loss_fn = layers.CrossEntropyLoss()
    x, y = torch.randn(128, 3072), torch.randint(0, 10, (128,))

    def step() -> None:
        loss_fn(model(x), y)
        model.backward(loss_fn.backward())

    return step, "cpu"


def _optimizer_step() -> tuple[Callable[[], object], str]:
    optimizers = import_student("hw2.optimizers")
    params = [(torch.randn(1000, 1000), torch.randn(1000, 1000)) for _ in range(2)]
    optimizer = optimizers.MomentumSGD(params, learn_rate=1e-3, reg=1e-3, momentum=0.9)
    return optimizer.step, "cpu"


def _module_fwd_bwd(model: torch.nn.Module, batch: int) -> tuple[Callable[[], object], str]:
    device = _module_device()
    model = model.to(device)
    x = torch.randn(batch, 3, 32, 32, device=device)

    def step() -> None:
        model.zero_grad(set_to_none=True)
        model(x).sum().backward()

    return step, device


def _cnn() -> tuple[Callable[[], object], str]:
    cnn = import_student("hw2.cnn")
    model = cnn.CNN(in_size=(3, 32, 32), out_classes=10, channels=[32, 32, 64, 64], pool_every=2, hidden_dims=[100])
    return _module_fwd_bwd(model, 32)


def _resnet() -> tuple[Callable[[], object], str]:
    cnn = import_student("hw2.cnn")
    model = cnn.ResNet(
        in_size=(3, 32, 32),
        out_classes=10,
        channels=[32, 64, 64],
        pool_every=3,
        hidden_dims=[100],
        batchnorm=True,
        dropout=0.1,
    )
    return _module_fwd_bwd(model, 32)


def _train_epoch() -> tuple[Callable[[], object], str]:
    from torch.utils.data import DataLoader, TensorDataset

    classifier = import_student("hw2.classifier")
    training = import_student("hw2.training")
    mlp = import_student("hw2.mlp")
    device = _module_device()
    model = classifier.ArgMaxClassifier(
        model=mlp.MLP(in_dim=64, dims=[128, 128, 10], nonlins=[torch.nn.ReLU(), torch.nn.ReLU(), torch.nn.Identity()])
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    trainer = training.ClassifierTrainer(model, torch.nn.CrossEntropyLoss(), optimizer, device=torch.device(device))
    data = DataLoader(TensorDataset(torch.randn(1024, 64), torch.randint(0, 10, (1024,))), batch_size=64)

    def epoch() -> None:
        trainer.train_epoch(data, verbose=False)

    return epoch, device


CASES: dict[str, Callable[[], tuple[Callable[[], object], str]]] = {
    "linear": _linear,
    "mlp_train_step": _mlp_train_step,
    "optimizer_step": _optimizer_step,
    "cnn": _cnn,
    "resnet": _resnet,
    "train_epoch": _train_epoch,
}


@probe("hw2.bench")
def bench(case: str, rounds: int, warmup: int = 0, min_round_time: float = 0.02, iterations: int = 0) -> dict[str, Any]:
    """Seconds per iteration of ``rounds`` timed rounds of ``case`` (built on the first call)."""
    if case not in CASES:
        raise ProbeError(f"no benchmark case {case!r}")
    if case not in _BUILT:
        torch.manual_seed(0)
        _BUILT[case] = CASES[case]()
    fn, device = _BUILT[case]
    if iterations <= 0:
        iterations = timing.calibrate(fn, device, min_round_time)
    times = timing.measure(fn, device, iterations, rounds, warmup)
    return {
        "times": times,
        "iterations": iterations,
        "device": device,
        "device_name": timing.device_name(device),
        "memory_peak": timing.memory_peak(device),
    }
