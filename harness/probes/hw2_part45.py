"""Probes for CS236781 HW2 Parts 4-5: run the student's code on inputs the judge sends."""

from __future__ import annotations
