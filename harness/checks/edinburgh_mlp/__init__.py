"""Checks of the Edinburgh MLP lab "Multiple layer models": the numpy ``mlp`` framework
(``framework``), training on MNIST with it (``training``), and the notebook's own code: exercise 3's
TanhLayer/ReluLayer and the PyTorch MultipleLayerModel (``lab``)."""
