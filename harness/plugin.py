"""pytest entry point of the autograder (registered as ``pytest11``: ``dl_autograder``).

Thin on purpose: it declares the options and, only when ``--submission`` is given, loads the
grading machinery (torch and all) and registers a ``GradingSession``. Without ``--submission``
pytest runs as usual, so the project's own tests are untouched.
"""

from __future__ import annotations

from typing import Any

import pytest

GRADING_KEY = pytest.StashKey["Any"]()

HELP_SUBMISSION = "grade the submission in PATH (a folder holding the assignment's package, e.g. hw2/)"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grading", "deep-learning homework grading (dl-autograder)")
    group.addoption("--submission", metavar="PATH", default=None, help=HELP_SUBMISSION)
    group.addoption("--assignment", metavar="NAME", default="auto",
                    help="the assignment to grade (default: recognised from the submission)")
    group.addoption("--report", metavar="PATH", default=None,
                    help="where to write the HTML report; results.json goes beside it "
                         "(default: reports/<submission>/report.html)")
    group.addoption("--rubric", metavar="PATH", default=None, help="grade with this rubric instead of rubrics/<assignment>.toml")
    group.addoption("--check-timeout", metavar="SECONDS", type=float, default=60.0,
                    help="wall-time limit of one call into the student's code (default 60)")
    group.addoption("--grading-seed", metavar="INT", type=int, default=0,
                    help="seed of every check's inputs (default 0): the same seed gives the same grade")
    group.addoption("--worker-threads", metavar="N", type=int, default=1,
                    help="torch threads in the worker that runs student code (default 1)")
    group.addoption("--data-dir", metavar="DIR", default=None,
                    help="folder holding cifar-10-batches-py (default ~/.pytorch-datasets); without it a "
                         "stand-in is used and checks of CIFAR-10 hyper-parameters are indicative only")
    group.addoption("--manual-scores", metavar="TOML", default=None,
                    help="scores a person gave to the rubric's manual entries (e.g. written answers), merged in")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    # A grading run never loads conftest.py files: not the submission's, not the current folder's.
    if getattr(early_config.known_args_namespace, "submission", None):
        early_config.known_args_namespace.noconftest = True


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("submission"):
        return
    from .session import GradingSession

    grading = GradingSession.from_config(config)
    config.stash[GRADING_KEY] = grading
    config.pluginmanager.register(grading, "dl-autograder-grading")
    # collect the grading checks only, whatever paths or testpaths were given
    config.args[:] = [str(grading.rubric.path)]
