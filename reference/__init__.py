"""
The answer key for the graded assignments.

``reference.hw2`` is a complete, correct solution of Technion CS236781 Homework 2 (the v2022S
API, which includes ``cnn.YourCNN`` and model_type ``'ycn'``). Only the judge process imports
it, to compute expected values; student code never sees it.
"""
