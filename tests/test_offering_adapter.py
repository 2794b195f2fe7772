"""An older offering's names (harness/probes/adapter.py, ``[adapter]`` of its offering file), its own
written questions and part titles (``[questions]``, ``[parts]``)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from harness.offerings import OfferingError, _load, choose, load_offerings, located
from harness.paths import COURSEWARE, SUBMISSIONS
from harness.probes import adapter
from harness.rubric import load, rubric_path
from harness.submission import locate

RUBRIC = load(rubric_path("hw2"))
OFFERINGS = load_offerings(RUBRIC.path)
BLOCKS = {"modules": {"hw2.layers": {"module": "hw2.blocks", "names": {"Layer": "Block"}}}}


def test_locate_follows_the_offerings_files_and_names() -> None:
    assert located(BLOCKS, "hw2/layers.py:Linear.backward") == "hw2/blocks.py:Linear.backward"
    assert located(BLOCKS, "hw2/layers.py:Layer") == "hw2/blocks.py:Block"
    cnn = {"modules": {"hw2.cnn": {"module": "hw2.cnn", "names": {"CNN": "ConvClassifier"}}}}
    assert located(cnn, "hw2/cnn.py:CNN") == "hw2/cnn.py:ConvClassifier"
    assert located(cnn, "hw2/training.py:Trainer.fit") == "hw2/training.py:Trainer.fit"


@pytest.mark.parametrize(
    "table",
    [
        '[adapter.modules."hw2.layers"]\nmodule = "os; import x"',
        '[adapter.modules."hw2.layers"]\nnames = { Layer = "a.b" }',
        '[adapter]\nsupport_package = "../cs3600"',
        "[adapter]\nfiles = {}",
        '[questions]\nnot_a_question = "x"',
    ],
)
def test_an_invalid_adapter_is_refused_when_the_offering_loads(tmp_path: Path, table: str) -> None:
    path = tmp_path / "x.toml"
    path.write_text(f'[offering]\nname = "x"\n{table}\n')
    with pytest.raises(OfferingError):
        _load(path)


def test_an_offering_asks_its_own_questions_under_its_own_part_titles() -> None:
    sub = locate(SUBMISSIONS / "example", "hw2")
    rubric = RUBRIC.for_offering(choose(sub, OFFERINGS, "2021-22"))
    written = [c.id for c in rubric.checks if c.id.startswith("answers.")]
    assert written[0] == "answers.part1_q1" and "answers.part3_q5" in written and "answers.part6_q1" not in written
    assert rubric.check("answers.part1_q3").manual and rubric.check("answers.part1_q3").points == 3
    assert rubric.parts["part3"].startswith("Part 1:") and not any(c.part == "part1" for c in rubric.checks)


def test_a_renamed_module_reads_and_sets_the_students_own_names() -> None:
    real = types.ModuleType("hw2.blocks")
    real.Block = type("Block", (), {})
    adapter.configure(BLOCKS)
    try:
        seen = adapter.view("hw2.layers", real)
        assert adapter.source_of("hw2.layers") == "hw2.blocks" and seen.Layer is real.Block
        seen.Layer = int  # a probe standing data in patches the student's module itself
        assert real.Block is int
        assert adapter.view("hw2.cnn", real) is real  # a module the offering did not rename
    finally:
        adapter.configure({})


def test_the_support_package_under_an_older_name_is_the_graders_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(COURSEWARE))
    before = list(sys.meta_path)
    adapter.configure({"support_package": "cs3600"})
    try:
        import cs236781.train_results
        from cs3600.train_results import FitResult  # type: ignore[import-not-found]

        assert FitResult is cs236781.train_results.FitResult
    finally:
        sys.meta_path[:] = before
        for name in [m for m in sys.modules if m.split(".")[0] in ("cs3600", "cs236781")]:
            del sys.modules[name]


def test_a_name_kept_in_another_module_and_a_class_called_with_older_arguments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    models = types.ModuleType("hw2_models_for_test")
    models.MLP = object
    models.ConvClassifier = lambda in_size, out_classes, filters, pool_every, hidden_dims: (in_size, filters)
    monkeypatch.setitem(sys.modules, "hw2_models_for_test", models)
    table = {
        "modules": {
            "hw2.layers": {"module": "hw2.blocks", "names": {"MLP": "hw2_models_for_test:MLP"}},
            "hw2.cnn": {"module": "hw2_models_for_test", "names": {"CNN": "ConvClassifier"}},
        },
        "arguments": {"hw2.cnn.CNN": {"rename": {"channels": "filters"}, "drop": ["conv_params"]}},
    }
    adapter.configure(table)
    try:
        assert adapter.view("hw2.layers", types.ModuleType("hw2.blocks")).MLP is object
        cnn = adapter.view("hw2.cnn", models).CNN
        assert cnn((3, 8, 8), 10, channels=[4], pool_every=1, hidden_dims=[5], conv_params={"k": 3}) == ((3, 8, 8), [4])
    finally:
        adapter.configure({})
    assert located(table, "hw2/layers.py:MLP.__init__") == "hw2_models_for_test.py:MLP.__init__"


def test_an_offering_words_a_check_its_own_way() -> None:
    sub = locate(SUBMISSIONS / "example", "hw2")
    rubric = RUBRIC.for_offering(choose(sub, OFFERINGS, "2019"))
    assert "results/test_run.json" in rubric.check("part5.cnn_experiment").title
    assert rubric.check("part1.linear_init").kind == "optional"
    assert len(rubric.check("part1.sequential").params["layers"]) == 10
