"""Part 2 (optimizers, trainer, training runs): readings the notebook allows pass, bad code fails
its own check with a message naming the problem, and everything else is still graded."""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.checks.hw2  # noqa: F401  (imported before pytester snapshots sys.modules: loads once)
import harness.session  # noqa: F401

# helpers.py loads the image data and the answer key before pytester snapshots sys.modules
from .helpers import copy_example, grade


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} not found once in {path}"
    path.write_text(text.replace(old, new))


def test_readings_the_notebook_allows_get_full_marks(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """eps outside the square root, one mean loss per epoch in FitResult, early stopping with '>'."""
    sub = copy_example(tmp_path / "readings")
    _edit(sub / "hw2" / "optimizers.py", "grad / torch.sqrt(r + self.eps)", "grad / (torch.sqrt(r) + self.eps)")
    training = sub / "hw2" / "training.py"
    _edit(
        training,
        "train_loss.extend(train_res.losses)",
        "train_loss.append(sum(train_res.losses) / len(train_res.losses))",
    )
    _edit(
        training, "test_loss.extend(test_res.losses)", "test_loss.append(sum(test_res.losses) / len(test_res.losses))"
    )
    _edit(training, "epochs_without_improvement >= early_stopping", "epochs_without_improvement > early_stopping")
    graded = grade(pytester, sub, "-k", "rmsprop or part2.fit or early_stopping")
    assert set(graded.scores()) == {"part2.rmsprop", "part2.fit", "part2.early_stopping"}
    assert graded.failing() == set()


def test_trainer_that_never_returns_fails_its_own_check(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "hangs")
    _edit(
        sub / "hw2" / "training.py",
        "        actual_num_epochs = 0\n",
        "        actual_num_epochs = 0\n        while early_stopping:\n            pass\n",
    )
    graded = grade(pytester, sub, "-k", "part2.fit or early_stopping")
    # part2.fit (no early stopping) still graded; early stopping is optional: reported as failed, no points
    assert graded.failed() == {"part2.early_stopping"} and graded.failing() == set()
    assert "no answer within" in graded.output("part2.early_stopping")


def test_a_fit_bug_is_charged_once_on_part2_fit(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """Trainer.fit training on the test loader (a real spring 2020 bug): part2.fit deducts it;
    part3.trainer's fit component re-tests the same method and says so instead of deducting again."""
    sub = copy_example(tmp_path / "fit-trains-on-test")
    _edit(
        sub / "hw2" / "training.py",
        "test_res = self.test_epoch(dl_test, verbose=verbose, **kw)",
        "test_res = self.train_epoch(dl_test, verbose=verbose, **kw)",
    )
    graded = grade(pytester, sub, "-k", "part2.fit or part3.trainer")
    assert graded.failing() == {"part2.fit"}
    assert graded.scores()["part3.trainer"] == 3
    assert "[fit] same cause as part2.fit (already deducted there): not deducted again" in graded.output(
        "part3.trainer"
    )


def test_a_second_pass_in_eval_mode_after_the_step_is_a_reading(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """train_batch that reports the batch's result from a second forward pass in eval mode after the
    step (seen in winter 2020-21 code): accepted; a train_epoch that trains in eval mode is not."""
    sub = copy_example(tmp_path / "second-pass")
    training = sub / "hw2" / "training.py"
    _edit(
        training,
        """        num_correct = int((torch.argmax(scores, dim=1) == y).sum().item())
        # ========================

        return BatchResult(loss.item(), num_correct)

    def test_batch""",
        """        self.model.train(False)
        scores = self.model(X)
        loss = self.loss_fn(scores, y)
        num_correct = int((torch.argmax(scores, dim=1) == y).sum().item())
        self.model.train(True)
        # ========================

        return BatchResult(loss.item(), num_correct)

    def test_batch""",
    )
    graded = grade(pytester, sub, "-k", "part2.epoch or part2.layer_trainer_batch")
    assert graded.failing() == set()
    _edit(training, "        self.model.train(True)  # set train mode", "        self.model.train(False)")
    _edit(training, "        self.model.train(True)\n        # ====", "        # ====")
    graded = grade(pytester, sub, "-k", "part2.epoch")
    assert "the model was not in train mode (model.train(True))" in graded.output("part2.epoch")


def test_rmsprop_started_at_one_is_a_reading(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """The notebook gives RMSProp's recurrence, not r's first value: r started at 1 (two students of
    2019) passes the update check and the comparison, which retries RMSProp at a larger rate."""
    sub = copy_example(tmp_path / "rmsprop-ones")
    _edit(
        sub / "hw2" / "optimizers.py",
        "self.r = [torch.zeros_like(p) for p, _ in self.params]",
        "self.r = [torch.ones_like(p) for p, _ in self.params]",
    )
    graded = grade(pytester, sub, "-k", "part2.rmsprop or part2.optimizer_comparison")
    assert graded.failing() == set()
    assert "a moving average started at r=1" in graded.output("part2.optimizer_comparison")


def test_model_producing_nan_is_named(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "nan")
    _edit(
        sub / "hw2" / "layers.py",
        "        out = torch.mm(x, self.w.t()) + self.b\n",
        "        out = torch.mm(x, self.w.t()) + self.b * float('nan')\n",
    )
    graded = grade(
        pytester,
        sub,
        "-k",
        "part2.overfit or part2.optimizer_comparison or part2.dropout_hp or vanilla_sgd or layer_trainer_batch",
    )
    assert graded.failing() == {"part2.overfit", "part2.optimizer_comparison", "part2.dropout_hp"}
    for check_id in graded.failing():
        assert "nan loss" in graded.output(check_id), graded.output(check_id)


def test_fit_result_lists_of_the_wrong_length(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "lists")
    _edit(
        sub / "hw2" / "training.py",
        "train_acc.append(train_res.accuracy)",
        "train_acc.extend([train_res.accuracy] * len(train_res.losses))",
    )
    graded = grade(pytester, sub, "-k", "part2.fit or early_stopping")
    assert graded.failing() == {"part2.fit"}
    assert graded.scores()["part2.fit"] == 2
    assert "FitResult.train_acc has 12 entries for 4 epochs" in graded.output("part2.fit")


def test_missing_optimizers_module_fails_only_what_needs_it(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "no-optimizers")
    (sub / "hw2" / "optimizers.py").unlink()
    graded = grade(pytester, sub, "-k", "part2 and not _hp")
    needs_optimizers = {
        "part2.vanilla_sgd",
        "part2.momentum_sgd",
        "part2.rmsprop",
        "part2.overfit",
        "part2.optimizer_comparison",
    }
    assert graded.failing() == needs_optimizers
    assert "No module named 'hw2.optimizers'" in graded.output("part2.momentum_sgd")


def test_a_vanilla_sgd_left_as_pass_earns_nothing_for_the_skeletons_zero_grad(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    """CS3600's skeleton leaves `pass` in its blocks: step() runs and does nothing. zero_grad is the
    skeleton's own code and earns its point only beside a step that updates the parameters."""
    sub = copy_example(tmp_path / "pass")
    _edit(
        sub / "hw2" / "optimizers.py",
        "            dp += self.reg * p\n            p -= self.learn_rate * dp\n",
        "            pass\n",
    )
    graded = grade(pytester, sub, "-k", "part2.vanilla_sgd")
    test = next(t for t in graded.report["tests"] if t["number"] == "part2.vanilla_sgd")
    assert test["score"] == 0, graded.output("part2.vanilla_sgd")
    assert "not judged: step() does not update the parameters yet" in graded.output("part2.vanilla_sgd")
