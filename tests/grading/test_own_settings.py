"""The grader's own training settings are no answer: fed to the hyper-parameter checks' own
computations (the notebook's cells, on a correct implementation), they miss those checks'
thresholds. The "does the code learn?" checks send them to the worker and print them in feedback,
so a student who copies them gains nothing (issue 18)."""

from __future__ import annotations

import types
from typing import Any

import numpy as np
import pytest
import torch

from harness.checks.hw2 import part2, part3, part45
from harness.data import load_own_images
from harness.probes import hw2_part2, hw2_part3, hw2_part45
from harness.reference import load as load_reference

from .helpers import REPO  # noqa: F401  (loads the answer key before anything else)


@pytest.fixture
def correct_code(monkeypatch: pytest.MonkeyPatch) -> types.SimpleNamespace:
    """The probes import the answer key's modules as "the student's"; ``answers`` is set per test."""
    key = load_reference("hw2")
    answers = types.SimpleNamespace()

    def import_student(module: str) -> Any:
        name = module.removeprefix("hw2.")
        return answers if name == "answers" else getattr(key, name)

    for probes in (hw2_part2, hw2_part3, hw2_part45):
        monkeypatch.setattr(probes, "import_student", import_student)
    monkeypatch.setattr(hw2_part3, "_headless", lambda: None)
    return answers


def test_part3_settings_miss_the_notebooks_asserts_with_sgd(correct_code: types.SimpleNamespace) -> None:
    correct_code.part3_arch_hp = lambda: dict(part3.LEARN_ARCH)
    correct_code.part3_optim_hp = lambda: dict(part3.LEARN_OPTIM, loss_fn=torch.nn.CrossEntropyLoss())
    reply = hw2_part3.hp_training(part3.moons(), part3.HP_EPOCHS)
    assert reply["train_acc"][-1] < part3.TRAIN_MIN - 1 or reply["valid_acc"][-1] < part3.VALID_MIN - 1


def test_part3_settings_learn_with_the_optimizer_they_name(correct_code: types.SimpleNamespace) -> None:
    reply = hw2_part3.notebook_training(
        part3.moons(),
        part3.LEARN_ARCH,
        part3.LEARN_OPTIM,
        part3.LEARN_LOSS,
        part3.LEARN_EPOCHS,
        optimizer=part3.LEARN_OPTIMIZER,
    )
    assert reply["train_acc"][-1] >= part3.TRAIN_MIN and reply["test_acc"][-1] >= part3.VALID_MIN


def test_part4_settings_do_not_overfit_with_sgd(
    correct_code: types.SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hw2_part45, "current_seed", lambda: 42)
    images, labels = load_own_images().arrays("train", part45.OVERFIT_IMAGES)
    run = hw2_part45.overfit(
        images,
        labels,
        dict(part45.OWN_OPTIM),
        part45.OVERFIT_EPOCHS,
        part45.OVERFIT_BATCH,
        part45.OVERFIT_BATCHES,
        part45.OVERFIT_TARGET,
        optimizer="SGD",
    )
    best = max((np.asarray(p) == labels).mean() * 100 for p in run["predictions"])
    assert best < part45.OVERFIT_TARGET - 20


def test_part2_settings_do_not_overfit_in_the_notebooks_epochs(correct_code: types.SimpleNamespace) -> None:
    """The notebook's 20 epochs at its seed, on the same images: short of 98%."""
    train = list(load_own_images().arrays("train", part2.OVERFIT.train_images))
    run = part2._run(
        part2.OVERFIT,
        part2.OVERFIT_HIDDEN,
        "VanillaSGD",
        part2.OWN_OVERFIT_HP,
        part2.OWN_OVERFIT_HP["lr"],
        part2.NOTEBOOK_SEED_RUNS,
    )
    curves = hw2_part2.train_mlp(train, None, [run])[0]
    assert max(curves["train_acc"]) < part2.OVERFIT_TARGET


def test_no_setting_holds_an_answer_value_set() -> None:
    from tests.answer_leaks import answer_value_sets, value_set_leaks

    shown = [part2.OWN_OVERFIT_HP, {**part3.LEARN_ARCH, **part3.LEARN_OPTIM}, part45.OWN_OPTIM]
    assert [value_set_leaks(repr(s), answer_value_sets()) for s in shown] == [[], [], []]
    # where the answer key's are, it says so (what the old part3.training_learns request carried)
    key = load_reference("hw2").answers
    sent = {k: v for k, v in key.part3_optim_hp().items() if k != "loss_fn"}
    assert value_set_leaks(repr(sent), answer_value_sets()) == ["part3_optim_hp"]
