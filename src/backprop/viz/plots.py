"""Plots for the lectures: training curves, decision boundaries, activations, learned weights,
misclassified digits and function approximations. Each saves a PNG or SVG (by the path's suffix)
and returns the path; see ``_figure`` for why no pyplot is involved."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..activations import LECTURE_ACTIVATIONS, activation
from ._figure import as_array, check_path, grid_shape, new_figure, save

__all__ = [
    "ACTIVATION_CURVES",
    "activation_curves",
    "plot_activations",
    "plot_approximation",
    "plot_decision_boundary",
    "plot_functions",
    "plot_hidden_units",
    "plot_history",
    "plot_misclassified",
]

PathLike = str | os.PathLike[str]


# ============================================================================ training history
_SERIES = {
    # our key: (accepted keys in order of preference)
    "loss": ("loss", "cost", "train_loss", "train_cost"),
    "val_loss": ("val_loss", "val_cost", "test_loss", "test_cost"),
    "accuracy": ("accuracy", "train_accuracy", "acc"),
    "val_accuracy": ("val_accuracy", "test_accuracy", "val_acc"),
}


def _history_series(history: Any) -> dict[str, tuple[str, list[float]]]:
    """{our key: (legend name, values)} from a ``train.History``, a dict of lists, or a list of
    per-epoch dicts such as ``layered.Network.sgd`` returns (``cost``, ``test_accuracy``)."""
    if isinstance(history, Mapping):
        columns = {
            k: list(v) for k, v in history.items() if isinstance(v, (list, tuple, np.ndarray))
        }
    elif isinstance(history, Sequence) and not isinstance(history, (str, bytes)):
        records = list(history)
        if not all(isinstance(r, Mapping) for r in records):
            raise TypeError("plot_history: a list history must hold one dict per epoch")
        keys = {k for r in records for k in r}
        columns = {k: [r[k] for r in records if k in r] for k in keys}
    elif any(hasattr(history, k) for k in ("loss", "val_loss", "accuracy", "val_accuracy")):
        columns = {
            k: list(getattr(history, k))
            for k in ("loss", "val_loss", "accuracy", "val_accuracy")
            if getattr(history, k, None) is not None
        }
    else:
        raise TypeError(
            f"plot_history expects a train.History, a dict of lists or a list of per-epoch dicts; "
            f"got {type(history).__name__}"
        )
    out: dict[str, tuple[str, list[float]]] = {}
    for key, accepted in _SERIES.items():
        for name in accepted:
            values = columns.get(name)
            if values:
                legend = (
                    "test"
                    if name.startswith("test")
                    else ("validation" if key.startswith("val") else "training")
                )
                out[key] = (legend, [float(v) for v in values])
                break
    return out


def plot_history(history: Any, path: PathLike, title: str | None = None) -> Path:
    """Loss (and, when recorded, accuracy) per epoch, training and validation curves together."""
    check_path(path)
    series = _history_series(history)
    if (
        "loss" not in series
        and "val_loss" not in series
        and "accuracy" not in series
        and ("val_accuracy" not in series)
    ):
        raise ValueError("plot_history: the history holds no loss or accuracy values to plot")
    panels = [
        (name, keys)
        for name, keys in (
            ("loss", ("loss", "val_loss")),
            ("accuracy", ("accuracy", "val_accuracy")),
        )
        if any(k in series for k in keys)
    ]
    from matplotlib.ticker import MaxNLocator

    fig = new_figure((5.5 * len(panels), 4.0))
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (name, keys) in zip(axes, panels, strict=True):
        for key, style in zip(keys, ("-o", "--s"), strict=True):
            if key in series:
                legend, values = series[key]
                epochs = np.arange(1, len(values) + 1)
                ax.plot(epochs, values, style, markersize=3, label=legend)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(name)
        ax.set_title(name.capitalize())
        ax.grid(alpha=0.3)
        ax.legend()
        if name == "loss":
            values = [v for k in keys if k in series for v in series[k][1]]
            if values and min(values) > 0 and max(values) / min(values) > 100:
                ax.set_yscale("log")
    if title:
        fig.suptitle(title)
    return save(fig, path)


# ============================================================================ decision boundary
def _predict_grid(model: Any, grid: np.ndarray) -> np.ndarray:
    """The model's output on the (n, 2) grid: a backprop Module, a layered.Network or a callable."""
    from ..layered import Network
    from ..nn.module import Module
    from ..tensor import Tensor, no_grad

    if isinstance(model, Module):
        with no_grad():
            out = model(Tensor(grid.astype(np.float32)))
        return np.asarray(out.data)
    if isinstance(model, Network):
        return np.asarray(model.feedforward(grid))
    if callable(model):
        return as_array(model(grid))
    raise TypeError(
        f"plot_decision_boundary expects a backprop Module, a layered.Network or a function "
        f"mapping (n, 2) arrays to scores or labels; got {type(model).__name__}"
    )


def plot_decision_boundary(
    model: Any,
    X: Any,
    y: Any,
    path: PathLike,
    resolution: int = 200,
    title: str | None = None,
) -> Path:
    """Filled contour of what ``model`` predicts over the plane of 2-D data, and the points.

    ``model`` is a backprop ``nn.Module`` (run under ``no_grad`` on a float32 grid), a
    ``layered.Network`` (its ``feedforward``) or any callable mapping an (n, 2) array to scores or
    labels. Several output columns: the regions of the argmax class. One column or a 1-D output:
    integer-valued outputs are labels; values in [0, 1] are read as P(class 1); other scores are
    passed through the sigmoid, so the boundary is the score's 0 level (equal to P = 0.5).
    """
    check_path(path)
    X = as_array(X).astype(np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs 2-D data X of shape (n, 2); got {X.shape}")
    y = as_array(y)
    if y.ndim == 2:
        y = y.argmax(axis=1) if y.shape[1] > 1 else y[:, 0]
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} points but y has {len(y)} labels")
    if not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2; got {resolution!r}")
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = np.where(hi > lo, 0.1 * (hi - lo), 0.5)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    xx, yy = np.meshgrid(xs, ys)
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    out = _predict_grid(model, grid)
    if out.ndim == 2 and out.shape[1] > 1:
        labels, prob = out.argmax(axis=1), None
    else:
        out = out.reshape(len(grid))
        if out.dtype.kind in "biu" or np.all(out == np.round(out)):
            labels, prob = out.astype(np.int64), None
        else:
            prob = out if out.min() >= 0 and out.max() <= 1 else activation("sigmoid").function(out)
            labels = None
    fig = new_figure((6.5, 5.2))
    ax = fig.add_subplot()
    classes = np.unique(y)
    if prob is not None:
        cs = ax.contourf(
            xx, yy, prob.reshape(xx.shape), levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.55
        )
        ax.contour(xx, yy, prob.reshape(xx.shape), levels=[0.5], colors="k", linewidths=1.5)
        fig.colorbar(cs, ax=ax, label="P(class 1)")
        ax.scatter(
            X[:, 0],
            X[:, 1],
            c=y,
            cmap="RdBu_r",
            edgecolors="k",
            linewidths=0.5,
            s=22,
            vmin=classes.min(),
            vmax=classes.max() if classes.max() > classes.min() else None,
        )
    else:
        k = int(max(labels.max(initial=0), np.max(y, initial=0))) + 1 if y.size else 1
        import matplotlib as mpl

        cmap = mpl.colormaps["tab10" if k <= 10 else "tab20"].resampled(max(k, 2))
        ax.contourf(
            xx,
            yy,
            labels.reshape(xx.shape),
            levels=np.arange(max(k, 2) + 1) - 0.5,
            cmap=cmap,
            alpha=0.35,
        )
        ax.scatter(
            X[:, 0],
            X[:, 1],
            c=y,
            cmap=cmap,
            vmin=-0.5,
            vmax=max(k, 2) - 0.5,
            edgecolors="k",
            linewidths=0.5,
            s=22,
        )
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title or "Decision boundary")
    return save(fig, path)


# ============================================================================ activations
#: The labels of the lectures' activations (seed 000), in the table's words.
ACTIVATION_CURVES = tuple(activation(name).title for name in LECTURE_ACTIVATIONS)


def activation_curves(
    z: Any = None, names: Sequence[str] = LECTURE_ACTIVATIONS
) -> tuple[np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """(z, {title: (g(z), g'(z))}) for activations of the table (default: the lectures' five),
    from the engine itself.

    g(z) is the forward pass of ``backprop.ops.activation``; g'(z) is the ``.grad`` that
    ``backward()`` leaves on z for E = sum_i g(z_i), which is g'(z_i) because every activation
    acts elementwise. No derivative is written here: the picture shows what the engine computes.
    """
    from .. import ops
    from ..tensor import tensor

    z = np.linspace(-4.0, 4.0, 801) if z is None else as_array(z).astype(np.float64).ravel()
    curves = {}
    for name in names:
        t = tensor(z, requires_grad=True, dtype="float64")
        out = ops.activation(t, name)
        ops.sum(out).backward()
        curves[activation(name).title] = (np.array(out.data), np.array(t.grad))
    return z, curves


def plot_activations(
    path: PathLike, z: Any = None, names: Sequence[str] = LECTURE_ACTIVATIONS
) -> Path:
    """Activations of the table (default: the threshold, sigmoid, tanh, ReLU and linear units of
    the lectures) on top and their derivatives below, computed with the engine's operations and
    its reverse sweep."""
    check_path(path)
    z, curves = activation_curves(z, names)
    fig = new_figure((3.2 * len(curves), 5.6))
    axes = fig.subplots(2, len(curves), sharex=True)
    for col, (name, (g, dg)) in enumerate(curves.items()):
        top, bottom = axes[0, col], axes[1, col]
        top.plot(z, g, color="C0", linewidth=2)
        bottom.plot(z, dg, color="C3", linewidth=2)
        top.set_title(name)
        top.set_ylabel("g(z)" if col == 0 else "")
        bottom.set_ylabel("g'(z)" if col == 0 else "")
        bottom.set_xlabel("z")
        for ax in (top, bottom):
            ax.axhline(0, color="0.6", linewidth=0.8)
            ax.axvline(0, color="0.6", linewidth=0.8)
            ax.grid(alpha=0.3)
        if name.startswith("threshold"):
            bottom.annotate(
                "undefined at 0;\nthe engine uses 0",
                xy=(0, 0),
                xytext=(0.05, 0.6),
                textcoords="axes fraction",
                fontsize=8,
            )
    fig.suptitle("Activation functions g(z) and derivatives g'(z), computed by the engine")
    return save(fig, path)


# ============================================================================ weights and images
def _weight_matrix(weight: Any) -> np.ndarray:
    """(n_hidden, n_in) from an array, a Tensor/Parameter or an object with ``.weight``."""
    if hasattr(weight, "weight") and not isinstance(weight, np.ndarray):
        weight = weight.weight
    w = as_array(weight)
    if w.ndim != 2:
        raise ValueError(f"expected a weight matrix (n_hidden, n_inputs); got shape {w.shape}")
    return w.astype(np.float64)


def _image_grid(fig: Any, rows: int, cols: int) -> np.ndarray:
    """rows x cols image panels with room for a title above each and for the figure's title."""
    width, height = fig.get_size_inches()
    axes = fig.subplots(rows, cols, squeeze=False)
    fig.subplots_adjust(
        left=0.2 / width,
        right=1 - 0.2 / width,
        bottom=0.1 / height,
        top=1 - 0.55 / height,
        wspace=0.1,
        hspace=0.35,
    )
    return axes


def plot_hidden_units(
    weight: Any,
    path: PathLike,
    shape: tuple[int, int] = (28, 28),
    max_units: int = 64,
    title: str | None = None,
) -> Path:
    """Each hidden unit's incoming weights as an image (red positive, blue negative).

    ``weight`` has one row per hidden unit, as ``nn.Linear.weight`` and
    ``layered.Network.weights[0]`` (an ``nn.Linear`` itself is accepted). Each image is scaled
    to its own largest |w|.
    """
    check_path(path)
    w = _weight_matrix(weight)
    if w.shape[1] != int(np.prod(shape)):
        raise ValueError(
            f"each unit has {w.shape[1]} weights, which do not form a {shape[0]}x{shape[1]} image; "
            f"pass shape= matching the inputs"
        )
    n = min(len(w), int(max_units))
    rows, cols = grid_shape(n)
    fig = new_figure((max(1.3 * cols + 0.4, 4.5), 1.3 * rows + 0.6), layout=None)
    axes = _image_grid(fig, rows, cols)
    for k, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if k >= n:
            continue
        scale = np.abs(w[k]).max() or 1.0
        ax.imshow(
            w[k].reshape(shape), cmap="RdBu_r", vmin=-scale, vmax=scale, interpolation="nearest"
        )
        ax.set_title(f"unit {k}", fontsize=7)
    shown = f"{n} of {len(w)}" if n < len(w) else f"{n}"
    fig.suptitle(title or f"Incoming weights of {shown} hidden units", fontsize=11)
    return save(fig, path)


def plot_misclassified(
    X: Any,
    y_true: Any,
    y_pred: Any,
    path: PathLike,
    shape: tuple[int, int] = (28, 28),
    max_images: int = 36,
    labels: Sequence[Any] | None = None,
) -> Path:
    """A grid of the misclassified images, each titled "true→pred" (class names from ``labels``)."""
    check_path(path)
    from .confusion import _labels_of

    X = as_array(X)
    t = _labels_of(y_true, "y_true")
    p = _labels_of(y_pred, "y_pred")
    if not len(X) == len(t) == len(p):
        raise ValueError(f"X, y_true and y_pred differ in length: {len(X)}, {len(t)}, {len(p)}")
    images = X.reshape(len(X), -1)
    if images.shape[1] != int(np.prod(shape)):
        raise ValueError(
            f"each example has {images.shape[1]} values, not a {shape[0]}x{shape[1]} image; "
            f"pass shape= matching the data"
        )
    wrong = np.flatnonzero(t != p)
    shown = wrong[: int(max_images)]

    def name(c: int) -> str:
        return str(labels[c]) if labels is not None and 0 <= c < len(labels) else str(c)

    if len(shown) == 0:
        fig = new_figure((4.0, 2.0))
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"no misclassified examples (of {len(t)})", ha="center", va="center")
        return save(fig, path)
    rows, cols = grid_shape(len(shown))
    fig = new_figure((max(1.4 * cols + 0.4, 4.5), 1.55 * rows + 0.6), layout=None)
    axes = _image_grid(fig, rows, cols)
    for k, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if k >= len(shown):
            continue
        i = shown[k]
        ax.imshow(images[i].reshape(shape), cmap="gray", interpolation="nearest")
        ax.set_title(f"{name(t[i])}→{name(p[i])}", fontsize=8, color="C3")
    shown_of = f"{len(shown)} of {len(wrong)}" if len(shown) < len(wrong) else f"{len(wrong)}"
    fig.suptitle(f"Misclassified (true→pred): {shown_of} of {len(t)} examples", fontsize=11)
    return save(fig, path)


# ============================================================================ function curves
def plot_functions(
    x: Any,
    curves: Mapping[str, Any],
    path: PathLike,
    title: str | None = None,
    xlabel: str = "x",
    ylabel: str = "y",
) -> Path:
    """Several functions of the same x on one axis, one legend entry per ``curves`` key.

    A curve named "target" (any case) is drawn as a thick dashed black line, the reference the
    others approximate.
    """
    check_path(path)
    x = as_array(x).astype(np.float64).ravel()
    if not curves:
        raise ValueError("plot_functions: no curves to plot")
    fig = new_figure((7.0, 4.5))
    ax = fig.add_subplot()
    for label, values in curves.items():
        v = as_array(values).astype(np.float64).ravel()
        if len(v) != len(x):
            raise ValueError(f"curve {label!r} has {len(v)} values but x has {len(x)}")
        if str(label).lower() == "target":
            ax.plot(x, v, "k--", linewidth=2.5, label=str(label), zorder=3)
        else:
            ax.plot(x, v, linewidth=1.6, label=str(label))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    return save(fig, path)


def plot_approximation(
    x: Any,
    target: Any,
    fits: Mapping[Any, Any],
    path: PathLike,
    title: str = "Universal approximation: one hidden layer of K units",
) -> Path:
    """The universal-approximation demo: the target and the network's fit for each hidden size K.

    ``fits`` maps K (or any label) to the fitted values at ``x``; integer keys are shown as
    "K = 5". A thin wrapper of :func:`plot_functions`.
    """
    curves: dict[str, Any] = {"target": target}
    for key, values in fits.items():
        label = f"K = {key}" if isinstance(key, (int, np.integer)) else str(key)
        curves[label] = values
    return plot_functions(x, curves, path, title=title)
