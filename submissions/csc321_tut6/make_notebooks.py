"""Writes the CSC321 Tutorial 6 example submission: example/ (a full notebook, full marks).

    .venv/bin/python submissions/csc321_tut6/make_notebooks.py

Every file under example/ is generated from the cells below: edit here, then re-run. The broken
copies under broken/ are overlays of it, each with ONE realistic bug (its expected.toml's edits,
or the nbconvert-style script it hands in: ``script`` below writes one).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
NOTEBOOK = "tutorial6.ipynb"
SCRIPT = "tutorial6.py"

CELLS: list[tuple[str, str]] = [
    ("md", "# CSC321 Tutorial 6: Optimization and Convolutional Neural Networks\n\n"
           "Optimizing a network's cost with SGD, momentum and Adam; CNNs; batch normalization; "
           "weight initialization."),
    ("code", """import matplotlib.pyplot as plt
import math
import torch
import torch.nn as nn
import torch.optim as optim

%matplotlib inline"""),
    ("md", "## Data\n\nThe first 2500 MNIST training images: 2000 to train on, 500 to validate."),
    ("code", """from torchvision import datasets, transforms

mnist_train = datasets.MNIST('data', train=True, download=True, transform=transforms.ToTensor())
mnist_train = list(mnist_train)[:2500]

mnist_train, mnist_val = mnist_train[:2000], mnist_train[2000:]"""),
    ("md", "## Models in PyTorch"),
    ("code", """# Multi-layer perceptron
class MLP(nn.Module):
    def __init__(self, num_hidden):
        super(MLP, self).__init__()
        self.layer1 = nn.Linear(28 * 28, num_hidden)
        self.layer2 = nn.Linear(num_hidden, 10)
        self.num_hidden = num_hidden

    def forward(self, img):
        flattened = img.view(-1, 28 * 28)  # flatten the image
        activation1 = self.layer1(flattened)
        activation1 = torch.relu(activation1)
        activation2 = self.layer2(activation1)
        return activation2


# You should understand this after Lecture 6
class CNN(nn.Module):
    def __init__(self):
        super(CNN, self).__init__()
        self.conv1 = nn.Conv2d(in_channels=1,
                               out_channels=4,
                               kernel_size=3,
                               padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(in_channels=4,
                               out_channels=8,
                               kernel_size=3,
                               padding=1)
        self.fc = nn.Linear(8 * 7 * 7, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        x = x.view(-1, 8 * 7 * 7)
        return self.fc(x)"""),
    ("md", "The number of parameters gauges a network's capacity."),
    ("code", """def print_num_parameters(model, name="model"):
    print("Number of parameters in %s" % name,
          sum(p.numel() for p in model.parameters()))

print_num_parameters(MLP(200), "MLP(200)")
print_num_parameters(CNN(), "the CNN")"""),
    ("md", "## Training the neural network"),
    ("code", """def train(model, data, batch_size=64, weight_decay=0.0,
          optimizer="sgd", learning_rate=0.1, momentum=0.9,
          data_shuffle=True, num_epochs=10):
    # training data
    train_loader = torch.utils.data.DataLoader(data,
                                               batch_size=batch_size,
                                               shuffle=data_shuffle)
    # loss function
    criterion = nn.CrossEntropyLoss()
    # optimizer
    assert optimizer in ("sgd", "adam")
    if optimizer == "sgd":
        optimizer = optim.SGD(model.parameters(),
                              lr=learning_rate,
                              momentum=momentum,
                              weight_decay=weight_decay)
    else:
        optimizer = optim.Adam(model.parameters(),
                               lr=learning_rate,
                               weight_decay=weight_decay)
    # track learning curve
    iters, losses, train_acc, val_acc = [], [], [], []
    # training
    n = 0  # the number of iterations (for plotting)
    for epoch in range(num_epochs):
        for imgs, labels in iter(train_loader):
            if imgs.size()[0] < batch_size:
                continue

            model.train()  # annotate model for training
            out = model(imgs)
            loss = criterion(out, labels)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()

            # save the current training information
            iters.append(n)
            losses.append(float(loss) / batch_size)  # compute *average* loss
            train_acc.append(get_accuracy(model, train=True))  # compute training accuracy
            val_acc.append(get_accuracy(model, train=False))  # compute validation accuracy
            n += 1

    # plotting
    plt.title("Learning Curve")
    plt.plot(iters, losses, label="Train")
    plt.xlabel("Iterations")
    plt.ylabel("Loss")
    plt.show()

    plt.title("Learning Curve")
    plt.plot(iters, train_acc, label="Train")
    plt.plot(iters, val_acc, label="Validation")
    plt.xlabel("Iterations")
    plt.ylabel("Training Accuracy")
    plt.legend(loc='best')
    plt.show()

    print("Final Training Accuracy: {}".format(train_acc[-1]))
    print("Final Validation Accuracy: {}".format(val_acc[-1]))"""),
    ("md", "The prediction is the digit with the highest (pre-activation) output."),
    ("code", """def get_accuracy(model, train=False):
    if train:
        data = torch.utils.data.DataLoader(mnist_train, batch_size=4096)
    else:
        data = torch.utils.data.DataLoader(mnist_val, batch_size=1024)

    model.eval()  # annotate model for evaluation
    correct = 0
    total = 0
    for imgs, labels in data:
        output = model(imgs)  # We don't need to run torch.softmax
        pred = output.max(1, keepdim=True)[1]  # get the index of the max log-probability
        correct += pred.eq(labels.view_as(pred)).sum().item()
        total += imgs.shape[0]
    return correct / total"""),
    ("code", """model = MLP(50)
train(model, mnist_train, learning_rate=0.1)"""),
    ("md", "## MLP Hidden Unit Size"),
    ("code", """print_num_parameters(MLP(50), "MLP with 50 hidden units")
print_num_parameters(MLP(100), "MLP with 100 hidden units")
print_num_parameters(MLP(200), "MLP with 200 hidden units")"""),
    ("code", """model = MLP(100)
train(model, mnist_train, learning_rate=0.1)"""),
    ("code", """model = MLP(30)
train(model, mnist_train, learning_rate=0.1)"""),
    ("md", "### Interlude: shuffling the dataset"),
    ("code", """model = MLP(30)
train(model, mnist_train, learning_rate=0.1, data_shuffle=False)"""),
    ("md", "### Conv Net"),
    ("code", """model = CNN()
print_num_parameters(model, "the CNN")
train(model, mnist_train, batch_size=64, optimizer="sgd", learning_rate=0.1,
      momentum=0., num_epochs=5)"""),
    ("md", "## Momentum"),
    ("code", """model = MLP(30)
train(model, mnist_train, learning_rate=0.1, momentum=0., num_epochs=3)"""),
    ("code", """model = MLP(30)
train(model, mnist_train, learning_rate=0.05, momentum=0.9, num_epochs=3)"""),
    ("md", "Adam: start at a learning rate of 0.001; 0.005 works well here."),
    ("code", """model = MLP(30)
train(model, mnist_train, optimizer="adam", learning_rate=0.005, num_epochs=3)"""),
    ("code", """model = CNN()
train(model, mnist_train, optimizer="adam", learning_rate=0.005, num_epochs=3)"""),
    ("code", """# Uncomment to run
# train(CNN(), mnist_train, learning_rate=0.1, momentum=0.9, num_epochs=3)"""),
    ("md", "## Batch Normalization"),
    ("code", """class MLPBN(nn.Module):
    def __init__(self, num_hidden):
        super(MLPBN, self).__init__()
        self.layer1 = nn.Linear(28 * 28, num_hidden)
        self.bn = nn.BatchNorm1d(num_hidden)
        self.layer2 = nn.Linear(num_hidden, 10)
        self.num_hidden = num_hidden

    def forward(self, img):
        flattened = img.view(-1, 28 * 28)  # flatten the image
        activation1 = self.layer1(flattened)
        activation1 = torch.relu(activation1)
        activation1 = self.bn(activation1)
        activation2 = self.layer2(activation1)
        return activation2

mlp_bn = MLPBN(30)
train(mlp_bn, mnist_train, optimizer="adam", learning_rate=0.005, num_epochs=3)"""),
    ("md", "Batch normalization before or after the activation?"),
    ("code", """class MLPBNBeforeReLu(nn.Module):
    def __init__(self, num_hidden):
        super(MLPBNBeforeReLu, self).__init__()
        self.layer1 = nn.Linear(28 * 28, num_hidden)
        self.bn = nn.BatchNorm1d(num_hidden)
        self.layer2 = nn.Linear(num_hidden, 10)
        self.num_hidden = num_hidden

    def forward(self, img):
        flattened = img.view(-1, 28 * 28)  # flatten the image
        activation1 = self.layer1(flattened)
        activation1 = self.bn(activation1)
        activation1 = torch.relu(activation1)
        activation2 = self.layer2(activation1)
        return activation2

train(MLPBNBeforeReLu(30), mnist_train, optimizer="adam", learning_rate=0.005, num_epochs=3)"""),
    ("md", "Batch normalization can be used in CNNs too."),
    ("code", """class CNNBN(nn.Module):
    def __init__(self):
        super(CNNBN, self).__init__()
        self.conv1 = nn.Conv2d(in_channels=1,
                               out_channels=4,
                               kernel_size=3,
                               padding=1)
        self.bn1 = nn.BatchNorm2d(4)  # num out channels
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(in_channels=4,
                               out_channels=8,
                               kernel_size=3,
                               padding=1)
        self.bn2 = nn.BatchNorm2d(8)  # num out channels
        self.fc = nn.Linear(8 * 7 * 7, 10)

    def forward(self, x):
        x = self.bn1(torch.relu(self.conv1(x)))
        x = self.pool(x)
        x = self.bn2(torch.relu(self.conv2(x)))
        x = self.pool(x)
        x = x.view(-1, 8 * 7 * 7)
        return self.fc(x)

train(CNNBN(), mnist_train, optimizer="adam", learning_rate=0.005, num_epochs=3)"""),
    ("md", "## Weight Initialization\n\nZero weights leave the network at a saddle point."),
    ("code", """model = MLP(30)
for p in model.parameters():
    nn.init.zeros_(p)
train(model, mnist_train, optimizer="adam", learning_rate=0.005, num_epochs=3)"""),
]


def notebook(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [new_markdown_cell(s) if kind == "md" else new_code_cell(s) for kind, s in cells]
    for number, cell in enumerate(nb.cells):
        cell.id = f"cell-{number:02d}"  # fixed ids: re-running the generator changes nothing
    return nb


def script(cells: list[tuple[str, str]]) -> str:
    """What ``jupyter nbconvert --to script`` gives: code cells, magics as get_ipython() calls."""
    out = ["#!/usr/bin/env python", "# coding: utf-8", ""]
    for kind, text in cells:
        if kind == "md":
            out += [""] + ["# " + line if line else "#" for line in text.splitlines()] + [""]
            continue
        lines = []
        for line in text.splitlines():
            m = re.match(r"^%(\w+)\s*(.*)$", line)
            lines.append(f"get_ipython().run_line_magic('{m.group(1)}', '{m.group(2)}')" if m else line)
        out += ["", "# In[ ]:", ""] + lines + [""]
    return "\n".join(out) + "\n"


def apply(cells: list[tuple[str, str]], bug: dict) -> list[tuple[str, str]]:
    out, hits = [], 0
    pairs = [(bug["old"], bug["new"])] + ([(bug["old2"], bug["new2"])] if "old2" in bug else [])
    for kind, text in cells:
        for old, new in pairs:
            if kind == "code" and old in text:
                hits += text.count(old)
                text = text.replace(old, new)
        out.append((kind, text))
    if hits != len(pairs):
        raise SystemExit(f"{bug['name']}: its replacement matched {hits} times, expected {len(pairs)}")
    return out


def write_all(root: Path = HERE) -> None:
    """example/ under ``root`` (the folder of this script, or a test's tmp_path). The broken copies
    are overlays of it (``broken/*/expected.toml``: ``[[edit]]`` tables holding the bug, or the script
    a case hands in; ``python -m harness.dev materialise`` writes one whole)."""
    example = root / "example"
    shutil.rmtree(example, ignore_errors=True)
    example.mkdir(parents=True)
    nbformat.write(notebook(CELLS), str(example / NOTEBOOK))


def main() -> None:
    write_all(HERE)
    print(f"wrote {HERE / 'example'}")


if __name__ == "__main__":
    main()
