"""The fit loop: gradient descent, online SGD and mini-batch SGD, with a convergence test.

One loop serves every caller (CLI, scikit-learn wrapper, examples). Per mini-batch of m examples:

    forward:   a = model(x) for the batch,  C = loss(a, y) (+ lambda * Omega(theta))
    backward:  dC/dw for every parameter (reverse sweep over the graph)
    update:    w -> w - eta * dC/dw     = w - (eta/m) sum_x dC_x/dw when C is the batch mean

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
from pathlib import Path
from typing import Any

import numpy as np

from .data._checks import all_finite
from .data.preprocessing import one_hot
from .errors import TrainingDiverged
from .io import load_checkpoint, save_checkpoint
from .nn.losses import LOSSES, loss_function
from .nn.module import Module
from .rng import get_rng
from .tensor import Tensor, no_grad

Callback = Callable[[int, dict[str, float]], Any]

# Losses whose targets are class labels, and how a prediction is read off the output.
_ARGMAX_LOSSES = ("CrossEntropyLoss", "NLLLoss", "MultiMarginLoss")
_THRESHOLD = {"BCELoss": 0.5, "BCEWithLogitsLoss": 0.0, "HingeLoss": 0.0}
_ONE_HOT_LOSSES = ("QuadraticLoss", "MSELoss", "SumOfSquaresLoss", "BCELoss", "BCEWithLogitsLoss")


@dataclass
class History:
    """What happened per epoch: training cost, validation cost and accuracy, why training stopped.

    ``loss[k]`` is the mean of the mini-batch costs of epoch k+1 (weighted by batch size), the C of
    the convergence test.
    """

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    stop_reason: str = ""
    best_epoch: int | None = None
    epochs_run: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "loss": self.loss,
            "val_loss": self.val_loss,
            "val_accuracy": self.val_accuracy,
            "lr": self.lr,
            "stop_reason": self.stop_reason,
            "best_epoch": self.best_epoch,
            "epochs_run": self.epochs_run,
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> History:
        return cls(**d)

    def rows(self) -> list[dict[str, float]]:
        """One dict per epoch (epoch, loss, and whatever else was recorded), e.g. for CSV."""
        columns = {
            k: v
            for k, v in (
                ("loss", self.loss),
                ("val_loss", self.val_loss),
                ("val_accuracy", self.val_accuracy),
                ("lr", self.lr),
            )
            if v
        }
        return [
            {"epoch": i + 1, **{k: v[i] for k, v in columns.items()}} for i in range(len(self.loss))
        ]


def accuracy(output: np.ndarray, target: np.ndarray, loss_name: str) -> float | None:
    """Fraction of examples classified correctly, or None for a regression loss.

    Labels come from argmax over the outputs (several output neurons), or from a threshold on a
    single output (0.5 for probabilities, 0 for scores with ±1 or 0/1 labels).
    """
    if output.ndim == 2 and output.shape[1] > 1:
        if target.ndim == 1 and loss_name in _ARGMAX_LOSSES:
            truth = target
        elif target.shape == output.shape:
            truth = target.argmax(axis=1)
        else:
            return None
        return float(np.mean(output.argmax(axis=1) == truth))
    if loss_name not in _THRESHOLD:
        return None
    # Labels 0/1, -1/+1 and probabilities alike: the positive class is above 0.5.
    truth = target.reshape(-1) > 0.5
    return float(np.mean((output.reshape(-1) > _THRESHOLD[loss_name]) == truth))


def _class_labels(y: np.ndarray, out_width: int, who: str) -> np.ndarray:
    """Integer labels in 0..out_width-1, or a ValueError naming the first one outside."""
    if y.dtype.kind == "f" and not np.all(y == np.round(y)):
        raise ValueError(f"fit: {who} needs integer class labels, got fractional ones")
    labels = y.astype(np.int64)
    bad = labels[(labels < 0) | (labels >= out_width)]
    if bad.size:
        raise ValueError(
            f"fit: label {int(bad[0])} is outside the class range 0..{out_width - 1} "
            f"of a model with {out_width} outputs"
        )
    return labels


def _prepare_targets(y: Any, out_width: int, loss_name: str, dtype: np.dtype) -> np.ndarray:
    """Targets as arrays: integer labels for class losses, one-hot rows where outputs need them."""
    y = np.asarray(y.data if isinstance(y, Tensor) else y)
    if y.dtype.kind not in "fiub":
        raise TypeError(f"fit: targets must be numbers, got dtype {y.dtype}")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError("fit: the targets contain NaN or infinite values")
    if loss_name in _ARGMAX_LOSSES and y.ndim == 1:
        return _class_labels(y, out_width, loss_name)
    if loss_name in _ONE_HOT_LOSSES and y.ndim == 1 and out_width > 1:
        labels = _class_labels(y, out_width, f"{loss_name} with {out_width} outputs")
        return one_hot(labels, out_width).astype(dtype, copy=False)
    if loss_name not in _ARGMAX_LOSSES and y.ndim == 1 and out_width == 1:
        y = y.reshape(-1, 1)
    return y.astype(dtype) if loss_name not in _ARGMAX_LOSSES else y


def _prepare_inputs(X: Any, dtype: np.dtype, what: str) -> np.ndarray:
    X = X.data if isinstance(X, Tensor) else X
    try:
        X = np.asarray(X, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"fit: {what} must be numeric: {exc}") from None
    if X.ndim != 2:
        raise ValueError(f"fit: {what} must be 2-D (examples, features), got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"fit: {what} is empty (shape {X.shape})")
    if not all_finite(X):
        rows = np.unique(np.nonzero(~np.isfinite(X))[0])
        raise ValueError(
            f"fit: {what} contains NaN or infinite values (in {len(rows)} rows, first row "
            f"{int(rows[0])})"
        )
    return X


def _model_dtype(model: Module) -> np.dtype:
    params = model.parameters()
    return params[0].data.dtype if params else np.dtype(np.float32)


def _evaluate(
    model: Module, loss: Module, X: np.ndarray, y: np.ndarray, batch: int = 4096
) -> tuple[float, float | None]:
    """Mean cost and accuracy over a dataset, in chunks, without building a graph."""
    outputs, total = [], 0.0
    with no_grad():
        for start in range(0, len(X), batch):
            out = model(Tensor(X[start : start + batch]))
            total += float(loss(out, y[start : start + batch]).data) * len(out.data)
            outputs.append(out.data)
    output = np.concatenate(outputs)
    return total / len(X), accuracy(output, y, type(loss).__name__)


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
    loss: Module | str,
    optimizer: Any,
    epochs: int,
    batch_size: int | None = None,
    tol: float | None = None,
    validation: tuple[Any, Any] | None = None,
    validation_fraction: float | None = None,
    patience: int | None = None,
    shuffle: bool = True,
    seed: int | np.random.Generator | None = None,
    callbacks: Sequence[Callback] = (),
    progress: bool | None = None,
    regularization: Callable[[Module], Tensor] | None = None,
    scheduler: Any = None,
    checkpoint: str | Path | None = None,
    resume: bool = False,
) -> History:
    """Train ``model`` on (X, y) and return its ``History``.

    Parameters
    ----------
    loss : a loss module (``backprop.nn.CrossEntropyLoss()``) or its name ("cross_entropy").
    optimizer : a ``backprop.optim`` optimizer over ``model.parameters()``.
    batch_size : None = full-batch gradient descent, 1 = online SGD, m = mini-batch SGD.
    tol : stop when |C - C_prev| < tol between consecutive epochs (the convergence test).
    validation, validation_fraction : held-out data, given or split off X (seeded).
    patience : with validation data, stop after this many epochs without a better validation
        cost and restore the best weights (early stopping).
    callbacks : ``f(epoch, logs)`` after every epoch; returning True stops training.
    progress : a tqdm bar (epoch, loss, speed); None = only when stderr is a terminal.
    regularization : ``nn.L1(lmbda)`` / ``nn.L2(lmbda)``, added as lambda * Omega(theta) (ERM).
    scheduler : a learning-rate schedule whose ``step()`` runs after every epoch.
    checkpoint : a file rewritten (atomically) after every epoch with the model, the optimizer
        state, the epoch, the shuffling generator's state and the history.
    resume : continue from ``checkpoint`` if it exists; with the same arguments and an integer
        ``seed`` the result equals an uninterrupted run, early stopping included (the checkpoint
        holds the best weights so far). A checkpoint of a run that had stopped (early stopping,
        ``tol``, a callback) trains no further epochs.

    Class labels for a loss that compares whole output vectors (quadratic cost with 10 outputs,
    Nielsen's MNIST set-up) are one-hot encoded here. Bad input raises before any training; a
    NaN or infinite cost raises ``TrainingDiverged`` (naming epoch and step) with the model left
    at its last finite weights. X and y are never modified.
    """
    loss_fn = loss_function(loss) if isinstance(loss, str) else loss
    loss_name = type(loss_fn).__name__
    if loss_name not in {cls.__name__ for cls in LOSSES.values()}:
        raise TypeError(f"fit: loss must be a backprop loss or its name, got {loss!r}")
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive integer, got {epochs!r}")
    if tol is not None and not tol > 0:
        raise ValueError(f"fit: tol must be positive, got {tol!r}")
    if patience is not None and (not isinstance(patience, int) or patience < 1):
        raise ValueError(f"fit: patience must be a positive integer, got {patience!r}")
    if not math.isfinite(float(optimizer.lr)) or optimizer.lr <= 0:
        raise ValueError(f"fit: the learning rate must be positive, got {optimizer.lr!r}")

    dtype = _model_dtype(model)
    X = _prepare_inputs(X, dtype, "X")
    y_raw = np.asarray(y.data if isinstance(y, Tensor) else y)
    if len(y_raw) != len(X):
        raise ValueError(f"fit: X has {len(X)} examples but y has {len(y_raw)}")
    with no_grad():
        out_width = int(np.prod(model(Tensor(X[:1])).shape[1:]))
    y_all = _prepare_targets(y_raw, out_width, loss_name, dtype)

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
        X_val = _prepare_inputs(validation[0], dtype, "validation X")
        y_val = _prepare_targets(validation[1], out_width, loss_name, dtype)
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
    if not isinstance(m, int) or m < 1:
        raise ValueError(f"fit: batch_size must be a positive integer or None, got {batch_size!r}")
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
                total = 0.0
                for step, start in enumerate(range(0, n, m), 1):
                    if order is None:
                        xb, yb = X[start : start + m], y_all[start : start + m]
                    else:
                        idx = order[start : start + m]
                        xb, yb = X[idx], y_all[idx]
                    optimizer.zero_grad()
                    cost = loss_fn(model(Tensor(xb)), yb)
                    if regularization is not None:
                        cost = cost + regularization(model)
                    value = float(cost.data)
                    if not math.isfinite(value):
                        _restore_finite(params, epoch_start)
                        raise TrainingDiverged(
                            f"training diverged: the cost is {value} at epoch {epoch}, step {step} "
                            f"(learning rate {optimizer.lr:g}); try a smaller learning rate"
                        )
                    cost.backward()
                    optimizer.step()
                    total += value * len(xb)
                    if bar is not None:
                        bar.update(1)
                train_cost = total / n
                history.loss.append(train_cost)
                history.lr.append(float(optimizer.lr))
                history.epochs_run = epoch
                logs = {"epoch": epoch, "loss": train_cost}
                if X_val is not None:
                    model.eval()
                    val_cost, val_acc = _evaluate(model, loss_fn, X_val, y_val)
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
                if any(bool(cb(epoch, logs)) for cb in callbacks):
                    history.stop_reason = "callback"
                elif patience is not None and since_best >= patience:
                    history.stop_reason = "early_stopping"
                elif tol is not None and len(history.loss) > 1:
                    if abs(history.loss[-1] - history.loss[-2]) < tol:
                        history.stop_reason = "tol"
                if checkpoint is not None:  # written last: it holds the whole epoch's outcome
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


def _restore_finite(params: Iterable[Any], snapshot: list[np.ndarray]) -> None:
    """Keep the current weights if all finite, else go back to the epoch's starting weights."""
    params = list(params)
    if all(np.all(np.isfinite(p.data)) for p in params):
        return
    for p, saved in zip(params, snapshot, strict=True):
        p.data[...] = saved
