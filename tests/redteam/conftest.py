"""The red-team suite (adversarial submissions): its marker, registered here so that
``pytest -m redteam`` (or ``-m "not redteam"``) picks it without touching pyproject.toml."""

from __future__ import annotations

from typing import Iterator

import pytest

from .traces import exclusive


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "redteam: adversarial submissions (submissions/adversarial/) graded end to end")


@pytest.fixture
def marked_processes_alone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Run the test alone among those that start processes named redteam-marker-* (a lock in the
    session's base temporary folder, which every xdist worker of the session shares)."""
    root = tmp_path_factory.getbasetemp()
    if root.name.startswith("popen-gw"):  # an xdist worker's own folder: the session's is its parent
        root = root.parent
    with exclusive(root / "redteam-processes.lock"):
        yield
