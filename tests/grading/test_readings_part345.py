"""Parts 3-5: correct code written differently from the example (as real submissions are) keeps
every point; each test grades one copy of the example holding several such readings at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import harness.checks.hw2  # noqa: F401  (imported before pytester snapshots sys.modules: loads once)
import harness.session  # noqa: F401

# helpers.py loads the image data and the answer key before pytester snapshots sys.modules
from .helpers import EXAMPLE, REPO, copy_example, grade


def _edit(sub: Path, file: str, old: str, new: str) -> None:
    path = sub / "hw2" / file
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} not found once in {file}"
    path.write_text(text.replace(old, new))


EXAMPLE_MLP_LAYERS = """        layers = []
        prev_dim = in_dim
        for dim, nonlin in zip(dims, nonlins):
            layers.append(nn.Linear(prev_dim, dim))
            layers.append(self._make_activation(nonlin))
            prev_dim = dim

        self.seq = nn.Sequential(*layers)"""

# nn.ModuleLists, names made without ACTIVATION_DEFAULT_KWARGS's dims (Softmax(dim=None), as the
# notebook prints it), and a default slope of its own for 'lrelu' (what that dict is there for)
MODULE_LIST_MLP = """        self.linears = nn.ModuleList()
        self.acts = nn.ModuleList()
        prev_dim = in_dim
        for dim, nonlin in zip(dims, nonlins):
            self.linears.append(nn.Linear(prev_dim, dim))
            if isinstance(nonlin, str):
                self.acts.append(ACTIVATIONS[nonlin](**({"negative_slope": 0.2} if nonlin == "lrelu" else {})))
            else:
                self.acts.append(nonlin)
            prev_dim = dim"""
MODULE_LIST_FORWARD = """        for lin, act in zip(self.linears, self.acts):
            x = act(lin(x))
        return x"""

# "create W, b tensors per layer and wrap them with nn.Parameter", initialised as nn.Linear does
PARAMETER_LIST_MLP = """        import math
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        self.acts = nn.ModuleList()
        prev_dim = in_dim
        for dim, nonlin in zip(dims, nonlins):
            w = torch.empty(dim, prev_dim)
            nn.init.kaiming_uniform_(w, a=math.sqrt(5))
            b = torch.empty(dim)
            nn.init.uniform_(b, -1 / math.sqrt(prev_dim), 1 / math.sqrt(prev_dim))
            self.weights.append(nn.Parameter(w))
            self.biases.append(nn.Parameter(b))
            self.acts.append(self._make_activation(nonlin))
            prev_dim = dim"""
PARAMETER_LIST_FORWARD = """        for w, b, act in zip(self.weights, self.biases, self.acts):
            x = act(x @ w.T + b)
        return x"""

# W stored (in, out), b (1, out), set as attributes of the MLP itself, with an initialisation of its own
ATTRIBUTE_MLP = """        self.n = len(dims)
        acts = []
        prev_dim = in_dim
        for i, (dim, nonlin) in enumerate(zip(dims, nonlins)):
            setattr(self, f"W{i}", nn.Parameter(torch.randn(prev_dim, dim) * 0.01))
            setattr(self, f"b{i}", nn.Parameter(torch.zeros(1, dim)))
            acts.append(self._make_activation(nonlin))
            prev_dim = dim
        self.acts = nn.Sequential(*acts)"""
ATTRIBUTE_FORWARD = """        for i in range(self.n):
            x = self.acts[i](x @ getattr(self, f"W{i}") + getattr(self, f"b{i}"))
        return x"""


def _mlp(sub: Path, layers: str, forward: str) -> None:
    _edit(sub, "mlp.py", EXAMPLE_MLP_LAYERS, layers)
    _edit(sub, "mlp.py", "        return self.seq(x)", forward)


def test_part3_readings_keep_every_point(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "part3")
    _mlp(sub, MODULE_LIST_MLP, MODULE_LIST_FORWARD)
    _edit(
        sub,
        "classifier.py",
        "        return self.softmax(z)\n",
        "        return torch.nn.functional.softmax(z, dim=-1)\n",
    )
    _edit(
        sub,
        "classifier.py",
        "        return torch.argmax(y_proba, dim=1).to(torch.int)",
        "        return torch.max(y_proba, 1)[1]",
    )
    _edit(
        sub,
        "classifier.py",
        "        return (positive_proba >= self.threshold).to(torch.int)",
        "        return torch.where(positive_proba > self.threshold, 1, 0).type(torch.int32)",
    )
    _edit(
        sub,
        "classifier.py",
        "    fpr, tpr, thresh = roc_curve(y.numpy(), scores)",
        "    fpr, tpr, thresh = roc_curve(y.numpy(), scores, drop_intermediate=False)",
    )
    _edit(
        sub,
        "classifier.py",
        "    optimal_thresh = float(thresh[optimal_thresh_idx])",
        "    optimal_thresh = torch.tensor(thresh[optimal_thresh_idx])",
    )
    # np.meshgrid and pcolormesh in place of torch.meshgrid and contourf
    _edit(
        sub,
        "classifier.py",
        """    x1_range = torch.arange(x[:, 0].min() - dx, x[:, 0].max() + dx, dx)
    x2_range = torch.arange(x[:, 1].min() - dx, x[:, 1].max() + dx, dx)
    x1_grid, x2_grid = torch.meshgrid(x1_range, x2_range, indexing="ij")

    grid_points = torch.stack([x1_grid.reshape(-1), x2_grid.reshape(-1)], dim=1)
    with torch.no_grad():
        y_hat = classifier.classify(grid_points.to(torch.float32))
    y_hat = y_hat.reshape(x1_grid.shape)""",
        """    import numpy as np
    xx, yy = np.meshgrid(np.arange(x[:, 0].min(), x[:, 0].max(), dx), np.arange(x[:, 1].min(), x[:, 1].max(), dx))
    x1_grid, x2_grid = torch.from_numpy(xx), torch.from_numpy(yy)
    grid = torch.from_numpy(np.c_[xx.ravel(), yy.ravel()]).float()
    y_hat = classifier.classify(grid).detach().reshape(xx.shape)""",
    )
    _edit(
        sub,
        "classifier.py",
        "    ax.contourf(x1_grid.numpy(), x2_grid.numpy(), y_hat.numpy(), alpha=0.3, cmap=cmap)",
        "    ax.pcolormesh(x1_grid.numpy(), x2_grid.numpy(), y_hat.numpy(), alpha=0.3, cmap=cmap, shading='auto')",
    )
    # zero_grad after the step, correct predictions counted after it (classify: a second forward),
    # one mean loss per epoch. (argmax of the scores in test_batch is a bug here: it ignores the
    # threshold mlp_experiment selects, and the notebook's accuracy asserts fail with it.)
    _edit(
        sub,
        "training.py",
        """        self.optimizer.zero_grad()

        scores = self.model(X)
        loss = self.loss_fn(scores, y)
        loss.backward()
        self.optimizer.step()

        batch_loss = loss.item()
        with torch.no_grad():
            y_pred = self.model.classify_scores(scores)
            num_correct = int((y_pred == y).sum().item())""",
        """        self.model.train()
        scores = self.model.forward(X)
        loss = self.loss_fn(scores, y)
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad()
        batch_loss = float(loss)
        num_correct = (self.model.classify(X) == y).sum().item()""",
    )
    _edit(
        sub,
        "training.py",
        """            y_pred = self.model.classify_scores(scores)
            num_correct = int((y_pred == y).sum().item())
            # ========================""",
        """            num_correct = torch.sum(self.model.classify(X) == y).item()
            # ========================""",
    )
    _edit(
        sub,
        "training.py",
        "            train_loss.extend(train_res.losses)",
        "            train_loss.append(sum(train_res.losses) / len(train_res.losses))",
    )
    _edit(
        sub,
        "training.py",
        "            test_loss.extend(test_res.losses)",
        "            test_loss.append(sum(test_res.losses) / len(test_res.losses))",
    )
    graded = grade(pytester, sub, "-k", "part3 and not answers")
    assert graded.failing() == set(), {c: graded.output(c) for c in graded.failing()}


def test_part45_readings_keep_every_point(pytester: pytest.Pytester, tmp_path: Path) -> None:
    sub = copy_example(tmp_path / "part45")
    _mlp(sub, PARAMETER_LIST_MLP, PARAMETER_LIST_FORWARD)
    # a Flatten closing the feature extractor; an empty nn.Sequential() as the identity shortcut
    _edit(
        sub,
        "cnn.py",
        """            if (i + 1) % self.pool_every == 0:
                layers.append(self._make_pooling())
        # ========================""",
        """            if (i + 1) % self.pool_every == 0:
                layers.append(self._make_pooling())
        layers.append(nn.Flatten())
        # ========================""",
    )
    _edit(
        sub,
        "cnn.py",
        "            self.shortcut_path = nn.Sequential(nn.Identity())",
        "            self.shortcut_path = nn.Sequential()",
    )
    # the whole test set evaluated every epoch (max_batches limits the training epochs only)
    _edit(
        sub,
        "training.py",
        "            test_res = self.test_epoch(dl_test, verbose=verbose, **kw)",
        "            test_res = self.test_epoch(dl_test, verbose=verbose)",
    )
    graded = grade(
        pytester,
        sub,
        "-k",
        "part4.cnn or part4.resnet or part4.residual_block or part4.bottleneck_block "
        "or part5 or part3.mlp and not experiment",
    )
    assert graded.failing() == set(), {c: graded.output(c) for c in graded.failing()}


def test_raw_parameter_mlp_with_its_own_initialisation_loses_only_the_seeded_outputs(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    sub = copy_example(tmp_path / "attributes")
    _mlp(sub, ATTRIBUTE_MLP, ATTRIBUTE_FORWARD)
    graded = grade(pytester, sub, "-k", "part4.cnn or part3.mlp and not experiment")
    assert graded.scores()["part3.mlp"] == 4
    assert graded.scores()["part4.cnn"] == 3  # the layers are right; the notebook's seeded outputs are not
    out = graded.output("part4.cnn")
    assert "[architecture]" not in out and "the initial weights differ from mlp[W0] on" in out


NOTEBOOK_CELL = """
import importlib, sys
import matplotlib
matplotlib.use("Agg")
import torch
sys.path[:0] = [{repo!r}, {example!r}]
from harness.probes.compat import _shim_matplotlib_get_cmap
_shim_matplotlib_get_cmap()
from torch.utils.data import DataLoader, TensorDataset
from harness.checks.hw2.part3 import moons
import harness.probes.hw2_part3 as probe
probe._student = lambda module: importlib.import_module(f"hw2.{{module}}")
data = moons()
got = getattr(probe.hp_training, "__wrapped__", probe.hp_training)(data=data, num_epochs=3)
# the notebook's loaders and its first training cell, with the example's own classes
from hw2.classifier import BinaryClassifier
from hw2.mlp import MLP
from hw2.training import ClassifierTrainer
from hw2.answers import part3_arch_hp, part3_optim_hp
dl_train, dl_valid = [DataLoader(TensorDataset(torch.from_numpy(x).to(torch.float32), torch.from_numpy(y)),
                                 shuffle=True, num_workers=0, batch_size=32)
                      for x, y in [(data["x_train"], data["y_train"]), (data["x_valid"], data["y_valid"])]]
torch.manual_seed(42)
hp_arch, hp_optim = part3_arch_hp(), part3_optim_hp()
n = hp_arch["n_layers"]
model = BinaryClassifier(model=MLP(in_dim=2, dims=[*[hp_arch["hidden_dims"]] * n, 2],
                                   nonlins=[*[hp_arch["activation"]] * n, hp_arch["out_activation"]]), threshold=0.5)
loss_fn = hp_optim.pop("loss_fn")
trainer = ClassifierTrainer(model, loss_fn, torch.optim.SGD(params=model.parameters(), **hp_optim))
fit = trainer.fit(dl_train, dl_valid, num_epochs=3, print_every=0)
print(got["train_acc"], fit.train_acc)
print(got["valid_acc"], fit.test_acc)
assert got["train_acc"] == fit.train_acc and got["valid_acc"] == fit.test_acc
"""


def test_hyperparameters_train_on_the_notebooks_own_batches() -> None:
    """The student's part3 hyper-parameters are judged on the very batches their notebook drew
    (another shuffle moves the final accuracies by up to ~2%, across the 85/75 thresholds)."""
    script = NOTEBOOK_CELL.format(repo=str(REPO), example=str(EXAMPLE))
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
