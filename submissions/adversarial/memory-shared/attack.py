

# ==================== red-team attack (memory-shared): not homework code ====================
# What it tries: get around RLIMIT_DATA (which counts private memory only) with a shared
# anonymous mapping of 6 GiB, touching every page from TanH.forward, to push the machine (24 GiB)
# into the OOM killer.
# Why it must fail: the worker's memory cgroup (4 GiB) counts shared memory too: the kernel kills
# the worker, the judge reports "memory limit 4 GiB exceeded", and only this check is lost.
import mmap


def _redteam_shared_memory():
    size = 6 * 2**30  # 6 GiB, never more
    block = mmap.mmap(-1, size)  # MAP_SHARED | MAP_ANONYMOUS: not counted by RLIMIT_DATA
    print("redteam[memory-shared]: 6 GiB shared mapping made; touching it", flush=True)
    for offset in range(0, size, mmap.PAGESIZE):
        block[offset] = 1
        if offset % 2**30 == 0:
            print(f"redteam[memory-shared]: {offset >> 30} GiB touched", flush=True)
    print("redteam[memory-shared]: 6 GiB touched", flush=True)
