"""Each older offering's own cases (``submissions/offerings/<offering>/``): its example gets that
offering's full marks, recognised without ``--offering``; each broken overlay of it loses exactly its
bug's points."""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.checks.hw2  # noqa: F401  (imported before pytester snapshots sys.modules: loads once)
import harness.session  # noqa: F401
from harness.paths import SUBMISSIONS

from .test_patterns import assert_expected_grade

CASES = sorted(p.parent for p in (SUBMISSIONS / "offerings").glob("*/**/expected.toml"))


@pytest.mark.parametrize("folder", CASES, ids=[str(p.relative_to(SUBMISSIONS / "offerings")) for p in CASES])
def test_offering_case_gets_its_expected_score(pytester: pytest.Pytester, tmp_path: Path, folder: Path) -> None:
    assert_expected_grade(pytester, tmp_path, folder)
