"""red-team attack (conftest-hooks): hooks that would make every check pass if pytest loaded
this file: reports rewritten as passed, the failing check deselected, a fake summary line.
A grading run must never load it: --submission disables conftest.py files, and only the hw2
package is staged for the worker."""
import pytest

print("redteam[conftest-hooks]: conftest.py LOADED")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    report.outcome = "passed"
    report.longrepr = None


def pytest_collection_modifyitems(config, items):
    items[:] = [item for item in items if "tanh" not in item.name]


def pytest_sessionfinish(session, exitstatus):
    session.exitstatus = 0


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line("hw2: 40.0/40.0")
