"""Probes for CS236781 HW2 Parts 4-5: run the student's code on inputs the judge sends.

Networks are built and run the way the notebook does (``torch.manual_seed`` before the
constructor and again before the forward pass), so that the judge can build the reference under
the same seed and compare. ``layer_table`` (``boundary/model_table.py``) is also what the judge
applies to the reference: one description of a network's layers for both sides.
"""

from __future__ import annotations

import json
import os
from typing import Any

import torch
from torch import nn

from ..boundary.model_table import layer_table, table_modules
from ..boundary.shipped import image_dataset, install_cifar10, loader, to_tensor_images
from .hw2_part3 import judge_optimizer, wrap_model
from .server import ProbeError, current_seed, describe_exception, import_student, probe, submission_dir

MAX_RESULT_FILE = 1 << 20  # bytes of an experiment's JSON file the judge is sent back


# -- networks ---------------------------------------------------------------------------------


def _student_class(module: str, name: str) -> Any:
    cls = getattr(import_student(module), name, None)
    if cls is None:
        raise ProbeError(f"{module} has no class {name}")
    return cls


def _net_kwargs(kwargs: dict) -> dict:
    # the notebook passes in_size as a tuple; the wire turned it into a list
    return {k: tuple(v) if k == "in_size" else v for k, v in kwargs.items()}


@probe("hw2.part4.seeded_forward")
def seeded_forward(cls: str, kwargs: dict, input_shape: list) -> dict:
    """Build ``hw2.cnn.<cls>(**kwargs)`` and run it on ``torch.ones(input_shape)``, seeding
    before each step as the notebook does. A failing forward is reported next to the layers, so
    the judge can still judge the architecture."""
    seed = current_seed()
    torch.manual_seed(seed)
    net = _student_class("hw2.cnn", cls)(**_net_kwargs(kwargs))
    if not isinstance(net, nn.Module):
        raise ProbeError(f"{cls}(...) is a {type(net).__name__}, not a torch.nn.Module")
    layers = layer_table(net)
    order = _record_call_order(net)
    torch.manual_seed(seed)
    try:
        out = net(torch.ones(*input_shape))
    except Exception as exc:
        return {"layers": layers, "order": None, "output": None, "error": describe_exception(exc, submission_dir())}
    if not isinstance(out, torch.Tensor):
        raise ProbeError(f"{cls}.forward returned {type(out).__name__}, expected a torch.Tensor")
    return {"layers": layers, "order": order, "output": out.detach(), "error": None}


def _record_call_order(net: nn.Module) -> list[int]:
    """Indices (into ``layer_table(net)``) of the leaf modules in the order forward calls them."""
    order: list[int] = []
    for i, (_, module, _) in enumerate(table_modules(net)):
        module.register_forward_hook(lambda *_, i=i: order.append(i))
    return order


@probe("hw2.part4.your_cnn")
def your_cnn(kwargs: dict, input_shape: list) -> dict:
    """The notebook's YourCNN cell: build, forward a random 0..255 image. The 2023+ skeletons
    have no YourCNN, so a missing class is an answer, not an error."""
    cls = getattr(import_student("hw2.cnn"), "YourCNN", None)
    if cls is None:
        return {"present": False}
    torch.manual_seed(current_seed())
    net = cls(**_net_kwargs(kwargs))
    image = torch.randint(low=0, high=256, size=tuple(input_shape), dtype=torch.float)
    out = net(image)
    if not isinstance(out, torch.Tensor):
        raise ProbeError(f"YourCNN.forward returned {type(out).__name__}, expected a torch.Tensor")
    return {"present": True, "output": out.detach()}


# -- classifier and training ------------------------------------------------------------------


def _outcome(what: str, fn: Any) -> dict:
    """Call ``fn``; its tensor result or the student's error, so one failure spares the rest."""
    try:
        value = fn()
    except Exception as exc:
        return {"value": None, "error": describe_exception(exc, submission_dir())}
    if not isinstance(value, torch.Tensor):
        raise ProbeError(f"{what} returned {type(value).__name__}, expected a torch.Tensor")
    return {"value": value.detach(), "error": None}


@probe("hw2.part4.argmax_classifier")
def argmax_classifier(weight: Any, bias: Any, x: Any) -> dict:
    """ArgMaxClassifier around a linear model with the judge's weights."""
    linear = nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(weight))
        linear.bias.copy_(torch.from_numpy(bias))
    cls = _student_class("hw2.classifier", "ArgMaxClassifier")
    xt = torch.from_numpy(x)
    # the notebook wraps only the student's own models (their CNN here): their MLP is the second try
    wrapped, note = wrap_model(cls, nn.Sequential(nn.Flatten(), linear), weight, bias)
    model = cls(model=wrapped)
    if note:  # their MLP takes the samples flattened
        xt = xt.reshape(xt.shape[0], -1)
    return {
        "proba": _outcome("predict_proba", lambda: model.predict_proba(xt)),
        "classes": _outcome("classify", lambda: model.classify(xt)),
        "bare_model_error": note,
    }


def _optimizer_hp(hp: dict | None) -> tuple[dict, Any, dict]:
    """(optimizer arguments, loss function, a description for the feedback) from the judge's own
    settings, or from the student's ``answers.part4_optim_hp()`` (SGD's) when ``hp`` is None."""
    if hp is not None:
        return dict(hp), nn.CrossEntropyLoss(), dict(hp, loss_fn="CrossEntropyLoss()")
    got = import_student("hw2.answers").part4_optim_hp()
    if not isinstance(got, dict) or "loss_fn" not in got:
        raise ProbeError("part4_optim_hp() must return a dict with a 'loss_fn' entry and the SGD arguments")
    got = dict(got)
    loss_fn = got.pop("loss_fn")
    if not callable(loss_fn):
        raise ProbeError(f"part4_optim_hp()['loss_fn'] is a {type(loss_fn).__name__}, not a callable loss")
    shown = {k: v if isinstance(v, (int, float, str, bool)) or v is None else repr(v) for k, v in got.items()}
    return got, loss_fn, dict(shown, loss_fn=repr(loss_fn)[:200])


@probe("hw2.part4.overfit")
def overfit(
    images: Any,
    labels: Any,
    hp: dict | None,
    epochs: int,
    batch_size: int,
    max_batches: int,
    stop_at: float,
    optimizer: str = "SGD",
    classifier: str | None = "ArgMaxClassifier",
) -> dict:
    """The notebook's overfitting cell: CNN([32], pool_every=1, hidden [100]) in an
    ArgMaxClassifier, the student's ClassifierTrainer.train_epoch; SGD with the student's
    part4_optim_hp(), or the optimizer the judge names with its own settings. After every epoch the
    trained model's own predictions on the training images are recorded (the judge counts them,
    not the trainer); stops once ``stop_at`` percent are right. ``classifier=None``: the CNN is
    trained bare, as offerings without a classifier module did (spring 2021's TorchTrainer)."""
    cnn_cls = _student_class("hw2.cnn", "CNN")
    classifier_cls = _student_class("hw2.classifier", classifier) if classifier else (lambda model: model)
    trainer_cls = _student_class("hw2.training", "ClassifierTrainer")
    args, loss_fn, shown = _optimizer_hp(hp)

    torch.manual_seed(current_seed())
    dl_train = loader(image_dataset(images, labels), batch_size, shuffle=False)
    x = to_tensor_images(images)
    y = torch.from_numpy(labels)
    model = classifier_cls(
        model=cnn_cls(
            tuple(x.shape[1:]),
            10,
            channels=[32],
            pool_every=1,
            hidden_dims=[100],
            conv_params=dict(kernel_size=3, stride=1, padding=1),
            pooling_params=dict(kernel_size=2),
        )
    )
    opt = judge_optimizer(optimizer if hp is not None else "SGD", model.parameters(), args)
    trainer = trainer_cls(model, loss_fn, opt, torch.device("cpu"))

    predictions, reported, losses = [], [], []
    for _ in range(epochs):
        res = trainer.train_epoch(dl_train, max_batches=max_batches, verbose=False)
        reported.append(float(res.accuracy))
        losses.append(float(sum(res.losses) / max(len(res.losses), 1)))
        with torch.no_grad():
            predicted = model(x).argmax(dim=1)
        predictions.append(predicted)
        if float((predicted == y).double().mean()) * 100 >= stop_at:
            break
    return {"predictions": torch.stack(predictions), "reported": reported, "losses": losses, "hp": shown}


# -- experiments ------------------------------------------------------------------------------


def _results_dir() -> str:
    return os.path.join(submission_dir(), "results")


def _json_files(folder: str) -> dict[str, float]:
    found = {}
    for root, _, names in os.walk(folder):
        for name in names:
            if name.endswith(".json"):
                path = os.path.join(root, name)
                found[os.path.relpath(path, submission_dir())] = os.path.getmtime(path)
    return found


def _read_json(path: str) -> tuple[Any, str | None]:
    if os.path.getsize(path) > MAX_RESULT_FILE:
        return None, f"{os.path.getsize(path)} bytes, more than the {MAX_RESULT_FILE} expected of a result file"
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh), None
    except (ValueError, UnicodeDecodeError) as exc:
        return None, f"not valid JSON ({exc})"


@probe("hw2.part5.cnn_experiment")
def cnn_experiment(train: list, test: list, run_name: str, kwargs: dict, expected_file: str) -> dict:
    """Run ``cnn_experiment(run_name, **kwargs)`` from the submission's folder (so the default
    out_dir './results' lands in the sandbox copy) on the judge's images standing in for
    CIFAR-10, then read back the JSON files it wrote."""
    experiments = import_student("hw2.experiments")
    run = getattr(experiments, "cnn_experiment", None)
    if run is None:
        raise ProbeError("hw2.experiments has no function cnn_experiment")
    install_cifar10(train=tuple(train), test=tuple(test), modules=(experiments,))
    os.chdir(submission_dir())
    target = os.path.join(submission_dir(), expected_file)
    if os.path.exists(target):
        os.remove(target)  # left by an earlier run in this sandbox copy: must not count
    before = _json_files(_results_dir())
    run(run_name, **kwargs)
    written = sorted(p for p, t in _json_files(_results_dir()).items() if before.get(p) != t)
    used = expected_file if os.path.exists(target) else (written[0] if len(written) == 1 else None)
    data, problem = _read_json(os.path.join(submission_dir(), used)) if used else (None, None)
    return {"written": written, "used": used, "data": data, "read_error": problem}


@probe("hw2.part5.load_experiment")
def load_experiment(document: dict, file_name: str) -> dict:
    """Write the judge's result document as JSON, load it with the student's load_experiment."""
    experiments = import_student("hw2.experiments")
    load = getattr(experiments, "load_experiment", None)
    if load is None:
        raise ProbeError("hw2.experiments has no function load_experiment")
    path = os.path.join(_results_dir(), file_name)
    os.makedirs(_results_dir(), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(document, fh)
    loaded = load(path)
    if not (isinstance(loaded, tuple) and len(loaded) == 2):
        raise ProbeError(f"load_experiment returned {type(loaded).__name__}, expected a (config, FitResult) tuple")
    cfg, fit = loaded
    if hasattr(fit, "_asdict"):
        fields = fit._asdict()
    else:
        fields = {k: getattr(fit, k) for k in document["results"] if hasattr(fit, k)}
    # through JSON: whatever the student's objects are, the judge gets plain data
    plain = json.loads(json.dumps({"cfg": cfg, "fit": fields}, default=repr))
    return dict(plain, fit_type=type(fit).__name__)
