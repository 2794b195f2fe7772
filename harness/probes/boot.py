"""Entry script of the worker process: ``python -I -S boot.py CONFIG_JSON``.

``-I`` ignores PYTHON* variables, the user site and the current directory; ``-S`` skips
``site``, so no ``.pth`` file runs and the harness (installed in editable mode) is not
importable here. This script then builds ``sys.path`` by hand: the interpreter's own library,
the site-packages directories the judge names (torch, numpy, ...), the course support package,
and the submission LAST, so a student's ``torch.py`` or ``numpy.py`` cannot shadow the real ones.
Limits are applied to this process before any student code is imported.
"""

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


def _load_probes_package() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location(
        "probes", os.path.join(here, "__init__.py"), submodule_search_locations=[here]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["probes"] = module
    spec.loader.exec_module(module)


def main() -> None:
    cfg = json.loads(sys.argv[1])
    _apply_limits(cfg.get("rlimits", {}))
    sys.path[:] = [p for p in sys.path if p] + cfg["site_dirs"] + cfg["extra_dirs"] + [cfg["submission"]]
    os.chdir(cfg["submission"])
    _load_probes_package()
    from probes import server

    server.serve(cfg)


if __name__ == "__main__":
    main()
