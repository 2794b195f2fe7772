"""
Parts 3-4: classifier wrappers around a model that outputs raw class scores, plus decision
boundary plotting and ROC-based threshold selection for binary classifiers.
"""
from abc import ABC, abstractmethod
from typing import Optional, Tuple

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.metrics import roc_curve
from torch import Tensor, nn


class Classifier(nn.Module, ABC):
    """
    Wraps a model which produces raw class scores, and provides methods to compute
    class labels and probabilities.
    """

    def __init__(self, model: nn.Module):
        """
        :param model: The wrapped model. Should implement a `forward()` function
        returning (N,C) tensors where C is the number of classes.
        """
        super().__init__()
        self.model = model
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x: Tensor) -> Tensor:
        """
        :param x: (N, D) input tensor, N samples with D features
        :returns: (N, C) i.e. C class scores for each of N samples
        """
        z = self.model(x)
        assert z.shape[0] == x.shape[0] and z.ndim == 2, "raw scores should be (N, C)"
        return z

    def predict_proba(self, x: Tensor) -> Tensor:
        """
        :param x: (N, D) input tensor, N samples with D features
        :returns: (N, C) i.e. C probability values between 0 and 1 for each of N
            samples.
        """
        return self.predict_proba_scores(self.forward(x))

    def predict_proba_scores(self, z: Tensor) -> Tensor:
        """
        :param z: (N, C) scores tensor, e.g. calculated by this model.
        :returns: (N, C) i.e. C probability values between 0 and 1 for each of N
            samples.
        """
        return self.softmax(z)

    def classify(self, x: Tensor) -> Tensor:
        """
        :param x: (N, D) input tensor, N samples with D features
        :returns: (N,) tensor of type torch.int containing predicted class labels.
        """
        # Calculate the class probabilities
        y_proba = self.predict_proba(x)
        # Use implementation-specific helper to assign a class based on the
        # probabilities.
        return self._classify(y_proba)

    def classify_scores(self, z: Tensor) -> Tensor:
        """
        :param z: (N, C) scores tensor, e.g. calculated by this model.
        :returns: (N,) tensor of type torch.int containing predicted class labels.
        """
        y_proba = self.predict_proba_scores(z)
        return self._classify(y_proba)

    @abstractmethod
    def _classify(self, y_proba: Tensor) -> Tensor:
        pass


class ArgMaxClassifier(Classifier):
    """
    Multiclass classifier that chooses the maximal-probability class.
    """

    def _classify(self, y_proba: Tensor) -> Tensor:
        return torch.argmax(y_proba, dim=1).to(torch.int)


class BinaryClassifier(Classifier):
    """
    Binary classifier which classifies based on thresholding the probability of the
    positive class.
    """

    def __init__(
        self, model: nn.Module, positive_class: int = 1, threshold: float = 0.5
    ):
        """
        :param model: The wrapped model. Should implement a `forward()` function
        returning (N,C) tensors where C is the number of classes.
        :param positive_class: The index of the 'positive' class (the one that's
            thresholded to produce the class label '1').
        :param threshold: The classification threshold for the positive class.
        """
        super().__init__(model)
        assert positive_class in (0, 1)
        assert 0 < threshold < 1
        self.threshold = threshold
        self.positive_class = positive_class

    def _classify(self, y_proba: Tensor) -> Tensor:
        # Label 1 iff the positive class' probability reaches the threshold.
        return (y_proba[:, self.positive_class] >= self.threshold).to(torch.int)


def plot_decision_boundary_2d(
    classifier: Classifier,
    x: Tensor,
    y: Tensor,
    dx: float = 0.1,
    ax: Optional[plt.Axes] = None,
    cmap=None,
) -> Tuple[plt.Figure, plt.Axes]:
    """
    Plots a decision boundary of a classifier based on two input features.

    :param classifier: The classifier to use.
    :param x: The (N, 2) feature tensor.
    :param y: The (N,) labels tensor.
    :param dx: Step size for creating an evaluation grid.
    :param ax: Optional Axes to plot on. If None, a new figure with one Axes will be
        created.
    :param cmap: Colormap to use; None means 'coolwarm'. (The skeleton's default,
        plt.cm.get_cmap('coolwarm'), no longer exists in matplotlib >= 3.9.)
    :return: A (figure, axes) tuple.
    """
    assert x.ndim == 2 and y.ndim == 1
    if cmap is None:
        cmap = matplotlib.colormaps["coolwarm"]
    if ax is None:
        fig, ax = plt.subplots(1, 1, figsize=(10, 8))
    else:
        fig = ax.get_figure()

    x = x.detach().cpu()
    y = y.detach().cpu()

    # Plot the data
    ax.scatter(
        x[:, 0].numpy(),
        x[:, 1].numpy(),
        c=y.numpy(),
        s=20,
        alpha=0.8,
        edgecolor="k",
        cmap=cmap,
    )

    # Evaluate the classifier on a grid (step dx) covering the data with a margin.
    x_min, x_max = x.min(dim=0).values - 1.0, x.max(dim=0).values + 1.0
    x1_range = torch.arange(float(x_min[0]), float(x_max[0]) + dx, dx)
    x2_range = torch.arange(float(x_min[1]), float(x_max[1]) + dx, dx)
    x1_grid, x2_grid = torch.meshgrid(x1_range, x2_range, indexing="xy")
    grid_points = torch.stack([x1_grid.reshape(-1), x2_grid.reshape(-1)], dim=1)

    param = next(classifier.parameters(), torch.empty(0))
    with torch.no_grad():
        y_hat = classifier.classify(grid_points.to(device=param.device, dtype=param.dtype))
    y_hat = y_hat.cpu().reshape(x1_grid.shape)

    # Plot the decision boundary as a filled contour
    ax.contourf(x1_grid.numpy(), x2_grid.numpy(), y_hat.numpy(), alpha=0.3, cmap=cmap)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")

    return fig, ax


def select_roc_thresh(
    classifier: Classifier, x: Tensor, y: Tensor, plot: bool = False,
) -> float:
    """
    Calculates (and optionally plot) a classification threshold of a binary
    classifier, based on ROC analysis: the threshold of the ROC point closest to
    the ideal point (FPR, TPR) = (0, 1).

    :param classifier: The BINARY classifier to use.
    :param x: The (N, D) feature tensor.
    :param y: The (N,) labels tensor.
    :param plot: Whether to also create the ROC plot.
    :return: The selected threshold, a float in [0, 1].
    """
    device = next(classifier.parameters(), torch.empty(0)).device
    positive_class = getattr(classifier, "positive_class", 1)
    with torch.no_grad():
        y_proba = classifier.predict_proba(x.to(device))[:, positive_class]

    y_true = (y.detach().cpu().numpy() == positive_class).astype(int)
    fpr, tpr, thresh = roc_curve(y_true, y_proba.cpu().numpy())

    optimal_thresh_idx = int(np.argmin(np.hypot(fpr - 0.0, tpr - 1.0)))
    # roc_curve's first threshold is +inf (nothing positive); never return it.
    optimal_thresh = float(min(thresh[optimal_thresh_idx], 1.0))

    if plot:
        fig, ax = plt.subplots(1, 1, figsize=(6, 4))
        ax.plot(fpr, tpr, color="C0")
        ax.scatter(
            fpr[optimal_thresh_idx], tpr[optimal_thresh_idx], color="C1", marker="o"
        )
        ax.set_xlabel("FPR")
        ax.set_ylabel("TPR=1-FNR")
        ax.legend(["ROC", f"Threshold={optimal_thresh:.2f}"])

    return optimal_thresh
