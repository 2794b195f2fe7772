"""Exercises 1-2: models trained on MNIST with the student's own framework (layers, errors,
MultipleLayerModel, UniformInit, GradientDescentLearningRule, Optimiser).

The notebook trains for 100 epochs on 50,000 images; here a scaled-down run (1,000 training
images, a few epochs, known-good hyper-parameters) must reach a validation accuracy the
reference reaches with a clear margin. The trained model's outputs come back, so accuracy and
error are computed here, by the judge, and the Optimiser's recorded statistics are compared with
them. Nothing here uses the answer key.
"""

from __future__ import annotations

import numpy as np

from .. import check, figures
from ..base import CheckAbort, CheckContext, Finding, finding

TRAIN_N, VALID_N = 1000, 300
TRAIN_TIMEOUT = 60.0
# kind -> what the notebook cell builds, and the scaled-down run's settings
RUNS = {
    "softmax": {
        "label": "exercise 1: AffineLayer(784, 10) + SoftmaxLayer, CrossEntropyError",
        "learning_rate": 0.5,
        "init_scale": 0.01,
        "batch_size": 25,
        "num_epochs": 3,
    },
    "deep": {
        "label": "exercise 2: AffineLayer(784, 100), SigmoidLayer, AffineLayer(100, 10), CrossEntropySoftmaxError",
        "learning_rate": 1.0,
        "init_scale": 0.1,
        "batch_size": 25,
        "num_epochs": 6,
    },
}
STAT_KEYS = ("error(train)", "acc(train)", "error(valid)", "acc(valid)")


def _accuracy(outputs: np.ndarray, labels: np.ndarray) -> float:
    return float((np.asarray(outputs).argmax(axis=1) == labels).mean())


@check("training.mnist")
def mnist(ctx: CheckContext) -> list[Finding]:
    train_images, train_labels = ctx.mnist.arrays("train", TRAIN_N)
    valid_images, valid_labels = ctx.mnist.arrays("test", VALID_N)
    # MNIST itself is harder than the digits stand-in: its own (lower) thresholds when it is on the machine
    suffix = "_mnist" if ctx.mnist.real else ""
    thresholds = {kind: float(ctx.params.get(f"{kind}_min_acc{suffix}", 0.8 if not suffix else 0.75)) for kind in RUNS}
    findings, stats_problems, judged = [], [], 0
    for kind, settings in RUNS.items():
        label = settings["label"]
        args = {k: v for k, v in settings.items() if k != "label"}
        try:
            reply = ctx.call(
                "edinburgh_mlp.train",
                doing=f"training {label}",
                timeout=TRAIN_TIMEOUT,
                kind=kind,
                train_images=train_images,
                train_labels=train_labels,
                valid_images=valid_images,
                valid_labels=valid_labels,
                **args,
            )
        except CheckAbort as exc:
            findings.append(Finding(f"{kind}_model", False, str(exc)))
            continue
        if not isinstance(reply, dict) or not all(
            k in reply for k in ("stats", "keys", "outputs_valid", "outputs_train")
        ):
            raise CheckAbort(f"training {label}: the worker's reply was not a training run")
        judged += 1
        ctx.figure(lambda: _stats_figure(label, settings, reply))  # noqa: B023 (called at once)
        findings.append(_judge_learning(kind, label, settings, reply, valid_labels, thresholds[kind]))
        stats_problems.extend(_judge_stats(kind, settings, reply, train_labels, valid_labels))
    if judged == 0:
        stats_problems.append("no training run finished, so the Optimiser's statistics could not be judged")
    findings.append(
        finding(
            "optimiser_stats",
            stats_problems[:4],
            "train() returns (stats, keys, run_time): stats has a row before training and one every "
            "stats_interval epochs, keys maps 'error(train)', 'acc(train)', 'error(valid)', "
            "'acc(valid)' to columns; each statistic is the mean over the set's batches",
        )
    )
    ctx.notes.append(
        "training data: "
        + ("MNIST" if ctx.mnist.real else "the scikit-learn digits stand-in")
        + f", {TRAIN_N} training / {VALID_N} validation images"
    )
    return findings


def _stats_figure(label: str, settings: dict, reply: dict) -> figures.Plot | None:
    """The Optimiser's own statistics per epoch (row 0: before training), where they have the
    layout the lab asks for (``ctx.figure`` leaves the figure out on anything else)."""
    stats, keys = np.asarray(reply["stats"], dtype=np.float64), dict(reply["keys"])
    columns = {k: int(keys[k]) for k in STAT_KEYS}
    if stats.ndim != 2 or not all(0 <= c < stats.shape[1] for c in columns.values()):
        return None
    x = list(range(len(stats)))

    def line(name: str, key: str) -> figures.Series:
        return figures.Series(name, stats[:, columns[key]].tolist(), x)

    return figures.Plot(
        f"{label}: your Optimiser's statistics, {settings['num_epochs']} epochs",
        [
            figures.Panel("error", [line("train", "error(train)"), line("valid", "error(valid)")]),
            figures.Panel("accuracy", [line("train", "acc(train)"), line("valid", "acc(valid)")]),
        ],
    )


def _judge_learning(
    kind: str, label: str, settings: dict, reply: dict, labels: np.ndarray, threshold: float
) -> Finding:
    outputs = np.asarray(reply["outputs_valid"], dtype=np.float64)
    run = (
        f"{settings['num_epochs']} epochs, learning_rate={settings['learning_rate']}, "
        f"UniformInit(+-{settings['init_scale']}), batch_size={settings['batch_size']}"
    )
    if outputs.shape != (len(labels), 10):
        return Finding(
            f"{kind}_model",
            False,
            f"{label}: the trained model's outputs have shape {outputs.shape}, expected ({len(labels)}, 10)",
        )
    if not np.isfinite(outputs).all():
        return Finding(
            f"{kind}_model",
            False,
            f"{label}: after training ({run}) the model's outputs are not finite: "
            "training diverged (is the update p -= learning_rate * grad, and the "
            "error gradient divided by the batch size?)",
        )
    acc = _accuracy(outputs, labels)
    if acc >= threshold:
        return Finding(f"{kind}_model", True, "")
    return Finding(
        f"{kind}_model",
        False,
        f"{label}: validation accuracy {acc:.3f} after training ({run}); expected >= {threshold:.2f} "
        "(the answer key reaches about 0.9)\n  hint: the layers, error, model, learning rule and "
        "Optimiser are all used here; the other checks say which of them is wrong",
    )


def _judge_stats(
    kind: str, settings: dict, reply: dict, train_labels: np.ndarray, valid_labels: np.ndarray
) -> list[str]:
    stats, keys = np.asarray(reply["stats"], dtype=np.float64), reply["keys"]
    where = f"Optimiser.train ({kind} model, num_epochs={settings['num_epochs']}, stats_interval=1)"
    missing = [k for k in STAT_KEYS if k not in keys]
    if missing:
        return [f"{where}: keys has no {', '.join(missing)} (got {sorted(keys)})"]
    rows = settings["num_epochs"] + 1
    if stats.ndim != 2 or stats.shape[0] != rows or stats.shape[1] < len(keys):
        return [
            f"{where}: stats of shape {stats.shape}, expected ({rows}, {len(keys)}): one row before training, "
            "then one per epoch"
        ]
    if any(not 0 <= v < stats.shape[1] for v in keys.values()):
        return [f"{where}: keys point outside the stats' {stats.shape[1]} columns"]
    problems = []
    outputs = {
        "train": np.asarray(reply["outputs_train"], dtype=np.float64),
        "valid": np.asarray(reply["outputs_valid"], dtype=np.float64),
    }
    labels = {"train": train_labels, "valid": valid_labels}
    for split in ("train", "valid"):
        out = outputs[split]
        if out.shape != (len(labels[split]), 10) or not np.isfinite(out).all():
            continue  # reported by the learning finding
        acc = _accuracy(out, labels[split])
        got = stats[-1, keys[f"acc({split})"]]
        if not abs(got - acc) <= 1e-6:
            problems.append(
                f"{where}: the last row's acc({split}) is {got:.6g}; the trained model's accuracy on "
                f"that set is {acc:.6g}"
            )
    return problems
