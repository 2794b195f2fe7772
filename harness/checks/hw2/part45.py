"""Checks of CS236781 HW2 Parts 4 and 5: CNNs, ResNets and the experiment runner."""

from __future__ import annotations
