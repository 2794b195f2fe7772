"""The answer key of Neuromatch Academy DL W1D5 Tutorial 1 (optimization techniques):
``w1d5`` holds the MLP and the hand-written update rules (gradient descent, momentum, RMSprop).
Only the judge imports it."""
