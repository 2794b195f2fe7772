

# ==================== red-team attack (thread-bomb): not homework code ====================
# What it tries: start up to 3000 non-daemon threads that sleep 120 s each, from TanH.forward,
# to exhaust the machine's threads and keep the worker from exiting when it is asked to.
# Why it must fail: threads count against the worker's pids cgroup, so thread creation soon
# fails; a worker that does not exit when asked is killed.
import threading
import time


def _redteam_thread_bomb():
    started = 0
    for _ in range(3000):  # bounded: 3000 threads at most, each sleeping 120 s
        thread = threading.Thread(target=time.sleep, args=(120,), name="redteam-marker-thread-bomb")
        try:
            thread.start()
        except RuntimeError as exc:
            print(f"redteam[thread-bomb]: thread refused after {started} threads ({exc})", flush=True)
            return
        started += 1
    print(f"redteam[thread-bomb]: {started} threads started", flush=True)
