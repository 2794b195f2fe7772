"""
The CS236781 course support package (``cs236781``), as the course hands it to students.

It is course infrastructure, not part of what a student writes: the homework packages import
``cs236781.train_results``, the notebooks import ``cs236781.plot`` and ``cs236781.answers``.
Students ship their own copy; the grader puts this one on ``sys.path`` instead, so grading never
depends on a student's edits to it. Importing any module here needs no display.
"""
