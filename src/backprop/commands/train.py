"""``backprop train`` and ``backprop evaluate``.

``train`` says what it is about to do (the dataset, the model with its parameter counts, the loss
and how outputs become classes), trains through ``backprop.fit``, and writes to ``--out`` the
model, its history (JSON and CSV) and pictures: the curves, and for 2-D data the decision
boundary, finally and over the epochs; for images the confusion matrix and the misclassified
examples, named as the dataset names its classes. Ctrl-C ends the current mini-batch, writes all
of that as it is and exits with 130. ``--checkpoint-every`` and ``--resume`` expose ``fit``'s
checkpoints, from which a run continues exactly.

The prediction rule (argmax over several outputs; class 1 where a single output exceeds a
threshold) comes from one place, ``nn.losses.decision_threshold``, given the loss saved in the
model file and the output activation its architecture ends with, so ``evaluate`` reads a model
as ``train`` did.

``add_training_arguments`` defines every option of ``train`` in one place, for any command that
trains (``backprop sweep`` reuses it).
"""

from __future__ import annotations

import argparse
import csv
import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..nn.losses import Loss

from ..cli import (
    UsageError,
    _out_folder,
    _parse_layers,
    _positive_float,
    _positive_int,
    _seed,
    seconds_text,
)

#: The losses ``--loss`` offers (names of ``nn.losses.LOSSES``).
TRAINING_LOSSES = ("cross_entropy", "bce_with_logits", "bce", "quadratic", "mse", "multi_margin")
#: Losses that read their output as scores and apply the sigmoid or softmax themselves.
_ON_SCORES = {
    "cross_entropy": " (it applies the softmax itself)",
    "bce_with_logits": " (it applies the sigmoid itself)",
    "multi_margin": " (margins between them)",
}
#: Frames of the decision-boundary picture over the epochs (the initial weights included).
BOUNDARY_FRAMES = 8

INIT_HELP = (
    "initial weights (default: he for ReLU-like hidden units, xavier otherwise: Glorot's "
    "U(-r, r), r = sqrt(6/(n_in+n_out)), which keeps sigmoid units out of saturation; Nielsen's "
    "N(0, 1), --init normal, reaches only 87-89%% on the Nielsen example below, xavier 91-93%%)"
)

EPILOG_TRAIN = """examples:
  backprop train --data xor --layers 2,4,1 --activation tanh --epochs 300 --out runs/xor
  backprop train --data moons --layers 2,16,2 --epochs 60 --lr 0.3 --checkpoint-every 10
  backprop train --data mnist-5k --layers 784,100,10 --lr 0.1 --batch-size 64
  backprop train --data fashion-mnist --layers 784,100,10 --optimizer adam --lr 1e-3

Nielsen's network (chapter 1: sigmoid units, quadratic cost, eta = 3, mini-batches of 10),
over 90% on the held-out quarter of mnist-5k in a few seconds:
  backprop train --data mnist-5k --layers 784,30,10 --loss quadratic --activation sigmoid \\
      --output-activation sigmoid --lr 3 --batch-size 10 --epochs 10

A single output is a binary classifier: class 1 where the output > 0 for scores
(--loss bce_with_logits, the default), > 0.5 for probabilities (--output-activation sigmoid)
and for a squared error fitted to the labels 0 and 1. Ctrl-C stops after the current
mini-batch and keeps what it has; --resume continues from --out's checkpoint.
"""


# ---------------------------------------------------------------------- options
def add_training_arguments(parser: argparse.ArgumentParser) -> None:
    """Every option of ``backprop train``: the data, the network, the loss, the optimizer, the
    schedule and the output folder."""
    from ..activations import NAMES as ACTIVATION_NAMES
    from ..data import DATASETS
    from ..nn.init import INITIALIZERS
    from ..nn.losses import OUTPUT_ACTIVATIONS

    parser.add_argument("--data", required=True, help=f"one of {', '.join(DATASETS)}")
    parser.add_argument(
        "--layers",
        type=_parse_layers,
        help="sizes from input to output, e.g. 784,100,10 (default: FEATURES,30,CLASSES)",
    )
    parser.add_argument(
        "--activation", default="relu", choices=ACTIVATION_NAMES, help="hidden units' g(z)"
    )
    parser.add_argument(
        "--output-activation",
        choices=OUTPUT_ACTIVATIONS,
        help="the output layer's: sigmoid (Nielsen's network; probabilities), softmax, or none "
        "(scores) (default: sigmoid with --loss bce, else none)",
    )
    parser.add_argument(
        "--loss",
        choices=TRAINING_LOSSES,
        help="the cost C (default: cross_entropy for several outputs, bce_with_logits for one)",
    )
    parser.add_argument("--init", choices=list(INITIALIZERS), help=INIT_HELP)
    parser.add_argument("--optimizer", default="sgd", choices=["sgd", "adam"], help="the rule")
    parser.add_argument("--lr", type=_positive_float, default=0.1, help="learning rate eta")
    parser.add_argument("--momentum", type=float, default=0.0, help="SGD's momentum")
    parser.add_argument("--epochs", type=_positive_int, default=10, help="passes over the data")
    parser.add_argument(
        "--batch-size", type=_positive_int, default=32, help="examples per step (m)"
    )
    parser.add_argument(
        "--tol", type=_positive_float, help="stop when |C - C_prev| < tol (default: never)"
    )
    parser.add_argument("--seed", type=_seed, default=0, help="weights, split and shuffling")
    parser.add_argument("--out", default="backprop-out/train", help="folder for what is written")
    parser.add_argument(
        "--progress",
        choices=["on", "off"],
        help="a progress bar (default: on when stderr is a terminal)",
    )
    parser.add_argument(
        "--checkpoint-every",
        type=_positive_int,
        metavar="N",
        help="write OUT/checkpoint.npz every N epochs, for --resume (default: none)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue exactly from OUT/checkpoint.npz, with the same options (default: off)",
    )


def add_parsers(sub: Any, formatter: type[argparse.HelpFormatter]) -> None:
    """The ``train`` and ``evaluate`` subcommands."""
    from ..data import DATASETS

    train = sub.add_parser(
        "train",
        help="train an MLP and save the model, its history and pictures",
        formatter_class=formatter,
        epilog=EPILOG_TRAIN,
    )
    add_training_arguments(train)
    train.set_defaults(func=cmd_train)

    evaluate = sub.add_parser(
        "evaluate",
        help="test accuracy and confusion matrix of a saved model",
        formatter_class=formatter,
        epilog="example:\n  backprop evaluate runs/mnist/model.npz --data mnist-5k",
    )
    evaluate.add_argument("model", help="a file written by backprop train / backprop.save")
    evaluate.add_argument("--data", required=True, help=f"one of {', '.join(DATASETS)}")
    evaluate.add_argument("--seed", type=_seed, default=0, help="seed of the train/test split")
    evaluate.set_defaults(func=cmd_evaluate)


# ---------------------------------------------------------------------- the set-up
def _check_width(sizes: list[int], n_features: int, n_classes: int, data: str) -> None:
    if sizes[0] != n_features:
        raise UsageError(
            f"--layers starts with {sizes[0]} inputs but {data} has {n_features} features"
        )
    if sizes[-1] not in (n_classes, 1) or (sizes[-1] == 1 and n_classes > 2):
        raise UsageError(
            f"--layers ends with {sizes[-1]} outputs but {data} has {n_classes} classes"
        )


def choose_loss(loss: str | None, output: str | None, n_outputs: int) -> tuple[str, str]:
    """The loss and output activation for ``n_outputs`` outputs: the defaults filled in, and a
    UsageError naming what to pass for a combination that cannot train."""
    if loss is None:
        loss = "bce_with_logits" if n_outputs == 1 else "cross_entropy"
    if output is None:
        output = "sigmoid" if loss == "bce" else "none"
    if n_outputs == 1 and loss in ("cross_entropy", "multi_margin"):
        raise UsageError(
            f"--loss {loss} needs one output per class; a single output takes --loss "
            f"bce_with_logits (its score), bce with --output-activation sigmoid, or quadratic"
        )
    if loss in _ON_SCORES and output != "none":
        raise UsageError(
            f"--loss {loss} reads the outputs as scores{_ON_SCORES[loss]}; pass "
            f"--output-activation none, or --loss bce or quadratic for {output} outputs"
        )
    if loss == "bce" and output == "none":
        raise UsageError(
            "--loss bce takes probabilities: pass --output-activation sigmoid, or --loss "
            "bce_with_logits for scores"
        )
    if output == "softmax" and n_outputs == 1:
        raise UsageError(
            "--output-activation softmax over a single output is always 1; use sigmoid"
        )
    return loss, output


def rule_text(threshold: float, n_outputs: int) -> str:
    """How outputs become classes, in words."""
    if n_outputs > 1:
        return f"argmax over the {n_outputs} outputs"
    return f"class 1 where the output > {threshold:g}"


def _network(sizes: list[int], activation: str, output: str, **options: Any) -> Any:
    """The MLP of ``train``: ``activation`` in the hidden layers, ``output`` after the last."""
    from ..nn import mlp

    return mlp(
        sizes, activation=activation, output="identity" if output == "none" else output, **options
    )


def prediction_threshold(model: Any, loss: Any) -> float:
    """The threshold a single output of ``model`` is read at: a textbook network states its own
    (``layered.Network.threshold``, from its cost and output layer); any other model's comes
    from ``decision_threshold`` given ``loss`` (None if the file names none) and the output
    activation its architecture ends with."""
    from ..layered import Network
    from ..nn.losses import decision_threshold

    if isinstance(model, Network):
        return float(model.threshold)
    return decision_threshold(loss, output_activation(model))


def output_activation(model: Any) -> str:
    """The output activation a model's architecture ends with: "sigmoid", "softmax" or "none"."""
    from ..nn.activations import Sigmoid, Softmax
    from ..nn.layers import Sequential

    last = model[len(model) - 1] if isinstance(model, Sequential) and len(model) else model
    if isinstance(last, Sigmoid):
        return "sigmoid"
    return "softmax" if isinstance(last, Softmax) else "none"


@contextmanager
def _ctrl_c_stops(stop: threading.Event) -> Iterator[None]:
    """While training: the first Ctrl-C sets ``stop`` (fit ends after the current mini-batch),
    a second one interrupts at once. Outside the main thread (a command running ``cmd_train``
    in a thread of its own) signals cannot be caught and Ctrl-C is left as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print(
            "\nbackprop: Ctrl-C: stopping after this mini-batch and writing what there is "
            "(Ctrl-C again to quit at once)",
            file=sys.stderr,
            flush=True,
        )

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _epochs(n: int) -> str:
    return f"{n} epoch" if n == 1 else f"{n} epochs"


class Snapshots:
    """The weights after evenly spaced epochs, however long the run turns out to be (Ctrl-C may
    end it anywhere): every ``stride``-th epoch is kept, and once more than ``keep`` are held
    every other one is dropped and the stride doubles."""

    def __init__(self, model: Any, keep: int = 64) -> None:
        self.model, self.keep, self.stride = model, keep, 1
        self.states: dict[int, dict[str, np.ndarray]] = {0: model.state_dict()}

    def __call__(self, epoch: int, logs: dict[str, float]) -> None:
        if epoch % self.stride == 0:
            self.states[epoch] = self.model.state_dict()
        if len(self.states) > self.keep:
            self.stride *= 2
            self.states = {e: s for e, s in self.states.items() if e % self.stride == 0}

    def frames(self, last: int) -> dict[int, dict[str, np.ndarray]]:
        """BOUNDARY_FRAMES states: the initial weights, the last epoch's (``last``, the model
        as it is now) and evenly spaced ones between."""
        self.states[last] = self.model.state_dict()
        epochs = sorted(self.states)
        picks = np.unique(np.round(np.linspace(0, len(epochs) - 1, BOUNDARY_FRAMES)))
        return {epochs[int(i)]: self.states[epochs[int(i)]] for i in picks}


# ---------------------------------------------------------------------- train
def cmd_train(args: argparse.Namespace) -> int:
    from .. import io
    from ..data.catalog import class_names
    from ..runs import build_run, fit_run

    out = _out_folder(args.out)
    checkpoint = out / "checkpoint.npz"
    if args.resume and not checkpoint.is_file():
        raise UsageError(
            f"--resume: there is no checkpoint {checkpoint} to continue from (write one with "
            f"--checkpoint-every N)"
        )
    run = build_run(vars(args))
    data, model, loss, sizes = run.data, run.model, run.loss, run.sizes
    if args.resume:  # a checkpoint of other layers is refused before anything is printed
        io.check_checkpoint_architecture(checkpoint, model)
    loss_name, output, threshold = run.loss_name, run.output, run.threshold
    n_features = data.X_train.shape[1]

    names = class_names(args.data, data.n_classes)
    layers = "-".join(map(str, sizes))
    split = (
        "test: its own test set"
        if args.data == "fashion-mnist" or args.data.startswith("idx:")
        else f"test: a held-out quarter, stratified, seed {args.seed}"
    )
    print(
        f"data: {args.data}, {len(data.X_train):,} training and {len(data.X_test):,} test rows "
        f"({split}), {n_features} features, {data.n_classes} classes: {', '.join(names)}"
    )
    print(f"model: {layers}, hidden {args.activation}, output {output}, init {model[0].init}")
    print(model)
    print(
        f"loss: {loss_name} ({type(loss).__name__}); prediction: {rule_text(threshold, sizes[-1])}"
    )
    batch = run.batch_size
    steps = -(-len(data.X_train) // batch)
    print(
        f"training: {_epochs(args.epochs)} of {steps} steps (batch {batch}), {args.optimizer} "
        f"lr {args.lr:g}" + (f", resuming from {checkpoint}" if args.resume else ""),
    )
    print("training started; Ctrl-C stops after the current mini-batch and keeps it", flush=True)

    snapshots = Snapshots(model) if n_features == 2 else None
    callbacks: list[Callable[[int, dict[str, float]], Any]] = [snapshots] if snapshots else []
    stop = threading.Event()
    use_checkpoint = args.checkpoint_every is not None or args.resume
    out.mkdir(parents=True, exist_ok=True)
    with _ctrl_c_stops(stop):
        history = fit_run(
            run,
            progress=None if args.progress is None else args.progress == "on",
            callbacks=callbacks,
            stop=stop,
            checkpoint=checkpoint if use_checkpoint else None,
            checkpoint_every=args.checkpoint_every or 1,
            resume=args.resume,
            train_accuracy=True,
        )
    interrupted = history.stop_reason == "stop_requested"
    shown = "" if output == "none" else f", {output} output"
    title = f"{args.data}: {layers} {args.activation} network{shown}, {loss_name}"
    written = _write_run(out, model, loss, history, title)
    if snapshots is not None:
        frames = snapshots.frames(history.epochs_run)
        written += _boundary_pictures(
            out, model, sizes, args, output, frames, data, threshold, history
        )
    elif data.image_shape is not None:
        written += _image_pictures(out, model, data, names, threshold)

    if history.val_accuracy and history.accuracy:
        print(
            f"training accuracy {history.accuracy[-1]:.2%}, test accuracy "
            f"{history.val_accuracy[-1]:.2%} ({len(data.y_test):,} test rows)"
        )
    files = ", ".join(path.name for path in written)
    took = seconds_text(history.seconds)
    if interrupted:
        print(
            f"interrupted by Ctrl-C at epoch {history.epochs_run}, step "
            f"{history.steps_in_last_epoch} of {steps}, after {took}; wrote the model and "
            f"pictures as they are: {files} in {out}"
        )
        return 130
    print(
        f"stopped after {_epochs(history.epochs_run)} in {took} because "
        f"{history.stopped_because()}; final training cost {history.loss[-1]:.4f}"
    )
    print(f"wrote {files} in {out}")
    return 0


def _write_run(out: Path, model: Any, loss: Any, history: Any, title: str) -> list[Path]:
    """The model (with the loss it was trained with), its history and its curves."""
    from .. import io
    from ..viz import plot_history

    io.save(model, out / "model.npz", extra={"loss": loss.config()})
    io.write_text(out / "history.json", json.dumps(history.to_dict(), indent=2))
    rows = history.rows()
    table = StringIO(newline="")
    writer = csv.DictWriter(table, fieldnames=list(rows[0]) if rows else ["epoch"])
    writer.writeheader()
    writer.writerows(rows)
    io.write_text(out / "history.csv", table.getvalue())
    written = [out / "model.npz", out / "history.json", out / "history.csv"]
    if rows:
        written.append(plot_history(history, out / "loss.png", title=title, held_out="test"))
    return written


def _boundary_pictures(
    out: Path,
    model: Any,
    sizes: list[int],
    args: argparse.Namespace,
    output: str,
    frames: dict[int, dict[str, np.ndarray]],
    data: Any,
    threshold: float,
    history: Any,
) -> list[Path]:
    """The decision boundary over the training points, finally and over the epochs, as a grid
    of panels and as an animated GIF of the same frames (the last frame is the model as it is,
    also when Ctrl-C ended its epoch early)."""
    from ..viz import animate_decision_boundaries, plot_decision_boundaries, plot_decision_boundary

    # A single output that is neither a probability nor a score read at 0 is drawn as itself.
    score = "network output" if sizes[-1] == 1 and output == "none" and threshold else None
    extra = {"score": score, "threshold": threshold} if score else {}
    title = f"{args.data}: {'-'.join(map(str, sizes))} {args.activation} network"
    last = history.epochs_run
    cut = history.stop_reason == "stop_requested"
    when = f"step {history.steps_in_last_epoch} of epoch {last}" if cut else _epochs(last)
    final = plot_decision_boundary(
        model,
        data.X_train,
        data.y_train,
        out / "boundary.png",
        title=f"{title} after {when}",
        **extra,
    )
    models = {}
    for epoch, state in sorted(frames.items()):
        frame = _network(sizes, args.activation, output, init="zeros")
        frame.load_state_dict(state)
        name = f"epoch {epoch}" if epoch else "initial weights"
        models[f"{when} (Ctrl-C)" if cut and epoch == last else name] = frame
    pictures = [final]
    for draw, name in (
        (plot_decision_boundaries, "boundary_epochs.png"),
        (animate_decision_boundaries, "boundary_epochs.gif"),
    ):
        pictures.append(
            draw(models, data.X_train, data.y_train, out / name, title=f"{title}, over the epochs",
                 **extra)
        )  # fmt: skip
    return pictures


def _image_pictures(
    out: Path, model: Any, data: Any, names: tuple[str, ...], threshold: float
) -> list[Path]:
    """The confusion matrix and the misclassified test images, with the classes' names."""
    from ..nn.losses import predict_classes
    from ..viz import plot_confusion_matrix, plot_misclassified

    predicted = predict_classes(_outputs(model, data.X_test), threshold)
    return [
        plot_confusion_matrix(data.y_test, predicted, out / "confusion.png", labels=names),
        plot_misclassified(
            data.X_test,
            data.y_test,
            predicted,
            out / "misclassified.png",
            shape=data.image_shape,
            labels=names,
        ),
    ]


def _outputs(model: Any, X: np.ndarray) -> np.ndarray:
    """The model's outputs on X, one row per example."""
    from ..tensor import Tensor, no_grad

    with no_grad():
        return model(Tensor(X.astype(model.parameters()[0].data.dtype))).data


# ---------------------------------------------------------------------- evaluate
def saved_loss(path: str) -> Loss | None:
    """The loss a model was trained with, as ``train`` saved it in the file (None: none saved)."""
    from .. import io
    from ..errors import ModelFileError
    from ..nn.losses import loss_function

    saved = (io.load_extra(path) or {}).get("loss")
    try:
        return None if saved is None else loss_function(saved)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: the saved loss {saved!r} is unusable: {exc}") from None


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .. import io
    from ..data import load
    from ..data.catalog import class_names
    from ..nn.losses import predict_classes
    from ..viz import confusion_matrix, format_confusion_matrix

    model = io.load(args.model)
    loss = saved_loss(args.model)
    threshold = prediction_threshold(model, loss)
    data = load(args.data, seed=args.seed)
    scores = _outputs(model, data.X_test)
    predicted = predict_classes(scores, threshold)
    n_outputs = scores.shape[1]
    how = "no loss saved with it" if loss is None else f"trained with {type(loss).__name__}"
    accuracy = float(np.mean(predicted == data.y_test))
    print(
        f"{args.model}: {accuracy:.2%} of {len(data.y_test)} test examples of "
        f"{args.data}; prediction: {rule_text(threshold, n_outputs)}, {how}"
    )
    cm = confusion_matrix(data.y_test, predicted, n_classes=data.n_classes)
    print(format_confusion_matrix(cm, labels=class_names(args.data, data.n_classes)))
    return 0
