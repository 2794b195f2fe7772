

# ==================== red-team attack (sigkill-self): not homework code ====================
# What it tries: os.kill(os.getpid(), SIGKILL) in TanH.forward: the worker vanishes without
# any chance to clean up, hoping the grader hangs or counts the missing check as passed.
# Why it must fail: the judge sees the pipe close: "the worker process died during the call
# (killed by SIGKILL ...)", scores that check 0 and starts a fresh worker for the next one.
import os
import signal


def _redteam_sigkill():
    print("redteam[sigkill-self]: SIGKILL to myself", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
