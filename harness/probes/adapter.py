"""An older offering's names, seen through the names the probes call (worker side).

The checks are written once, against the latest API (``hw2.layers.Layer``, ``hw2.cnn.CNN``,
``answers.part4_optim_hp``). An offering that named the same thing differently (2020's
``hw2/blocks.py`` and ``Block``, spring 2021's ``ConvClassifier``, winter 2021-22's
``part2_optim_hp``) declares a small table in its offering file (``[adapter]``); the judge sends it
with the worker's configuration and ``import_student`` looks modules up through it:

- ``modules."hw2.layers" = { module = "hw2.blocks", names = { Layer = "Block" } }``: the probes'
  ``hw2.layers`` is the student's ``hw2.blocks``, and its ``Layer`` their ``Block``; every other
  name is the module's own;
- a name may live in another module of the package: ``names = { MLP = "hw2.models:MLP" }`` (2019
  kept its MLP beside the CNN);
- ``arguments."hw2.cnn.CNN" = { rename = { channels = "filters" }, drop = ["conv_params"] }``: the
  class is called with the offering's argument names, without the arguments it did not have (2019's
  ConvClassifier fixed its 3x3 convolutions; the check then uses a configuration it fixed the same way);
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

_TABLE: dict[str, dict] = {}  # probes' module -> {"module": the student's, "names": {...}}
_ARGUMENTS: dict[str, dict[str, dict]] = {}  # probes' module -> class name -> {"rename": ..., "drop": ...}


def configure(adapter: dict | None) -> None:
    """Install the offering's table (the worker's configuration: what the judge validated and sent,
    harness/offerings.py)."""
    _TABLE.clear()
    _ARGUMENTS.clear()
    adapter = adapter or {}
    _TABLE.update(adapter.get("modules", {}))
    for dotted, entry in adapter.get("arguments", {}).items():
        module, _, name = dotted.rpartition(".")
        _ARGUMENTS.setdefault(module, {})[name] = {"rename": entry["rename"], "drop": set(entry["drop"])}
    alias = adapter.get("support_package")
    if alias and alias != COURSE_PACKAGE:
        sys.meta_path.insert(0, _SupportAlias(alias))


def split_name(value: str) -> tuple[str | None, str]:
    """``"Block"`` -> (None, "Block"); ``"hw2.models:MLP"`` -> ("hw2.models", "MLP"): a name the
    offering kept in another module of the package (judge and worker read the table alike)."""
    module, sep, name = value.rpartition(":")
    return (module if sep else None), name


def source_of(module: str) -> str:
    """The student's module that stands for ``module`` (itself unless the offering renamed it)."""
    entry = _TABLE.get(module)
    return entry["module"] if entry else module


def view(module: str, real: types.ModuleType) -> Any:
    """``real`` as the probes expect ``module`` to look: the offering's names mapped, or ``real``."""
    entry, called = _TABLE.get(module), _ARGUMENTS.get(module, {})
    if not entry and not called:
        return real
    return _Renamed(module, real, entry["names"] if entry else {}, called)


class _Renamed(types.ModuleType):
    """A window on a student's module: a renamed name reads (and sets) the student's own one."""

    def __init__(self, name: str, real: types.ModuleType, names: dict[str, str], called: dict[str, dict]):
        super().__init__(name, getattr(real, "__doc__", None))
        self.__dict__["_real"] = real
        self.__dict__["_names"] = names
        self.__dict__["_called"] = called
        self.__dict__["__file__"] = getattr(real, "__file__", None)

    def __getattr__(self, name: str) -> Any:
        real, names = self.__dict__["_real"], self.__dict__["_names"]
        other, own = split_name(names.get(name, name))
        value = getattr(importlib.import_module(other) if other else real, own)
        arguments = self.__dict__["_called"].get(name)
        return _CalledWith(value, arguments) if arguments and callable(value) else value

    def __setattr__(self, name: str, value: Any) -> None:
        # a probe that stands data in for a download (boundary/shipped.py) patches the module itself
        setattr(self.__dict__["_real"], self.__dict__["_names"].get(name, name), value)


class _CalledWith:
    """A student's class called with that offering's argument names (``arguments`` above)."""

    def __init__(self, cls: Any, arguments: dict):
        self._cls, self._rename, self._drop = cls, arguments["rename"], arguments["drop"]
        self.__name__ = getattr(cls, "__name__", "class")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        kept = {self._rename.get(k, k): v for k, v in kwargs.items() if k not in self._drop}
        return self._cls(*args, **kept)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cls, name)


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
