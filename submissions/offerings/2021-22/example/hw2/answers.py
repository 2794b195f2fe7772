r"""
Use this module to write your answers to the questions in the notebook.

Note: Inside the answer strings you can use Markdown format and also LaTeX
math (delimited with $$).
"""


# Part 1 (MLP) answers

def part1_arch_hp():
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


def part1_optim_hp():
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


part1_q1 = r"""
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

part1_q2 = r"""
**Your answer:**

We'd expect the FNR to be higher on the validation set. The model is trained on a mixture of two
rotations (10 and 50 degrees) and the validation samples come (because of the non-shuffled split)
mostly from the 50 degree rotated population. For this population the tips of the class-1 moon are
rotated into the region that the training data (dominated by the other population there) labels as
class 0, so more positive samples fall on the negative side of the boundary and are classified as
negatives. This is also what we saw in the confusion matrix.
"""

part1_q3 = r"""
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


part1_q4 = r"""
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
# Part 2 (CNN) answers


def part2_optim_hp():
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


part2_q1 = r"""
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
# Part 3 (CNN Experiments) answers


part3_q1 = r"""
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

part3_q2 = r"""
**Your answer:**

For a fixed depth, more filters per layer generally gave better train accuracy and mostly also better
test accuracy up to K=128; K=256 trained faster on the training set but overfit earlier (early
stopping triggered sooner). The effect of K is smaller than the effect of L in 1.1: changing the
width changes the capacity of each layer but not the difficulty of optimization, so all values of
K were trainable for L=2 and L=4, while for L=8 all of them were worse, just like in experiment 1.1
where depth was the limiting factor.
"""

part3_q3 = r"""
**Your answer:**

With K=[64, 128, 256] every L adds three conv layers, so L=1 is a 3 layer net and L=4 is 12 layers.
L=1 and L=2 trained well and gave the best test accuracy (increasing the number of filters along the
depth is a good pattern). L=3 was worse and L=4 didn't train at all, again because of depth: without
batch norm or skip connections the deep plain CNN suffers from vanishing gradients.
"""

part3_q4 = r"""
**Your answer:**

With the ResNet we could train much deeper networks: K=32 with L=8, 16 and 32 all trained, while the
plain CNN in 1.1 failed already at L=16. Similarly for K=[64,128,256], L=2,4,8 were trainable
while the CNN in 1.3 failed at L=4 (12 layers). The skip connections give the gradient a direct path
backwards, and the batchnorm/dropout in the blocks helped against overfitting. The test accuracy of
the deeper ResNets was similar or a bit higher than the best CNN configurations, so depth stopped
being a problem, although the very deep ones were slower and did not improve much over moderate
depth with our limited training budget.
"""

part3_q5 = r"""
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
