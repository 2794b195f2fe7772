

# ==================== red-team attack (os-exit): not homework code ====================
# What it tries: os._exit(0) on the second Linear.backward of one layer (only
# part1.linear_second_backward does that), ending the worker with exit status 0.
# Why it must fail: the judge sees the reply pipe close before a reply: "the worker process died
# during the call (exit code 0)", that check gets 0 and the next check starts a fresh worker.
import os


def _redteam_exit(layer):
    layer._redteam_backwards = getattr(layer, "_redteam_backwards", 0) + 1
    if layer._redteam_backwards >= 2:  # a second backward of one layer: the accumulation check
        print("redteam[os-exit]: os._exit(0)", flush=True)
        os._exit(0)
