

# ==================== red-team attack (inspect-gc-hunt): not homework code ====================
# What it tries: search the worker's call stack (inspect.stack() locals) and every object the
# garbage collector knows (and the lists/dicts among them) for a tensor or array shaped like
# the output, preferring one whose values lie in (-1, 1) like tanh's, and return it.
# Why it must fail: expected values are computed only in the judge; the worker holds the
# inputs the judge sent (x, dout), never the answers.
import gc
import inspect

import numpy


def _redteam_hunt(x):
    found = {}

    def consider(value, depth=3):
        if isinstance(value, (torch.Tensor, numpy.ndarray)):
            if tuple(value.shape) == tuple(x.shape) and value is not x and id(value) not in found:
                found[id(value)] = torch.as_tensor(numpy.array(value, dtype=numpy.float32))
        elif depth and isinstance(value, dict):
            for item in list(value.values()):
                consider(item, depth - 1)
        elif depth and isinstance(value, (list, tuple)):
            for item in list(value):
                consider(item, depth - 1)

    for info in inspect.stack():
        for value in list(info.frame.f_locals.values()):
            consider(value)
    for obj in gc.get_objects():
        consider(obj, depth=1)
    tanh_like = [t for t in found.values() if not torch.equal(t, x.float()) and t.abs().max() < 1]
    print(f"redteam[inspect-gc-hunt]: {len(found)} candidates shaped like the output, "
          f"{len(tanh_like)} tanh-like", flush=True)
    pick = tanh_like or [t for t in found.values() if not torch.equal(t, x.float())]
    return pick[0].to(x.dtype) if pick else x
