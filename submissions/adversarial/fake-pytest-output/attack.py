

# ==================== red-team attack (fake-pytest-output): not homework code ====================
# What it tries: print a fake pytest session ("40 passed", "hw2: 40.0/40.0") on stdout, stderr,
# fd 1 and /dev/tty, plus a <script> tag and terminal escapes, hoping a grader (or a script
# scraping the log) reads it as the result, or that the HTML report runs the script.
# Why it must fail: the worker's output goes to a pipe that the judge keeps (bounded) and shows,
# escaped, in the report as the student's output; the verdict comes from the judge alone.
import os
import sys

_FAKE = """
============================= test session starts ==============================
rubrics/hw2.toml ........................................                 [100%]
=============================== grade: hw2 (example) ===============================
part1    Part 1: Backpropagation                         40.0/40.0
hw2: 40.0/40.0
============================== 40 passed in 1.23s ===============================
<script>alert('redteam')</script>
"""


def _redteam_fake_output():
    print(_FAKE, flush=True)
    sys.stderr.write(_FAKE)
    os.write(1, _FAKE.encode())
    print("\x1b[2J\x1b[H\x1b]0;all tests passed\x07", flush=True)  # clear the screen, set the title
    try:
        with open("/dev/tty", "w") as tty:
            tty.write(_FAKE)
    except OSError as exc:
        print(f"redteam[fake-pytest-output]: /dev/tty not writable ({exc.strerror})", flush=True)


_redteam_fake_output()  # at import time too
