"""Neuromatch Academy DL W1D5 Tutorial 1 (optimization techniques): the assignment `nma_w1d5`.

- The example notebook is what make_notebooks.py writes (the example and the broken cases are
  graded in test_every_assignment.py).
- The checks run in-process on other correct readings of the tutorial (no epsilon argument,
  sqrt(v) + eps, torch.no_grad with in-place ops, new tensors put into the caller's list,
  zero_grad setting .grad to None) and must give them full marks; and on bugs they must catch.
"""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
from pathlib import Path

import pytest

import harness.checks.nma_w1d5  # noqa: F401  (imported before pytester snapshots sys.modules)
import harness.probes.nma_w1d5  # noqa: F401  (registers the probes, for the in-process runs below)
import tests.grading.helpers  # noqa: F401
from harness.checks import load_checks
from harness.checks.base import CheckContext
from harness.data import load_mnist
from harness.notebook import convert
from harness.probes import server
from harness.reference import load as load_reference
from harness.rubric import load as load_rubric, rubric_path
from harness.sandbox import StudentError

from .common import AssignmentFixtures

MNIST = load_mnist(None)
KEY = load_reference("nma_w1d5")
KEY.w1d5  # noqa: B018  (imports the answer key now, before pytester snapshots sys.modules)

REPO = Path(__file__).resolve().parents[2]
FIXTURES = AssignmentFixtures("nma_w1d5", full=load_rubric(rubric_path("nma_w1d5")).max_points())
HERE, EXAMPLE = FIXTURES.here, FIXTURES.example
NOTEBOOK = "W1D5_Tutorial1.ipynb"
BROKEN = FIXTURES.broken
RUBRIC = load_rubric(rubric_path("nma_w1d5"))
CHECK_FUNCTIONS = load_checks(RUBRIC.checks_module)
FULL = RUBRIC.max_points()


# == whole grading runs ========================================================================


# == each broken copy is one bug =================================================================


def test_the_example_notebook_is_what_the_generator_writes(tmp_path: Path) -> None:
    gen = FIXTURES.generator()
    gen.write_notebook(tmp_path / NOTEBOOK, gen.CELLS)
    assert (tmp_path / NOTEBOOK).read_bytes() == (EXAMPLE / NOTEBOOK).read_bytes()


def test_example_notebook_keeps_the_tutorial_top_level_work_out() -> None:
    converted = convert(EXAMPLE / NOTEBOOK)
    assert {"MLP", "zero_grad", "gradient_update", "momentum_update", "rmsprop_update"} <= set(converted.kept)
    skipped = "\n".join(converted.skipped)
    for work in (
        "train_set, test_set = load_mnist_data(",
        "plt.show()",
        "optim.Adam",
        "display(tabs)",
        "if not os.path.exists(name):",
        "for _ in range(200):",
    ):
        assert work in skipped, work
    nb = json.loads((EXAMPLE / NOTEBOOK).read_text())
    assert nb["nbformat"] == 4
    assert any("download=True" in "".join(c["source"]) for c in nb["cells"])


# == the checks in-process, on other readings of the tutorial ===================================


class InProcessWorker:
    """Runs the probes in this process on a module written to a temporary folder (fast, no sandbox)."""

    def __init__(self, folder: Path):
        self.folder = str(folder)

    def call(self, probe: str, *, seed: int = 0, timeout: float | None = None, **kwargs):
        from harness.sandbox.worker import _plain

        reply = server._handle({"probe": probe, "seed": seed, "kwargs": _plain(kwargs)}, self.folder)
        if not reply["ok"]:
            raise StudentError(reply["error"])
        return reply["result"]


@pytest.fixture
def student(tmp_path: Path):
    """``student(source)`` -> a function that grades one check on that ``w1d5`` module in-process."""
    sys.path.insert(0, str(tmp_path))

    def load(source: str):
        (tmp_path / "w1d5.py").write_text(source)
        sys.modules.pop("w1d5", None)
        importlib.invalidate_caches()
        worker = InProcessWorker(tmp_path)

        def run(check_id: str, seed: int = 0) -> dict[str, tuple[bool, str]]:
            ctx = CheckContext(worker, KEY, seed, check_id, images_loader=lambda name: MNIST)
            return {f.component: (f.passed, f.message) for f in CHECK_FUNCTIONS[check_id](ctx)}

        return run

    yield load
    sys.path.remove(str(tmp_path))
    sys.modules.pop("w1d5", None)
    if isinstance(sys.modules.get("ipywidgets"), harness.probes.nma_w1d5._WidgetsStub):
        del sys.modules["ipywidgets"]  # the probes' stand-in, installed in this process by the in-process runs


ALL_CHECKS = [c.id for c in RUBRIC.checks]


def source_with(tmp_path: Path, *replacements: tuple[str, str]) -> str:
    """The graded module of the example with ``replacements`` made in its cells' own text (each
    must change something): written as a script, then staged as the grader stages it."""
    gen = FIXTURES.generator()
    cells = list(gen.CELLS)
    for old, new in replacements:
        assert any(old in src for _, src in cells), old
        cells = [(kind, src.replace(old, new)) for kind, src in cells]
    path = tmp_path / "variant" / "W1D5_Tutorial1.py"
    gen.write_script(path, cells)
    return convert(path).source


EXAMPLE_SOURCE = convert(EXAMPLE / NOTEBOOK).source


def _passes(run, check_ids: list[str]) -> None:
    for check_id in check_ids:
        for component, (passed, message) in run(check_id).items():
            assert passed, f"{check_id}[{component}]: {message}"


def _fails(run, check_id: str, component: str = "all", says: str = "") -> str:
    result = run(check_id)
    passed, message = result[component]
    assert not passed, f"{check_id}[{component}] passed"
    assert says in message, message
    return message


def test_in_process_example_passes_everything(student) -> None:
    _passes(student(EXAMPLE_SOURCE), ALL_CHECKS)


def test_answer_key_graded_as_a_submission_passes_everything(student) -> None:
    """What the student kit's recording does: the reference's own file, staged like a student's."""
    _passes(student(convert(REPO / "reference" / "nma_w1d5" / "w1d5.py").source), ALL_CHECKS)


OTHER_READINGS = textwrap.dedent("""\
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class MLP(nn.Module):
        def __init__(self, in_dim=784, out_dim=10, hidden_dims=[], use_bias=True):
            super().__init__()
            self.in_dim = in_dim
            dims = [in_dim] + list(hidden_dims) + [out_dim]
            layers = []
            for a, b in zip(dims[:-1], dims[1:]):
                layers += [nn.Linear(a, b, bias=use_bias), nn.ReLU()]
            self.main = nn.Sequential(*layers[:-1])

        def forward(self, x):
            return torch.log_softmax(self.main(x.reshape(-1, self.in_dim)), dim=-1)

    def zero_grad(params):
        for p in params:
            p.grad = None              # cleared by dropping it (what optimizer.zero_grad() does today)

    def gradient_update(loss, params, lr=1e-3):
        zero_grad(params)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad

    def momentum_update(loss, params, grad_vel, lr=1e-3, beta=0.8):
        zero_grad(params)
        loss.backward()
        with torch.no_grad():
            for i, p in enumerate(params):
                grad_vel[i] = beta * grad_vel[i] - lr * p.grad   # new tensors put into the caller's list
                p += grad_vel[i]

    def rmsprop_update(loss, params, grad_sq, lr=1e-1, alpha=0.8):   # the older version: no epsilon argument
        zero_grad(params)
        loss.backward()
        with torch.no_grad():
            for p, s in zip(params, grad_sq):
                s.mul_(alpha).add_((1 - alpha) * p.grad ** 2)
                p.sub_(lr * p.grad / (torch.sqrt(s) + 1e-8))     # eps outside the square root
    """)


def test_other_correct_readings_get_full_marks(student) -> None:
    _passes(student(OTHER_READINGS), ALL_CHECKS)


def test_sqrt_plus_eps_agrees_with_sqrt_of_sum_within_tolerance(student, tmp_path: Path) -> None:
    source = source_with(
        tmp_path,
        (
            "par.data -= lr * (par.grad / (epsilon + gsq.data)**0.5)",
            "par.data -= lr * (par.grad / (gsq.data**0.5 + epsilon))",
        ),
    )
    _passes(student(source), ["rmsprop.rmsprop_update", "rmsprop.grad_sq_in_place", "compare.rmsprop_beats_gd"])


def test_epsilon_is_passed_only_where_the_signature_takes_it(student, tmp_path: Path) -> None:
    source = source_with(
        tmp_path,
        (
            "def rmsprop_update(loss, params, grad_sq, lr=1e-3, alpha=0.8, epsilon=1e-8):",
            "def rmsprop_update(loss, params, grad_sq, lr=1e-3, alpha=0.8, **kwargs):\n  epsilon = kwargs['epsilon']",
        ),
    )
    _passes(student(source), ["rmsprop.rmsprop_update"])


def test_update_that_rebinds_the_parameter_is_named(student, tmp_path: Path) -> None:
    source = source_with(tmp_path, ("par.data -= lr * par.grad.data", "par = par - lr * par.grad"))
    _fails(student(source), "gd.gradient_update", "one_step", "did not change at all")


def test_missing_beta_is_caught(student, tmp_path: Path) -> None:
    source = source_with(
        tmp_path, ("vel.data = -lr * par.grad.data + beta * vel.data", "vel.data = -lr * par.grad.data + vel.data")
    )
    run = student(source)
    _fails(run, "momentum.momentum_update", "one_step", "hint:")
    _fails(run, "momentum.velocity_in_place", says="not to the new velocity")


def test_rmsprop_rebinding_the_average_is_caught(student, tmp_path: Path) -> None:
    source = source_with(
        tmp_path,
        (
            "gsq.data = alpha * gsq.data + (1 - alpha) * par.grad**2",
            "gsq = alpha * gsq.data + (1 - alpha) * par.grad**2",
        ),
    )
    run = student(source)
    _fails(run, "rmsprop.rmsprop_update", "several_steps", "never carried")
    _fails(run, "rmsprop.grad_sq_in_place", says="still hold their old values")
    assert run("rmsprop.rmsprop_update")["one_step"][0]


def test_forward_without_log_softmax_is_caught(student, tmp_path: Path) -> None:
    source = source_with(tmp_path, ("output = F.log_softmax(hidden_output, dim=1)", "output = hidden_output"))
    run = student(source)
    _fails(run, "model.mlp_forward", "log_probs", "logsumexp")
    _fails(run, "model.mlp_forward", "values")


def test_mlp_ignoring_use_bias_and_in_dim_is_caught(student, tmp_path: Path) -> None:
    source = source_with(tmp_path, ("bias=use_bias", "bias=True"), ("x.view(-1, self.in_dim)", "x.view(-1, 784)"))
    run = student(source)
    _fails(run, "model.mlp_structure", "bias", "has a bias")
    _fails(run, "model.mlp_forward", "values", "in_dim=20")


def test_missing_function_is_a_clear_failure(student, tmp_path: Path) -> None:
    source = source_with(tmp_path, ("def rmsprop_update(", "def rmsprop_updat("))
    run = student(source)
    message = _fails(run, "rmsprop.rmsprop_update", "one_step", "defines no function rmsprop_update")
    assert "Traceback" not in message
    _fails(run, "compare.rmsprop_beats_gd", says="defines no function rmsprop_update")


def test_training_comparison_holds_for_other_grading_seeds(student) -> None:
    run = student(EXAMPLE_SOURCE)
    for seed in (1, 7, 12345):
        for check_id in ("compare.momentum_beats_gd", "compare.rmsprop_beats_gd"):
            passed, message = run(check_id, seed)["all"]
            assert passed, (seed, check_id, message)
