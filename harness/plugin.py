"""pytest entry point of the autograder (registered as ``pytest11``: ``dl_autograder``).

Thin on purpose: it declares the options and, only when ``--submission`` (one submission) or
``--submissions`` (a class, batch mode) is given, loads the grading machinery (torch and all) and
registers a ``GradingSession`` or a ``BatchSession``. Without them pytest runs as usual, so the
project's own tests are untouched. Under xdist, ``pytest_configure`` runs in the controller and in
every worker, so each process registers its own session object (``config.workerinput`` tells a
worker apart).
"""

from __future__ import annotations

from typing import Any

import pytest

GRADING_KEY = pytest.StashKey["Any"]()

HELP_SUBMISSION = (
    "grade the submission in PATH: a folder holding the assignment's package (hw2/, mlp/), "
    "or a tutorial's .ipynb / .py (a file, or a folder holding it)"
)
HELP_SUBMISSIONS = (
    "grade a whole class: every sub-folder or .zip in DIR (or Gradescope's export with "
    "submission_metadata.yml), one pytest item per submission; use -n auto to run in parallel "
    "and -k to pick checks"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grading", "deep-learning homework grading (dl-autograder)")
    group.addoption("--submission", metavar="PATH", default=None, help=HELP_SUBMISSION)
    group.addoption(
        "--assignment",
        metavar="NAME",
        default="auto",
        help="the assignment to grade: "
        + ", ".join(_assignment_names())
        + " (a rubric under rubrics/; default: recognised from the submission)",
    )
    group.addoption(
        "--offering",
        metavar="NAME",
        default=None,
        help="the course offering the submission was assigned (e.g. hw2: 2022s, 2023, 2024-25, 2025-26; "
        "see rubrics/<assignment>/offerings/); default: recognised from what was handed in, and "
        "named at the top of the report. Batch mode grades the whole class under one offering",
    )
    group.addoption(
        "--report",
        metavar="PATH",
        default=None,
        help="where to write the HTML report; results.json goes beside it (default: reports/<submission>/report.html)",
    )
    group.addoption(
        "--rubric", metavar="PATH", default=None, help="grade with this rubric instead of rubrics/<assignment>.toml"
    )
    group.addoption(
        "--check-timeout",
        metavar="SECONDS",
        type=float,
        default=60.0,
        help="wall-time limit of one call into the student's code (default 60)",
    )
    group.addoption(
        "--submission-timeout",
        metavar="SECONDS",
        type=float,
        default=None,
        help="wall-time budget of one submission, all its checks together: when it runs out the check "
        "running is stopped and the rest are 'not reached' with 0 points (points earned are kept). "
        "Default: the rubric's (hw2: 900 s, 300 s more with --benchmarks); 0: no budget",
    )
    group.addoption(
        "--grading-seed",
        metavar="INT",
        type=int,
        default=0,
        help="seed of every check's inputs (default 0): the same seed gives the same grade",
    )
    group.addoption(
        "--worker-threads",
        metavar="N",
        type=int,
        default=1,
        help="torch threads in the worker that runs student code (default 1)",
    )
    group.addoption(
        "--data-dir",
        metavar="DIR",
        default=None,
        help="folder holding cifar-10-batches-py (hw2; default ~/.pytorch-datasets) and/or MNIST "
        "(MNIST/raw as torchvision stores it, or the Edinburgh lab's mnist-*.npz); without them "
        "stand-ins are used and checks of CIFAR-10 hyper-parameters are indicative only",
    )
    group.addoption(
        "--benchmarks",
        action="store_true",
        default=False,
        help="also run the rubric's opt-in throughput benchmarks (student code timed against the reference)",
    )
    group.addoption(
        "--sandbox",
        choices=("auto", "bubblewrap", "unshare", "none"),
        default="auto",
        help="confinement of student code: the strongest that works here (auto, default), or a "
        "weaker one to compare (see SECURITY.md); a mode that does not work here is a usage error",
    )
    group.addoption(
        "--manual-scores",
        metavar="FILE",
        default=None,
        help="scores a person gave to the rubric's manual entries (e.g. written answers), merged in: "
        "a TOML file; in batch mode one table per student, or a CSV "
        "student_id,check_id,score,comment",
    )
    group.addoption(
        "--fail-under",
        metavar="SCORE",
        default=None,
        help="CI: exit 0 when the score is at least SCORE (points, or a percentage such as 60%%), "
        "1 below it, whatever the individual checks did",
    )
    group.addoption("--submissions", metavar="DIR", default=None, help=HELP_SUBMISSIONS)
    group.addoption(
        "--out",
        metavar="DIR",
        default="grades",
        help="batch mode: where the results store, class report, gradebook and each student's "
        "report go (default: grades/)",
    )
    group.addoption(
        "--regrade",
        action="store_true",
        default=False,
        help="batch mode: grade every submission again, even those with a valid stored result",
    )
    group.addoption(
        "--shard",
        metavar="K/N",
        default=None,
        help="batch mode: grade only the K-th of N deterministic parts of the class (cluster arrays)",
    )
    group.addoption(
        "--shard-plan",
        metavar="FILE",
        default=None,
        help="batch mode with --shard: which shard grades whom, balanced (written by python -m harness.batch.slurm)",
    )
    group.addoption(
        "--max-file-mb",
        metavar="MB",
        type=float,
        default=100.0,
        help="batch mode: a zip, or a file in a submission, larger than this is not read (default 100)",
    )
    group.addoption(
        "--similarity-threshold",
        metavar="SHARE",
        default=None,
        help="batch mode: list two students in the class report's similarity section when this share of "
        "either one's code (skeleton removed) matches the other's (default 0.5; 'off' skips the section). "
        "A signal for a person: it never changes a grade",
    )
    group.addoption(
        "--similarity-corpus",
        metavar="DIR",
        default=None,
        help="batch mode: earlier years' submissions or public solutions (laid out as a class folder) "
        "that the class is compared with too; matched, never graded",
    )
    group.addoption(
        "--similarity-skeleton",
        metavar="DIR",
        default=None,
        help="batch mode: the code handed out to students (skeleton, support package), which counts for "
        "no one (default: the assignment's bundled skeleton, where it has one)",
    )


def _assignment_names() -> list[str]:
    """The rubrics' names, read without loading the grading machinery (this runs for every pytest)."""
    from .rubric import available

    try:
        return available()
    except OSError:
        return []


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    # A grading run never loads conftest.py files: not the submission's, not the current folder's.
    known = early_config.known_args_namespace
    if getattr(known, "submission", None) or getattr(known, "submissions", None):
        early_config.known_args_namespace.noconftest = True
        _refuse_submission_config(early_config, getattr(known, "submission", None) or known.submissions)


def _refuse_submission_config(config: pytest.Config, target: str) -> None:
    """A configuration file read from inside the graded folder would let the submission set the
    grader's own options (its addopts: another rubric, manual scores): refuse to grade so."""
    from pathlib import Path

    ini = config.inipath
    if ini is None:
        return
    folder = (Path(config.invocation_params.dir) / Path(target).expanduser()).resolve()
    if folder == ini.parent.resolve() or folder in ini.resolve().parents:
        from .paths import in_kit

        if in_kit():  # a student's own repository: its configuration is the student's to keep
            return
        raise pytest.UsageError(
            f"{ini} is inside the folder being graded: run the grader from outside it "
            "(a submission's own pytest configuration must not configure its grading)"
        )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("submission") and config.getoption("submissions"):
        raise pytest.UsageError("--submission grades one submission, --submissions a class: give one of them")
    if config.getoption("submission"):
        from .session import GradingSession

        grading: Any = GradingSession.from_config(config)
    elif config.getoption("submissions"):
        from .batch.session import BatchSession

        grading = BatchSession(config)
    else:
        return
    config.stash[GRADING_KEY] = grading
    config.pluginmanager.register(grading, "dl-autograder-grading")
    _stop_on_sigterm()
    # collect the grading items only (the rubric file stands for them), whatever paths were given
    config.args[:] = [str(grading.rubric.path)]


def _stop_on_sigterm() -> None:
    """SIGTERM (``timeout``, SLURM's ``scancel``, a container stop) ends the run as Ctrl-C does:
    pytest's interrupt path runs, so the reports say "interrupted" and every worker, scratch tmpfs
    and cgroup is removed, instead of the process dying where it stands."""
    import signal
    import threading

    def interrupt(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM kills at once
        raise KeyboardInterrupt(f"stopped by signal {signum} (SIGTERM)")

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)
