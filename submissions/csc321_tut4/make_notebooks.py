"""Write the CSC321 Tutorial 4 example notebook (full marks).

Run from anywhere: ``python submissions/csc321_tut4/make_notebooks.py``. Every broken copy is an
overlay of the example with ONE realistic bug (``broken/*/expected.toml``), in the notebook or in a
script exported from it (``script``). The example keeps the tutorial's top-level cells (the MNIST download, the
training run, plots): grading must never run them. ``expected.toml`` files are written by hand.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

GET_ACCURACY = '''def get_accuracy(model, data):
    loader = torch.utils.data.DataLoader(data, batch_size=500)

    correct, total = 0, 0
    for xs, ts in loader:
        xs = xs.view(-1, 784)  # flatten the image
        zs = model(xs)
        pred = zs.max(1, keepdim=True)[1]  # get the index of the max logit
        correct += pred.eq(ts.view_as(pred)).sum().item()
        total += int(ts.shape[0])
    return correct / total
'''

RUN_GRADIENT_DESCENT = '''def run_gradient_descent(model,
                         batch_size=64,
                         learning_rate=0.01,
                         weight_decay=0,
                         num_epochs=10):
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=learning_rate, weight_decay=weight_decay)

    iters, losses = [], []
    iters_sub, train_acc, val_acc = [], [], []

    train_loader = torch.utils.data.DataLoader(
        mnist_train,
        batch_size=batch_size,
        shuffle=True)

    # training
    n = 0  # the number of iterations
    for epoch in range(num_epochs):
        for xs, ts in iter(train_loader):
            if len(ts) != batch_size:
                continue
            xs = xs.view(-1, 784)  # flatten the image. The -1 is a wildcard
            zs = model(xs)
            loss = criterion(zs, ts)  # compute the total loss
            loss.backward()  # compute updates for each parameter
            optimizer.step()  # make the updates for each parameter
            optimizer.zero_grad()  # a clean up step for PyTorch

            # save the current training information
            iters.append(n)
            losses.append(float(loss) / batch_size)  # compute *average* loss

            if n % 10 == 0:
                iters_sub.append(n)
                train_acc.append(get_accuracy(model, mnist_train))
                val_acc.append(get_accuracy(model, mnist_val))
            # increment the iteration number
            n += 1

    # plotting
    plt.title("Training Curve (batch_size={}, lr={})".format(batch_size, learning_rate))
    plt.plot(iters, losses, label="Train")
    plt.xlabel("Iterations")
    plt.ylabel("Loss")
    plt.show()

    plt.title("Training Curve (batch_size={}, lr={})".format(batch_size, learning_rate))
    plt.plot(iters_sub, train_acc, label="Train")
    plt.plot(iters_sub, val_acc, label="Validation")
    plt.xlabel("Iterations")
    plt.ylabel("Accuracy")
    plt.legend(loc='best')
    plt.show()

    return model
'''

CELLS = [
    ("md", "# CSC321 Tutorial 4: Multi-Class Classification with PyTorch\n\n"
           "A linear classifier of MNIST digits in PyTorch: data, model, predictions, loss, optimizer, "
           "weight decay, batching, and a training loop."),
    ("code", "%matplotlib inline"),
    ("md", "## Data\n\nThe first 2,500 images of MNIST's training set."),
    ("code", "from torchvision import datasets\n\n"
             "# load the training data\n"
             "mnist_train = datasets.MNIST('data', train=True, download=True)\n"
             "mnist_train = list(mnist_train)[:2500]\n\n"
             "print(mnist_train[0])"),
    ("code", "# plot the first 18 images in the training data\n"
             "import matplotlib.pyplot as plt\n"
             "for k, (image, label) in enumerate(mnist_train[:18]):\n"
             "    plt.subplot(3, 6, k+1)\n"
             "    plt.imshow(image, cmap='gray')\n"
             "plt.show()"),
    ("code", "from torchvision import transforms\n"
             "# transform the image data type to a 28x28 matrix of numbers\n"
             "img_to_tensor = transforms.ToTensor()\n\n"
             "# convert the last image we saw into a tensor\n"
             "img_tensor = img_to_tensor(image)\n"
             "img_tensor.shape"),
    ("code", "mnist_train = datasets.MNIST('data', train=True, transform=img_to_tensor)\n"
             "mnist_train = list(mnist_train)[:2500]\n"
             "print(mnist_train[0])"),
    ("code", "mnist_train, mnist_val = mnist_train[:2000], mnist_train[2000:]"),
    ("md", "## Linear Model in PyTorch"),
    ("code", "import torch\nimport torch.nn as nn\n\n"
             "example_model = nn.Linear(50, 1) # assume 50 features, 1 linear output"),
    ("code", "weight, bias = list(example_model.parameters())\n"
             "print(weight)\nprint(weight.shape)\nprint(bias)\nprint(bias.shape)"),
    ("code", "model = nn.Linear(784, 10) # 784 = 28*28\n\n"
             "weight, bias = list(model.parameters())\n"
             "print(weight.shape)\nprint(bias.shape)"),
    ("md", "## Making Predictions"),
    ("code", "x = torch.randn(50) # create a rank 1 tensor (vector) with 50 features\nx.shape"),
    ("code", "y = example_model(x)\ny.shape"),
    ("code", "torch.sigmoid(example_model(x))"),
    ("code", "x = torch.randn([32, 50]) # a stack of 32 inputs\nprint(x.shape)\n"
             "y = example_model(x)\nprint(y.shape)"),
    ("code", "x = img_tensor.view(1, 784)\nprint(x.shape)\nz = model(x)\nprint(z)\nprint(z.shape)\n"
             "y = torch.softmax(z, dim=1)\nprint(y)"),
    ("md", "## Loss Function"),
    ("code", "criterion = nn.CrossEntropyLoss()"),
    ("code", "loss = criterion(y, torch.Tensor([8]).long()) # digit 8 = the 8-th class\nprint(loss)"),
    ("md", "## Optimization and Weight Decay"),
    ("code", "import torch.optim as optim\n"
             "optimizer = optim.SGD(model.parameters(), lr=0.005) # lr = learning rate\n\n"
             "loss.backward() # compute updates for each parameter\n"
             "optimizer.step() # make the updates for each parameter\n"
             "optimizer.zero_grad() # a clean up step for PyTorch"),
    ("code", "optimizer = optim.SGD(model.parameters(), lr=0.005, weight_decay=0.01)"),
    ("md", "## Batching"),
    ("code", "train_loader = torch.utils.data.DataLoader(mnist_train,\n"
             "                                           batch_size=32, # batch size\n"
             "                                           shuffle=True) # shuffle before each epoch\n\n"
             "for (xs, ts) in enumerate(train_loader):\n"
             "    print(xs) # image pixels\n"
             "    print(ts) # targets\n"
             "    break"),
    ("md", "## Putting it all together..."),
    ("code", RUN_GRADIENT_DESCENT + "\n" + GET_ACCURACY),
    ("md", "Let's try training this model!"),
    ("code", "model = nn.Linear(784, 10)\n"
             "run_gradient_descent(model, batch_size=64, learning_rate=0.01, num_epochs=10)"),
]

def cells(replacements: list[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    out = []
    done = set()
    for kind, text in CELLS:
        for i, (old, new) in enumerate(replacements):
            if kind == "code" and old in text:
                text = text.replace(old, new)
                done.add(i)
        out.append((kind, text))
    missing = set(range(len(replacements))) - done
    if missing:
        raise SystemExit(f"replacement(s) not found: {[replacements[i][0] for i in missing]}")
    return out


def notebook(content: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [new_code_cell(text) if kind == "code" else new_markdown_cell(text) for kind, text in content]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"  # stable ids: the copies differ only in their bug
    return nb


def script(content: list[tuple[str, str]]) -> str:
    """The notebook as ``jupyter nbconvert --to script`` writes it (magics as get_ipython() calls)."""
    parts = ["#!/usr/bin/env python\n# coding: utf-8\n"]
    for kind, text in content:
        if kind == "md":
            parts.append("\n".join("# " + line if line else "#" for line in text.splitlines()) + "\n")
        else:
            lines = ["get_ipython().run_line_magic('matplotlib', 'inline')" if line.startswith("%matplotlib")
                     else line for line in text.splitlines()]
            parts.append("# In[ ]:\n\n\n" + "\n".join(lines) + "\n")
    return "\n\n".join(parts)


def write(folder: Path, content: list[tuple[str, str]], as_script: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for stale in ("tutorial4.ipynb", "tutorial4.py"):
        (folder / stale).unlink(missing_ok=True)
    if as_script:
        (folder / "tutorial4.py").write_text(script(content), encoding="utf-8")
    else:
        nbformat.write(notebook(content), str(folder / "tutorial4.ipynb"))


def write_all(root: Path) -> None:
    """The example under ``root``. The broken copies are overlays of it (``broken/*/expected.toml``:
    ``[[edit]]`` tables holding the bug; ``python -m harness.dev materialise`` writes one whole)."""
    write(root / "example", cells(), as_script=False)


def main() -> None:
    write_all(HERE)


if __name__ == "__main__":
    main()
