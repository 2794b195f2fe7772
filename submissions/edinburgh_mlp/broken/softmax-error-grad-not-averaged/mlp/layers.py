# -*- coding: utf-8 -*-
"""Layer definitions.

Each layer maps a batch of inputs to outputs with `fprop` and a batch of gradients with respect to
its outputs to gradients with respect to its inputs with `bprop`. Layers with learnable parameters
also compute gradients with respect to those parameters (`grads_wrt_params`) and expose them as
`params`.
"""

import numpy as np
import mlp.initialisers as init


class Layer(object):
    """Abstract class defining the interface for a layer."""

    def fprop(self, inputs):
        """Forward propagates inputs of shape (batch_size, input_dim) to outputs."""
        raise NotImplementedError()

    def bprop(self, inputs, outputs, grads_wrt_outputs):
        """Gradients with respect to the inputs, given gradients with respect to the outputs."""
        raise NotImplementedError()


class LayerWithParameters(Layer):
    """Abstract class defining the interface for a layer with parameters."""

    def grads_wrt_params(self, inputs, grads_wrt_outputs):
        """List of gradients with respect to the parameters, in the order of `params`."""
        raise NotImplementedError()

    def params_penalty(self):
        """Parameter dependent penalty term (zero when there is none)."""
        raise NotImplementedError()

    @property
    def params(self):
        """List of the parameter arrays of the layer."""
        raise NotImplementedError()

    @params.setter
    def params(self, values):
        raise NotImplementedError()


class AffineLayer(LayerWithParameters):
    """Affine transformation y = W x + b of each input vector x."""

    def __init__(self, input_dim, output_dim,
                 weights_initialiser=init.UniformInit(-0.1, 0.1),
                 biases_initialiser=init.ConstantInit(0.),
                 weights_cost=None, biases_cost=None):
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.weights = weights_initialiser((self.output_dim, self.input_dim))
        self.biases = biases_initialiser(self.output_dim)

    def fprop(self, inputs):
        return inputs.dot(self.weights.T) + self.biases

    def bprop(self, inputs, outputs, grads_wrt_outputs):
        return grads_wrt_outputs.dot(self.weights)

    def grads_wrt_params(self, inputs, grads_wrt_outputs):
        grads_wrt_weights = np.dot(grads_wrt_outputs.T, inputs)
        grads_wrt_biases = np.sum(grads_wrt_outputs, axis=0)
        return [grads_wrt_weights, grads_wrt_biases]

    def params_penalty(self):
        return 0.

    @property
    def params(self):
        """A list of layer parameter values: `[weights, biases]`."""
        return [self.weights, self.biases]

    @params.setter
    def params(self, values):
        self.weights = values[0]
        self.biases = values[1]

    def __repr__(self):
        return 'AffineLayer(input_dim={0}, output_dim={1})'.format(
            self.input_dim, self.output_dim)


class SigmoidLayer(Layer):
    """Element-wise logistic sigmoid."""

    def fprop(self, inputs):
        return 1. / (1. + np.exp(-inputs))

    def bprop(self, inputs, outputs, grads_wrt_outputs):
        return grads_wrt_outputs * outputs * (1. - outputs)

    def __repr__(self):
        return 'SigmoidLayer'


class SoftmaxLayer(Layer):
    """Softmax over the last axis of the inputs."""

    def fprop(self, inputs):
        # subtract the maximum of each row before exponentiating to avoid overflow
        exp_inputs = np.exp(inputs - inputs.max(-1)[:, None])
        return exp_inputs / exp_inputs.sum(-1)[:, None]

    def bprop(self, inputs, outputs, grads_wrt_outputs):
        return (outputs * (grads_wrt_outputs -
                           (grads_wrt_outputs * outputs).sum(-1)[:, None]))

    def __repr__(self):
        return 'SoftmaxLayer'
