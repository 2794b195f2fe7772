"""An older offering's names, seen through the names the probes call (worker side).

The checks are written once, against the latest API (``hw2.layers.Layer``, ``hw2.cnn.CNN``,
``answers.part4_optim_hp``). An offering that named the same thing differently (2020's
``hw2/blocks.py`` and ``Block``, spring 2021's ``ConvClassifier``, winter 2021-22's
``part2_optim_hp``) declares a small table in its offering file (``[adapter]``); the judge sends it
with the worker's configuration and ``import_student`` looks modules up through it:

- ``modules."hw2.layers" = { module = "hw2.blocks", names = { Layer = "Block" } }``: the probes'
  ``hw2.layers`` is the student's ``hw2.blocks``, and its ``Layer`` their ``Block``; every other
  name is the module's own;
- ``support_package = "cs3600"``: the student's code imports the course's support package under
  that name; it is the grader's own ``cs236781`` (the same classes, never the student's copy).

Only names are mapped here. Where an offering's code means something else (a trainer without a
classifier around the model), the probe says so itself.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
from typing import Any

COURSE_PACKAGE = "cs236781"  # the support package the grader ships (harness/courseware)

_TABLE: dict[str, dict] = {}


def configure(adapter: dict | None) -> None:
    """Install the offering's table (from the worker's configuration: plain JSON from the judge)."""
    _TABLE.clear()
    adapter = adapter or {}
    for target, entry in (adapter.get("modules") or {}).items():
        _TABLE[str(target)] = {
            "module": str(entry.get("module", target)),
            "names": {str(k): str(v) for k, v in (entry.get("names") or {}).items()},
        }
    alias = adapter.get("support_package")
    if alias and alias != COURSE_PACKAGE:
        sys.meta_path.insert(0, _SupportAlias(str(alias)))


def source_of(module: str) -> str:
    """The student's module that stands for ``module`` (itself unless the offering renamed it)."""
    entry = _TABLE.get(module)
    return entry["module"] if entry else module


def view(module: str, real: types.ModuleType) -> Any:
    """``real`` as the probes expect ``module`` to look: the offering's names mapped, or ``real``."""
    entry = _TABLE.get(module)
    if not entry or not entry["names"]:
        return real
    return _Renamed(module, real, entry["names"])


class _Renamed(types.ModuleType):
    """A window on a student's module: a renamed name reads (and sets) the student's own one."""

    def __init__(self, name: str, real: types.ModuleType, names: dict[str, str]):
        super().__init__(name, getattr(real, "__doc__", None))
        self.__dict__["_real"] = real
        self.__dict__["_names"] = names
        self.__dict__["__file__"] = getattr(real, "__file__", None)

    def __getattr__(self, name: str) -> Any:
        real, names = self.__dict__["_real"], self.__dict__["_names"]
        return getattr(real, names.get(name, name))

    def __setattr__(self, name: str, value: Any) -> None:
        # a probe that stands data in for a download (boundary/shipped.py) patches the module itself
        setattr(self.__dict__["_real"], self.__dict__["_names"].get(name, name), value)


class _SupportAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import cs3600.train_results`` gives the grader's ``cs236781.train_results`` itself."""

    def __init__(self, alias: str):
        self.alias = alias

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != self.alias and not fullname.startswith(self.alias + "."):
            return None
        real = COURSE_PACKAGE + fullname[len(self.alias) :]
        if importlib.util.find_spec(real) is None:
            return None
        is_package = fullname == self.alias
        return importlib.util.spec_from_loader(fullname, self, is_package=is_package)

    def create_module(self, spec: Any) -> types.ModuleType:
        return importlib.import_module(COURSE_PACKAGE + spec.name[len(self.alias) :])

    def exec_module(self, module: types.ModuleType) -> None:
        pass  # already imported under the course's own name
