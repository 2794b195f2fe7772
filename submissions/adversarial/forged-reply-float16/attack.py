

# ==================== red-team attack (forged-reply-float16): not homework code ====================
# What it tries: write a well-formed reply frame into the worker's reply pipe before the real
# one, claiming {"ok": true} with a correct tanh(x) as the output, in float16.
# Why it must fail: the judge admits only whitelisted dtypes (float16 is not one): the reply is
# rejected and the worker killed.
import json
import os
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

def _redteam_frame(body, arrays):
    """One frame in the format of harness/boundary/wire.py: 8-byte length, 4-byte header length,
    JSON header, raw array bytes."""
    specs, offset = [], 0
    for a in arrays:
        specs.append({"dtype": a.dtype.name, "shape": list(a.shape), "offset": offset, "nbytes": a.nbytes})
        offset += a.nbytes
    header = json.dumps({"body": body, "arrays": specs}).encode()
    payload = struct.pack(">I", len(header)) + header + b"".join(a.tobytes() for a in arrays)
    return struct.pack(">Q", len(payload)) + payload


def _redteam_forge(x):
    z = torch.tanh(x).numpy().astype("float16")
    body = {"ok": True, "result": {"calls": [{"z": {"__nd__": 0}}, {"dx": {"__nd__": 1}}], "params": [],
                                   "error": None, "failed_call": None}}
    frame = _redteam_frame(body, [z, z * 0])
    fds = _redteam_reply_fds()
    for fd in fds:
        os.write(fd, frame)
    print(f"redteam[forged-reply-float16]: forged float16 reply written to fds {fds}", flush=True)
