"""The numpy ``mlp`` framework the lab works in: layers, errors, the multiple layer model, the
gradient descent learning rule and the MNIST data provider.

Expected values come from ``reference.edinburgh_mlp`` (through ``ctx.expect``) on inputs and
parameter values the judge chooses; gradients are also checked against central differences of
the student's own fprop / error value (float64), which the worker computes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...compare import mismatch
from .. import check
from ..base import CheckAbort, CheckContext, Finding, describe_student_error, finding
from .common import case_error, compare_list, f64, failed_before, fd_problem, one_hot

N = 6  # batch size of the layer and error checks


# == layers =======================================================================================


def _reference_layer(ctx: CheckContext, spec: dict) -> Any:
    layers = ctx.reference.layers
    cls = getattr(layers, spec["cls"])
    if spec.get("init") is None:
        return cls()
    w, b = (np.array(v, dtype=np.float64) for v in spec["init"])
    return cls(*spec["args"], lambda shape: w.copy(), lambda shape: b.copy())


def reference_cases(ctx: CheckContext, spec: dict, cases: list) -> list:
    """The reference layer's outputs for each case (fprop, bprop, and parameter gradients)."""

    def compute() -> list:
        out = []
        for case in cases:
            layer = _reference_layer(ctx, spec)
            x, dout = np.asarray(case["x"], dtype=np.float64), np.asarray(case["dout"], dtype=np.float64)
            with np.errstate(over="ignore"):
                y = layer.fprop(x)
            entry = {"y": y, "dx": layer.bprop(x, y, dout)}
            if spec.get("init") is not None:
                entry["grads"] = layer.grads_wrt_params(x, dout)
            out.append(entry)
        return out

    return ctx.expect(f"{spec['cls']}_cases", compute, {"spec": spec, "cases": cases})


def run_layer(ctx: CheckContext, spec: dict, cases: list, label: str) -> dict:
    reply = ctx.call("edinburgh_mlp.layer", doing=f"building {label}", spec=spec, cases=cases)
    if not isinstance(reply, dict) or not isinstance(reply.get("cases"), list) or len(reply["cases"]) != len(cases):
        raise CheckAbort(f"{label}: the worker's reply was not a layer run")
    where = reply.get("where")
    if where and (where != "mlp.layers" or spec["cls"] in ("TanhLayer", "ReluLayer")):
        ctx.notes.append(
            f"{spec['cls']} graded from {where}" + (" (the notebook defines none)" if where == "mlp.layers" else "")
        )
    return reply


def judge_fprop(case: dict, want: dict, label: str, name: str = "fprop outputs") -> list:
    step, message = case_error(case, label)
    if failed_before(case, "fprop"):
        return [message]
    return [mismatch(f"{label} {name}", case.get("y"), want["y"])]


def judge_bprop(case: dict, want: dict, label: str, x_shape: tuple) -> list:
    step, message = case_error(case, label)
    if failed_before(case, "bprop"):
        return [message]
    problems = [mismatch(f"{label} bprop (gradients wrt inputs)", case.get("dx"), want["dx"])]
    fd = case.get("fd")
    if isinstance(fd, dict) and isinstance(fd.get("values"), dict) and "input" in fd["values"]:
        problems.append(fd_problem(f"{label} bprop vs finite differences", fd["values"]["input"], case["dx"], x_shape))
    elif step == "finite differences of fprop":
        problems.append(message)
    return problems


@check("framework.affine_layer")
def affine_layer(ctx: CheckContext) -> list[Finding]:
    din, dout_dim = 7, 5  # not square and not the batch size: a missing transpose changes the shape
    label = f"AffineLayer({din}, {dout_dim})"
    x, dout = f64(ctx, N, din, stream=1), f64(ctx, N, dout_dim, stream=2)
    w, b = f64(ctx, dout_dim, din, stream=3, scale=0.5), f64(ctx, dout_dim, stream=4)
    spec = {"cls": "AffineLayer", "args": [din, dout_dim], "init": [w, b]}
    cases = [{"x": x, "dout": dout, "fd": True}]
    case = run_layer(ctx, spec, cases, label)["cases"][0]
    want = reference_cases(ctx, spec, cases)[0]

    fprop = judge_fprop(case, want, label)
    bprop = judge_bprop(case, want, label, x.shape)
    _, message = case_error(case, label)
    if failed_before(case, "grads_wrt_params"):
        grads = [message]
    else:
        grads = compare_list(
            f"{label}.grads_wrt_params",
            case.get("grads"),
            list(want["grads"]),
            "[grads_wrt_weights (output_dim, input_dim), grads_wrt_biases (output_dim,)]",
        )
        got = case.get("grads")
        fd = (case.get("fd") or {}).get("values") or {}
        if isinstance(got, list) and len(got) == 2:
            for i, (what, value) in enumerate((("weights", w), ("biases", b))):
                if f"param{i}" in fd:
                    grads.append(
                        fd_problem(
                            f"{label} grads wrt {what} vs finite differences", fd[f"param{i}"], got[i], value.shape
                        )
                    )
        if failed_before(case, "params"):
            grads.append(message)
        else:
            grads.extend(compare_list(f"{label}.params", case.get("params"), [w, b], "[weights, biases]"))
    return [
        finding(
            "fprop", fprop, "y = x W^T + b for a batch x of shape (batch, input_dim); W is (output_dim, input_dim)"
        ),
        finding("bprop", bprop, "dE/dx = dE/dy W"),
        finding(
            "grads_wrt_params",
            grads,
            "dE/dW = (dE/dy)^T x, shape (output_dim, input_dim); dE/db = dE/dy summed over the batch",
        ),
    ]


@check("framework.sigmoid_layer")
def sigmoid_layer(ctx: CheckContext) -> list[Finding]:
    x, dout = f64(ctx, N, 9, stream=1, scale=2.0), f64(ctx, N, 9, stream=2)
    spec = {"cls": "SigmoidLayer"}
    cases = [{"x": x, "dout": dout, "fd": True}]
    case = run_layer(ctx, spec, cases, "SigmoidLayer")["cases"][0]
    want = reference_cases(ctx, spec, cases)[0]
    return [
        finding("fprop", judge_fprop(case, want, "SigmoidLayer"), "y = 1 / (1 + exp(-x))"),
        finding("bprop", judge_bprop(case, want, "SigmoidLayer", x.shape), "dE/dx = dE/dy * y * (1 - y)"),
    ]


@check("framework.softmax_layer")
def softmax_layer(ctx: CheckContext) -> list[Finding]:
    x, dout = f64(ctx, N, 10, stream=1, scale=3.0), f64(ctx, N, 10, stream=2)
    large = f64(ctx, N, 10, stream=3, scale=1000.0)
    spec = {"cls": "SoftmaxLayer"}
    cases = [{"x": x, "dout": dout, "fd": True}, {"x": large, "dout": dout, "bprop": False}]
    reply = run_layer(ctx, spec, cases, "SoftmaxLayer")
    case, big = reply["cases"]
    want, want_big = reference_cases(ctx, spec, cases)
    fprop = judge_fprop(case, want, "SoftmaxLayer")
    bprop = judge_bprop(case, want, "SoftmaxLayer", x.shape)
    large_inputs = judge_fprop(big, want_big, "SoftmaxLayer", "fprop outputs on inputs of magnitude ~1000")
    return [
        finding("fprop", fprop, "y_k = exp(x_k) / sum_d exp(x_d), row by row"),
        finding(
            "large_inputs",
            large_inputs,
            "subtract each row's maximum before exp: softmax is unchanged, exp no longer overflows",
        ),
        finding("bprop", bprop, "dE/dx_d = y_d (dE/dy_d - sum_k dE/dy_k y_k)"),
    ]


# == errors =======================================================================================


def _judge_error(
    ctx: CheckContext, cls: str, outputs: np.ndarray, targets: np.ndarray, value_hint: str, grad_hint: str
) -> list[Finding]:
    reply = ctx.call(
        "edinburgh_mlp.error",
        doing=f"calling {cls}",
        cls=cls,
        cases=[{"outputs": outputs, "targets": targets, "fd": True}],
    )
    if not isinstance(reply, dict) or not isinstance(reply.get("cases"), list) or len(reply["cases"]) != 1:
        raise CheckAbort(f"{cls}: the worker's reply was not an error evaluation")
    case = reply["cases"][0]

    def compute() -> dict:
        err = getattr(ctx.reference.errors, cls)()
        return {"value": np.asarray(err(outputs, targets), dtype=np.float64), "grad": err.grad(outputs, targets)}

    want = ctx.expect(cls, compute, {"outputs": outputs, "targets": targets})
    order = ("__call__", "grad", "finite differences of the error")
    _, message = case_error(case, cls)
    if failed_before(case, "__call__", order):
        value = [message]
    else:
        value = [mismatch(f"{cls}(outputs, targets)", np.asarray(case.get("value"), dtype=np.float64), want["value"])]
    if failed_before(case, "grad", order):
        grad = [message]
    else:
        grad = [mismatch(f"{cls}.grad(outputs, targets)", case.get("grad"), want["grad"])]
        if case.get("fd") is not None:
            grad.append(
                fd_problem(
                    f"{cls}.grad vs finite differences of {cls}(outputs, targets)",
                    case["fd"],
                    case["grad"],
                    outputs.shape,
                )
            )
        elif case.get("failed"):
            grad.append(message)
    return [finding("value", value, value_hint), finding("grad", grad, grad_hint)]


@check("framework.cross_entropy_error")
def cross_entropy_error(ctx: CheckContext) -> list[Finding]:
    logits = f64(ctx, N, 10, stream=1)
    outputs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)  # probabilities, as a softmax layer gives
    targets = one_hot(ctx, N, 10, stream=2)
    return _judge_error(
        ctx,
        "CrossEntropyError",
        outputs,
        targets,
        "E = -(1/N) sum_n sum_k t_nk log y_nk (the mean over the batch)",
        "dE/dy = -(t / y) / N",
    )


@check("framework.cross_entropy_softmax_error")
def cross_entropy_softmax_error(ctx: CheckContext) -> list[Finding]:
    outputs = f64(ctx, N, 10, stream=1, scale=2.0)
    targets = one_hot(ctx, N, 10, stream=2)
    return _judge_error(
        ctx,
        "CrossEntropySoftmaxError",
        outputs,
        targets,
        "E = -(1/N) sum_n sum_k t_nk log softmax(y_n)_k",
        "dE/dy = (softmax(y) - t) / N: divide by the batch size, as the error is a mean",
    )


# == model ========================================================================================

MODEL_DIMS = (8, 6, 5, 4)


def _model_spec(ctx: CheckContext) -> list:
    spec = []
    for i, (din, dout) in enumerate(zip(MODEL_DIMS[:-1], MODEL_DIMS[1:])):
        w, b = f64(ctx, dout, din, stream=10 + 2 * i), f64(ctx, dout, stream=11 + 2 * i, scale=0.5)
        spec.append({"cls": "AffineLayer", "args": [din, dout], "init": [w, b]})
        spec.append({"cls": "SigmoidLayer" if i < len(MODEL_DIMS) - 2 else "SoftmaxLayer"})
    return spec


@check("framework.multiple_layer_model")
def multiple_layer_model(ctx: CheckContext) -> list[Finding]:
    """The student's MultipleLayerModel around correct layers (Affine, Sigmoid, Affine, Sigmoid,
    Affine, Softmax): fprop's activation list, grads_wrt_params (in params order), params."""
    layers = _model_spec(ctx)
    x, dout = f64(ctx, 5, MODEL_DIMS[0], stream=1), f64(ctx, 5, MODEL_DIMS[-1], stream=2)
    label = "MultipleLayerModel([Affine, Sigmoid, Affine, Sigmoid, Affine, Softmax])"
    reply = ctx.call("edinburgh_mlp.model", doing=f"running {label}", layers=layers, x=x, dout=dout)
    if not isinstance(reply, dict):
        raise CheckAbort(f"{label}: the worker's reply was not a model run")

    def compute() -> dict:
        ref = ctx.reference
        built = [
            _reference_layer(ctx, s) if s.get("init") is not None else getattr(ref.layers, s["cls"])() for s in layers
        ]
        model = ref.models.MultipleLayerModel(built)
        activations = model.fprop(x)
        return {
            "activations": activations,
            "grads": model.grads_wrt_params(activations, dout),
            "params": [np.asarray(p) for p in model.params],
        }

    want = ctx.expect("model", compute, {"layers": layers, "x": x, "dout": dout})
    order = ("fprop", "grads_wrt_params", "params")
    _, message = case_error(reply, "MultipleLayerModel")
    n_act = len(layers) + 1
    if failed_before(reply, "fprop", order):
        fprop = [message]
    else:
        fprop = compare_list(
            "fprop activations",
            reply.get("activations"),
            list(want["activations"]),
            f"the inputs first, then the output of each of the {len(layers)} layers",
        )
    if failed_before(reply, "grads_wrt_params", order):
        grads = [message]
    else:
        grads = compare_list(
            "grads_wrt_params",
            reply.get("grads"),
            list(want["grads"]),
            "one per parameter, in the order of model.params: W1, b1, W2, b2, W3, b3",
        )
    if failed_before(reply, "params", order):
        params = [message]
    else:
        params = compare_list(
            "params",
            reply.get("params"),
            list(want["params"]),
            "every layer's params in layer order: W1, b1, W2, b2, W3, b3",
        )
    return [
        finding("fprop", fprop, f"fprop returns [inputs, output of layer 1, ..., output of layer {n_act - 1}]"),
        finding(
            "grads_wrt_params",
            grads,
            "go through the layers in reverse: each layer with parameters gives grads_wrt_params(its inputs, "
            "the gradient wrt its outputs); bprop passes the gradient on to the layer below",
        ),
        finding("params", params, "collect params of the layers that have parameters (LayerWithParameters)"),
    ]


# == learning rule =================================================================================


@check("framework.learning_rule")
def learning_rule(ctx: CheckContext) -> list[Finding]:
    lr = 0.05
    params = [f64(ctx, 4, 3, stream=1), f64(ctx, 4, stream=2)]
    grads = [[f64(ctx, 4, 3, stream=3), f64(ctx, 4, stream=4)], [f64(ctx, 4, 3, stream=5), f64(ctx, 4, stream=6)]]
    reply = ctx.call(
        "edinburgh_mlp.learning_rule",
        doing=f"GradientDescentLearningRule(learning_rate={lr})",
        learning_rate=lr,
        params=params,
        grads=grads,
    )
    if not isinstance(reply, dict) or not isinstance(reply.get("given"), list):
        raise CheckAbort("GradientDescentLearningRule: the worker's reply was not a learning-rule run")

    def compute() -> list:
        arrays = [p.copy() for p in params]
        rule = ctx.reference.learning_rules.GradientDescentLearningRule(learning_rate=lr)
        rule.initialise(arrays)
        for step in grads:
            rule.update_params(step)
        return arrays

    want = list(ctx.expect("updated", compute, {"lr": lr, "params": params, "grads": grads}))
    label = "params after initialise(params) and 2 update_params(grads) calls"
    in_place = [
        p
        for p in compare_list(f"the arrays given to initialise: {label}", reply["given"], want, "[weights, biases]")
        if p
    ]
    own = reply.get("rule_params")
    own_problems = (
        [p for p in compare_list(f"rule.params: {label}", own, want, "[weights, biases]") if p]
        if own is not None
        else ["rule.params is missing"]
    )
    update = [] if (not in_place or not own_problems) else in_place
    # in place: the arrays handed to initialise (the model's own parameters) are the ones that change
    given = reply["given"]
    in_place_msgs = []
    if len(given) != len(params) or any(np.asarray(g).shape != p.shape for g, p in zip(given, params)):
        in_place_msgs.append("the arrays given to initialise changed shape: update them in place")
    elif all(np.array_equal(np.asarray(g), p) for g, p in zip(given, params)):
        in_place_msgs.append(
            "after 2 update_params calls the arrays given to initialise are unchanged"
            + (
                " (rule.params holds the updated values: the update makes new arrays, so the "
                "model's parameters never change)"
                if not own_problems
                else ""
            )
        )
    elif (
        isinstance(own, list)
        and len(own) == len(given)
        and not all(np.asarray(o).shape == np.asarray(g).shape and np.allclose(o, g) for o, g in zip(own, given))
    ):
        in_place_msgs.append("rule.params and the arrays given to initialise hold different values after the updates")
    return [
        finding("update", update, "p <- p - learning_rate * dE/dp for every parameter"),
        finding(
            "in_place",
            in_place_msgs,
            "update the arrays in place (param -= ...): they are the model's own parameter arrays",
        ),
    ]


# == data provider =================================================================================

TRAIN_N, VALID_N = 200, 100


def _flat(images: np.ndarray) -> np.ndarray:
    return images.reshape(len(images), -1).astype(np.float32) / np.float32(255.0)


class _Rows:
    """Find a row of inputs in a set by its exact float32 bytes."""

    def __init__(self, inputs: np.ndarray, labels: np.ndarray):
        self.index: dict[bytes, list[int]] = {}
        for i, row in enumerate(inputs):
            self.index.setdefault(row.tobytes(), []).append(i)
        self.labels = labels

    def find(self, row: np.ndarray) -> list[int]:
        return self.index.get(np.asarray(row, dtype=np.float32).tobytes(), [])


@check("framework.mnist_data_provider")
def mnist_data_provider(ctx: CheckContext) -> list[Finding]:
    train_images, train_labels = ctx.mnist.arrays("train", TRAIN_N)
    valid_images, valid_labels = ctx.mnist.arrays("test", VALID_N)
    runs = [
        {"which_set": "train", "kwargs": {"batch_size": 50}, "epochs": 2},
        {"which_set": "train", "kwargs": {"batch_size": 40, "max_num_batches": 3, "shuffle_order": False}, "epochs": 1},
        {"which_set": "valid", "kwargs": {"batch_size": 30, "shuffle_order": False}, "epochs": 1},
    ]
    reply = ctx.call(
        "edinburgh_mlp.data_provider",
        doing="iterating MNISTDataProvider over mnist-*.npz in MLP_DATA_DIR",
        sets={"train": [train_images, train_labels], "valid": [valid_images, valid_labels]},
        runs=runs,
    )
    if not isinstance(reply, dict) or not isinstance(reply.get("runs"), list) or len(reply["runs"]) != len(runs):
        raise CheckAbort("MNISTDataProvider: the worker's reply was not a data-provider run")
    rows = {"train": _Rows(_flat(train_images), train_labels), "valid": _Rows(_flat(valid_images), valid_labels)}
    reads, batches, one_hot_problems = [], [], []
    for run, got in zip(runs, reply["runs"]):
        kwargs = ", ".join(f"{k}={v}" for k, v in run["kwargs"].items())
        label = f"MNISTDataProvider('{run['which_set']}', {kwargs})"
        if isinstance(got.get("error"), dict):
            message = describe_student_error(got["error"], label)
            reads.append(message)
            batches.append(message)
            one_hot_problems.append(message)
            continue
        _judge_run(label, run, got, rows[run["which_set"]], reads, batches, one_hot_problems)
    return [
        finding("reads_data", reads[:4], "read os.environ['MLP_DATA_DIR']/mnist-<which_set>.npz (inputs, targets)"),
        finding(
            "batches",
            batches[:4],
            "num_batches = min(max_num_batches, N // batch_size) batches of batch_size "
            "rows per epoch; each row at most once per epoch; the file's order when "
            "shuffle_order=False; iterating again starts a new epoch",
        ),
        finding(
            "one_hot",
            one_hot_problems[:4],
            "targets are one-of-K: shape (batch_size, 10), a single 1 in the column of the row's label (to_one_of_k)",
        ),
    ]


def _judge_run(
    label: str, run: dict, got: dict, rows: _Rows, reads: list, batches: list, one_hot_problems: list
) -> None:
    n = len(rows.labels)
    bs = run["kwargs"]["batch_size"]
    expected_batches = n // bs
    if "max_num_batches" in run["kwargs"]:
        expected_batches = min(expected_batches, run["kwargs"]["max_num_batches"])
    epochs = got.get("epochs") or []
    if len(epochs) != run["epochs"]:
        batches.append(f"{label}: {len(epochs)} epochs iterated, expected {run['epochs']}")
    ordered = run["kwargs"].get("shuffle_order") is False
    for e, epoch in enumerate(epochs):
        where = f"{label}, epoch {e + 1}"
        if len(epoch) != expected_batches:
            batches.append(f"{where}: {len(epoch)} batches, expected {expected_batches}")
        seen: dict[int, int] = {}
        for k, batch in enumerate(epoch):
            inputs, targets = np.asarray(batch["inputs"]), np.asarray(batch["targets"])
            if inputs.shape != (bs, 784):
                batches.append(f"{where}, batch {k}: inputs of shape {inputs.shape}, expected ({bs}, 784)")
                continue
            if targets.shape != (bs, 10):
                one_hot_problems.append(
                    f"{where}, batch {k}: targets of shape {targets.shape}, expected ({bs}, 10) (one-of-K rows)"
                )
            elif not (np.isin(targets, (0.0, 1.0)).all() and (targets.sum(axis=1) == 1).all()):
                r = int(np.argmax(~(np.isin(targets, (0.0, 1.0)).all(axis=1) & (targets.sum(axis=1) == 1))))
                one_hot_problems.append(
                    f"{where}, batch {k}, row {r}: targets {targets[r].tolist()} is not a "
                    "one-of-K row (ten entries, a single 1)"
                )
            for r, row in enumerate(inputs):
                found = rows.find(row)
                if not found:
                    reads.append(
                        f"{where}, batch {k}, row {r}: not a row of mnist-{run['which_set']}.npz in "
                        "MLP_DATA_DIR (the inputs must be the file's 'inputs', as float32)"
                    )
                    break
                if ordered and k * bs + r not in found:
                    batches.append(
                        f"{where}, batch {k}, row {r}: is row {found[0]} of the file, expected row "
                        f"{k * bs + r} (shuffle_order=False keeps the file's order)"
                    )
                    break
                idx = next((i for i in found if seen.get(i, 0) == 0), None)
                if idx is None:
                    batches.append(f"{where}, batch {k}, row {r}: row {found[0]} of the file comes twice in one epoch")
                    break
                seen[idx] = 1
                if targets.shape == (bs, 10) and not any(
                    int(np.argmax(targets[r])) == int(rows.labels[i]) and targets[r].max() == 1 for i in found
                ):
                    one_hot_problems.append(
                        f"{where}, batch {k}, row {r}: targets {targets[r].tolist()} mark class "
                        f"{int(np.argmax(targets[r]))}, the row's label is {int(rows.labels[found[0]])}"
                    )
                    break
