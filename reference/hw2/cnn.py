"""
Part 4-5: convolutional classifiers built from torch.nn modules.

Layer creation order matters: under a fixed seed it decides every random initial weight, and
the course's expected outputs (tests/assets/expected_*.pt) were produced with this order
(feature extractor first, then the MLP head; main path before shortcut in residual blocks).
"""
from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from .mlp import ACTIVATION_DEFAULT_KWARGS, ACTIVATIONS, MLP

POOLINGS = {"avg": nn.AvgPool2d, "max": nn.MaxPool2d}

# Used only when the caller gives no kernel size at all (nn.Conv2d/nn.MaxPool2d
# cannot be built without one): a dimension-preserving 3x3 conv and a 2x2 pool.
DEFAULT_CONV_PARAMS = dict(kernel_size=3, stride=1, padding=1)
DEFAULT_POOLING_PARAMS = dict(kernel_size=2)


def _make_activation(activation_type: str, activation_params: Dict) -> nn.Module:
    params = {**ACTIVATION_DEFAULT_KWARGS[activation_type], **activation_params}
    return ACTIVATIONS[activation_type](**params)


class CNN(nn.Module):
    """
    A simple convolutional neural network model based on PyTorch nn.Modules.

    Has a convolutional part at the beginning and an MLP at the end.
    The architecture is:
    [(CONV -> ACT)*P -> POOL]*(N/P) -> (FC -> ACT)*M -> FC
    """

    def __init__(
        self,
        in_size,
        out_classes: int,
        channels: Sequence[int],
        pool_every: int,
        hidden_dims: Sequence[int],
        conv_params: dict = {},
        activation_type: str = "relu",
        activation_params: dict = {},
        pooling_type: str = "max",
        pooling_params: dict = {},
    ):
        """
        :param in_size: Size of input images, e.g. (C,H,W).
        :param out_classes: Number of classes to output in the final layer.
        :param channels: A list of of length N containing the number of
            (output) channels in each conv layer.
        :param pool_every: P, the number of conv layers before each max-pool.
        :param hidden_dims: List of of length M containing hidden dimensions of
            each Linear layer (not including the output layer).
        :param conv_params: Parameters for convolution layers.
        :param activation_type: Type of activation function; supports either 'relu' or
            'lrelu' for leaky relu.
        :param activation_params: Parameters passed to activation function.
        :param pooling_type: Type of pooling to apply; supports 'max' for max-pooling or
            'avg' for average pooling.
        :param pooling_params: Parameters passed to pooling layer.
        """
        super().__init__()
        assert channels and hidden_dims

        self.in_size = tuple(in_size)
        self.out_classes = out_classes
        self.channels = list(channels)
        self.pool_every = pool_every
        self.hidden_dims = list(hidden_dims)
        # Copies: the (mutable) defaults and the caller's dicts are never modified.
        self.conv_params = dict(conv_params) if "kernel_size" in conv_params else {
            **DEFAULT_CONV_PARAMS, **conv_params}
        self.activation_type = activation_type
        self.activation_params = dict(activation_params)
        self.pooling_type = pooling_type
        self.pooling_params = dict(pooling_params) if "kernel_size" in pooling_params else {
            **DEFAULT_POOLING_PARAMS, **pooling_params}

        if activation_type not in ACTIVATIONS or pooling_type not in POOLINGS:
            raise ValueError("Unsupported activation or pooling type")

        self.feature_extractor = self._make_feature_extractor()
        self.mlp = self._make_mlp()

    def _make_activation(self) -> nn.Module:
        return _make_activation(self.activation_type, self.activation_params)

    def _make_pooling(self) -> nn.Module:
        return POOLINGS[self.pooling_type](**self.pooling_params)

    def _make_feature_extractor(self) -> nn.Sequential:
        in_channels = self.in_size[0]

        # [(CONV -> ACT)*P -> POOL]*(N/P), then N mod P (CONV -> ACT) without a POOL.
        layers: List[nn.Module] = []
        for i, out_channels in enumerate(self.channels):
            layers.append(nn.Conv2d(in_channels, out_channels, **self.conv_params))
            layers.append(self._make_activation())
            if (i + 1) % self.pool_every == 0:
                layers.append(self._make_pooling())
            in_channels = out_channels
        return nn.Sequential(*layers)

    def _n_features(self) -> int:
        """
        Calculates the number of extracted features going into the the classifier part.
        :return: Number of features.
        """
        # A dry run on one dummy image. Make sure not to mess up the random state
        # (dropout would draw from it) nor BatchNorm running statistics (eval mode).
        rng_state = torch.get_rng_state()
        was_training = self.feature_extractor.training
        try:
            self.feature_extractor.eval()
            with torch.no_grad():
                out = self.feature_extractor(torch.zeros(1, *self.in_size))
            return int(out.numel())
        finally:
            self.feature_extractor.train(was_training)
            torch.set_rng_state(rng_state)

    def _make_mlp(self) -> MLP:
        # (FC -> ACT)*M -> Linear, with the conv features as input
        nonlins = [self._make_activation() for _ in self.hidden_dims] + ["none"]
        return MLP(
            in_dim=self._n_features(),
            dims=[*self.hidden_dims, self.out_classes],
            nonlins=nonlins,
        )

    def forward(self, x: Tensor) -> Tensor:
        features = self.feature_extractor(x)
        return self.mlp(features.reshape(features.shape[0], -1))


class ResidualBlock(nn.Module):
    """
    A general purpose residual block.
    """

    def __init__(
        self,
        in_channels: int,
        channels: Sequence[int],
        kernel_sizes: Sequence[int],
        batchnorm: bool = False,
        dropout: float = 0.0,
        activation_type: str = "relu",
        activation_params: dict = {},
        **kwargs,
    ):
        """
        :param in_channels: Number of input channels to the first convolution.
        :param channels: List of number of output channels for each
            convolution in the block. The length determines the number of
            convolutions.
        :param kernel_sizes: List of kernel sizes (spatial). Length should
            be the same as channels. Values should be odd numbers.
        :param batchnorm: True/False whether to apply BatchNorm between
            convolutions.
        :param dropout: Amount (p) of Dropout to apply between convolutions.
            Zero means don't apply dropout.
        :param activation_type: Type of activation function; supports either 'relu' or
            'lrelu' for leaky relu.
        :param activation_params: Parameters passed to activation function.
        """
        super().__init__()
        assert channels and kernel_sizes
        assert len(channels) == len(kernel_sizes)
        assert all(map(lambda x: x % 2 == 1, kernel_sizes))

        if activation_type not in ACTIVATIONS:
            raise ValueError("Unsupported activation type")

        # Main path: CONV -> [DROPOUT] -> [BN] -> ACT between convolutions, ending
        # with a bare CONV. Padding k//2 preserves the spatial extent (odd k).
        main_layers: List[nn.Module] = []
        c_in = in_channels
        for i, (c_out, k) in enumerate(zip(channels, kernel_sizes)):
            main_layers.append(nn.Conv2d(c_in, c_out, kernel_size=k, padding=k // 2, bias=True))
            if i < len(channels) - 1:
                if dropout > 0:
                    main_layers.append(nn.Dropout2d(p=dropout))
                if batchnorm:
                    main_layers.append(nn.BatchNorm2d(c_out))
                main_layers.append(_make_activation(activation_type, activation_params))
            c_in = c_out
        self.main_path = nn.Sequential(*main_layers)

        # Shortcut: identity, or a bias-free 1x1 conv projecting the channels.
        if in_channels != channels[-1]:
            shortcut: nn.Module = nn.Conv2d(in_channels, channels[-1], kernel_size=1, bias=False)
        else:
            shortcut = nn.Identity()
        self.shortcut_path = nn.Sequential(shortcut)

    def forward(self, x: Tensor) -> Tensor:
        out = self.main_path(x) + self.shortcut_path(x)
        out = torch.relu(out)
        return out


class ResidualBottleneckBlock(ResidualBlock):
    """
    A residual bottleneck block.
    """

    def __init__(
        self,
        in_out_channels: int,
        inner_channels: Sequence[int],
        inner_kernel_sizes: Sequence[int],
        **kwargs,
    ):
        """
        :param in_out_channels: Number of input and output channels of the block.
            The first conv in this block will project from this number, and the
            last conv will project back to this number of channel.
        :param inner_channels: List of number of output channels for each internal
            convolution in the block (i.e. not the outer projections)
            The length determines the number of convolutions, excluding the
            block input and output convolutions.
            For example, if in_out_channels=10 and inner_channels=[5],
            the block will have three convolutions, with channels 10->5->10.
        :param inner_kernel_sizes: List of kernel sizes (spatial) for the internal
            convolutions in the block. Length should be the same as inner_channels.
            Values should be odd numbers.
        :param kwargs: Any additional arguments supported by ResidualBlock.
        """
        assert len(inner_channels) > 0
        assert len(inner_channels) == len(inner_kernel_sizes)

        # 1x1 projection in_out -> inner[0], the inner convs, 1x1 projection back.
        super().__init__(
            in_channels=in_out_channels,
            channels=[inner_channels[0], *inner_channels, in_out_channels],
            kernel_sizes=[1, *inner_kernel_sizes, 1],
            **kwargs,
        )


class ResNet(CNN):
    def __init__(
        self,
        in_size,
        out_classes,
        channels,
        pool_every,
        hidden_dims,
        batchnorm=False,
        dropout=0.0,
        bottleneck: bool = False,
        **kwargs,
    ):
        """
        See arguments of CNN & ResidualBlock.
        :param bottleneck: Whether to use a ResidualBottleneckBlock to group together
            pool_every convolutions, instead of a ResidualBlock.
        """
        self.batchnorm = batchnorm
        self.dropout = dropout
        self.bottleneck = bottleneck
        super().__init__(
            in_size, out_classes, channels, pool_every, hidden_dims, **kwargs
        )

    def _block_kwargs(self) -> Dict:
        return dict(
            batchnorm=self.batchnorm,
            dropout=self.dropout,
            activation_type=self.activation_type,
            activation_params=self.activation_params,
        )

    def _make_feature_extractor(self) -> nn.Sequential:
        in_channels = self.in_size[0]

        #  [-> (CONV -> ACT)*P -> POOL]*(N/P)
        #   \------- SKIP ------/
        # One residual block per group of P convolutions (3x3, dimension preserving),
        # a POOL after each full group; the last N mod P convs form a block without POOL.
        layers: List[nn.Module] = []
        P = self.pool_every
        for start in range(0, len(self.channels), P):
            group = self.channels[start:start + P]
            layers.append(self._make_block(in_channels, group))
            if len(group) == P:
                layers.append(self._make_pooling())
            in_channels = group[-1]
        return nn.Sequential(*layers)

    def _make_block(self, in_channels: int, group: List[int]) -> nn.Module:
        # A bottleneck needs equal in/out channels and room for the two 1x1
        # projections around at least one inner conv. Its inner channels are the
        # group's middle entries: [64, 16, 64] on a 64-channel input gives
        # 64 -(1x1)-> 16 -(3x3)-> 16 -(1x1)-> 64, as the course prints it.
        if self.bottleneck and len(group) >= 3 and in_channels == group[-1]:
            inner = group[1:-1]
            return ResidualBottleneckBlock(
                in_out_channels=in_channels,
                inner_channels=inner,
                inner_kernel_sizes=[3] * len(inner),
                **self._block_kwargs(),
            )
        return ResidualBlock(
            in_channels=in_channels,
            channels=group,
            kernel_sizes=[3] * len(group),
            **self._block_kwargs(),
        )


class YourCNN(CNN):
    """
    Our custom architecture for experiment 2.

    Each group of P convolutions is a residual block (3x3 convs, BatchNorm, Dropout2d,
    identity or 1x1 shortcut), followed by max-pooling as long as the feature maps are
    large enough to pool, so that deep configurations never shrink the image to nothing.
    The MLP head applies dropout after each hidden activation.
    Same constructor as CNN, plus ``batchnorm`` and ``dropout``.
    """

    def __init__(self, *args, batchnorm: bool = True, dropout: float = 0.1, **kwargs):
        """
        See CNN.__init__
        """
        self.batchnorm = batchnorm
        self.dropout = dropout
        super().__init__(*args, **kwargs)

    def _make_feature_extractor(self) -> nn.Sequential:
        in_channels, h, w = self.in_size
        layers: List[nn.Module] = []
        P = self.pool_every
        for start in range(0, len(self.channels), P):
            group = self.channels[start:start + P]
            layers.append(
                ResidualBlock(
                    in_channels,
                    group,
                    kernel_sizes=[3] * len(group),
                    batchnorm=self.batchnorm,
                    dropout=self.dropout,
                    activation_type=self.activation_type,
                    activation_params=self.activation_params,
                )
            )
            if len(group) == P:
                pool = self._make_pooling()
                pooled_h, pooled_w = _pooled_size(pool, h, w)
                if min(pooled_h, pooled_w) >= 1:  # skip pools that would empty the maps
                    layers.append(pool)
                    h, w = pooled_h, pooled_w
            in_channels = group[-1]
        return nn.Sequential(*layers)

    def _make_mlp(self) -> MLP:
        nonlins = [
            nn.Sequential(self._make_activation(), nn.Dropout(self.dropout))
            if self.dropout > 0 else self._make_activation()
            for _ in self.hidden_dims
        ] + ["none"]
        return MLP(
            in_dim=self._n_features(),
            dims=[*self.hidden_dims, self.out_classes],
            nonlins=nonlins,
        )


def _pooled_size(pool: nn.Module, h: int, w: int) -> Tuple[int, int]:
    """Spatial size after a pooling layer (no ceil_mode, no dilation)."""

    def pair(v):
        return (v, v) if isinstance(v, int) else tuple(v)

    k = pair(pool.kernel_size)
    s = pair(pool.stride if pool.stride is not None else pool.kernel_size)
    p = pair(pool.padding)
    return (h + 2 * p[0] - k[0]) // s[0] + 1, (w + 2 * p[1] - k[1]) // s[1] + 1
