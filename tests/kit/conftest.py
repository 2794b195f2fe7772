"""One student kit per test process, built the way staff build it (answer key + a second solution)."""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.checks.hw2  # noqa: F401  (registers the checks before the kit records them)
from harness.kit.build import build


@pytest.fixture(scope="session")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build("hw2", tmp_path_factory.mktemp("kit") / "hw2-kit")
