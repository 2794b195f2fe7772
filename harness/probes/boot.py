"""Entry script of the worker process: ``python -I -S boot.py CONFIG_JSON``.

``-I`` ignores PYTHON* variables, the user site and the current directory; ``-S`` skips
``site``, so no ``.pth`` file runs and the harness (installed in editable mode) is not
importable here. This script then builds ``sys.path`` by hand: the interpreter's own library,
the site-packages directories the judge names (torch, numpy, ...), the course support package,
and the submission LAST, so a student's ``torch.py`` or ``numpy.py`` cannot shadow the real ones.
Limits are applied to this process before any student code is imported.
"""

import importlib.machinery
import importlib.util
import json
import os
import resource
import sys


def _apply_limits(limits: dict) -> None:
    for name, value in limits.items():
        res = getattr(resource, name, None)
        if res is None or value is None:
            continue
        try:
            resource.setrlimit(res, (value, value))
        except (ValueError, OSError):
            pass  # a limit the platform refuses is reported by the judge as not applied


# The package the worker loads ``probes/`` and ``boundary/`` under: their folder, without running the
# harness's own __init__ (only those two folders are in the sandbox). A name no submission uses, so
# a student's own ``probes`` or ``harness`` module is never shadowed.
PARENT = "_dl_autograder"


def _load_parent_package() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.machinery.ModuleSpec(PARENT, None, is_package=True)
    spec.submodule_search_locations = [os.path.dirname(here)]
    sys.modules[PARENT] = importlib.util.module_from_spec(spec)


def main() -> None:
    cfg = json.loads(sys.argv[1])
    _apply_limits(cfg.get("rlimits", {}))
    sys.path[:] = [p for p in sys.path if p] + cfg["site_dirs"] + cfg["extra_dirs"] + [cfg["submission"]]
    os.chdir(cfg["submission"])
    _load_parent_package()
    importlib.import_module(f"{PARENT}.probes.server").serve(cfg)


if __name__ == "__main__":
    main()
