

# ==================== red-team attack (busy-loop): not homework code ====================
# What it tries: `while True: pass` in TanH.forward, to hang the grading run.
# Why it must fail: the judge waits for each reply with a wall-time deadline (--check-timeout),
# then kills the worker; that check gets 0 and the next check gets a fresh worker.
def _redteam_spin():
    while True:
        pass
