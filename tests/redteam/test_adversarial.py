"""Red team: every submission in submissions/adversarial/ attacks the grader (to earn points it
has not earned, to stop the run, to escape the worker, or to harm the machine) next to one honest
bug. Each is graded end to end and must get exactly what its honest bug leaves
(``expected.toml``), finish the run, and leave no trace: no process, no ``pwned-*`` file, no
canary touched, no change to the checkout, no connection.

``expected.toml`` (one per attack folder)::

    base = "example"                   # the case is an overlay of the example (harness/dev/cases.py):
    [[edit]] ...                       # its bug as an edit of hw2/layers.py, its attack.py appended
    attack = "..."; bug = "..."        # one line each (for the README table)
    select = "part1"                   # the -k expression of the run
    timeout = 10                       # --check-timeout
    score = 38.0                       # the exact score of the selected checks
    failing = ["part1.tanh"]           # exactly the checks that lose points
    mentions = ["..."]                 # in the failing checks' outputs (results.json) or the HTML report
    # optional:
    args = ["--benchmarks"]            # more command-line arguments
    cwd = "submission"                 # run pytest from inside the submission (its pytest.ini, conftest.py)
    stdout = ["hw2: 39.0/41.0"]        # in the terminal output of the run
    stdout_excludes = ["..."]          # never in the terminal output
    html_excludes = ["<script>..."]    # never in the HTML report, as it is (unescaped)
    listen = 47831                     # a listener on 127.0.0.1:PORT that must get no connection
    bench_ratio = [0.2, 5.0]           # the benchmark's reported ratio lies in this range
    sandbox = "bubblewrap"             # run only where the worker gets this confinement: the attack
                                       # (deleting files, filling /tmp, ...) would do real harm without it
    answer_free = true                 # the reports and the terminal hold no line of the answer key and
                                       # no answer part*_hp() value set (tests/answer_leaks.py)
"""

from __future__ import annotations

import filecmp
import html as htmlmod
import os
import re
import tempfile
import uuid
from pathlib import Path

import pytest

import tests.grading.helpers  # noqa: F401  (first: pre-loads what pytester's sys.modules snapshot must hold)
from harness.dev.cases import base_of, materialise
from harness.sandbox import confine
from tests.answer_leaks import answer_value_sets, secret_lines_in, value_set_leaks
from tests.grading.helpers import REPO, expectation, grade

from .traces import (
    Canary,
    Listener,
    Watchdog,
    pwned_files,
    repo_changes,
    repo_state,
    wait_for_no_children,
    wait_for_no_marked_processes,
)

pytestmark = pytest.mark.redteam

ADVERSARIAL = REPO / "submissions" / "adversarial"
ATTACKS = sorted(
    p for p in ADVERSARIAL.iterdir() if (p / "expected.toml").is_file() and not expectation(p).get("zip")
)  # zips: test_batch.py
# seconds: a run of a few checks takes 5-30 s; past this the grader hangs (see traces.Watchdog)
RUN_LIMIT = float(os.environ.get("REDTEAM_RUN_LIMIT", "120"))
KEYS = {
    "base",
    "edit",
    "attack",
    "bug",
    "select",
    "timeout",
    "score",
    "failing",
    "mentions",
    "args",
    "cwd",
    "stdout",
    "usage_error",
    "stdout_excludes",
    "html_excludes",
    "listen",
    "bench_ratio",
    "sandbox",
    "zip",
    "answer_free",
}


def test_every_attack_is_an_overlay_of_the_example(cases) -> None:
    """At least 27 attacks; each changes, of the example's files, hw2/layers.py only (its honest bug,
    and the attack's code unless the attack is a file of its own: conftest.py, a shadow torch.py...)."""
    assert len(ATTACKS) >= 27, [p.name for p in ATTACKS]
    example = REPO / "submissions" / "example"
    for folder in ATTACKS:
        exp = expectation(folder)
        assert set(exp) <= KEYS, (folder.name, set(exp) - KEYS)
        assert {"attack", "bug", "select", "timeout", "score", "failing", "mentions"} <= set(exp), folder.name
        assert base_of(folder) == example.resolve(), folder.name
        whole = cases(folder)
        changed = [
            str(rel)
            for rel in (p.relative_to(example) for p in example.rglob("*") if p.is_file())
            if "__pycache__" not in rel.parts and not filecmp.cmp(example / rel, whole / rel, shallow=False)
        ]
        assert changed == ["hw2/layers.py"], (folder.name, changed)


@pytest.mark.parametrize("attack", ATTACKS, ids=[p.name for p in ATTACKS])
def test_attack_earns_nothing_and_leaves_no_trace(
    attack: Path,
    pytester: pytest.Pytester,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    exp = expectation(attack)
    if "redteam-marker" in _attack_text(attack):  # it starts marked processes
        request.getfixturevalue("marked_processes_alone")
    if "sandbox" in exp:
        mode = confine.detect()
        if mode.name != exp["sandbox"]:
            pytest.skip(
                f"needs the {exp['sandbox']} sandbox, this machine gives {mode.name}: the attack would do real harm"
            )
    listener = None
    if "listen" in exp:
        try:
            listener = Listener(int(exp["listen"]))
        except OSError as exc:
            pytest.skip(f"127.0.0.1:{exp['listen']} is busy ({exc.strerror}): cannot tell a connection apart")
        request.addfinalizer(listener.close)
    # the submission is graded from a copy, next to another student's folder; canaries first
    sub = materialise(attack, tmp_path / "class" / attack.name)
    out = pytester.path / "out"  # where tests.grading.helpers.grade writes report.html and results.json
    tmp_canary = Path("/tmp") / f"redteam-{uuid.uuid4().hex}.canary"
    request.addfinalizer(lambda: tmp_canary.unlink(missing_ok=True))
    canaries = [
        Canary.plant(tmp_path / "class" / "other-student" / "keep.canary", "another student's file"),
        Canary.plant(out / "keep.canary", "a grader's file in the report folder"),
        Canary.plant(out / "earlier" / "results.json", '{"score": 12.5, "tests": []}'),
        Canary.plant(out / "earlier" / "report.html", "<html>an earlier grading</html>"),
        Canary.plant(tmp_canary, "a file in /tmp"),
    ]
    # this run's staging and worker folders go under tmp_path (scanned in full below), not /tmp, where
    # another xdist worker's attack may have its pwned-* files staged at this very moment
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    before = repo_state(REPO)
    if exp.get("cwd") == "submission":
        monkeypatch.chdir(sub)  # pytester runs pytest in-process, from the current folder
    runs: list[pytest.RunResult] = []  # the run's result, kept even when grade() finds no results.json
    run = pytester.runpytest
    monkeypatch.setattr(pytester, "runpytest", lambda *a, **k: runs.append(run(*a, **k)) or runs[-1])
    args = ["-k", exp["select"], f"--check-timeout={exp['timeout']}", *exp.get("args", [])]
    if "usage_error" in exp:  # the grader refuses to run at all: no grade, no trace
        refused = pytester.runpytest(f"--submission={sub}", f"--report={out / 'report.html'}", *args)
        assert refused.ret == pytest.ExitCode.USAGE_ERROR, _tail([refused])
        assert exp["usage_error"] in refused.stderr.str() + refused.stdout.str()
        assert not (out / "results.json").exists() and not (out / "report.html").exists()
        assert [p for p in (c.problem() for c in canaries) if p] == []
        assert repo_changes(before, repo_state(REPO)) == []
        return
    with Watchdog(RUN_LIMIT) as watchdog:
        try:
            graded = grade(pytester, sub, *args)
        except FileNotFoundError:
            pytest.fail(f"the run wrote no results.json:\n{_tail(runs)}")
    connections = listener.connections() if listener else 0
    stdout = graded.result.stdout.str()
    problems = []

    # the run finished on its own, and the grade is exactly what the honest bug leaves
    if watchdog.fired:
        problems.append(
            f"the run was still going after {RUN_LIMIT} s: the test killed its workers "
            f"{watchdog.fired} time(s) to end it (the grader hangs)"
        )
    if graded.result.ret not in (0, 1):
        problems.append(f"pytest exit code {graded.result.ret}")
    if graded.score != pytest.approx(exp["score"], abs=1e-9):
        problems.append(f"score {graded.score}, expected {exp['score']}")
    if graded.failing() != set(exp["failing"]):
        problems.append(f"failing {sorted(graded.failing())}, expected {sorted(exp['failing'])}")
    outputs = "\n".join(graded.output(c) for c in graded.failing())
    page = graded.html.read_text()
    readable = htmlmod.unescape(page)
    problems += [f"not mentioned: {m!r}" for m in exp["mentions"] if m not in outputs and m not in readable]
    problems += [f"not in the terminal output: {s!r}" for s in exp.get("stdout", []) if s not in stdout]
    problems += [f"in the terminal output: {s!r}" for s in exp.get("stdout_excludes", []) if s in stdout]
    problems += [f"in the HTML report as it is: {s!r}" for s in exp.get("html_excludes", []) if s in page]
    if exp.get("answer_free"):  # what the student reads: the reports and the terminal
        seen = "\n".join([readable, (graded.html.parent / "results.json").read_text(), stdout])
        problems += [f"answer key line in the reports: {line!r}" for line in secret_lines_in(seen)]
        problems += [f"answer {name}() values in the reports" for name in value_set_leaks(seen, answer_value_sets())]
    if "bench_ratio" in exp:
        lo, hi = exp["bench_ratio"]
        ratios = [float(r) for r in re.findall(r"([0-9.]+)x the reference's time", readable + outputs)]
        if not ratios or not all(lo <= r <= hi for r in ratios):
            problems.append(f"benchmark ratios {ratios}, expected within [{lo}, {hi}]")

    # no trace outside the run
    left = wait_for_no_marked_processes(f"redteam-marker-{attack.name}")
    problems += [f"process left running: {p}" for p in left]
    problems += [f"worker left running: {p}" for p in wait_for_no_children()]
    for top, depth in ((Path("/tmp"), 2), (REPO, None), (pytester.path, None), (tmp_path, None)):
        problems += [f"file left: {p}" for p in pwned_files(top, depth)]
    problems += [p for p in (c.problem() for c in canaries) if p]
    problems += [f"checkout changed: {c}" for c in repo_changes(before, repo_state(REPO))]
    if connections:
        problems.append(f"{connections} connection(s) reached 127.0.0.1:{exp['listen']}")
    assert not problems, f"{attack.name} ({exp['attack']}):\n  " + "\n  ".join(problems) + "\n" + _tail(runs)


def _attack_text(folder: Path) -> str:
    """Everything the case folder adds: its files and its edits (expected.toml)."""
    return "\n".join(p.read_text(errors="replace") for p in sorted(folder.rglob("*")) if p.is_file())


def _tail(runs: list[pytest.RunResult]) -> str:
    if not runs:
        return "(no run)"
    return (
        "--- terminal output (tail) ---\n"
        + runs[-1].stdout.str()[-3000:]
        + "\n--- stderr (tail) ---\n"
        + runs[-1].stderr.str()[-2000:]
    )
