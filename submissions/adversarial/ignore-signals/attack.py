

# ==================== red-team attack (ignore-signals): not homework code ====================
# What it tries: ignore (and block) SIGTERM, SIGINT, SIGHUP, SIGALRM, SIGUSR1, SIGXCPU, cancel
# any alarm, then spin in CrossEntropyLoss.forward for large scores, so that a polite kill or
# an in-process timer cannot stop it.
# Why it must fail: the judge's deadline is kept outside the worker and ends with SIGKILL of the
# whole worker, which cannot be ignored.
import signal


def _redteam_unkillable(x):
    if x.abs().max() <= 100:  # only part1.cross_entropy_large_scores
        return
    caught = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM, signal.SIGUSR1, signal.SIGXCPU]
    for sig in caught:
        signal.signal(sig, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, caught)
    signal.alarm(0)
    while True:
        pass
