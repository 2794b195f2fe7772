"""CSC321 Tutorial 4: other correct readings of the tutorial get full marks, other bugs the points
they should lose (the example and the broken cases: test_every_assignment.py)."""

from __future__ import annotations

import filecmp
from pathlib import Path

import numpy as np
import pytest
import torch

import harness.checks.csc321_tut4  # noqa: F401  (imported before pytester snapshots sys.modules: loads once)
import tests.grading.helpers  # noqa: F401  (loads the shared modules and data once)
from harness.boundary.shipped import decode_ids, encode_ids, mnist_pairs
from harness.checks.base import CheckContext
from harness.checks.csc321_tut4 import accuracy, training
from harness.checks.csc321_tut4.common import pairs64, reference_datasets
from harness.data import load_mnist
from harness.reference import load as load_reference
from tests.grading.helpers import grade

from .common import AssignmentFixtures

MNIST = load_mnist(None)
TUTORIAL4 = load_reference("csc321_tut4").tutorial4

TUT4 = AssignmentFixtures("csc321_tut4", full=20.0)
HERE, EXAMPLE, BROKEN, FULL = TUT4.here, TUT4.example, TUT4.broken, TUT4.full
MAKE = TUT4.generator()


def _variant(folder: Path, replacements: list[tuple[str, str]]) -> Path:
    """The example as a .py script with ``replacements`` applied (each must apply)."""
    folder.mkdir(parents=True)
    (folder / "tutorial4.py").write_text(MAKE.script(MAKE.cells(replacements)))
    return folder


# == the bundled submissions =========================================================================


def test_bundled_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    MAKE.write_all(tmp_path)
    for path in (tmp_path / "example").iterdir():
        assert filecmp.cmp(path, EXAMPLE / path.name, shallow=False), (
            f"example/{path.name} is stale: rerun make_notebooks.py"
        )


# == other correct readings, other bugs ============================================================

ACCEPTED = [
    # the incomplete last batch of an epoch is used
    ("            if len(ts) != batch_size:\n                continue\n", ""),
    # get_accuracy: argmax of softmax probabilities, without gradients, counting with ==
    (
        "        zs = model(xs)\n        pred = zs.max(1, keepdim=True)[1]  # get the index of the max logit\n"
        "        correct += pred.eq(ts.view_as(pred)).sum().item()\n",
        "        with torch.no_grad():\n            probs = torch.softmax(model(xs), dim=1)\n"
        "        pred = probs.argmax(dim=1)\n        correct += int((pred == ts).sum())\n",
    ),
    # L2 regularization of the weights only, in the loss; zero_grad before backward
    (
        "optim.SGD(model.parameters(), lr=learning_rate, weight_decay=weight_decay)",
        "optim.SGD(model.parameters(), lr=learning_rate)",
    ),
    (
        "            loss = criterion(zs, ts)  # compute the total loss\n            loss.backward()",
        "            loss = criterion(zs, ts) + weight_decay / 2 * (model.weight ** 2).sum()\n"
        "            optimizer.zero_grad()\n            loss.backward()",
    ),
    ("            optimizer.zero_grad()  # a clean up step for PyTorch\n", ""),
]


def test_other_correct_readings_get_full_marks(pytester: pytest.Pytester, tmp_path: Path) -> None:
    graded = grade(pytester, _variant(tmp_path / "readings", ACCEPTED))
    assert graded.failing() == set(), graded.report["tests"]
    assert graded.score == FULL


OTHER_BUGS = {
    "no-return": (
        [("    return model\n", "")],
        {"train.returns_model"},
        1.0,
        {"train.returns_model": "returned nothing"},
    ),
    "no-curves": (
        [
            (
                "            if n % 10 == 0:\n                iters_sub.append(n)\n"
                "                train_acc.append(get_accuracy(model, mnist_train))\n"
                "                val_acc.append(get_accuracy(model, mnist_val))\n",
                "",
            )
        ],
        {"train.learns"},
        1.0,
        {"train.learns": "[curves]"},
    ),
    "no-step": (
        [("            optimizer.step()  # make the updates for each parameter\n", "")],
        {"train.sgd_step", "train.zero_grad", "train.weight_decay", "train.learns"},
        3 + 2 + 2 + 3,
        {"train.sgd_step": "did not change", "train.learns": "validation accuracy"},
    ),
    "batch-size-ignored": (
        [("        batch_size=batch_size,\n        shuffle=True)", "        batch_size=64,\n        shuffle=True)")],
        {"train.batches", "train.shuffle"},
        3.0,
        {"train.batches": "never trained"},
    ),
    "epochs-off-by-one": (
        [("    for epoch in range(num_epochs):", "    for epoch in range(1, num_epochs):")],
        {"train.batches", "train.sgd_step", "train.zero_grad", "train.weight_decay"},
        1 + 3 + 2 + 2,
        {"train.batches": "expected num_epochs=2", "train.sgd_step": "expected 1 update"},
    ),
    "no-flatten-in-get-accuracy": (
        [("        xs = xs.view(-1, 784)  # flatten the image\n", "")],
        {"accuracy.argmax", "accuracy.linear_mnist"},
        5.0,
        {"accuracy.argmax": "flatten", "accuracy.linear_mnist": "784"},
    ),
}


@pytest.mark.parametrize("name", sorted(OTHER_BUGS))
def test_other_bugs_lose_their_points(pytester: pytest.Pytester, tmp_path: Path, name: str) -> None:
    replacements, failing, lost, says = OTHER_BUGS[name]
    graded = grade(pytester, _variant(tmp_path / name, replacements))
    assert graded.failing() == failing, graded.report["tests"]
    assert FULL - graded.score == pytest.approx(lost)
    for check_id, words in says.items():
        assert words in graded.output(check_id), graded.output(check_id)


# == units ==========================================================================================


def _ctx(check_id: str, seed: int = 0) -> CheckContext:
    return CheckContext(worker=None, answer_key=None, seed=seed, check_id=check_id)


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_logit_rows_have_unambiguous_verdicts(seed: int) -> None:
    logits, labels, sets = accuracy.design(_ctx("accuracy.argmax", seed))
    assert logits.dtype == torch.float32 and logits.shape == (accuracy.ROWS, 10)
    for i in range(accuracy.ROWS):
        row, label = logits[i].double(), int(labels[i])
        others = torch.cat([row[:label], row[label + 1 :]])
        gap = float(row[label] - others.max())
        assert abs(gap) >= 5e-4 * max(1.0, float(row.abs().max()) / 1000), (i, gap)  # never a tie with the label
    kinds = [i % len(accuracy.KINDS) for i in range(accuracy.ROWS)]
    assert any(int(torch.argmin(logits[i])) == int(labels[i]) for i in range(accuracy.ROWS) if kinds[i] == 2)
    ties = [i for i in range(accuracy.ROWS) if kinds[i] == 3]
    assert all(int((logits[i] == logits[i].max()).sum()) == 2 for i in ties)
    assert [len(s) for s in sets] == list(accuracy.SET_SIZES)
    assert int(torch.argmax(logits[sets[1][-1]])) != int(labels[sets[1][-1]])  # the lone image of batch 2 is wrong


def test_image_ids_survive_to_tensor() -> None:
    images = encode_ids(np.full((5, 28, 28), 7, dtype=np.uint8), 1000)
    pairs = mnist_pairs(images, np.arange(5))
    flat = torch.stack([x for x, _ in pairs]).view(-1, 784)
    assert decode_ids(flat) == [1000, 1001, 1002, 1003, 1004]
    assert (images[:, 1:, :] == 7).all() and (images[:, 0, 2:] == 7).all()


def test_epoch_readings() -> None:
    assert training.epochs_of([40, 40, 40] * 2, 150, 40) == ("skipped", 2)
    assert training.epochs_of([40, 40, 40, 30] * 3, 150, 40) == ("kept", 3)
    assert training.epochs_of([40, 40, 40, 30, 40, 40, 40], 150, 40) is None
    assert training.epochs_of([64, 64] * 2, 150, 40) is None
    assert training.epochs_of([], 150, 40) is None


@pytest.mark.parametrize("kwargs", [training.SGD_STEP, training.ZERO_GRAD, training.WEIGHT_DECAY])
def test_replay_is_the_reference(kwargs: dict) -> None:
    """The judge's replay (which names mistakes) is the answer key's run when nothing is wrong."""
    x, y = MNIST.arrays("train", 64)
    g = torch.Generator().manual_seed(3)
    weight, bias = torch.rand(10, 784, generator=g) / 10 - 0.05, torch.rand(10, generator=g) / 10 - 0.05
    runs = training.replay(weight, bias, x, y, **kwargs)
    model = torch.nn.Linear(784, 10).double()
    with torch.no_grad():
        model.weight.copy_(weight)
        model.bias.copy_(bias)
    with reference_datasets(TUTORIAL4, pairs64(x, y), pairs64(x[:10], y[:10])) as ref:
        ref.run_gradient_descent(model, **kwargs, plot=False)
    assert torch.allclose(runs[-1][0], model.weight.detach(), atol=1e-12)
    assert torch.allclose(runs[-1][1], model.bias.detach(), atol=1e-12)
    if kwargs["weight_decay"]:
        no_decay = training.replay(weight, bias, x, y, **{**kwargs, "weight_decay": 0})
        share = (runs[-1][0] - no_decay[-1][0]).norm() / (runs[-1][0] - weight.double()).norm()
        assert share > 0.05  # the decay is a large part of the update: its absence is far beyond tolerance


def test_reference_reaches_the_stand_in_threshold() -> None:
    images, labels = MNIST.arrays("train", 1297)
    train_set, val_set = mnist_pairs(images[:1000], labels[:1000]), mnist_pairs(images[1000:], labels[1000:])
    worst = 1.0
    for seed in range(3):
        torch.manual_seed(seed)
        model = torch.nn.Linear(784, 10)
        with reference_datasets(TUTORIAL4, train_set, val_set) as ref:
            ref.run_gradient_descent(model, **training.TUTORIAL_RUN, plot=False)
            worst = min(worst, ref.get_accuracy(model, val_set))
    assert worst >= training.THRESHOLD_STAND_IN + 0.08


def _write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    path.write_bytes(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def test_example_on_mnist_files_uses_the_tutorials_split(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """With MNIST on disk (here: the stand-in's digits written in MNIST's own format, 2,500 of them)
    the checks use the tutorial's split (2,000 / 500) and the MNIST threshold."""
    raw = tmp_path / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    images = np.concatenate([MNIST.train_images, MNIST.test_images, MNIST.train_images])[:3000]
    labels = np.concatenate([MNIST.train_labels, MNIST.test_labels, MNIST.train_labels])[:3000]
    _write_idx(raw / "train-images-idx3-ubyte", images[:2500])
    _write_idx(raw / "train-labels-idx1-ubyte", labels[:2500])
    _write_idx(raw / "t10k-images-idx3-ubyte", images[2500:])
    _write_idx(raw / "t10k-labels-idx1-ubyte", labels[2500:])
    graded = grade(pytester, EXAMPLE, f"--data-dir={tmp_path / 'data'}")
    assert graded.failing() == set(), graded.report["tests"]
    assert "2,000 mnist_train / 500 mnist_val" in graded.output("train.learns")
    assert f"{training.THRESHOLD_REAL:.0%}" in graded.output("train.learns")


def test_aggregation_mistakes_are_named() -> None:
    singles = [1.0, 0.0] * 300  # the student's own verdicts, one image at a time
    rows = list(range(501))
    own = sum(singles[i] for i in rows)  # 251 correct of 501
    first, last = sum(singles[:500]), singles[500]
    cases = {
        "mean of the batches' accuracies": (first / 500 + last) / 2,
        "number of batches": own / 2,
        "divides by 500": own / 1000,
        "percentage": 100 * own / 501,
    }
    for words, value in cases.items():
        lines = accuracy._set_problems([value], singles, [rows], [own / 501])
        assert len(lines) == 1 and words in lines[0], (words, lines)
    assert accuracy._set_problems([own / 501], singles, [rows], [own / 501]) == []
