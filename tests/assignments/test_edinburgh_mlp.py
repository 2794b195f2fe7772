"""The Edinburgh MLP lab "Multiple layer models": the assignment `edinburgh_mlp`.

- The example notebook is what make_notebooks.py writes (the example and the broken cases are
  graded in test_every_assignment.py).
- Where TanhLayer/ReluLayer and the PyTorch model are looked up: the notebook first, else
  mlp.layers; a missing notebook, or one whose MultipleLayerModel is the numpy one, is named.
- Other correct readings get full marks (a learning rule that also keeps its own list), and
  bugs the broken copies do not cover are caught (a learning rule that is not in place, a data
  provider reading a fixed path).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest

import harness.checks.edinburgh_mlp  # noqa: F401  (imported before pytester snapshots sys.modules)
import tests.grading.helpers  # noqa: F401
from harness.data import load_mnist
from harness.grading import identify
from harness.notebook import convert
from harness.reference import load as load_reference
from harness.rubric import load as load_rubric, rubric_path
from tests.grading.helpers import grade

from .common import AssignmentFixtures

MNIST = load_mnist(None)
KEY = load_reference("edinburgh_mlp")
for _module in (
    "initialisers",
    "layers",
    "errors",
    "models",
    "learning_rules",
    "data_providers",
    "optimisers",
    "torch_model",
):
    getattr(KEY, _module)

REPO = Path(__file__).resolve().parents[2]
FIXTURES = AssignmentFixtures("edinburgh_mlp", full=load_rubric(rubric_path("edinburgh_mlp")).max_points())
HERE, EXAMPLE = FIXTURES.here, FIXTURES.example
NOTEBOOK = "notebooks/03_Multiple_layer_models.ipynb"
BROKEN = FIXTURES.broken
RUBRIC = load_rubric(rubric_path("edinburgh_mlp"))
FULL = RUBRIC.max_points()


# == whole grading runs ========================================================================


# == each broken copy is one bug =================================================================


def test_the_example_notebook_is_what_the_generator_writes(tmp_path: Path) -> None:
    gen = FIXTURES.generator()
    gen.write_example_notebook(tmp_path / "example" / NOTEBOOK)
    assert (tmp_path / "example" / NOTEBOOK).read_bytes() == (EXAMPLE / NOTEBOOK).read_bytes()


def test_example_notebook_keeps_the_lab_top_level_work_out() -> None:
    converted = convert(EXAMPLE / NOTEBOOK)
    assert {"TanhLayer", "ReluLayer", "MultipleLayerModel", "train_model_and_plot_stats"} <= set(converted.kept)
    assert not {"train_data", "valid_data", "train_dataset", "test_dataset", "model", "optimizer"} & set(converted.kept)
    skipped = "\n".join(converted.skipped)
    for work in ("MNISTDataProvider('train', rng=rng)", "datasets.MNIST(", "plt.show()", "train_model_and_plot_stats("):
        assert work in skipped or work.split("(")[0] in skipped, work
    nb = json.loads((EXAMPLE / NOTEBOOK).read_text())
    assert nb["nbformat"] == 4
    assert any("download=True" in "".join(c["source"]) for c in nb["cells"])
    assert any("".join(c["source"]).startswith("%matplotlib inline") for c in nb["cells"])


# == where the lab's code is looked up ===========================================================


def _copy(tmp_path: Path, name: str = "sub") -> Path:
    dest = tmp_path / name
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


ACTIVATIONS = """

class TanhLayer(Layer):
    def fprop(self, inputs):
        return np.tanh(inputs)

    def bprop(self, inputs, outputs, grads_wrt_outputs):
        return grads_wrt_outputs * (1. - outputs ** 2)


class ReluLayer(Layer):
    def fprop(self, inputs):
        return np.maximum(inputs, 0.)

    def bprop(self, inputs, outputs, grads_wrt_outputs):
        return grads_wrt_outputs * (inputs > 0.)
"""


def test_without_a_notebook_the_layers_come_from_mlp_and_the_torch_model_is_missing(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    sub = _copy(tmp_path)
    shutil.rmtree(sub / "notebooks")
    layers = sub / "mlp" / "layers.py"
    layers.write_text(layers.read_text() + ACTIVATIONS)
    graded = grade(pytester, sub, "-k", "exercise3 or pytorch", "--offering=2023-24")
    assert graded.failing() == {"pytorch.multiple_layer_model"}
    assert graded.score == 8.0
    assert "no lab notebook was handed in" in graded.output("pytorch.multiple_layer_model")
    assert "TanhLayer graded from mlp.layers" in graded.output("exercise3.tanh_layer")


def test_a_notebook_without_the_torch_model_is_named(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = _copy(tmp_path)
    nb = nbformat.read(str(sub / NOTEBOOK), as_version=4)
    nb.cells = [c for c in nb.cells if "class MultipleLayerModel(nn.Module)" not in c.source]
    nbformat.write(nb, str(sub / NOTEBOOK))
    graded = grade(pytester, sub, "-k", "pytorch", "--offering=2023-24")
    assert graded.failing() == {"pytorch.multiple_layer_model"}
    out = graded.output("pytorch.multiple_layer_model")
    assert "03_Multiple_layer_models.ipynb" in out and "not a torch.nn.Module" in out and "mlp.models" in out


def test_a_broken_notebook_layer_is_graded_even_when_mlp_layers_has_a_correct_one(
    pytester: pytest.Pytester, tmp_path: Path, cases
) -> None:
    """The notebook's own TanhLayer is what exercise 3 asks for: it wins over mlp.layers'."""
    sub = _copy(tmp_path)
    layers = sub / "mlp" / "layers.py"
    layers.write_text(layers.read_text() + ACTIVATIONS)
    shutil.copy(cases(HERE / "broken" / "tanh-bprop-uses-inputs") / NOTEBOOK, sub / NOTEBOOK)
    graded = grade(pytester, sub, "-k", "tanh")
    assert graded.failing() == {"exercise3.tanh_layer"}
    assert "03_Multiple_layer_models.ipynb (the lab notebook)" in graded.output("exercise3.tanh_layer")


# == other readings and other bugs ================================================================


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def test_learning_rule_variants(pytester: pytest.Pytester, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    # correct: in place through an index, and keeps a list of its own
    ok = _copy(rules, "ok")
    _replace(
        ok / "mlp" / "learning_rules.py",
        "        for param, grad in zip(self.params, grads_wrt_params):\n"
        "            param -= self.learning_rate * grad",
        "        for i, grad in enumerate(grads_wrt_params):\n"
        "            self.params[i][...] = self.params[i] - self.learning_rate * grad",
    )
    # not in place: new arrays in the rule's list, the model's arrays never change
    new_arrays = _copy(rules, "new_arrays")
    _replace(
        new_arrays / "mlp" / "learning_rules.py",
        "        for param, grad in zip(self.params, grads_wrt_params):\n"
        "            param -= self.learning_rate * grad",
        "        self.params = [p - self.learning_rate * g for p, g in zip(self.params, grads_wrt_params)]",
    )
    graded = grade(pytester, ok, "-k", "learning_rule or training")
    assert graded.failed() == set()
    graded = grade(pytester, new_arrays, "-k", "learning_rule or training")
    assert graded.failed() == {"framework.learning_rule", "training.mnist"}
    assert graded.failing() == {"training.mnist"}  # the framework is the course's code: reported, no points
    assert "unchanged" in graded.output("framework.learning_rule")
    assert "validation accuracy" in graded.output("training.mnist")


def test_data_provider_reading_a_fixed_path_is_caught(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = _copy(tmp_path)
    _replace(sub / "mlp" / "data_providers.py", "os.environ['MLP_DATA_DIR']", "'/home/student/mlpractical/data'")
    graded = grade(pytester, sub, "-k", "data_provider")
    assert graded.failed() == {"framework.mnist_data_provider"} and graded.failing() == set()
    assert graded.score == 0.0
    assert "Data file does not exist" in graded.output("framework.mnist_data_provider")


# == the answer key ================================================================================


def test_reference_passes_the_notebooks_own_tests() -> None:
    from harness.checks.edinburgh_mlp.lab import NOTEBOOK_EXPECTED, TEST_GRADS_WRT_OUTPUTS, TEST_INPUTS

    for name, (outputs, grads) in NOTEBOOK_EXPECTED.items():
        layer = getattr(KEY.layers, name)()
        y = layer.fprop(TEST_INPUTS)
        assert np.allclose(outputs, y)
        assert np.allclose(grads, layer.bprop(TEST_INPUTS, y, TEST_GRADS_WRT_OUTPUTS))


def test_reference_gradients_match_finite_differences() -> None:
    rng = np.random.RandomState(0)
    x, dout = rng.randn(4, 5), rng.randn(4, 3)
    w, b = rng.randn(3, 5), rng.randn(3)
    layer = KEY.layers.AffineLayer(5, 3, lambda s: w.copy(), lambda s: b.copy())
    grads = layer.grads_wrt_params(x, dout)
    eps = 1e-6
    for target, grad in ((w, grads[0]), (b, grads[1])):
        idx = (0,) * target.ndim
        orig = target[idx]
        target[idx] = orig + eps
        plus = (KEY.layers.AffineLayer(5, 3, lambda s: w.copy(), lambda s: b.copy()).fprop(x) * dout).sum()
        target[idx] = orig - eps
        minus = (KEY.layers.AffineLayer(5, 3, lambda s: w.copy(), lambda s: b.copy()).fprop(x) * dout).sum()
        target[idx] = orig
        assert abs((plus - minus) / (2 * eps) - grad[idx]) < 1e-6
    outputs, targets = rng.randn(4, 6), np.eye(6)[rng.randint(0, 6, 4)]
    err = KEY.errors.CrossEntropySoftmaxError()
    plus, minus = outputs.copy(), outputs.copy()
    plus[1, 2] += eps
    minus[1, 2] -= eps
    assert abs((err(plus, targets) - err(minus, targets)) / (2 * eps) - err.grad(outputs, targets)[1, 2]) < 1e-6
    assert KEY.torch_model.parameter_count(784, 10, 100) == 89610


def test_the_lab_3_notebook_is_picked_beside_the_other_labs(tmp_path: Path) -> None:
    """A whole mlpractical checkout: the later labs import the same names from mlp; lab 3 defines them."""
    sub = _copy(tmp_path)
    for name, source in (
        ("02_Single_layer_models.ipynb", "from mlp.models import SingleLayerModel"),
        (
            "04_Generalisation_and_overfitting.ipynb",
            "from mlp.layers import AffineLayer, TanhLayer, ReluLayer\nfrom mlp.models import MultipleLayerModel",
        ),
    ):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(source)]
        nbformat.write(nb, str(sub / "notebooks" / name))
    found, name = identify(sub, "auto")
    assert name == "edinburgh_mlp"
    assert found.module_file == (sub / NOTEBOOK).resolve() or found.module_file == sub / NOTEBOOK


# == offerings ======================================================================================


def test_a_lab_without_the_pytorch_section_is_not_graded_on_it(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """The 2022-23 lab has no PyTorch section: a notebook without it is recognised as that offering,
    and pytorch.* is not assigned (not a 4-point deduction)."""
    sub = _copy(tmp_path)
    nb = nbformat.read(str(sub / NOTEBOOK), as_version=4)
    start = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith("# PyTorch"))
    nb.cells = nb.cells[:start]
    nbformat.write(nb, str(sub / NOTEBOOK))
    graded = grade(pytester, sub, "-k", "exercise3 or pytorch")
    assert "pytorch.multiple_layer_model" not in {t["number"] for t in graded.report["tests"]}
    assert graded.failing() == set() and graded.score == 8.0
    graded.result.stdout.fnmatch_lines(
        [
            "*graded as Edinburgh MLP lab 3 without a PyTorch section (2022-23)*",
            "not assigned in this offering (not graded): pytorch.multiple_layer_model",
        ]
    )


def test_the_course_framework_is_reported_not_deducted(pytester: pytest.Pytester, cases) -> None:
    """The course's own SoftmaxLayer (no max subtraction in some years' upstream code) costs nothing."""
    graded = grade(pytester, cases(HERE / "broken" / "softmax-no-max-subtraction"), "-k", "softmax_layer")
    test = next(t for t in graded.report["tests"] if t["number"] == "framework.softmax_layer")
    assert (test["status"], test["score"], test["max_score"]) == ("failed", 0, 0)
    assert "the course's own framework code" in test["output"]
