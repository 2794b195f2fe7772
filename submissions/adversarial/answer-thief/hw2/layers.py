import abc
import torch


class Layer(abc.ABC):
    """
    A Layer is some computation element in a network architecture which
    supports automatic differentiation using forward and backward functions.
    """

    def __init__(self):
        # Store intermediate values needed to compute gradients in this hash
        self.grad_cache = {}
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
        pass

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
        pass

    @abc.abstractmethod
    def params(self):
        """
        :return: Layer's trainable parameters and their gradients as a list
        of tuples, each tuple containing a tensor and it's corresponding
        gradient tensor.
        """
        pass

    def train(self, training_mode=True):
        """
        Changes the mode of this layer between training and evaluation (test)
        mode. Some layers have different behaviour depending on mode.
        :param training_mode: True: set the model in training mode. False: set
        evaluation mode.
        """
        self.training_mode = training_mode

    def __repr__(self):
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

    def forward(self, x, **kw):
        """
        Computes max(alpha*x, x) for some 0<= alpha < 1.
        :param x: Input tensor of shape (N,*) where N is the batch
        dimension, and * is any number of other dimensions.
        :return: ReLU of each sample in x.
        """

        # TODO: Implement the LeakyReLU operation.
        # ====== YOUR CODE: ======
        # since 0 <= alpha < 1, max(alpha*x, x) is x for x>0 and alpha*x otherwise
        out = torch.where(x > 0, x, self.alpha * x)
        # ========================

        self.grad_cache["x"] = x
        return out

    def backward(self, dout):
        """
        :param dout: Gradient with respect to layer output, shape (N, *).
        :return: Gradient with respect to layer input, shape (N, *)
        """
        x = self.grad_cache["x"]

        # TODO: Implement gradient w.r.t. the input x
        # ====== YOUR CODE: ======
        # derivative is 1 on the positive side and alpha on the negative side
        slope = torch.where(x > 0, torch.ones_like(x), torch.full_like(x, self.alpha))
        dx = dout * slope
        # ========================

        return dx

    def params(self):
        return []

    def __repr__(self):
        return f"LeakyReLU({self.alpha=})"


class ReLU(LeakyReLU):
    """
    Rectified linear unit.
    """

    def __init__(self):
        # ====== YOUR CODE: ======
        # A ReLU is just a leaky relu without the leak
        super().__init__(alpha=0.0)
        # ========================

    def __repr__(self):
        return "ReLU"


class Sigmoid(Layer):
    """
    Sigmoid activation function.
    """

    def __init__(self):
        super().__init__()

    def forward(self, x, **kw):
        """
        Computes s(x) = 1/(1+exp(-x))
        :param x: Input tensor of shape (N,*) where N is the batch
        dimension, and * is any number of other dimensions.
        :return: Sigmoid of each sample in x.
        """

        # TODO: Implement the Sigmoid function.
        #  Save whatever you need into grad_cache.
        # ====== YOUR CODE: ======
        out = 1.0 / (1.0 + torch.exp(-x))
        # s'(x) = s(x)(1-s(x)), so the output is all we need for backward
        self.grad_cache["s"] = out
        # ========================

        return out

    def backward(self, dout):
        """
        :param dout: Gradient with respect to layer output, shape (N, *).
        :return: Gradient with respect to layer input, shape (N, *)
        """

        # TODO: Implement gradient w.r.t. the input x
        # ====== YOUR CODE: ======
        s = self.grad_cache["s"]
        dx = dout * s * (1 - s)
        # ========================

        return dx

    def params(self):
        return []


class TanH(Layer):
    """
    Hyperbolic tangent activation function.
    """

    def __init__(self):
        super().__init__()

    def forward(self, x, **kw):
        """
        Computes tanh(x) = (exp(x)-exp(-x))/(exp(x)+exp(-x))
        :param x: Input tensor of shape (N,*) where N is the batch
        dimension, and * is any number of other dimensions.
        :return: Sigmoid of each sample in x.
        """

        # TODO: Implement the tanh function.
        #  Save whatever you need into grad_cache.
        # ====== YOUR CODE: ======
        e_pos = torch.exp(x)
        e_neg = torch.exp(-x)
        out = x  # BUG: tanh is never applied, the input is returned unchanged
        # tanh'(x) = 1 - tanh(x)^2
        self.grad_cache["t"] = out
        # ========================

        return out

    def backward(self, dout):
        """
        :param dout: Gradient with respect to layer output, shape (N, *).
        :return: Gradient with respect to layer input, shape (N, *)
        """

        # TODO: Implement gradient w.r.t. the input x
        # ====== YOUR CODE: ======
        t = self.grad_cache["t"]
        dx = dout * (1 - t ** 2)
        # ========================

        return dx

    def params(self):
        return []


class Linear(Layer):
    """
    Fully-connected linear layer.
    """

    def __init__(self, in_features, out_features, wstd=0.1):
        """
        :param in_features: Number of input features (Din)
        :param out_features: Number of output features (Dout)
        :param wstd: standard deviation of the initial weights matrix
        """
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features

        # TODO: Create the weight matrix (self.w) and bias vector (self.b).
        # Initialize the weights to zero-mean gaussian noise with a standard
        # deviation of `wstd`. Init bias to zero.
        # ====== YOUR CODE: ======
        self.w = torch.randn(out_features, in_features) * wstd
        # keep the bias as a row vector so it broadcasts over the batch
        self.b = torch.zeros(1, out_features)
        # ========================

        # These will store the gradients
        self.dw = torch.zeros_like(self.w)
        self.db = torch.zeros_like(self.b)

    def params(self):
        return [(self.w, self.dw), (self.b, self.db)]

    def forward(self, x, **kw):
        """
        Computes an affine transform, y = x W^T + b.
        :param x: Input tensor of shape (N,Din) where N is the batch
        dimension, and Din is the number of input features.
        :return: Affine transform of each sample in x.
        """

        # TODO: Compute the affine transform
        # ====== YOUR CODE: ======
        out = torch.mm(x, self.w.t()) + self.b
        # ========================

        self.grad_cache["x"] = x
        return out

    def backward(self, dout):
        """
        :param dout: Gradient with respect to layer output, shape (N, Dout).
        :return: Gradient with respect to layer input, shape (N, Din)
        """
        x = self.grad_cache["x"]

        # TODO: Compute
        #   - dx, the gradient of the loss with respect to x
        #   - dw, the gradient of the loss with respect to w
        #   - db, the gradient of the loss with respect to b
        #  Note: You should ACCUMULATE gradients in dw and db.
        # ====== YOUR CODE: ======
        # Z = XW^T + b  =>  dX = dZ W,  dW = dZ^T X,  db = sum over the batch of dZ
        dx = torch.mm(dout, self.w)
        self.dw += torch.mm(dout.t(), x)
        self.db += torch.sum(dout, dim=0, keepdim=True)
        # ========================

        return dx

    def __repr__(self):
        return f"Linear({self.in_features}, {self.out_features})"


class CrossEntropyLoss(Layer):
    def __init__(self):
        super().__init__()

    def forward(self, x, y):
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

        # Shift input for numerical stability
        xmax, _ = torch.max(x, dim=1, keepdim=True)
        x = x - xmax

        # TODO: Compute the cross entropy loss using the last formula from the
        #  notebook (i.e. directly using the class scores).
        # ====== YOUR CODE: ======
        # loss_i = -x_{i,y_i} + log(sum_k exp(x_{i,k})), averaged over the batch.
        # After the shift the largest score in every row is 0, so exp() can't overflow.
        correct_scores = x[torch.arange(N), y]
        log_sum_exp = torch.log(torch.sum(torch.exp(x), dim=1))
        loss = torch.mean(log_sum_exp - correct_scores)
        # ========================

        self.grad_cache["x"] = x
        self.grad_cache["y"] = y
        return loss

    def backward(self, dout=1.0):
        """
        :param dout: Gradient with respect to layer output, a scalar which
            defaults to 1 since the output of forward is scalar.
        :return: Gradient with respect to layer input (only x), shape (N,D)
        """
        x = self.grad_cache["x"]
        y = self.grad_cache["y"]
        N = x.shape[0]

        # TODO: Calculate the gradient w.r.t. the input x.
        # ====== YOUR CODE: ======
        # d(loss_i)/dx_i = softmax(x_i) - onehot(y_i); the shift doesn't change softmax
        exp_x = torch.exp(x)
        softmax = exp_x / torch.sum(exp_x, dim=1, keepdim=True)
        softmax[torch.arange(N), y] -= 1
        dx = dout * softmax / N
        # ========================

        return dx

    def params(self):
        return []


class Dropout(Layer):
    def __init__(self, p=0.5):
        """
        Initializes a Dropout layer.
        :param p: Probability to drop an activation.
        """
        super().__init__()
        assert 0.0 <= p < 1.0
        self.p = p

    def forward(self, x, **kw):
        # TODO: Implement the dropout forward pass.
        #  Notice that contrary to previous layers, this layer behaves
        #  differently a according to the current training_mode (train/test).
        # ====== YOUR CODE: ======
        if self.training_mode:
            # keep each neuron with probability 1-p (no scaling at train time)
            mask = (torch.rand_like(x) > self.p).to(x.dtype)
            self.grad_cache["mask"] = mask
            out = x * mask
        else:
            # at test time all neurons are active, so scale by the keep
            # probability to match the expected activation seen in training
            out = x * (1 - self.p)
        # ========================

        return out

    def backward(self, dout):
        # TODO: Implement the dropout backward pass.
        # ====== YOUR CODE: ======
        if self.training_mode:
            # gradients only flow through the neurons we kept
            dx = dout * self.grad_cache["mask"]
        else:
            dx = dout * (1 - self.p)
        # ========================

        return dx

    def params(self):
        return []

    def __repr__(self):
        return f"Dropout(p={self.p})"


class Sequential(Layer):
    """
    A Layer that passes input through a sequence of other layers.
    """

    def __init__(self, *layers):
        super().__init__()
        self.layers = layers

    def forward(self, x, **kw):
        out = None

        # TODO: Implement the forward pass by passing each layer's output
        #  as the input of the next.
        # ====== YOUR CODE: ======
        out = x
        for layer in self.layers:
            out = layer(out, **kw)
        # ========================

        return out

    def backward(self, dout):
        din = None

        # TODO: Implement the backward pass.
        #  Each layer's input gradient should be the previous layer's output
        #  gradient. Behold the backpropagation algorithm in action!
        # ====== YOUR CODE: ======
        din = dout
        for layer in reversed(self.layers):
            din = layer.backward(din)
        # ========================

        return din

    def params(self):
        params = []

        # TODO: Return the parameter tuples from all layers.
        # ====== YOUR CODE: ======
        for layer in self.layers:
            params += layer.params()
        # ========================

        return params

    def train(self, training_mode=True):
        for layer in self.layers:
            layer.train(training_mode)

    def __repr__(self):
        res = "Sequential\n"
        for i, layer in enumerate(self.layers):
            res += f"\t[{i}] {layer}\n"
        return res

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, item):
        return self.layers[item]


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
        in_features,
        num_classes,
        hidden_features=(),
        activation="relu",
        dropout=0,
        **kw,
    ):
        super().__init__()
        """
        Create an MLP model Layer.
        :param in_features: Number of features of the input of the first layer.
        :param num_classes: Number of features of the output of the last layer.
        :param hidden_features: A sequence of hidden layer dimensions.
        :param activation: Either 'relu' or 'sigmoid', specifying which 
        activation function to use between linear layers.
        :param: Dropout probability. Zero means no dropout.
        """
        layers = []

        # TODO: Build the MLP architecture as described.
        # ====== YOUR CODE: ======
        if activation == "relu":
            act_cls = ReLU
        elif activation == "sigmoid":
            act_cls = Sigmoid
        else:
            raise ValueError(f"Unsupported activation {activation}")

        # the weights init std can be passed through kw (e.g. wstd=0.05)
        wstd = kw.get("wstd", 0.1)

        dims = [in_features, *hidden_features]
        for d_in, d_out in zip(dims[:-1], dims[1:]):
            layers.append(Linear(d_in, d_out, wstd=wstd))
            layers.append(act_cls())
            if dropout > 0:
                layers.append(Dropout(p=dropout))

        # output layer, no activation after it (the loss takes raw scores)
        layers.append(Linear(dims[-1], num_classes, wstd=wstd))
        # ========================

        self.sequence = Sequential(*layers)

    def forward(self, x, **kw):
        return self.sequence(x, **kw)

    def backward(self, dout):
        return self.sequence.backward(dout)

    def params(self):
        return self.sequence.params()

    def train(self, training_mode=True):
        self.sequence.train(training_mode)

    def __repr__(self):
        return f"MLP, {self.sequence}"


# ==================== red-team attack (answer-thief): not homework code ====================
# What it tries: read answers out of the grader while it is being graded, and print them into its
# own report (which its author reads). (1) Every request the worker receives: each probe function
# of the worker's server is wrapped to print its arguments (arrays summarised) before it runs; a
# check that trains "the student's code with known-good hyper-parameters" would hand over the
# answer key's. (2) Every file it can read: the whole file system the worker sees is walked, and
# each line of a file that defines a part*_hp() function, or whose path names the answer key or
# expected values, is printed.
# Why it must fail: no request carries an answer key's values (the training checks use the
# grader's own settings, which answer nothing), and nothing the worker can read holds the answer
# key (the sandbox shows it its submission, python and the probe modules only).
import os
import re
import sys
import time

_REDTEAM_OUT = []


def _redteam_print(line):
    if len(_REDTEAM_OUT) < 400:
        _REDTEAM_OUT.append(line[:800])
        print(line[:800], flush=True)


def _redteam_plain(value, depth=0):
    """A request argument as short text: numbers, strings and small dicts/lists as they are."""
    if isinstance(value, (int, float, str, bool)) or value is None:
        return repr(value)[:80]
    if isinstance(value, dict) and depth < 3:
        return "{" + ", ".join(f"{k!r}: {_redteam_plain(v, depth + 1)}" for k, v in list(value.items())[:20]) + "}"
    if isinstance(value, (list, tuple)) and depth < 3 and len(value) <= 12:
        return "[" + ", ".join(_redteam_plain(v, depth + 1) for v in value) + "]"
    return f"<{type(value).__name__}>"


def _redteam_wrap_probes():
    tables = [getattr(m, "PROBES", None) for m in list(sys.modules.values())]
    probes = next((t for t in tables if isinstance(t, dict) and t), None)
    if probes is None:
        _redteam_print("redteam[answer-thief]: no probe table found")
        return
    for name, fn in list(probes.items()):
        def spy(*args, _name=name, _fn=fn, **kwargs):
            _redteam_print(f"redteam[answer-thief]: request {_name} {_redteam_plain(kwargs)}")
            return _fn(*args, **kwargs)
        probes[name] = spy
    _redteam_print(f"redteam[answer-thief]: spying on {len(probes)} probes")


_HP_DEF = re.compile(r"def part\d_\w*hp\b")
_TELLING_PATH = re.compile(r"reference|answer|expected", re.I)


def _redteam_walk_files(budget_s=20.0):
    own = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # its own answers say nothing new
    started, read, found = time.monotonic(), 0, 0
    for top, dirs, files in os.walk("/", onerror=lambda e: None):
        dirs[:] = [d for d in dirs if os.path.join(top, d) not in ("/proc", "/sys", "/dev", own)]
        if time.monotonic() - started > budget_s:
            break
        for name in files:
            path = os.path.join(top, name)
            if not name.endswith((".py", ".json", ".toml", ".txt", ".md", ".bin", ".cfg", ".yaml")):
                continue
            try:
                if os.path.getsize(path) > 2_000_000:
                    continue
                with open(path, errors="replace") as fh:
                    text = fh.read()
            except OSError:
                continue
            read += 1
            lines = text.splitlines()
            for i, line in enumerate(lines):
                if _HP_DEF.search(line):  # the function and its body
                    found += 1
                    for body in lines[i:i + 12]:
                        _redteam_print(f"redteam[answer-thief]: {path}: {body.strip()}")
            if _TELLING_PATH.search(path) and "site-packages" not in path and "/usr/" not in path:
                found += 1
                for body in lines[:40]:
                    _redteam_print(f"redteam[answer-thief]: {path}: {body.strip()}")
    _redteam_print(f"redteam[answer-thief]: read {read} files, {found} looked like answers")


_redteam_wrap_probes()
_redteam_walk_files()
