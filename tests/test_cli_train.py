"""`backprop train` and `backprop evaluate`: the single-output path, the prediction rule saved
with the model, Ctrl-C, checkpoints, pictures, class names, and the help."""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import backprop as bp
from backprop.cli import build_parser, main
from backprop.data.real import FASHION_MNIST_DIR
from backprop.nn import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HingeLoss, MSELoss
from backprop.nn.losses import QuadraticLoss, decision_threshold


def run_main(capsys, *args):
    """``backprop ARGS`` in this process: (exit code, stdout, stderr)."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse's own errors, --help and --version
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def no_boundaries(monkeypatch):
    """Leave out the decision-boundary pictures (seconds of matplotlib each) where a test is
    about something else; test_train_says_what_it_will_do... draws them."""
    import backprop.commands.train as command

    monkeypatch.setattr(command, "_boundary_pictures", lambda *args: [])


def percent(text, after):
    return float(text.split(after)[1].split("%")[0])


def is_png(path):
    return path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 1000


# ---------------------------------------------------------------------- the prediction rule
def test_decision_threshold_comes_from_the_loss_and_the_output_activation():
    assert decision_threshold(BCEWithLogitsLoss(), "none") == 0.0
    assert decision_threshold(HingeLoss(), "none") == 0.0
    assert decision_threshold(BCELoss(), "sigmoid") == 0.5
    assert decision_threshold(QuadraticLoss(), "sigmoid") == 0.5
    assert decision_threshold(MSELoss(), "none") == 0.5  # the midpoint of the labels 0 and 1
    assert decision_threshold(CrossEntropyLoss(), "none") == 0.5  # argmax reads several outputs
    assert decision_threshold(None, "none") == 0.0
    assert decision_threshold(None, "sigmoid") == 0.5
    with pytest.raises(ValueError, match="unknown output activation 'tanh'"):
        decision_threshold(MSELoss(), "tanh")


@pytest.mark.parametrize(
    ("options", "loss", "rule"),
    [
        ([], "bce_with_logits", "class 1 where the output > 0"),
        (["--loss", "mse"], "mse", "class 1 where the output > 0.5"),
        (["--loss", "bce"], "bce", "class 1 where the output > 0.5"),
        (["--loss", "quadratic", "--output-activation", "sigmoid"], "quadratic", "> 0.5"),
    ],
)
def test_a_single_output_trains_and_evaluate_agrees(
    capsys, tmp_path, no_boundaries, options, loss, rule
):
    out = tmp_path / "xor"
    code, stdout, err = run_main(
        capsys, "train", "--data", "xor", "--layers", "2,4,1", "--activation", "tanh",
        "--epochs", 60, "--lr", 0.2, "--batch-size", 10, "--out", out, *options,
    )
    assert code == 0, err
    assert f"loss: {loss} " in stdout and rule in stdout
    trained = percent(stdout, "test accuracy ")
    assert trained >= 95.0
    assert bp.io.load_extra(out / "model.npz")["loss"]["type"] == type(
        bp.nn.losses.loss_function(loss)
    ).__name__
    code, evaluated, err = run_main(capsys, "evaluate", out / "model.npz", "--data", "xor")
    assert code == 0, err
    assert f"{trained:.2f}% of 100 test examples of xor" in evaluated
    assert rule in evaluated


def test_a_model_saved_without_its_loss_reads_a_single_output_as_a_score(capsys, tmp_path):
    model = bp.nn.mlp([2, 4, 1], activation="tanh", seed=0)
    bp.save(model, tmp_path / "m.npz")
    code, stdout, err = run_main(capsys, "evaluate", tmp_path / "m.npz", "--data", "xor")
    assert code == 0, err
    assert "prediction: class 1 where the output > 0, no loss saved with it" in stdout


def test_an_unusable_saved_loss_is_one_line(capsys, tmp_path):
    model = bp.nn.mlp([2, 4, 1], activation="tanh", seed=0)
    bp.save(model, tmp_path / "m.npz", extra={"loss": {"type": "MSELoss", "bogus": 1}})
    code, stdout, err = run_main(capsys, "evaluate", tmp_path / "m.npz", "--data", "xor")
    assert code == 2
    assert err.startswith("backprop: error: ") and "the saved loss" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--layers", "2,4,1", "--loss", "cross_entropy"],
         "--loss cross_entropy needs one output per class; a single output takes --loss "
         "bce_with_logits"),
        (["--layers", "2,4,1", "--loss", "bce", "--output-activation", "none"],
         "--loss bce takes probabilities: pass --output-activation sigmoid"),
        (["--layers", "2,4,1", "--loss", "bce_with_logits", "--output-activation", "sigmoid"],
         "--loss bce_with_logits reads the outputs as scores (it applies the sigmoid itself)"),
        (["--layers", "2,4,2", "--output-activation", "softmax"],
         "--loss cross_entropy reads the outputs as scores (it applies the softmax itself)"),
        (["--layers", "2,4,1", "--loss", "mse", "--output-activation", "softmax"],
         "softmax over a single output is always 1"),
        (["--resume"], "--resume: there is no checkpoint"),
        (["--loss", "bogus"], "argument --loss: invalid choice: 'bogus'"),
    ],
)
def test_combinations_that_cannot_train_say_what_to_pass(capsys, tmp_path, args, message):
    code, _, err = run_main(capsys, "train", "--data", "xor", "--out", tmp_path, *args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


# ---------------------------------------------------------------------- Nielsen's network
def test_the_help_s_nielsen_example_reaches_90_percent(capsys, tmp_path):
    started = time.perf_counter()
    code, stdout, err = run_main(
        capsys, "train", "--data", "mnist-5k", "--layers", "784,30,10", "--loss", "quadratic",
        "--activation", "sigmoid", "--output-activation", "sigmoid", "--lr", 3,
        "--batch-size", 10, "--epochs", 10, "--out", tmp_path,
    )
    seconds = time.perf_counter() - started
    assert code == 0, err
    assert "init xavier" in stdout
    assert percent(stdout, "test accuracy ") >= 90.0
    assert seconds < 30
    assert is_png(tmp_path / "confusion.png") and is_png(tmp_path / "misclassified.png")


def test_the_help_prints_the_nielsen_example_as_tested():
    text = build_parser()._subparsers._group_actions[0].choices["train"].format_help()
    assert (
        "--layers 784,30,10 --loss quadratic --activation sigmoid \\\n"
        "      --output-activation sigmoid --lr 3 --batch-size 10 --epochs 10"
    ) in text
    assert "87-89%" in " ".join(text.split())  # why the default initialization is xavier


# ---------------------------------------------------------------------- before and after
def test_train_says_what_it_will_do_before_training_and_draws_2d_boundaries(
    capsys, tmp_path, monkeypatch
):
    from PIL import Image

    import backprop.viz

    panels = []  # the snapshots boundary_epochs.png shows, one panel each
    grid = backprop.viz.plot_decision_boundaries

    def counting_grid(models, *args, **kwargs):
        panels.append(len(models))
        return grid(models, *args, **kwargs)

    monkeypatch.setattr(backprop.viz, "plot_decision_boundaries", counting_grid)
    replaced = []  # every output arrives by renaming a finished temporary over its name
    monkeypatch.setattr(bp.io.os, "replace", lambda src, dst: replaced.append(Path(dst).name)
                        or os.rename(src, dst))
    code, stdout, err = run_main(
        capsys, "train", "--data", "moons", "--layers", "2,8,2", "--epochs", 7,
        "--out", tmp_path,
    )
    assert code == 0, err
    before, after = stdout.split("training started")
    assert "data: moons, 300 training and 100 test rows (test: a held-out quarter" in before
    assert "2 features, 2 classes" in before
    assert "total 42 parameters" in before and "(0): Linear(2, 8)" in before
    assert "loss: cross_entropy (CrossEntropyLoss); prediction: argmax over the 2 outputs" in before
    assert "training: 7 epochs of 10 steps (batch 32), sgd lr 0.1" in before
    assert "because it ran all 7 epochs it was given;" in after
    took = re.search(r"stopped after 7 epochs in ([0-9.e-]+) s because", after)
    assert took and float(took[1]) > 0  # a run of milliseconds is not "0.0 s"
    assert "(epochs)" not in after
    for name in ("boundary.png", "boundary_epochs.png", "loss.png"):
        assert is_png(tmp_path / name)
    assert "boundary_epochs.png, boundary_epochs.gif in" in after
    with Image.open(tmp_path / "boundary_epochs.gif") as gif:  # the same snapshots, animated
        assert panels == [gif.n_frames] and gif.n_frames > 2
        assert gif.size[0] <= 640 and gif.size[1] <= 480
    assert (tmp_path / "boundary_epochs.gif").stat().st_size < 500_000
    history = json.loads((tmp_path / "history.json").read_text())
    assert len(history["accuracy"]) == len(history["val_accuracy"]) == 7
    assert sorted(replaced) == sorted(p.name for p in tmp_path.iterdir())


def test_ctrl_c_finishes_the_mini_batch_writes_everything_and_exits_130(tmp_path):
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(Path(bp.__file__).parents[1])}
    process = subprocess.Popen(
        [sys.executable, "-m", "backprop", "train", "--data", "moons", "--layers", "2,16,2",
         "--epochs", "100000", "--batch-size", "1", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    for line in process.stdout:
        if line.startswith("training started"):
            break
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Ctrl-C: stopping after this mini-batch" in stderr and "Traceback" not in stderr
    assert "interrupted by Ctrl-C at epoch " in stdout and " of 300, after " in stdout
    assert f"in {out}" in stdout
    history = json.loads((out / "history.json").read_text())
    assert history["stop_reason"] == "stop_requested"
    epoch = history["epochs_run"]
    assert f"at epoch {epoch}, step {history['steps_in_last_epoch']} of 300" in stdout
    assert bp.load(out / "model.npz")[0].weight.shape == (16, 2)
    for name in ("loss.png", "boundary.png", "boundary_epochs.png"):
        assert is_png(out / name)


def test_checkpoints_resume_exactly(capsys, tmp_path, no_boundaries):
    common = ["train", "--data", "moons", "--layers", "2,8,2", "--lr", 0.3, "--seed", 3,
              "--checkpoint-every", 2]
    code, _, err = run_main(capsys, *common, "--epochs", 6, "--out", tmp_path / "straight")
    assert code == 0, err
    code, _, err = run_main(capsys, *common, "--epochs", 4, "--out", tmp_path / "resumed")
    assert code == 0, err
    assert bp.io.load_checkpoint(
        tmp_path / "resumed" / "checkpoint.npz", bp.nn.mlp([2, 8, 2])
    )["epoch"] == 4
    code, stdout, err = run_main(
        capsys, *common, "--epochs", 6, "--out", tmp_path / "resumed", "--resume"
    )
    assert code == 0, err
    assert "resuming from" in stdout
    a, b = (bp.load(tmp_path / run / "model.npz") for run in ("straight", "resumed"))
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)
    loss = [json.loads((tmp_path / run / "history.json").read_text())["loss"]
            for run in ("straight", "resumed")]
    assert loss[0] == loss[1] and len(loss[0]) == 6


def test_resuming_other_layers_names_the_difference_before_training(tmp_path):
    """One short line naming the first difference, exit code 2, nothing trained or printed."""
    out = tmp_path / "x"
    env = {**os.environ, "PYTHONPATH": str(Path(bp.__file__).parents[1])}

    def train(layers, *more):
        return subprocess.run(
            [sys.executable, "-m", "backprop", "train", "--data", "xor", "--layers", layers,
             "--out", str(out), *more],
            capture_output=True, text=True, env=env, timeout=300,
        )  # fmt: skip

    first = train("2,4,1", "--epochs", "2", "--checkpoint-every", "1")
    assert first.returncode == 0, first.stderr
    result = train("2,5,1", "--epochs", "3", "--resume")
    assert result.returncode == 2
    assert result.stderr == (
        f"backprop: error: {out / 'checkpoint.npz'}: the checkpoint was saved from a different "
        f"architecture: layer 0 (Linear) out_features is 4 in the checkpoint, 5 here\n"
    )
    assert result.stdout == ""  # refused before "training started"
    assert bp.io.load_checkpoint(out / "checkpoint.npz", bp.nn.mlp([2, 4, 1]))["epoch"] == 2


@pytest.mark.skipif(not FASHION_MNIST_DIR.is_dir(), reason="Debian's dataset-fashion-mnist")
def test_fashion_mnist_speaks_its_class_names(capsys, tmp_path):
    code, stdout, err = run_main(
        capsys, "train", "--data", "fashion-mnist", "--layers", "784,10", "--epochs", 1,
        "--batch-size", 200, "--out", tmp_path,
    )
    assert code == 0, err
    assert "10 classes: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal" in stdout
    assert "test: its own test set" in stdout
    assert is_png(tmp_path / "confusion.png") and is_png(tmp_path / "misclassified.png")
    code, stdout, err = run_main(
        capsys, "evaluate", tmp_path / "model.npz", "--data", "fashion-mnist"
    )
    assert code == 0, err
    assert "T-shirt/top" in stdout and "Ankle boot" in stdout and "digit" not in stdout


# ---------------------------------------------------------------------- help and version
def test_every_option_shows_its_default_and_its_choices():
    parser = build_parser()
    for name, command in parser._subparsers._group_actions[0].choices.items():
        text = " ".join(command.format_help().split())
        for action in command._actions:
            if not action.option_strings or action.nargs == 0:
                continue  # positional arguments, flags and --help
            where = f"backprop {name} {action.option_strings[0]}"
            if action.default is not None:
                assert f"(default: {action.default})" in text, where
            else:
                assert action.required or "default:" in (action.help or ""), where
            if action.choices:
                assert "{" + ",".join(map(str, action.choices)) + "}" in text, where


@pytest.mark.parametrize(
    "seconds, text",
    [(0.0153, "0.0153 s"), (0.0004, "0.0004 s"), (2.345, "2.35 s"), (9.99, "9.99 s"),
     (10.04, "10.0 s"), (123.45, "123.5 s")],
)  # fmt: skip
def test_durations_keep_their_digits(seconds, text):
    from backprop.cli import seconds_text

    assert seconds_text(seconds) == text


def test_version(capsys):
    assert run_main(capsys, "--version") == (0, f"backprop {bp.__version__}\n", "")


def test_train_options_are_reusable_by_another_command():
    from backprop.commands.train import add_training_arguments

    parser = argparse.ArgumentParser()
    add_training_arguments(parser)
    args = parser.parse_args(["--data", "xor", "--loss", "bce", "--checkpoint-every", "2"])
    assert (args.data, args.loss, args.checkpoint_every, args.lr) == ("xor", "bce", 2, 0.1)


def test_boundary_snapshots_stay_evenly_spaced_however_long_the_run():
    from backprop.commands.train import Snapshots

    class Counter:
        epoch = 0

        def state_dict(self):
            return {"epoch": self.epoch}

    for epochs, expected in (
        (1000, [0, 144, 288, 432, 576, 720, 864, 1000]),
        (7, [0, 1, 2, 3, 4, 5, 6, 7]),
        (3, [0, 1, 2, 3]),
    ):
        model = Counter()
        snapshots = Snapshots(model)
        for model.epoch in range(1, epochs + 1):
            snapshots(model.epoch, {})
        assert len(snapshots.states) <= 64
        frames = snapshots.frames(epochs)
        assert sorted(frames) == expected
        assert all(state["epoch"] == epoch for epoch, state in frames.items())


def test_train_runs_in_a_thread_of_its_own(tmp_path, no_boundaries):
    """A command that trains in worker threads (a sweep) gets no signal handler, no error."""
    import contextlib
    import io
    import threading

    codes = []

    def work():
        with contextlib.redirect_stdout(io.StringIO()):
            codes.append(main(["train", "--data", "xor", "--layers", "2,4,1", "--epochs", "2",
                               "--out", str(tmp_path)]))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert codes == [0] and (tmp_path / "model.npz").is_file()


@pytest.mark.parametrize(("cost", "rule"), [("quadratic", "> 0.5,"), ("hinge", "> 0,")])
def test_evaluate_reads_a_textbook_network_by_its_own_threshold(capsys, tmp_path, cost, rule):
    from backprop.layered import Network

    net = Network([2, 3, 1], activation="tanh", cost=cost, seed=0)
    bp.save(net, tmp_path / "net.npz")
    code, stdout, err = run_main(capsys, "evaluate", tmp_path / "net.npz", "--data", "xor")
    assert code == 0, err
    assert f"prediction: class 1 where the output {rule} no loss saved with it" in stdout
