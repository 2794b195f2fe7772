r"""
Use this module to write your answers to the questions in the notebook.

Note: Inside the answer strings you can use Markdown format and also LaTeX
math (delimited with $$).
"""

# ==============
# Part 1 (Backprop) answers

part1_q1 = r"""
**Your answer:**

1. Jacobian of $\mat{Y}$ w.r.t. the input $\mat{X}$:

    A. $\mat{Y}$ is $64\times512$ and $\mat{X}$ is $64\times1024$, so the Jacobian has shape
    $(64, 512, 64, 1024)$.

    B. Yes, it is sparse. $Y_{n,j} = \sum_k X_{n,k}W_{j,k} + b_j$ depends only on row $n$ of $\mat{X}$,
    so $\pderiv{Y_{n,j}}{X_{m,k}} = 0$ whenever $m \neq n$. Only the "diagonal" blocks
    $\pderiv{Y_{n,:}}{X_{n,:}} = \mat{W}$ are non-zero (and they are all the same matrix).

    C. No. Using the chain rule per element,
    $\pderiv{L}{X_{n,k}} = \sum_j \pderiv{L}{Y_{n,j}} W_{j,k}$, i.e.
    $\delta\mat{X} = \delta\mat{Y}\,\mat{W}$, a $(64\times512)\cdot(512\times1024)$ matrix product,
    without ever building the 4D tensor.

2. Jacobian of $\mat{Y}$ w.r.t. the weights $\mat{W}$ ($512\times1024$):

    A. Shape $(64, 512, 512, 1024)$.

    B. Yes. $Y_{n,j}$ only depends on row $j$ of $\mat{W}$, so
    $\pderiv{Y_{n,j}}{W_{i,k}} = 0$ for $i\neq j$, and for $i=j$ it equals $X_{n,k}$.

    C. No. $\pderiv{L}{W_{j,k}} = \sum_n \pderiv{L}{Y_{n,j}} X_{n,k}$, i.e.
    $\delta\mat{W} = \delta\mattr{Y}\mat{X}$ (and $\delta\vec{b} = \sum_n \delta\mat{Y}_{n,:}$).
"""

part1_q2 = r"""
**Your answer:**

Strictly speaking no. Descent based optimization only needs the gradient of the loss w.r.t. the
parameters, and we could get it in other ways: derive a closed form by hand for the whole network,
use numerical differentiation (finite differences, two forward passes per parameter), or
forward-mode automatic differentiation.

In practice however back-propagation (reverse mode AD) is what makes training deep networks
feasible: it computes the gradient w.r.t. *all* parameters at a cost of roughly one extra
forward pass, re-using intermediate results via the chain rule, and it is modular (each layer only
knows its own local derivative). Finite differences would need a forward pass per parameter,
which is hopeless with millions of parameters, and are numerically inaccurate.
"""


# ==============
# Part 2 (Optimization) answers


def part2_overfit_hp():
    wstd, lr, reg = 0, 0, 0
    # TODO: Tweak the hyperparameters until you overfit the small dataset.
    # ====== YOUR CODE: ======
    wstd = 0.2
    lr = 0.005
    reg = 0.001
    # ========================
    return dict(wstd=wstd, lr=lr, reg=reg)


def part2_optim_hp():
    wstd, lr_vanilla, lr_momentum, lr_rmsprop, reg, = (
        0,
        0,
        0,
        0,
        0,
    )

    # TODO: Tweak the hyperparameters to get the best results you can.
    # You may want to use different learning rates for each optimizer.
    # ====== YOUR CODE: ======
    wstd = 0.1
    lr_vanilla = 0.03
    lr_momentum = 0.003
    lr_rmsprop = 0.0002
    reg = 0.002
    # ========================
    return dict(
        wstd=wstd,
        lr_vanilla=lr_vanilla,
        lr_momentum=lr_momentum,
        lr_rmsprop=lr_rmsprop,
        reg=reg,
    )


def part2_dropout_hp():
    wstd, lr, = (
        0,
        0,
    )
    # TODO: Tweak the hyperparameters to get the model to overfit without
    # dropout.
    # ====== YOUR CODE: ======
    wstd = 0.1
    lr = 0.003
    # ========================
    return dict(wstd=wstd, lr=lr)


part2_q1 = r"""
**Your answer:**

1. Mostly yes. Without dropout the model reaches a very high train accuracy quickly, while the
test accuracy stays low and the test loss starts *increasing* after a few epochs - a clear
sign of overfitting the 400 training images. With dropout the train accuracy grows slower
(every batch trains a different random "sub-network", so memorizing the training set is harder),
but the test accuracy is higher and the test loss does not blow up the same way. This is what we
expected from dropout acting as a regularizer.

2. The low dropout setting (0.4) gives the best test results: enough regularization to reduce
overfitting but the network still has enough capacity to learn. With 0.8 we drop most of the
hidden units in every iteration, the remaining signal is very noisy and the model underfits:
both train and test accuracy are lower and training is much slower. So too much dropout hurts
just like too little.
"""

part2_q2 = r"""
**Your answer:**

Yes, it is possible. Accuracy only looks at the argmax of the scores, while the cross-entropy loss
looks at the probability given to the correct class. For example, during a few epochs the model can
become correct on some borderline samples (small improvement of their probabilities, which flips the
argmax - accuracy goes up) while at the same time becoming very confident and wrong on a few other
samples. Those wrong, confident predictions contribute a large $-\log(p)$ term, so the average loss
goes up even though more samples are classified correctly.
"""

part2_q3 = r"""
**Your answer:**

1. Back-propagation is an algorithm for *computing gradients* (an efficient use of the chain rule
on the computation graph). Gradient descent is an *optimization* algorithm, that uses the gradient
to update the parameters: $\vec{\theta} \leftarrow \vec{\theta} - \eta\nabla_{\vec{\theta}}L$.
GD needs the gradient, and BP is the usual way of getting it.

2. GD computes the gradient of the loss over the whole training set for every single step, so every
step is exact (the true gradient of the empirical loss) but very expensive, and the trajectory is
deterministic. SGD estimates the gradient from one sample or a small mini-batch, so every step is
cheap but noisy (an unbiased estimate of the full gradient). SGD performs many more updates per
epoch, and its noise lets it move away from saddle points / sharp minima; GD can converge more
smoothly but each epoch gives only one update.

3. - The dataset usually doesn't fit in (GPU) memory, so computing the full gradient is not
     even possible.
   - Many cheap noisy steps converge much faster in wall-clock time than few exact ones, datasets
     are also very redundant so a batch already gives a good direction.
   - The noise acts as a regularizer and helps escaping saddle points and bad local minima in the
     non-convex loss surface, and tends to find solutions which generalize better.

4. A. Yes, the gradient is equivalent (up to the normalization). The loss is a sum (or mean) over
samples, and the gradient is linear: $\nabla_{\vec{\theta}}\sum_{b}L_b = \sum_b\nabla_{\vec{\theta}}L_b$,
where $L_b$ is the sum of the per-sample losses of batch $b$. Since the batches are disjoint and
cover the whole dataset, $\sum_b L_b = \sum_{i=1}^{N}\ell_i$, exactly the GD loss (divide by $N$ to
get the mean).

   B. To do a backward pass at the end, the autograd graph of *all* the forward passes has to be
kept: every batch's intermediate activations (layer inputs/outputs that are needed to compute the
gradient) stay in memory until the single backward pass. So memory grows linearly with the number
of batches, until we run out of memory - even though each batch alone fits.
"""

# ==============


# ==============
# Part 3 (MLP) answers


def part3_arch_hp():
    n_layers = 0  # number of layers (not including output)
    hidden_dims = 0  # number of output dimensions for each hidden layer
    activation = "none"  # activation function to apply after each hidden layer
    out_activation = "none"  # activation function to apply at the output layer
    # TODO: Tweak the MLP architecture hyperparameters.
    # ====== YOUR CODE: ======
    n_layers = 3
    hidden_dims = 32
    activation = "relu"
    out_activation = "none"  # CrossEntropyLoss expects raw scores
    # ========================
    return dict(
        n_layers=n_layers,
        hidden_dims=hidden_dims,
        activation=activation,
        out_activation=out_activation,
    )


def part3_optim_hp():
    import torch.nn
    import torch.nn.functional

    loss_fn = None  # One of the torch.nn losses
    lr, weight_decay, momentum = 0, 0, 0  # Arguments for SGD optimizer
    # TODO:
    #  - Tweak the Optimizer hyperparameters.
    #  - Choose the appropriate loss function for your architecture.
    #    What you returns needs to be a callable, so either an instance of one of the
    #    Loss classes in torch.nn or one of the loss functions from torch.nn.functional.
    # ====== YOUR CODE: ======
    loss_fn = torch.nn.CrossEntropyLoss()
    lr = 0.02
    weight_decay = 1e-4
    momentum = 0.9
    # ========================
    return dict(lr=lr, weight_decay=weight_decay, momentum=momentum, loss_fn=loss_fn)


part3_q1 = r"""
**Your answer:**

1. Optimization error - low. The training loss decreases and flattens and the train accuracy is
high (close to the best one can get with this amount of noise in the moons), so the optimizer found
a good minimum of the training loss for this model.

2. Generalization error - somewhat high. The validation accuracy is noticeably lower than the train
accuracy and does not improve in the same way. This is mostly not classic overfitting (the model is
small) but the fact that the train and validation data are not sampled iid: the validation set
contains relatively more samples from the population rotated by 50 degrees, so the boundary learned
on the training mixture doesn't fit it perfectly.

3. Approximation error - low. The decision boundary plot shows that the MLP can represent a
non-linear, curved boundary which follows the shape of the moons well, so the hypothesis class is
rich enough for this problem.
"""

part3_q2 = r"""
**Your answer:**

We'd expect the FNR to be higher on the validation set. The model is trained on a mixture of two
rotations (10 and 50 degrees) and the validation samples come (because of the non-shuffled split)
mostly from the 50 degree rotated population. For this population the tips of the class-1 moon are
rotated into the region that the training data (dominated by the other population there) labels as
class 0, so more positive samples fall on the negative side of the boundary and are classified as
negatives. This is also what we saw in the confusion matrix.
"""

part3_q3 = r"""
**Your answer:**

No, the "optimal" point on the ROC curve treats FPR and FNR as equally bad, which is not the case
here.

1. If the disease shows non-lethal symptoms that confirm it and a cheap treatment exists, a false
negative is not very costly (the person will be diagnosed later when symptoms appear), while a false
positive sends a healthy person to an expensive and risky test. So we want a low FPR and accept a
higher FNR: choose a point to the left on the ROC curve, i.e. a higher threshold.

2. If a sick person may die without early diagnosis, a false negative is extremely costly
(a life), and it's worth paying for more false positives. So we want a very low FNR (high TPR),
choosing a point higher/right on the curve, i.e. a lower threshold, even at the price of many more
expensive follow-up tests.
"""


part3_q4 = r"""
**Your answer:**

1. Fixed depth, increasing width: with width 2 the boundary is almost linear (few piecewise
linear pieces) and accuracy is the lowest. Increasing the width adds more "pieces" to the
piecewise-linear boundary, so it becomes more curved and follows the moons, and the accuracy
improves, saturating at width ~32 (more width doesn't help much, the data is noisy anyway).

2. Fixed width, increasing depth: more depth also makes the boundary more expressive (the number
of linear regions grows with depth), so for narrow networks depth helps. But deeper nets are
harder to optimize in only 10 epochs, so for wide networks depth doesn't really improve results
and sometimes slightly hurts.

3. - depth=1, width=32 vs depth=4, width=8: similar number of parameters; the results are close,
     the deeper net gives a slightly more complex boundary but is harder to train, so the wide
     shallow one is as good or slightly better here.
   - depth=1, width=128 vs depth=4, width=32: again comparable; both have more than enough
     capacity for this 2D problem, so the difference is small and comes mostly from optimization.
     Depth is more parameter efficient in theory, but for such a simple problem capacity isn't the
     bottleneck.

4. Threshold selection on the validation set improved the test results in most configurations.
The test set was generated from a distribution (40 degrees rotation, more noise) that is closer
to the validation population than to the training mixture, so a threshold that balances FPR/FNR
on the validation set transfers better to the test set than the default 0.5.
"""
# ==============
# Part 4 (CNN) answers


def part4_optim_hp():
    import torch.nn
    import torch.nn.functional

    loss_fn = None  # One of the torch.nn losses
    lr, weight_decay, momentum = 0, 0, 0  # Arguments for SGD optimizer
    # TODO:
    #  - Tweak the Optimizer hyperparameters.
    #  - Choose the appropriate loss function for your architecture.
    #    What you returns needs to be a callable, so either an instance of one of the
    #    Loss classes in torch.nn or one of the loss functions from torch.nn.functional.
    # ====== YOUR CODE: ======
    loss_fn = torch.nn.CrossEntropyLoss()
    lr = 0.005
    weight_decay = 1e-4
    momentum = 0.9
    # ========================
    return dict(lr=lr, weight_decay=weight_decay, momentum=momentum, loss_fn=loss_fn)


part4_q1 = r"""
**Your answer:**

1. Number of parameters (with biases), input and output have 256 channels:
    - Regular block (two 3x3 convs, 256->256->256):
      $2\cdot(3\cdot3\cdot256\cdot256 + 256) = 2\cdot590{,}080 = 1{,}180{,}160$.
    - Bottleneck block (1x1 256->64, 3x3 64->64, 1x1 64->256):
      $(256\cdot64+64) + (3\cdot3\cdot64\cdot64+64) + (64\cdot256+256) = 16{,}448 + 36{,}928 + 16{,}640 = 70{,}016$.

    So the bottleneck has about 17 times fewer parameters.

2. FLOPs: a conv layer costs about (#weights) multiply-adds per output pixel, so for an input of
size $H\times W$ the regular block needs $\approx 1.18M\cdot HW$ MACs and the bottleneck
$\approx 70K\cdot HW$ MACs (plus the same cheap element-wise ReLUs and the addition of the
shortcut). The bottleneck is roughly an order of magnitude cheaper.

3. (1) Spatially: the regular block has two 3x3 convs, so its receptive field is 5x5, while the
bottleneck has only one 3x3 conv (the 1x1 convs don't look at neighbors), i.e. a 3x3 receptive
field. The regular block combines the input spatially more.
(2) Across feature maps: both combine all channels in every conv. The regular block does it with
full 256x256 mixing twice; the bottleneck first compresses the 256 channels into 64 (a
projection, which may lose information), processes them and projects back. So the regular block
has more capacity to combine feature maps, the bottleneck does it much more cheaply.
"""

# ==============

# ==============
# Part 5 (CNN Experiments) answers


part5_q1 = r"""
**Your answer:**

1. Shallow networks (L=2) train well but are limited; L=4 gave the best test accuracy for both K=32
and K=64 - deeper nets can learn more complex, hierarchical features with a larger receptive
field. Going deeper than that made results worse: with our plain CNN the deeper models were harder
to optimize and also overfit faster with the limited amount of data we used.

2. Yes, L=16 (and for some runs L=8) was not trainable: the accuracy stayed at ~10% (chance level).
The reason is vanishing gradients - the gradient has to go through many conv+ReLU layers, and with
default initialization it becomes tiny by the time it reaches the first layers (also pooling
every few layers shrinks the feature maps a lot). Two things that help: adding batch
normalization after the convolutions (keeps activations and gradients well scaled), and adding
skip connections (residual blocks) so the gradient has a short path to the early layers. Better
initialization (He init) and fewer pooling layers also help.
"""

part5_q2 = r"""
**Your answer:**

For a fixed depth, more filters per layer generally gave better train accuracy and mostly also better
test accuracy up to K=128; K=256 trained faster on the training set but overfit earlier (early
stopping triggered sooner). The effect of K is smaller than the effect of L in 1.1: changing the
width changes the capacity of each layer but not the difficulty of optimization, so all values of
K were trainable for L=2 and L=4, while for L=8 all of them were worse, just like in experiment 1.1
where depth was the limiting factor.
"""

part5_q3 = r"""
**Your answer:**

With K=[64, 128, 256] every L adds three conv layers, so L=1 is a 3 layer net and L=4 is 12 layers.
L=1 and L=2 trained well and gave the best test accuracy (increasing the number of filters along the
depth is a good pattern). L=3 was worse and L=4 didn't train at all, again because of depth: without
batch norm or skip connections the deep plain CNN suffers from vanishing gradients.
"""

part5_q4 = r"""
**Your answer:**

With the ResNet we could train much deeper networks: K=32 with L=8, 16 and 32 all trained, while the
plain CNN in 1.1 failed already at L=16. Similarly for K=[64,128,256], L=2,4,8 were trainable
while the CNN in 1.3 failed at L=4 (12 layers). The skip connections give the gradient a direct path
backwards, and the batchnorm/dropout in the blocks helped against overfitting. The test accuracy of
the deeper ResNets was similar or a bit higher than the best CNN configurations, so depth stopped
being a problem, although the very deep ones were slower and did not improve much over moderate
depth with our limited training budget.
"""

part5_q5 = r"""
**Your answer:**

1. In YourCNN every conv is a 3x3 'same' convolution followed by BatchNorm and the activation, and
after every pooling layer we added a Dropout2d (p=0.2). BatchNorm makes the deeper configurations
trainable and speeds up training; the spatial dropout regularizes the feature extractor, which
reduced the gap between train and test accuracy.

2. All four configurations (L=3,6,9,12) were trainable, unlike the plain CNN in experiment 1 where
the deep ones got stuck at chance level. The best test accuracy was obtained with L=3/L=6 and was
higher than all the runs of experiment 1; the train-test gap was also smaller thanks to the dropout.
For L=12 the results were a bit lower and training was slower, so batchnorm alone does not make
depth "free" - skip connections would be the next step.
"""
# ==============
