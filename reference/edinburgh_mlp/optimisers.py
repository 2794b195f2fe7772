"""Optimiser: trains a model with a learning rule, recording the error and monitors per interval."""

import logging
import time
from collections import OrderedDict

import numpy as np

logger = logging.getLogger(__name__)


class Optimiser:
    def __init__(self, model, error, learning_rule, train_dataset, valid_dataset=None, data_monitors=None):
        self.model, self.error, self.learning_rule = model, error, learning_rule
        self.learning_rule.initialise(self.model.params)
        self.train_dataset, self.valid_dataset = train_dataset, valid_dataset
        self.data_monitors = OrderedDict([("error", error)])
        if data_monitors is not None:
            self.data_monitors.update(data_monitors)

    def do_training_epoch(self):
        for inputs_batch, targets_batch in self.train_dataset:
            activations = self.model.fprop(inputs_batch)
            grads_wrt_outputs = self.error.grad(activations[-1], targets_batch)
            self.learning_rule.update_params(self.model.grads_wrt_params(activations, grads_wrt_outputs))

    def eval_monitors(self, dataset, label):
        values = OrderedDict((key + label, 0.0) for key in self.data_monitors)
        for inputs_batch, targets_batch in dataset:
            outputs = self.model.fprop(inputs_batch)[-1]
            for key, monitor in self.data_monitors.items():
                values[key + label] += monitor(outputs, targets_batch)
        for key in self.data_monitors:
            values[key + label] /= dataset.num_batches
        return values

    def get_epoch_stats(self):
        stats = OrderedDict()
        stats.update(self.eval_monitors(self.train_dataset, "(train)"))
        if self.valid_dataset is not None:
            stats.update(self.eval_monitors(self.valid_dataset, "(valid)"))
        return stats

    def train(self, num_epochs, stats_interval=5):
        start = time.time()
        stats = self.get_epoch_stats()
        run_stats = [list(stats.values())]
        for epoch in range(1, num_epochs + 1):
            epoch_start = time.time()
            self.do_training_epoch()
            if epoch % stats_interval == 0:
                stats = self.get_epoch_stats()
                logger.info("Epoch %d: %.1fs; %s", epoch, time.time() - epoch_start,
                            ", ".join(f"{k}={v:.2e}" for k, v in stats.items()))
                run_stats.append(list(stats.values()))
        return np.array(run_stats), {k: i for i, k in enumerate(stats)}, time.time() - start
