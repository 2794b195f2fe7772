"""Writes the W1D5 example notebook (run from anywhere).

    .venv/bin/python submissions/nma_w1d5/make_notebooks.py

The broken copies under broken/ are overlays of the example, each with ONE realistic bug: the
``[[edit]]`` tables of its expected.toml, or the script it hands in instead of the notebook
(``write_script`` below writes one the way nbconvert does).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
NOTEBOOK = "W1D5_Tutorial1.ipynb"

CELLS: list[tuple[str, str]] = [
    ("md", "# Tutorial 1: Optimization techniques\n**Week 1, Day 5: Optimization**, Neuromatch Academy"),
    ("code", """\
# @title Install and import feedback gadget
!pip3 install vibecheck datatops --quiet

from vibecheck import DatatopsContentReviewContainer
def content_review(notebook_section: str):
  return DatatopsContentReviewContainer(
      "",  # No text prompt
      notebook_section,
      {
          "url": "https://pmyvdlilci.execute-api.us-east-1.amazonaws.com/klab",
          "name": "neuromatch_dl",
          "user_key": "f379rz8y",
      },
  ).render()


feedback_prefix = "W1D5_T1\""""),
    ("code", """\
# Imports
import copy

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import time
import torch
import torchvision
import torchvision.datasets as datasets
import torch.nn.functional as F
import torch.nn as nn
import torch.optim as optim
from tqdm.auto import tqdm"""),
    ("code", """\
# @title Figure settings
import logging
logging.getLogger('matplotlib.font_manager').disabled = True

%matplotlib inline
%config InlineBackend.figure_format = 'retina'
plt.style.use("https://raw.githubusercontent.com/NeuromatchAcademy/content-creation/main/nma.mplstyle")
plt.rc('axes', unicode_minus=False)"""),
    ("code", """\
# @title Helper functions
def print_params(model):
  \"\"\"Prints the name and current value of each trainable parameter of the model.\"\"\"
  for name, param in model.named_parameters():
    if param.requires_grad:
      print(name, param.data)"""),
    ("code", """\
# @title Set random seed
import random


def set_seed(seed=None, seed_torch=True):
  \"\"\"Seeds python, numpy and (optionally) torch so that runs are reproducible.\"\"\"
  if seed is None:
    seed = np.random.choice(2 ** 32)
  random.seed(seed)
  np.random.seed(seed)
  if seed_torch:
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    torch.cuda.manual_seed(seed)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True

  print(f'Random seed {seed} has been set.')


def seed_worker(worker_id):
  \"\"\"Re-seeds numpy and random in each DataLoader worker.\"\"\"
  worker_seed = torch.initial_seed() % 2**32
  np.random.seed(worker_seed)
  random.seed(worker_seed)"""),
    ("code", """\
# @title Set device (GPU or CPU)
def set_device():
  \"\"\"CUDA when it is available, the CPU otherwise.\"\"\"
  device = "cuda" if torch.cuda.is_available() else "cpu"
  if device != "cuda":
    print("WARNING: For this notebook to perform best, "
          "if possible, in the menu under `Runtime` -> "
          "`Change runtime type.`  select `GPU` ")
  else:
    print("GPU is enabled in this notebook.")

  return device"""),
    ("code", """\
SEED = 2021
set_seed(seed=SEED)
DEVICE = set_device()"""),
    ("md", "## Section 1. Introduction"),
    ("code", """\
# @title Video 1: Introduction
from ipywidgets import widgets
from IPython.display import YouTubeVideo
from IPython.display import IFrame
from IPython.display import display


class PlayVideo(IFrame):
  def __init__(self, id, source, page=1, width=400, height=300, **kwargs):
    self.id = id
    if source == 'Bilibili':
      src = f'https://player.bilibili.com/player.html?bvid={id}&page={page}'
    elif source == 'Osf':
      src = f'https://mfr.ca-1.osf.io/render?url=https://osf.io/download/{id}/?direct%26mode=render'
    super(PlayVideo, self).__init__(src, width, height, **kwargs)


def display_videos(video_ids, W=400, H=300, fs=1):
  tab_contents = []
  for i, video_id in enumerate(video_ids):
    out = widgets.Output()
    with out:
      if video_ids[i][0] == 'Youtube':
        video = YouTubeVideo(id=video_ids[i][1], width=W, height=H, fs=fs, rel=0)
        print(f'Video available at https://youtube.com/watch?v={video.id}')
      else:
        video = PlayVideo(id=video_ids[i][1], source=video_ids[i][0], width=W, height=H, fs=fs, autoplay=False)
      display(video)
    tab_contents.append(out)
  return tab_contents


video_ids = [('Youtube', 'zm2oOBadT1A'), ('Bilibili', 'BV1Dv411G7nZ')]
tab_contents = display_videos(video_ids, W=854, H=480)
tabs = widgets.Tab()
tabs.children = tab_contents
for i in range(len(tab_contents)):
  tabs.set_title(i, video_ids[i][0])
display(tabs)"""),
    ("code", """\
# @title Submit your feedback
content_review(f"{feedback_prefix}_Introduction_Video")"""),
    ("md", "## Section 2.1: Data"),
    ("code", """\
# @title Download MNIST dataset
import tarfile, requests, os

fname = 'MNIST.tar.gz'
name = 'MNIST'
url = 'https://osf.io/y2fj6/download'

if not os.path.exists(name):
  print('\\nDownloading MNIST dataset...')
  r = requests.get(url, allow_redirects=True)
  with open(fname, 'wb') as fh:
    fh.write(r.content)
  print('\\nDownloading MNIST completed.')

if not os.path.exists(name):
  with tarfile.open(fname) as tar:
    tar.extractall()
    os.remove(fname)
else:
  print('MNIST dataset has been downloaded.')"""),
    ("code", """\
def load_mnist_data(change_tensors=False, download=False):
  \"\"\"MNIST's training and test sets, standardized with the training set's mean and std.\"\"\"
  train_set = datasets.MNIST(root='.', train=True, download=download,
                             transform=torchvision.transforms.ToTensor())
  test_set = datasets.MNIST(root='.', train=False, download=download,
                            transform=torchvision.transforms.ToTensor())

  # only training-set statistics are used to normalize both sets
  mean = train_set.data.float().mean()
  std = train_set.data.float().std()

  if change_tensors:
    train_set.data = (train_set.data.float() - mean) / std
    test_set.data = (test_set.data.float() - mean) / std
  else:
    tform = torchvision.transforms.Compose([torchvision.transforms.ToTensor(),
                                            torchvision.transforms.Normalize(mean=[mean / 255.], std=[std / 255.])
                                            ])
    train_set = datasets.MNIST(root='.', train=True, download=download,
                               transform=tform)
    test_set = datasets.MNIST(root='.', train=False, download=download,
                              transform=tform)

  return train_set, test_set


train_set, test_set = load_mnist_data(change_tensors=True, download=True)"""),
    ("code", """\
# Sample a random subset of 500 indices
subset_index = np.random.choice(len(train_set.data), 500)

# We will use these symbols to represent the training data and labels
X, y = train_set.data[subset_index, :], train_set.targets[subset_index]"""),
    ("code", """\
# @title Run me!
num_figures = 3
fig, axs = plt.subplots(1, num_figures, figsize=(5 * num_figures, 5))

for sample_id, ax in enumerate(axs):
  ax.matshow(X[sample_id, :], cmap='gray_r')
  for (i, j), z in np.ndenumerate(X[sample_id, :]):
    text = '{:.1f}'.format(z)
    ax.text(j, i, text, ha='center', va='center', fontsize=6, c='steelblue')
  ax.set_title('Label: ' + str(y[sample_id].item()))
  ax.axis('off')

plt.show()"""),
    ("md", "## Section 2.2: Model"),
    ("code", """\
class MLP(nn.Module):
  \"\"\"A multi-layer perceptron with any number of hidden layers of any sizes,
  with a log_softmax at the output (a classifier).\"\"\"

  def __init__(self, in_dim=784, out_dim=10, hidden_dims=[], use_bias=True):
    \"\"\"in_dim inputs, out_dim classes; hidden_dims=[] gives a linear model.\"\"\"
    super(MLP, self).__init__()
    self.in_dim = in_dim
    self.out_dim = out_dim

    if len(hidden_dims) == 0:
      layers = [nn.Linear(in_dim, out_dim, bias=use_bias)]
    else:
      layers = [nn.Linear(in_dim, hidden_dims[0], bias=use_bias), nn.ReLU()]
      for i, hidden_dim in enumerate(hidden_dims[:-1]):
        layers += [nn.Linear(hidden_dim, hidden_dims[i + 1], bias=use_bias),
                   nn.ReLU()]
      layers += [nn.Linear(hidden_dims[-1], out_dim, bias=use_bias)]

    self.main = nn.Sequential(*layers)

  def forward(self, x):
    \"\"\"Flattens each image and returns the log-probabilities of the classes.\"\"\"
    transformed_x = x.view(-1, self.in_dim)
    hidden_output = self.main(transformed_x)
    output = F.log_softmax(hidden_output, dim=1)
    return output"""),
    ("code", """\
# Empty hidden_dims means we take a model with zero hidden layers.
model = MLP(in_dim=784, out_dim=10, hidden_dims=[])

# We print the model structure with 784 inputs and 10 outputs
print(model)"""),
    ("md", "## Section 2.3: Loss"),
    ("code", "loss_fn = F.nll_loss"),
    ("code", """\
# @markdown Run _this cell_ to train the model.
cell_verbose = False
partial_trained_model = MLP(in_dim=784, out_dim=10, hidden_dims=[])

if cell_verbose:
  print('Init loss', loss_fn(partial_trained_model(X), y).item())

optimizer = optim.Adam(partial_trained_model.parameters(), lr=7e-4)
for _ in range(200):
  loss = loss_fn(partial_trained_model(X), y)
  optimizer.zero_grad()
  loss.backward()
  optimizer.step()

if cell_verbose:
  print('End loss', loss_fn(partial_trained_model(X), y).item())

W = partial_trained_model.main[0].weight.data.numpy()
fig, axs = plt.subplots(1, 10, figsize=(15, 4))
for class_id in range(10):
  axs[class_id].imshow(W[class_id, :].reshape(28, 28), cmap='gray_r')
  axs[class_id].axis('off')
  axs[class_id].set_title('Class ' + str(class_id))

plt.show()"""),
    ("md", "## Coding Exercise 3: Implement gradient descent"),
    ("code", """\
def zero_grad(params):
  \"\"\"Clear the gradients, which accumulate over successive backward calls.\"\"\"
  for par in params:
    if not(par.grad is None):
      par.grad.data.zero_()


def random_update(model, noise_scale=0.1, normalized=False):
  \"\"\"Moves every parameter of the model in a random direction.\"\"\"
  for par in model.parameters():
    noise = torch.randn_like(par)
    if normalized:
      noise /= torch.norm(noise)
    par.data += noise_scale * noise"""),
    ("code", """\
def gradient_update(loss, params, lr=1e-3):
  \"\"\"One gradient descent step on `loss` for every parameter in `params`.\"\"\"
  # Clear up gradients as Pytorch automatically accumulates gradients from
  # successive backward calls
  zero_grad(params)

  # Compute gradients on given objective
  loss.backward()

  with torch.no_grad():
    for par in params:
      # step against the gradient, on the parameter's data
      par.data -= lr * par.grad.data


set_seed(seed=SEED)
model1 = MLP(in_dim=784, out_dim=10, hidden_dims=[])
print('\\n The model1 parameters before the update are: \\n')
print_params(model1)
loss = loss_fn(model1(X), y)

gradient_update(loss, list(model1.parameters()), lr=1e-1)
print('\\n The model1 parameters after the update are: \\n')
print_params(model1)"""),
    ("code", """\
# @markdown _Run this cell_ to setup some helper functions.
def plot_param_distance(best_u, best_v, trajs, fig, styles, labels, use_log=False, y_min_v=-12.0, y_max_v=1.5):
  \"\"\"Distance of each of the two parameters to the optimum along each trajectory.\"\"\"
  ax = fig.add_subplot(1, 1, 1)
  for traj, style, label in zip(trajs, styles, labels):
    d0 = np.array([np.abs(_[0] - best_u) for _ in traj])
    d1 = np.array([np.abs(_[1] - best_v) for _ in traj])
    if use_log:
      d0 = np.log(1e-16 + d0)
      d1 = np.log(1e-16 + d1)
    ax.plot(range(len(traj)), d0, style, label='weight - ' + label)
    ax.plot(range(len(traj)), d1, style, label='bias - ' + label)
  ax.set_xlabel('Iteration')
  ax.legend(loc='right', bbox_to_anchor=(1.5, 0.5), fancybox=False, shadow=False, ncol=1)
  return ax


def run_optimizer(inits, eval_fn, update_fn, max_steps=500,
                  optim_kwargs={'lr':1e-2}, log_traj=True):
  \"\"\"Runs update_fn on eval_fn from inits; the trajectory [*params, loss] of every step.\"\"\"
  params = [nn.Parameter(torch.tensor(_)) for _ in inits]
  # Methods like momentum and rmsprop keep and auxiliary vector of parameters
  aux_tensors = [torch.zeros_like(_) for _ in params]
  if log_traj:
    traj = np.zeros((max_steps, len(params)+1))
  for _ in range(max_steps):
    loss = eval_fn(*params)
    if log_traj:
      traj[_, :] = [_.item() for _ in params] + [loss.item()]
    if update_fn == gradient_update:
      gradient_update(loss, params, **optim_kwargs)
    else:
      update_fn(loss, params, aux_tensors, **optim_kwargs)
  if log_traj:
    return traj"""),
    ("md", "## Coding Exercise 4: Implement momentum"),
    ("code", """\
def momentum_update(loss, params, grad_vel, lr=1e-3, beta=0.8):
  \"\"\"One momentum step: update the velocities in grad_vel, then move the parameters by them.\"\"\"
  # Clear up gradients as Pytorch automatically accumulates gradients from
  # successive backward calls
  zero_grad(params)
  # Compute gradients on given objective
  loss.backward()

  with torch.no_grad():
    for (par, vel) in zip(params, grad_vel):
      # Update 'velocity'
      vel.data = -lr * par.grad.data + beta * vel.data
      # Update parameters
      par.data += vel.data


set_seed(seed=SEED)
model2 = MLP(in_dim=784, out_dim=10, hidden_dims=[])
print('\\n The model2 parameters before the update are: \\n')
print_params(model2)
loss = loss_fn(model2(X), y)
initial_vel = [torch.randn_like(p) for p in model2.parameters()]

momentum_update(loss, list(model2.parameters()), grad_vel=initial_vel, lr=1e-1, beta=0.9)
print('\\n The model2 parameters after the update are: \\n')
print_params(model2)"""),
    ("md", "## Interactive Demo 4: Momentum vs. GD"),
    ("code", """\
# @markdown Run this cell to enable the widget!
from matplotlib.lines import Line2D


def run_newton(func, init_list=[0., 0.], max_iter=200):
  \"\"\"Newton's method on a function of two scalars: the optimum the trajectories are compared to.\"\"\"
  par_tensor = torch.tensor(init_list, requires_grad=True)
  t_g = lambda par_tensor: func(par_tensor[0], par_tensor[1])
  for _ in tqdm(range(max_iter)):
    eval_loss = t_g(par_tensor)
    eval_grad = torch.autograd.grad(eval_loss, [par_tensor])[0]
    eval_hess = torch.autograd.functional.hessian(t_g, par_tensor)
    par_tensor.data -= torch.inverse(eval_hess) @ eval_grad
  return par_tensor.data.numpy()


set_seed(2021)
model = MLP(in_dim=784, out_dim=10, hidden_dims=[])
INITS = [2.5, 3.7]
LABELS = ['GD', 'Momentum']


@widgets.interact_manual
def momentum_experiment(max_steps=widgets.IntSlider(300, 50, 500, 5),
                        lr=widgets.FloatLogSlider(value=1e-1, min=-3, max=0.7, step=0.1),
                        beta=widgets.FloatSlider(value=9e-1, min=0, max=1., step=0.01)
                        ):
  \"\"\"Runs gradient descent and momentum from INITS and plots how far each parameter is from the optimum.\"\"\"
  sgd_traj = run_optimizer(INITS, eval_fn=g, update_fn=gradient_update,
                           max_steps=max_steps, optim_kwargs={'lr': lr})
  mom_traj = run_optimizer(INITS, eval_fn=g, update_fn=momentum_update,
                           max_steps=max_steps, optim_kwargs={'lr': lr, 'beta': beta})
  fig = plt.figure(figsize=(9, 4))
  plot_param_distance(best_u, best_v, [sgd_traj, mom_traj], fig, ['-', '--'], LABELS, use_log=True)"""),
    ("md", "## Coding Exercise 6: Implement minibatch sampling"),
    ("code", """\
def sample_minibatch(input_data, target_data, num_points=100):
  \"\"\"num_points examples (with their labels) drawn at random with replacement.\"\"\"
  batch_indices = np.random.choice(len(input_data), num_points)
  batch_inputs = input_data[batch_indices, :]
  batch_targets = target_data[batch_indices]
  return batch_inputs, batch_targets


x_batch, y_batch = sample_minibatch(X, y, num_points=100)
print(f"The input shape is {x_batch.shape} and the target shape is: {y_batch.shape}")"""),
    ("md", "## Coding Exercise 7: Implement RMSprop"),
    ("code", """\
def rmsprop_update(loss, params, grad_sq, lr=1e-3, alpha=0.8, epsilon=1e-8):
  \"\"\"One RMSprop step: update the running averages of squared gradients, then scale the step.\"\"\"
  # Clear up gradients as Pytorch automatically accumulates gradients from
  # successive backward calls
  zero_grad(params)
  # Compute gradients on given objective
  loss.backward()

  with torch.no_grad():
    for (par, gsq) in zip(params, grad_sq):
      # Update estimate of gradient variance
      gsq.data = alpha * gsq.data + (1 - alpha) * par.grad**2
      # Update parameters
      par.data -= lr * (par.grad / (epsilon + gsq.data)**0.5)


set_seed(seed=SEED)
model3 = MLP(in_dim=784, out_dim=10, hidden_dims=[])
print('\\n The model3 parameters before the update are: \\n')
print_params(model3)
loss = loss_fn(model3(X), y)
# Initialize the moving average of squared gradients
grad_sq = [1e-6*i for i in list(model3.parameters())]

rmsprop_update(loss, list(model3.parameters()), grad_sq=grad_sq, lr=1e-3)
print('\\n The model3 parameters after the update are: \\n')
print_params(model3)"""),
    ("md", "## Interactive Demo 7: Compare optimizers"),
    ("code", """\
# @markdown Execute this cell to enable the widget!
X, y = train_set.data, train_set.targets


@widgets.interact_manual
def compare_optimizers(
    batch_size=(25, 250, 5),
    lr=widgets.FloatLogSlider(value=2e-3, min=-5, max=0),
    max_steps=(50, 500, 5)):
  \"\"\"Trains the same MLP with SGD, momentum and RMSprop and plots the losses.\"\"\"
  SGD_DICT = [gradient_update, 'SGD', 'black', '-', {'lr': lr}]
  MOM_DICT = [momentum_update, 'Momentum', 'red', '--', {'lr': lr, 'beta': 0.9}]
  RMS_DICT = [rmsprop_update, 'RMSprop', 'fuchsia', '-', {'lr': lr, 'alpha': 0.8}]

  ALL_DICTS = [SGD_DICT, MOM_DICT, RMS_DICT]

  base_model = MLP(in_dim=784, out_dim=10, hidden_dims=[100, 100])

  LOSS_HIST = {}

  for opt_dict in tqdm(ALL_DICTS):
    update_fn, opt_name, color, lstyle, kwargs = opt_dict
    LOSS_HIST[opt_name] = []

    model = copy.deepcopy(base_model)
    params = list(model.parameters())

    if opt_name != 'SGD':
      aux_tensors = [torch.zeros_like(_) for _ in params]

    for step in range(max_steps):
      data, labels = sample_minibatch(X, y, batch_size)
      loss = loss_fn(model(data), labels)
      if opt_name == 'SGD':
        update_fn(loss, params, **kwargs)
      else:
        update_fn(loss, params, aux_tensors, **kwargs)
      LOSS_HIST[opt_name].append(loss.item())

  fig, axs = plt.subplots(1, len(ALL_DICTS), figsize=(9, 3))
  for ax, optim_dict in zip(axs, ALL_DICTS):
    opt_name = optim_dict[1]
    ax.plot(range(max_steps), LOSS_HIST[opt_name], alpha=0.8)
    ax.set_title(opt_name)
    ax.set_xlabel('Iteration')
    ax.set_ylabel('Loss')
    ax.set_ylim(0, 2.5)
  plt.show()"""),
]

def cells_with(replacements: list[tuple[str, str]]) -> list[tuple[str, str]]:
    cells = list(CELLS)
    for old, new in replacements:
        hits = [i for i, (_, src) in enumerate(cells) if old in src]
        if len(hits) != 1 or cells[hits[0]][1].count(old) != 1:
            raise SystemExit(f"replacement not found exactly once: {old!r}")
        kind, src = cells[hits[0]]
        cells[hits[0]] = (kind, src.replace(old, new))
    return cells


def write_notebook(path: Path, cells: list[tuple[str, str]]) -> None:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.cells = [new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in cells]
    for number, cell in enumerate(nb.cells):
        cell.id = f"cell-{number:02d}"  # stable ids: the copies differ in their bug only
    nbformat.validate(nb)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def _script_line(line: str) -> str:
    """What `jupyter nbconvert --to script` writes for a magic line."""
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    if stripped.startswith("!"):
        return f"{indent}get_ipython().system({stripped[1:]!r})"
    if stripped.startswith("%"):
        magic, _, rest = stripped[1:].partition(" ")
        return f"{indent}get_ipython().run_line_magic({magic!r}, {rest!r})"
    return line


def write_script(path: Path, cells: list[tuple[str, str]]) -> None:
    chunks = ["#!/usr/bin/env python\n# coding: utf-8\n"]
    for kind, src in cells:
        if kind == "md":
            chunks.append("\n".join("# " + line for line in src.splitlines()) + "\n")
        else:
            chunks.append("# In[ ]:\n\n\n" + "\n".join(_script_line(line) for line in src.splitlines()) + "\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(chunks))


def main() -> None:
    write_notebook(HERE / "example" / NOTEBOOK, CELLS)


if __name__ == "__main__":
    main()
