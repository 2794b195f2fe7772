"""CSC321 Tutorial 6: another correct way of writing the tutorial gets full marks, other bugs the
points they should lose, and units of the parts that decide verdicts (batch-norm placement, the
printed accuracies, shuffling). The example and the broken cases: test_every_assignment.py."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

import harness.checks.csc321_tut6  # noqa: F401  (imported before pytester snapshots sys.modules: loads once)
import tests.grading.helpers  # noqa: F401  (loads the shared modules and data once)
from harness.checks.csc321_tut6 import models, training
from harness.data import load_mnist
from harness.grading import identify
from harness.reference import load as load_reference
from tests.grading.helpers import grade

from .common import AssignmentFixtures

MNIST = load_mnist(None)
TUTORIAL6 = load_reference("csc321_tut6").tutorial6

TUT6 = AssignmentFixtures("csc321_tut6", full=25.0)
HERE, EXAMPLE, BROKEN, FULL = TUT6.here, TUT6.example, TUT6.broken, TUT6.full
MAKE = TUT6.generator()


def _variant(folder: Path, old: str, new: str) -> Path:
    """The example as a .py script (nbconvert style) with one replacement, which must apply once."""
    folder.mkdir(parents=True)
    (folder / "tutorial6.py").write_text(
        MAKE.script(MAKE.apply(MAKE.CELLS, {"name": folder.name, "old": old, "new": new}))
    )
    return folder


# == the bundled submissions =========================================================================


def test_example_gets_full_marks_with_another_grading_seed(pytester: pytest.Pytester) -> None:
    """The learning thresholds hold for other seeds too (other initial weights, other shuffles)."""
    graded = grade(pytester, EXAMPLE, "--grading-seed=3")
    assert graded.failing() == set(), graded.report["tests"]


def test_notebook_and_script_are_recognised_as_tutorial6(cases) -> None:
    for path in (EXAMPLE, EXAMPLE / "tutorial6.ipynb", cases(HERE / "broken" / "adam-branch-uses-sgd")):
        sub, name = identify(path, "auto")
        assert name == "csc321_tut6" and sub.module == "tutorial6", path


def test_bundled_files_are_what_the_generator_writes(tmp_path: Path) -> None:
    MAKE.write_all(tmp_path)
    written = sorted(p.name for p in (tmp_path / "example").iterdir())
    assert written == sorted(p.name for p in EXAMPLE.iterdir() if p.name != "__pycache__")
    for name in written:
        assert filecmp.cmp(tmp_path / "example" / name, EXAMPLE / name, shallow=False), (
            f"example/{name} is stale: rerun make_notebooks.py"
        )


# == other correct readings, other bugs ============================================================

OTHER_READINGS = '''"""Tutorial 6, written differently but correctly."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim import SGD, Adam
from torch.utils.data import DataLoader
import matplotlib.pyplot as plt


class MLP(nn.Module):
    def __init__(self, num_hidden):
        super().__init__()
        self.num_hidden = num_hidden
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, num_hidden), nn.ReLU(), nn.Linear(num_hidden, 10))

    def forward(self, x):
        return self.net(x)


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8 * 7 * 7, 10)  # declared first: parameters() come in another order
        self.conv2 = nn.Conv2d(4, 8, 3, padding=1)
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


class MLPBN(nn.Module):
    def __init__(self, num_hidden):
        super().__init__()
        self.num_hidden = num_hidden
        self.body = nn.Sequential(nn.Linear(784, num_hidden), nn.ReLU(), nn.BatchNorm1d(num_hidden))
        self.out = nn.Linear(num_hidden, 10)

    def forward(self, x):
        return self.out(self.body(x.flatten(1)))


class MLPBNBeforeReLu(nn.Module):
    def __init__(self, num_hidden):
        super().__init__()
        self.num_hidden = num_hidden
        self.fc1 = nn.Linear(784, num_hidden)
        self.norm = nn.BatchNorm1d(num_hidden)
        self.fc2 = nn.Linear(num_hidden, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.norm(self.fc1(x.reshape(len(x), -1)))))


class CNNBN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(inplace=True), nn.BatchNorm2d(4), nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(inplace=True), nn.BatchNorm2d(8), nn.MaxPool2d(2))
        self.classifier = nn.Linear(392, 10)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


def print_num_parameters(model, name="model"):
    count = sum(p.numel() for p in model.parameters())
    print(f"Number of parameters in {name} {count}")


def get_accuracy(model, train=False):
    loader = DataLoader(mnist_train if train else mnist_val, batch_size=4096 if train else 1024)
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(dim=1) == y).sum().item()
            total += len(y)
    return correct / total


def train(model, data, batch_size=64, weight_decay=0.0, optimizer="sgd", learning_rate=0.1, momentum=0.9,
          data_shuffle=True, num_epochs=10):
    loader = DataLoader(data, batch_size=batch_size, shuffle=data_shuffle, drop_last=True)
    if optimizer == "sgd":
        opt = SGD(model.parameters(), learning_rate, momentum=momentum, weight_decay=weight_decay)
    elif optimizer == "adam":
        opt = Adam(model.parameters(), lr=learning_rate, weight_decay=weight_decay)
    else:
        raise ValueError(optimizer)
    train_acc, val_acc = [], []
    for _ in range(num_epochs):
        for x, y in loader:
            model.train()
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            train_acc.append(get_accuracy(model, train=True))
            val_acc.append(get_accuracy(model, train=False))
    plt.plot(train_acc, label="Train")
    plt.plot(val_acc, label="Validation")
    plt.show()
    print(f"Final Training Accuracy: {train_acc[-1]:.2f}")
    print(f"Final Validation Accuracy: {100 * val_acc[-1]:.1f}%")


if __name__ == "__main__":
    from torchvision import datasets, transforms
    mnist_train = list(datasets.MNIST("data", train=True, download=True, transform=transforms.ToTensor()))[:2500]
    mnist_train, mnist_val = mnist_train[:2000], mnist_train[2000:]
    train(CNN(), mnist_train, optimizer="adam", learning_rate=0.005, num_epochs=3)
'''


def test_other_correct_readings_get_full_marks(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """nn.Sequential / nn.ReLU / F.relu / inplace ReLU, layers declared in another order, drop_last,
    `from torch.optim import SGD, Adam`, F.cross_entropy, zero_grad first, accuracies printed rounded
    or as a percentage."""
    folder = tmp_path / "readings"
    folder.mkdir()
    (folder / "tutorial6.py").write_text(OTHER_READINGS)
    graded = grade(pytester, folder)
    assert graded.failing() == set(), graded.report["tests"]
    assert graded.score == FULL


OTHER_BUGS = {  # name: (old, new, failing checks, points lost, {check: words its feedback must say})
    "incomplete-batch-kept": (
        "            if imgs.size()[0] < batch_size:\n                continue\n",
        "",
        {"training.loop"},
        1.0,
        {"training.loop": "must be skipped"},
    ),
    "train-mode-once": (
        "    for epoch in range(num_epochs):\n        for imgs, labels in iter(train_loader):\n"
        "            if imgs.size()[0] < batch_size:\n                continue\n\n"
        "            model.train()  # annotate model for training\n",
        "    model.train()  # annotate model for training\n"
        "    for epoch in range(num_epochs):\n        for imgs, labels in iter(train_loader):\n"
        "            if imgs.size()[0] < batch_size:\n                continue\n\n",
        {"training.loop"},
        1.0,
        {"training.loop": "eval mode during some training steps"},
    ),
    "cnnbn-norm-after-pool": (
        "        x = self.bn1(torch.relu(self.conv1(x)))\n        x = self.pool(x)\n",
        "        x = self.pool(torch.relu(self.conv1(x)))\n        x = self.bn1(x)\n",
        {"batchnorm.placement"},
        1.0,
        {"batchnorm.placement": "(after the pooling)"},
    ),
    "print-weights-only": (
        "          sum(p.numel() for p in model.parameters()))",
        "          sum(p.numel() for p in model.parameters() if p.dim() > 1))",
        {"models.print_num_parameters"},
        1.0,
        {"models.print_num_parameters": "expected"},
    ),
    "mlp-no-relu": (
        "        activation1 = self.layer1(flattened)\n        activation1 = torch.relu(activation1)\n"
        "        activation2 = self.layer2(activation1)\n        return activation2\n\n\n# You",
        "        activation1 = self.layer1(flattened)\n"
        "        activation2 = self.layer2(activation1)\n        return activation2\n\n\n# You",
        {"models.mlp_forward"},
        2.0,
        {"models.mlp_forward": "worst element"},
    ),
    "default-lr": (
        'optimizer="sgd", learning_rate=0.1, momentum=0.9,',
        'optimizer="sgd", learning_rate=0.01, momentum=0.9,',
        {"training.defaults"},
        1.0,
        {"training.defaults": "learning_rate=0.01"},
    ),
}


@pytest.mark.parametrize("name", sorted(OTHER_BUGS))
def test_other_bugs_lose_their_points(pytester: pytest.Pytester, tmp_path: Path, name: str) -> None:
    old, new, failing, lost, says = OTHER_BUGS[name]
    graded = grade(pytester, _variant(tmp_path / name, old, new))
    assert graded.failing() == failing, graded.report["tests"]
    assert FULL - graded.score == pytest.approx(lost)
    for check_id, words in says.items():
        assert words in graded.output(check_id), graded.output(check_id)


# == units ==========================================================================================


def _call(kind: str, name: str, minimum: float, shape: list[int], share: float = 0.0) -> dict:
    return {"name": name, "kind": kind, "type": "BatchNorm1d", "shape": shape, "min": minimum, "negative_share": share}


def test_mlp_batch_norm_placement_verdicts() -> None:
    after = {
        "calls": [_call("bn", "bn", 0.0, [16, 30]), _call("output", "layer2", -1.2, [16, 30], 0.5)],
        "bn_modules": ["BatchNorm1d"],
    }
    before = {
        "calls": [_call("bn", "bn", -0.4, [16, 30], 0.5), _call("output", "layer2", 0.0, [16, 30])],
        "bn_modules": ["BatchNorm1d"],
    }
    assert models._mlp_problems(after, "MLPBN(30)", after_relu=True) == []
    assert models._mlp_problems(before, "MLPBNBeforeReLu(30)", after_relu=False) == []
    assert "before the ReLU" in models._mlp_problems(before, "MLPBN(30)", after_relu=True)[0]
    assert "after the ReLU" in models._mlp_problems(after, "MLPBNBeforeReLu(30)", after_relu=False)[0]
    none = {"calls": [_call("output", "layer2", -1.0, [16, 30], 0.5)], "bn_modules": []}
    assert "no batch-norm layer" in models._mlp_problems(none, "MLPBN(30)", after_relu=True)[0]


def test_cnn_batch_norm_placement_verdicts() -> None:
    good = {"calls": [_call("bn", "bn1", 0.0, [16, 4, 28, 28]), _call("bn", "bn2", 0.0, [16, 8, 14, 14])]}
    assert models._cnn_problems(good, "CNNBN()") == []
    pooled = {"calls": [_call("bn", "bn1", 0.0, [16, 4, 14, 14]), _call("bn", "bn2", 0.0, [16, 8, 7, 7])]}
    assert all("after the pooling" in p for p in models._cnn_problems(pooled, "CNNBN()"))
    one = {"calls": [_call("bn", "bn1", 0.0, [16, 4, 28, 28])]}
    assert "1 batch-norm calls" in models._cnn_problems(one, "CNNBN()")[0]


def test_printed_accuracies_are_read_from_trains_output() -> None:
    text = "Final Training Accuracy: 0.875\nFinal Validation Accuracy: 0.9333333333333333\n"
    assert training._printed(text, "train") == 0.875
    assert training._printed(text, "val") == pytest.approx(0.93333333)
    assert training._printed("train acc 87.5%\nval acc: 90.0 %\n", "val") == 90.0
    assert training._printed("Final Training Accuracy: 0.5\n", "val") is None
    reply = {"printed": text, "final_train": 0.875, "final_val": 14 / 15}
    assert training._report_problems(reply) == []
    assert len(training._report_problems({**reply, "final_train": 0.85})) == 1  # a step of 1/40 off


def test_shuffle_verdicts() -> None:
    size = training.LOOP_FIXED["kwargs"]["batch_size"]

    def batches(order: list[int]) -> list[dict]:
        return [{"training": True, "indices": order[k : k + size]} for k in range(0, len(order), size)]

    n_fixed = training.LOOP_FIXED["n"] // size * size
    fixed = {"batches": batches(list(range(n_fixed)) * 2)}
    n = training.LOOP_SHUFFLED["n"]
    perm = [(7 * i) % n for i in range(n)]
    shuffled = {"batches": batches(perm + perm[::-1])}
    assert training._shuffle_problems(fixed, shuffled) == []
    assert training._shuffle_problems({"batches": batches(perm[:n_fixed] * 2)}, shuffled)
    assert "same order" in training._shuffle_problems(fixed, {"batches": batches(perm * 2)})[0]
    assert "data's own order" in training._shuffle_problems(fixed, {"batches": batches(list(range(n)) * 2)})[0]
    assert training._batch_problems(training.LOOP_FIXED, fixed) == []


def test_answer_key_counts_match_the_tutorial() -> None:
    counts = {
        name: sum(p.numel() for p in model.parameters())
        for name, model in (
            ("MLP(30)", TUTORIAL6.MLP(30)),
            ("MLP(200)", TUTORIAL6.MLP(200)),
            ("CNN", TUTORIAL6.CNN()),
            ("MLPBN(30)", TUTORIAL6.MLPBN(30)),
            ("CNNBN", TUTORIAL6.CNNBN()),
        )
    }
    assert counts == {
        "MLP(30)": 784 * 30 + 30 + 300 + 10,
        "MLP(200)": 784 * 200 + 200 + 2000 + 10,
        "CNN": 40 + 296 + 3930,
        "MLPBN(30)": 23860 + 60,
        "CNNBN": 4266 + 8 + 16,
    }
