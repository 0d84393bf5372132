"""The fit loop: update rule, stopping reasons, divergence, checkpoints, bad input, real data."""

import numpy as np
import pytest

import backprop as bp
from backprop import data, nn, optim
from backprop.train import fit


def make_model(sizes=(2, 4, 2), activation="tanh", seed=0):
    return nn.mlp(list(sizes), activation=activation, seed=seed, dtype="float64")


def test_one_full_batch_step_is_gradient_descent_on_the_mean_cost():
    """batch_size=None: w -> w - eta * dC/dw with C the mean cost over all n examples."""
    X, y = data.moons(40, seed=1)
    model = make_model()
    expected = model.state_dict()
    cost = nn.CrossEntropyLoss()(model(X.astype(np.float64)), y)
    cost.backward()
    for name, p in model.named_parameters():
        expected[name] = expected[name] - 0.3 * p.grad
    model.zero_grad()
    fit(model, X, y, loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.3),
        epochs=1)
    for name, value in model.state_dict().items():
        np.testing.assert_allclose(value, expected[name], rtol=1e-12, atol=1e-15)


def test_mini_batch_update_is_eta_over_m_times_the_sum_of_per_example_gradients():
    """w -> w - (eta/m) sum_x dC_x/dw over each mini-batch, batches in the shuffled order."""
    X, y = data.moons(12, seed=2)
    X = X.astype(np.float64)
    model, reference = make_model(seed=3), make_model(seed=3)
    eta, m = 0.5, 4
    fit(model, X, y, loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=eta),
        epochs=1, batch_size=m, seed=7)
    order = np.random.default_rng(7).permutation(len(X))
    loss = nn.CrossEntropyLoss(reduction="sum")
    for start in range(0, len(X), m):
        total = {name: np.zeros_like(p.data) for name, p in reference.named_parameters()}
        for i in order[start : start + m]:  # one example at a time, as the lectures write it
            reference.zero_grad()
            loss(reference(X[i : i + 1]), y[i : i + 1]).backward()
            for name, p in reference.named_parameters():
                total[name] += p.grad
        for name, p in reference.named_parameters():
            p.data -= eta / m * total[name]
    for name, value in model.state_dict().items():
        np.testing.assert_allclose(value, reference.state_dict()[name], rtol=1e-10)


def test_online_sgd_takes_one_step_per_example():
    X, y = data.moons(30, seed=0)
    steps = []

    class Counting(optim.SGD):
        def step(self):
            steps.append(1)
            super().step()

    model = make_model()
    fit(model, X, y, loss="cross_entropy", optimizer=Counting(model.parameters(), lr=0.1),
        epochs=2, batch_size=1)
    assert len(steps) == 60


def test_tol_stops_at_the_convergence_test():
    X, y = data.moons(100, seed=0)
    model = make_model()
    h = fit(model, X, y, loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.5),
            epochs=5000, tol=1e-4)
    assert h.stop_reason == "tol"
    assert h.stopped_because() == "the cost converged: |C - C_prev| < tol"
    assert h.epochs_run < 5000
    assert abs(h.loss[-1] - h.loss[-2]) < 1e-4
    assert all(abs(a - b) >= 1e-4 for a, b in zip(h.loss[:-2], h.loss[1:-1], strict=True))


def test_early_stopping_restores_the_best_weights():
    X, y = data.moons(60, noise=0.4, seed=0)
    Xv, yv = data.moons(200, noise=0.4, seed=1)
    model = nn.mlp([2, 64, 64, 2], activation="relu", seed=0)
    h = fit(model, X, y, loss="cross_entropy", optimizer=optim.Adam(model.parameters(), lr=0.02),
            epochs=500, validation=(Xv, yv), patience=10, seed=0)
    assert h.stop_reason == "early_stopping"
    best = int(np.argmin(h.val_loss))
    assert h.best_epoch == best + 1
    assert h.epochs_run == h.best_epoch + 10
    assert h.stopped_because() == (
        f"early stopping: the validation cost had not improved since epoch {h.best_epoch}, "
        f"whose weights were restored"
    )
    with bp.no_grad():
        restored = nn.CrossEntropyLoss()(model(Xv), yv).item()
    assert restored == pytest.approx(h.val_loss[best], rel=1e-5)


def test_divergence_names_epoch_and_step_and_keeps_finite_weights():
    X = np.linspace(-3, 3, 50)[:, None]
    y = 5 * X
    model = nn.mlp([1, 8, 1], activation="identity", seed=0)
    diverged = r"at epoch \d+, step \d+ .*smaller learning rate"
    with pytest.raises(bp.TrainingDiverged, match=diverged):
        fit(model, X, y, loss="mse", optimizer=optim.SGD(model.parameters(), lr=5.0),
            epochs=100, batch_size=10)
    assert all(np.all(np.isfinite(p.data)) for p in model.parameters())


def test_checkpoint_resume_equals_an_uninterrupted_run(tmp_path):
    X, y = data.spirals(120, seed=0)

    def run(epochs, resume, path):
        bp.manual_seed(0)
        model = nn.mlp([2, 16, 2], activation="tanh", seed=0)
        opt = optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
        sched = optim.StepLR(opt, step_size=3, gamma=0.5)
        h = fit(model, X, y, loss="cross_entropy", optimizer=opt, epochs=epochs, batch_size=16,
                seed=5, scheduler=sched, checkpoint=path, resume=resume)
        return model, h

    whole, h_whole = run(10, False, tmp_path / "a.ckpt")
    run(4, False, tmp_path / "b.ckpt")  # "interrupted" after 4 epochs
    resumed, h_resumed = run(10, True, tmp_path / "b.ckpt")
    for name, value in whole.state_dict().items():
        np.testing.assert_array_equal(value, resumed.state_dict()[name])
    assert h_resumed.loss == h_whole.loss and h_resumed.lr == h_whole.lr
    assert h_resumed.epochs_run == 10


class _Interrupted(Exception):
    """A crash in the middle of training, raised by a callback."""


def _early_stopping_run(path, stop_at=None, epochs=500):
    """Early stopping on noisy moons with a checkpoint; ``stop_at`` crashes after that epoch's
    callback, before its checkpoint is written (the checkpoint then holds the epoch before)."""
    X, y = data.moons(60, noise=0.4, seed=0)
    Xv, yv = data.moons(200, noise=0.4, seed=1)
    model = nn.mlp([2, 64, 64, 2], activation="relu", seed=0)
    opt = optim.Adam(model.parameters(), lr=0.02)

    def crash(epoch, logs):
        if epoch == stop_at:
            raise _Interrupted

    h = fit(model, X, y, loss="cross_entropy", optimizer=opt, epochs=epochs,
            validation=(Xv, yv), patience=10, seed=0, checkpoint=path, resume=True,
            callbacks=[crash])
    return model, h


def test_checkpoint_resume_equals_an_uninterrupted_run_with_early_stopping(tmp_path):
    whole, h_whole = _early_stopping_run(tmp_path / "a.ckpt")
    assert h_whole.stop_reason == "early_stopping"
    # Interrupted while patience was running out: after the best epoch, before the stop.
    crash = h_whole.best_epoch + 6
    with pytest.raises(_Interrupted):
        _early_stopping_run(tmp_path / "b.ckpt", stop_at=crash)
    info = bp.io.load_checkpoint(tmp_path / "b.ckpt", nn.mlp([2, 64, 64, 2], activation="relu"))
    assert info["epoch"] == crash - 1 and info["best"] is not None
    assert info["extra"]["history"]["best_epoch"] == h_whole.best_epoch
    resumed, h_resumed = _early_stopping_run(tmp_path / "b.ckpt")
    assert h_resumed.stop_reason == "early_stopping"
    assert h_resumed.epochs_run == h_whole.epochs_run == h_whole.best_epoch + 10
    assert h_resumed.best_epoch == h_whole.best_epoch and h_resumed.val_loss == h_whole.val_loss
    for name, value in whole.state_dict().items():  # the best epoch's weights, restored
        np.testing.assert_array_equal(value, resumed.state_dict()[name])


def test_resuming_a_run_that_stopped_trains_no_further(tmp_path):
    path = tmp_path / "a.ckpt"
    first, h_first = _early_stopping_run(path)
    again, h_again = _early_stopping_run(path, epochs=1000)
    assert h_again.stop_reason == "early_stopping" and h_again.epochs_run == h_first.epochs_run
    assert h_again.loss == h_first.loss
    for name, value in first.state_dict().items():
        np.testing.assert_array_equal(value, again.state_dict()[name])


def test_validation_fraction_and_accuracy_history():
    X, y = data.blobs(300, centers=3, seed=0)
    model = nn.mlp([2, 8, 3], seed=0)
    h = fit(model, X, y, loss="cross_entropy", optimizer=optim.Adam(model.parameters(), lr=0.05),
            epochs=30, batch_size=32, validation_fraction=0.2, seed=0)
    assert len(h.val_loss) == len(h.val_accuracy) == len(h.loss) == 30
    assert h.val_accuracy[-1] > 0.9 and h.stop_reason == "epochs"
    assert h.stopped_because() == "it ran all 30 epochs it was given"
    assert [row["epoch"] for row in h.rows()] == list(range(1, 31))


def test_callback_can_stop_training():
    X, y = data.moons(50, seed=0)
    model = make_model()
    seen = []
    h = fit(model, X, y, loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1),
            epochs=50, callbacks=[lambda epoch, logs: seen.append(logs["loss"]) or epoch == 3])
    assert h.stop_reason == "callback" and len(seen) == 3 == h.epochs_run


def test_quadratic_cost_one_hot_encodes_labels_like_nielsen():
    X, y = data.blobs(90, centers=3, std=0.5, seed=0)
    model = nn.mlp([2, 10, 3], activation="sigmoid", output="sigmoid", seed=0)
    h = fit(model, X, y, loss="quadratic", optimizer=optim.SGD(model.parameters(), lr=3.0),
            epochs=60, batch_size=10, seed=0, validation=(X, y))
    assert h.val_accuracy[-1] > 0.95


def test_training_data_is_not_modified():
    X, y = data.moons(40, seed=0)
    X0, y0 = X.copy(), y.copy()
    model = make_model()
    fit(model, X, y, loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.1),
        epochs=3, batch_size=8)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"X": np.zeros((0, 2)), "y": np.zeros(0)}, r"X is empty \(shape \(0, 2\)\)"),
        ({"X": np.array([[0.0, np.nan]] * 4)}, "X contains NaN or infinite values"),
        ({"y": np.array([0, 1, 2, 1])}, "label 2 is outside the class range 0..1"),
        ({"y": np.array([0, 1, 1])}, "X has 4 examples but y has 3"),
        ({"batch_size": 5}, "batch_size 5 is larger than the 4 training examples"),
        ({"batch_size": 0}, "batch_size must be a positive integer"),
        ({"epochs": 0}, "epochs must be a positive integer"),
        ({"patience": 3}, "patience .* needs validation"),
        ({"loss": "hinge_squared"}, "unknown loss 'hinge_squared'"),
    ],
)
def test_bad_input_is_refused_before_training(kwargs, message):
    model = make_model()
    before = model.state_dict()
    args = {"X": np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float), "y": np.array([0, 1, 1, 0]),
            "loss": "cross_entropy", "epochs": 2}
    args.update(kwargs)
    X, y = args.pop("X"), args.pop("y")
    with pytest.raises(ValueError, match=message):
        fit(model, X, y, optimizer=optim.SGD(model.parameters(), lr=0.1), **args)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_unknown_activation_is_refused():
    with pytest.raises(ValueError, match="unknown activation 'swish'; choose one of"):
        nn.mlp([2, 3, 1], activation="swish")


def test_linear_layer_names_itself_and_both_shapes():
    model = nn.mlp([784, 30, 10])
    with pytest.raises(ValueError, match=r"Linear\(784, 30\) at layer 0 expects input of shape "
                                         r"\(batch, 784\), got shape \(5, 783\)"):
        model(np.zeros((5, 783), np.float32))


@pytest.mark.parametrize("lr", [0.0, -0.1, float("nan")])
def test_non_positive_learning_rate_is_refused(lr):
    model = make_model()
    with pytest.raises(ValueError, match="lr"):
        optim.SGD(model.parameters(), lr=lr)


def test_xor_is_learned_from_at_least_9_of_10_seeds():
    X, y = data.xor()
    failures = []
    for seed in range(10):
        model = nn.mlp([2, 4, 1], activation="tanh", output="sigmoid", seed=seed, dtype="float64")
        fit(model, X, y, loss="bce", optimizer=optim.SGD(model.parameters(), lr=1.0),
            epochs=800, seed=seed)
        with bp.no_grad():
            predicted = (model(X).data[:, 0] > 0.5).astype(int)
        if not np.array_equal(predicted, y):
            failures.append(seed)
    assert len(failures) <= 1, f"XOR not learned from seeds {failures}"


@pytest.mark.slow
def test_digits_reach_96_percent_on_a_held_out_quarter():
    X, y = data.digits_8x8()
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.25, seed=0,
                                                             stratify=True)
    model = nn.mlp([64, 100, 10], activation="relu", seed=0)
    fit(model, X_train, y_train, loss="cross_entropy",
        optimizer=optim.SGD(model.parameters(), lr=0.1, momentum=0.9), epochs=40, batch_size=32,
        seed=0)
    with bp.no_grad():
        accuracy = np.mean(model(X_test).data.argmax(axis=1) == y_test)
    assert accuracy >= 0.96, accuracy


def test_best_weights_are_restored_whatever_stops_training():
    X, y = data.moons(60, noise=0.4, seed=0)
    Xv, yv = data.moons(200, noise=0.4, seed=1)
    model = nn.mlp([2, 64, 64, 2], activation="relu", seed=0)
    h = fit(model, X, y, loss="cross_entropy", optimizer=optim.Adam(model.parameters(), lr=0.02),
            epochs=500, validation=(Xv, yv), patience=400, seed=0,
            callbacks=[lambda epoch, logs: epoch == 60])
    assert h.stop_reason == "callback" and h.best_epoch < 60
    with bp.no_grad():
        restored = nn.CrossEntropyLoss()(model(Xv), yv).item()
    assert restored == pytest.approx(min(h.val_loss), rel=1e-5)


def test_weight_memory_layout_changes_nothing_but_speed():
    """nn.Linear stores W column-major (fast forward pass); a row-major W trains identically."""
    X, y = data.moons(200, noise=0.2, seed=0)
    models = [nn.mlp([2, 8, 2], activation="tanh", seed=3, dtype="float64") for _ in range(2)]
    for p in models[1].parameters():
        p.data = np.ascontiguousarray(p.data)
    assert models[0][0].weight.data.flags.f_contiguous
    assert not models[1][0].weight.data.flags.f_contiguous
    for model in models:
        fit(model, X, y, loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.5),
            epochs=5, batch_size=20, seed=0, progress=False)
    assert models[0][0].weight.data.flags.f_contiguous, "training must keep the layout"
    assert models[0][0].weight.grad.flags.f_contiguous, "the gradient follows the weight"
    for a, b in zip(models[0].parameters(), models[1].parameters(), strict=True):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=1e-14)
    assert not np.allclose(models[0][0].weight.data, nn.mlp([2, 8, 2], activation="tanh", seed=3,
                                                            dtype="float64")[0].weight.data)
