r"""
Use this module to write your answers to the questions in the notebook.

Note: Inside the answer strings you can use Markdown format and also LaTeX
math (delimited with $$).
"""

# ==============
# Part 2 (Optimization) answers


def part2_overfit_hp():
    wstd, lr, reg = 0.1, 0.05, 0.0
    return dict(wstd=wstd, lr=lr, reg=reg)


def part2_optim_hp():
    wstd, lr_vanilla, lr_momentum, lr_rmsprop, reg = 0.1, 0.02, 0.003, 2e-4, 1e-3
    return dict(wstd=wstd, lr_vanilla=lr_vanilla, lr_momentum=lr_momentum, lr_rmsprop=lr_rmsprop, reg=reg)


def part2_dropout_hp():
    wstd, lr = 0.1, 0.002
    return dict(wstd=wstd, lr=lr)


def part3_arch_hp():
    return dict(n_layers=3, hidden_dims=32, activation="relu", out_activation="none")


def part3_optim_hp():
    import torch.nn
    return dict(lr=0.05, weight_decay=1e-4, momentum=0.9, loss_fn=torch.nn.CrossEntropyLoss())


def part4_optim_hp():
    import torch.nn
    return dict(lr=0.05, weight_decay=0.0, momentum=0.9, loss_fn=torch.nn.CrossEntropyLoss())
