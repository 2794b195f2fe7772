

# ==================== red-team attack (print-1gb): not homework code ====================
# What it tries: write 1 GiB to stdout (1 MiB at a time) from TanH.forward, to fill the
# grader's memory or disk with its log, or blow up the HTML report.
# Why it must fail: the judge keeps only the first and last 64 KiB of the worker's output and
# notes how many bytes it skipped.
import sys


def _redteam_flood():
    line = "x" * (2**20 - 1) + "\n"
    for _ in range(1024):  # 1 GiB in all
        sys.stdout.write(line)
    sys.stdout.flush()
