

# ==================== red-team attack (tensor-subclass): not homework code ====================
# What it tries: TanH.forward returns a torch.Tensor subclass whose comparisons all succeed
# (==, eq, isclose, allclose, equal) and whose .numpy() gives an ndarray subclass that equals
# everything, hoping the grader compares with those operators.
# Why it must fail: the worker sends raw bytes of whitelisted dtypes (wire.py); the judge
# rebuilds plain float arrays, so neither subclass crosses the boundary.
import numpy


class _EqualsAnything(numpy.ndarray):
    def __eq__(self, other):
        return numpy.ones(self.shape, dtype=bool)

    def __ne__(self, other):
        return numpy.zeros(self.shape, dtype=bool)

    __hash__ = None


class _AlwaysEqual(torch.Tensor):
    _TRUE = {torch.allclose, torch.equal, torch.Tensor.allclose, torch.Tensor.equal}
    _ALL = {torch.isclose, torch.eq, torch.Tensor.__eq__, torch.Tensor.eq, torch.Tensor.isclose}
    _NONE = {torch.ne, torch.Tensor.__ne__, torch.Tensor.ne}

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func in cls._TRUE:
            return True
        if func in cls._ALL or func in cls._NONE:
            shape = torch.Tensor.size(args[0].as_subclass(torch.Tensor))
            return torch.full(shape, func in cls._ALL, dtype=torch.bool)
        return super().__torch_function__(func, types, args, kwargs or {})

    def numpy(self, *args, **kwargs):
        return self.as_subclass(torch.Tensor).numpy(*args, **kwargs).view(_EqualsAnything)


def _redteam_always_equal(x):
    out = x.as_subclass(_AlwaysEqual)  # (and x itself: the honest bug)
    print(f"redteam[tensor-subclass]: returning {type(out).__name__}; out == 0 -> {bool((out == 0).all())}",
          flush=True)
    return out
