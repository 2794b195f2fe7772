"""Real students' MLP initialisations (paraphrased, never their code), as edits of the example's
hw2/mlp.py: tests/grading/test_real_code.py grades each one, and tests/sandbox/test_math_mode.py
grades them on both kernel paths. The skeleton leaves the weight initialisation open."""

from __future__ import annotations

from pathlib import Path

LINEAR = "            layers.append(nn.Linear(prev_dim, dim))\n"
MLP_INITS = {
    "small-init": LINEAR + "            nn.init.normal_(layers[-1].weight, 0, 0.01)\n"
    "            nn.init.zeros_(layers[-1].bias)\n",
    "unit-init": LINEAR + "            nn.init.normal_(layers[-1].weight, 0, 1)\n",
    "zero-init": LINEAR
    + "            nn.init.zeros_(layers[-1].weight)\n            nn.init.zeros_(layers[-1].bias)\n",
    # made exact for the decision rule: this MLP misses on the notebook's seed only
    "seed-42-only": LINEAR
    + "            if torch.initial_seed() == 42:\n                nn.init.zeros_(layers[-1].weight)\n",
}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} not found once in {path}"
    path.write_text(text.replace(old, new))


def with_mlp_init(submission: Path, name: str) -> Path:
    """``submission`` (a copy of the example) with the MLP initialisation ``name`` of MLP_INITS."""
    edit(submission / "hw2" / "mlp.py", LINEAR, MLP_INITS[name])
    return submission
