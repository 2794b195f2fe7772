"""More readings of CSC321 Tutorials 4 and 6 that real students write: correct ones must get full
marks, and the bugs next to them must still lose their points.

- An accuracy computed in float32 (``(pred == ts).float().mean().item()``) is the fraction correct
  to ~1e-8; it used to fail get_accuracy's exact (1e-9) comparison in both tutorials.
- Tutorial 4: a running accuracy of the batch computed with ``model(xs)`` while gradients are on
  (never backpropagated) used to count as a second training batch, failing five checks.
- Tutorial 6: ``print_num_parameters`` worded ``f"... in {name}: {n}"``, and an ``MLP`` built as an
  ``nn.Sequential`` without the ``num_hidden`` attribute the tutorial stores but never reads.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.checks.csc321_tut4  # noqa: F401  (imported before pytester snapshots sys.modules: loads once)
import harness.checks.csc321_tut6  # noqa: F401
import tests.grading.helpers  # noqa: F401  (loads the shared modules and data once)
from tests.grading.helpers import grade

from .common import AssignmentFixtures, edited_notebook

TUT4 = AssignmentFixtures("csc321_tut4", full=20.0)
TUT6 = AssignmentFixtures("csc321_tut6", full=25.0)


# == Tutorial 4 ================================================================================

T4_LOOP = """            xs = xs.view(-1, 784)  # flatten the image. The -1 is a wildcard
            zs = model(xs)"""
T4_ACCURACY = """    correct, total = 0, 0
    for xs, ts in loader:
        xs = xs.view(-1, 784)  # flatten the image
        zs = model(xs)
        pred = zs.max(1, keepdim=True)[1]  # get the index of the max logit
        correct += pred.eq(ts.view_as(pred)).sum().item()
        total += int(ts.shape[0])
    return correct / total"""
T4_READINGS = [
    # the whole set at once, the fraction as a float32 mean
    (
        T4_ACCURACY,
        """    xs = torch.stack([x for x, _ in data]).view(-1, 784)
    ts = torch.tensor([t for _, t in data])
    return (model(xs).argmax(dim=1) == ts).float().mean().item()""",
    ),
    # a running accuracy of the batch, from a second forward with gradients enabled
    (
        T4_LOOP,
        T4_LOOP
        + """
            batch_acc = (model(xs).argmax(dim=1) == ts).float().mean().item()""",
    ),
]


def test_tut4_float32_accuracy_and_running_batch_accuracy_get_full_marks(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    graded = grade(pytester, edited_notebook(TUT4.example, tmp_path / "t4", T4_READINGS))
    assert graded.failing() == set(), graded.report["tests"]
    assert graded.score == TUT4.full


def test_tut4_bugs_beside_those_readings_still_lose_points(pytester: pytest.Pytester, tmp_path: Path) -> None:
    bugs = [
        # one image too many in the count: not a float32 rounding
        (T4_ACCURACY, T4_ACCURACY.replace("return correct / total", "return (correct + 1) / total")),
        # no backward at all: every forward counts, and the update that never happens is named
        ("            loss.backward()  # compute updates for each parameter\n", ""),
    ]
    graded = grade(pytester, edited_notebook(TUT4.example, tmp_path / "t4bugs", bugs))
    failing = graded.failing()
    assert {"accuracy.argmax", "accuracy.linear_mnist", "train.sgd_step", "train.learns"} <= failing, failing
    assert "the parameters did not change" in graded.output("train.sgd_step")
    assert "train.batches" not in failing and "train.shuffle" not in failing


# == Tutorial 6 ================================================================================

T6_ACCURACY = """    correct = 0
    total = 0
    for imgs, labels in data:
        output = model(imgs)  # We don't need to run torch.softmax
        pred = output.max(1, keepdim=True)[1]  # get the index of the max log-probability
        correct += pred.eq(labels.view_as(pred)).sum().item()
        total += imgs.shape[0]
    return correct / total"""
T6_PRINT = """    print("Number of parameters in %s" % name,
          sum(p.numel() for p in model.parameters()))"""
T6_MLP = """        self.layer1 = nn.Linear(28 * 28, num_hidden)
        self.layer2 = nn.Linear(num_hidden, 10)
        self.num_hidden = num_hidden

    def forward(self, img):
        flattened = img.view(-1, 28 * 28)  # flatten the image
        activation1 = self.layer1(flattened)
        activation1 = torch.relu(activation1)
        activation2 = self.layer2(activation1)
        return activation2"""
T6_READINGS = [
    (
        T6_ACCURACY,
        """    with torch.no_grad():
        imgs = torch.cat([x for x, _ in data])
        labels = torch.cat([y for _, y in data])
        return (model(imgs).argmax(dim=1) == labels).float().mean().item()""",
    ),
    (
        T6_PRINT,
        """    n = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"Number of parameters in {name}: {n:,}")""",
    ),
    (
        T6_MLP,
        """        self.net = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, num_hidden), nn.ReLU(),
                                 nn.Linear(num_hidden, 10))

    def forward(self, img):
        return self.net(img)""",
    ),
]


def test_tut6_float32_accuracy_print_wording_and_sequential_mlp_get_full_marks(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    graded = grade(pytester, edited_notebook(TUT6.example, tmp_path / "t6", T6_READINGS))
    assert graded.failing() == set(), graded.report["tests"]
    assert graded.score == TUT6.full


def test_tut6_bugs_beside_those_readings_still_lose_points(pytester: pytest.Pytester, tmp_path: Path) -> None:
    bugs = [
        (T6_ACCURACY, T6_ACCURACY.replace("return correct / total", "return (correct + 1) / total")),
        # the weights only: the count is wrong, whatever the wording
        (
            T6_PRINT,
            """    n = sum(p.numel() for p in model.parameters() if p.dim() > 1)
    print(f"Number of parameters in {name}: {n}")""",
        ),
        (
            "        self.num_hidden = num_hidden\n\n    def forward(self, img):\n        flattened = img.view(-1, 28 * 28)"
            "  # flatten the image\n        activation1 = self.layer1(flattened)\n        activation1 = torch.relu(",
            "        self.num_hidden = 10\n\n    def forward(self, img):\n        flattened = img.view(-1, 28 * 28)"
            "  # flatten the image\n        activation1 = self.layer1(flattened)\n        activation1 = torch.relu(",
        ),
    ]
    graded = grade(pytester, edited_notebook(TUT6.example, tmp_path / "t6bugs", bugs))
    failing = graded.failing()
    assert {"training.get_accuracy", "models.print_num_parameters", "models.param_counts"} <= failing, failing
    assert "num_hidden is 10" in graded.output("models.param_counts")
