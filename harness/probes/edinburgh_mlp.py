"""Probes for the Edinburgh MLP lab "Multiple layer models": run the student's numpy ``mlp``
framework and the lab notebook (staged as module ``lab``) on inputs the judge sends.

- Layers are built from a plain spec: ``{"cls": "AffineLayer", "args": [7, 5], "init": [W, b]}``
  (the judge's parameter values are handed to the layer through its initialisers), or
  ``{"cls": "TanhLayer"}``. ``TanhLayer``/``ReluLayer`` are the lab's exercise 3: they are taken
  from the notebook when it defines them, else from ``mlp.layers``.
- The model probe runs the student's ``MultipleLayerModel`` around known-good layers derived
  from the student's own ``Layer``/``LayerWithParameters`` (so only models.py is judged).
- The data-provider probe writes the judge's images as ``mnist-<set>.npz`` into a temporary
  folder, points ``MLP_DATA_DIR`` at it and iterates the student's ``MNISTDataProvider``.
- Finite differences are central differences of the student's own fprop / error, in float64.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

import numpy as np

from .server import ProbeError, current_seed, describe_exception, import_student, probe, submission_dir

LAB = "lab"
LAB_NAMES = ("TanhLayer", "ReluLayer")
FD_EPS = 1e-6
MAX_BATCHES = 1000  # an epoch that yields more batches than this never stops


# -- where things live ---------------------------------------------------------------------------


def _headless() -> None:
    import matplotlib

    matplotlib.use("Agg")


def _lab() -> Any | None:
    """The lab notebook's module, or None when no notebook was handed in."""
    _headless()
    try:
        return import_student(LAB)
    except ModuleNotFoundError as exc:
        if exc.name == LAB:
            return None
        raise


def _notebook_name(lab: Any) -> str:
    """The handed-in file the staged ``lab.py`` was made from (its first line names it)."""
    try:
        with open(lab.__file__, encoding="utf-8") as fh:
            first = fh.readline()
    except (OSError, AttributeError, TypeError):
        return "the lab notebook"
    marker = "definitions in "
    if marker in first:
        return first.split(marker, 1)[1].split(";", 1)[0].strip()
    return "the lab notebook"


def _mlp(module: str) -> Any:
    _headless()
    try:
        return import_student(f"mlp.{module}")
    except ModuleNotFoundError as exc:
        if exc.name == f"mlp.{module}":
            raise ProbeError(f"the mlp package has no module {module}.py") from None
        raise


def _attr(module: str, name: str) -> Any:
    value = getattr(_mlp(module), name, None)
    if value is None:
        raise ProbeError(f"mlp.{module} defines no {name}")
    return value


def _layer_class(name: str) -> tuple[Any, str]:
    """The class ``name`` and where it was found ("lab notebook (x.ipynb)" or "mlp.layers")."""
    if name in LAB_NAMES:
        lab = _lab()
        if lab is not None and getattr(lab, name, None) is not None:
            return getattr(lab, name), f"{_notebook_name(lab)} (the lab notebook)"
        layers = _mlp("layers")
        if getattr(layers, name, None) is not None:
            return getattr(layers, name), "mlp.layers"
        where = "the lab notebook" if lab is None else _notebook_name(lab)
        raise ProbeError(
            f"{name} is defined neither in {where} nor in mlp.layers (exercise 3 asks for it in the notebook)"
        )
    return _attr("layers", name), "mlp.layers"


class _FixedInit:
    """An initialiser that hands the layer the judge's values (and checks the shape asked for)."""

    def __init__(self, value: Any, what: str):
        self.value = np.array(value, dtype=np.float64)
        self.what = what

    def __call__(self, shape: Any) -> np.ndarray:
        try:
            wanted = tuple(int(n) for n in np.atleast_1d(np.asarray(shape)))
        except (TypeError, ValueError):
            raise ProbeError(
                f"AffineLayer called its {self.what} initialiser with {shape!r}, expected a shape"
            ) from None
        if wanted != self.value.shape:
            raise ProbeError(
                f"AffineLayer asked its {self.what} initialiser for shape {wanted}, expected {self.value.shape}"
            )
        return self.value.copy()


def _build(spec: dict) -> tuple[Any, str]:
    cls, where = _layer_class(spec["cls"])
    init = spec.get("init")
    if init is None:
        return cls(*spec.get("args", [])), where
    weights, biases = init
    layer_obj = cls(*spec.get("args", []), _FixedInit(weights, "weights"), _FixedInit(biases, "biases"))
    try:
        held = [np.asarray(p, dtype=np.float64) for p in layer_obj.params]
    except Exception:
        return layer_obj, where  # params itself is judged by the check
    if len(held) == 2 and any(
        h.shape != np.shape(v) or not np.allclose(h, v, rtol=1e-6, atol=1e-7) for h, v in zip(held, init)
    ):
        raise ProbeError(
            f"{spec['cls']}{tuple(spec.get('args', []))} does not hold the values its weights_initialiser "
            "and biases_initialiser returned (the notebook passes param_init to set them)"
        )
    return layer_obj, where


def _array(value: Any, what: str) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except Exception:
        raise ProbeError(f"{what} returned {type(value).__name__}, expected a numpy array") from None
    if arr.dtype.kind not in "fiub":
        raise ProbeError(f"{what} returned an array of dtype {arr.dtype}, expected numbers")
    if arr.dtype.kind == "f" and arr.dtype != np.float32:
        arr = arr.astype(np.float64)
    elif arr.dtype.kind in "iub":
        arr = arr.astype(np.float64)
    return arr


def _arrays(value: Any, what: str) -> list[np.ndarray]:
    if not isinstance(value, (list, tuple)):
        raise ProbeError(f"{what} returned {type(value).__name__}, expected a list of arrays")
    return [_array(v, f"{what}[{i}]") for i, v in enumerate(value)]


def _scalar(value: Any, what: str) -> float:
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "fiub":
        raise ProbeError(f"{what} returned {type(value).__name__} of shape {arr.shape}, expected a scalar")
    return float(arr.reshape(()))


def _eps(dtype: np.dtype) -> float:
    return FD_EPS if dtype == np.float64 else 1e-2


def _failure(exc: BaseException) -> dict:
    if isinstance(exc, ProbeError):
        return {"type": "ProbeError", "message": str(exc), "probe_error": True}
    return describe_exception(exc, submission_dir())


# -- layers ------------------------------------------------------------------------------------------


@probe("edinburgh_mlp.layer")
def layer(spec: dict, cases: list) -> dict:
    """fprop, bprop (and grads_wrt_params for AffineLayer) of the student's layer on each case,
    with central differences of its own fprop when ``case["fd"]``. A failing step is reported in
    the case's ``error`` with what came before it."""
    built, where = _build(spec)
    results = []
    for case in cases:
        x, dout = np.asarray(case["x"]), np.asarray(case["dout"])
        out: dict[str, Any] = {"error": None, "failed": None}
        step = "fprop"
        try:
            out["y"] = y = _array(built.fprop(x.copy()), "fprop")
            if case.get("bprop", True):
                step = "bprop"
                out["dx"] = _array(built.bprop(x.copy(), y.copy(), dout.copy()), "bprop")
            if spec.get("init") is not None:
                step = "grads_wrt_params"
                out["grads"] = _arrays(built.grads_wrt_params(x.copy(), dout.copy()), "grads_wrt_params")
                step = "params"
                out["params"] = _arrays(built.params, "params")
            if case.get("fd"):
                step = "finite differences of fprop"
                out["fd"] = _layer_fd(spec, built, x, dout, y.dtype)
        except BaseException as exc:
            out["error"], out["failed"] = _failure(exc), step
        results.append(out)
    return {"where": where, "cases": results}


def _layer_fd(spec: dict, built: Any, x: np.ndarray, dout: np.ndarray, dtype: np.dtype) -> dict:
    eps = _eps(dtype)

    def energy(layer_obj: Any, inputs: np.ndarray) -> np.ndarray:
        return np.asarray(layer_obj.fprop(inputs), dtype=np.float64)

    fd: dict[str, list] = {"input": []}
    for idx in np.ndindex(*x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += eps
        minus[idx] -= eps
        diff = energy(built, plus) - energy(built, minus)
        fd["input"].append(float((diff * dout).sum() / (2 * eps)))
    if spec.get("init") is not None:  # parameters: a fresh layer per perturbed value
        for p, value in enumerate(spec["init"]):
            value = np.asarray(value, dtype=np.float64)
            fd[f"param{p}"] = []
            for idx in np.ndindex(*value.shape):
                zs = []
                for sign in (1, -1):
                    init = [np.asarray(v, dtype=np.float64).copy() for v in spec["init"]]
                    init[p][idx] += sign * eps
                    other, _ = _build({**spec, "init": init})
                    zs.append(energy(other, x.copy()))
                fd[f"param{p}"].append(float(((zs[0] - zs[1]) * dout).sum() / (2 * eps)))
    return {"eps": eps, "values": fd}


# -- errors ----------------------------------------------------------------------------------------


@probe("edinburgh_mlp.error")
def error(cls: str, cases: list) -> dict:
    """The student's error object on each (outputs, targets) case: value, grad, central
    differences of its own value."""
    err = _attr("errors", cls)()
    results = []
    for case in cases:
        outputs, targets = np.asarray(case["outputs"]), np.asarray(case["targets"])
        out: dict[str, Any] = {"error": None, "failed": None}
        step = "__call__"
        try:
            out["value"] = _scalar(err(outputs.copy(), targets.copy()), f"{cls}.__call__")
            step = "grad"
            out["grad"] = _array(err.grad(outputs.copy(), targets.copy()), f"{cls}.grad")
            if case.get("fd"):
                step = "finite differences of the error"
                fd = []
                for idx in np.ndindex(*outputs.shape):
                    plus, minus = outputs.copy(), outputs.copy()
                    plus[idx] += FD_EPS
                    minus[idx] -= FD_EPS
                    fd.append(
                        (_scalar(err(plus, targets.copy()), cls) - _scalar(err(minus, targets.copy()), cls))
                        / (2 * FD_EPS)
                    )
                out["fd"] = fd
        except BaseException as exc:
            out["error"], out["failed"] = _failure(exc), step
        results.append(out)
    return {"cases": results}


# -- model -----------------------------------------------------------------------------------------


def _good_layers(layers_mod: Any) -> dict:
    """Correct Affine/Sigmoid/Softmax layers on the student's own base classes."""
    base = getattr(layers_mod, "Layer", None)
    with_params = getattr(layers_mod, "LayerWithParameters", None)
    if base is None or with_params is None:
        raise ProbeError("mlp.layers must define the base classes Layer and LayerWithParameters")

    class Affine(with_params):
        def __init__(self, weights: np.ndarray, biases: np.ndarray):
            self.weights, self.biases = weights, biases
            self.input_dim, self.output_dim = weights.shape[1], weights.shape[0]

        def fprop(self, inputs):
            return inputs @ self.weights.T + self.biases

        def bprop(self, inputs, outputs, grads_wrt_outputs):
            return grads_wrt_outputs @ self.weights

        def grads_wrt_params(self, inputs, grads_wrt_outputs):
            return [grads_wrt_outputs.T @ inputs, grads_wrt_outputs.sum(axis=0)]

        def params_penalty(self):
            return 0.0

        @property
        def params(self):
            return [self.weights, self.biases]

        @params.setter
        def params(self, values):
            self.weights, self.biases = values

        def __repr__(self):
            return f"AffineLayer(input_dim={self.input_dim}, output_dim={self.output_dim})"

    class Sigmoid(base):
        def fprop(self, inputs):
            return 1.0 / (1.0 + np.exp(-inputs))

        def bprop(self, inputs, outputs, grads_wrt_outputs):
            return grads_wrt_outputs * outputs * (1.0 - outputs)

        def __repr__(self):
            return "SigmoidLayer"

    class Softmax(base):
        def fprop(self, inputs):
            e = np.exp(inputs - inputs.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)

        def bprop(self, inputs, outputs, grads_wrt_outputs):
            return outputs * (grads_wrt_outputs - (grads_wrt_outputs * outputs).sum(axis=-1, keepdims=True))

        def __repr__(self):
            return "SoftmaxLayer"

    return {"AffineLayer": Affine, "SigmoidLayer": Sigmoid, "SoftmaxLayer": Softmax}


@probe("edinburgh_mlp.model")
def model(layers: list, x: Any, dout: Any) -> dict:
    """The student's MultipleLayerModel around known-good layers: fprop's activations,
    grads_wrt_params and params."""
    good = _good_layers(_mlp("layers"))
    built = []
    for spec in layers:
        if spec["cls"] == "AffineLayer":
            w, b = spec["init"]
            built.append(good["AffineLayer"](np.array(w, dtype=np.float64), np.array(b, dtype=np.float64)))
        else:
            built.append(good[spec["cls"]]())
    m = _attr("models", "MultipleLayerModel")(built)
    out: dict[str, Any] = {"error": None, "failed": None}
    step = "fprop"
    try:
        activations = m.fprop(np.asarray(x).copy())
        out["activations"] = _arrays(activations, "fprop")
        step = "grads_wrt_params"
        out["grads"] = _arrays(m.grads_wrt_params(list(activations), np.asarray(dout).copy()), "grads_wrt_params")
        step = "params"
        out["params"] = _arrays(m.params, "params")
    except BaseException as exc:
        out["error"], out["failed"] = _failure(exc), step
    return out


# -- learning rule ---------------------------------------------------------------------------------


@probe("edinburgh_mlp.learning_rule")
def learning_rule(learning_rate: float, params: list, grads: list) -> dict:
    """initialise(params) then update_params(g) for each g in ``grads``: the arrays given to
    initialise afterwards (the rule must update them in place), and the rule's own ``params``."""
    rule = _attr("learning_rules", "GradientDescentLearningRule")(learning_rate=learning_rate)
    arrays = [np.array(p, dtype=np.float64) for p in params]
    rule.initialise(arrays)
    for step in grads:
        rule.update_params([np.array(g, dtype=np.float64) for g in step])
    own = getattr(rule, "params", None)
    try:
        own_arrays = _arrays(own, "the rule's params") if own is not None else None
    except ProbeError:
        own_arrays = None
    return {"given": arrays, "rule_params": own_arrays}


# -- data provider ---------------------------------------------------------------------------------


def _write_npz(folder: str, which: str, images: Any, labels: Any) -> None:
    inputs = np.asarray(images, dtype=np.uint8).reshape(len(images), -1).astype(np.float32) / np.float32(255.0)
    np.savez(os.path.join(folder, f"mnist-{which}.npz"), inputs=inputs, targets=np.asarray(labels, dtype=np.int64))


@probe("edinburgh_mlp.data_provider")
def data_provider(sets: dict, runs: list) -> dict:
    """Each run: ``MNISTDataProvider(which_set, **kwargs)`` (rng from the request's seed) with
    MLP_DATA_DIR pointing at a fresh folder holding the judge's sets, iterated for ``epochs``
    epochs; every batch comes back as it was yielded."""
    provider_cls = _attr("data_providers", "MNISTDataProvider")
    folder = tempfile.mkdtemp(prefix="mlp-data-")
    old = os.environ.get("MLP_DATA_DIR")
    try:
        for which, (images, labels) in sets.items():
            _write_npz(folder, which, images, labels)
        os.environ["MLP_DATA_DIR"] = folder
        results = []
        for run in runs:
            out: dict[str, Any] = {"error": None, "epochs": [], "num_batches": None}
            try:
                provider = provider_cls(
                    run["which_set"], rng=np.random.RandomState(current_seed() % 2**32), **run.get("kwargs", {})
                )
                nb = getattr(provider, "num_batches", None)
                out["num_batches"] = int(nb) if isinstance(nb, (int, np.integer)) else None
                for _ in range(run.get("epochs", 1)):
                    batches: list = []
                    for batch in provider:
                        if len(batches) >= MAX_BATCHES:
                            raise ProbeError(f"an epoch yielded more than {MAX_BATCHES} batches: iteration never stops")
                        if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
                            raise ProbeError("a batch is not an (inputs, targets) pair")
                        batches.append(
                            {"inputs": _array(batch[0], "inputs batch"), "targets": _array(batch[1], "targets batch")}
                        )
                    out["epochs"].append(batches)
            except BaseException as exc:
                out["error"] = _failure(exc)
            results.append(out)
        return {"runs": results}
    finally:
        if old is None:
            os.environ.pop("MLP_DATA_DIR", None)
        else:
            os.environ["MLP_DATA_DIR"] = old
        shutil.rmtree(folder, ignore_errors=True)


# -- training --------------------------------------------------------------------------------------


class _Batches:
    """A plain data provider (one-of-K targets, fixed order): the training check judges the
    student's layers, error, model, learning rule and optimiser, not their data provider."""

    def __init__(self, inputs: np.ndarray, labels: np.ndarray, batch_size: int):
        self.inputs = inputs
        self.targets = np.eye(10)[labels]
        self.batch_size = batch_size
        self.num_batches = len(inputs) // batch_size
        self.max_num_batches = -1
        self._curr_batch = 0

    def __iter__(self):
        return self

    def reset(self):
        self._curr_batch = 0

    def __next__(self):
        if self._curr_batch >= self.num_batches:
            self.reset()
            raise StopIteration()
        s = slice(self._curr_batch * self.batch_size, (self._curr_batch + 1) * self.batch_size)
        self._curr_batch += 1
        return self.inputs[s], self.targets[s]

    next = __next__


def _flat(images: Any) -> np.ndarray:
    return np.asarray(images, dtype=np.uint8).reshape(len(images), -1).astype(np.float32) / np.float32(255.0)


@probe("edinburgh_mlp.train")
def train(
    kind: str,
    train_images: Any,
    train_labels: Any,
    valid_images: Any,
    valid_labels: Any,
    learning_rate: float,
    init_scale: float,
    batch_size: int,
    num_epochs: int,
    hidden_dim: int = 100,
) -> dict:
    """The notebook's training cells on the student's framework: ``kind`` "softmax" is exercise 1
    (AffineLayer + SoftmaxLayer, CrossEntropyError), "deep" exercise 2 (AffineLayer, SigmoidLayer,
    AffineLayer; CrossEntropySoftmaxError). Returns the Optimiser's stats and keys and the trained
    model's outputs on both sets."""
    rng = np.random.RandomState(current_seed() % 2**32)
    init = _attr("initialisers", "UniformInit")(-init_scale, init_scale, rng=rng)
    affine, sigmoid, softmax = (_attr("layers", n) for n in ("AffineLayer", "SigmoidLayer", "SoftmaxLayer"))
    xtr, xva = _flat(train_images), _flat(valid_images)
    if kind == "softmax":
        layers = [affine(xtr.shape[1], 10, init, init), softmax()]
        err = _attr("errors", "CrossEntropyError")()
    else:
        layers = [affine(xtr.shape[1], hidden_dim, init, init), sigmoid(), affine(hidden_dim, 10, init, init)]
        err = _attr("errors", "CrossEntropySoftmaxError")()
    m = _attr("models", "MultipleLayerModel")(layers)
    rule = _attr("learning_rules", "GradientDescentLearningRule")(learning_rate=learning_rate)
    train_data = _Batches(xtr, np.asarray(train_labels, dtype=np.int64), batch_size)
    valid_data = _Batches(xva, np.asarray(valid_labels, dtype=np.int64), 100)
    monitors = {"acc": lambda y, t: (y.argmax(-1) == t.argmax(-1)).mean()}
    optimiser = _attr("optimisers", "Optimiser")(m, err, rule, train_data, valid_data, monitors)
    with np.errstate(all="ignore"):
        result = optimiser.train(num_epochs=num_epochs, stats_interval=1)
        if not (isinstance(result, (tuple, list)) and len(result) >= 2):
            raise ProbeError("Optimiser.train returned no (stats, keys, run_time) tuple")
        stats, keys = result[0], result[1]
        if not isinstance(keys, dict):
            raise ProbeError(f"Optimiser.train's keys are a {type(keys).__name__}, expected a dict")
        outputs_train = _array(m.fprop(xtr)[-1], "model.fprop")
        outputs_valid = _array(m.fprop(xva)[-1], "model.fprop")
    return {
        "stats": _array(stats, "Optimiser.train's stats"),
        "keys": {str(k): int(v) for k, v in keys.items()},
        "outputs_train": outputs_train,
        "outputs_valid": outputs_valid,
    }


# -- the PyTorch model -------------------------------------------------------------------------------


@probe("edinburgh_mlp.torch_model")
def torch_model(input_dim: int, output_dim: int, hidden_dim: int, weights: list, x: Any) -> dict:
    """The notebook's PyTorch MultipleLayerModel: its leaf modules, parameter count, output shape
    on ``x`` as built, and its output with the judge's values in its Linear layers (in order)."""
    import torch
    from torch import nn

    lab = _lab()
    if lab is None:
        raise ProbeError(
            "no lab notebook was handed in beside the mlp package (a .ipynb or .py defining "
            "MultipleLayerModel, TanhLayer, ReluLayer): the PyTorch MultipleLayerModel is graded from it"
        )
    name = _notebook_name(lab)
    cls = getattr(lab, "MultipleLayerModel", None)
    if cls is None:
        raise ProbeError(f"{name} defines no MultipleLayerModel (the PyTorch section's model)")
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        origin = getattr(cls, "__module__", "?")
        raise ProbeError(
            f"{name}: MultipleLayerModel is not a torch.nn.Module subclass (it is the one from "
            f"{origin}); define the PyTorch section's MultipleLayerModel(nn.Module) in the notebook"
        )
    model = cls(input_dim, output_dim, hidden_dim)
    leaves = []
    for mod in model.modules():
        if len(list(mod.children())) == 0:
            entry: dict[str, Any] = {"type": type(mod).__name__, "repr": repr(mod)[:200]}
            if isinstance(mod, nn.Linear):
                entry["in"], entry["out"] = int(mod.in_features), int(mod.out_features)
            leaves.append(entry)
    n_params = int(sum(p.numel() for p in model.parameters()))
    xt = torch.from_numpy(np.asarray(x, dtype=np.float32))
    model.eval()
    out: dict[str, Any] = {
        "notebook": name,
        "leaves": leaves,
        "n_params": n_params,
        "output_shape": None,
        "output": None,
        "forward_error": None,
    }
    try:
        with torch.no_grad():
            y0 = model(xt)
    except BaseException as exc:  # structure and parameters can still be judged
        out["forward_error"] = _failure(exc)
        return out
    out["output_shape"] = list(y0.shape) if isinstance(y0, torch.Tensor) else None
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if len(linears) == len(weights) and all(
        tuple(lin.weight.shape) == np.asarray(w).shape for lin, (w, _) in zip(linears, weights)
    ):
        with torch.no_grad():
            for layer_, (w, b) in zip(linears, weights):
                layer_.weight.copy_(torch.from_numpy(np.asarray(w, dtype=np.float32)))
                layer_.bias.copy_(torch.from_numpy(np.asarray(b, dtype=np.float32)))
            y = model(xt)
        out["output"] = y if isinstance(y, torch.Tensor) else None
    return out
