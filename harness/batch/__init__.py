"""Batch grading of a whole class (``pytest --submissions=DIR``).

The data's path through the package:

    discover.py    the class folder -> entries (folders, zips, Gradescope's export), shards
    plan.py        which shard grades whom (balanced; a late student moves no one else)
    intake.py      an entry -> its content hash, and a folder to grade (zips unpacked safely)
    selection.py   -k -> the checks graded; the grading digest that keys stored results
    grade.py       one entry -> a GradeRecord (graded with harness/grading.py, or why not)
    store.py       the SQLite results store (resumable: valid results are reused)
    session.py     the pytest plugin: one item per submission, progress, end-of-run outputs
    progress.py    the live done / failed / remaining line with an ETA
    outputs.py     store -> class report (classreport.py + templates/) and gradebook (gradebook.py)
    merge.py       several shards' output folders -> one class report and gradebook
    slurm.py       one command: the plan, a SLURM array of shards and the merge after it; reruns
    bundle.py      the Gradescope autograder bundle (gradescope/setup.sh, run_autograder)
"""
