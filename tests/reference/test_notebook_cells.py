"""
Every assertion-bearing notebook cell of CS236781 HW2 (Parts 1-5), run against the answer key.

The cells are copied from the solved notebook with as few changes as possible ("In[n]" names
the cell); the changes: inputs are seeded, CIFAR-10 is replaced by FakeData (conftest), the
notebook's paths 'tests/assets/...' become tests/assets/course/, and output goes to tmp dirs.
A few extra tests pin properties of the answer key that the grader relies on.
"""
from itertools import product

import numpy as np
import pytest
import torch
import torch.nn as nn

from .conftest import COURSE_ASSETS, SEED

import hw2.answers as answers
import hw2.layers as layers
import hw2.optimizers as optimizers
import hw2.training as training
from cs236781.answers import display_answer
from cs236781.plot import plot_fit
from cs236781.train_results import EpochResult, FitResult
from hw2.classifier import (
    ArgMaxClassifier,
    BinaryClassifier,
    plot_decision_boundary_2d,
    select_roc_thresh,
)
from hw2.cnn import CNN, ResidualBlock, ResidualBottleneckBlock, ResNet, YourCNN
from hw2.experiments import cnn_experiment, load_experiment, mlp_experiment
from hw2.grad_compare import compare_layer_to_torch
from hw2.mlp import MLP
from hw2.training import ClassifierTrainer

N = 100
IN_FEATURES = 200
NUM_CLASSES = 10
EPS = 1e-6


def test_block_grad(block, x, y=None, delta=1e-3):
    """The notebook's helper (In[4]): every gradient diff below delta."""
    diffs = compare_layer_to_torch(block, x, y)
    for diff in diffs:
        assert diff < delta
    return diffs


test_block_grad.__test__ = False  # a helper named like a test, not one


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(SEED)


def test_hw2_is_the_reference() -> None:
    import cs236781
    import hw2

    assert "reference" in hw2.__file__.replace("\\", "/").split("/")
    assert "courseware" in cs236781.__file__.replace("\\", "/").split("/")


# ============================================================================
# Part 1: Backpropagation


class TestPart1Layers:
    def test_leaky_relu(self, test):  # In[6]
        alpha = 0.1
        lrelu = layers.LeakyReLU(alpha=alpha)
        x_test = torch.randn(N, IN_FEATURES)

        z = lrelu(x_test)
        test.assertSequenceEqual(z.shape, x_test.shape)
        test.assertTrue(torch.allclose(z, torch.nn.LeakyReLU(alpha)(x_test), atol=EPS))

        test_block_grad(lrelu, x_test)

    def test_relu(self, test):  # In[7]
        relu = layers.ReLU()
        x_test = torch.randn(N, IN_FEATURES)

        z = relu(x_test)
        test.assertSequenceEqual(z.shape, x_test.shape)
        test.assertTrue(torch.allclose(z, torch.relu(x_test), atol=EPS))

        test_block_grad(relu, x_test)

    def test_sigmoid(self, test):  # In[8]
        sigmoid = layers.Sigmoid()
        x_test = torch.randn(N, IN_FEATURES, IN_FEATURES)  # 3D input should work

        z = sigmoid(x_test)
        test.assertSequenceEqual(z.shape, x_test.shape)
        test.assertTrue(torch.allclose(z, torch.sigmoid(x_test), atol=EPS))

        test_block_grad(sigmoid, x_test)

    def test_tanh(self, test):  # In[9]
        tanh = layers.TanH()
        x_test = torch.randn(N, IN_FEATURES, IN_FEATURES)  # 3D input should work

        z = tanh(x_test)
        test.assertSequenceEqual(z.shape, x_test.shape)
        test.assertTrue(torch.allclose(z, torch.tanh(x_test), atol=EPS))

        test_block_grad(tanh, x_test)

    def test_linear(self, test):  # In[10]
        out_features = 1000
        fc = layers.Linear(IN_FEATURES, out_features)
        x_test = torch.randn(N, IN_FEATURES)

        z = fc(x_test)
        test.assertSequenceEqual(z.shape, [N, out_features])
        torch_fc = torch.nn.Linear(IN_FEATURES, out_features, bias=True)
        torch_fc.weight = torch.nn.Parameter(fc.w)
        torch_fc.bias = torch.nn.Parameter(fc.b)
        test.assertTrue(torch.allclose(torch_fc(x_test), z, atol=EPS))

        test_block_grad(fc, x_test)

        # Test second backward pass (gradients must accumulate, like autograd's)
        x_test = torch.randn(N, IN_FEATURES)
        z = fc(x_test)
        z = fc(x_test)
        test_block_grad(fc, x_test)

    def test_cross_entropy(self, test):  # In[11]
        cross_entropy = layers.CrossEntropyLoss()
        scores = torch.randn(N, NUM_CLASSES)
        labels = torch.randint(low=0, high=NUM_CLASSES, size=(N,), dtype=torch.long)

        loss = cross_entropy(scores, labels)
        expected_loss = torch.nn.functional.cross_entropy(scores, labels)
        test.assertLess(torch.abs(expected_loss - loss).item(), 1e-5)

        test_block_grad(cross_entropy, scores, y=labels)

    def test_sequential(self, test):  # In[12]
        seq = layers.Sequential(
            layers.Linear(IN_FEATURES, 100),
            layers.Linear(100, 200),
            layers.Linear(200, 100),
            layers.ReLU(),
            layers.Linear(100, 500),
            layers.LeakyReLU(alpha=0.01),
            layers.Linear(500, 200),
            layers.ReLU(),
            layers.Linear(200, 500),
            layers.LeakyReLU(alpha=0.1),
            layers.Linear(500, 1),
            layers.Sigmoid(),
        )
        x_test = torch.randn(N, IN_FEATURES)

        z = seq(x_test)
        test.assertSequenceEqual(z.shape, [N, 1])

        diffs = test_block_grad(seq, x_test)
        assert len(diffs) == 1 + 14  # input + (w, b) of 7 Linear layers

    def test_mlp_repr(self):  # In[13]
        mlp = layers.MLP(IN_FEATURES, NUM_CLASSES, hidden_features=[100, 50, 100])
        assert str(mlp) == (
            "MLP, Sequential\n"
            "\t[0] Linear(200, 100)\n"
            "\t[1] ReLU\n"
            "\t[2] Linear(100, 50)\n"
            "\t[3] ReLU\n"
            "\t[4] Linear(50, 100)\n"
            "\t[5] ReLU\n"
            "\t[6] Linear(100, 10)\n"
        )

    @pytest.mark.parametrize("activation", ["relu", "sigmoid"])
    def test_mlp_architecture_and_gradients(self, test, activation):  # In[14]
        n, in_features, num_classes = 100, 10, 10
        mlp = layers.MLP(in_features, num_classes, hidden_features=[100, 50, 100], activation=activation)
        test.assertEqual(len(mlp.sequence), 7)

        num_linear = 0
        for b1, b2 in zip(mlp.sequence, mlp.sequence[1:]):
            if str(b2).lower() == activation:
                test.assertTrue(str(b1).startswith("Linear"))
                num_linear += 1

        test.assertTrue(str(mlp.sequence[-1]).startswith("Linear"))
        test.assertEqual(num_linear, 3)

        x_test = torch.randn(n, in_features)
        labels = torch.randint(low=0, high=num_classes, size=(n,), dtype=torch.long)
        z = mlp(x_test)
        test.assertSequenceEqual(z.shape, [n, num_classes])

        seq_mlp = layers.Sequential(mlp, layers.CrossEntropyLoss())
        loss = seq_mlp(x_test, y=labels)
        test.assertEqual(loss.dim(), 0)

        test_block_grad(seq_mlp, x_test, y=labels)

    def test_part1_answers_display(self, capsys):  # In[15]-[17]
        for name in ("part1_q1", "part1_q2"):
            text = getattr(answers, name)
            assert isinstance(text, str) and len(text.strip()) > 100
            display_answer(text)


class TestPart1ReferenceProperties:
    """Properties of the answer key that the grader's comparisons rely on."""

    def test_linear_init_and_accumulation(self):
        fc = layers.Linear(300, 400, wstd=0.5)
        assert fc.w.shape == (400, 300) and fc.b.shape == (400,)
        assert torch.count_nonzero(fc.b) == 0
        assert abs(fc.w.std().item() - 0.5) < 0.01

        x, dout = torch.randn(8, 300), torch.randn(8, 400)
        fc(x)
        fc.backward(dout)
        fc.backward(dout)  # accumulates
        torch.testing.assert_close(fc.dw, 2 * dout.T @ x)
        torch.testing.assert_close(fc.db, 2 * dout.sum(0))

    def test_cross_entropy_is_stable_for_huge_scores(self):
        scores = torch.randn(N, NUM_CLASSES) * 1e4
        labels = torch.randint(0, NUM_CLASSES, (N,))
        ce = layers.CrossEntropyLoss()
        loss = ce(scores, labels)
        expected = torch.nn.functional.cross_entropy(scores, labels)
        assert torch.isfinite(loss) and abs(loss.item() - expected.item()) < 1e-3 * expected.item()
        dx = ce.backward()
        assert torch.isfinite(dx).all()

    def test_dropout_is_inverted_and_identity_in_eval(self):
        x = torch.randn(200, 300)
        d = layers.Dropout(p=0.3)

        torch.manual_seed(0)
        z = d(x)
        torch.manual_seed(0)
        torch.testing.assert_close(z, torch.nn.functional.dropout(x, 0.3, training=True))
        kept = z != 0
        torch.testing.assert_close(z[kept], x[kept] / 0.7)
        assert abs(kept.float().mean().item() - 0.7) < 0.01

        d.train(False)
        assert torch.equal(d(x), x)
        assert torch.equal(d.backward(x), x)

    def test_layer_reprs(self):
        assert repr(layers.ReLU()) == "ReLU"
        assert repr(layers.Sigmoid()) == "Sigmoid"
        assert repr(layers.TanH()) == "TanH"
        assert repr(layers.LeakyReLU(0.01)) == "LeakyReLU(0.01)"
        assert repr(layers.Dropout(p=0.6)) == "Dropout(p=0.6)"
        assert repr(layers.Linear(200, 100)) == "Linear(200, 100)"


# ============================================================================
# Part 2: Optimization and Training


class TestPart2Optimizers:
    def test_vanilla_sgd(self, test):  # In[4]
        torch.manual_seed(42)
        p = torch.randn(500, 10)
        dp = torch.randn(*p.shape) * 2
        params = [(p, dp)]

        vsgd = optimizers.VanillaSGD(params, learn_rate=0.5, reg=0.1)
        vsgd.step()

        expected_p = torch.load(COURSE_ASSETS / "expected_vsgd.pt", weights_only=False)
        diff = torch.norm(p - expected_p).item()
        test.assertLess(diff, 1e-3)

    def test_momentum_sgd_matches_torch_sgd(self):
        # v <- mu v - lr g ; p <- p + v  equals torch's SGD (dampening 0): b <- mu b + g ; p <- p - lr b
        p0 = torch.randn(50, 20)
        ours, theirs = p0.clone(), nn.Parameter(p0.clone())
        grad = torch.zeros_like(p0)
        opt = optimizers.MomentumSGD([(ours, grad)], learn_rate=0.1, reg=0.01, momentum=0.9)
        torch_opt = torch.optim.SGD([theirs], lr=0.1, momentum=0.9, weight_decay=0.01)
        for _ in range(5):
            g = torch.randn(50, 20)
            opt.zero_grad()
            grad += g
            opt.step()
            torch_opt.zero_grad()
            theirs.grad = g.clone()
            torch_opt.step()
        torch.testing.assert_close(ours, theirs.detach(), rtol=1e-5, atol=1e-6)

    def test_rmsprop_update_rule(self):
        p = torch.randn(30, 5)
        grad = torch.zeros_like(p)
        opt = optimizers.RMSProp([(p, grad)], learn_rate=0.01, reg=0.1, decay=0.9, eps=1e-8)
        want, r = p.clone(), torch.zeros_like(p)
        for _ in range(3):
            g = torch.randn(30, 5)
            opt.zero_grad()
            grad += g
            opt.step()
            full_grad = g + 0.1 * want
            r = 0.9 * r + 0.1 * full_grad**2
            want = want - 0.01 / torch.sqrt(r + 1e-8) * full_grad
        torch.testing.assert_close(p, want)

    def test_tensor_params_and_zero_grad(self):
        w = nn.Parameter(torch.ones(3))
        (w * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
        opt = optimizers.VanillaSGD([w], learn_rate=0.5)
        opt.step()
        torch.testing.assert_close(w.detach(), torch.tensor([0.5, 0.0, -0.5]))
        opt.zero_grad()
        assert torch.count_nonzero(w.grad) == 0


class TestPart2Training:
    def test_overfit_small_dataset(self, test, ds_train):  # In[7]
        batch_size = 10
        max_batches = 2
        dl_train = torch.utils.data.DataLoader(ds_train, batch_size, shuffle=False)

        hp = answers.part2_overfit_hp()

        torch.manual_seed(SEED)

        model = layers.MLP(3 * 32 * 32, num_classes=10, hidden_features=[128] * 3, wstd=hp["wstd"])
        loss_fn = layers.CrossEntropyLoss()
        optimizer = optimizers.VanillaSGD(model.params(), learn_rate=hp["lr"], reg=hp["reg"])

        trainer = training.LayerTrainer(model, loss_fn, optimizer)
        best_acc = 0
        for i in range(20):
            res = trainer.train_epoch(dl_train, max_batches=max_batches, verbose=False)
            best_acc = res.accuracy if res.accuracy > best_acc else best_acc

        test.assertGreaterEqual(best_acc, 98)

    @pytest.mark.parametrize(
        "opt_name, opt_class",
        [
            ("vanilla", optimizers.VanillaSGD),
            ("momentum", optimizers.MomentumSGD),
            ("rmsprop", optimizers.RMSProp),
        ],
    )
    def test_train_with_optimizer(self, ds_train, ds_test, opt_name, opt_class):  # In[9]-[13]
        # The notebook's cell on a smaller budget: 3 epochs of 10 batches (not 10 x 100).
        batch_size, max_batches, num_epochs = 50, 10, 3
        in_features, num_classes = 3 * 32 * 32, 10
        dl_train = torch.utils.data.DataLoader(ds_train, batch_size, shuffle=False)
        dl_test = torch.utils.data.DataLoader(ds_test, batch_size // 2, shuffle=False)

        torch.manual_seed(SEED)
        hp = answers.part2_optim_hp()
        model = layers.MLP(in_features, num_classes, [128] * 5, wstd=hp["wstd"])
        loss_fn = layers.CrossEntropyLoss()
        optimizer = opt_class(model.params(), learn_rate=hp[f"lr_{opt_name}"], reg=hp["reg"])

        trainer = training.LayerTrainer(model, loss_fn, optimizer)
        fit_res = trainer.fit(dl_train, dl_test, num_epochs, max_batches=max_batches)

        assert isinstance(fit_res, FitResult)
        assert fit_res.num_epochs == num_epochs
        for values in fit_res[1:]:
            assert len(values) == num_epochs
            assert all(np.isfinite(values))
        # Memorizing random images: the training loss goes down.
        assert fit_res.train_loss[-1] < fit_res.train_loss[0]

        fig, axes = plot_fit(fit_res, fig=None, legend=opt_name)
        assert len(axes) == 4

    def test_mlp_dropout_architecture(self, test, capsys):  # In[14]
        in_features, num_classes = 3 * 32 * 32, 10
        mlp_dropout = layers.MLP(in_features, num_classes, [50] * 3, dropout=0.6)
        print(mlp_dropout)
        test.assertEqual(len(mlp_dropout.sequence), 10)
        for b1, b2 in zip(mlp_dropout.sequence, mlp_dropout.sequence[1:]):
            if str(b1).lower() == "relu":
                test.assertTrue(str(b2).startswith("Dropout"))
        test.assertTrue(str(mlp_dropout.sequence[-1]).startswith("Linear"))
        assert capsys.readouterr().out.startswith(
            "MLP, Sequential\n\t[0] Linear(3072, 50)\n\t[1] ReLU\n\t[2] Dropout(p=0.6)\n"
        )

    def test_mlp_dropout_gradients(self, test):  # In[15]
        in_features, num_classes = 3 * 32 * 32, 10
        mlp_dropout = layers.MLP(in_features, num_classes, [50] * 3, dropout=0.6)

        mlp_dropout.train(True)
        for diff in compare_layer_to_torch(mlp_dropout, torch.randn(500, in_features)):
            test.assertLess(diff, 1e-3)

        mlp_dropout.train(False)
        for diff in compare_layer_to_torch(mlp_dropout, torch.randn(500, in_features)):
            test.assertLess(diff, 1e-3)

    def test_dropout_experiment_runs(self, ds_train, ds_test):  # In[16]-[18]
        # The notebook's cell on a smaller budget: 2 epochs of 5 batches (not 30 x 40).
        batch_size, max_batches, num_epochs = 10, 5, 2
        in_features, num_classes = 3 * 32 * 32, 10
        dl_train = torch.utils.data.DataLoader(ds_train, batch_size, shuffle=False)
        dl_test = torch.utils.data.DataLoader(ds_test, batch_size * 2, shuffle=False)
        hp = answers.part2_dropout_hp()

        torch.manual_seed(SEED)
        fig = None
        for dropout in [0, 0.4, 0.8]:
            model = layers.MLP(in_features, num_classes, [400], wstd=hp["wstd"], dropout=dropout)
            loss_fn = layers.CrossEntropyLoss()
            optimizer = optimizers.MomentumSGD(model.params(), learn_rate=hp["lr"], reg=0)
            trainer = training.LayerTrainer(model, loss_fn, optimizer)
            fit_res = trainer.fit(dl_train, dl_test, num_epochs, max_batches=max_batches, print_every=6)
            assert fit_res.num_epochs == num_epochs
            fig, axes = plot_fit(fit_res, fig=fig, legend=f"dropout={dropout}", log_loss=True)

    def test_part2_answers(self):  # In[19]-[22]
        for name in ("part2_q1", "part2_q2", "part2_q3"):
            text = getattr(answers, name)
            assert isinstance(text, str) and len(text.strip()) > 100
        assert set(answers.part2_optim_hp()) == {"wstd", "lr_vanilla", "lr_momentum", "lr_rmsprop", "reg"}
        assert set(answers.part2_overfit_hp()) == {"wstd", "lr", "reg"}
        assert set(answers.part2_dropout_hp()) == {"wstd", "lr"}


class TestTrainerMechanics:
    """fit's early stopping, checkpoints and verbosity (the notebook exercises them only on GPU runs)."""

    @staticmethod
    def _trainer(lr: float):
        model = ArgMaxClassifier(MLP(in_dim=4, dims=[8, 3], nonlins=["relu", "none"]))
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        return ClassifierTrainer(model, nn.CrossEntropyLoss(), optimizer)

    @staticmethod
    def _loaders():
        x, y = torch.randn(64, 4), torch.randint(0, 3, (64,))
        ds = torch.utils.data.TensorDataset(x, y)
        return torch.utils.data.DataLoader(ds, 16), torch.utils.data.DataLoader(ds, 16)

    def test_early_stopping_on_test_loss(self):
        dl_train, dl_test = self._loaders()
        # lr=0: the test loss never improves after the first epoch.
        fit_res = self._trainer(lr=0.0).fit(dl_train, dl_test, num_epochs=20, early_stopping=3, print_every=0)
        assert fit_res.num_epochs == 4
        assert len(fit_res.train_loss) == len(fit_res.test_acc) == 4

    def test_checkpoints_and_quiet_output(self, tmp_path, capsys):
        dl_train, dl_test = self._loaders()
        checkpoint = tmp_path / "ckpt" / "model"
        fit_res = self._trainer(lr=0.1).fit(
            dl_train, dl_test, num_epochs=3, checkpoints=str(checkpoint), print_every=0
        )
        assert fit_res.num_epochs == 3
        assert (tmp_path / "ckpt" / "model.pt").is_file()
        assert capsys.readouterr().out == ""

    def test_epoch_result_and_max_batches(self):
        dl_train, _ = self._loaders()
        res = self._trainer(lr=0.1).train_epoch(dl_train, max_batches=2, verbose=False)
        assert isinstance(res, EpochResult)
        assert len(res.losses) == 2 and all(isinstance(v, float) for v in res.losses)
        assert 0 <= res.accuracy <= 100


# ============================================================================
# Part 3: Binary Classification with Multilayer Perceptrons


@pytest.fixture(scope="module")
def trained_binary_classifier(moons):
    """In[42]: the first binary classifier, trained on the moons (and its FitResult)."""
    dl_train, dl_valid, _ = moons
    torch.manual_seed(SEED)

    hp_arch = answers.part3_arch_hp()
    hp_optim = answers.part3_optim_hp()

    model = BinaryClassifier(
        model=MLP(
            in_dim=2,
            dims=[*[hp_arch["hidden_dims"]] * hp_arch["n_layers"], 2],
            nonlins=[*[hp_arch["activation"]] * hp_arch["n_layers"], hp_arch["out_activation"]],
        ),
        threshold=0.5,
    )

    loss_fn = hp_optim.pop("loss_fn")
    optimizer = torch.optim.SGD(params=model.parameters(), **hp_optim)
    trainer = ClassifierTrainer(model, loss_fn, optimizer)

    fit_result = trainer.fit(dl_train, dl_valid, num_epochs=20, print_every=10)
    return model, fit_result


class TestPart3:
    def test_data(self, moons):  # In[36]-[38]
        assert [len(dl.dataset) for dl in moons] == [5333, 2667, 2000]

    def test_mlp(self, test, moons):  # In[39]-[40]
        mlp = MLP(in_dim=2, dims=[8, 16, 32, 64], nonlins=["relu", "tanh", nn.LeakyReLU(0.314), "softmax"])
        assert [type(m) for m in mlp.seq] == [
            nn.Linear, nn.ReLU, nn.Linear, nn.Tanh, nn.Linear, nn.LeakyReLU, nn.Linear, nn.Softmax,
        ]
        assert mlp.in_dim == 2 and mlp.out_dim == 64

        x0, y0 = next(iter(moons[0]))
        yhat0 = mlp(x0)

        test.assertEqual(len([*mlp.parameters()]), 8)
        test.assertEqual(yhat0.shape, (32, mlp.out_dim))
        test.assertTrue(torch.allclose(torch.sum(yhat0, dim=1), torch.tensor(1.0)))
        test.assertIsNotNone(yhat0.grad_fn)

    def test_binary_classifier(self, test, moons):  # In[41]
        batch_size = 32
        x0, _ = next(iter(moons[0]))
        bmlp4 = BinaryClassifier(
            model=MLP(in_dim=2, dims=[*[10] * 3, 2], nonlins=[*["relu"] * 3, "none"]),
            threshold=0.5,
        )
        print(bmlp4)

        test.assertEqual(len([*bmlp4.parameters()]), 8)
        test.assertIsNotNone(bmlp4(x0).grad_fn)

        yhat0_scores = bmlp4(x0)
        test.assertEqual(yhat0_scores.shape, (batch_size, 2))
        test.assertFalse(torch.allclose(torch.sum(yhat0_scores, dim=1), torch.tensor(1.0)))

        yhat0_proba = bmlp4.predict_proba(x0)
        test.assertEqual(yhat0_proba.shape, (batch_size, 2))
        test.assertTrue(torch.allclose(torch.sum(yhat0_proba, dim=1), torch.tensor(1.0)))

        yhat0 = bmlp4.classify(x0)
        test.assertEqual(yhat0.shape, (batch_size,))
        test.assertEqual(yhat0.dtype, torch.int)
        test.assertTrue(all(yh_ in (0, 1) for yh_ in yhat0))

    def test_classifier_trainer(self, test, trained_binary_classifier):  # In[42]-[43]
        _, fit_result = trained_binary_classifier
        test.assertGreaterEqual(fit_result.train_acc[-1], 85.0)
        test.assertGreaterEqual(fit_result.test_acc[-1], 75.0)
        assert fit_result.num_epochs == 20
        plot_fit(fit_result, log_loss=False, train_test_overlay=True)

    def test_decision_boundary(self, moons, trained_binary_classifier):  # In[44]
        import matplotlib.pyplot as plt

        model, _ = trained_binary_classifier
        fig, ax = plot_decision_boundary_2d(model, *moons[1].dataset.tensors)
        assert isinstance(fig, plt.Figure) and isinstance(ax, plt.Axes)
        assert ax.get_xlabel() == "x1"

        # ax= given: draws on it and returns its figure
        fig2, axes2 = plt.subplots(1, 2)
        fig3, ax3 = plot_decision_boundary_2d(model, *moons[2].dataset.tensors, ax=axes2[1])
        assert fig3 is fig2 and ax3 is axes2[1]

    def test_threshold_selection(self, moons, trained_binary_classifier):  # In[45]-[47]
        from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix, roc_curve

        model, _ = trained_binary_classifier
        x_valid, y_valid = moons[1].dataset.tensors

        def plot_confusion(classifier, x, y, ax=None):
            y_hat = classifier.classify(x).numpy()
            conf_mat = confusion_matrix(y, y_hat, normalize="all")
            ConfusionMatrixDisplay(conf_mat).plot(ax=ax, colorbar=False)

        model.threshold = 0.5
        plot_confusion(model, x_valid, y_valid)

        optimal_thresh = select_roc_thresh(model, x_valid, y_valid, plot=True)
        assert isinstance(optimal_thresh, float) and 0 <= optimal_thresh <= 1

        # It is the ROC point closest to (0, 1).
        with torch.no_grad():
            proba = model.predict_proba(x_valid)[:, 1].numpy()
        fpr, tpr, thresh = roc_curve(y_valid.numpy(), proba)
        best = np.argmin(fpr**2 + (1 - tpr) ** 2)
        assert optimal_thresh == pytest.approx(thresh[best])

        try:
            model.threshold = optimal_thresh
            plot_confusion(model, x_valid, y_valid)
            plot_decision_boundary_2d(model, x_valid, y_valid)
        finally:
            model.threshold = 0.5

    @pytest.mark.slow
    def test_mlp_architecture_experiment(self, test, moons):  # In[48]
        import matplotlib.pyplot as plt

        dl_train, dl_valid, dl_test = moons
        torch.manual_seed(SEED)

        depths = [1, 2, 4]
        widths = [2, 8, 32, 128]
        exp_configs = product(enumerate(widths), enumerate(depths))
        fig, axes = plt.subplots(len(widths), len(depths), squeeze=False)
        test_accs = []

        for (i, width), (j, depth) in exp_configs:
            model, thresh, valid_acc, test_acc = mlp_experiment(
                depth, width, dl_train, dl_valid, dl_test, n_epochs=10
            )
            test_accs.append(test_acc)
            fig, ax = plot_decision_boundary_2d(model, *dl_test.dataset.tensors, dx=0.2, ax=axes[i, j])
            ax.set_title(f"{depth}, {width}")
            ax.text(ax.get_xlim()[0] * 0.95, ax.get_ylim()[1] * 0.95,
                    f"{thresh:.2f}\n{valid_acc:.1f}%\n{test_acc:.1f}%", va="top")

        test.assertGreaterEqual(np.min(test_accs), 75.0)
        test.assertGreaterEqual(np.quantile(test_accs, 0.75), 85.0)

    def test_part3_answers(self):  # In[49]-[53]
        for name in ("part3_q1", "part3_q2", "part3_q3", "part3_q4"):
            text = getattr(answers, name)
            assert isinstance(text, str) and len(text.strip()) > 100
        assert set(answers.part3_arch_hp()) == {"n_layers", "hidden_dims", "activation", "out_activation"}
        hp = answers.part3_optim_hp()
        assert callable(hp.pop("loss_fn"))
        assert set(hp) == {"lr", "weight_decay", "momentum"}


# ============================================================================
# Part 4: Convolutional Neural Networks

RESNET_TEST_PARAMS = [
    dict(
        in_size=(3, 100, 100), out_classes=10, channels=[32, 64] * 3,
        pool_every=4, hidden_dims=[100] * 2,
        activation_type="lrelu", activation_params=dict(negative_slope=0.01),
        pooling_type="avg", pooling_params=dict(kernel_size=2),
        batchnorm=True, dropout=0.1,
        bottleneck=False,
    ),
    dict(
        # create 64->16->64 bottlenecks
        in_size=(3, 100, 100), out_classes=5, channels=[64, 16, 64] * 4,
        pool_every=3, hidden_dims=[64] * 1,
        activation_type="tanh",
        pooling_type="max", pooling_params=dict(kernel_size=2),
        batchnorm=True, dropout=0.1,
        bottleneck=True,
    ),
]


def _conv_summary(seq: nn.Sequential):
    """(type name, in, out, kernel) of every conv, or the type name of other layers."""
    out = []
    for m in seq:
        if isinstance(m, nn.Conv2d):
            out.append(("Conv2d", m.in_channels, m.out_channels, m.kernel_size[0], m.bias is not None))
        else:
            out.append(type(m).__name__)
    return out


class TestPart4:
    def test_cnn_expected_outputs(self, test):  # In[3]
        from .test_course_assets import CNN_TEST_PARAMS

        for i, params in enumerate(CNN_TEST_PARAMS):
            torch.manual_seed(SEED)
            net = CNN(**params)

            torch.manual_seed(SEED)
            test_out = net(torch.ones(1, 3, 100, 100))

            expected_out = torch.load(COURSE_ASSETS / f"expected_conv_out_{i:02d}.pt")
            test.assertTrue(torch.allclose(test_out, expected_out, atol=1e-3))

    def test_cnn_feature_extractor_layout(self):
        from .test_course_assets import CNN_TEST_PARAMS

        net = CNN(**CNN_TEST_PARAMS[2])  # 5 convs, pool every 3: no pool after the last 2
        assert [type(m).__name__ for m in net.feature_extractor] == [
            "Conv2d", "LeakyReLU", "Conv2d", "LeakyReLU", "Conv2d", "LeakyReLU", "MaxPool2d",
            "Conv2d", "LeakyReLU", "Conv2d", "LeakyReLU",
        ]
        assert net.mlp.seq[0].in_features == 400

    def test_n_features_keeps_rng_state(self):
        state = torch.get_rng_state()
        net = ResNet(**RESNET_TEST_PARAMS[0])
        net._n_features()
        torch.manual_seed(SEED)
        a = torch.rand(3)
        torch.set_rng_state(state)
        torch.manual_seed(SEED)
        assert torch.equal(a, torch.rand(3))
        # and does not touch BatchNorm statistics
        bn = net.feature_extractor[0].main_path[2]
        assert int(bn.num_batches_tracked) == 0

    def test_argmax_classifier(self, test):  # In[4]
        from .test_course_assets import CNN_TEST_PARAMS

        model = ArgMaxClassifier(model=CNN(**CNN_TEST_PARAMS[0]))

        test_image = torch.randint(low=0, high=256, size=(3, 100, 100), dtype=torch.float).unsqueeze(0)
        test.assertEqual(model.classify(test_image).shape, (1,))
        test.assertEqual(model.classify(test_image).dtype, torch.int)
        test.assertEqual(model.predict_proba(test_image).shape, (1, 10))
        test.assertAlmostEqual(torch.sum(model.predict_proba(test_image)).item(), 1.0, delta=1e-3)

    def test_cnn_overfit(self, test, ds_train):  # In[6]
        in_size, num_classes = ds_train[0][0].shape, 10
        torch.manual_seed(SEED)

        batch_size = 2
        max_batches = 25
        dl_train = torch.utils.data.DataLoader(ds_train, batch_size, shuffle=False)

        model = ArgMaxClassifier(
            model=CNN(
                in_size, num_classes, channels=[32], pool_every=1, hidden_dims=[100],
                conv_params=dict(kernel_size=3, stride=1, padding=1),
                pooling_params=dict(kernel_size=2),
            )
        )

        hp_optim = answers.part4_optim_hp()
        loss_fn = hp_optim.pop("loss_fn")
        optimizer = torch.optim.SGD(params=model.parameters(), **hp_optim)

        trainer = ClassifierTrainer(model, loss_fn, optimizer, torch.device("cpu"))
        best_acc = 0
        for i in range(25):
            res = trainer.train_epoch(dl_train, max_batches=max_batches, verbose=(i % 5 == 0))
            best_acc = res.accuracy if res.accuracy > best_acc else best_acc

        test.assertGreaterEqual(best_acc, 90)

    def test_residual_block(self):  # In[7]
        torch.manual_seed(SEED)
        resblock = ResidualBlock(
            in_channels=3, channels=[6, 4] * 2, kernel_sizes=[3, 5] * 2, batchnorm=True, dropout=0.2
        )
        assert _conv_summary(resblock.main_path) == [
            ("Conv2d", 3, 6, 3, True), "Dropout2d", "BatchNorm2d", "ReLU",
            ("Conv2d", 6, 4, 5, True), "Dropout2d", "BatchNorm2d", "ReLU",
            ("Conv2d", 4, 6, 3, True), "Dropout2d", "BatchNorm2d", "ReLU",
            ("Conv2d", 6, 4, 5, True),
        ]
        assert _conv_summary(resblock.shortcut_path) == [("Conv2d", 3, 4, 1, False)]

        torch.manual_seed(SEED)
        test_out = resblock(torch.ones(1, 3, 32, 32))
        assert test_out.shape == (1, 4, 32, 32)
        assert (test_out >= 0).all()  # the block ends with a ReLU

        # Deterministic under the notebook's seeding (its expected values come from here).
        torch.manual_seed(SEED)
        assert torch.equal(resblock(torch.ones(1, 3, 32, 32)), test_out)

    def test_residual_bottleneck_block(self):  # In[8]
        torch.manual_seed(SEED)
        resblock_bn = ResidualBottleneckBlock(
            in_out_channels=256, inner_channels=[64, 32, 64], inner_kernel_sizes=[3, 5, 3],
            batchnorm=False, dropout=0.1, activation_type="lrelu",
        )
        assert _conv_summary(resblock_bn.main_path) == [
            ("Conv2d", 256, 64, 1, True), "Dropout2d", "LeakyReLU",
            ("Conv2d", 64, 64, 3, True), "Dropout2d", "LeakyReLU",
            ("Conv2d", 64, 32, 5, True), "Dropout2d", "LeakyReLU",
            ("Conv2d", 32, 64, 3, True), "Dropout2d", "LeakyReLU",
            ("Conv2d", 64, 256, 1, True),
        ]
        assert _conv_summary(resblock_bn.shortcut_path) == ["Identity"]

        torch.manual_seed(SEED)
        test_in = torch.ones(1, 256, 32, 32)
        test_out = resblock_bn(test_in)
        assert test_out.shape == test_in.shape

    def test_resnet(self):  # In[9]
        expected_blocks = [
            ["ResidualBlock", "AvgPool2d", "ResidualBlock"],
            ["ResidualBlock", "MaxPool2d"] + ["ResidualBottleneckBlock", "MaxPool2d"] * 3,
        ]
        expected_features = [160000, 2304]
        expected_out = [(1, 10), (1, 5)]
        for i, params in enumerate(RESNET_TEST_PARAMS):
            torch.manual_seed(SEED)
            net = ResNet(**params)
            assert [type(m).__name__ for m in net.feature_extractor] == expected_blocks[i]
            assert net.mlp.seq[0].in_features == expected_features[i]

            torch.manual_seed(SEED)
            test_out = net(torch.ones(1, 3, 100, 100))
            assert test_out.shape == expected_out[i]
            assert torch.isfinite(test_out).all()

        # test 0: the trailing group [32, 64] (no pool) keeps 64 channels: identity shortcut
        net = ResNet(**RESNET_TEST_PARAMS[0])
        assert _conv_summary(net.feature_extractor[2].shortcut_path) == ["Identity"]
        # test 1: bottlenecks 64 -(1x1)-> 16 -(3x3)-> 16 -(1x1)-> 64
        net = ResNet(**RESNET_TEST_PARAMS[1])
        convs = [m for m in net.feature_extractor[2].main_path if isinstance(m, nn.Conv2d)]
        assert [(c.in_channels, c.out_channels, c.kernel_size[0]) for c in convs] == [
            (64, 16, 1), (16, 16, 3), (16, 64, 1),
        ]

    def test_part4_answers(self):  # In[10]-[11]
        assert isinstance(answers.part4_q1, str) and len(answers.part4_q1.strip()) > 100
        hp = answers.part4_optim_hp()
        assert callable(hp.pop("loss_fn"))
        assert set(hp) == {"lr", "weight_decay", "momentum"}


# ============================================================================
# Part 5: Convolutional Architecture Experiments


class TestPart5:
    def test_resnet_forward_on_device(self):  # In[3]-[4]
        device = torch.device("cpu")
        net = ResNet(
            in_size=(3, 100, 100), out_classes=10, channels=[32, 64] * 3,
            pool_every=4, hidden_dims=[100] * 2,
            pooling_type="avg", pooling_params=dict(kernel_size=2),
        )
        net = net.to(device)

        test_image = torch.randint(low=0, high=256, size=(3, 100, 100), dtype=torch.float).unsqueeze(0)
        test_image = test_image.to(device)

        test_out = net(test_image)
        assert test_out.shape == (1, 10)
        assert test_out.device == next(net.parameters()).device == test_image.device

    def test_cnn_experiment_and_load(self, tmp_path, monkeypatch, ds_train, ds_test):  # In[5]
        monkeypatch.chdir(tmp_path)

        cnn_experiment(
            "test_run", seed=SEED, bs_train=50, batches=10, epochs=10, early_stopping=5,
            filters_per_layer=[32, 64], layers_per_block=1, pool_every=1, hidden_dims=[100],
            model_type="resnet",
            ds_train=ds_train, ds_test=ds_test,  # instead of downloading CIFAR-10
        )

        cfg, fit_res = load_experiment("results/test_run_L1_K32-64.json")
        _, _ = plot_fit(fit_res, train_test_overlay=True)

        assert isinstance(fit_res, FitResult)
        assert 1 <= fit_res.num_epochs <= 10
        for values in fit_res[1:]:
            assert len(values) == fit_res.num_epochs
        assert cfg["run_name"] == "test_run"
        assert cfg["filters_per_layer"] == [32, 64]
        assert cfg["layers_per_block"] == 1 and cfg["pool_every"] == 1
        assert cfg["bs_test"] == 12 and cfg["seed"] == SEED
        assert cfg["model_type"] == "resnet"
        assert "ds_train" not in cfg and "ds_train" not in cfg["kw"]

    @pytest.mark.parametrize("model_type", ["cnn", "ycn"])
    def test_cnn_experiment_model_types(self, tmp_path, ds_train, ds_test, model_type):
        cnn_experiment(
            f"exp_{model_type}", out_dir=str(tmp_path / "results"), seed=SEED, bs_train=20,
            batches=2, epochs=2, filters_per_layer=[8, 16], layers_per_block=2, pool_every=2,
            hidden_dims=[32], model_type=model_type, ds_train=ds_train, ds_test=ds_test,
            print_every=0,
        )
        cfg, fit_res = load_experiment(str(tmp_path / "results" / f"exp_{model_type}_L2_K8-16.json"))
        assert cfg["model_type"] == model_type
        assert fit_res.num_epochs == 2

    def test_your_cnn(self):  # In[15]
        net = YourCNN((3, 100, 100), 10, channels=[32] * 4, pool_every=2, hidden_dims=[100] * 2)
        print(net)
        assert isinstance(net, CNN)

        test_image = torch.randint(low=0, high=256, size=(3, 100, 100), dtype=torch.float).unsqueeze(0)
        test_out = net(test_image)
        assert test_out.shape == (1, 10)
        assert torch.isfinite(test_out).all()

    def test_your_cnn_deep_config_keeps_spatial_extent(self):
        # Experiment 2's deepest run: K=[32, 64, 128], L=12 on CIFAR-sized input.
        net = YourCNN((3, 32, 32), 10, channels=[32] * 12 + [64] * 12 + [128] * 12, pool_every=3,
                      hidden_dims=[100])
        net.eval()
        assert net(torch.rand(2, 3, 32, 32)).shape == (2, 10)

    def test_experiments_cli_help(self):
        import subprocess
        import sys

        from .conftest import COURSEWARE, REFERENCE

        env = {**__import__("os").environ, "PYTHONPATH": f"{REFERENCE}:{COURSEWARE}"}
        out = subprocess.run(
            [sys.executable, "-m", "hw2.experiments", "run-exp", "--help"],
            capture_output=True, text=True, env=env, timeout=120,
        )
        assert out.returncode == 0, out.stderr
        for flag in ("--run-name", "--filters-per-layer", "--layers-per-block", "--pool-every",
                     "--hidden-dims", "--model-type"):
            assert flag in out.stdout

    def test_part5_answers(self):  # In[17]-[22]
        for name in ("part5_q1", "part5_q2", "part5_q3", "part5_q4", "part5_q5"):
            text = getattr(answers, name)
            assert isinstance(text, str) and len(text.strip()) > 100
