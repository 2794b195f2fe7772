"""Probes for CS236781 HW2 Part 2: run the student's code on inputs the judge sends."""

from __future__ import annotations
