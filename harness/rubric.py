"""Load and validate a rubric: the data that says which checks exist and what they are worth.

A rubric is a TOML file (``rubrics/<assignment>.toml``)::

    [assignment]
    name = "hw2"                      # also the package a submission must contain
    title = "CS236781 HW2"
    checks_module = "harness.checks.hw2"
    probe_modules = ["probes.hw2"]

    [parts.part1]
    title = "Part 1: Backpropagation"

    [[check]]
    id = "part1.linear"
    part = "part1"
    title = "Linear layer"
    points = 4
    visibility = "visible"            # Gradescope's values: visible, hidden, after_due_date, after_published
    partial = { forward = 2, backward = 2 }   # optional: points per component of the check
    params = { case = "linear" }      # optional: settings the check function reads (ctx.spec_params)

Adding a check = one entry here + one function registered under the same id.

A rubric may be split across files: ``include = ["hw2/part2.toml", ...]`` under [assignment]
(paths relative to the including file) adds each file's ``[parts.*]`` and ``[[check]]`` tables,
in order, after the including file's own. A part names the probe module its checks call in its own
table (``[parts.part2] probes = "probes.hw2_part2"``); ``load_checks`` imports every module of
``checks_module``, so a part is declared once: its file in ``include``.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .offerings import located
from .paths import rubrics_dir
from .submission import Contract

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
KINDS = ("base", "bonus", "optional")


class RubricError(Exception):
    """The rubric file is not valid; the message names the file and the entry."""


@dataclass(frozen=True)
class CheckSpec:
    id: str
    part: str
    title: str
    points: float
    visibility: str = "visible"
    partial: dict[str, float] = field(default_factory=dict)
    description: str = ""
    manual: bool = False  # graded by a person: 0 automatic points, scores merged from --manual-scores
    params: dict = field(default_factory=dict, hash=False)  # settings the check function reads (`[check.params]`)
    locate: str = ""  # where the graded code lives in a submission, "hw2/layers.py:TanH" (CI annotations)
    # "base": counts in the maximum; "bonus": points on top of the maximum, never below it;
    # "optional": graded and reported, worth no points (the offering calls the work optional)
    kind: str = "base"
    # a check that re-tests another's component: when that check lost points and this one fails,
    # its points are kept and the feedback says "same cause as <id>" (one bug is charged once)
    same_cause_as: str = ""
    # component -> the check that grades the same code (same_cause_as as a table)
    same_cause_components: dict[str, str] = field(default_factory=dict)
    # checks of the components this check's code runs (a training runs the layers): where one of
    # them lost points too, the feedback points to it as the likely cause; ``uses_why`` says how
    uses: tuple[str, ...] = ()
    uses_why: str = ""
    # a dataset ("cifar10"): without the real one (stand-in data) the check is indicative, worth no
    # points either way, whatever the student's code does; the maximum is then the same for everyone
    indicative_without: str = ""
    # false: never in a student kit, though visible (its expected values would give an answer away)
    kit: bool = True
    # what the graded code (the class or function ``locate`` names) must not use, as dotted prefixes
    # ("torch.autograd", "torch.optim"): read in its source, and watched while the check runs it
    forbid: tuple[str, ...] = ()
    forbid_penalty: float = 0.0  # points a shortcut costs (0: a flag for staff, no points)

    @property
    def components(self) -> list[str]:
        return list(self.partial) or ["all"]


@dataclass(frozen=True)
class Rubric:
    path: Path
    name: str
    title: str
    checks_module: str
    probe_modules: list[str]
    parts: dict[str, str]  # part id -> title, in file order
    checks: list[CheckSpec]
    digest: str
    opt_in_parts: frozenset[str] = frozenset()  # parts run only when asked (`opt_in = true`: benchmarks)
    submission: Contract = Contract(package="hw2")  # what a submission holds ([assignment.submission])
    offering: Any = None  # harness.offerings.Recognition: the offering graded, and why (None: single offering)
    skeleton: Path | None = None  # the code handed out to students ([assignment] skeleton): nobody's own code
    not_assigned: tuple[str, ...] = ()  # entries the offering dropped (not graded)
    time_budget: float = 900.0  # wall seconds one submission may take ([assignment] time_budget_s)
    opt_in_budgets: dict[str, float] = field(
        default_factory=dict
    )  # added when an opt-in part runs ([parts.X] budget_s)

    def budget(self, with_opt_in: bool) -> float:
        """The default time budget of one submission (``--submission-timeout`` overrides it)."""
        return self.time_budget + (sum(self.opt_in_budgets.values()) if with_opt_in else 0.0)

    def check(self, check_id: str) -> CheckSpec:
        for spec in self.checks:
            if spec.id == check_id:
                return spec
        raise KeyError(check_id)

    def max_points(self, part: str | None = None) -> float:
        return sum(c.points for c in self.checks if c.kind == "base" and (part is None or c.part == part))

    def for_offering(self, recognition: Any) -> Rubric:
        """This rubric as ``recognition.offering`` assigned it: its dropped entries out, its bonus and
        optional entries marked, its own params merged over the entries' (``harness/offerings.py``)."""
        if recognition is None:
            return self
        offering = recognition.offering
        checks, dropped = [], []
        for spec in _with_questions(self.checks, offering.questions):
            kind = offering.kind_of(spec.id, spec.kind)
            if kind == "dropped":
                dropped.append(spec.id)
                continue
            params = {**spec.params, **offering.params.get(spec.id, {})}
            locate = located(offering.adapter, spec.locate) if spec.locate else spec.locate
            # an offering's own wording of what its notebook ran, else the rubric's in its names
            title = str(params["title"]) if "title" in params else offering.in_own_words(spec.title)
            partial = _offering_partial(spec, params.get("partial"), offering.name)
            checks.append(
                replace(
                    spec,
                    kind=kind,
                    params=params,
                    locate=locate,
                    title=title,
                    partial=partial,
                    description=offering.in_own_words(spec.description),
                    uses_why=str(params["uses_why"]) if "uses_why" in params else offering.in_own_words(spec.uses_why),
                )
            )
        digest = hashlib.sha256((self.digest + offering.name).encode() + offering.raw).hexdigest()
        # a part the rubric does not have (a student kit keeps only its own parts) keeps no title
        parts = {pid: offering.parts.get(pid, title) for pid, title in self.parts.items()}
        return replace(
            self, checks=checks, parts=parts, offering=recognition, not_assigned=tuple(dropped), digest=digest
        )


def _same_cause_components(value: Any, partial: dict[str, float], path: Path, where: str) -> dict[str, str]:
    """``same_cause_as = { fit = "part2.fit" }``: components of this check that re-test code another
    check grades (Trainer.fit, shared by every trainer); a bug that check deducted for is not
    charged again on them. A plain string names the whole check instead."""
    if isinstance(value, str):
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) and k in partial for k, v in value.items()):
        raise RubricError(f"{path}: {where}: same_cause_as is a check id, or a table of components to check ids")
    return dict(value)


def _offering_partial(spec: CheckSpec, partial: Any, offering: str) -> dict[str, float]:
    """An offering whose code had no part a component grades (spring 2020's ResNet took no
    activation arguments) splits the check's points over the components it had
    (``[params."<check>"] partial``): the same total, only components the rubric names."""
    if partial is None:
        return spec.partial
    where = f"offering {offering}: [params.{spec.id!r}] partial"
    if not isinstance(partial, dict) or not partial or not set(partial) <= set(spec.partial):
        raise RubricError(f"{where}: a table of some of the check's components ({', '.join(spec.partial)})")
    split = {str(k): float(v) for k, v in partial.items()}
    if abs(sum(split.values()) - spec.points) > 1e-9:
        raise RubricError(f"{where}: adds up to {sum(split.values()):g}, not the check's {spec.points:g} points")
    return split


def _with_questions(checks: list[CheckSpec], questions: dict[str, str]) -> list[CheckSpec]:
    """An offering that asked its own written questions (``[questions]``: ``part1_q3 = "title"``)
    gets exactly those, made like the rubric's first written-answer entry, where the rubric's were."""
    if not questions:
        return checks
    written = [c for c in checks if c.id.startswith("answers.")]
    if not written:
        return checks
    at = checks.index(written[0])
    asked = [replace(written[0], id=f"answers.{name}", title=title) for name, title in questions.items()]
    rest = [c for c in checks if not c.id.startswith("answers.")]
    return rest[:at] + asked + rest[at:]


_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _forbid(entry: dict, path: Path, where: str) -> tuple[str, ...]:
    """``forbid``: dotted module or API prefixes ("torch.autograd"), each a valid dotted name."""
    raw = entry.get("forbid", [])
    if not isinstance(raw, list) or not all(isinstance(x, str) and _DOTTED.match(x) for x in raw):
        raise RubricError(f"{path}: {where}: 'forbid' must be a list of dotted names such as \"torch.autograd\"")
    if raw and ":" not in str(entry.get("locate", "")):
        raise RubricError(f"{path}: {where}: 'forbid' needs a 'locate' naming the class or function it applies to")
    return tuple(raw)


def rubric_path(assignment: str) -> Path:
    return rubrics_dir() / f"{assignment}.toml"


def available() -> list[str]:
    """The assignments that have a rubric here: hw2 first (the course's main one), then by name."""
    names = sorted(p.stem for p in rubrics_dir().glob("*.toml"))
    return sorted(names, key=lambda n: (n != "hw2", n))


def _contract(meta: dict, path: Path) -> Contract:
    table = meta.get("submission", {})
    if not isinstance(table, dict):
        raise RubricError(f"{path}: [assignment.submission] must be a table")
    unknown = set(table) - {"package", "module", "defines", "module_optional"}
    if unknown:
        raise RubricError(f"{path}: [assignment.submission] has unknown keys {', '.join(sorted(unknown))}")
    package = table.get("package", None if "module" in table else str(meta.get("name", "")))
    contract = Contract(
        package=str(package) if package else None,
        module=table.get("module"),
        defines=tuple(str(d) for d in table.get("defines", [])),
        module_optional=bool(table.get("module_optional", False)),
    )
    if contract.module and not contract.defines:
        raise RubricError(f"{path}: [assignment.submission] names a module but no 'defines' to recognise it by")
    return contract


def _read_toml(path: Path) -> tuple[dict, bytes]:
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise RubricError(f"{path}: cannot read the rubric: {exc.strerror}") from None
    try:
        return tomllib.loads(raw_bytes.decode("utf-8")), raw_bytes
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RubricError(f"{path}: not valid TOML: {exc}") from None


def read_merged(path: Path) -> tuple[dict, hashlib._Hash]:
    """The rubric's TOML with its included files merged in, and the hash of every file read."""
    raw, raw_bytes = _read_toml(path)
    digest = hashlib.sha256(raw_bytes)
    raw.setdefault("parts", {})
    raw.setdefault("check", [])
    for rel in raw.get("assignment", {}).get("include", []):
        part_file = path.parent / rel
        extra, extra_bytes = _read_toml(part_file)
        digest.update(extra_bytes)
        for pid, table in extra.get("parts", {}).items():
            if pid in raw["parts"]:
                raise RubricError(f"{part_file}: part '{pid}' is already defined")
            raw["parts"][pid] = table
        raw["check"].extend(extra.get("check", []))
    raw.get("assignment", {}).pop("include", None)
    return raw, digest


def _probe_modules(meta: dict, parts: dict) -> list[str]:
    """The worker's probe modules: the assignment's own, then each part's ``probes`` (a part names the
    module its checks call once, in its own table), in order, each once."""
    names = list(meta.get("probe_modules", []))
    for table in parts.values():
        wanted = table.get("probes", [])
        names.extend([wanted] if isinstance(wanted, str) else wanted)
    return list(dict.fromkeys(str(n) for n in names))


def load(path: Path) -> Rubric:
    raw, digest = read_merged(path)

    def need(table: dict, key: str, where: str):
        if key not in table:
            raise RubricError(f"{path}: {where} has no '{key}'")
        return table[key]

    meta = need(raw, "assignment", "the file")
    parts = {pid: str(need(p, "title", f"part '{pid}'")) for pid, p in raw.get("parts", {}).items()}
    checks, seen = [], set()
    for i, entry in enumerate(raw.get("check", [])):
        where = f"check #{i + 1}"
        cid = str(need(entry, "id", where))
        where = f"check '{cid}'"
        if cid in seen:
            raise RubricError(f"{path}: {where} is defined twice")
        seen.add(cid)
        part = str(need(entry, "part", where))
        if part not in parts:
            raise RubricError(f"{path}: {where} names part '{part}', which is not under [parts]")
        points = float(need(entry, "points", where))
        visibility = str(entry.get("visibility", "visible"))
        if visibility not in VISIBILITIES:
            raise RubricError(f"{path}: {where} has visibility '{visibility}'; use one of {', '.join(VISIBILITIES)}")
        kind = str(entry.get("kind", "base"))
        if kind not in KINDS:
            raise RubricError(f"{path}: {where} has kind '{kind}'; use one of {', '.join(KINDS)}")
        partial = {str(k): float(v) for k, v in entry.get("partial", {}).items()}
        if partial and abs(sum(partial.values()) - points) > 1e-9:
            raise RubricError(f"{path}: {where}: partial points add up to {sum(partial.values()):g}, not {points:g}")
        same_cause = entry.get("same_cause_as", "")
        checks.append(
            CheckSpec(
                id=cid,
                part=part,
                title=str(need(entry, "title", where)),
                points=points,
                visibility=visibility,
                partial=partial,
                description=str(entry.get("description", "")),
                manual=bool(entry.get("manual", False)),
                params=dict(entry.get("params", {})),
                locate=str(entry.get("locate", "")),
                kind=kind,
                same_cause_as=str(same_cause) if isinstance(same_cause, str) else "",
                same_cause_components=_same_cause_components(same_cause, partial, path, where),
                uses=tuple(str(u) for u in entry.get("uses", ())),
                uses_why=str(entry.get("uses_why", "")),
                indicative_without=str(entry.get("indicative_without", "")),
                kit=bool(entry.get("kit", True)),
                forbid=_forbid(entry, path, where),
                forbid_penalty=float(entry.get("forbid_penalty", 0.0)),
            )
        )
        if checks[-1].forbid_penalty and not checks[-1].forbid:
            raise RubricError(f"{path}: {where} has a forbid_penalty but nothing in 'forbid'")
        if not 0 <= checks[-1].forbid_penalty <= points:
            raise RubricError(f"{path}: {where}: forbid_penalty must be between 0 and its {points:g} points")
    ids = {c.id for c in checks}
    for c in checks:
        unknown = [u for u in c.uses if u not in ids]
        if unknown:
            raise RubricError(f"{path}: {c.id} uses {', '.join(unknown)}, which no entry defines")
    return Rubric(
        path=path,
        name=str(need(meta, "name", "[assignment]")),
        title=str(meta.get("title", meta["name"])),
        checks_module=str(need(meta, "checks_module", "[assignment]")),
        probe_modules=_probe_modules(meta, raw.get("parts", {})),
        parts=parts,
        checks=checks,
        digest=digest.hexdigest(),
        opt_in_parts=frozenset(pid for pid, p in raw.get("parts", {}).items() if p.get("opt_in", False)),
        submission=_contract(meta, path),
        time_budget=float(meta.get("time_budget_s", 900)),
        opt_in_budgets={pid: float(p.get("budget_s", 0)) for pid, p in raw.get("parts", {}).items() if p.get("opt_in")},
        skeleton=(path.parent / str(meta["skeleton"])).resolve() if meta.get("skeleton") else None,
    )
