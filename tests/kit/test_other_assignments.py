"""The student kits of edinburgh_mlp, csc321_tut4, csc321_tut6 and nma_w1d5: what they hold (never the
answer key, never another assignment's checks), and a student repository graded by the kit's own
workflow command: the example gets every kit check's points, a broken copy loses exactly the kit's
share of what its expected.toml says."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest

from harness.kit.record import kit_checks
from harness.rubric import available, load, rubric_path

from .kits import OTHER_ASSIGNMENTS, Kits, other_kits  # noqa: F401  (other_kits: the fixture)
from .student import SUBMISSIONS, grade_command, losing, results, run, student_repo, workflow_env

REPO = Path(__file__).resolve().parents[2]
# one broken copy per assignment whose failing checks are kit checks (a notebook bug where there is one)
BROKEN = {
    "edinburgh_mlp": "tanh-bprop-uses-inputs",
    "csc321_tut4": "argmin",
    "csc321_tut6": "cnn-missing-second-pool",
    "nma_w1d5": "momentum-velocity-rebound",
}
MIN_OWN_LINES = 20

per_assignment = pytest.mark.parametrize("assignment", OTHER_ASSIGNMENTS)


def _kit_text(kit: Path) -> dict[Path, str]:
    return {p: p.read_text(errors="replace") for p in kit.rglob("*") if p.is_file() and p.suffix != ".bin"}


def _kit_ids(assignment: str) -> set[str]:
    return {c.id for c in kit_checks(load(rubric_path(assignment)))}


def _probe_file(package: Path, module: str) -> Path:
    """A rubric's probe module (``probes.NAME``, relative to the harness package) in the kit."""
    return (package / Path(*module.split("."))).with_suffix(".py")


def _answer_key_lines(assignment: str) -> set[str]:
    """The answer key's substantial lines that the harness does not share (imports, skeleton docstrings)."""
    harness_text = "\n".join(p.read_text() for p in (REPO / "harness").rglob("*.py"))
    own = set()
    for path in (REPO / "reference" / assignment).rglob("*.py"):
        for line in path.read_text().splitlines():
            line = line.strip()
            if len(line) >= 30 and not line.startswith(("#", "import ", "from ")) and line not in harness_text:
                own.add(line)
    return own


@per_assignment
def test_no_reference_file_or_source_in_the_kit(other_kits: Kits, assignment: str) -> None:
    kit = other_kits(assignment)
    assert (kit / "harness" / "kit" / "KIT.toml").is_file()
    assert not [
        p
        for p in kit.rglob("*")
        if p.name == "reference"
        or p.name == assignment
        and p.is_dir()
        and "checks" not in p.parts
        and "rubrics" not in p.parts
    ]  # rubrics/<name>/offerings: course data
    texts = _kit_text(kit)
    key_files = [p for p in (REPO / "reference" / assignment).rglob("*") if p.is_file() and p.suffix != ".pyc"]
    for key_file in key_files:
        content = key_file.read_text(errors="replace").strip()
        if len(content) > 200:
            assert not [p for p, t in texts.items() if content in t], key_file
    own_lines = _answer_key_lines(assignment)
    assert len(own_lines) > MIN_OWN_LINES  # the test has teeth
    leaked = {line for line in own_lines for text in texts.values() if line in text}
    assert leaked == set()


@per_assignment
def test_the_kit_holds_its_own_assignment_only(other_kits: Kits, assignment: str) -> None:
    kit = other_kits(assignment)
    package = kit / "harness"
    own = load(rubric_path(assignment))
    assert (package / Path(*own.checks_module.split(".")[1:])).is_dir()
    assert own.probe_modules and all(_probe_file(package, m).is_file() for m in own.probe_modules)
    others = [name for name in available() if name != assignment]
    assert "hw2" in others and len(others) == len(OTHER_ASSIGNMENTS)
    for name in others:
        other = load(rubric_path(name))
        assert not (package / Path(*other.checks_module.split(".")[1:])).exists(), name
        for module in other.probe_modules:
            assert not _probe_file(package, module).exists(), module
        assert not (package / "kit" / "rubrics" / f"{name}.toml").exists()
        assert not (package / "kit" / f"expected-{name}.bin").exists()
    assert not (package / "kit" / "build.py").exists() and not (package / "kit" / "record.py").exists()


@per_assignment
def test_no_check_outside_the_kit_is_named_in_it(other_kits: Kits, assignment: str) -> None:
    kit = other_kits(assignment)
    rubric = load(rubric_path(assignment))
    kept = _kit_ids(assignment)
    left_out = [c.id for c in rubric.checks if c.id not in kept]  # hidden, manual, opt-in: none today
    texts = _kit_text(kit)
    for cid in left_out:
        quoted = re.compile(r"[\"'`]" + re.escape(cid) + r"[\"'`]")
        assert not [p for p, t in texts.items() if quoted.search(t)], cid
    kit_rubric = tomllib.loads((kit / "harness" / "kit" / "rubrics" / f"{assignment}.toml").read_text())
    assert {c["id"] for c in kit_rubric["check"]} == kept and kept
    assert all(c.get("visibility", "visible") == "visible" for c in kit_rubric["check"])
    marker = tomllib.loads((kit / "harness" / "kit" / "KIT.toml").read_text())
    assert marker["assignment"] == assignment and set(marker["checks"]) == kept
    assert marker["points"] == sum(c["points"] for c in kit_rubric["check"] if c.get("kind", "base") == "base")


@per_assignment
def test_the_workflow_and_readme_name_this_kit(other_kits: Kits, assignment: str) -> None:
    kit = other_kits(assignment)
    name = tomllib.loads((kit / "pyproject.toml").read_text())["project"]["name"]
    assert name == f"dl-autograder-kit-{assignment}"
    workflow = (kit / "workflow" / "grade.yml").read_text()
    assert f'KIT: "{name}"' in workflow and "hw2" not in workflow
    readme = (kit / "README.md").read_text()
    assert assignment in readme and name in readme and "hw2" not in readme


def test_hw2_workflow_keeps_its_kit_name(kit: Path) -> None:
    assert 'KIT: "dl-autograder-kit-hw2"' in (kit / "workflow" / "grade.yml").read_text()


@per_assignment
def test_the_example_repository_gets_every_kit_check_in_full(tmp_path: Path, other_kits: Kits, assignment: str) -> None:
    kit = other_kits(assignment)
    repo = student_repo(tmp_path, kit, SUBMISSIONS / assignment / "example")
    assert workflow_env(repo)["KIT"] == f"dl-autograder-kit-{assignment}"
    done = run(repo, kit, grade_command(repo, "100%"), tmp_path / "summary.md")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    report = results(repo)
    assert {t["number"] for t in report["tests"]} == _kit_ids(assignment)
    assert losing(report) == set(), report["tests"]
    full = tomllib.loads((kit / "harness" / "kit" / "KIT.toml").read_text())["points"]
    assert report["score"] == pytest.approx(full)
    assert f"{assignment}: {full:.1f}/{full:.1f}" in done.stdout
    assert "--fail-under=100%" in " ".join(done.args)
    assert (tmp_path / "summary.md").read_text().strip()


@per_assignment
def test_a_broken_repository_loses_the_kit_share_and_fails_the_job(
    tmp_path: Path, other_kits: Kits, assignment: str
) -> None:
    kit = other_kits(assignment)
    broken = SUBMISSIONS / assignment / "broken" / BROKEN[assignment]
    expected = tomllib.loads((broken / "expected.toml").read_text())
    kit_ids = _kit_ids(assignment)
    in_kit = set(expected["failing"]) & kit_ids
    assert in_kit, f"{broken.name}: none of its failing checks is in the kit"
    repo = student_repo(tmp_path, kit, broken)
    assert not (repo / "expected.toml").exists()
    done = run(repo, kit, grade_command(repo, "100%"), tmp_path / "summary.md")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    assert "the score FAILS" in done.stdout
    report = results(repo)
    assert losing(report) == in_kit, report["tests"]
    if in_kit == set(expected["failing"]):
        full = tomllib.loads((kit / "harness" / "kit" / "KIT.toml").read_text())["points"]
        assert full - report["score"] == pytest.approx(expected["points_lost"])
    assert any(line.startswith("::") and any(c in line for c in in_kit) for line in done.stdout.splitlines())


@per_assignment
def test_a_repository_without_the_code_gets_one_sentence(tmp_path: Path, other_kits: Kits, assignment: str) -> None:
    kit = other_kits(assignment)
    repo = tmp_path / "empty-repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "docs" / "readme.md").write_text("no code yet\n")
    done = run(
        repo, kit, [sys.executable, "-m", "pytest", "--submission=.", "-p", "no:cacheprovider"], tmp_path / "s.md"
    )
    assert done.returncode == 4, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Traceback" not in done.stdout + done.stderr
    contract = load(rubric_path(assignment)).submission
    said = (done.stdout + done.stderr).strip()
    assert f"'{contract.package}'" in said if contract.package else contract.defines[0] in said
    assert len(said.splitlines()) == 1, said
