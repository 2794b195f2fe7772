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
