"""
Parts 2-4: a Trainer that runs the epoch/batch loops, for our Layer models (LayerTrainer) and
for torch ``nn.Module`` classifiers (ClassifierTrainer).
"""
import abc
import os
import sys
from typing import Any, Callable, List, Optional

import torch
import torch.nn as nn
import tqdm.auto
from torch.optim import Optimizer
from torch.utils.data import DataLoader

from cs236781.train_results import BatchResult, EpochResult, FitResult

from .classifier import Classifier


class Trainer(abc.ABC):
    """
    A class abstracting the various tasks of training models.

    Provides methods at multiple levels of granularity:
    - Multiple epochs (fit)
    - Single epoch (train_epoch/test_epoch)
    - Single batch (train_batch/test_batch)
    """

    def __init__(self, model: nn.Module, device: Optional[torch.device] = None):
        """
        Initialize the trainer.
        :param model: Instance of the model to train.
        :param device: torch.device to run training on (CPU or GPU).
        """
        self.model = model
        self.device = device

        if self.device:
            model.to(self.device)

    def fit(
        self,
        dl_train: DataLoader,
        dl_test: DataLoader,
        num_epochs: int,
        checkpoints: Optional[str] = None,
        early_stopping: Optional[int] = None,
        print_every: int = 1,
        **kw,
    ) -> FitResult:
        """
        Trains the model for multiple epochs with a given training set,
        and calculates validation loss over a given validation set.
        :param dl_train: Dataloader for the training set.
        :param dl_test: Dataloader for the test set.
        :param num_epochs: Number of epochs to train for.
        :param checkpoints: Whether to save model to file every time the
            test set accuracy improves. Should be a string containing a
            filename without extension.
        :param early_stopping: Whether to stop training early if there is no
            test loss improvement for this number of epochs.
        :param print_every: Print progress every this number of epochs.
        :param kw: Passed to train_epoch/test_epoch (e.g. max_batches);
            verbose=False silences every epoch.
        :return: A FitResult object containing train and test losses per epoch
            (the mean batch loss of each epoch) and accuracies per epoch.
        """
        quiet = kw.pop("verbose", None) is False

        actual_num_epochs = 0
        epochs_without_improvement = 0

        train_loss: List[float] = []
        train_acc: List[float] = []
        test_loss: List[float] = []
        test_acc: List[float] = []
        best_acc: Optional[float] = None
        best_test_loss: Optional[float] = None

        for epoch in range(num_epochs):
            verbose = (
                not quiet
                and print_every > 0
                and (epoch % print_every == 0 or epoch == num_epochs - 1)
            )
            self._print(f"--- EPOCH {epoch+1}/{num_epochs} ---", verbose)

            train_result = self.train_epoch(dl_train, verbose=verbose, **kw)
            test_result = self.test_epoch(dl_test, verbose=verbose, **kw)
            actual_num_epochs += 1

            train_loss.append(_mean(train_result.losses))
            train_acc.append(train_result.accuracy)
            test_loss.append(_mean(test_result.losses))
            test_acc.append(test_result.accuracy)

            # Checkpoint whenever the test accuracy improves.
            if best_acc is None or test_result.accuracy > best_acc:
                best_acc = test_result.accuracy
                if checkpoints is not None:
                    self.save_checkpoint(f"{checkpoints}.pt", verbose=verbose)

            # Early stopping on the test loss.
            if best_test_loss is None or test_loss[-1] < best_test_loss:
                best_test_loss = test_loss[-1]
                epochs_without_improvement = 0
            else:
                epochs_without_improvement += 1
                if early_stopping and epochs_without_improvement >= early_stopping:
                    self._print(
                        f"*** Early stopping after {actual_num_epochs} epochs: no test "
                        f"loss improvement for {epochs_without_improvement} epochs",
                        verbose=not quiet and print_every > 0,
                    )
                    break

        return FitResult(actual_num_epochs, train_loss, train_acc, test_loss, test_acc)

    def save_checkpoint(self, checkpoint_filename: str, verbose: bool = True) -> None:
        """
        Saves the model in it's current state to a file with the given name (treated
        as a relative path).
        :param checkpoint_filename: File name or relative path to save to.
        """
        dirname = os.path.dirname(checkpoint_filename)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        torch.save(self.model, checkpoint_filename)
        self._print(f"\n*** Saved checkpoint {checkpoint_filename}", verbose)

    def train_epoch(self, dl_train: DataLoader, **kw) -> EpochResult:
        """
        Train once over a training set (single epoch).
        :param dl_train: DataLoader for the training set.
        :param kw: Keyword args supported by _foreach_batch.
        :return: An EpochResult for the epoch.
        """
        self.model.train(True)  # set train mode
        return self._foreach_batch(dl_train, self.train_batch, **kw)

    def test_epoch(self, dl_test: DataLoader, **kw) -> EpochResult:
        """
        Evaluate model once over a test set (single epoch).
        :param dl_test: DataLoader for the test set.
        :param kw: Keyword args supported by _foreach_batch.
        :return: An EpochResult for the epoch.
        """
        self.model.train(False)  # set evaluation (test) mode
        return self._foreach_batch(dl_test, self.test_batch, **kw)

    @abc.abstractmethod
    def train_batch(self, batch) -> BatchResult:
        """
        Runs a single batch forward through the model, calculates loss,
        preforms back-propagation and updates weights.
        :param batch: A single batch of data  from a data loader (might
            be a tuple of data and labels or anything else depending on
            the underlying dataset.
        :return: A BatchResult containing the value of the loss function and
            the number of correctly classified samples in the batch.
        """
        raise NotImplementedError()

    @abc.abstractmethod
    def test_batch(self, batch) -> BatchResult:
        """
        Runs a single batch forward through the model and calculates loss.
        :param batch: A single batch of data  from a data loader (might
            be a tuple of data and labels or anything else depending on
            the underlying dataset.
        :return: A BatchResult containing the value of the loss function and
            the number of correctly classified samples in the batch.
        """
        raise NotImplementedError()

    @staticmethod
    def _print(message: str, verbose: bool = True) -> None:
        """Simple wrapper around print to make it conditional"""
        if verbose:
            print(message)

    @staticmethod
    def _foreach_batch(
        dl: DataLoader,
        forward_fn: Callable[[Any], BatchResult],
        verbose: bool = True,
        max_batches: Optional[int] = None,
    ) -> EpochResult:
        """
        Evaluates the given forward-function on batches from the given
        dataloader, and prints progress along the way.
        :param max_batches: Use at most this many batches (from the start).
        :return: An EpochResult with the loss of every batch and the accuracy
            (in percent) over the samples actually seen.
        """
        losses: List[float] = []
        num_correct = 0
        num_samples = 0
        num_batches = len(dl)
        if max_batches is not None and max_batches < num_batches:
            num_batches = max_batches

        pbar_name = forward_fn.__name__
        with tqdm.auto.tqdm(
            desc=pbar_name, total=num_batches, file=sys.stdout, disable=not verbose
        ) as pbar:
            dl_iter = iter(dl)
            for _ in range(num_batches):
                data = next(dl_iter)
                batch_res = forward_fn(data)

                pbar.set_description(f"{pbar_name} ({batch_res.loss:.3f})")
                pbar.update()

                losses.append(float(batch_res.loss))
                num_correct += int(batch_res.num_correct)
                num_samples += _batch_size(data)

            avg_loss = _mean(losses)
            accuracy = 100.0 * num_correct / max(num_samples, 1)
            pbar.set_description(
                f"{pbar_name} (Avg. Loss {avg_loss:.3f}, Accuracy {accuracy:.1f})"
            )

        return EpochResult(losses=losses, accuracy=accuracy)


def _mean(values: List[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def _batch_size(batch) -> int:
    """Number of samples in a batch: the length of its first tensor."""
    first = batch[0] if isinstance(batch, (tuple, list)) else batch
    return int(first.shape[0])


class ClassifierTrainer(Trainer):
    """
    Trainer for our Classifier-based models.
    """

    def __init__(
        self,
        model: Classifier,
        loss_fn: nn.Module,
        optimizer: Optimizer,
        device: Optional[torch.device] = None,
    ):
        """
        Initialize the trainer.
        :param model: Instance of the classifier model to train.
        :param loss_fn: The loss function to evaluate with.
        :param optimizer: The optimizer to train with.
        :param device: torch.device to run training on (CPU or GPU).
        """
        super().__init__(model, device)
        self.optimizer = optimizer
        self.loss_fn = loss_fn

    def _to_device(self, batch):
        X, y = batch
        if self.device:
            X = X.to(self.device)
            y = y.to(self.device)
        return X, y

    def train_batch(self, batch) -> BatchResult:
        X, y = self._to_device(batch)
        self.model: Classifier

        # Forward, backward, update
        self.optimizer.zero_grad()
        scores = self.model(X)
        loss = self.loss_fn(scores, y)
        loss.backward()
        self.optimizer.step()

        # Classify with the scores of this forward pass
        with torch.no_grad():
            y_pred = self.model.classify_scores(scores.detach())
            num_correct = int((y_pred == y).sum().item())

        return BatchResult(loss.item(), num_correct)

    def test_batch(self, batch) -> BatchResult:
        X, y = self._to_device(batch)
        self.model: Classifier

        with torch.no_grad():
            scores = self.model(X)
            loss = self.loss_fn(scores, y)
            y_pred = self.model.classify_scores(scores)
            num_correct = int((y_pred == y).sum().item())

        return BatchResult(loss.item(), num_correct)


class LayerTrainer(Trainer):
    """
    Trainer for our Layer-based models (hw2.layers) with our optimizers (hw2.optimizers).
    Images are flattened to (N, D) before the forward pass.
    """

    def __init__(self, model, loss_fn, optimizer):
        super().__init__(model)  # Layers live on the CPU; no device
        self.loss_fn = loss_fn
        self.optimizer = optimizer

    def train_batch(self, batch) -> BatchResult:
        X, y = batch
        X = X.reshape(X.shape[0], -1)

        # Forward pass
        scores = self.model(X)
        loss = self.loss_fn(scores, y)

        # Backward pass: loss gradient, then through the model
        self.optimizer.zero_grad()
        dout = self.loss_fn.backward()
        self.model.backward(dout)

        # Optimize params
        self.optimizer.step()

        num_correct = int((torch.argmax(scores, dim=1) == y).sum().item())
        return BatchResult(float(loss), num_correct)

    def test_batch(self, batch) -> BatchResult:
        X, y = batch
        X = X.reshape(X.shape[0], -1)

        scores = self.model(X)
        loss = self.loss_fn(scores, y)
        num_correct = int((torch.argmax(scores, dim=1) == y).sum().item())
        return BatchResult(float(loss), num_correct)
