"""
Parts 3 and 5: the MLP depth/width experiment and the CNN architecture experiments
(runnable from the command line: ``python -m hw2.experiments run-exp ...``).
"""
import argparse
import json
import os
import random
import sys
from typing import Any, Dict, Optional, Tuple

import torch
import torchvision
from torch.utils.data import DataLoader, Dataset
from torchvision.datasets import CIFAR10

from cs236781.train_results import FitResult

from .classifier import ArgMaxClassifier, BinaryClassifier, select_roc_thresh
from .cnn import CNN, ResNet, YourCNN
from .mlp import MLP
from .training import ClassifierTrainer

DATA_DIR = os.path.expanduser("~/.pytorch-datasets")

MODEL_TYPES = {
    "cnn": CNN,
    "resnet": ResNet,
    "ycn": YourCNN,
}

# Hyperparameters of the MLP experiment (everything but depth and width). tanh rather
# than ReLU: with width 2, ReLU units often all die and the model stays at chance.
MLP_EXP_HP = dict(activation="tanh", lr=0.05, momentum=0.9, weight_decay=1e-4)

# Conv/pool parameters for the CNN experiments, unless given as keyword arguments.
CNN_EXP_CONV_PARAMS = dict(kernel_size=3, stride=1, padding=1)
CNN_EXP_POOLING_PARAMS = dict(kernel_size=2)


def mlp_experiment(
    depth: int,
    width: int,
    dl_train: DataLoader,
    dl_valid: DataLoader,
    dl_test: DataLoader,
    n_epochs: int,
) -> Tuple[BinaryClassifier, float, float, float]:
    """
    Trains a binary MLP classifier of the given depth (hidden layers) and width
    (features per hidden layer), selects its threshold on the validation set by ROC
    analysis and evaluates it on the test set.

    :return: (model, the selected threshold, validation accuracy of the last epoch,
        test accuracy with the selected threshold).
    """
    hp = MLP_EXP_HP
    model = BinaryClassifier(
        model=MLP(
            in_dim=2,
            dims=[*[width] * depth, 2],
            nonlins=[*[hp["activation"]] * depth, "none"],
        ),
        threshold=0.5,
    )
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(
        model.parameters(), lr=hp["lr"], momentum=hp["momentum"], weight_decay=hp["weight_decay"]
    )
    trainer = ClassifierTrainer(model, loss_fn, optimizer)

    fit_result = trainer.fit(dl_train, dl_valid, num_epochs=n_epochs, print_every=0)
    valid_acc = fit_result.test_acc[-1]

    thresh = select_roc_thresh(model, *dl_valid.dataset.tensors, plot=False)
    model.threshold = thresh
    test_acc = trainer.test_epoch(dl_test, verbose=False).accuracy

    return model, thresh, valid_acc, test_acc


def cnn_experiment(
    run_name,
    out_dir="./results",
    seed=None,
    device=None,
    # Training params
    bs_train=128,
    bs_test=None,
    batches=100,
    epochs=100,
    early_stopping=3,
    checkpoints=None,
    lr=1e-3,
    reg=1e-3,
    # Model params
    filters_per_layer=[64],
    layers_per_block=2,
    pool_every=2,
    hidden_dims=[1024],
    model_type="cnn",
    # You can add extra configuration for your experiments here
    **kw,
):
    """
    Executes a single run of a Part3 experiment with a single configuration.

    These parameters are populated by the CLI parser below.
    See the help string of each parameter for it's meaning.

    Extra keyword arguments (recorded in the config under 'kw'):
    - conv_params, pooling_params, activation_type, activation_params,
      pooling_type, batchnorm, dropout, bottleneck: passed to the model.
    - print_every: passed to Trainer.fit.
    - ds_train, ds_test: datasets to use instead of CIFAR-10 (not recorded), so the
      experiment can run without downloading anything.
    """
    # Datasets are not configuration: keep them out of the recorded config.
    datasets: Dict[str, Optional[Dataset]] = {
        name: kw.pop(name, None) for name in ("ds_train", "ds_test")
    }
    if not seed:
        seed = random.randint(0, 2**31)
    torch.manual_seed(seed)
    if not bs_test:
        bs_test = max([bs_train // 4, 1])
    cfg = {k: v for k, v in locals().items() if k != "datasets"}
    if cfg["device"] is not None:
        cfg["device"] = str(cfg["device"])  # JSON-serializable

    tf = torchvision.transforms.ToTensor()
    ds_train = datasets["ds_train"]
    ds_test = datasets["ds_test"]
    if ds_train is None:
        ds_train = CIFAR10(root=DATA_DIR, download=True, train=True, transform=tf)
    if ds_test is None:
        ds_test = CIFAR10(root=DATA_DIR, download=True, train=False, transform=tf)

    if not device:
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    # Select model class
    if model_type not in MODEL_TYPES:
        raise ValueError(f"Unknown model type: {model_type}")
    model_cls = MODEL_TYPES[model_type]

    # K=[k1, k2] with L=2 means conv channels [k1, k1, k2, k2].
    channels = [k for k in filters_per_layer for _ in range(layers_per_block)]
    x0, _ = ds_train[0]
    in_size = tuple(x0.shape)
    num_classes = 10

    model_kw: Dict[str, Any] = dict(
        conv_params=kw.get("conv_params", CNN_EXP_CONV_PARAMS),
        pooling_params=kw.get("pooling_params", CNN_EXP_POOLING_PARAMS),
    )
    for name in ("activation_type", "activation_params", "pooling_type"):
        if name in kw:
            model_kw[name] = kw[name]
    if model_type in ("resnet", "ycn"):
        for name in ("batchnorm", "dropout"):
            if name in kw:
                model_kw[name] = kw[name]
    if model_type == "resnet" and "bottleneck" in kw:
        model_kw["bottleneck"] = kw["bottleneck"]

    model = ArgMaxClassifier(
        model=model_cls(
            in_size,
            num_classes,
            channels=channels,
            pool_every=pool_every,
            hidden_dims=list(hidden_dims),
            **model_kw,
        )
    ).to(device)

    dl_train = DataLoader(ds_train, batch_size=bs_train, shuffle=True)
    dl_test = DataLoader(ds_test, batch_size=bs_test, shuffle=False)

    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=reg)
    trainer = ClassifierTrainer(model, loss_fn, optimizer, device)

    fit_res = trainer.fit(
        dl_train,
        dl_test,
        num_epochs=epochs,
        checkpoints=checkpoints,
        early_stopping=early_stopping,
        print_every=kw.get("print_every", 1),
        max_batches=batches,
    )

    save_experiment(run_name, out_dir, cfg, fit_res)


def save_experiment(run_name: str, out_dir: str, cfg: Dict, fit_res: FitResult) -> str:
    """Writes {out_dir}/{run_name}_L{L}_K{K1-K2-...}.json; returns its path."""
    output = dict(config=cfg, results=fit_res._asdict())

    cfg_LK = (
        f'L{cfg["layers_per_block"]}_K'
        f'{"-".join(map(str, cfg["filters_per_layer"]))}'
    )
    output_filename = f"{os.path.join(out_dir, run_name)}_{cfg_LK}.json"
    os.makedirs(out_dir, exist_ok=True)
    with open(output_filename, "w") as f:
        json.dump(output, f, indent=2)

    print(f"*** Output file {output_filename} written")
    return output_filename


def load_experiment(filename: str) -> Tuple[Dict, FitResult]:
    with open(filename, "r") as f:
        output = json.load(f)

    config = output["config"]
    fit_res = FitResult(**output["results"])

    return config, fit_res


def parse_cli():
    p = argparse.ArgumentParser(description="CS236781 HW2 Experiments")
    sp = p.add_subparsers(help="Sub-commands")

    # Experiment config
    sp_exp = sp.add_parser(
        "run-exp", help="Run experiment with a single " "configuration"
    )
    sp_exp.set_defaults(subcmd_fn=cnn_experiment)
    sp_exp.add_argument(
        "--run-name", "-n", type=str, help="Name of run and output file", required=True
    )
    sp_exp.add_argument(
        "--out-dir",
        "-o",
        type=str,
        help="Output folder",
        default="./results",
        required=False,
    )
    sp_exp.add_argument(
        "--seed", "-s", type=int, help="Random seed", default=None, required=False
    )
    sp_exp.add_argument(
        "--device",
        "-d",
        type=str,
        help="Device (default is autodetect)",
        default=None,
        required=False,
    )

    # # Training
    sp_exp.add_argument(
        "--bs-train",
        type=int,
        help="Train batch size",
        default=128,
        metavar="BATCH_SIZE",
    )
    sp_exp.add_argument(
        "--bs-test", type=int, help="Test batch size", metavar="BATCH_SIZE"
    )
    sp_exp.add_argument(
        "--batches", type=int, help="Number of batches per epoch", default=100
    )
    sp_exp.add_argument(
        "--epochs", type=int, help="Maximal number of epochs", default=100
    )
    sp_exp.add_argument(
        "--early-stopping",
        type=int,
        help="Stop after this many epochs without " "improvement",
        default=3,
    )
    sp_exp.add_argument(
        "--checkpoints",
        type=str,
        help="Save model checkpoints to this file when test " "accuracy improves",
        default=None,
    )
    sp_exp.add_argument("--lr", type=float, help="Learning rate", default=1e-3)
    sp_exp.add_argument("--reg", type=float, help="L2 regularization", default=1e-3)

    # # Model
    sp_exp.add_argument(
        "--filters-per-layer",
        "-K",
        type=int,
        nargs="+",
        help="Number of filters per conv layer in a block",
        metavar="K",
        required=True,
    )
    sp_exp.add_argument(
        "--layers-per-block",
        "-L",
        type=int,
        metavar="L",
        help="Number of layers in each block",
        required=True,
    )
    sp_exp.add_argument(
        "--pool-every",
        "-P",
        type=int,
        metavar="P",
        help="Pool after this number of conv layers",
        required=True,
    )
    sp_exp.add_argument(
        "--hidden-dims",
        "-H",
        type=int,
        nargs="+",
        help="Output size of hidden linear layers",
        metavar="H",
        required=True,
    )
    sp_exp.add_argument(
        "--model-type",
        "-M",
        choices=MODEL_TYPES.keys(),
        default="cnn",
        help="Which model instance to create",
    )

    parsed = p.parse_args()

    if "subcmd_fn" not in parsed:
        p.print_help()
        sys.exit()
    return parsed


if __name__ == "__main__":
    parsed_args = parse_cli()
    subcmd_fn = parsed_args.subcmd_fn
    del parsed_args.subcmd_fn
    print(f"*** Starting {subcmd_fn.__name__} with config:\n{parsed_args}")
    subcmd_fn(**vars(parsed_args))
