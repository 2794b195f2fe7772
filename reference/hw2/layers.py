"""
Part 1: a "poor man's autograd". Layers that compute their own forward and backward passes.

Every backward pass computes the vector-Jacobian product directly (never a Jacobian), and
parameter gradients are ACCUMULATED into ``dw``/``db`` (the optimizer's ``zero_grad`` clears
them), as the course's skeleton requires.
"""
import abc
from typing import Any, Dict, List, Sequence, Tuple, Union

import torch
from torch import Tensor

ParamList = List[Tuple[Tensor, Tensor]]


class Layer(abc.ABC):
    """
    A Layer is some computation element in a network architecture which
    supports automatic differentiation using forward and backward functions.
    """

    def __init__(self):
        # Store intermediate values needed to compute gradients in this hash
        self.grad_cache: Dict[str, Any] = {}
        self.training_mode = True

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    @abc.abstractmethod
    def forward(self, *args, **kwargs):
        """
        Computes the forward pass of the layer.
        :param args: The computation arguments (implementation specific).
        :return: The result of the computation.
        """

    @abc.abstractmethod
    def backward(self, dout):
        """
        Computes the backward pass of the layer, i.e. the gradient
        calculation of the final network output with respect to each of the
        parameters of the forward function.
        :param dout: The gradient of the network with respect to the
        output of this layer.
        :return: A tuple with the same number of elements as the parameters of
        the forward function. Each element will be the gradient of the
        network output with respect to that parameter.
        """

    @abc.abstractmethod
    def params(self) -> ParamList:
        """
        :return: Layer's trainable parameters and their gradients as a list
        of tuples, each tuple containing a tensor and it's corresponding
        gradient tensor.
        """

    def train(self, training_mode: bool = True) -> None:
        """
        Changes the mode of this layer between training and evaluation (test)
        mode. Some layers have different behaviour depending on mode.
        :param training_mode: True: set the model in training mode. False: set
        evaluation mode.
        """
        self.training_mode = training_mode

    def __repr__(self) -> str:
        return self.__class__.__name__


class LeakyReLU(Layer):
    """
    Leaky version of Rectified linear unit.
    """

    def __init__(self, alpha: float = 0.01):
        super().__init__()
        if not (0 <= alpha < 1):
            raise ValueError("Invalid value of alpha")
        self.alpha = alpha

    def forward(self, x: Tensor, **kw) -> Tensor:
        """
        Computes max(alpha*x, x) for some 0<= alpha < 1.
        :param x: Input tensor of shape (N,*) where N is the batch
        dimension, and * is any number of other dimensions.
        :return: ReLU of each sample in x.
        """
        out = torch.where(x > 0, x, self.alpha * x)
        self.grad_cache["x"] = x
        return out

    def backward(self, dout: Tensor) -> Tensor:
        """
        :param dout: Gradient with respect to layer output, shape (N, *).
        :return: Gradient with respect to layer input, shape (N, *)
        """
        x = self.grad_cache["x"]
        # Sub-gradient at x == 0 is taken as alpha, as torch does.
        return torch.where(x > 0, dout, self.alpha * dout)

    def params(self) -> ParamList:
        return []

    def __repr__(self) -> str:
        return f"LeakyReLU({self.alpha})"


class ReLU(LeakyReLU):
    """
    Rectified linear unit.
    """

    def __init__(self):
        super().__init__(alpha=0.0)

    def __repr__(self) -> str:
        return "ReLU"


class Sigmoid(Layer):
    """
    Sigmoid activation function.
    """

    def forward(self, x: Tensor, **kw) -> Tensor:
        """
        Computes s(x) = 1/(1+exp(-x))
        :param x: Input tensor of shape (N,*) where N is the batch
        dimension, and * is any number of other dimensions.
        :return: Sigmoid of each sample in x.
        """
        # torch.sigmoid is the same function, evaluated without overflow for large |x|.
        out = torch.sigmoid(x)
        self.grad_cache["out"] = out
        return out

    def backward(self, dout: Tensor) -> Tensor:
        """
        :param dout: Gradient with respect to layer output, shape (N, *).
        :return: Gradient with respect to layer input, shape (N, *)
        """
        s = self.grad_cache["out"]
        return dout * s * (1 - s)

    def params(self) -> ParamList:
        return []


class TanH(Layer):
    """
    Hyperbolic tangent activation function.
    """

    def forward(self, x: Tensor, **kw) -> Tensor:
        """
        Computes tanh(x) = (exp(x)-exp(-x))/(exp(x)+exp(-x))
        :param x: Input tensor of shape (N,*) where N is the batch
        dimension, and * is any number of other dimensions.
        :return: Tanh of each sample in x.
        """
        out = torch.tanh(x)  # same function, no overflow for large |x|
        self.grad_cache["out"] = out
        return out

    def backward(self, dout: Tensor) -> Tensor:
        """
        :param dout: Gradient with respect to layer output, shape (N, *).
        :return: Gradient with respect to layer input, shape (N, *)
        """
        t = self.grad_cache["out"]
        return dout * (1 - t**2)

    def params(self) -> ParamList:
        return []


class Linear(Layer):
    """
    Fully-connected linear layer.
    """

    def __init__(self, in_features: int, out_features: int, wstd: float = 0.1):
        """
        :param in_features: Number of input features (Din)
        :param out_features: Number of output features (Dout)
        :param wstd: standard deviation of the initial weights matrix
        """
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features

        # Weights ~ N(0, wstd^2), shape (Dout, Din) as torch.nn.Linear; bias is zero.
        self.w = torch.normal(0.0, wstd, size=(out_features, in_features))
        self.b = torch.zeros(out_features)

        # These will store the gradients
        self.dw = torch.zeros_like(self.w)
        self.db = torch.zeros_like(self.b)

    def params(self) -> ParamList:
        return [(self.w, self.dw), (self.b, self.db)]

    def forward(self, x: Tensor, **kw) -> Tensor:
        """
        Computes an affine transform, y = x W^T + b.
        :param x: Input tensor of shape (N,Din) where N is the batch
        dimension, and Din is the number of input features.
        :return: Affine transform of each sample in x.
        """
        out = x @ self.w.T + self.b
        self.grad_cache["x"] = x
        return out

    def backward(self, dout: Tensor) -> Tensor:
        """
        :param dout: Gradient with respect to layer output, shape (N, Dout).
        :return: Gradient with respect to layer input, shape (N, Din)
        """
        x = self.grad_cache["x"]
        dx = dout @ self.w
        # Accumulate (not assign): gradients of several backward passes add up until
        # the optimizer's zero_grad(). no_grad keeps dw/db plain tensors even when
        # autograd tracks x or w (as compare_layer_to_torch does).
        with torch.no_grad():
            self.dw += dout.T @ x
            self.db += dout.sum(dim=0)
        return dx

    def __repr__(self) -> str:
        return f"Linear({self.in_features}, {self.out_features})"


class CrossEntropyLoss(Layer):
    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        """
        Computes cross-entropy loss directly from class scores.
        Given class scores x, and a 1-hot encoding of the correct class yh,
        the cross entropy loss is defined as: -yh^T * log(softmax(x)).

        This implementation works directly with class scores (x) and labels
        (y), not softmax outputs or 1-hot encodings.

        :param x: Tensor of shape (N,D) where N is the batch
            dimension, and D is the number of features. Should contain class
            scores, NOT PROBABILITIES.
        :param y: Tensor of shape (N,) containing the ground truth label of
            each sample.
        :return: Cross entropy loss, as if we computed the softmax of the
            scores, encoded y as 1-hot and calculated cross-entropy by
            definition above. A scalar.
        """
        N = x.shape[0]

        # Shift input for numerical stability: loss(x - max) == loss(x), and
        # exp() of the shifted scores cannot overflow (scores of 1e4 are fine).
        xmax, _ = torch.max(x, dim=1, keepdim=True)
        x = x - xmax

        # loss_i = -x_{i,y_i} + log(sum_k exp(x_{i,k}))
        rows = torch.arange(N, device=x.device)
        log_sum_exp = torch.log(torch.sum(torch.exp(x), dim=1))
        loss = torch.mean(-x[rows, y] + log_sum_exp)

        self.grad_cache["x"] = x
        self.grad_cache["y"] = y
        return loss

    def backward(self, dout: Union[float, Tensor] = 1.0) -> Tensor:
        """
        :param dout: Gradient with respect to layer output, a scalar which
            defaults to 1 since the output of forward is scalar.
        :return: Gradient with respect to layer input (only x), shape (N,D)
        """
        x = self.grad_cache["x"]
        y = self.grad_cache["y"]
        N = x.shape[0]

        # d loss / dx = (softmax(x) - onehot(y)) / N
        one_hot = torch.nn.functional.one_hot(y.long(), num_classes=x.shape[1])
        dx = torch.softmax(x, dim=1) - one_hot.to(x.dtype)
        return dout * dx / N

    def params(self) -> ParamList:
        return []


class Dropout(Layer):
    def __init__(self, p: float = 0.5):
        """
        Initializes a Dropout layer.
        :param p: Probability to drop an activation.
        """
        super().__init__()
        assert 0.0 <= p < 1.0
        self.p = p

    def forward(self, x: Tensor, **kw) -> Tensor:
        # Inverted dropout: at train time keep each activation with probability 1-p
        # and scale the kept ones by 1/(1-p), so evaluation mode is the identity.
        # The mask is drawn exactly as torch.nn.functional.dropout draws it on the
        # CPU (bernoulli_(1-p)), so both agree under the same seed.
        if self.training_mode and self.p > 0:
            mask = torch.empty_like(x).bernoulli_(1 - self.p) / (1 - self.p)
        else:
            mask = None
        self.grad_cache["mask"] = mask
        return x if mask is None else x * mask

    def backward(self, dout: Tensor) -> Tensor:
        mask = self.grad_cache["mask"]
        return dout if mask is None else dout * mask

    def params(self) -> ParamList:
        return []

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"


class Sequential(Layer):
    """
    A Layer that passes input through a sequence of other layers.
    """

    def __init__(self, *layers: Layer):
        super().__init__()
        self.layers = list(layers)

    def forward(self, x: Tensor, **kw) -> Tensor:
        # Keyword arguments (e.g. y= for a loss layer at the end) reach every layer.
        out = x
        for layer in self.layers:
            out = layer(out, **kw)
        return out

    def backward(self, dout: Tensor) -> Tensor:
        # Backpropagation: each layer's input gradient is the previous layer's
        # output gradient.
        din = dout
        for layer in reversed(self.layers):
            din = layer.backward(din)
        return din

    def params(self) -> ParamList:
        params: ParamList = []
        for layer in self.layers:
            params.extend(layer.params())
        return params

    def train(self, training_mode: bool = True) -> None:
        super().train(training_mode)
        for layer in self.layers:
            layer.train(training_mode)

    def __repr__(self) -> str:
        res = "Sequential\n"
        for i, layer in enumerate(self.layers):
            res += f"\t[{i}] {layer}\n"
        return res

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, item):
        return self.layers[item]


ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": TanH, "lrelu": LeakyReLU}


class MLP(Layer):
    """
    A simple multilayer perceptron based on our custom Layers.
    Architecture is (with ReLU activation):

        FC(in, h1) -> ReLU -> FC(h1,h2) -> ReLU -> ... -> FC(hn, num_classes)

    Where FC is a fully-connected layer and h1,...,hn are the hidden layer
    dimensions.
    If dropout is used, a dropout layer is added after every activation
    function.
    """

    def __init__(
        self,
        in_features: int,
        num_classes: int,
        hidden_features: Sequence[int] = (),
        activation: str = "relu",
        dropout: float = 0,
        **kw,
    ):
        """
        Create an MLP model Layer.
        :param in_features: Number of features of the input of the first layer.
        :param num_classes: Number of features of the output of the last layer.
        :param hidden_features: A sequence of hidden layer dimensions.
        :param activation: Either 'relu' or 'sigmoid', specifying which
            activation function to use between linear layers ('tanh' and
            'lrelu' also work).
        :param dropout: Dropout probability. Zero means no dropout.
        :param kw: Passed on to every Linear layer (e.g. wstd).
        """
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"Unsupported activation {activation!r}")

        layers: List[Layer] = []
        dims = [in_features, *hidden_features]
        # Layers are created in order, so their random init follows the seed.
        for d_in, d_out in zip(dims[:-1], dims[1:]):
            layers.append(Linear(d_in, d_out, **kw))
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(Dropout(dropout))
        layers.append(Linear(dims[-1], num_classes, **kw))

        self.sequence = Sequential(*layers)

    def forward(self, x: Tensor, **kw) -> Tensor:
        return self.sequence(x, **kw)

    def backward(self, dout: Tensor) -> Tensor:
        return self.sequence.backward(dout)

    def params(self) -> ParamList:
        return self.sequence.params()

    def train(self, training_mode: bool = True) -> None:
        super().train(training_mode)
        self.sequence.train(training_mode)

    def __repr__(self) -> str:
        return f"MLP, {self.sequence}"
