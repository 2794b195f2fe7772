"""Generate the example's lab notebook (run from anywhere).

    python submissions/edinburgh_mlp/make_notebooks.py

The example is `example/mlp/` (written by hand) plus `example/notebooks/03_Multiple_layer_models.ipynb`
(generated here from CELLS). Each broken copy under `broken/` is an overlay of the example with ONE
realistic student bug: `[[edit]]` tables in its `expected.toml`, or the lab notebook handed in as a .py
script instead (exported the way `jupyter nbconvert --to script` does: `script` below).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE / "example"
NOTEBOOK = Path("notebooks") / "03_Multiple_layer_models.ipynb"

MD, CODE = "markdown", "code"
CELLS: list[tuple[str, str]] = [
    (MD, "# Multiple layer models and activation functions\n\nLab 3 of the Machine Learning Practical: "
         "models made of several layers, trained on MNIST with the `mlp` framework, then the same in PyTorch."),
    (CODE, "%matplotlib inline"),
    (MD, "## Exercise 1: training a softmax model on MNIST"),
    (CODE, '''import numpy as np
import matplotlib.pyplot as plt
import logging
from mlp.layers import AffineLayer, SoftmaxLayer, SigmoidLayer
from mlp.errors import CrossEntropyError, CrossEntropySoftmaxError
from mlp.models import SingleLayerModel, MultipleLayerModel
from mlp.initialisers import UniformInit
from mlp.learning_rules import GradientDescentLearningRule
from mlp.data_providers import MNISTDataProvider
from mlp.optimisers import Optimiser

plt.style.use('ggplot')

# Seed a random number generator
seed = 6102016
rng = np.random.RandomState(seed)

# Set up a logger object to print info about the training run to stdout
logger = logging.getLogger()
logger.setLevel(logging.INFO)
logger.handlers = [logging.StreamHandler()]

# Create data provider objects for the MNIST data set
train_data = MNISTDataProvider('train', rng=rng)
valid_data = MNISTDataProvider('valid', rng=rng)
input_dim, output_dim = 784, 10'''),
    (CODE, '''def train_model_and_plot_stats(
        model, error, learning_rule, train_data, valid_data, num_epochs, stats_interval):

    # Monitor the classification accuracy as well as the error
    data_monitors = {'acc': lambda y, t: (y.argmax(-1) == t.argmax(-1)).mean()}

    optimiser = Optimiser(
        model, error, learning_rule, train_data, valid_data, data_monitors)

    stats, keys, run_time = optimiser.train(num_epochs=num_epochs, stats_interval=stats_interval)

    fig_1 = plt.figure(figsize=(8, 4))
    ax_1 = fig_1.add_subplot(111)
    for k in ['error(train)', 'error(valid)']:
        ax_1.plot(np.arange(1, stats.shape[0]) * stats_interval,
                  stats[1:, keys[k]], label=k)
    ax_1.legend(loc=0)
    ax_1.set_xlabel('Epoch number')

    fig_2 = plt.figure(figsize=(8, 4))
    ax_2 = fig_2.add_subplot(111)
    for k in ['acc(train)', 'acc(valid)']:
        ax_2.plot(np.arange(1, stats.shape[0]) * stats_interval,
                  stats[1:, keys[k]], label=k)
    ax_2.legend(loc=0)
    ax_2.set_xlabel('Epoch number')

    return stats, keys, run_time, fig_1, ax_1, fig_2, ax_2'''),
    (CODE, '''# Set training run hyperparameters
batch_size = 100
init_scale = 0.01
learning_rate = 0.1
num_epochs = 100
stats_interval = 5

rng.seed(seed)
train_data.reset()
valid_data.reset()
train_data.batch_size = batch_size
valid_data.batch_size = batch_size

param_init = UniformInit(-init_scale, init_scale, rng=rng)

model = MultipleLayerModel([
    AffineLayer(input_dim, output_dim, param_init, param_init),
    SoftmaxLayer()
])
error = CrossEntropyError()
learning_rule = GradientDescentLearningRule(learning_rate=learning_rate)

_ = train_model_and_plot_stats(
    model, error, learning_rule, train_data, valid_data, num_epochs, stats_interval)
plt.show()'''),
    (MD, "### Optional extra: softmax folded into the error function"),
    (CODE, '''batch_size = 100
init_scale = 0.1
learning_rate = 0.1
num_epochs = 100
stats_interval = 5

rng.seed(seed)
train_data.reset()
valid_data.reset()
train_data.batch_size = batch_size
valid_data.batch_size = batch_size

param_init = UniformInit(-init_scale, init_scale, rng=rng)
model = SingleLayerModel(
    AffineLayer(input_dim, output_dim, param_init, param_init)
)
error = CrossEntropySoftmaxError()
learning_rule = GradientDescentLearningRule(learning_rate=learning_rate)

_ = train_model_and_plot_stats(
    model, error, learning_rule, train_data, valid_data, num_epochs, stats_interval)'''),
    (MD, "## Exercise 2: training deeper models on MNIST"),
    (CODE, '''# disable logging by setting handler to dummy object
logger.handlers = [logging.NullHandler()]'''),
    (MD, "### Models with two affine layers"),
    (CODE, '''learning_rate = 0.1
num_epochs = 30
stats_interval = 5
hidden_dim = 100

rng.seed(seed)
train_data.reset()
valid_data.reset()
param_init = UniformInit(-0.1, 0.1, rng=rng)
model = MultipleLayerModel([
    AffineLayer(input_dim, hidden_dim, param_init, param_init),
    SigmoidLayer(),
    AffineLayer(hidden_dim, output_dim, param_init, param_init),
])
_ = train_model_and_plot_stats(
    model, CrossEntropySoftmaxError(), GradientDescentLearningRule(learning_rate),
    train_data, valid_data, num_epochs, stats_interval)
plt.show()'''),
    (MD, "## Exercise 3: hyperbolic tangent and rectified linear layers"),
    (CODE, '''import numpy as np
from mlp.layers import Layer

class TanhLayer(Layer):
    """Layer implementing an element-wise hyperbolic tangent transformation."""

    def fprop(self, inputs):
        """For inputs `x` and outputs `y` this corresponds to `y = tanh(x)`."""
        return np.tanh(inputs)

    def bprop(self, inputs, outputs, grads_wrt_outputs):
        """Gradients with respect to the inputs: dy/dx = 1 - y**2."""
        return (1. - outputs ** 2) * grads_wrt_outputs

    def __repr__(self):
        return 'TanhLayer'


class ReluLayer(Layer):
    """Layer implementing an element-wise rectified linear transformation."""

    def fprop(self, inputs):
        """For inputs `x` and outputs `y` this corresponds to `y = max(0, x)`."""
        return np.maximum(inputs, 0.)

    def bprop(self, inputs, outputs, grads_wrt_outputs):
        """Gradients with respect to the inputs: dy/dx = 1 where x > 0, else 0."""
        return (inputs > 0) * grads_wrt_outputs

    def __repr__(self):
        return 'ReluLayer\''''),
    (CODE, '''test_inputs = np.array([[0.1, -0.2, 0.3], [-0.4, 0.5, -0.6]])
test_grads_wrt_outputs = np.array([[5., 10., -10.], [-5., 0., 10.]])
test_tanh_outputs = np.array(
    [[ 0.09966799, -0.19737532,  0.29131261],
     [-0.37994896,  0.46211716, -0.53704957]])
test_tanh_grads_wrt_inputs = np.array(
    [[ 4.95033145,  9.61042983, -9.15136962],
     [-4.27819393,  0.        ,  7.11577763]])
tanh_layer = TanhLayer()
tanh_outputs = tanh_layer.fprop(test_inputs)
all_correct = True
if not tanh_outputs.shape == test_tanh_outputs.shape:
    print('TanhLayer.fprop returned array with wrong shape.')
    all_correct = False
elif not np.allclose(test_tanh_outputs, tanh_outputs):
    print('TanhLayer.fprop calculated incorrect outputs.')
    all_correct = False
tanh_grads_wrt_inputs = tanh_layer.bprop(
    test_inputs, tanh_outputs, test_grads_wrt_outputs)
if not tanh_grads_wrt_inputs.shape == test_tanh_grads_wrt_inputs.shape:
    print('TanhLayer.bprop returned array with wrong shape.')
    all_correct = False
elif not np.allclose(tanh_grads_wrt_inputs, test_tanh_grads_wrt_inputs):
    print('TanhLayer.bprop calculated incorrect gradients with respect to inputs.')
    all_correct = False
if all_correct:
    print('Outputs and gradients calculated correctly for TanhLayer.')'''),
    (CODE, '''test_inputs = np.array([[0.1, -0.2, 0.3], [-0.4, 0.5, -0.6]])
test_grads_wrt_outputs = np.array([[5., 10., -10.], [-5., 0., 10.]])
test_relu_outputs = np.array([[0.1, 0., 0.3], [0., 0.5, 0.]])
test_relu_grads_wrt_inputs = np.array([[5., 0., -10.], [-0., 0., 0.]])
relu_layer = ReluLayer()
relu_outputs = relu_layer.fprop(test_inputs)
all_correct = True
if not relu_outputs.shape == test_relu_outputs.shape:
    print('ReluLayer.fprop returned array with wrong shape.')
    all_correct = False
elif not np.allclose(test_relu_outputs, relu_outputs):
    print('ReluLayer.fprop calculated incorrect outputs.')
    all_correct = False
relu_grads_wrt_inputs = relu_layer.bprop(
    test_inputs, relu_outputs, test_grads_wrt_outputs)
if not relu_grads_wrt_inputs.shape == test_relu_grads_wrt_inputs.shape:
    print('ReluLayer.bprop returned array with wrong shape.')
    all_correct = False
elif not np.allclose(relu_grads_wrt_inputs, test_relu_grads_wrt_inputs):
    print('ReluLayer.bprop calculated incorrect gradients with respect to inputs.')
    all_correct = False
if all_correct:
    print('Outputs and gradients calculated correctly for ReluLayer.')'''),
    (MD, "# PyTorch"),
    (CODE, '''import torch
import torch.nn as nn
import torch.optim as optim
from torchvision import datasets, transforms
from torch.utils.data.sampler import SubsetRandomSampler

torch.manual_seed(seed)'''),
    (CODE, '''# Device configuration
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
device'''),
    (CODE, '''batch_size = 128
learning_rate = 0.001
num_epochs = 50
stats_interval = 5'''),
    (CODE, '''transform = transforms.Compose([
    transforms.ToTensor(),
    transforms.Normalize((0.1307,), (0.3081,))
])'''),
    (CODE, "train_dataset = datasets.MNIST('../data', train=True, download=True, transform=transform)"),
    (CODE, "test_dataset = datasets.MNIST('../data', train=False, download=True, transform=transform)"),
    (CODE, '''plt.imshow(train_dataset.data[42], cmap='gray')
plt.title('%i' % train_dataset.targets[42])
plt.show()'''),
    (CODE, '''valid_size = 0.2
num_train = len(train_dataset)
indices = list(range(num_train))
split = int(np.floor(valid_size * num_train))
np.random.shuffle(indices)
train_idx, valid_idx = indices[split:], indices[:split]
train_sampler = SubsetRandomSampler(train_idx)
valid_sampler = SubsetRandomSampler(valid_idx)

train_loader = torch.utils.data.DataLoader(train_dataset, batch_size=batch_size, sampler=train_sampler, pin_memory=True)
valid_loader = torch.utils.data.DataLoader(train_dataset, batch_size=batch_size, sampler=valid_sampler, pin_memory=True)
test_loader = torch.utils.data.DataLoader(test_dataset, batch_size=batch_size, shuffle=False, pin_memory=True)'''),
    (CODE, '''class MultipleLayerModel(nn.Module):
    """Multiple layer model."""
    def __init__(self, input_dim, output_dim, hidden_dim):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(input_dim, hidden_dim),
            nn.ReLU(),
            nn.Linear(hidden_dim, hidden_dim),
            nn.ReLU(),
            nn.Linear(hidden_dim, output_dim),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits'''),
    (CODE, '''input_dim = 1*28*28
output_dim = 10
hidden_dim = 100

model = MultipleLayerModel(input_dim, output_dim, hidden_dim).to(device)
print(model)'''),
    (CODE, '''loss = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=learning_rate)'''),
    (CODE, '''train_loss, valid_loss = [], []
train_acc, valid_acc = [], []

for i in range(num_epochs + 1):
    model.train()
    batch_loss, batch_acc = [], []
    for batch_idx, (x, t) in enumerate(train_loader):
        x, t = x.to(device), t.to(device)
        y = model(x)
        E_value = loss(y, t)
        optimizer.zero_grad()
        E_value.backward()
        optimizer.step()
        _, argmax = torch.max(y, 1)
        batch_loss.append(E_value.item())
        batch_acc.append((t == argmax.squeeze()).float().mean().item())
    train_loss.append(np.mean(batch_loss))
    train_acc.append(np.mean(batch_acc))

    model.eval()
    batch_loss, batch_acc = [], []
    for batch_idx, (x, t) in enumerate(valid_loader):
        x, t = x.to(device), t.to(device)
        y = model(x)
        E_value = loss(y, t)
        _, argmax = torch.max(y, 1)
        batch_loss.append(E_value.item())
        batch_acc.append((t == argmax.squeeze()).float().mean().item())
    valid_loss.append(np.mean(batch_loss))
    valid_acc.append(np.mean(batch_acc))

    if i % stats_interval == 0:
        print('Epoch: {} \\tError(train): {:.6f} \\tAccuracy(train): {:.6f} \\tError(valid): {:.6f} \\tAccuracy(valid): {:.6f}'.format(
            i, train_loss[-1], train_acc[-1], valid_loss[-1], valid_acc[-1]))'''),
    (CODE, '''fig_1 = plt.figure(figsize=(8, 4))
ax_1 = fig_1.add_subplot(111)
ax_1.plot(train_loss, label='Error(train)')
ax_1.plot(valid_loss, label='Error(valid)')
ax_1.legend(loc=0)
ax_1.set_xlabel('Epoch number')

fig_2 = plt.figure(figsize=(8, 4))
ax_2 = fig_2.add_subplot(111)
ax_2.plot(train_acc, label='Accuracy(train)')
ax_2.plot(valid_acc, label='Accuracy(valid)')
ax_2.legend(loc=0)
ax_2.set_xlabel('Epoch number')
plt.show()'''),
    (CODE, '''test_acc = []
model.eval()
for batch_idx, (x, t) in enumerate(test_loader):
    x, t = x.to(device), t.to(device)
    y = model(x)
    _, argmax = torch.max(y, 1)
    test_acc.append((t == argmax.squeeze()).float().mean().item())
test_acc = np.mean(test_acc)
print('Accuracy(test): {:.6f}'.format(test_acc))'''),
]

def cells(replacements: list[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    out = []
    for kind, text in CELLS:
        for old, new in replacements:
            text = text.replace(old, new)
        out.append((kind, text))
    return out


def notebook(cell_list: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                   "language_info": {"name": "python"}}
    nb.cells = [new_markdown_cell(t) if k == MD else new_code_cell(t) for k, t in cell_list]
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"  # fixed ids: the same cells give the same file
    return nb


def script(cell_list: list[tuple[str, str]]) -> str:
    """The notebook as `jupyter nbconvert --to script` writes it (magics through get_ipython())."""
    parts = ["#!/usr/bin/env python\n# coding: utf-8\n"]
    for kind, text in cell_list:
        if kind == MD:
            parts.append("\n".join("# " + line if line else "#" for line in text.splitlines()) + "\n")
        else:
            lines = []
            for line in text.splitlines():
                if line.startswith("%"):
                    name, _, arg = line[1:].partition(" ")
                    line = f"get_ipython().run_line_magic({name!r}, {arg!r})"
                lines.append(line)
            parts.append("\n".join(lines) + "\n")
    return "\n\n".join(parts)


def write_example_notebook(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook(cells()), str(path))


def main() -> None:
    """The example notebook; the broken copies are overlays of the example (``broken/*/expected.toml``:
    ``[[edit]]`` tables holding the bug, or the script a case hands in instead of the notebook)."""
    write_example_notebook(EXAMPLE / NOTEBOOK)


if __name__ == "__main__":
    main()
