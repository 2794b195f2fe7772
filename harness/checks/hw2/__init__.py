"""Checks of CS236781 HW2, one module per notebook part."""

from . import part1  # noqa: F401  (registers the Part 1 checks)
