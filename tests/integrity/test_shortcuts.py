"""The source half of the forbidden-shortcut check (harness/integrity/shortcuts.py) and the rubric's
``forbid`` entries; the worker half runs in tests/integrity/test_shortcut_cases.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.integrity.shortcuts import in_source, merged
from harness.probes.shortcuts import matching_rule
from harness.rubric import RubricError, load

LAYERS = ("torch.autograd", "torch.nn.functional", "torch.nn.modules")

SOURCE = """\
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import grad as g


class Linear:
    def __init__(self, n):
        self.w = torch.nn.init.normal_(torch.empty(n, n))   # an initialiser: allowed
        self.p = nn.Parameter(torch.zeros(n))               # a tensor type: allowed
        self.inner = nn.Linear(n, n)                        # line 11: torch's own layer

    def forward(self, x):
        with torch.no_grad():                               # switching autograd off: allowed
            return F.linear(x, self.w)                      # line 15

    def backward(self, dout):
        (dx,) = g(self.y, self.x, dout)                     # line 18
        from torch import autograd                          # line 19
        return autograd.grad(self.y, self.x, dout)[0] + dx  # line 20


class ReLU:
    def forward(self, x):
        return torch.relu(x)

    def backward(self, dout):
        return dout * (self.x > 0)
"""


def test_every_way_of_naming_a_forbidden_api_is_found_with_its_line() -> None:
    found = [(s.where, s.api) for s in in_source(SOURCE, "hw2/layers.py", "Linear", LAYERS)]
    assert found == [
        ("hw2/layers.py:11", "torch.nn.modules.linear.Linear"),
        ("hw2/layers.py:15", "torch.nn.functional.linear"),
        ("hw2/layers.py:18", "torch.autograd.grad"),
        ("hw2/layers.py:19", "torch.autograd"),
        ("hw2/layers.py:20", "torch.autograd.grad"),
    ]


def test_only_the_graded_scope_is_read() -> None:
    assert in_source(SOURCE, "hw2/layers.py", "ReLU", LAYERS) == []
    assert [s.where for s in in_source(SOURCE, "hw2/layers.py", "Linear.forward", LAYERS)] == ["hw2/layers.py:15"]
    assert in_source(SOURCE, "hw2/layers.py", "NoSuchClass", LAYERS) == []
    assert in_source("def broken(:\n", "hw2/layers.py", "Linear", LAYERS) == []


def test_grad_mode_switches_are_never_shortcuts() -> None:
    # the last one as a real student wrote it (a public spring-2022 solution, in Linear and CrossEntropyLoss)
    modes = ("torch.autograd.grad_mode.no_grad", "torch.no_grad", "torch.enable_grad", "torch.autograd.no_grad")
    for api in modes:
        assert matching_rule(api, ["torch.autograd"]) is None
    assert matching_rule("torch.Tensor.backward", ["torch.autograd"]) == "torch.autograd"
    assert matching_rule("torch.optim.sgd.SGD", ["torch.optim"]) == "torch.optim"
    assert matching_rule("torch.optimal", ["torch.optim"]) is None  # a prefix of dotted names, not of text


def test_the_source_and_the_run_finding_one_use_make_one_line() -> None:
    from harness.integrity.shortcuts import Shortcut

    source = Shortcut("torch.autograd.grad", "hw2/layers.py:18", "torch.autograd", "in the source")
    ran = Shortcut("torch.Tensor.backward", "hw2/layers.py:18", "torch.autograd", "called while the check ran")
    other = Shortcut("torch.Tensor.requires_grad_", "hw2/layers.py:17", "torch.autograd", "called while the check ran")
    assert merged([source], [ran, other]) == [source, other]


def _rubric(tmp_path: Path, check: str) -> Path:
    path = tmp_path / "r.toml"
    path.write_text(
        '[assignment]\nname = "x"\nchecks_module = "harness.checks.hw2"\n[parts.p]\ntitle = "P"\n'
        f'[[check]]\nid = "p.a"\npart = "p"\ntitle = "A"\npoints = 2\n{check}\n'
    )
    return path


@pytest.mark.parametrize(
    "entry, message",
    [
        ('locate = "a.py:A"\nforbid = "torch.autograd"', "must be a list of dotted names"),
        ('locate = "a.py:A"\nforbid = ["torch autograd"]', "must be a list of dotted names"),
        ('locate = "a.py"\nforbid = ["torch.autograd"]', "needs a 'locate' naming the class or function"),
        ('locate = "a.py:A"\nforbid_penalty = 1', "has a forbid_penalty but nothing in 'forbid'"),
        ('locate = "a.py:A"\nforbid = ["torch.optim"]\nforbid_penalty = 3', "between 0 and its 2 points"),
    ],
)
def test_a_forbid_entry_that_cannot_work_is_refused(tmp_path: Path, entry: str, message: str) -> None:
    with pytest.raises(RubricError, match=message):
        load(_rubric(tmp_path, entry))


def test_a_valid_forbid_entry_is_read(tmp_path: Path) -> None:
    spec = load(_rubric(tmp_path, 'locate = "a.py:A"\nforbid = ["torch.optim"]\nforbid_penalty = 1')).checks[0]
    assert spec.forbid == ("torch.optim",) and spec.forbid_penalty == 1
