"""Batches of (inputs, targets); MNISTDataProvider reads mnist-<set>.npz from $MLP_DATA_DIR and
gives one-of-K targets."""

import os

import numpy as np

from .initialisers import DEFAULT_SEED


class DataProvider:
    def __init__(self, inputs, targets, batch_size, max_num_batches=-1, shuffle_order=True, rng=None):
        assert max_num_batches == -1 or max_num_batches > 0, "max_num_batches should be -1 or > 0"
        self.inputs, self.targets = inputs, targets
        self.batch_size = batch_size
        self.max_num_batches = max_num_batches
        possible = inputs.shape[0] // batch_size
        self.num_batches = possible if max_num_batches == -1 else min(max_num_batches, possible)
        self.shuffle_order = shuffle_order
        self.rng = rng if rng is not None else np.random.RandomState(DEFAULT_SEED)
        self.reset()

    def __iter__(self):
        return self

    def reset(self):
        self._curr_batch = 0
        if self.shuffle_order:
            self.shuffle()

    def shuffle(self):
        order = self.rng.permutation(self.inputs.shape[0])
        self.inputs, self.targets = self.inputs[order], self.targets[order]

    def next(self):
        if self._curr_batch >= self.num_batches:
            self.reset()
            raise StopIteration()
        batch = slice(self._curr_batch * self.batch_size, (self._curr_batch + 1) * self.batch_size)
        self._curr_batch += 1
        return self.inputs[batch], self.targets[batch]

    def __next__(self):
        return self.next()


class MNISTDataProvider(DataProvider):
    def __init__(self, which_set="train", batch_size=100, max_num_batches=-1, shuffle_order=True, rng=None):
        assert which_set in ("train", "valid", "eval"), f"which_set must be train, valid or eval, got {which_set}"
        self.which_set = which_set
        self.num_classes = 10
        path = os.path.join(os.environ["MLP_DATA_DIR"], f"mnist-{which_set}.npz")
        assert os.path.isfile(path), "Data file does not exist at expected path: " + path
        with np.load(path) as loaded:
            inputs, targets = loaded["inputs"].astype(np.float32), loaded["targets"]
        super().__init__(inputs, targets, batch_size, max_num_batches, shuffle_order, rng)

    def next(self):
        inputs_batch, targets_batch = super().next()
        return inputs_batch, self.to_one_of_k(targets_batch)

    def to_one_of_k(self, int_targets):
        one_of_k = np.zeros((int_targets.shape[0], self.num_classes))
        one_of_k[np.arange(int_targets.shape[0]), int_targets] = 1.0
        return one_of_k
