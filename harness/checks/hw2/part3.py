"""Checks of CS236781 HW2 Part 3: MLP binary classification."""

from __future__ import annotations
