"""The fit loop: gradient descent, online SGD and mini-batch SGD, with a convergence test.

``fit`` is the library's only training loop: the CLI, the scikit-learn wrapper, the textbook
network's ``sgd``, the examples and the demos all call it. Per mini-batch of m examples it runs
one training step in three phases:

    forward:   a = model(x) for the batch,  C = loss(a, y) (+ lambda * Omega(theta))
    backward:  dC/dw for every parameter
    update:    w -> w - eta * dC/dw     = w - (eta/m) sum_x dC_x/dw when C is the batch mean

A model supplies its step through one small protocol, ``TrainingStep``: any ``Module`` gets a
``GraphStep`` (the graph engine: ``loss.backward()``, then the optimizer), and a model with a
``training_step`` method may supply its own, as ``layered.Network`` does with BP1-BP4 (fused with
the update under plain SGD).

``batch_size=None`` uses the whole training set per step (gradient descent), ``1`` one example at a
time (online SGD, the lectures' stochastic gradient descent), ``m`` mini-batches. ``tol`` stops at
the lectures' convergence test |C - C_prev| < eps on the epoch's training cost.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from numbers import Real
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .data._checks import check_inputs
from .errors import TrainingDiverged
from .io import load_checkpoint, save_checkpoint
from .nn.losses import Loss, accuracy, loss_function
from .nn.module import Module
from .optim import OPTIMIZERS, optimizer_by_name
from .rng import get_rng
from .tensor import Tensor, no_grad

Callback = Callable[[int, dict[str, float]], Any]


@dataclass
class History:
    """What happened per epoch: training cost, validation cost and accuracy, why training stopped.

    ``loss[k]`` is the mean of the mini-batch costs of epoch k+1 (weighted by batch size), the C of
    the convergence test. A run stopped within an epoch (a step callback, ``stop``) records that
    epoch's mean over the steps it ran, ``steps_in_last_epoch`` of them. ``accuracy`` is the
    training set's accuracy at the end of each epoch, recorded when ``fit(train_accuracy=True)``.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    stop_reason: str = ""
    best_epoch: int | None = None
    epochs_run: int = 0
    seconds: float = 0.0
    steps_in_last_epoch: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "loss": self.loss,
            "accuracy": self.accuracy,
            "val_loss": self.val_loss,
            "val_accuracy": self.val_accuracy,
            "lr": self.lr,
            "stop_reason": self.stop_reason,
            "best_epoch": self.best_epoch,
            "epochs_run": self.epochs_run,
            "seconds": self.seconds,
            "steps_in_last_epoch": self.steps_in_last_epoch,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> History:
        return cls(**d)

    def stopped_because(self) -> str:
        """Why training stopped, in words: "it ran all 10 epochs it was given", ..."""
        if self.stop_reason == "epochs":
            if self.epochs_run == 1:
                return "it ran the 1 epoch it was given"
            return f"it ran all {self.epochs_run} epochs it was given"
        if self.stop_reason == "tol":
            return "the cost converged: |C - C_prev| < tol"
        if self.stop_reason == "early_stopping":
            return (
                f"early stopping: the validation cost had not improved since epoch "
                f"{self.best_epoch}, whose weights were restored"
            )
        if self.stop_reason == "callback":
            return "a callback asked to stop"
        if self.stop_reason == "stop_requested":
            return f"a stop was requested, after step {self.steps_in_last_epoch} of the epoch"
        return "it has not run"

    def rows(self) -> list[dict[str, float]]:
        """One dict per epoch (epoch, loss, and whatever else was recorded), e.g. for CSV."""
        columns = {
            k: v
            for k, v in (
                ("loss", self.loss),
                ("accuracy", self.accuracy),
                ("val_loss", self.val_loss),
                ("val_accuracy", self.val_accuracy),
                ("lr", self.lr),
            )
            if v
        }
        return [
            {"epoch": i + 1, **{k: v[i] for k, v in columns.items()}} for i in range(len(self.loss))
        ]



class TrainingStep(Protocol):
    """One training step in phases, on a mini-batch: what ``fit`` needs from a model.

    ``forward`` computes the outputs and returns the batch cost C (its penalty included),
    ``backward`` the gradients, ``update`` moves the parameters; a view may call them one at a
    time. ``prepare_targets`` converts a dataset's targets once to what the step takes,
    ``threshold`` says how a single output becomes a class, and ``evaluate`` gives the mean cost
    and the outputs over a dataset without changing anything.
    """

    threshold: float | None

    def prepare_targets(self, y: Any, out_width: int, dtype: Any) -> np.ndarray: ...

    def forward(self, x: np.ndarray, y: np.ndarray) -> float: ...

    def backward(self) -> None: ...

    def update(self) -> None: ...

    def evaluate(self, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]: ...


class GraphStep:
    """A step of any ``Module`` through the graph engine: C = loss(model(x), y) (+ lambda
    Omega(theta)), ``C.backward()`` fills every ``p.grad``, and the optimizer steps."""

    def __init__(
        self,
        model: Module,
        loss: Loss,
        optimizer: Any,
        regularization: Callable[[Module], Tensor] | None = None,
    ) -> None:
        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.regularization = regularization
        self.threshold = loss.threshold
        self.cost: Tensor | None = None

    def prepare_targets(self, y: Any, out_width: int, dtype: Any) -> np.ndarray:
        return self.loss.prepare_targets(y, out_width, dtype)

    def forward(self, x: np.ndarray, y: np.ndarray) -> float:
        self.optimizer.zero_grad()
        cost = self.loss(self.model(Tensor(x)), y)
        if self.regularization is not None:
            cost = cost + self.regularization(self.model)
        self.cost = cost
        return float(cost.data)

    def backward(self) -> None:
        self.cost.backward()

    def update(self) -> None:
        self.optimizer.step()

    def evaluate(self, X: np.ndarray, y: np.ndarray, batch: int = 4096) -> tuple[float, np.ndarray]:
        """Mean cost and outputs over a dataset, in chunks, without building a graph."""
        outputs, total = [], 0.0
        with no_grad():
            for start in range(0, len(X), batch):
                out = self.model(Tensor(X[start : start + batch]))
                total += float(self.loss(out, y[start : start + batch]).data) * len(out.data)
                outputs.append(out.data)
        return total / len(X), np.concatenate(outputs)


def training_step(
    model: Module,
    loss: Loss | str | None,
    optimizer: Any,
    regularization: Callable[[Module], Tensor] | None = None,
) -> TrainingStep:
    """The step ``fit`` runs for ``model``: the model's own (``model.training_step``, e.g. the
    textbook network's BP1-BP4) when it offers one for this loss, else a ``GraphStep``."""
    loss_fn = None if loss is None else loss_function(loss)
    own = getattr(model, "training_step", None)
    if own is not None:
        step = own(loss_fn, optimizer, regularization)
        if step is not None:
            return step
    if loss_fn is None:
        raise TypeError(
            f"fit: a {type(model).__name__} needs loss= (a backprop loss or its name, "
            f"e.g. 'cross_entropy')"
        )
    return GraphStep(model, loss_fn, optimizer, regularization)


@dataclass
class StepEnd:
    """What a step callback receives after each step: where training is and the step itself
    (its phases and, for the textbook network, its record)."""

    epoch: int
    step: int
    cost: float
    lr: float
    trainer: TrainingStep


def _model_dtype(model: Module) -> np.dtype:
    params = model.parameters()
    return params[0].data.dtype if params else np.dtype(np.float32)


def _progress_bar(enabled: bool | None, total: int) -> Any:
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="batch", leave=True)


def fit(
    model: Module,
    X: Any,
    y: Any,
    *,
    loss: Loss | str | None = None,
    optimizer: Any,
    lr: float | None = None,
    epochs: int,
    batch_size: int | None = None,
    tol: float | None = None,
    validation: tuple[Any, Any] | None = None,
    validation_fraction: float | None = None,
    patience: int | None = None,
    shuffle: bool = True,
    seed: int | np.random.Generator | None = None,
    callbacks: Sequence[Callback] = (),
    step_callbacks: Sequence[Callable[[StepEnd], Any]] = (),
    stop: Any = None,
    progress: bool | None = None,
    regularization: Callable[[Module], Tensor] | None = None,
    scheduler: Any = None,
    checkpoint: str | Path | None = None,
    checkpoint_every: int = 1,
    resume: bool = False,
    threshold: float | None = None,
    train_accuracy: bool = False,
) -> History:
    """Train ``model`` on (X, y) and return its ``History``.

    Parameters
    ----------
    loss : a loss module (``backprop.nn.CrossEntropyLoss()``) or its name ("cross_entropy");
        may be omitted for a model with a cost of its own (``layered.Network``).
    optimizer : a ``backprop.optim`` optimizer over ``model.parameters()``, or its name ("sgd",
        "adam"), built over ``model.parameters()`` with learning rate ``lr``.
    lr : the learning rate, with an optimizer given by name only.
    batch_size : None = full-batch gradient descent, 1 = online SGD, m = mini-batch SGD.
    tol : stop when |C - C_prev| < tol between consecutive epochs (the convergence test).
    validation, validation_fraction : held-out data, given or split off X (seeded).
    patience : with validation data, stop after this many epochs without a better validation
        cost and restore the best weights (early stopping).
    callbacks : ``f(epoch, logs)`` after every epoch; returning True stops training.
    step_callbacks : ``f(StepEnd)`` after every step; returning True stops after that step.
    stop : a ``threading.Event`` (anything with ``is_set()``): once set, training stops after
        the current step (the command line's Ctrl-C sets one).
    progress : a tqdm bar (epoch, loss, speed); None = only when stderr is a terminal.
    regularization : ``nn.L1(lmbda)`` / ``nn.L2(lmbda)``, added as lambda * Omega(theta) (ERM).
    scheduler : a learning-rate schedule whose ``step()`` runs after every epoch.
    checkpoint : a file rewritten (atomically) after every ``checkpoint_every``-th epoch (and
        the last) with the model, the optimizer state, the epoch, the shuffling generator's state
        and the history. An epoch cut short by ``stop`` is not written: the file keeps the last
        whole epoch, from which a resumed run continues exactly.
    resume : continue from ``checkpoint`` if it exists; with the same arguments and an integer
        ``seed`` the result equals an uninterrupted run, early stopping included (the checkpoint
        holds the best weights so far). A checkpoint of a run that had stopped (early stopping,
        ``tol``, a callback) trains no further epochs.
    threshold : how a single output becomes a class in the accuracies (class 1 where output >
        threshold); None = the step's own, its loss's ``threshold``.
    train_accuracy : also record the training set's accuracy after every epoch
        (``History.accuracy``; one forward pass over the training set per epoch).

    Targets are converted once, as the loss takes them (``Loss.prepare_targets``: class labels
    become one-hot rows for the quadratic cost with 10 outputs, Nielsen's MNIST set-up). Bad
    input raises before any training. A NaN or infinite cost raises ``TrainingDiverged`` naming
    the epoch and step, with the model at the weights from before that step (or, if an update
    had already made those non-finite, at the weights its epoch started with). X and y are
    never modified.
    """
    if isinstance(loss, str):
        loss = loss_function(loss)
    if loss is not None and not isinstance(loss, Loss):
        raise TypeError(f"fit: loss must be a backprop loss or its name, got {loss!r}")
    if isinstance(optimizer, str):
        optimizer = optimizer_by_name(optimizer, model.parameters(), lr, "fit")
    elif lr is not None:
        raise ValueError(
            "fit: lr= goes with an optimizer given by name (optimizer='sgd', lr=0.1); this "
            "optimizer has its own learning rate"
        )
    if not isinstance(getattr(optimizer, "lr", None), Real):
        raise TypeError(
            f"fit: optimizer must be a backprop optimizer (backprop.optim.SGD(model.parameters(), "
            f"lr=0.1)) or a name ({', '.join(map(repr, OPTIMIZERS))}) with lr=, got {optimizer!r}"
        )
    if not _is_integer(epochs) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive integer, got {epochs!r}")
    if tol is not None and not tol > 0:
        raise ValueError(f"fit: tol must be positive, got {tol!r}")
    if patience is not None and (not _is_integer(patience) or patience < 1):
        raise ValueError(f"fit: patience must be a positive integer, got {patience!r}")
    if not _is_integer(checkpoint_every) or checkpoint_every < 1:
        raise ValueError(
            f"fit: checkpoint_every must be a positive integer, got {checkpoint_every!r}"
        )
    if not math.isfinite(float(optimizer.lr)) or optimizer.lr <= 0:
        raise ValueError(f"fit: the learning rate must be positive, got {optimizer.lr!r}")
    trainer = training_step(model, loss, optimizer, regularization)
    if threshold is None:
        threshold = trainer.threshold

    dtype = _model_dtype(model)
    X = check_inputs(X, dtype, "fit")
    y_raw = np.asarray(y.data if isinstance(y, Tensor) else y)
    if y_raw.ndim == 0:
        raise ValueError(
            f"fit: y must hold one target per example ({len(X)} of them), got the single value "
            f"{y!r}"
        )
    if len(y_raw) != len(X):
        raise ValueError(f"fit: X has {len(X)} examples but y has {len(y_raw)}")
    with no_grad():
        out_width = int(np.prod(model(Tensor(X[:1])).shape[1:]))
    y_all = trainer.prepare_targets(y_raw, out_width, dtype)

    rng = get_rng(seed)
    if validation is not None and validation_fraction is not None:
        raise ValueError("fit: pass validation or validation_fraction, not both")
    if validation_fraction is not None:
        if not 0 < validation_fraction < 1:
            raise ValueError(
                f"fit: validation_fraction must be in (0, 1), got {validation_fraction!r}"
            )
        order = rng.permutation(len(X))
        n_val = max(1, int(round(validation_fraction * len(X))))
        if n_val >= len(X):
            raise ValueError("fit: validation_fraction leaves no training examples")
        X_val, y_val = X[order[:n_val]], y_all[order[:n_val]]
        X, y_all = X[order[n_val:]], y_all[order[n_val:]]
    elif validation is not None:
        X_val = check_inputs(validation[0], dtype, "fit", "validation X")
        y_val = trainer.prepare_targets(validation[1], out_width, dtype)
        if len(y_val) != len(X_val):
            raise ValueError(
                f"fit: validation X has {len(X_val)} examples but validation y has {len(y_val)}"
            )
    else:
        X_val = y_val = None
    if patience is not None and X_val is None:
        raise ValueError("fit: patience (early stopping) needs validation or validation_fraction")

    n = len(X)
    m = n if batch_size is None else batch_size
    if not _is_integer(m) or m < 1:
        raise ValueError(f"fit: batch_size must be a positive integer or None, got {batch_size!r}")
    m = int(m)
    if m > n:
        raise ValueError(f"fit: batch_size {m} is larger than the {n} training examples")

    params = model.parameters()
    history = History()
    first_epoch, info = 1, None
    if resume and checkpoint is not None and Path(checkpoint).exists():
        info = load_checkpoint(checkpoint, model, optimizer)
        rng.bit_generator.state = info["rng_state"]
        history = History.from_dict(info["extra"]["history"])
        if scheduler is not None:
            scheduler.load_state_dict(info["extra"]["scheduler"])
        first_epoch = info["epoch"] + 1
    best_val, best_state, since_best = math.inf, None, 0
    if info is not None and patience is not None and info["best"] is not None:
        best_state, best = info["best"], history.best_epoch
        best_val, since_best = history.val_loss[best - 1], history.epochs_run - best
    bar = _progress_bar(progress, (epochs - first_epoch + 1) * math.ceil(n / m))
    started = time.perf_counter()
    model.train()
    try:
        # Overflow shows up as a non-finite cost and stops training with TrainingDiverged below,
        # so NumPy's own overflow warnings would only repeat it.
        with np.errstate(over="ignore", invalid="ignore"):
            # A checkpoint of a run that had stopped early leaves nothing to do.
            remaining = range(first_epoch, epochs + 1) if not history.stop_reason else range(0)
            for epoch in remaining:
                epoch_start = [p.data.copy() for p in params]
                if bar is not None:
                    bar.set_description(f"epoch {epoch}/{epochs}")
                order = rng.permutation(n) if shuffle and m < n else None
                total, seen, steps = 0.0, 0, 0
                for steps, start in enumerate(range(0, n, m), 1):
                    if order is None:
                        xb, yb = X[start : start + m], y_all[start : start + m]
                    else:
                        idx = order[start : start + m]
                        # take() is X[idx] with less overhead: 1.5 against 3.4 us at batch 10
                        xb, yb = X.take(idx, axis=0), y_all.take(idx, axis=0)
                    cost = trainer.forward(xb, yb)
                    if not math.isfinite(cost):
                        lr = optimizer.lr
                        _diverged(params, epoch_start, f"the cost is {cost}", epoch, steps, lr)
                    trainer.backward()
                    trainer.update()
                    total += cost * len(xb)
                    seen += len(xb)
                    if bar is not None:
                        bar.update(1)
                    if step_callbacks:
                        end = StepEnd(epoch, steps, cost, float(optimizer.lr), trainer)
                        if any([bool(cb(end)) for cb in step_callbacks]):
                            history.stop_reason = "callback"
                    if not history.stop_reason and stop is not None and stop.is_set():
                        history.stop_reason = "stop_requested"
                    if history.stop_reason:
                        break
                if not all(np.isfinite(p.data).all() for p in params):
                    what, lr = "the weights are not finite", optimizer.lr
                    _diverged(params, epoch_start, what, epoch, steps, lr)
                train_cost = total / seen
                history.loss.append(train_cost)
                history.lr.append(float(optimizer.lr))
                history.epochs_run = epoch
                history.steps_in_last_epoch = steps
                logs = {"epoch": epoch, "loss": train_cost}
                if train_accuracy:
                    model.eval()
                    train_acc = accuracy(trainer.evaluate(X, y_all)[1], y_all, threshold)
                    model.train()
                    if train_acc is not None:
                        history.accuracy.append(train_acc)
                        logs["accuracy"] = train_acc
                if X_val is not None:
                    model.eval()
                    val_cost, val_out = trainer.evaluate(X_val, y_val)
                    val_acc = accuracy(val_out, y_val, threshold)
                    model.train()
                    history.val_loss.append(val_cost)
                    logs["val_loss"] = val_cost
                    if val_acc is not None:
                        history.val_accuracy.append(val_acc)
                        logs["val_accuracy"] = val_acc
                if bar is not None:
                    bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items() if k != "epoch"})
                if scheduler is not None:
                    scheduler.step()
                if patience is not None:
                    if history.val_loss[-1] < best_val:
                        best_val, since_best = history.val_loss[-1], 0
                        best_state, history.best_epoch = model.state_dict(), epoch
                    else:
                        since_best += 1
                if history.stop_reason:
                    pass  # a step callback or ``stop`` ended the epoch early
                elif any([bool(cb(epoch, logs)) for cb in callbacks]):
                    history.stop_reason = "callback"
                elif patience is not None and since_best >= patience:
                    history.stop_reason = "early_stopping"
                elif tol is not None and len(history.loss) > 1:
                    if abs(history.loss[-1] - history.loss[-2]) < tol:
                        history.stop_reason = "tol"
                due = epoch % checkpoint_every == 0 or epoch == epochs or history.stop_reason
                if checkpoint is not None and due and history.stop_reason != "stop_requested":
                    # written last: it holds the whole epoch's outcome
                    extra = {"history": history.to_dict()}
                    if scheduler is not None:
                        extra["scheduler"] = scheduler.state_dict()
                    save_checkpoint(
                        checkpoint,
                        model,
                        optimizer,
                        epoch=epoch,
                        rng_state=rng.bit_generator.state,
                        extra=extra,
                        best=best_state,
                    )
                if history.stop_reason:
                    break
            else:
                history.stop_reason = history.stop_reason or "epochs"
            if best_state is not None:  # early stopping keeps the weights of the best epoch
                model.load_state_dict(best_state)
    finally:
        if bar is not None:
            bar.close()
        history.seconds = time.perf_counter() - started
    return history


def _is_integer(value: Any) -> bool:
    """A Python or NumPy integer, not a bool."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _diverged(
    params: Iterable[Any],
    epoch_start: list[np.ndarray],
    what: str,
    epoch: int,
    step: int,
    lr: float,
) -> None:
    """Raise TrainingDiverged; the model keeps the weights from before the diverging step if they
    are finite, else goes back to the weights its epoch started with."""
    params = list(params)
    if all(np.isfinite(p.data).all() for p in params):
        held = "the weights from before that step"
    else:
        for p, saved in zip(params, epoch_start, strict=True):
            p.data[...] = saved
        held = f"the weights epoch {epoch} started with (later ones were not finite)"
    raise TrainingDiverged(
        f"training diverged: {what} at epoch {epoch}, step {step} (learning rate {lr:g}); the "
        f"model holds {held}. Try a smaller learning rate, e.g. {lr / 10:g}"
    )
