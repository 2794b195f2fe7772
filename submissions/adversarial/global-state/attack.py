

# ==================== red-team attack (global-state): not homework code ====================
# What it tries: sabotage the checks that run after it in the same worker by changing torch's
# process-wide state: default dtype float64, autograd off, torch.manual_seed(0) at odd moments,
# and torch.randn monkeypatched to re-seed (so "random" inputs repeat); at import time and again
# in TanH.forward.
# Why it must fail: the worker resets the default dtype, grad mode and every seed before each
# call; the judge makes every input itself, and the student's own randn only draws its own
# initial weights, which the judge reads back: only the honest bug costs points.
import random

import numpy

_real_randn = torch.randn


def _reseeding_randn(*args, **kwargs):
    torch.manual_seed(0)
    return _real_randn(*args, **kwargs)


def _redteam_sabotage():
    torch.set_default_dtype(torch.float64)
    torch.set_grad_enabled(False)
    torch.manual_seed(0)
    numpy.random.seed(0)
    random.seed(0)
    torch.randn = _reseeding_randn
    print("redteam[global-state]: float64 default, autograd off, seeds fixed, torch.randn patched", flush=True)


_redteam_sabotage()  # at import time too
