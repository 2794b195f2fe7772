"""Answer key of CSC321 Tutorial 4 (multi-class classification of MNIST with a linear model in PyTorch).

``tutorial4`` holds the tutorial's two graded functions, ``run_gradient_descent`` and
``get_accuracy``. Like the tutorial's, they read the module-level datasets ``mnist_train`` and
``mnist_val`` (lists of ``(image (1, 28, 28), label)`` pairs); the judge assigns them before a call.
Only the judge imports this package.
"""
