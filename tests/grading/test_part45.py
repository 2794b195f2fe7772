"""Parts 4-5 on mutated copies of the example: what each kind of mistake costs, and what it says."""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.checks.hw2  # noqa: F401  (imported before pytester snapshots sys.modules: loads once)
import harness.session  # noqa: F401

# helpers.py loads the image data and the answer key before pytester snapshots sys.modules
from .helpers import EXAMPLE, copy_example, drop_your_cnn, grade

PARTS_4_5 = "part4 or part5"


def _mutated(root: Path, file: str, old: str, new: str) -> Path:
    sub = copy_example(root)
    path = sub / "hw2" / file
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} not found once in {file}"
    path.write_text(text.replace(old, new))
    return sub


def _without_your_cnn(root: Path) -> Path:
    """The v2023+ skeleton: no YourCNN in cnn.py, no 'ycn' model type in experiments.py."""
    return drop_your_cnn(copy_example(root))


def test_example_gets_full_marks_and_own_hp_are_indicative_on_stand_in(pytester: pytest.Pytester) -> None:
    graded = grade(pytester, EXAMPLE, "-k", "part4.overfit_hp or part4.your_cnn")
    assert graded.failing() == set()
    assert "indicative only" in graded.output("part4.overfit_hp")
    assert "not part of this year's skeleton" not in graded.output("part4.your_cnn")


def test_v2023_skeleton_loses_nothing_for_the_missing_your_cnn(pytester: pytest.Pytester, tmp_path: Path) -> None:
    graded = grade(pytester, _without_your_cnn(tmp_path / "v2023"), "-k", "part4.your_cnn or part5")
    assert graded.failing() == set()
    assert "part4.your_cnn" not in graded.scores()  # not assigned in the 2023 offering: not graded
    graded.result.stdout.fnmatch_lines(["not assigned in this offering (not graded): part4.your_cnn"])
    # graded as another offering all the same (--offering), the missing class is still not deducted
    graded = grade(pytester, _without_your_cnn(tmp_path / "v2023-as-2022"), "-k", "part4.your_cnn", "--offering=2022s")
    assert graded.failing() == set()
    assert "not part of this year's skeleton (v2023+)" in graded.output("part4.your_cnn")


def test_model_producing_nan_fails_with_a_named_message(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = _mutated(
        tmp_path / "nan",
        "cnn.py",
        "        out = self.mlp(features)\n",
        "        out = self.mlp(features / (features - features))\n",
    )
    graded = grade(pytester, sub, "-k", "part4.cnn or part4.overfit and not hp")
    assert graded.scores()["part4.cnn"] == 3  # the layers are right, the output is not
    assert "CNN(**test_params[0]): output: 10 element(s) are nan" in graded.output("part4.cnn")
    assert "the mean training loss is nan in epoch 1" in graded.output("part4.overfit")


def test_trainer_that_never_returns_fails_its_own_checks(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = _mutated(
        tmp_path / "hang",
        "training.py",
        "        self.optimizer.zero_grad()\n\n        scores",
        "        while True:\n            pass\n\n        scores",
    )
    graded = grade(pytester, sub, "--check-timeout=4", "-k", "part4.overfit or part4.residual_block")
    # part4.overfit_hp fails too, but on stand-in data it is indicative whatever happens: no points either way
    assert graded.failing() == {"part4.overfit"}
    out = graded.output("part4.overfit")
    assert "training your CNN with your ClassifierTrainer on 50 images" in out and "no answer within 4 s" in out


def test_layers_created_in_another_order_are_named(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """Shortcut conv created before the main path: same printed layers, other initial weights."""
    sub = copy_example(tmp_path / "order")
    cnn = sub / "hw2" / "cnn.py"
    text = cnn.read_text()
    start = text.index("        if in_channels != channels[-1]:")
    shortcut = text[start : text.index("        # ========================\n", start)]
    text = text.replace(shortcut, "")
    early = shortcut.replace("self.shortcut_path = ", "shortcut_path = ")
    text = text.replace("        main_layers = []\n", early + "        main_layers = []\n", 1)
    assigned = "        self.main_path = nn.Sequential(*main_layers)\n"
    text = text.replace(assigned, assigned + "        self.shortcut_path = shortcut_path\n", 1)
    cnn.write_text(text)
    graded = grade(pytester, sub, "-k", "part4.residual_block")
    assert graded.scores()["part4.residual_block"] == 1  # architecture right, output wrong
    assert "initial weights differ from main_path.0 on" in graded.output("part4.residual_block")


def test_shortcut_computed_before_main_path_is_accepted(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = _mutated(
        tmp_path / "sum-order",
        "cnn.py",
        "out = self.main_path(x) + self.shortcut_path(x)",
        "out = self.shortcut_path(x) + self.main_path(x)",
    )
    graded = grade(pytester, sub, "-k", "part4.residual_block or part4.resnet")
    assert graded.failing() == set()


def test_missing_cnn_module_fails_only_what_needs_it(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "no-cnn")
    (sub / "hw2" / "cnn.py").unlink()
    graded = grade(pytester, sub, "-k", PARTS_4_5)
    assert graded.failing() == {
        "part4.cnn",
        "part4.overfit",
        "part4.residual_block",
        "part4.bottleneck_block",
        "part4.resnet",
        "part4.your_cnn",
        "part5.cnn_experiment",
        "part5.load_experiment",
    }  # and part4.overfit_hp, indicative on stand-in data (no points either way)
    assert "No module named 'hw2.cnn'" in graded.output("part4.resnet")


def test_experiment_that_writes_no_file(pytester: pytest.Pytester, tmp_path: Path) -> None:
    call = "    save_experiment(run_name, out_dir, cfg, fit_res)\n\n\ndef"
    sub = _mutated(tmp_path / "no-save", "experiments.py", call, "\n\ndef")
    graded = grade(pytester, sub, "-k", "part5")
    assert graded.failing() == {"part5.cnn_experiment"}
    out = graded.output("part5.cnn_experiment")
    assert "wrote nothing under results/" in out and "no result file to read" in out
