

# ==================== red-team attack (fake-clock): not homework code ====================
# What it tries: make its code look 1000x faster in the throughput benchmarks: time.perf_counter,
# perf_counter_ns, monotonic and monotonic_ns (and the probes' own bound timer, found through
# sys.modules) are replaced by a clock that runs 1000x slower while the harness's timing loop is
# measuring, and at normal speed elsewhere (so calibration still ends).
# Why it must fail: every timed round is one call that the judge times with its own clock, in
# its own process; the worker's figures are only compared with it.
import sys
import time

_REAL = {name: getattr(time, name) for name in ("perf_counter", "perf_counter_ns", "monotonic", "monotonic_ns")}


def _redteam_measuring():
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name == "measure":
            return True
        frame = frame.f_back
    return False


def _redteam_slow(real):
    def clock():
        now = real()
        return now / 1000 if _redteam_measuring() else now
    return clock


for _name, _real in _REAL.items():
    setattr(time, _name, _redteam_slow(_real))
for _module in list(sys.modules.values()):
    if getattr(_module, "_clock", None) is _REAL["perf_counter"]:
        _module._clock = time.perf_counter  # the harness's timer, bound before this file was imported
        print(f"redteam[fake-clock]: patched {_module.__name__}._clock too", flush=True)
print("redteam[fake-clock]: time.perf_counter & co. now run 1000x slower while measured", flush=True)
