# -*- coding: utf-8 -*-
"""Model definitions: a single layer, or layers applied one after the other."""

from mlp.layers import LayerWithParameters


class SingleLayerModel(object):
    """A model consisting of a single transformation layer."""

    def __init__(self, layer):
        self.layer = layer

    @property
    def params(self):
        return self.layer.params

    def fprop(self, inputs):
        activations = [inputs, self.layer.fprop(inputs)]
        return activations

    def grads_wrt_params(self, activations, grads_wrt_outputs):
        return self.layer.grads_wrt_params(activations[0], grads_wrt_outputs)

    def params_penalty(self):
        return self.layer.params_penalty()

    def __repr__(self):
        return 'SingleLayerModel(' + str(self.layer) + ')'


class MultipleLayerModel(object):
    """A model consisting of multiple layers applied sequentially."""

    def __init__(self, layers):
        self.layers = layers

    @property
    def params(self):
        params = []
        for layer in self.layers:
            if isinstance(layer, LayerWithParameters):
                params += layer.params
        return params

    def fprop(self, inputs):
        activations = [inputs]
        for i, layer in enumerate(self.layers):
            activations.append(self.layers[i].fprop(activations[i]))
        return activations

    def grads_wrt_params(self, activations, grads_wrt_outputs):
        grads_wrt_params = []
        for i, layer in enumerate(self.layers[::-1]):
            inputs = activations[-i - 2]
            outputs = activations[-i - 1]
            if isinstance(layer, LayerWithParameters):
                # appended in reverse, reversed again at the end to follow self.params
                grads_wrt_params += layer.grads_wrt_params(inputs, grads_wrt_outputs)[::-1]
            if i != len(self.layers) - 1:
                grads_wrt_outputs = layer.bprop(inputs, outputs, grads_wrt_outputs)
        return grads_wrt_params[::-1]

    def params_penalty(self):
        params_penalty = 0.
        for layer in self.layers:
            if isinstance(layer, LayerWithParameters):
                params_penalty += layer.params_penalty()
        return params_penalty

    def __repr__(self):
        return ('MultiLayerModel(\n    ' +
                '\n    '.join([str(layer) for layer in self.layers]) + '\n)')
