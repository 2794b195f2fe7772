

# ==================== red-team attack (setsid-daemon): not homework code ====================
# What it tries: a classic daemon from TanH.forward: fork, setsid, fork again, exit the middle
# process, and exec `/bin/sh -c "sleep 300; exit 0 # redteam-marker-setsid-daemon"`: an orphan in
# its own session and process group, which a kill of the worker's process group does not reach.
# Why it must fail: it is still inside the worker's PID namespace (and cgroup): when the worker
# is killed the kernel kills every process in the namespace.
import os


def _redteam_daemon():
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                os.execv("/bin/sh", ["/bin/sh", "-c", "sleep 300; exit 0 # redteam-marker-setsid-daemon"])
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    print("redteam[setsid-daemon]: daemon started", flush=True)
