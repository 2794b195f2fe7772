"""Models: fprop returns every activation (the inputs first, the outputs last)."""

from .layers import LayerWithParameters


class SingleLayerModel:
    def __init__(self, layer):
        self.layer = layer

    @property
    def params(self):
        return self.layer.params

    def fprop(self, inputs):
        return [inputs, self.layer.fprop(inputs)]

    def grads_wrt_params(self, activations, grads_wrt_outputs):
        return self.layer.grads_wrt_params(activations[0], grads_wrt_outputs)

    def __repr__(self):
        return f"SingleLayerModel({self.layer!r})"


class MultipleLayerModel:
    def __init__(self, layers):
        self.layers = layers

    @property
    def params(self):
        return [p for layer in self.layers if isinstance(layer, LayerWithParameters) for p in layer.params]

    def fprop(self, inputs):
        activations = [inputs]
        for layer in self.layers:
            activations.append(layer.fprop(activations[-1]))
        return activations

    def grads_wrt_params(self, activations, grads_wrt_outputs):
        grads = []
        for i in range(len(self.layers) - 1, -1, -1):
            layer, inputs, outputs = self.layers[i], activations[i], activations[i + 1]
            if isinstance(layer, LayerWithParameters):
                grads = list(layer.grads_wrt_params(inputs, grads_wrt_outputs)) + grads
            if i > 0:
                grads_wrt_outputs = layer.bprop(inputs, outputs, grads_wrt_outputs)
        return grads

    def __repr__(self):
        return "MultipleLayerModel(" + ", ".join(repr(layer) for layer in self.layers) + ")"
