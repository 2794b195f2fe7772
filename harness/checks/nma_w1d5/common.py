"""Small helpers shared by the W1D5 checks."""

from __future__ import annotations
