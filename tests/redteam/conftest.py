"""The red-team suite (adversarial submissions): its marker, registered here so that
``pytest -m redteam`` (or ``-m "not redteam"``) picks it without touching pyproject.toml. Its lock
fixture, ``marked_processes_alone``, is in the root conftest.py: the kit's tests grade the attacks too."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "redteam: adversarial submissions (submissions/adversarial/) graded end to end")
