"""Course offerings of an assignment: what THAT offering asked, and which one a submission is.

Each offering of a course assigns its own variant of the homework: a part dropped ("HW
reduction"), an optimizer made a bonus, its own experiment grid. An offering is data, a TOML file
under ``rubrics/<assignment>/offerings/`` (format in ``rubrics/hw2/offerings/README.md``):

- ``dropped``: checks that offering never assigned: not graded, listed as not assigned;
- ``bonus``: points on top of the maximum, never below it;
- ``optional``: graded and reported, worth no points (the skeleton calls the work optional);
- ``[params."<check>"]``: the offering's own settings for a check (merged over the rubric's);
- ``[recognise]``: what a submission of that offering looks like (files, classes, the support
  package's name, the notebooks' texts, skeleton functions left unimplemented);
- ``supported = false``: an offering the grader recognises but does not grade (one sentence, no
  grade, never a grade made of import errors).

Recognition reads the handed-in files as text (``ast`` for definitions, JSON for notebooks); it
never imports or runs them. ``--offering=NAME`` overrides it.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import re
import stat
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .probes.adapter import split_name
from .submission import MAX_MODULE_BYTES, Submission, files_below

NOTEBOOK_DEPTH = 3  # how far below the submission's folder handed-in notebooks are looked for


class OfferingError(Exception):
    """No grade: the offering is unknown, not supported, or its file is invalid (one sentence)."""


@dataclass(frozen=True)
class Offering:
    name: str
    title: str
    supported: bool = True
    default: bool = False  # the pick among offerings whose layout matches when nothing else tells them apart
    dropped: tuple[str, ...] = ()
    bonus: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    params: dict = field(default_factory=dict, hash=False)
    recognise: dict = field(default_factory=dict, hash=False)
    adapter: dict = field(default_factory=dict, hash=False)  # that offering's names (harness/probes/adapter.py)
    questions: dict = field(default_factory=dict, hash=False)  # its own written questions: name -> title
    parts: dict = field(default_factory=dict, hash=False)  # its own titles of the rubric's parts (renumbered)
    raw: bytes = b""  # the file's bytes (the grading digest)

    def kind_of(self, check_id: str, base: str = "base") -> str | None:
        """ "dropped", "bonus", "optional" or ``base`` (the rubric entry's own kind)."""
        for kind, patterns in (("dropped", self.dropped), ("bonus", self.bonus), ("optional", self.optional)):
            if any(fnmatch.fnmatchcase(check_id, p) for p in patterns):
                return kind
        return base

    def in_own_words(self, text: str) -> str:
        """``text`` (a title, hint or message the judge wrote with the latest API's names) with this
        offering's names: ``ClassifierTrainer`` -> ``TorchTrainer``, ``hw2/layers.py`` ->
        ``hw2/blocks.py``. Whole names only (``ResNet`` in ``ResNetClassifier`` stays)."""
        pairs, pattern = self._own_words
        if pattern is None or not text:
            return text
        return pattern.sub(lambda m: pairs[m.group(0)], text)

    @cached_property
    def _own_words(self) -> tuple[dict[str, str], re.Pattern | None]:
        """The adapter's renamings as text: (later name -> this offering's, a pattern of them)."""
        pairs: dict[str, str] = {}
        for target, entry in self.adapter.get("modules", {}).items():
            source = entry["module"]
            if source != target:
                pairs[target] = source
                pairs[target.replace(".", "/") + ".py"] = source.replace(".", "/") + ".py"
            for name, value in entry["names"].items():
                own = split_name(value)[1]
                if own != name:
                    pairs[name] = own
        # longest first: hw2.layers before a shorter name inside it
        alternatives = [rf"(?<![\w/]){re.escape(k)}(?![\w])" for k in sorted(pairs, key=len, reverse=True)]
        return pairs, re.compile("|".join(alternatives)) if alternatives else None


@dataclass(frozen=True)
class Recognition:
    offering: Offering
    how: str  # "--offering" | "recognised" | "default"
    reasons: tuple[str, ...]

    def describe(self) -> str:
        why = "; ".join(self.reasons)
        if self.how == "--offering":
            return f"{self.offering.title} (--offering={self.offering.name})"
        return f"{self.offering.title}: recognised from {why} (override with --offering=NAME)"


def offerings_dir(rubric_path: Path) -> Path:
    return rubric_path.parent / rubric_path.stem / "offerings"


def load_offerings(rubric_path: Path) -> list[Offering]:
    """The assignment's offerings in name order (none: the assignment has a single offering)."""
    folder = offerings_dir(rubric_path)
    return [_load(p) for p in sorted(folder.glob("*.toml"))] if folder.is_dir() else []


def _read(path: Path) -> tuple[dict, bytes]:
    raw = path.read_bytes()
    try:
        return tomllib.loads(raw.decode("utf-8")), raw
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise OfferingError(f"{path}: not valid TOML: {exc}") from None


def _extended(data: dict, raw: bytes, path: Path, _seen: tuple[str, ...] = ()) -> tuple[dict, bytes]:
    """An offering that ``extends`` another (the next year's homework under older names, a sibling
    course on the same homework) is that one's file, itself read with what it extends, with its
    own tables over it: its [offering] keys, params, adapter entries; its own [recognise] and
    [questions] whole (an offering that names its written questions names all of them)."""
    base_name = data.get("offering", {}).get("extends")
    if base_name is None:
        return data, raw
    base_path = path.parent / f"{base_name}.toml"
    if not isinstance(base_name, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", base_name) or not base_path.is_file():
        raise OfferingError(f"{path}: extends {base_name!r}, which is not an offering file beside it")
    if base_name in _seen or len(_seen) >= MAX_EXTENDS:
        raise OfferingError(f"{path}: extends {base_name}, a chain that loops or runs deeper than {MAX_EXTENDS}")
    base, base_raw = _extended(*_read(base_path), base_path, (*_seen, path.stem))
    merged = {key: dict(value) if isinstance(value, dict) else value for key, value in base.items()}
    for key, value in data.items():
        if key in WHOLE_TABLES or not isinstance(value, dict) or not isinstance(merged.get(key), dict):
            merged[key] = value
        else:
            merged[key] = {**merged[key], **value}
    merged["offering"].pop("extends", None)
    return merged, base_raw + raw


MAX_EXTENDS = 3
WHOLE_TABLES = {"recognise", "questions"}  # an extending file's own replaces the base's, never merged


def _load(path: Path) -> Offering:
    data, raw = _extended(*_read(path), path)
    meta = data.get("offering", {})
    unknown = set(meta) - {"name", "title", "supported", "default", "dropped", "bonus", "optional"}
    if unknown or "name" not in meta:
        raise OfferingError(f"{path}: [offering] needs a name; unknown keys: {', '.join(sorted(unknown)) or 'none'}")
    return Offering(
        name=str(meta["name"]),
        title=str(meta.get("title", meta["name"])),
        supported=bool(meta.get("supported", True)),
        default=bool(meta.get("default", False)),
        dropped=tuple(meta.get("dropped", [])),
        bonus=tuple(meta.get("bonus", [])),
        optional=tuple(meta.get("optional", [])),
        params={str(k): dict(v) for k, v in data.get("params", {}).items()},
        recognise=dict(data.get("recognise", {})),
        adapter=_adapter(data.get("adapter", {}), path),
        questions=_questions(data.get("questions", {}), path),
        parts=_part_titles(data.get("parts", {}), path),
        raw=raw,
    )


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


def _adapter(table: object, path: Path) -> dict:
    """The ``[adapter]`` table checked: dotted module names, identifiers, relative file paths.
    It travels to the worker as plain JSON, so only those shapes are let through."""
    if not isinstance(table, dict):
        raise OfferingError(f"{path}: [adapter] must be a table")
    unknown = set(table) - {"support_package", "modules", "arguments"}
    if unknown:
        raise OfferingError(f"{path}: [adapter] has unknown keys {', '.join(sorted(unknown))}")
    out: dict = {}
    package = table.get("support_package")
    if package is not None:
        if not isinstance(package, str) or not _NAME.match(package) or "." in package:
            raise OfferingError(f"{path}: [adapter] support_package must be a package name")
        out["support_package"] = package
    modules = {}
    for target, entry in (table.get("modules") or {}).items():
        if not isinstance(entry, dict) or set(entry) - {"module", "names"} or not _NAME.match(target):
            raise OfferingError(f'{path}: [adapter.modules."{target}"] needs module and/or names')
        names = entry.get("names", {})
        source = entry.get("module", target)
        pairs = [(k, v) for k, v in names.items()] if isinstance(names, dict) else [("", "")]
        if not (isinstance(source, str) and _NAME.match(source)) or not all(
            isinstance(v, str) and "." not in k and _NAME.match(k) and _own_name(v) for k, v in pairs
        ):
            raise OfferingError(f'{path}: [adapter.modules."{target}"]: module and names must be Python names')
        modules[target] = {"module": source, "names": dict(pairs)}
    if modules:
        out["modules"] = modules
    arguments = {}
    for dotted, entry in (table.get("arguments") or {}).items():
        rename, drop = (entry.get("rename", {}), entry.get("drop", [])) if isinstance(entry, dict) else (0, 0)
        if not (
            _NAME.match(dotted)
            and isinstance(rename, dict)
            and isinstance(drop, list)
            and all(_NAME.match(str(k)) and isinstance(v, str) and _NAME.match(v) for k, v in rename.items())
            and all(isinstance(d, str) and _NAME.match(d) for d in drop)
        ):
            raise OfferingError(f'{path}: [adapter.arguments."{dotted}"] needs rename = {{...}} and/or drop = [...]')
        arguments[dotted] = {"rename": dict(rename), "drop": list(drop)}
    if arguments:
        out["arguments"] = arguments
    return out


def _own_name(value: str) -> bool:
    """``Block``, or ``hw2.models:MLP`` (a name of another module of the package)."""
    module, name = split_name(value)
    return bool(_NAME.match(name)) and "." not in name and (module is None or bool(_NAME.match(module)))


def _questions(table: object, path: Path) -> dict[str, str]:
    if not isinstance(table, dict) or not all(
        isinstance(v, str) and re.fullmatch(r"part\d+_q\d+", k) for k, v in table.items()
    ):
        raise OfferingError(f"{path}: [questions] maps partN_qM names to titles")
    return dict(table)


def _part_titles(table: object, path: Path) -> dict[str, str]:
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise OfferingError(f"{path}: [parts] maps the rubric's part ids to that offering's titles")
    return dict(table)


def located(adapter: dict, locate: str) -> str:
    """A rubric entry's ``locate`` (``hw2/layers.py:Linear``) in the offering's own files and names
    (``hw2/blocks.py:Linear``; 2021's ``hw2/cnn.py:ConvClassifier`` for ``hw2/cnn.py:CNN``)."""
    file, sep, name = locate.partition(":")
    module = file[:-3].replace("/", ".") if file.endswith(".py") else None
    entry = adapter.get("modules", {}).get(module, {}) if module else {}
    new_file = entry["module"].replace(".", "/") + ".py" if entry else file
    names = entry.get("names", {})
    head, dot, rest = name.partition(".")
    other, own = split_name(names.get(head, head))
    if other:  # kept in another module of the package
        new_file = other.replace(".", "/") + ".py"
    name = own + dot + rest if name else name
    return new_file + sep + name


def named(offerings: list[Offering], name: str) -> Offering:
    for o in offerings:
        if o.name == name:
            return o
    raise OfferingError(f"--offering={name}: unknown; this assignment's offerings: {supported_names(offerings)}")


def supported_names(offerings: list[Offering]) -> str:
    return ", ".join(f"{o.name} ({o.title})" for o in offerings if o.supported)


def unsupported_sentence(rec: Recognition, offerings: list[Offering]) -> str:
    supported = f"supported offerings: {supported_names(offerings)}"
    if rec.how == "--offering":
        return f"--offering={rec.offering.name} ({rec.offering.title}) is not graded by this grader; {supported}"
    return (
        f"this looks like {rec.offering.title} ({'; '.join(rec.reasons)}), which this grader does not grade; "
        f"{supported}"
    )


# -- what a submission shows ------------------------------------------------------------------


class Evidence:
    """What the handed-in files show, read as text once (definitions, notebooks' texts)."""

    def __init__(self, sub: Submission):
        self.sub = sub
        self.package_dir = sub.root / sub.package if sub.package else None
        self._trees: dict[str, ast.Module | None] = {}
        self._notebook_text: str | None = None

    def has_file(self, rel: str) -> bool:
        return _regular(self._path(rel))

    def _path(self, rel: str) -> Path:
        return self.sub.root / rel

    def tree(self, rel: str) -> ast.Module | None:
        if rel not in self._trees:
            path = self._path(rel)
            try:
                if not _regular(path) or path.stat().st_size > MAX_MODULE_BYTES:
                    raise OSError
                self._trees[rel] = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
            except (OSError, SyntaxError, ValueError):
                self._trees[rel] = None
        return self._trees[rel]

    def defines(self, rel: str, name: str) -> bool:
        return _find(self.tree(rel), name) is not None

    def unfinished(self, spec: str) -> bool:
        """``"hw2/optimizers.py:RMSProp.step"``: that function still raises the skeleton's NotImplementedError."""
        rel, _, name = spec.partition(":")
        node = _find(self.tree(rel), name)
        if node is None:
            return False
        return any(_raises_not_implemented(n) for n in ast.walk(node) if isinstance(n, ast.Raise))

    def support_packages(self) -> set[str]:
        """Top-level names the package imports (``cs236781``, ``cs3600``, ``cs236605``) and folders beside it."""
        names = {p.name for p in self.sub.root.iterdir() if p.is_dir()} if self.sub.root.is_dir() else set()
        if self.package_dir and self.package_dir.is_dir():
            for file in sorted(self.package_dir.glob("*.py")):
                tree = self.tree(str(file.relative_to(self.sub.root)))
                for node in ast.walk(tree) if tree else ():
                    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                        names.add(node.module.split(".")[0])
                    elif isinstance(node, ast.Import):
                        names.update(a.name.split(".")[0] for a in node.names)
        return names

    def notebook_text(self) -> str:
        """The markdown of every handed-in notebook, lower-cased, markup and spacing collapsed."""
        if self._notebook_text is None:
            chunks = []
            for nb in _notebooks(self.sub.source if self.sub.source.is_dir() else self.sub.root):
                chunks.extend(_markdown_cells(nb))
            self._notebook_text = _plain(" ".join(chunks))
        return self._notebook_text

    def module_defines(self) -> set[str]:
        """The classes and functions the handed-in notebook or script defines itself (imported names
        do not count: the Edinburgh lab imports the framework's MultipleLayerModel in every year)."""
        if self.sub.module_file is None:
            return set()
        from .notebook import NotebookError, cells_of

        names: set[str] = set()
        try:
            cells = cells_of(self.sub.module_file)
        except (NotebookError, OSError, UnicodeDecodeError):
            return names
        for cell in cells:
            try:
                tree = ast.parse(
                    "\n".join(line for line in cell.splitlines() if not line.lstrip().startswith(("%", "!")))
                )
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            names |= {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))}
        return names

    def says(self, phrase: str) -> bool:
        return _plain(phrase) in self.notebook_text()


def _plain(text: str) -> str:
    """Lower case without markup or spacing: a notebook's "In this part we'llonly answer questions"
    (sic, a real offering's text) still says "we'll only answer questions"."""
    return re.sub(r"[\s*_#`>]+", "", text.lower())


def _regular(path: Path) -> bool:
    """A regular file, not a link: a FIFO, a device or a link to one is never read (it could block or
    never end), whatever its name."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _find(tree: ast.Module | None, dotted: str) -> ast.AST | None:
    node: ast.AST | None = tree
    for part in dotted.split("."):
        if node is None:
            return None
        node = next(
            (
                n
                for n in getattr(node, "body", [])
                if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == part
            ),
            None,
        )
    return node


def _raises_not_implemented(node: ast.Raise) -> bool:
    exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def _notebooks(top: Path) -> list[Path]:
    return [
        p for p in files_below(top, (".ipynb",), NOTEBOOK_DEPTH) if _regular(p) and p.stat().st_size <= MAX_MODULE_BYTES
    ]


def _markdown_cells(path: Path) -> list[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8", errors="replace"))
        cells = data.get("cells", []) if isinstance(data, dict) else []
    except (OSError, ValueError, RecursionError):
        return []
    out = []
    for cell in cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "markdown":
            src = cell.get("source", "")
            out.append("".join(s for s in src if isinstance(s, str)) if isinstance(src, list) else str(src))
    return out


# -- recognition ------------------------------------------------------------------------------


def _layout(evidence: Evidence, rules: dict) -> tuple[bool, list[str]]:
    """Whether the submission's layout fits the offering's structural rules, and what fit."""
    reasons = []
    files = rules.get("files", [])
    if not all(evidence.has_file(rel) for rel in files):
        return False, []
    if files:
        reasons.append(f"{', '.join(files)} present")
    for rel in rules.get("files_absent", []):
        if evidence.has_file(rel):
            return False, []
        reasons.append(f"no {rel}")
    for rel, names in rules.get("defines", {}).items():
        for name in names:
            if not evidence.defines(rel, name):
                return False, []
        reasons.append(f"{rel} defines {', '.join(names)}")
    for rel, names in rules.get("lacks", {}).items():
        for name in names:
            if evidence.defines(rel, name):
                return False, []
        reasons.append(f"{rel} has no {', '.join(names)}")
    wanted = rules.get("support_package_any", [])
    if wanted:
        seen = evidence.support_packages() & set(wanted)
        if not seen:
            return False, []
        reasons.append(f"support package {', '.join(sorted(seen))}")
    return True, reasons


def _said(evidence: Evidence, rules: dict) -> list[str]:
    for phrase in rules.get("notebook_says", []):
        if evidence.says(phrase):
            return [f'the notebook says "{phrase}"']
    defined = evidence.module_defines() & set(rules.get("module_defines_any", []))
    if defined and evidence.sub.module_file is not None:
        return [f"{evidence.sub.module_file.name} defines {', '.join(sorted(defined))}"]
    return []


def _left_unfinished(evidence: Evidence, rules: dict) -> list[str]:
    """Skeleton functions this offering did not assign, all left unimplemented. Not used for an
    offering whose notebooks would have said so when notebooks were handed in and did not."""
    unfinished = rules.get("unfinished_all", [])
    if not unfinished or (rules.get("notebook_says") and evidence.notebook_text()):
        return []
    if all(evidence.unfinished(s) for s in unfinished):
        return [rules.get("unfinished_reason", "the skeleton's " + ", ".join(unfinished) + " left as handed out")]
    return []


def recognise(sub: Submission, offerings: list[Offering]) -> Recognition:
    """The offering ``sub`` belongs to. An unsupported offering's layout is checked first (its
    names are its own: ``blocks.py``, ``cs3600``); among supported offerings whose layout fits,
    a notebook's text, then skeleton functions left unfinished where that offering did not
    assign them, then the offering marked ``default`` decide."""
    evidence = Evidence(sub)
    for o in offerings:
        if not o.supported:
            fits, reasons = _layout(evidence, o.recognise)
            if fits and reasons:
                return Recognition(o, "recognised", tuple(reasons))
    fitting = []
    for o in offerings:
        if o.supported:
            fits, reasons = _layout(evidence, o.recognise)
            if fits:
                fitting.append((o, reasons))
    for tie_break in (_said, _left_unfinished):
        for o, reasons in fitting:
            extra = tie_break(evidence, o.recognise) if len(fitting) > 1 else []
            if extra:
                return Recognition(o, "recognised", tuple(reasons + extra))
    if fitting:
        o, reasons = next(((o, r) for o, r in fitting if o.default), fitting[0])
        others = [f for f, _ in fitting if f is not o]
        if others:
            reasons = reasons + [f"nothing handed in tells it from {', '.join(f.name for f in others)}"]
        return Recognition(o, "recognised", tuple(reasons))
    return Recognition(
        default_offering(offerings),
        "default",
        ("no offering's layout matched exactly; graded as the default offering",),
    )


def default_offering(offerings: list[Offering]) -> Offering:
    """The offering marked ``default`` (else the first supported one): graded when nothing is recognised."""
    return next((o for o in offerings if o.default), next(o for o in offerings if o.supported))


def choose(sub: Submission, offerings: list[Offering], wanted: str | None) -> Recognition | None:
    """``--offering`` when given, else the recognised offering; None for a single-offering assignment.
    Raises ``OfferingError`` for an unknown or unsupported offering."""
    if not offerings:
        if wanted:
            raise OfferingError(f"--offering={wanted}: this assignment has a single offering")
        return None
    if wanted:
        o = named(offerings, wanted)
        rec = Recognition(o, "--offering", ("given on the command line",))
    else:
        rec = recognise(sub, offerings)
    if not rec.offering.supported:
        raise OfferingError(unsupported_sentence(rec, offerings))
    return rec
