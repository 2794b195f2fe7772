"""Checks of CS236781 HW2 Part 2: optimizers and trainers."""

from __future__ import annotations
