"""``get_accuracy(model, data)``: judged on logits the judge chose, then on a linear model of MNIST.

``accuracy.argmax`` keeps two questions apart:

- *prediction*: is each image counted correct exactly when its highest logit is its label? Asked
  one image at a time (``get_accuracy`` on a one-image list is 1 or 0), on rows built to expose
  the usual mistakes: argmin, the wrong dimension, ties between two wrong classes (wrong under
  any tie-break), all-negative and very large logits, the maximum in the first or last class, a
  margin of 1e-3. Rows where the label itself ties for the maximum are avoided: their verdict
  depends on the tie-break, which the tutorial leaves to ``max``.
- *batches*: on sets of 37, 501 (= 500 + 1), 1,000 and 1,234 images, is the value the number of
  images the student's own code counts correct, divided by the number of images? This is judged
  on the student's own per-image verdicts, so an argmax bug is not counted twice; per-batch
  averaging, dividing by the number of batches or by a fixed batch size of 500 show here.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn

from ...boundary.shipped import decode_ids, encode_ids, mnist_pairs
from .. import check
from ..base import CheckAbort, CheckContext, Finding, finding
from .common import split

ROWS = 120
SET_SIZES = (37, 501, 1000, 1234)
LOADER_BATCH = 500  # the tutorial's DataLoader batch in get_accuracy
KINDS = (
    "the label has the highest logit",
    "the highest logit is another class",
    "the label has the LOWEST logit",
    "two other classes tie for the highest logit",
    "all logits negative, the label's highest",
    "the label's logit is highest, in class 0 or 9",
    "the label's logit is highest by 1e-3",
    "logits in the thousands, two lower classes tied",
)
# A fraction computed in float32 ((pred == ts).float().mean().item(), as many students write it)
# is off by up to ~6e-8 from correct / total; two different counts of n <= 1,234 images differ by
# 1/n >= 8e-4, so this tolerance separates them by four orders of magnitude.
FRACTION_TOL = 1e-6
ACCURACY_HINT = (
    "pred = zs.max(1, keepdim=True)[1] (or zs.argmax(dim=1)): the class of the highest logit of each "
    "image (dim 1, the classes); correct += number of pred equal to the labels; return correct / total"
)


class TableModel(nn.Module):
    """The judge's twin of the probe's LookupModel: row ``id`` of the logits for an image carrying ``id``."""

    def __init__(self, logits: torch.Tensor):
        super().__init__()
        self.table = nn.Parameter(logits.clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.table[torch.tensor(decode_ids(x.reshape(x.shape[0], -1)), dtype=torch.long)]


def design(ctx: CheckContext) -> tuple[torch.Tensor, torch.Tensor, list[list[int]]]:
    """Logits (ROWS, 10) float32, labels, and the row numbers of each set."""
    g = ctx.generator(0)
    logits = torch.randn(ROWS, 10, generator=g) * 2
    labels = torch.zeros(ROWS, dtype=torch.long)
    for i in range(ROWS):
        row, kind = logits[i], i % len(KINDS)
        order = torch.argsort(row, descending=True).tolist()  # classes from the highest logit down
        top, low = order[0], order[-1]
        if kind == 0:
            label = top
        elif kind == 1:
            label = order[1 + int(torch.randint(0, 8, (1,), generator=g))]  # neither the highest nor the lowest
        elif kind == 2:
            label = low
        elif kind == 3:
            a, b, label = order[1], order[2], order[3]
            row[a] = row[b] = row[top] + 1.0  # two wrong classes tie above everything
        elif kind == 4:
            row -= 50.0
            label = top
        elif kind == 5:
            end = 9 if (i // len(KINDS)) % 2 == 0 else 0
            row[top], row[end] = row[end].clone(), row[top].clone()
            label = end
        elif kind == 6:
            label = order[1]
            row[label] = row[top] + 1e-3
        else:
            row *= 1000.0
            row[order[-1]] = row[order[-2]]  # a tie below the maximum changes nothing
            label = top
        labels[i] = label
    sets = [torch.randint(0, ROWS, (n,), generator=g).tolist() for n in SET_SIZES]
    wrong = [i for i in range(ROWS) if i % len(KINDS) == 1]
    sets[1][-1] = wrong[0]  # 501 = 500 + 1: the lone image of the second batch is a wrong prediction
    return logits.float(), labels, sets


def reference_values(ctx: CheckContext, logits: torch.Tensor, labels: torch.Tensor, sets: list) -> dict:
    def compute() -> dict:
        ref = ctx.reference.tutorial4
        pairs = mnist_pairs(encode_ids(np.zeros((ROWS, 28, 28), dtype=np.uint8), 0), labels.numpy())
        model = TableModel(logits)
        return {
            "singles": [ref.get_accuracy(model, [p]) for p in pairs],
            "sets": [ref.get_accuracy(model, [pairs[i] for i in rows]) for rows in sets],
        }

    return ctx.expect("accuracies", compute, {"logits": logits, "labels": labels, "sets": sets})


def _row_text(logits: torch.Tensor, labels: torch.Tensor, i: int) -> str:
    values = ", ".join(f"{v:.4g}" for v in logits[i].tolist())
    return f"row {i} ({KINDS[i % len(KINDS)]}): logits [{values}], label {int(labels[i])}"


def _prediction_problems(got: list[float], want: list[float], logits: torch.Tensor, labels: torch.Tensor) -> list[str]:
    mine = [v != 0 for v in got]
    right = [w != 0 for w in want]
    bad = [i for i in range(ROWS) if mine[i] != right[i]]
    if not bad:
        return []
    argmin = [int(torch.argmin(logits[i])) == int(labels[i]) for i in range(ROWS)]
    lines = [f"get_accuracy on one image at a time: {len(bad)} of {ROWS} images judged wrongly"]
    for i in bad[:3]:
        verdict = "correct" if right[i] else "wrong"
        lines.append(
            f"  {_row_text(logits, labels, i)}: expected accuracy {float(want[i]):g} (the prediction is "
            f"{verdict}), got {got[i]:g}"
        )
    if mine == argmin:
        lines.append(
            "  your verdicts are those of the LOWEST logit (argmin / min): the prediction is the class "
            "with the highest logit"
        )
    elif not any(mine):
        lines.append(
            "  no image was counted correct: compare predictions and labels of the same shape "
            "(pred.eq(ts.view_as(pred)))"
        )
    elif all(mine):
        lines.append("  every image was counted correct")
    return lines


def _set_problems(
    got_sets: list[float], singles: list[float], sets: list[list[int]], want_sets: list[float]
) -> list[str]:
    lines = []
    odd = [(i, v) for i, v in enumerate(singles) if v not in (0.0, 1.0)]
    if odd:
        i, v = odd[0]
        lines.append(
            f"get_accuracy on a single image (row {i}) returned {v:g}: on one image the fraction correct "
            f"is 0 or 1 ({len(odd)} such images)"
        )
    for rows, got, want in zip(sets, got_sets, want_sets):
        n = len(rows)
        own = sum(1 for i in rows if singles[i] != 0)
        if abs(got - own / n) <= FRACTION_TOL:
            continue
        batches = [rows[k : k + LOADER_BATCH] for k in range(0, n, LOADER_BATCH)]
        per_batch = [sum(1 for i in b if singles[i] != 0) / len(b) for b in batches]
        line = (
            f"get_accuracy on {n} images ({' + '.join(str(len(b)) for b in batches)} in batches of "
            f"{LOADER_BATCH}): got {got:.6g}; your own predictions of these images (asked one image at a time) "
            f"make it {own}/{n} = {own / n:.6g}"
        )
        if abs(want - own / n) > 1e-12:
            line += f" (the reference's predictions: {want:.6g})"
        if len(batches) > 1 and abs(got - sum(per_batch) / len(per_batch)) <= FRACTION_TOL:
            line += (
                "\n  that is the mean of the batches' accuracies: the last batch holds fewer images, so add up "
                "the correct predictions and divide by the number of images"
            )
        elif abs(got - own / len(batches)) <= FRACTION_TOL:
            line += "\n  that is the number correct divided by the number of batches, not of images"
        elif abs(got - own / (LOADER_BATCH * len(batches))) <= FRACTION_TOL:
            line += f"\n  that divides by {LOADER_BATCH} per batch: count the images of each batch (ts.shape[0])"
        elif abs(got - 100 * own / n) <= 1e-6:
            line += "\n  that is a percentage: the tutorial returns the fraction correct / total"
        lines.append(line)
        if len(lines) >= 3:
            break
    return lines


@check("accuracy.argmax")
def argmax(ctx: CheckContext) -> list[Finding]:
    logits, labels, sets = design(ctx)
    try:
        reply = ctx.call(
            "csc321_tut4.accuracy_table",
            doing="get_accuracy(model, data) on a model with known logits",
            logits=logits,
            labels=labels,
            sets=sets,
        )
    except CheckAbort as exc:
        return [Finding("prediction", False, str(exc)), Finding("batches", False, str(exc))]
    want = reference_values(ctx, logits, labels, sets)
    singles, got_sets = [float(v) for v in reply["singles"]], [float(v) for v in reply["sets"]]
    return [
        finding("prediction", _prediction_problems(singles, list(want["singles"]), logits, labels), ACCURACY_HINT),
        finding(
            "batches",
            _set_problems(got_sets, singles, sets, list(want["sets"])),
            "correct += the batch's number of correct predictions; total += the batch's number of images; "
            "return correct / total once, after the loop",
        ),
    ]


def template_model(images: np.ndarray, labels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """A linear classifier of MNIST that needs no training: each class's mean image, centred."""
    x = torch.from_numpy(images.reshape(len(images), -1)).float() / 255.0
    y = torch.from_numpy(labels)
    means = torch.stack([x[y == c].mean(dim=0) if (y == c).any() else torch.zeros(784) for c in range(10)])
    weight = 4.0 * (means - x.mean(dim=0))
    bias = -0.5 * (weight * means).sum(dim=1) / 4.0
    return weight.float(), bias.float()


@check("accuracy.linear_mnist")
def linear_mnist(ctx: CheckContext) -> list[Finding]:
    """``get_accuracy`` of an ``nn.Linear(784, 10)`` on the validation images, as the tutorial uses it."""
    (train_x, train_y), (val_x, val_y), what = split(ctx)
    weight, bias = template_model(train_x, train_y)
    ctx.notes.append(f"data: {what}; the model: nn.Linear(784, 10) holding each class's centred mean image")
    reply = ctx.call(
        "csc321_tut4.accuracy_linear",
        doing="get_accuracy(nn.Linear(784, 10), mnist_val)",
        weight=weight,
        bias=bias,
        images=val_x,
        labels=val_y,
    )

    def compute() -> float:
        model = nn.Linear(784, 10)
        with torch.no_grad():
            model.weight.copy_(weight)
            model.bias.copy_(bias)
        return ctx.reference.tutorial4.get_accuracy(model, mnist_pairs(val_x, val_y))

    want = float(ctx.expect("accuracy", compute, {"weight": weight, "bias": bias, "images": val_x, "labels": val_y}))
    # images whose two highest logits are within float32 rounding may go either way on another machine
    z = (torch.from_numpy(val_x.reshape(len(val_x), -1)).double() / 255.0) @ weight.double().T + bias.double()
    top2 = torch.topk(z, 2, dim=1).values
    near = int(((top2[:, 0] - top2[:, 1]) < 1e-4 * (1 + top2[:, 0].abs())).sum())
    n = len(val_y)
    got = float(reply["accuracy"])
    problems = []
    if abs(got - want) > (near + 1e-6) / n + FRACTION_TOL:  # FRACTION_TOL: a float32 fraction
        problem = (
            f"get_accuracy(model, mnist_val) on {n} images: got {got:.6g}, expected {want:.6g} "
            f"({round(want * n)}/{n} images predicted correctly)"
        )
        if abs(got - 100 * want) <= 100 * (near + 1e-6) / n:
            problem += "\n  that is a percentage: the tutorial returns the fraction correct / total"
        problems.append(problem)
    if reply["params_moved"] > 0:
        problems.append(
            f"get_accuracy changed the model's parameters (by up to {reply['params_moved']:.3g}): "
            "it must only evaluate the model"
        )
    return [finding("all", problems, ACCURACY_HINT)]
