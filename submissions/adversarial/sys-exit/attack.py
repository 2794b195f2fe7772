

# ==================== red-team attack (sys-exit): not homework code ====================
# What it tries: sys.exit(0) in CrossEntropyLoss.forward when the scores are large (only the
# large-scores check sends those), hoping an exit status of 0 reads as "all tests passed".
# Why it must fail: the worker's request loop catches BaseException (SystemExit too) and
# reports it as an error of the student's code; the judge scores that check 0.
import sys


def _redteam_exit(x):
    if x.abs().max() > 100:  # class scores of magnitude ~1000: part1.cross_entropy_large_scores only
        print("redteam[sys-exit]: sys.exit(0)", flush=True)
        sys.exit(0)
