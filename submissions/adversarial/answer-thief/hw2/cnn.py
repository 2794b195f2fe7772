import torch
import torch.nn as nn
import itertools as it
from torch import Tensor
from typing import Sequence

from .mlp import MLP, ACTIVATIONS, ACTIVATION_DEFAULT_KWARGS

POOLINGS = {"avg": nn.AvgPool2d, "max": nn.MaxPool2d}


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

        self.in_size = in_size
        self.out_classes = out_classes
        self.channels = channels
        self.pool_every = pool_every
        self.hidden_dims = hidden_dims
        self.conv_params = conv_params
        self.activation_type = activation_type
        self.activation_params = activation_params
        self.pooling_type = pooling_type
        self.pooling_params = pooling_params

        if activation_type not in ACTIVATIONS or pooling_type not in POOLINGS:
            raise ValueError("Unsupported activation or pooling type")

        self.feature_extractor = self._make_feature_extractor()
        self.mlp = self._make_mlp()

    def _make_activation(self):
        # new activation module with the user's params (e.g. negative_slope)
        act_cls = ACTIVATIONS[self.activation_type]
        act_kwargs = {**ACTIVATION_DEFAULT_KWARGS[self.activation_type], **self.activation_params}
        return act_cls(**act_kwargs)

    def _make_pooling(self):
        # kernel_size is required by the pooling layers, default to 2x2 pooling
        pool_kwargs = {"kernel_size": 2, **self.pooling_params}
        return POOLINGS[self.pooling_type](**pool_kwargs)

    def _conv_kwargs(self):
        # same for the convs: if no kernel size is given use 'same' 3x3 convs
        if "kernel_size" not in self.conv_params:
            return {"kernel_size": 3, "padding": 1, **self.conv_params}
        return dict(self.conv_params)

    def _make_feature_extractor(self):
        in_channels, in_h, in_w, = tuple(self.in_size)

        layers = []
        # TODO: Create the feature extractor part of the model:
        #  [(CONV -> ACT)*P -> POOL]*(N/P)
        #  Apply activation function after each conv, using the activation type and
        #  parameters.
        #  Apply pooling to reduce dimensions after every P convolutions, using the
        #  pooling type and pooling parameters.
        #  Note: If N is not divisible by P, then N mod P additional
        #  CONV->ACTs should exist at the end, without a POOL after them.
        # ====== YOUR CODE: ======
        prev_channels = in_channels
        for i, out_channels in enumerate(self.channels):
            layers.append(nn.Conv2d(prev_channels, out_channels, **self._conv_kwargs()))
            layers.append(self._make_activation())
            prev_channels = out_channels

            # pool after every P convs (leftover convs at the end get no pool)
            if (i + 1) % self.pool_every == 0:
                layers.append(self._make_pooling())
        # ========================
        seq = nn.Sequential(*layers)
        return seq

    def _n_features(self) -> int:
        """
        Calculates the number of extracted features going into the the classifier part.
        :return: Number of features.
        """
        # Make sure to not mess up the random state.
        rng_state = torch.get_rng_state()
        try:
            # ====== YOUR CODE: ======
            # easiest is to just push a dummy image through the feature extractor.
            # eval mode so batchnorm running stats are not touched by the dummy.
            was_training = self.feature_extractor.training
            self.feature_extractor.eval()
            with torch.no_grad():
                dummy = torch.zeros(1, *self.in_size)
                features = self.feature_extractor(dummy)
            self.feature_extractor.train(was_training)
            return features.numel()
            # ========================
        finally:
            torch.set_rng_state(rng_state)

    def _make_mlp(self):
        # TODO:
        #  - Create the MLP part of the model: (FC -> ACT)*M -> Linear
        #  - Use the the MLP implementation from Part 1.
        #  - The first Linear layer should have an input dim of equal to the number of
        #    convolutional features extracted by the convolutional layers.
        #  - The last Linear layer should have an output dim of out_classes.
        mlp: MLP = None
        # ====== YOUR CODE: ======
        nonlins = [self._make_activation() for _ in self.hidden_dims] + ["none"]
        mlp = MLP(
            in_dim=self._n_features(),
            dims=[*self.hidden_dims, self.out_classes],
            nonlins=nonlins,
        )
        # ========================
        return mlp

    def forward(self, x: Tensor):
        # TODO: Implement the forward pass.
        #  Extract features from the input, run the classifier on them and
        #  return class scores.
        out: Tensor = None
        # ====== YOUR CODE: ======
        features = self.feature_extractor(x)
        features = features.reshape(features.shape[0], -1)
        out = self.mlp(features)
        # ========================
        return out


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

        self.main_path, self.shortcut_path = None, None

        # TODO: Implement a generic residual block.
        #  Use the given arguments to create two nn.Sequentials:
        #  - main_path, which should contain the convolution, dropout,
        #    batchnorm, relu sequences (in this order).
        #    Should end with a final conv as in the diagram.
        #  - shortcut_path which should represent the skip-connection and
        #    may contain a 1x1 conv.
        #  Notes:
        #  - Use convolutions which preserve the spatial extent of the input.
        #  - Use bias in the main_path conv layers, and no bias in the skips.
        #  - For simplicity of implementation, assume kernel sizes are odd.
        #  - Don't create layers which you don't use! This will prevent
        #    correct comparison in the test.
        # ====== YOUR CODE: ======
        act_cls = ACTIVATIONS[activation_type]
        act_kwargs = {**ACTIVATION_DEFAULT_KWARGS[activation_type], **activation_params}

        main_layers = []
        prev_channels = in_channels
        n_convs = len(channels)
        for i, (out_channels, k) in enumerate(zip(channels, kernel_sizes)):
            # padding k//2 keeps HxW the same for odd k (stride 1)
            main_layers.append(
                nn.Conv2d(prev_channels, out_channels, kernel_size=k, padding=k // 2, bias=True)
            )
            prev_channels = out_channels

            # the last conv is followed directly by the addition with the shortcut
            if i < n_convs - 1:
                if dropout > 0:
                    main_layers.append(nn.Dropout2d(p=dropout))
                if batchnorm:
                    main_layers.append(nn.BatchNorm2d(out_channels))
                main_layers.append(act_cls(**act_kwargs))

        self.main_path = nn.Sequential(*main_layers)

        if in_channels != channels[-1]:
            # project the input to the right number of channels
            self.shortcut_path = nn.Sequential(
                nn.Conv2d(in_channels, channels[-1], kernel_size=1, bias=False)
            )
        else:
            self.shortcut_path = nn.Sequential(nn.Identity())
        # ========================

    def forward(self, x: Tensor):
        # TODO: Implement the forward pass. Save the main and residual path to `out`.
        out: Tensor = None
        # ====== YOUR CODE: ======
        out = self.main_path(x) + self.shortcut_path(x)
        # ========================
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

        # TODO:
        #  Initialize the base class in the right way to produce the bottleneck block
        #  architecture.
        # ====== YOUR CODE: ======
        # 1x1 projection down to the first inner size, the inner convs, and a
        # 1x1 projection back up to in_out_channels
        channels = [inner_channels[0], *inner_channels, in_out_channels]
        kernel_sizes = [1, *inner_kernel_sizes, 1]
        super().__init__(
            in_channels=in_out_channels,
            channels=channels,
            kernel_sizes=kernel_sizes,
            **kwargs,
        )
        # ========================


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

    def _make_feature_extractor(self):
        in_channels, in_h, in_w, = tuple(self.in_size)

        layers = []
        # TODO: Create the feature extractor part of the model:
        #  [-> (CONV -> ACT)*P -> POOL]*(N/P)
        #   \------- SKIP ------/
        #  For the ResidualBlocks, use only dimension-preserving 3x3 convolutions.
        #  Apply Pooling to reduce dimensions after every P convolutions.
        #  Notes:
        #  - If N is not divisible by P, then N mod P additional
        #    CONV->ACT (with a skip over them) should exist at the end,
        #    without a POOL after them.
        #  - Use your own ResidualBlock implementation.
        #  - Use bottleneck blocks if requested and if the number of input and output
        #    channels match for each group of P convolutions.
        # ====== YOUR CODE: ======
        block_kwargs = dict(
            batchnorm=self.batchnorm,
            dropout=self.dropout,
            activation_type=self.activation_type,
            activation_params=self.activation_params,
        )

        prev_channels = in_channels
        P = self.pool_every
        for start in range(0, len(self.channels), P):
            group = list(self.channels[start:start + P])

            # a bottleneck needs at least one inner conv between the two 1x1 projections
            if self.bottleneck and prev_channels == group[-1] and len(group) > 2:
                inner = group[1:-1]
                block = ResidualBottleneckBlock(
                    in_out_channels=prev_channels,
                    inner_channels=inner,
                    inner_kernel_sizes=[3] * len(inner),
                    **block_kwargs,
                )
            else:
                block = ResidualBlock(
                    in_channels=prev_channels,
                    channels=group,
                    kernel_sizes=[3] * len(group),
                    **block_kwargs,
                )
            layers.append(block)

            # only full groups of P convs are followed by a pooling layer
            if len(group) == P:
                layers.append(self._make_pooling())
            prev_channels = group[-1]
        # ========================
        seq = nn.Sequential(*layers)
        return seq


class YourCNN(CNN):
    def __init__(self, *args, dropout=0.2, **kwargs):
        """
        See CNN.__init__
        """
        # TODO: Add any additional initialization as needed.
        # ====== YOUR CODE: ======
        # must be set before CNN.__init__ since it builds the layers
        self.dropout = dropout
        # ========================
        super().__init__(*args, **kwargs)

    # TODO: Change whatever you want about the CNN to try to
    #  improve it's results on CIFAR-10.
    #  For example, add batchnorm, dropout, skip connections, change conv
    #  filter sizes etc.
    # ====== YOUR CODE: ======
    def _make_feature_extractor(self):
        """
        Same pattern as the CNN, but every conv is 3x3 'same' conv followed by
        batchnorm, and a Dropout2d after each pooling layer:
        [(CONV -> BN -> ACT)*P -> POOL -> DROPOUT]*(N/P)
        """
        in_channels, in_h, in_w, = tuple(self.in_size)
        conv_params = dict(kernel_size=3, padding=1)
        conv_params.update(self.conv_params)

        layers = []
        prev_channels = in_channels
        for i, out_channels in enumerate(self.channels):
            layers.append(nn.Conv2d(prev_channels, out_channels, **conv_params))
            layers.append(nn.BatchNorm2d(out_channels))
            layers.append(self._make_activation())
            prev_channels = out_channels

            if (i + 1) % self.pool_every == 0:
                layers.append(self._make_pooling())
                if self.dropout > 0:
                    layers.append(nn.Dropout2d(p=self.dropout))

        return nn.Sequential(*layers)
    # ========================
