"""Layers of the numpy framework: fprop(inputs) -> outputs, bprop(inputs, outputs, dE/doutputs) -> dE/dinputs,
and for layers with parameters grads_wrt_params(inputs, dE/doutputs) and the params list."""

import numpy as np

from .initialisers import ConstantInit, UniformInit


class Layer:
    def fprop(self, inputs):
        raise NotImplementedError()

    def bprop(self, inputs, outputs, grads_wrt_outputs):
        raise NotImplementedError()


class LayerWithParameters(Layer):
    def grads_wrt_params(self, inputs, grads_wrt_outputs):
        raise NotImplementedError()

    @property
    def params(self):
        raise NotImplementedError()


class AffineLayer(LayerWithParameters):
    """y = W x + b for each row x of the batch; W has shape (output_dim, input_dim)."""

    def __init__(self, input_dim, output_dim, weights_initialiser=None, biases_initialiser=None):
        self.input_dim, self.output_dim = input_dim, output_dim
        weights_initialiser = weights_initialiser or UniformInit(-0.1, 0.1)
        biases_initialiser = biases_initialiser or ConstantInit(0.0)
        self.weights = weights_initialiser((output_dim, input_dim))
        self.biases = biases_initialiser(output_dim)

    def fprop(self, inputs):
        return inputs @ self.weights.T + self.biases

    def bprop(self, inputs, outputs, grads_wrt_outputs):
        return grads_wrt_outputs @ self.weights

    def grads_wrt_params(self, inputs, grads_wrt_outputs):
        return [grads_wrt_outputs.T @ inputs, grads_wrt_outputs.sum(axis=0)]

    @property
    def params(self):
        return [self.weights, self.biases]

    @params.setter
    def params(self, values):
        self.weights, self.biases = values[0], values[1]

    def __repr__(self):
        return f"AffineLayer(input_dim={self.input_dim}, output_dim={self.output_dim})"


class SigmoidLayer(Layer):
    def fprop(self, inputs):
        return 1.0 / (1.0 + np.exp(-inputs))

    def bprop(self, inputs, outputs, grads_wrt_outputs):
        return grads_wrt_outputs * outputs * (1.0 - outputs)

    def __repr__(self):
        return "SigmoidLayer"


class TanhLayer(Layer):
    def fprop(self, inputs):
        return np.tanh(inputs)

    def bprop(self, inputs, outputs, grads_wrt_outputs):
        return grads_wrt_outputs * (1.0 - outputs ** 2)

    def __repr__(self):
        return "TanhLayer"


class ReluLayer(Layer):
    def fprop(self, inputs):
        return np.maximum(inputs, 0.0)

    def bprop(self, inputs, outputs, grads_wrt_outputs):
        return grads_wrt_outputs * (inputs > 0)

    def __repr__(self):
        return "ReluLayer"


class SoftmaxLayer(Layer):
    """Row-wise softmax (the row maximum is subtracted first, so large inputs do not overflow)."""

    def fprop(self, inputs):
        shifted = np.exp(inputs - inputs.max(axis=-1, keepdims=True))
        return shifted / shifted.sum(axis=-1, keepdims=True)

    def bprop(self, inputs, outputs, grads_wrt_outputs):
        inner = (grads_wrt_outputs * outputs).sum(axis=-1, keepdims=True)
        return outputs * (grads_wrt_outputs - inner)

    def __repr__(self):
        return "SoftmaxLayer"
