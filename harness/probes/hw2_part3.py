"""Probes for CS236781 HW2 Part 3 (MLP binary classification): run the student's code on inputs
the judge sends.

Each function under test is run on its own where the notebook allows it: the ROC threshold, the
decision-boundary plot and the trainer get a known-good classifier around a model whose outputs
the judge can compute (``_known_classifier``), so a bug in the student's ``BinaryClassifier`` costs
only the classifier's check. The moons data always comes from the judge, generated as the
notebook does.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from .hw2_part2 import TENSOR_COUNTS, TENSOR_LOSSES, plain_then_tensors
from .server import ProbeError, describe_exception, import_student, probe, submission_dir

NOTEBOOK_SEED = 42  # the notebook's `seed`, set with torch.manual_seed before each training cell
BATCH_SIZE = 32  # the notebook's batch size for the moons loaders

# Trainer.fit's print_every: never 0, though the later skeletons skip printing for 0 (print_every > 0
# and ...): spring 2021's computes epoch % print_every unguarded, and 0 would crash the course's own
# line. This one prints the first and the last epoch only.
SELDOM = 1_000_000


# -- student modules (matplotlib headless first: the skeleton's classifier imports pyplot) ----


def _headless() -> None:
    import matplotlib

    matplotlib.use("Agg")


def _student(module: str) -> Any:
    _headless()
    return import_student(f"hw2.{module}")


def _student_attr(module: str, name: str) -> Any:
    value = getattr(_student(module), name, None)
    if value is None:
        raise ProbeError(f"hw2.{module} has no {name}")
    return value


# -- data -----------------------------------------------------------------------------------


def _loader(x: Any, y: Any, batch_size: int = BATCH_SIZE, shuffle: bool = True) -> DataLoader:
    """As the notebook builds them: float32 features, the labels' own integer dtype."""
    dataset = TensorDataset(torch.from_numpy(np.asarray(x)).to(torch.float32), torch.from_numpy(np.asarray(y)))
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, num_workers=0)


def _moons_loaders(data: dict) -> tuple[DataLoader, DataLoader, DataLoader]:
    train, valid, test = (_loader(data[f"x_{s}"], data[f"y_{s}"]) for s in ("train", "valid", "test"))
    return train, valid, test


# -- a known-good classifier ----------------------------------------------------------------


class _Recorder(nn.Module):
    """Wraps a model and keeps every input it was called on (the plotted grid)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model
        self.inputs: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.inputs.append(x.detach().reshape(x.shape[0], -1).to(torch.float64))
        return self.model(x)


def _known_classifier(model: nn.Module, threshold: float = 0.5) -> nn.Module:
    """A correct BinaryClassifier, the notebook's API, around ``model``.

    It subclasses the student's BinaryClassifier when there is one, so helper methods a student
    added stay available, but never runs the student's constructor or documented methods.
    """
    try:
        base = getattr(_student("classifier"), "BinaryClassifier", None)
    except ModuleNotFoundError as exc:
        if exc.name != "hw2.classifier":
            raise
        base = None  # an offering without a classifier module (spring 2021's TorchTrainer)
    if not (isinstance(base, type) and issubclass(base, nn.Module)):
        base = nn.Module

    # Built from torch's own modules and functions (a softmax module, bucketize against the
    # threshold), not written the way the skeleton's TODOs are answered.
    class KnownBinaryClassifier(base):
        def __init__(self) -> None:
            nn.Module.__init__(self)
            self.model = model
            self.softmax = nn.Softmax(dim=1)  # an attribute real classifiers have; helper methods may use it
            self.threshold = threshold
            self.positive_class = 1
            self._boundary = torch.tensor([float(threshold)])

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.model(x)

        def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
            return self.softmax(self.model(x))

        def predict_proba_scores(self, z: torch.Tensor) -> torch.Tensor:
            return torch.softmax(z, dim=1)

        def classify(self, x: torch.Tensor) -> torch.Tensor:
            return self._classify(self.softmax(self.model(x)))

        def classify_scores(self, z: torch.Tensor) -> torch.Tensor:
            return self._classify(self.softmax(z))

        def _classify(self, y_proba: torch.Tensor) -> torch.Tensor:
            column = y_proba.select(1, self.positive_class).contiguous()
            return torch.bucketize(column, self._boundary.to(column.dtype), right=True).to(torch.int)

    KnownBinaryClassifier.__name__ = KnownBinaryClassifier.__qualname__ = "BinaryClassifier"
    return KnownBinaryClassifier()


def _linear(weight: Any, bias: Any) -> nn.Linear:
    w = torch.from_numpy(np.asarray(weight, dtype=np.float32))
    layer = nn.Linear(w.shape[1], w.shape[0])
    with torch.no_grad():
        layer.weight.copy_(w)
        layer.bias.copy_(torch.from_numpy(np.asarray(bias, dtype=np.float32)))
    return layer


def in_students_mlp(weight: Any, bias: Any) -> nn.Module:
    """The judge's linear map inside the student's own ``hw2.mlp.MLP(in, [out], ["none"])``.

    The notebook only ever wraps the student's own models (their MLP in Part 3, their CNN/ResNet in
    Parts 4-5) in a Classifier; a real submission's ``Classifier.__init__`` kept unused code that
    relies on that (``next(model.children())[:-1]``: the first child is their nn.Sequential), which
    a bare ``nn.Linear`` breaks though the classifier's logic is right. Used only as a second try
    after the bare model fails; raises when their MLP cannot carry the judge's weights."""
    w = torch.from_numpy(np.asarray(weight, dtype=np.float32))
    b = torch.from_numpy(np.asarray(bias, dtype=np.float32))
    model = _student_attr("mlp", "MLP")(in_dim=int(w.shape[1]), dims=[int(w.shape[0])], nonlins=["none"])
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if len(linears) != 1 or tuple(linears[0].weight.shape) != tuple(w.shape) or linears[0].bias is None:
        raise ProbeError("the student's MLP(in, [out], ['none']) is not one nn.Linear")
    with torch.no_grad():
        linears[0].weight.copy_(w)
        linears[0].bias.copy_(b)
    return model


def wrap_model(cls: Any, model: nn.Module, weight: Any, bias: Any, **kwargs: Any) -> tuple[nn.Module, dict | None]:
    """The model to grade the student's classifier ``cls`` around: the judge's plain ``model``, or,
    when ``cls(model=model, **kwargs)`` raises and ``cls`` accepts the same linear map inside the
    student's own MLP (``in_students_mlp``), that MLP and a description of the first error (the
    judge's note). Where both fail, the plain model: wrapping it again shows the student's error."""
    try:
        cls(model=model, **kwargs)
        return model, None
    except Exception as exc:
        try:
            own = in_students_mlp(weight, bias)
            cls(model=own, **kwargs)
        except Exception:
            return model, None
        return own, describe_exception(exc, submission_dir())


# -- MLP ------------------------------------------------------------------------------------


def _nonlin(spec: Any) -> Any:
    """A name as is, or ``{"module": "LeakyReLU", "kwargs": {...}}`` as a torch.nn instance."""
    if isinstance(spec, dict):
        return getattr(nn, spec["module"])(**spec.get("kwargs", {}))
    return spec


def _leaves(module: nn.Module) -> list[dict]:
    """The layers a print shows at the bottom (containers of raw parameters are not layers)."""
    leaves = [
        m
        for m in module.modules()
        if m is not module and not list(m.children()) and not isinstance(m, (nn.ParameterList, nn.ParameterDict))
    ]
    return [
        {
            "class": type(m).__name__,
            "repr": repr(m)[:300],
            "in_features": getattr(m, "in_features", None),
            "out_features": getattr(m, "out_features", None),
            "negative_slope": _float_or_none(getattr(m, "negative_slope", None)),
        }
        for m in leaves
    ]


def _float_or_none(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _int_or_none(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else None


@probe("hw2.part3.mlp")
def mlp(in_dim: int, dims: list, nonlins: list, x: Any) -> dict:
    """Build ``MLP(in_dim, dims, nonlins)`` under the request's seed and run it on ``x``."""
    model = _student_attr("mlp", "MLP")(in_dim=in_dim, dims=list(dims), nonlins=[_nonlin(n) for n in nonlins])
    if not isinstance(model, nn.Module):
        raise ProbeError(f"MLP(...) built a {type(model).__name__}, expected a torch.nn.Module")
    y = model(torch.from_numpy(np.asarray(x)))
    if not isinstance(y, torch.Tensor):
        raise ProbeError(f"MLP.forward returned {type(y).__name__}, expected a torch.Tensor")
    return {
        "leaves": _leaves(model),
        "params": [p.detach().to(torch.float64) for p in model.parameters()],
        "out_dim": _int_or_none(getattr(model, "out_dim", None)),
        "y": y.detach().to(torch.float64),
        "grad_fn": y.grad_fn is not None,
    }


# -- BinaryClassifier -----------------------------------------------------------------------


def _tensor_reply(value: Any, what: str) -> dict:
    if not isinstance(value, torch.Tensor):
        raise ProbeError(f"{what} returned {type(value).__name__}, expected a torch.Tensor")
    return {
        "values": value.detach().to(torch.float64),
        "dtype": str(value.dtype).replace("torch.", ""),
        "grad_fn": value.grad_fn is not None,
    }


def _attempt(fn: Any, what: str) -> dict:
    """The reply of one call, or the error it raised (so the other calls can still be judged)."""
    try:
        return _tensor_reply(fn(), what)
    except Exception as exc:
        return {"error": describe_exception(exc, submission_dir()), "what": what}


@probe("hw2.part3.binary_classifier")
def binary_classifier(weight: Any, bias: Any, x: Any, cases: list) -> dict:
    """The student's BinaryClassifier around a fixed ``nn.Linear``; each case builds one (with
    ``positive_class``/``threshold`` keywords, as the notebook does), optionally assigns
    ``.threshold`` afterwards (as the notebook does before re-plotting), and classifies ``x``."""
    cls = _student_attr("classifier", "BinaryClassifier")
    inputs = torch.from_numpy(np.asarray(x, dtype=np.float32))
    model, note = wrap_model(cls, _linear(weight, bias), weight, bias, **cases[0]["kwargs"])
    replies = []
    for case in cases:
        try:
            clf = cls(model=model, **case["kwargs"])
            if "assign_threshold" in case:
                clf.threshold = case["assign_threshold"]
        except Exception as exc:
            replies.append({"error": describe_exception(exc, submission_dir()), "what": ""})
            continue
        reply: dict[str, Any] = {"classify": _attempt(lambda clf=clf: clf.classify(inputs), "classify(x)")}
        if case.get("full"):
            reply["forward"] = _attempt(lambda clf=clf: clf(inputs), "forward(x)")
            reply["predict_proba"] = _attempt(lambda clf=clf: clf.predict_proba(inputs), "predict_proba(x)")
            reply["n_params"] = len(list(clf.parameters()))
        replies.append(reply)
    return {"cases": replies, "bare_model_error": note}


# -- select_roc_thresh ----------------------------------------------------------------------


def _identity_linear() -> nn.Linear:
    """Logits in, logits out: the judge chooses the probabilities through the inputs."""
    return _linear(np.eye(2), np.zeros(2))


def _number(value: Any, what: str) -> float:
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ProbeError(f"{what} returned {type(value).__name__}, expected a number")
    return float(value)


@probe("hw2.part3.select_roc_thresh")
def select_roc_thresh(logits: Any, y: Any) -> dict:
    """The student's select_roc_thresh on a known classifier whose positive-class probabilities
    are softmax(logits)[:, 1], called as the notebook does (``plot=True``)."""
    import matplotlib.pyplot as plt

    fn = _student_attr("classifier", "select_roc_thresh")
    clf = _known_classifier(_identity_linear())
    x = torch.from_numpy(np.asarray(logits, dtype=np.float32))
    labels = torch.from_numpy(np.asarray(y, dtype=np.int64))
    try:
        thresh = fn(clf, x, labels, plot=True)
    finally:
        plt.close("all")
    return {"thresh": _number(thresh, "select_roc_thresh")}


# -- plot_decision_boundary_2d --------------------------------------------------------------


def _artists(ax: Any) -> dict:
    """What is drawn on ``ax``: scatter offsets and the artists that can show a boundary."""
    from matplotlib.collections import PathCollection, QuadMesh
    from matplotlib.contour import ContourSet
    from matplotlib.image import AxesImage

    offsets, boundaries = [], []
    for artist in list(ax.collections) + list(ax.images):
        if isinstance(artist, ContourSet):
            z = [getattr(artist, "zmin", None), getattr(artist, "zmax", None)]
            boundaries.append({"kind": "contour", "zmin": z[0], "zmax": z[1]})
        elif isinstance(artist, (QuadMesh, AxesImage)):
            values = np.asarray(artist.get_array(), dtype=np.float64)
            boundaries.append(
                {"kind": type(artist).__name__, "zmin": float(np.nanmin(values)), "zmax": float(np.nanmax(values))}
            )
        elif isinstance(artist, PathCollection):
            offsets.append(np.asarray(artist.get_offsets(), dtype=np.float64).reshape(-1, 2))
    scatter = np.concatenate(offsets) if offsets else np.zeros((0, 2))
    return {"scatter": scatter, "boundaries": boundaries}


def _plot_reply(result: Any, given_ax: Any) -> dict:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    if not (isinstance(result, tuple) and len(result) == 2):
        kind = f"a tuple of {len(result)}" if isinstance(result, tuple) else type(result).__name__
        return {"shape_problem": f"returned {kind}, expected a (fig, ax) tuple"}
    fig, ax = result
    if not isinstance(fig, Figure) or not isinstance(ax, Axes):
        return {"shape_problem": f"returned ({type(fig).__name__}, {type(ax).__name__}), expected (Figure, Axes)"}
    reply = {
        "shape_problem": None,
        "ax_is_given": given_ax is None or ax is given_ax,
        "fig_is_ax_figure": ax.get_figure() is fig,
    }
    fig.canvas.draw()  # render it, as the notebook's inline backend would
    reply.update(_artists(given_ax if given_ax is not None else ax))
    return reply


@probe("hw2.part3.plot_decision_boundary_2d")
def plot_decision_boundary_2d(weight: Any, bias: Any, x: Any, y: Any) -> dict:
    """As the notebook calls it: once on its own figure, once onto a given ``ax`` of a grid."""
    import matplotlib.pyplot as plt

    fn = _student_attr("classifier", "plot_decision_boundary_2d")
    recorder = _Recorder(_linear(weight, bias))
    clf = _known_classifier(recorder)
    xs = torch.from_numpy(np.asarray(x, dtype=np.float32))
    ys = torch.from_numpy(np.asarray(y, dtype=np.int64))
    try:
        alone = _plot_reply(fn(clf, xs, ys), None)
        grid = recorder.inputs
        recorder.inputs = []
        _, axes = plt.subplots(1, 2, squeeze=False)
        onto = _plot_reply(fn(clf, xs, ys, ax=axes[0, 1]), axes[0, 1])
    finally:
        plt.close("all")
    evaluated = torch.cat(grid) if grid else torch.zeros((0, 2), dtype=torch.float64)
    return {"alone": alone, "onto_ax": onto, "evaluated": evaluated}


# -- ClassifierTrainer ----------------------------------------------------------------------


def _batch_result(result: Any, what: str) -> dict:
    loss = getattr(result, "loss", None)
    correct = getattr(result, "num_correct", None)
    if loss is None or correct is None:
        raise ProbeError(f"{what} returned {type(result).__name__}, expected a BatchResult(loss, num_correct)")
    return {"loss": _number(loss, f"{what}.loss"), "num_correct": _number(correct, f"{what}.num_correct")}


def _params_of(model: nn.Module) -> list:
    return [p.detach().to(torch.float64).clone() for p in model.parameters()]


def _fit_result(result: Any) -> dict:
    fields = ("num_epochs", "train_loss", "train_acc", "test_loss", "test_acc")
    if not all(hasattr(result, f) for f in fields):
        raise ProbeError(f"fit returned {type(result).__name__}, expected a FitResult{fields}")
    out: dict[str, Any] = {"num_epochs": _number(result.num_epochs, "FitResult.num_epochs")}
    for f in fields[1:]:
        values = getattr(result, f)
        try:
            out[f] = [_number(v, f"FitResult.{f}[i]") for v in values]
        except TypeError:
            raise ProbeError(f"FitResult.{f} is a {type(values).__name__}, expected a list of numbers") from None
    return out


def _trainer(model: nn.Module, lr: float, known_batches: bool = False, threshold: float = 0.5) -> tuple[Any, nn.Module]:
    """The student's ClassifierTrainer for a known classifier around ``model`` with plain SGD;
    with ``known_batches`` its train_batch/test_batch are replaced by correct ones, so that
    fit, train_epoch, test_epoch and _foreach_batch are judged on their own."""
    cls = _student_attr("training", "ClassifierTrainer")
    if known_batches:
        cls = type("ClassifierTrainer", (cls,), {"train_batch": _known_train_batch, "test_batch": _known_test_batch})
    clf = _known_classifier(model, threshold)
    optimizer = torch.optim.SGD(params=clf.parameters(), lr=lr)
    trainer = cls(clf, nn.CrossEntropyLoss(), optimizer)
    # the known batches use these, not the trainer's attributes: a student may keep them under other names
    trainer._grader_parts = (clf, nn.CrossEntropyLoss(), optimizer)
    return trainer, clf


def _known_train_batch(self: Any, batch: list) -> Any:
    from cs236781.train_results import BatchResult

    x, y = batch
    model, loss_fn, optimizer = self._grader_parts
    optimizer.zero_grad()
    scores = model(x)
    loss = loss_fn(scores, y)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        correct = _count_value(self, (model.classify_scores(scores) == y).sum())
    return BatchResult(_loss_value(self, loss), correct)


def _known_test_batch(self: Any, batch: list) -> Any:
    from cs236781.train_results import BatchResult

    x, y = batch
    model, loss_fn, _ = self._grader_parts
    with torch.no_grad():
        scores = model(x)
        return BatchResult(
            _loss_value(self, loss_fn(scores, y)), _count_value(self, (model.classify_scores(scores) == y).sum())
        )


def _loss_value(trainer: Any, loss: torch.Tensor) -> Any:
    """A float (the skeleton's annotation) or, on a retry, a 0-d tensor as many students return."""
    return loss.detach() if getattr(trainer, "_grader_tensors", 0) >= TENSOR_LOSSES else loss.item()


def _count_value(trainer: Any, count: torch.Tensor) -> Any:
    """An int, or on the last retry a 0-d tensor (``plain_then_tensors``)."""
    return count.detach() if getattr(trainer, "_grader_tensors", 0) >= TENSOR_COUNTS else int(count)


@probe("hw2.part3.trainer_batches")
def trainer_batches(weight: Any, bias: Any, lr: float, train: list, test: list, threshold: float = 0.5) -> dict:
    """ClassifierTrainer.train_batch on each ``train`` batch, then test_batch on ``test``, for a
    known classifier (of the given threshold) around ``nn.Linear`` and plain SGD; parameters after each call."""
    trainer, clf = _trainer(_linear(weight, bias), lr, threshold=threshold)
    steps: list[dict[str, Any]] = []
    for x, y in train + [test]:
        batch = [torch.from_numpy(np.asarray(x, dtype=np.float32)), torch.from_numpy(np.asarray(y, dtype=np.int64))]
        is_test = len(steps) == len(train)
        if not is_test:
            result = trainer.train_batch(batch)
        else:
            try:  # a test_batch that fails leaves the train batches to be judged on their own
                result = trainer.test_batch(batch)
            except Exception as exc:
                return {"steps": steps, "test_error": describe_exception(exc, submission_dir())}
        steps.append({**_batch_result(result, "test_batch" if is_test else "train_batch"), "params": _params_of(clf)})
    return {"steps": steps, "test_error": None}


@probe("hw2.part3.trainer_fit")
def trainer_fit(weight: Any, bias: Any, lr: float, train: list, test: list, batch_size: int, num_epochs: int) -> dict:
    """Trainer.fit(dl_train, dl_test, num_epochs) on unshuffled loaders, with correct
    train_batch/test_batch, so the judge can replay it."""

    def run(tensors: int) -> dict:
        trainer, _ = _trainer(_linear(weight, bias), lr, known_batches=True)
        trainer._grader_tensors = tensors
        dl_train = _loader(train[0], train[1], batch_size, shuffle=False)
        dl_test = _loader(test[0], test[1], batch_size, shuffle=False)
        return _fit_result(trainer.fit(dl_train, dl_test, num_epochs=num_epochs, print_every=SELDOM))

    return plain_then_tensors(run)


def _losses_report(losses: list[float], num_epochs: int) -> dict:
    """Where the loss first stops being finite: 1-based, per batch (or per epoch, for a FitResult
    that keeps one loss per epoch)."""
    bad = next((i + 1 for i, v in enumerate(losses) if not math.isfinite(v)), None)
    return {"first_nonfinite_loss": bad, "loss_unit": "batch" if len(losses) > num_epochs else "epoch"}


# The optimizers a judge may name for its own settings (torch's, never the student's).
JUDGE_OPTIMIZERS = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam}


def judge_optimizer(name: str, params: Any, kwargs: dict) -> torch.optim.Optimizer:
    if name not in JUDGE_OPTIMIZERS:
        raise ProbeError(f"the judge asked for an unknown optimizer {name!r}")
    return JUDGE_OPTIMIZERS[name](params, **kwargs)


@probe("hw2.part3.notebook_training")
def notebook_training(
    data: dict,
    hp_arch: dict,
    hp_optim: dict,
    loss: str,
    num_epochs: int,
    init_seed: int = NOTEBOOK_SEED,
    optimizer: str = "SGD",
    grid: Any = None,
) -> dict:
    """The notebook's first training cell with the student's MLP, BinaryClassifier and
    ClassifierTrainer, with the settings the judge gives (known to learn; ``optimizer`` and
    ``loss`` name torch classes); ``init_seed`` is the notebook's unless the judge asks for more runs.
    With ``grid`` (points), also the trained model's classes there, for the report's figure."""
    mlp_cls = _student_attr("mlp", "MLP")
    clf_cls = _student_attr("classifier", "BinaryClassifier")
    trainer_cls = _student_attr("training", "ClassifierTrainer")
    dl_train, dl_valid, _ = _moons_loaders(data)
    torch.manual_seed(init_seed)
    n = hp_arch["n_layers"]
    model = clf_cls(
        model=mlp_cls(
            in_dim=2,
            dims=[*[hp_arch["hidden_dims"]] * n, 2],
            nonlins=[*[hp_arch["activation"]] * n, hp_arch["out_activation"]],
        ),
        threshold=0.5,
    )
    trainer = trainer_cls(model, getattr(nn, loss)(), judge_optimizer(optimizer, model.parameters(), hp_optim))
    result = _fit_result(trainer.fit(dl_train, dl_valid, num_epochs=num_epochs, print_every=SELDOM))
    classes = _classes_on(model, grid) if grid is not None else None
    return {**result, **_losses_report(result["train_loss"], num_epochs), "grid_classes": classes}


def _classes_on(model: Any, grid: Any) -> Any:
    """The classes ``model.classify`` gives on ``grid``, or None: only a figure depends on it,
    so whatever the student's classify does here is never a finding."""
    try:
        with torch.no_grad():
            classes = model.classify(torch.as_tensor(grid, dtype=torch.float32))
        if isinstance(classes, torch.Tensor) and classes.numel() == len(grid):
            return classes.detach().reshape(-1).to(torch.int64)
    except Exception:
        pass
    return None


# -- the student's hyper-parameters -------------------------------------------------------

REFERENCE_ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "softmax": lambda: nn.Softmax(dim=1),
    "logsoftmax": lambda: nn.LogSoftmax(dim=1),
    "lrelu": nn.LeakyReLU,
    "none": nn.Identity,
    None: nn.Identity,
}


def _activation(spec: Any) -> nn.Module:
    """An activation as the skeleton's MLP makes it: an nn.Module as is, else by name (the
    skeleton's names, then any the student added to hw2.mlp.ACTIVATIONS)."""
    if isinstance(spec, nn.Module):
        return spec
    if spec == "lrelu":  # at the default slope the student's MLP gives it, as in their notebook
        defaults = getattr(_student("mlp"), "ACTIVATION_DEFAULT_KWARGS", {})
        kwargs = defaults.get("lrelu") if isinstance(defaults, dict) else None
        if isinstance(kwargs, dict) and set(kwargs) <= {"negative_slope"}:
            return nn.LeakyReLU(**kwargs)
    if spec in REFERENCE_ACTIVATIONS:
        return REFERENCE_ACTIVATIONS[spec]()
    extra = getattr(_student("mlp"), "ACTIVATIONS", {})
    if isinstance(extra, dict) and spec in extra:
        return extra[spec]()
    raise ProbeError(f"unknown activation {spec!r} in part3_arch_hp()")


def _hp_model(hp_arch: dict) -> nn.Module:
    """The notebook's BinaryClassifier(MLP(...)) for ``hp_arch``, with the reference's layers
    (creation order Linear, activation, ... as the skeleton's MLP: the same initialisation)."""
    missing = {"n_layers", "hidden_dims", "activation", "out_activation"} - set(hp_arch)
    if missing:
        raise ProbeError(f"part3_arch_hp() has no {', '.join(sorted(missing))}")
    n, width = int(hp_arch["n_layers"]), int(hp_arch["hidden_dims"])
    layers: list[nn.Module] = []
    d_in = 2
    for d_out, act in zip([width] * n + [2], [hp_arch["activation"]] * n + [hp_arch["out_activation"]]):
        layers += [nn.Linear(d_in, d_out), _activation(act)]
        d_in = d_out
    return nn.Sequential(*layers)


def _describe_hp(hp_arch: dict, hp_optim: dict, loss_fn: Any) -> str:
    loss = getattr(loss_fn, "__name__", None) or type(loss_fn).__name__
    arch = ", ".join(f"{k}={v!r}" for k, v in hp_arch.items())
    optim = ", ".join(f"{k}={v!r}" for k, v in hp_optim.items())
    return f"part3_arch_hp(): {arch}; part3_optim_hp(): loss_fn={loss}, {optim}"


def _correct(scores: torch.Tensor, y: torch.Tensor) -> int:
    """BinaryClassifier(threshold=0.5): class 1 iff softmax(scores)[:, 1] >= 0.5."""
    return int(((torch.softmax(scores, dim=1)[:, 1] >= 0.5).to(y.dtype) == y).sum())


@probe("hw2.part3.hp_training")
def hp_training(data: dict, num_epochs: int, init_seed: int = NOTEBOOK_SEED) -> dict:
    """The notebook's first training cell with the student's part3_arch_hp/part3_optim_hp, on a
    known-good MLP and training loop (so only the hyper-parameters are judged): seed 42, SGD with
    the student's arguments and loss, the notebook's shuffled loaders (batches of 32), train
    accuracy counted during the epoch, validation accuracy after it."""
    answers = _student("answers")
    hp_arch, hp_optim = dict(answers.part3_arch_hp()), dict(answers.part3_optim_hp())
    if "loss_fn" not in hp_optim:
        raise ProbeError("part3_optim_hp() has no 'loss_fn'")
    loss_fn = hp_optim.pop("loss_fn")
    description = _describe_hp(hp_arch, hp_optim, loss_fn)
    # the notebook's own shuffled loaders: each epoch's iter(dl_train) and iter(dl_valid) draw from
    # the global generator after the seeded model, so these are the very batches the student's
    # notebook trained on (another shuffle moves the final accuracies by up to ~2%)
    dl_train, dl_valid, _ = _moons_loaders(data)
    n_train, n_valid = len(dl_train.dataset), len(dl_valid.dataset)
    torch.manual_seed(init_seed)  # the notebook's seed, unless the judge decides a borderline run on more
    model = _hp_model(hp_arch)
    # foreach: the same arithmetic as the default per-parameter loop, in fewer calls
    optimizer = torch.optim.SGD(params=model.parameters(), **{"foreach": True, **hp_optim})
    train_acc, valid_acc, losses = [], [], []
    for _ in range(num_epochs):
        model.train(True)
        correct = 0
        for x, y in dl_train:
            optimizer.zero_grad()
            scores = model(x)
            loss = loss_fn(scores, y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            with torch.no_grad():
                correct += _correct(scores, y)
        model.train(False)
        with torch.no_grad():
            valid_correct = sum(_correct(model(x), y) for x, y in dl_valid)
        train_acc.append(100.0 * correct / n_train)
        valid_acc.append(100.0 * valid_correct / n_valid)
    return {"hp": description, "train_acc": train_acc, "valid_acc": valid_acc, **_losses_report(losses, num_epochs)}


# -- mlp_experiment -------------------------------------------------------------------------


def _own_trainer_accuracy(model: nn.Module, returned: Any, dl_test: DataLoader) -> float | None:
    """What the student's own ClassifierTrainer.test_epoch counts for the returned model at its
    threshold (None where that fails): where it miscounts too, a test_acc that differs from the
    model's accuracy is the trainer's (or classifier's) bug, not mlp_experiment's. The global RNG is
    restored: the notebook's loop goes on from the same state."""
    state = torch.get_rng_state()
    try:
        model.threshold = returned  # the model at the threshold returned with it, whatever the code set
        trainer = _student_attr("training", "ClassifierTrainer")(
            model, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.0)
        )
        return float(trainer.test_epoch(dl_test, verbose=False).accuracy)
    except Exception:
        return None
    finally:
        torch.set_rng_state(state)


@probe("hw2.part3.mlp_experiment")
def mlp_experiment(data: dict, configs: list, n_epochs: int) -> dict:
    """The notebook's architecture experiment on ``configs`` ([depth, width] pairs), seeded once
    before the loop as the notebook does; for each run, what the judge needs to check it."""
    fn = _student_attr("experiments", "mlp_experiment")
    dl_train, dl_valid, dl_test = _moons_loaders(data)
    x_test = dl_test.dataset.tensors[0]
    torch.manual_seed(NOTEBOOK_SEED)
    runs = []
    for depth, width in configs:
        out = fn(depth, width, dl_train, dl_valid, dl_test, n_epochs=n_epochs)
        if not (isinstance(out, (tuple, list)) and len(out) == 4):
            raise ProbeError(
                f"mlp_experiment returned {type(out).__name__}, expected (model, thresh, valid_acc, test_acc)"
            )
        model, thresh, valid_acc, test_acc = out
        if not isinstance(model, nn.Module) or not hasattr(model, "predict_proba"):
            raise ProbeError(
                f"mlp_experiment returned a {type(model).__name__} as its model, expected a BinaryClassifier"
            )
        with torch.no_grad():
            proba = _tensor_reply(model.predict_proba(x_test), "the model's predict_proba")["values"]
        positive = int(getattr(model, "positive_class", 1))
        trainer_acc = _own_trainer_accuracy(model, thresh, dl_test)
        runs.append(
            {
                "trainer_acc": trainer_acc,
                "depth": depth,
                "width": width,
                "thresh": _number(thresh, "mlp_experiment's thresh"),
                "valid_acc": _number(valid_acc, "mlp_experiment's valid_acc"),
                "test_acc": _number(test_acc, "mlp_experiment's test_acc"),
                "weight_shapes": [list(p.shape) for p in model.parameters() if p.ndim == 2 and min(p.shape) > 1],
                "positive_proba": proba[:, positive],
            }
        )
    return {"runs": runs}
