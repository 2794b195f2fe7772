"""Offerings (harness/offerings.py): recognition from the handed-in files, the rubric each offering
makes, and how bonus / optional / same-cause entries score. Unit tests: nothing is graded here."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from harness.checks.base import Finding
from harness.dev.cases import materialise as build
from harness.offerings import OfferingError, choose, load_offerings, recognise
from harness.paths import SUBMISSIONS
from harness.rubric import load, rubric_path
from harness.scoring import CheckResult, optional, same_cause, score
from harness.submission import locate

PATTERNS = SUBMISSIONS / "patterns"

RUBRIC = load(rubric_path("hw2"))
OFFERINGS = load_offerings(RUBRIC.path)
EXAMPLE = Path(__file__).resolve().parents[1] / "submissions" / "example"


def _recognised(folder: Path) -> str:
    return recognise(locate(folder, "hw2"), OFFERINGS).offering.name


def _notebook(folder: Path, name: str, *markdown: str) -> None:
    cells = [{"cell_type": "markdown", "metadata": {}, "source": [m]} for m in markdown]
    (folder / name).write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))


@pytest.mark.parametrize(
    "pattern, offering",
    [
        ("2024-25-part3-questions-only", "2024-25"),  # Part 3's code left as the skeleton, no notebooks
        ("2023-rmsprop-bonus-skipped", "2023"),  # no YourCNN
        ("../offerings/2021-22/example", "2021-22"),  # mlp.py, no layers.py / optimizers.py
        ("../offerings/2021s/example", "2021s"),  # ConvClassifier, no classifier.py
        ("../offerings/cs3600/example", "cs3600"),  # the same code importing cs3600, a classifier.py stub
        ("../offerings/2020-21/example", "2020-21"),  # hw2/blocks.py with LeakyReLU
        ("../offerings/2019/example", "2019"),  # support package cs236605, hw2/models.py
        ("../offerings/2020s/example", "2020s"),  # hw2/blocks.py without LeakyReLU, cs236781
    ],
)
def test_each_layout_is_recognised(tmp_path: Path, pattern: str, offering: str) -> None:
    assert _recognised(build(PATTERNS / pattern, tmp_path / Path(pattern).name)) == offering


def test_yourcnn_without_notebooks_is_spring_2022_and_says_what_it_could_not_tell() -> None:
    rec = recognise(locate(EXAMPLE, "hw2"), OFFERINGS)
    assert rec.offering.name == "2022s"
    assert "nothing handed in tells it from 2025-26" in rec.describe() and "--offering" in rec.describe()


def test_the_notebooks_text_decides_and_spacing_does_not_matter(tmp_path: Path) -> None:
    sub = shutil.copytree(EXAMPLE, tmp_path / "sub")
    _notebook(sub, "Part2_Optimization.ipynb", "## Bonus: RMSProp <a id=part2_5></a>\n**Bonus**: 1. Complete ...")
    assert _recognised(sub) == "2025-26"
    no_yourcnn = build(PATTERNS / "2023-rmsprop-bonus-skipped", tmp_path / "no-yourcnn")
    # the 2024 notebook's own text, missing space included
    _notebook(no_yourcnn, "Part3_MLP.ipynb", "In this part we'llonly answer questions. We hope this HW reduction help")
    assert _recognised(no_yourcnn) == "2024-25"


def test_notebooks_handed_in_without_the_reduction_text_are_not_read_as_2024(tmp_path: Path) -> None:
    """Part 3 left unfinished by a 2023 student who handed in notebooks that do not say "questions
    only": graded as 2023 (the work was assigned), not excused as 2024-25."""
    sub = build(PATTERNS / "2024-25-part3-questions-only", tmp_path / "sub")
    _notebook(sub, "Part3_MLP.ipynb", "TODO: Implement the mlp_experiment function")
    assert _recognised(sub) == "2023"


@pytest.mark.parametrize("pattern", ["tau-cnn-layout"])
def test_unsupported_offerings_are_refused_in_one_sentence(tmp_path: Path, pattern: str) -> None:
    sub = locate(build(PATTERNS / pattern, tmp_path / pattern), "hw2")
    with pytest.raises(OfferingError, match="which this grader does not grade; supported offerings: .*2022s"):
        choose(sub, OFFERINGS, None)


def test_offering_option_overrides_and_unknown_names_list_the_supported(tmp_path: Path) -> None:
    sub = locate(EXAMPLE, "hw2")
    assert choose(sub, OFFERINGS, "2024-25").describe().endswith("(--offering=2024-25)")
    with pytest.raises(OfferingError, match="unknown; this assignment's offerings: .*2022s"):
        choose(sub, OFFERINGS, "1999")
    with pytest.raises(OfferingError, match="--offering=tau-cnn .* is not graded by this grader"):
        choose(sub, OFFERINGS, "tau-cnn")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_in_the_package_is_never_read(tmp_path: Path) -> None:
    sub = shutil.copytree(EXAMPLE, tmp_path / "sub")
    (sub / "hw2" / "cnn.py").unlink()
    os.mkfifo(sub / "hw2" / "cnn.py")  # reading it would block for ever
    os.mkfifo(sub / "Part3_MLP.ipynb")
    assert _recognised(sub) == "2022s"  # no layout fits: the default, said so


def test_the_offerings_rubric_drops_marks_and_sets_params() -> None:
    rubric = RUBRIC.for_offering(choose(locate(EXAMPLE, "hw2"), OFFERINGS, "2024-25"))
    ids = {c.id for c in rubric.checks}
    assert "part3.select_roc_thresh" not in ids and "part3.select_roc_thresh" in rubric.not_assigned
    assert rubric.check("part2.rmsprop").kind == "bonus"
    assert rubric.check("part2.early_stopping").kind == "optional"
    assert rubric.check("part3.trainer").params["threshold"] == 0.5
    assert RUBRIC.check("part2.early_stopping").kind == "optional"  # in every offering: the rubric's own kind
    assert rubric.max_points() == RUBRIC.max_points() - sum(
        c.points for c in RUBRIC.checks if c.id in rubric.not_assigned or c.id in {"part2.rmsprop", "part3.mlp"}
    )
    assert rubric.digest != RUBRIC.digest


def test_an_offering_extends_a_chain_and_names_all_its_questions() -> None:
    """Spring 2020 extends winter 2020-21, which extends spring 2021: their adapters and params
    reach it, its own [questions] replace theirs whole (it asked none in Part 1, five in Part 3)."""
    rubric = RUBRIC.for_offering(choose(locate(EXAMPLE, "hw2"), OFFERINGS, "2020s"))
    ids = {c.id for c in rubric.checks}
    assert {"part1.leaky_relu", "part1.tanh", "part4.bottleneck_block"} <= set(rubric.not_assigned)
    assert sorted(i for i in ids if i.startswith("answers.")) == [
        "answers.part2_q1", "answers.part2_q2", *(f"answers.part3_q{n}" for n in range(1, 6))
    ]  # fmt: skip
    assert rubric.check("part4.overfit").params["classifier"] == ""  # from spring 2021, two files up
    assert rubric.check("part4.cnn").locate == "hw2/cnn.py:ConvClassifier"  # winter 2020-21's adapter
    assert rubric.check("part4.resnet").kind == "base"  # graded here: one expected output, the reference's


def test_an_offering_splits_a_checks_points_over_the_components_its_code_had(tmp_path: Path) -> None:
    rubric = RUBRIC.for_offering(choose(locate(EXAMPLE, "hw2"), OFFERINGS, "2020s"))
    resnet = rubric.check("part4.resnet")
    assert resnet.partial == {"architecture": 2.0, "output": 2.0} and resnet.points == 4
    assert RUBRIC.check("part4.resnet").partial["activation_params"] == 1.0
    folder = tmp_path / "offerings"
    folder.mkdir()
    for name, partial in [("more", "{ architecture = 3, output = 3 }"), ("other", "{ speed = 4 }")]:
        (folder / f"{name}.toml").write_text(
            f'[offering]\nname = "{name}"\n[params."part4.resnet"]\npartial = {partial}\n[recognise]\nfiles = []\n'
        )
    from harness.offerings import _load
    from harness.rubric import RubricError

    for name, why in [("more", "adds up to 6, not the check's 4 points"), ("other", "some of the check's components")]:
        rec = choose(locate(EXAMPLE, "hw2"), [_load(folder / f"{name}.toml")], name)
        with pytest.raises(RubricError, match=why):
            RUBRIC.for_offering(rec)


def test_the_judges_words_use_the_offerings_names() -> None:
    """Titles, hints and messages written with the latest API's names read in the offering's own:
    whole names only, module paths too; the rubric's own offering keeps them."""
    spring_2020 = choose(locate(EXAMPLE, "hw2"), OFFERINGS, "2020s")
    words = spring_2020.offering.in_own_words
    assert words("hint: ClassifierTrainer.fit; hw2.layers.Layer in hw2/layers.py; CNN + LayerTrainer") == (
        "hint: TorchTrainer.fit; hw2.blocks.Block in hw2/blocks.py; ConvClassifier + BlocksTrainer"
    )
    assert words("ResNetClassifier, CNNs, a Layer's backward, layers, YourCNN") == (
        "ResNetClassifier, CNNs, a Block's backward, layers, YourCodeNet"
    )
    rubric = RUBRIC.for_offering(spring_2020)
    assert rubric.check("part3.trainer").title.startswith("TorchTrainer: train_batch")
    assert rubric.check("part4.overfit").uses_why == "this check trains your ConvClassifier with your TorchTrainer"
    assert "11-layer" in rubric.check("part1.sequential").title
    latest = RUBRIC.for_offering(choose(locate(EXAMPLE, "hw2"), OFFERINGS, "2022s"))
    assert latest.check("part3.trainer").title == RUBRIC.check("part3.trainer").title


def test_every_offering_file_makes_a_valid_rubric() -> None:
    for offering in OFFERINGS:
        if offering.supported:
            assert RUBRIC.for_offering(choose(locate(EXAMPLE, "hw2"), OFFERINGS, offering.name)).checks


def test_a_bonus_adds_to_the_total_never_to_the_maximum() -> None:
    spec = RUBRIC.for_offering(choose(locate(EXAMPLE, "hw2"), OFFERINGS, "2023")).check("part2.rmsprop")
    points, status, findings = score(spec, [Finding("update", True), Finding("regularization", True)])
    result = CheckResult(spec, status, findings, score=points)
    assert (result.score, result.max_score, result.points_lost) == (3.0, 0.0, 0.0)
    missed = CheckResult(spec, "failed", [], score=0.0)
    assert (missed.max_score, missed.points_lost, missed.full_marks) == (0.0, 0.0, True)


def test_optional_and_same_cause_results_keep_their_outcome_and_cost_nothing() -> None:
    spec = RUBRIC.for_offering(choose(locate(EXAMPLE, "hw2"), OFFERINGS, "2023")).check("part2.early_stopping")
    result = optional(CheckResult(spec, "failed", [Finding("all", False, "ran 10 epochs")], score=0.0))
    assert (result.status, result.indicative_outcome, result.max_score) == ("optional", "failed", 0.0)
    assert 'the skeleton says "Optional: Implement early stopping"' in result.feedback()
    earlier = CheckResult(RUBRIC.check("part1.dropout"), "partial", [], score=2.0)
    later = same_cause(CheckResult(RUBRIC.check("part1.mlp_dropout_gradients"), "partial", [], score=2.0), earlier)
    assert (later.status, later.score, later.points_lost) == ("noted", 4.0, 0.0)
    assert "same cause as part1.dropout" in later.feedback()
