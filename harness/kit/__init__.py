"""The student kit: the grader without the answer key, for checks in a student's own repository.

``python -m harness.kit build --assignment hw2 --out DIR`` (``build.py``) makes it: the harness,
the rubric's visible checks and the expected values those checks need, recorded from the answer
key ahead of time. In a kit, ``harness/kit/KIT.toml`` exists and every expected value comes from
``harness/kit/expected-<assignment>.bin``.
"""
