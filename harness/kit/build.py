"""Build a student kit: ``python -m harness.kit build --assignment hw2 --out dist/hw2-kit``.

The kit is an installable folder (``pip install DIR``) holding:
- the harness, with the assignment's check modules stripped of every check the kit does not
  hold (hidden, manual and opt-in ones: not even their ids remain);
- a one-file rubric with the kit's checks only (``harness/kit/rubrics/<assignment>.toml``);
- the expected values those checks need (``harness/kit/expected-<assignment>.bin``), recorded
  from the answer key and verified against a second correct submission (``record.py``);
- the GitHub Actions workflow for the student repository (``workflow/grade.yml``).
It never holds the answer key: not its modules, not its source, not its answers.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import shutil
import sys
import tempfile
from collections.abc import Set as AbstractSet
from pathlib import Path

import tomli_w

from ..checks import decorated_check_ids
from ..offerings import offerings_dir
from ..paths import CHECKOUT as REPO, HARNESS, KIT as KIT_DIR
from ..rubric import Rubric, available, load, read_merged, rubric_path
from .record import KitError, kit_checks, verified_store

TEMPLATES = KIT_DIR / "templates"
# Parts of the harness a kit has no use for: batch grading, and the kit builder itself.
LEFT_OUT = {"batch", "__pycache__"}
LEFT_OUT_FILES = {"kit/build.py", "kit/record.py", "kit/__main__.py"}


def grade_scope(rubric: Rubric) -> dict[str, dict[str, float]]:
    """The automatic and the written-answer points of the full grade, for the rubric ("") and each
    offering it grades: a kit run says how much of the grade it checks."""
    from ..offerings import Recognition, load_offerings

    def points(r: Rubric) -> dict[str, float]:
        base = [c for c in r.checks if c.kind == "base" and c.part not in r.opt_in_parts]
        return {
            "automatic": sum(c.points for c in base if not c.manual),
            "manual": sum(c.points for c in base if c.manual),
        }

    scope = {"": points(rubric)}
    for offering in load_offerings(rubric.path):
        if offering.supported:
            scope[offering.name] = points(rubric.for_offering(Recognition(offering, "--offering", ())))
    return scope


def build(assignment: str, out: Path, second: Path | None = None) -> Path:
    """Make the kit for ``assignment`` in ``out`` (replaced if it exists) and return ``out``."""
    rubric = load(rubric_path(assignment))
    checks = kit_checks(rubric)
    second = second or example_of(assignment)
    with tempfile.TemporaryDirectory(prefix=f"kit-answer-key-{assignment}-") as staging:
        store = verified_store(rubric, answer_key_submission(rubric, Path(staging), second), second)
    if out.exists():
        shutil.rmtree(out)
    package = out / "harness"
    _copy_harness(package, _other_assignments_files(assignment))
    _strip_checks(package / Path(*rubric.checks_module.split(".")[1:]), {c.id for c in checks})
    (package / "kit" / "rubrics").mkdir(parents=True, exist_ok=True)
    (package / "kit" / "rubrics" / f"{assignment}.toml").write_text(_kit_rubric(rubric, {c.id for c in checks}))
    _kit_offerings(rubric, package / "kit" / "rubrics" / f"{assignment}.toml", {c.id for c in checks})
    store.save(package / "kit" / f"expected-{assignment}.bin")
    (package / "kit" / "KIT.toml").write_text(
        tomli_w.dumps(
            {
                "assignment": assignment,
                "checks": [c.id for c in checks],
                "points": sum(c.points for c in checks if c.kind == "base"),  # bonus and optional entries add nothing
                "scope": grade_scope(rubric),  # what the whole grade holds, per offering: the kit's end-of-run line
            }
        )
    )
    (out / "pyproject.toml").write_text(_pyproject(assignment))
    (out / "workflow").mkdir()
    (out / "workflow" / "grade.yml").write_text(_workflow(assignment))
    (out / "README.md").write_text(_readme(assignment, len(checks)))
    return out


def example_of(assignment: str) -> Path:
    """The assignment's full-marks example: ``submissions/<name>/example``, hw2's at ``submissions/example``."""
    own = REPO / "submissions" / assignment / "example"
    return own if own.is_dir() else REPO / "submissions" / "example"


def answer_key_submission(rubric: Rubric, staging: Path, second: Path) -> Path:
    """The answer key laid out as a submission of ``rubric``'s assignment, for recording.

    hw2's answer key already is one (``reference/`` holds the package ``hw2/``). Elsewhere the answer
    key is ``reference/<assignment>/`` whatever the package or module is called, so it is staged in
    ``staging``: the folder as the contract's package (``mlp/``), and, for the module (a tutorial's
    notebook), the reference file that defines the contract's names. Where a package assignment also
    has a module (the Edinburgh lab's notebook beside ``mlp/``), the module imports each of its names
    from the answer key's package, taken from a file the student's package (``second``'s) does not
    have where there is a choice (the lab's PyTorch ``MultipleLayerModel``, not ``mlp.models``')."""
    contract = rubric.submission
    key = REPO / "reference" / rubric.name
    if contract.package == rubric.name or not key.is_dir():
        return REPO / "reference"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    files = sorted(p for p in key.glob("*.py") if p.name != "__init__.py")
    defined = {p: _top_level_names(p) for p in files}
    if contract.package:
        shutil.copytree(key, staging / contract.package, ignore=ignore)
        if contract.module:
            theirs = {p.stem for p in (locate_in(second, contract.package)).glob("*.py")}
            lines = []
            for name in contract.defines:
                where = sorted((p.stem in theirs, p.stem) for p in files if name in defined[p])
                if where:
                    lines.append(f"from {contract.package}.{where[0][1]} import {name}")
            (staging / f"{contract.module}.py").write_text(
                "# the answer key's answers to the notebook part (staged for recording the kit)\n"
                + "\n".join(lines)
                + "\n"
            )
    elif contract.module:
        best = max(files, key=lambda p: (len(defined[p] & set(contract.defines)), -files.index(p)))
        shutil.copy(best, staging / best.name)
    return staging


def locate_in(folder: Path, package: str) -> Path:
    """``folder``'s copy of ``package`` (the shallowest), or a path that does not exist."""
    found = sorted((p for p in folder.rglob(package) if p.is_dir()), key=lambda p: len(p.parts))
    return found[0] if found else folder / package


def _top_level_names(path: Path) -> set[str]:
    try:
        tree = ast.parse(path.read_text())
    except SyntaxError:
        return set()
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def _other_assignments_files(assignment: str) -> set[str]:
    """The check packages and probe modules of the other assignments (paths relative to harness/):
    a kit holds one assignment's checks only (the others' hidden checks must not ship with it)."""
    skipped = set()
    for name in available():
        if name == assignment:
            continue
        other = load(rubric_path(name))
        skipped.add("/".join(other.checks_module.split(".")[1:]))
        skipped.update(module.replace(".", "/") + ".py" for module in other.probe_modules)
    return skipped


def _copy_harness(dest: Path, skipped: AbstractSet[str] = frozenset()) -> None:
    def ignore(folder: str, names: list[str]) -> set[str]:
        rel = Path(folder).relative_to(HARNESS)
        return {
            n
            for n in names
            if n in LEFT_OUT
            or n.endswith(".pyc")
            or (rel / n).as_posix() in LEFT_OUT_FILES | skipped
            or (rel.as_posix() == "kit" and n in {"rubrics", "KIT.toml"})
        }

    shutil.copytree(HARNESS, dest, ignore=ignore)


def _strip_checks(folder: Path, keep: set[str]) -> None:
    """Drop every ``@check(...)`` function whose id (or pattern) the kit does not hold, and the
    comments and docstrings with it (``ast.unparse``); a module left with no check is removed."""
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text())
        body, had, kept = [], False, False
        for node in tree.body:
            ids = decorated_check_ids(node)
            if ids:
                had = True
                if not any(fnmatch.fnmatchcase(k, pattern) for pattern in ids for k in keep):
                    continue
                kept = True
            body.append(node)
        if had and not kept:
            path.unlink()
            continue
        tree.body = body
        path.write_text(ast.unparse(tree) + "\n")


def _kit_offerings(rubric: Rubric, kit_rubric: Path, keep: set[str]) -> None:
    """The course's offerings, so that a kit grades a student as their offering assigned, naming
    only the kit's own checks (an offering file lists hidden ones too)."""
    import fnmatch
    import tomllib

    source = offerings_dir(rubric.path)
    if not source.is_dir():
        return
    target = offerings_dir(kit_rubric)
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        meta = data.get("offering", {})
        for key in ("dropped", "bonus", "optional"):
            if key in meta:
                meta[key] = [p for p in meta[key] if any(fnmatch.fnmatchcase(c, p) for c in keep)]
        data["params"] = {cid: v for cid, v in data.get("params", {}).items() if cid in keep}
        (target / path.name).write_text(tomli_w.dumps(data), encoding="utf-8")


def _kit_rubric(rubric: Rubric, keep: set[str]) -> str:
    raw, _ = read_merged(rubric.path)
    raw["check"] = [c for c in raw["check"] if c.get("id") in keep]
    for c in raw["check"]:  # a likely cause the kit leaves out is never named in it
        if "uses" in c:
            c["uses"] = [u for u in c["uses"] if u in keep]
    parts = {c["part"] for c in raw["check"]}
    raw["parts"] = {pid: table for pid, table in raw["parts"].items() if pid in parts}
    header = (
        "# The student kit's rubric: the visible checks of the course's rubric, whose expected\n"
        "# values were recorded from the answer key (harness/kit/expected-*.bin).\n"
    )
    return header + tomli_w.dumps(raw)


def _pyproject(assignment: str) -> str:
    source = (REPO / "pyproject.toml").read_text()
    import tomllib

    project = tomllib.loads(source)["project"]
    return tomli_w.dumps(
        {
            "build-system": {"requires": ["setuptools>=68"], "build-backend": "setuptools.build_meta"},
            "project": {
                "name": _dist_name(assignment),
                "version": project.get("version", "0.1.0"),
                "description": f"Self-check for {assignment}: the course grader's visible checks, without the answer key",
                "requires-python": project.get("requires-python", ">=3.11"),
                "dependencies": project["dependencies"],
                "entry-points": {"pytest11": {"dl_autograder": "harness.plugin"}},
            },
            "tool": {
                "setuptools": {
                    "packages": {"find": {"include": ["harness*"]}},
                    "package-data": {
                        "harness": [
                            "report/templates/*.j2",
                            "courseware/cs236781/*.py",
                            "courseware/utils/*.py",
                            "kit/*.toml",
                            "kit/*.bin",
                            "kit/rubrics/*.toml",
                            "kit/rubrics/*/offerings/*.toml",
                            "kit/templates/*",
                        ]
                    },
                }
            },
        }
    )


def _workflow(assignment: str) -> str:
    """The workflow template with this kit's own distribution name as the default ``KIT``."""
    text = (TEMPLATES / "grade.yml").read_text()
    line = next((row for row in text.splitlines() if row.strip().startswith("KIT:")), None)
    if line is None:
        raise KitError(f"{TEMPLATES / 'grade.yml'}: no KIT: line in the job's env")
    value = line.split(":", 1)[1].split("#", 1)[0].strip()
    return text.replace(line, line.replace(value, f'"{_dist_name(assignment)}"', 1), 1)


def _dist_name(assignment: str) -> str:
    return f"dl-autograder-kit-{assignment}"


def _what_to_hand_in(assignment: str) -> str:
    contract = load(rubric_path(assignment)).submission
    return contract.describe() or "your code"


def _readme(assignment: str, count: int) -> str:
    return (
        f"# Self-check kit for {assignment}\n\n"
        f"The course grader's {count} visible checks, with expected values recorded from the answer key\n"
        f"(the answer key itself is not here). Your repository holds {_what_to_hand_in(assignment)};\n"
        "in its top folder:\n\n"
        "```bash\npip install <this folder or its wheel>\npytest --submission=. --fail-under=0\n```\n\n"
        "`workflow/grade.yml` runs the same on every push (copy it to `.github/workflows/`; its `KIT`\n"
        "names this kit's distribution, "
        f"`{_dist_name(assignment)}`: set it to where the kit is published).\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.kit", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build a student kit")
    b.add_argument("--assignment", default="hw2")
    b.add_argument("--out", type=Path, default=None, help="folder to write (default: dist/<assignment>-kit)")
    args = parser.parse_args(argv)
    import_checks(args.assignment)
    out = args.out or REPO / "dist" / f"{args.assignment}-kit"
    try:
        build(args.assignment, out.resolve())
    except KitError as exc:
        print(f"kit not built: {exc}", file=sys.stderr)
        return 1
    print(f"kit for {args.assignment}: {out}")
    return 0


def import_checks(assignment: str) -> None:
    from ..checks import load_checks

    load_checks(load(rubric_path(assignment)).checks_module)
