"""Root conftest of the project's OWN test suite (never loaded in a grading run: the plugin
disables conftest loading when --submission is given)."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

pytest_plugins = ["pytester"]


import pytest  # noqa: E402


@pytest.fixture
def marked_processes_alone(tmp_path_factory: pytest.TempPathFactory):
    """Run the test alone among those that start processes named redteam-marker-* (an attack's fork
    bomb, graded by the red-team tests and by the kit's): a lock in the session's base temporary
    folder, which every xdist worker of the session shares, so no test takes another's processes for
    its own left-overs."""
    from tests.redteam.traces import exclusive

    root = tmp_path_factory.getbasetemp()
    if root.name.startswith("popen-gw"):  # an xdist worker's own folder: the session's is its parent
        root = root.parent
    with exclusive(root / "redteam-processes.lock"):
        yield


@pytest.fixture(scope="session")
def cases(tmp_path_factory: pytest.TempPathFactory):
    """``cases(folder)``: the whole submission a case folder (an overlay of its base) stands for,
    materialised once per session (per xdist worker) into the session's temporary folder. Graders
    copy what they grade, so tests share it read-only; a test that edits one copies it first."""
    from harness.dev.cases import CaseCache

    return CaseCache(tmp_path_factory.mktemp("cases"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The two tiers (tests/tiers.py): whole gradings are marked slow; each tier gets its timeout."""
    from tests.tiers import TIMEOUT_S, is_slow

    has_timeout = config.pluginmanager.hasplugin("timeout")
    for item in items:
        slow = item.get_closest_marker("slow") is not None or is_slow(item)
        if slow and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.slow)
        if has_timeout and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(TIMEOUT_S["slow" if slow else "fast"]))
