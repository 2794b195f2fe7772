"""Checks of CS236781 HW2, one module per notebook part."""

from . import answers, bench, part1, part2, part3, part45  # noqa: F401  (importing registers the checks)
