"""What `backprop train` needs from the library: fit's training accuracy, its threshold and its
checkpoint schedule, a model file's `extra`, and plot_history's name for the held-out curve."""

import threading

import numpy as np
import pytest

import backprop as bp
from backprop import nn
from backprop.data import xor_quadrants
from backprop.errors import ModelFileError
from backprop.io import load_checkpoint, load_extra
from backprop.train import fit


def _problem(seed=0):
    X, y = xor_quadrants(200, noise=0.3, seed=seed)
    return X, y


def _model():
    return nn.mlp([2, 6, 1], activation="tanh", seed=0)


def test_train_accuracy_and_threshold_follow_the_rule_given():
    X, y = _problem()
    model = _model()
    history = fit(model, X[:150], y[:150], loss="mse", optimizer="sgd", lr=0.2, epochs=30,
                  batch_size=10, seed=0, validation=(X[150:], y[150:]), threshold=0.5,
                  train_accuracy=True)
    with bp.no_grad():
        out = model(bp.Tensor(X.astype(np.float32))).data[:, 0]
    assert history.accuracy[-1] == pytest.approx(np.mean((out[:150] > 0.5) == y[:150]))
    assert history.val_accuracy[-1] == pytest.approx(np.mean((out[150:] > 0.5) == y[150:]))
    assert history.accuracy[-1] >= 0.95 and len(history.accuracy) == 30
    assert list(history.rows()[0]) == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy",
                                       "lr"]
    # MSE alone reads no classes (a regression loss): without threshold= there is no accuracy
    plain = fit(_model(), X[:150], y[:150], loss="mse", optimizer="sgd", lr=0.2, epochs=2,
                seed=0, validation=(X[150:], y[150:]), train_accuracy=True)
    assert plain.accuracy == [] and plain.val_accuracy == []


def test_checkpoints_every_n_epochs_and_never_of_an_epoch_cut_short(tmp_path):
    X, y = _problem()
    path = tmp_path / "run.ckpt"
    written = []

    def after_epoch(epoch, logs):
        written.append(load_checkpoint(path, _model())["epoch"] if path.exists() else None)

    fit(_model(), X, y, loss="bce_with_logits", optimizer="sgd", lr=0.1, epochs=7,
        batch_size=20, seed=0, checkpoint=path, checkpoint_every=3,
        callbacks=[after_epoch])
    # the callback runs before that epoch's checkpoint is written
    assert written == [None, None, None, 3, 3, 3, 6]
    assert load_checkpoint(path, _model())["epoch"] == 7  # the last epoch is always written

    stop = threading.Event()

    def stop_in_epoch_3(end):
        if end.epoch == 3 and end.step == 2:
            stop.set()

    path.unlink()
    history = fit(_model(), X, y, loss="bce_with_logits", optimizer="sgd", lr=0.1, epochs=7,
                  batch_size=20, seed=0, checkpoint=path, stop=stop,
                  step_callbacks=[stop_in_epoch_3])
    assert history.stop_reason == "stop_requested" and history.epochs_run == 3
    assert load_checkpoint(path, _model())["epoch"] == 2
    with pytest.raises(ValueError, match="checkpoint_every must be a positive integer"):
        fit(_model(), X, y, loss="mse", optimizer="sgd", lr=0.1, epochs=1, checkpoint_every=0)


def test_a_model_file_keeps_extra_and_rejects_a_malformed_one(tmp_path):
    model = _model()
    bp.save(model, tmp_path / "m.npz", extra={"loss": {"type": "MSELoss", "reduction": "mean"}})
    assert load_extra(tmp_path / "m.npz") == {"loss": {"type": "MSELoss", "reduction": "mean"}}
    assert isinstance(bp.load(tmp_path / "m.npz"), nn.Sequential)
    bp.save(model, tmp_path / "plain.npz")
    assert load_extra(tmp_path / "plain.npz") is None
    with pytest.raises(TypeError, match="extra must be a dict or None"):
        bp.save(model, tmp_path / "bad.npz", extra=[1])

    from backprop.io import _model_payload, _write_atomically

    metadata, arrays = _model_payload(model, "backprop-model")
    metadata["extra"] = "the loss"
    _write_atomically(tmp_path / "bad.npz", metadata, arrays)
    for read in (bp.load, load_extra):
        with pytest.raises(ModelFileError, match="metadata field 'extra' is not an object"):
            read(tmp_path / "bad.npz")


def test_plot_history_names_the_held_out_curve(tmp_path):
    from backprop.viz import plots

    history = bp.train.History(loss=[1.0, 0.5], val_loss=[1.1, 0.6], accuracy=[0.5, 0.8],
                               val_accuracy=[0.4, 0.7])
    series = plots._history_series(history, "test")
    assert {key: legend for key, (legend, _) in series.items()} == {
        "loss": "training", "val_loss": "test", "accuracy": "training", "val_accuracy": "test"
    }
    assert plots._history_series(history, "validation")["val_loss"][0] == "validation"
    path = plots.plot_history(history, tmp_path / "h.png", title="xor: 2-6-1", held_out="test")
    assert path.read_bytes().startswith(b"\x89PNG")


def test_two_outputs_are_drawn_as_p_class_1_with_a_colour_bar():
    from backprop.viz.plots import _values

    scores = np.array([[0.0, 0.0], [1.0, -1.0], [-2.0, 1.0]])
    labels, values, bar, threshold = _values(scores, None, 0.0)
    assert labels is None and threshold == 0.5 and bar == "P(class 1) = softmax(output)₁"
    np.testing.assert_allclose(values, 1 / (1 + np.exp(-(scores[:, 1] - scores[:, 0]))))
    probabilities = np.array([[0.9, 0.1], [0.25, 0.75]])
    labels, values, bar, _ = _values(probabilities, None, 0.0)
    assert bar == "P(class 1)" and values.tolist() == [0.1, 0.75]
    labels, values, bar, _ = _values(np.eye(3), None, 0.0)  # three classes: regions by argmax
    assert labels.tolist() == [0, 1, 2] and values is None and bar is None
