"""The same floating-point results on every x86-64 machine: the math libraries' instruction-set caps.

A training run near a notebook's threshold can go one way or the other with the last bits of its
matrix products, and those bits depend on which kernels the math libraries pick for the CPU: MKL and
oneDNN take AVX-512 paths on an Intel Xeon and other paths on an AMD EPYC (the same submission lost 2
points on one and not the other). The worker therefore starts with every library capped at one
instruction set that all current x86-64 CPUs run, AVX2:

- ``ATEN_CPU_CAPABILITY=avx2``: PyTorch's own vectorised kernels;
- ``MKL_CBWR=AVX2``: MKL's conditional numerical reproducibility (the same results on any CPU
  that supports the branch, with a fixed thread count: the worker runs 1 thread by default);
- ``DNNL_MAX_CPU_ISA=AVX2``: oneDNN (convolutions).

``DL_AUTOGRADER_MATH=native`` lifts the caps (to compare speed, or on a CPU without AVX2, where they
are not applied either). Every report names the mode that ran and the CPU.
"""

from __future__ import annotations

import os
import platform
from functools import lru_cache

CAPS = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2", "DNNL_MAX_CPU_ISA": "AVX2"}
NATIVE = "DL_AUTOGRADER_MATH"
VECTOR_FLAGS = ("avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "amx_tile")


@lru_cache(maxsize=1)
def cpu() -> tuple[str, tuple[str, ...]]:
    """(the CPU's model name, its vector extensions among VECTOR_FLAGS), from /proc/cpuinfo."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and value.strip():
                    model = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
                if model and flags:
                    break
    except OSError:
        pass
    return model, tuple(f for f in VECTOR_FLAGS if f in flags)


def settings() -> dict[str, str]:
    """The environment the worker starts with for reproducible math (empty: native kernels)."""
    if os.environ.get(NATIVE) == "native":
        return {}
    if platform.machine() not in ("x86_64", "AMD64") or "avx2" not in cpu()[1]:
        return {}
    return dict(CAPS)


def describe() -> str:
    """The report's line: the mode, and the CPU it ran on."""
    model, flags = cpu()
    where = f"{model} ({', '.join(flags) or 'no vector extensions found'})"
    if settings():
        return f"reproducible across x86-64 CPUs: kernels capped at AVX2 (ATen, MKL CNR, oneDNN) on {where}"
    why = f"{NATIVE}=native" if os.environ.get(NATIVE) == "native" else "this CPU has no AVX2"
    return f"native kernels ({why}): results may differ in the last bits on other CPUs; on {where}"
