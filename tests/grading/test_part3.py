"""Part 3 (MLP binary classification): the notebook's data, the ROC readings, and the bad inputs
that must fail their own check with a message naming the problem."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

# scikit-learn is imported here, before pytester snapshots sys.modules: the judge's Part 3 checks
# use it, and a C extension numpy loads under it cannot be loaded twice in one process.
import sklearn.datasets
import sklearn.metrics
import sklearn.model_selection

import harness.checks.hw2  # noqa: F401  (imported before pytester snapshots sys.modules: loads once)
import harness.session  # noqa: F401
from harness.checks.hw2 import part3

from .helpers import copy_example, grade


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} not found once in {path}"
    path.write_text(text.replace(old, new))


def _notebook_moons() -> dict[str, np.ndarray]:
    """The notebook's cells as written: the global numpy seed, then three make_moons calls."""
    state = np.random.get_state()
    try:
        np.random.seed(42)
        x1, y1 = sklearn.datasets.make_moons(n_samples=4000, noise=0.2)
        x2, y2 = sklearn.datasets.make_moons(n_samples=4000, noise=0.25)
        x3, y3 = sklearn.datasets.make_moons(n_samples=2000, noise=0.3)
    finally:
        np.random.set_state(state)
    rot = part3._rotate_2d
    x, y = np.vstack([rot(x1, 10), rot(x2, 50), rot(x3, 40)]), np.hstack([y1, y2, y3])
    x_train, x_valid, y_train, y_valid = sklearn.model_selection.train_test_split(
        x[:8000], y[:8000], test_size=1 / 3, shuffle=False
    )
    return {
        "x_train": x_train,
        "y_train": y_train,
        "x_valid": x_valid,
        "y_valid": y_valid,
        "x_test": x[8000:],
        "y_test": y[8000:],
    }


def test_moons_are_the_notebooks_without_touching_the_global_seed() -> None:
    state = np.random.get_state()[1].copy()
    ours = part3.moons()
    assert np.array_equal(np.random.get_state()[1], state)
    notebook = _notebook_moons()
    assert [len(ours[f"y_{s}"]) for s in ("train", "valid", "test")] == [5333, 2667, 2000]
    for key, value in notebook.items():
        assert np.array_equal(ours[key], value), key


def test_roc_data_keeps_the_three_readings_and_their_neighbours_apart() -> None:
    _, labels, proba = part3.roc_inputs()
    y = labels.numpy()
    optima = part3.roc_optima(proba, y)
    _, _, thresholds = sklearn.metrics.roc_curve(y, proba)
    for reading, (threshold, _) in optima.items():
        assert part3.readings_met(threshold, proba, y) == [reading]
        i = int(np.flatnonzero(thresholds == threshold)[0])
        for neighbour in (thresholds[i - 1], thresholds[i + 1]):  # an index off by one
            assert part3.readings_met(neighbour, proba, y) == []


SELECTIONS = {
    "youden": ("optimal_thresh_idx = int((tpr - fpr).argmax())", "Youden's J"),
    "eer": ("optimal_thresh_idx = int(abs(fpr - (1 - tpr)).argmin())", "equal-error point"),
}


@pytest.mark.parametrize("reading", sorted(SELECTIONS))
def test_other_readings_of_the_roc_optimum_get_full_credit_with_a_note(
    pytester: pytest.Pytester, tmp_path: Path, reading: str
) -> None:
    sub = copy_example(tmp_path / reading)
    selection, name = SELECTIONS[reading]
    _edit(sub / "hw2" / "classifier.py", "optimal_thresh_idx = int(dist.argmin())", selection)
    graded = grade(pytester, sub, "-k", "part3.select_roc_thresh")
    assert graded.failing() == set()
    out = graded.output("part3.select_roc_thresh")
    assert "note: select_roc_thresh: your threshold" in out and name in out


def test_classify_returning_floats_is_named(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "float")
    _edit(
        sub / "hw2" / "classifier.py",
        "return (positive_proba >= self.threshold).to(torch.int)",
        "return (positive_proba >= self.threshold).float()",
    )
    graded = grade(pytester, sub, "-k", "part3.binary_classifier")
    assert graded.scores()["part3.binary_classifier"] == 3
    out = graded.output("part3.binary_classifier")
    assert "[classify] classify(x) returned dtype torch.float32" in out and "torch.int" in out


def test_a_model_producing_nan_is_named(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "nan")
    _edit(sub / "hw2" / "mlp.py", "return self.seq(x)", "return self.seq(x) / 0.0 * 0.0")
    graded = grade(pytester, sub, "-k", "part3.mlp and not experiment or part3.training_learns")
    assert graded.failing() == {"part3.mlp", "part3.training_learns"}
    assert "are nan" in graded.output("part3.mlp")
    assert "the training loss is not finite (NaN or inf) from batch 1 on" in graded.output("part3.training_learns")


def test_a_trainer_that_never_returns_fails_its_own_check(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "hang")
    _edit(
        sub / "hw2" / "training.py",
        "        self.optimizer.zero_grad()\n\n        scores = self.model(X)\n",
        "        while True:\n            pass\n",
    )
    graded = grade(pytester, sub, "-k", "part3.training_learns or part3.decision_boundary")
    assert graded.failing() == {"part3.training_learns"}  # the next check gets a fresh worker
    assert "no answer within 30 s" in graded.output("part3.training_learns")


PARAMETER_MLP = '''
class MLP(nn.Module):
    """W and b per layer as nn.Parameter, stored (in, out); activations in a ModuleList."""

    def __init__(self, in_dim, dims, nonlins):
        super().__init__()
        self.in_dim, self.out_dim = in_dim, dims[-1]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for d_in, d_out in zip([in_dim, *dims[:-1]], dims):
            self.weights.append(nn.Parameter(torch.randn(d_in, d_out) / d_in ** 0.5))
            self.biases.append(nn.Parameter(torch.zeros(d_out)))
        self.activations = nn.ModuleList(
            n if isinstance(n, nn.Module) else ACTIVATIONS[n](**ACTIVATION_DEFAULT_KWARGS[n]) for n in nonlins
        )

    def forward(self, x):
        for w, b, act in zip(self.weights, self.biases, self.activations):
            x = act(x @ w + b)
        return x
'''


def test_an_mlp_of_raw_parameters_is_accepted(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "parameters")
    mlp = sub / "hw2" / "mlp.py"
    text = mlp.read_text()
    mlp.write_text(text[: text.index("class MLP(nn.Module):")] + PARAMETER_MLP.lstrip())
    graded = grade(pytester, sub, "-k", "part3.mlp and not experiment")
    assert graded.failing() == set(), graded.output("part3.mlp")
