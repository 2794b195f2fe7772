"""CSC321 Tutorial 4: a linear multi-class classifier (``nn.Linear(784, 10)``) trained on MNIST.

Written from the tutorial's description:

- ``get_accuracy(model, data)``: the fraction of ``data`` (``(image, label)`` pairs) whose
  highest logit is the label, over batches of 500 flattened images.
- ``run_gradient_descent(model, batch_size, learning_rate, weight_decay, num_epochs)``: mini-batch
  SGD (``optim.SGD`` with ``weight_decay``) on the mean cross-entropy over a shuffled DataLoader of
  the global ``mnist_train``; batches smaller than ``batch_size`` (the last one of an epoch) are
  skipped; every 10 iterations the accuracy on ``mnist_train`` and ``mnist_val`` is recorded; the
  loss and accuracy curves are plotted; the model (trained in place) is returned.

Deviation for the judge: ``plot=False`` leaves the curves out (the tutorial always draws them),
and the curves are kept in ``last_history``.
"""

# (no ``from __future__`` import: graded as a submission, e.g. to build a student kit, this file is
# staged through harness/notebook.py, which wraps imports in try/except)
import torch
import torch.nn as nn
import torch.optim as optim

# The tutorial's datasets: the first 2,500 MNIST training images, 2,000 to train and 500 to validate.
# The judge assigns them before each call.
mnist_train: list = []
mnist_val: list = []

last_history: dict = {}


def run_gradient_descent(model, batch_size=64, learning_rate=0.01, weight_decay=0, num_epochs=10, plot=True):
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=learning_rate, weight_decay=weight_decay)

    iters, losses = [], []
    iters_sub, train_acc, val_acc = [], [], []

    train_loader = torch.utils.data.DataLoader(mnist_train, batch_size=batch_size, shuffle=True)

    n = 0  # iterations so far
    for _ in range(num_epochs):
        for xs, ts in train_loader:
            if len(ts) != batch_size:  # the incomplete last batch of an epoch
                continue
            xs = xs.view(-1, 784)
            zs = model(xs)
            loss = criterion(zs, ts)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()

            iters.append(n)
            losses.append(loss.item() / batch_size)
            if n % 10 == 0:
                iters_sub.append(n)
                train_acc.append(get_accuracy(model, mnist_train))
                val_acc.append(get_accuracy(model, mnist_val))
            n += 1

    last_history.clear()
    last_history.update(iters=iters, losses=losses, iters_sub=iters_sub, train_acc=train_acc, val_acc=val_acc)
    if plot:
        import matplotlib.pyplot as plt

        plt.title(f"Training Curve (batch_size={batch_size}, lr={learning_rate})")
        plt.plot(iters, losses, label="Train")
        plt.xlabel("Iterations")
        plt.ylabel("Loss")
        plt.show()

        plt.title(f"Training Curve (batch_size={batch_size}, lr={learning_rate})")
        plt.plot(iters_sub, train_acc, label="Train")
        plt.plot(iters_sub, val_acc, label="Validation")
        plt.xlabel("Iterations")
        plt.ylabel("Accuracy")
        plt.legend(loc="best")
        plt.show()

    return model


def get_accuracy(model, data):
    loader = torch.utils.data.DataLoader(data, batch_size=500)
    correct, total = 0, 0
    for xs, ts in loader:
        zs = model(xs.view(-1, 784))
        pred = zs.argmax(dim=1)  # the first highest logit of each image
        correct += int((pred == ts).sum())
        total += int(ts.shape[0])
    return correct / total
