"""Answer key of the Edinburgh MLP practical "Multiple layer models" (the numpy ``mlp`` framework
and the lab's PyTorch model). Only the judge imports it.

Modules: ``initialisers``, ``layers`` (Affine, Sigmoid, Tanh, Relu, Softmax), ``errors``
(CrossEntropy, CrossEntropySoftmax), ``models`` (SingleLayerModel, MultipleLayerModel),
``learning_rules`` (GradientDescentLearningRule), ``data_providers`` (DataProvider,
MNISTDataProvider), ``optimisers`` (Optimiser) and ``torch_model`` (the PyTorch section's
MultipleLayerModel). They import each other relatively, so the folder also works as an ``mlp``
package.
"""
