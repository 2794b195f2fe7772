"""Checks of Neuromatch Academy DL W1D5 Tutorial 1 (optimization techniques), one module per
part of the rubric: the MLP (Section 2.2), the update rules (Sections 3, 4 and 7: gradient
descent, momentum, RMSprop, judged step by step against the answer key in float64), and the
comparison of optimizers on MNIST-shaped images (Interactive Demo 7)."""
