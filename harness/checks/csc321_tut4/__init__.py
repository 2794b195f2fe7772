"""Checks of CSC321 Tutorial 4 (a linear multi-class classifier of MNIST in PyTorch).

- ``accuracy``: the student's ``get_accuracy`` on models whose logits the judge chose.
- ``training``: the student's ``run_gradient_descent``, on full-batch runs whose updates do not
  depend on the shuffle (so they are compared with the reference's update by update), on a run
  whose batches are identified image by image, and on the tutorial's own training run.
"""
