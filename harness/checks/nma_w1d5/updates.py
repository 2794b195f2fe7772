"""Sections 3, 4 and 7: zero_grad and the three update rules, step by step against the answer key.

The judge chooses a small two-layer regression problem (parameters, inputs, targets, the stale
gradients the parameters hold before the first call, the initial velocities / squared-gradient
averages). The worker calls the student's rule ``steps`` times, recomputing the loss from the
current parameters before each call, as the tutorial's ``run_optimizer`` does; the judge runs the
answer key on the same tensors in float64 and compares every step (the state carried between
calls is what a second step tests). Known mistakes are named by replaying them here.

RMSprop: the tutorial writes ``sqrt(v + eps)``; ``sqrt(v) + eps`` is accepted too. The averages
the judge starts from and the gradients it produces keep ``v`` far above ``eps``, where the two
readings agree to ~1e-9, far inside the tolerance; the tests check that both pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ...compare import mismatch
from .. import check
from ..base import CheckAbort, CheckContext, Finding, aborted

RTOL = 1e-6  # float64 throughout: a correct rule agrees to ~1e-15
CALL_TIMEOUT = 20.0
IN, HIDDEN, OUT, N = 6, 5, 3, 16
PARAM_NAMES = ["W1", "b1", "W2", "b2"]
PARAM_SHAPES = [(IN, HIDDEN), (HIDDEN,), (HIDDEN, OUT), (OUT,)]
SEVERAL = 4


@dataclass(frozen=True)
class Rule:
    key: str  # the probe's name for it
    function: str
    buffer: str | None  # the caller's list of auxiliary tensors ("grad_vel", "grad_sq")
    hyper: dict
    hint: str

    def label(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self.hyper.items())
        buf = f", {self.buffer}" if self.buffer else ""
        return f"{self.function}(loss, params{buf}, {args})"


GRADIENT = Rule(
    "gradient",
    "gradient_update",
    None,
    {"lr": 0.1},
    "zero_grad(params); loss.backward(); then, under torch.no_grad(), par.data -= lr * par.grad",
)
MOMENTUM = Rule(
    "momentum",
    "momentum_update",
    "grad_vel",
    {"lr": 0.1, "beta": 0.9},
    "zero_grad(params); loss.backward(); then for each (par, vel): vel.data = -lr * par.grad + beta * vel.data; "
    "par.data += vel.data",
)
RMSPROP = Rule(
    "rmsprop",
    "rmsprop_update",
    "grad_sq",
    {"lr": 0.01, "alpha": 0.8, "epsilon": 1e-8},
    "zero_grad(params); loss.backward(); then for each (par, gsq): gsq.data = alpha * gsq.data + "
    "(1 - alpha) * par.grad**2; par.data -= lr * par.grad / sqrt(gsq.data + epsilon)",
)


def regression_loss(params: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The probe's loss (harness/probes/nma_w1d5.py), recomputed here."""
    w1, b1, w2, b2 = params
    out = torch.tanh(x @ w1 + b1) @ w2 + b2
    return ((out - y) ** 2).mean()


@dataclass
class Case:
    params: list[torch.Tensor]
    buffers: list[torch.Tensor] | None
    stale: list[torch.Tensor]
    x: torch.Tensor
    y: torch.Tensor

    def inputs(self) -> dict:
        return {"params": self.params, "buffers": self.buffers, "stale": self.stale, "x": self.x, "y": self.y}


def make_case(ctx: CheckContext, rule: Rule, stream: int = 0) -> Case:
    base = 100 * stream
    params = [ctx.randn(*s, stream=base + 1 + i, scale=0.5).double() for i, s in enumerate(PARAM_SHAPES)]
    stale = [ctx.randn(*s, stream=base + 11 + i).double() for i, s in enumerate(PARAM_SHAPES)]
    x = ctx.randn(N, IN, stream=base + 21).double()
    y = ctx.randn(N, OUT, stream=base + 22).double()
    buffers = None
    if rule.key == "momentum":  # the tutorial's test starts from random velocities
        buffers = [ctx.randn(*s, stream=base + 31 + i, scale=0.1).double() for i, s in enumerate(PARAM_SHAPES)]
    elif rule.key == "rmsprop":  # positive averages of the order of the squared gradients
        g = ctx.generator(base + 41)
        buffers = [(0.02 + 0.08 * torch.rand(*s, generator=g)).double() for s in PARAM_SHAPES]
    return Case(params, buffers, stale, x, y)


# -- running a rule here (the answer key, or a named mistake) -----------------------------------

Update = Callable[[torch.Tensor, list, list | None], None]


def run_rule(update: Update, case: Case, steps: int) -> dict:
    """``update(loss, params, buffers)`` ``steps`` times from the case's state, in float64."""
    ps = [torch.nn.Parameter(p.clone()) for p in case.params]
    for p, g in zip(ps, case.stale):
        p.grad = g.clone()
    bufs = None if case.buffers is None else [b.clone() for b in case.buffers]
    out: dict = {"params": [], "buffers": []}
    for _ in range(steps):
        loss = regression_loss(ps, case.x, case.y)
        update(loss, ps, bufs)
        out["params"].append([p.detach().clone() for p in ps])
        if bufs is not None:
            out["buffers"].append([b.clone() for b in bufs])
    return out


def reference_update(ctx: CheckContext, rule: Rule) -> Update:
    fn = getattr(ctx.reference.w1d5, rule.function)
    if rule.buffer is None:
        return lambda loss, ps, bufs: fn(loss, ps, **rule.hyper)
    return lambda loss, ps, bufs: fn(loss, ps, bufs, **rule.hyper)


def _grads(loss: torch.Tensor, ps: list, zero: bool = True) -> list[torch.Tensor]:
    if zero:
        for p in ps:
            if p.grad is not None:
                p.grad.zero_()
    loss.backward()
    return [p.grad for p in ps]


def mistakes(rule: Rule) -> dict[str, Update]:
    """Realistic wrong versions of ``rule``: what the message names when the student's steps match."""
    h = rule.hyper
    lr = h["lr"]
    out: dict[str, Update] = {}
    if rule.key == "gradient":

        def accumulate(loss, ps, bufs):
            with torch.no_grad():
                for p, g in zip(ps, _grads(loss, ps, zero=False)):
                    p -= lr * g

        def ascent(loss, ps, bufs):
            with torch.no_grad():
                for p, g in zip(ps, _grads(loss, ps)):
                    p += lr * g

        out["gradients that ACCUMULATE across calls (zero_grad(params) is not called before loss.backward())"] = (
            accumulate
        )
        out["a step UP the gradient (par += lr * grad)"] = ascent
    elif rule.key == "momentum":
        beta = h["beta"]

        def momentum(sign: float, carry: bool, zero: bool = True) -> Update:
            def update(loss, ps, bufs):
                with torch.no_grad():
                    for p, g, v in zip(ps, _grads(loss, ps, zero), bufs):
                        new = sign * lr * g + beta * v
                        if carry:
                            v.copy_(new)
                        p += new

            return update

        out["a velocity with the gradient's sign flipped (vel = lr * grad + beta * vel): a step up the gradient"] = (
            momentum(+1.0, True)
        )
        out[
            "a velocity that is never carried to the next call (vel = ... rebinds the loop variable, so the "
            "caller's grad_vel never changes)"
        ] = momentum(-1.0, False)
        out["gradients that ACCUMULATE across calls (zero_grad(params) is not called before loss.backward())"] = (
            momentum(-1.0, True, zero=False)
        )
    elif rule.key == "rmsprop":
        alpha, eps = h["alpha"], h["epsilon"]

        def rmsprop(old: float, new: float, root: bool, carry: bool = True, zero: bool = True) -> Update:
            def update(loss, ps, bufs):
                with torch.no_grad():
                    for p, g, s in zip(ps, _grads(loss, ps, zero), bufs):
                        avg = old * s + new * g**2
                        if carry:
                            s.copy_(avg)
                        p -= lr * g / (torch.sqrt(avg + eps) if root else avg + eps)

            return update

        out["a step divided by the average itself, without its square root (par -= lr * grad / (gsq + eps))"] = rmsprop(
            alpha, 1 - alpha, False
        )
        out[
            "(1 - alpha) weighing the OLD average and alpha the new squared gradient "
            "(gsq = (1 - alpha) * gsq + alpha * grad**2)"
        ] = rmsprop(1 - alpha, alpha, True)
        out[
            "an average that is never carried to the next call (gsq = ... rebinds the loop variable, so the "
            "caller's grad_sq never changes)"
        ] = rmsprop(alpha, 1 - alpha, True, carry=False)
        out["gradients that ACCUMULATE across calls (zero_grad(params) is not called before loss.backward())"] = (
            rmsprop(alpha, 1 - alpha, True, zero=False)
        )
    return out


# -- judging -----------------------------------------------------------------------------------


def _first_problem(what: str, got: list, want: list, steps: int) -> str | None:
    """The first step at which ``got`` (per step, per tensor) leaves ``want``, named."""
    for k, (got_step, want_step) in enumerate(zip(got, want)):
        for name, g, w in zip(PARAM_NAMES, got_step, want_step):
            problem = mismatch(f"{what} {name} after call {k + 1} of {steps}", g, w, rtol=RTOL)
            if problem:
                return problem
    return None


def _call(ctx: CheckContext, rule: Rule, case: Case, steps: int) -> dict:
    reply = ctx.call(
        "nma_w1d5.updates",
        doing=f"{rule.label()}, {steps} call(s)",
        timeout=CALL_TIMEOUT,
        rule=rule.key,
        params=case.params,
        buffers=case.buffers,
        stale=case.stale,
        x=case.x,
        y=case.y,
        steps=steps,
        hyper=rule.hyper,
    )
    if len(reply.get("params", [])) != steps:
        raise CheckAbort(f"{rule.label()}: the probe got {len(reply.get('params', []))} steps back, expected {steps}")
    return reply


def _expected(ctx: CheckContext, rule: Rule, case: Case, steps: int) -> dict:
    return ctx.expect(
        f"{rule.key}_{steps}",
        lambda: run_rule(reference_update(ctx, rule), case, steps),
        {"rule": rule.key, "hyper": rule.hyper, "steps": steps, **case.inputs()},
    )


def _judge_steps(ctx: CheckContext, rule: Rule, case: Case, steps: int, component: str) -> Finding:
    try:
        reply = _call(ctx, rule, case, steps)
    except CheckAbort as exc:
        return Finding(component, False, str(exc))
    want = _expected(ctx, rule, case, steps)
    what = f"{rule.label()}: parameter"
    problem = _first_problem(what, reply["params"], want["params"], steps)
    if not problem:
        return Finding(component, True)
    if all(np.array_equal(np.asarray(g), p.numpy()) for g, p in zip(reply["params"][0], case.params)):
        return Finding(
            component,
            False,
            f"{problem}\n  the parameters did not change at all: update them IN PLACE "
            "(par.data -= ..., or par -= ... under torch.no_grad()), never par = par - ...",
        )
    for mistake, update in mistakes(rule).items():
        other = run_rule(update, case, steps)
        if not _first_problem(what, reply["params"], other["params"], steps):
            return Finding(component, False, f"{problem}\n  your steps match {mistake}")
    return Finding(component, False, f"{problem}\n  hint: {rule.hint}")


def judge_rule(ctx: CheckContext, rule: Rule) -> list[Finding]:
    case = make_case(ctx, rule)
    return [_judge_steps(ctx, rule, case, 1, "one_step"), _judge_steps(ctx, rule, case, SEVERAL, "several_steps")]


@check("gd.gradient_update")
def gradient_update(ctx: CheckContext) -> list[Finding]:
    return judge_rule(ctx, GRADIENT)


@check("momentum.momentum_update")
def momentum_update(ctx: CheckContext) -> list[Finding]:
    return judge_rule(ctx, MOMENTUM)


@check("rmsprop.rmsprop_update")
def rmsprop_update(ctx: CheckContext) -> list[Finding]:
    return judge_rule(ctx, RMSPROP)


def judge_buffers(ctx: CheckContext, rule: Rule, what: str) -> list[Finding]:
    """After one call, the caller's own list of buffers must hold the new values."""
    case = make_case(ctx, rule)
    try:
        reply = _call(ctx, rule, case, 1)
    except CheckAbort as exc:
        return aborted(["all"], exc)
    want = _expected(ctx, rule, case, 1)["buffers"][0]
    got = reply["buffers"][0]
    if all(np.array_equal(np.asarray(g), b.numpy()) for g, b in zip(got, case.buffers)):
        return [
            Finding(
                "all",
                False,
                f"{rule.label()}: after the call the caller's {rule.buffer} tensors still hold their old "
                f"values: the new {what} was bound to a local name only (e.g. `vel = ...` inside the loop), so "
                f"the next call starts from the old {what} again\n  hint: change the caller's tensors: "
                f"`{'vel' if rule.key == 'momentum' else 'gsq'}.data = ...` (as the tutorial's template does) or "
                "an in-place operation (mul_, add_, copy_)",
            )
        ]
    problems = [
        mismatch(f"{rule.label()}: {rule.buffer}[{i}] ({name}) after one call", g, w, rtol=RTOL)
        for i, (name, g, w) in enumerate(zip(PARAM_NAMES, got, want))
    ]
    problems = [p for p in problems if p]
    if problems:
        formula = (
            "vel = -lr * grad + beta * vel" if rule.key == "momentum" else "gsq = alpha * gsq + (1 - alpha) * grad**2"
        )
        return [
            Finding(
                "all",
                False,
                "\n".join(problems) + f"\n  the caller's {rule.buffer} changed, but not to the new {what}: {formula}",
            )
        ]
    note = (
        ""
        if reply.get("same_objects", True)
        else f"(the caller's {rule.buffer} list holds new tensor objects rather than its old ones changed in place; accepted)"
    )
    if note:
        ctx.notes.append(note)
    return [Finding("all", True)]


@check("momentum.velocity_in_place")
def velocity_in_place(ctx: CheckContext) -> list[Finding]:
    return judge_buffers(ctx, MOMENTUM, "velocity")


@check("rmsprop.grad_sq_in_place")
def grad_sq_in_place(ctx: CheckContext) -> list[Finding]:
    return judge_buffers(ctx, RMSPROP, "average of squared gradients")


# -- zero_grad ---------------------------------------------------------------------------------


@check("gd.zero_grad")
def zero_grad(ctx: CheckContext) -> list[Finding]:
    shapes = [(4, 3), (3,), (2, 5)]
    params = [ctx.randn(*s, stream=1 + i).double() for i, s in enumerate(shapes)]
    grads = [ctx.randn(*s, stream=11 + i, scale=3.0).double() for i, s in enumerate(shapes)]
    findings = []
    for component, given in (("zeroes", grads), ("grad_none", [grads[0], None, grads[2]])):
        doing = (
            "zero_grad(params) on three parameters with gradients"
            if component == "zeroes"
            else "zero_grad(params) where the second parameter has no gradient yet (.grad is None)"
        )
        try:
            reply = ctx.call("nma_w1d5.zero_grad", doing=doing, timeout=CALL_TIMEOUT, params=params, grads=given)
        except CheckAbort as exc:
            hint = (
                "\n  hint: a parameter that never took part in backward() has .grad None: skip it "
                "(if par.grad is not None: ...)"
                if component == "grad_none"
                else ""
            )
            findings.append(Finding(component, False, f"{exc}{hint}"))
            continue
        problems = []
        for i, (g, before) in enumerate(zip(reply["grads"], given)):
            if before is None:
                continue
            if not g["none"] and g["max_abs"] != 0:
                problems.append(
                    f"{doing}: parameter #{i}'s .grad still holds values up to {g['max_abs']:.4g} after zero_grad"
                )
        if reply["moved"]:
            problems.append(f"{doing}: zero_grad changed the parameters' values; it must only clear their gradients")
        findings.append(
            Finding(
                component,
                not problems,
                "\n".join(problems)
                + ("\n  hint: for each par with a gradient: par.grad.data.zero_()" if problems else ""),
            )
        )
    return findings
