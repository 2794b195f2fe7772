

# ==================== red-team attack (sleep-forever): not homework code ====================
# What it tries: time.sleep(10**6) on the second Linear.backward of one layer
# (part1.linear_second_backward), to stall the run without using any CPU.
# Why it must fail: the judge's deadline is wall time, not CPU time: the worker is killed
# after --check-timeout seconds.
import time


def _redteam_sleep(layer):
    layer._redteam_backwards = getattr(layer, "_redteam_backwards", 0) + 1
    if layer._redteam_backwards >= 2:
        time.sleep(10**6)
