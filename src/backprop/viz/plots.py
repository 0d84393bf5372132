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
from ._figure import (
    as_array,
    check_gif_path,
    check_path,
    grid_shape,
    new_figure,
    save,
    save_animation,
)

__all__ = [
    "ACTIVATION_CURVES",
    "activation_curves",
    "animate_decision_boundaries",
    "plot_activations",
    "plot_approximation",
    "plot_decision_boundaries",
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


def _history_series(history: Any, held_out: str) -> dict[str, tuple[str, list[float]]]:
    """{our key: (legend name, values)} from a ``train.History``, a dict of lists, or a list of
    per-epoch dicts such as ``layered.Network.sgd`` returns (``cost``, ``test_accuracy``); the
    held-out series is called ``held_out`` unless its key says "test"."""
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
                    else (held_out if key.startswith("val") else "training")
                )
                out[key] = (legend, [float(v) for v in values])
                break
    return out


def plot_history(
    history: Any, path: PathLike, title: str | None = None, held_out: str = "validation"
) -> Path:
    """Loss (and, when recorded, accuracy) per epoch, training and held-out curves together.

    ``held_out`` names the held-out curve: "validation" for data split off the training set,
    "test" for a test set. Markers thin out on long runs (at most about 25 per curve).
    """
    check_path(path)
    series = _history_series(history, held_out)
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
                every = max(1, len(values) // 25)
                ax.plot(epochs, values, style, markersize=3, markevery=every, label=legend)
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
    score: str | None = None,
    threshold: float = 0.0,
) -> Path:
    """Filled contour of what ``model`` predicts over the plane of 2-D data, and the points.

    ``model`` is a backprop ``nn.Module`` (run under ``no_grad`` on a float32 grid), a
    ``layered.Network`` (its ``feedforward``) or any callable mapping an (n, 2) array to scores or
    labels. Several output columns: the regions of the argmax class. One column or a 1-D output:
    integer-valued outputs are labels; values in [0, 1] are read as P(class 1); other scores are
    logits, drawn as P(class 1) = sigma(score), so the boundary is the score's 0 level. A score
    that is neither (``score="z3 + z4"``, its name) is drawn as itself with the boundary at
    ``threshold``, coloured so that class 1's side is red. An output that is the same all over
    the plane has no boundary: the picture says so instead of drawing one.
    """
    return plot_decision_boundaries(
        {title or "Decision boundary": model},
        X,
        y,
        path,
        resolution=resolution,
        score=score,
        threshold=threshold,
    )


def plot_decision_boundaries(
    models: Mapping[str, Any],
    X: Any,
    y: Any,
    path: PathLike,
    resolution: int = 200,
    title: str | None = None,
    score: str | None = None,
    threshold: float = 0.0,
    columns: int | None = None,
) -> Path:
    """:func:`plot_decision_boundary` for several models of the same data, one panel per
    ``models`` entry (its key is the panel's title), with one colour bar for all of them."""
    check_path(path)
    plane = _Plane(models, X, y, resolution)
    n = len(models)
    if n == 1:
        rows, cols = 1, 1
    else:
        cols = columns or min(n, 4)
        rows = -(-n // cols)
    fig = new_figure((6.5, 5.2) if n == 1 else (3.4 * cols + 1.2, 3.2 * rows + 0.6))
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True)
    bars: dict[str, Any] = {}
    for ax, (name, model) in zip(axes.ravel(), models.items(), strict=False):
        plane.draw(ax, name, model, score, threshold, bars, 12 if n == 1 else 9)
    for ax in axes.ravel()[n:]:
        ax.set_axis_off()
    _legend_and_colour_bars(fig, axes, bars, n, title)
    return save(fig, path)


def animate_decision_boundaries(
    models: Mapping[str, Any],
    X: Any,
    y: Any,
    path: PathLike,
    resolution: int = 200,
    title: str | None = None,
    score: str | None = None,
    threshold: float = 0.0,
    seconds_per_frame: float = 1.0,
    dpi: int = 60,
) -> Path:
    """:func:`plot_decision_boundaries` as an animated GIF (``path`` ends in .gif): one frame
    per ``models`` entry, its key the frame's title, with the same colours, legend and colour
    bar; written with matplotlib.animation's Pillow writer, atomically. The GIF loops."""
    from matplotlib.animation import FuncAnimation

    check_gif_path(path)
    plane = _Plane(models, X, y, resolution)
    fig = new_figure((6.5, 5.2))
    axes = fig.subplots(1, 1, squeeze=False)
    bars: dict[str, Any] = {}

    def frame(item: tuple[str, Any]) -> None:
        name, model = item
        axes[0, 0].clear()
        plane.draw(axes[0, 0], name, model, score, threshold, bars, 12)
        _legend_and_colour_bars(fig, axes, bars, 1, title, colour_bars=not fig.axes[1:])

    animation = FuncAnimation(
        fig, frame, frames=list(models.items()), init_func=lambda: [], repeat=False
    )
    return save_animation(animation, path, fps=1 / seconds_per_frame, dpi=dpi)


class _Plane:
    """The plane that 2-D data ``X`` spans, padded by a tenth, sampled on a ``resolution`` grid;
    the data checked as :func:`plot_decision_boundary` needs it."""

    def __init__(self, models: Mapping[str, Any], X: Any, y: Any, resolution: int) -> None:
        X = as_array(X).astype(np.float64)
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(
                f"plot_decision_boundary needs 2-D data X of shape (n, 2); got {X.shape}"
            )
        y = as_array(y)
        if y.ndim == 2:
            y = y.argmax(axis=1) if y.shape[1] > 1 else y[:, 0]
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} points but y has {len(y)} labels")
        if not isinstance(resolution, (int, np.integer)) or resolution < 2:
            raise ValueError(f"resolution must be an integer >= 2; got {resolution!r}")
        if not models:
            raise ValueError("plot_decision_boundaries: no models to draw")
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = np.where(hi > lo, 0.1 * (hi - lo), 0.5)
        self.xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
        self.ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
        self.xx, self.yy = np.meshgrid(self.xs, self.ys)
        self.grid = np.column_stack([self.xx.ravel(), self.yy.ravel()])
        self.X, self.y = X, y

    def draw(
        self,
        ax: Any,
        name: str,
        model: Any,
        score: str | None,
        threshold: float,
        bars: dict[str, Any],
        fontsize: int,
    ) -> None:
        """One model's regions and the points on ``ax``, titled ``name``; a colour bar's label
        and mappable go into ``bars`` (the first of each label is kept)."""
        X, y = self.X, self.y
        # With a named score, class 1 is drawn red on whichever side of the threshold it lies.
        flip = score is not None and _class1_below(_predict_grid(model, X), y, threshold)
        out = _predict_grid(model, self.grid)
        label, mappable = _draw_boundary(ax, out, self.xx, self.yy, X, y, score, threshold, flip)
        if label is not None:
            bars.setdefault(label, mappable)
        ax.set_xlim(self.xs[0], self.xs[-1])
        ax.set_ylim(self.ys[0], self.ys[-1])
        ax.set_title(name, fontsize=fontsize)


def _legend_and_colour_bars(
    fig: Any, axes: np.ndarray, bars: dict[str, Any], n: int, title: str | None,
    colour_bars: bool = True,
) -> None:  # fmt: skip
    """The axis labels, the colour bars (one per label in ``bars``), one legend for all ``n``
    panels (inside a single panel, else below them) and the figure's title."""
    for ax in axes[-1]:
        ax.set_xlabel("$x_1$")
    for ax in axes[:, 0]:
        ax.set_ylabel("$x_2$")
    for label, mappable in bars.items() if colour_bars else ():
        fig.colorbar(mappable, ax=axes.ravel().tolist(), label=label)
    legends = [ax.get_legend_handles_labels() for ax in axes.ravel()]
    handles, names = max(legends, key=lambda entries: len(entries[0]))
    if handles and n == 1:
        axes[0, 0].legend(handles, names, loc="best", fontsize=8, framealpha=0.8)
    elif handles:
        fig.legend(handles, names, loc="outside lower center", ncol=len(handles), frameon=False)
    if title:
        fig.suptitle(title)


#: Colours of the two classes, red and blue as in the lectures' XOR picture.
CLASS_COLOURS = ("#2166ac", "#b2182b")


def _values(
    out: np.ndarray, score: str | None, threshold: float
) -> tuple[np.ndarray | None, np.ndarray | None, str | None, float]:
    """(labels, values, colour-bar label, threshold) of a model's outputs on the grid: labels for
    classes, values for a probability or a named score. Two columns are a binary classifier
    too: P(class 1) is the second column of probabilities, or of the softmax of scores,
    sigma(z1 - z0)."""
    if out.ndim == 2 and out.shape[1] == 2 and score is None:
        if out.min() >= 0 and np.allclose(out.sum(axis=1), 1, atol=1e-5):
            return None, out[:, 1].astype(np.float64), "P(class 1)", 0.5
        margin = (out[:, 1] - out[:, 0]).astype(np.float64)
        return None, activation("sigmoid").function(margin), "P(class 1) = softmax(output)₁", 0.5
    if out.ndim == 2 and out.shape[1] > 1:
        return out.argmax(axis=1), None, None, threshold
    out = out.reshape(-1)
    if score is not None:
        return None, out.astype(np.float64), score, threshold
    if out.dtype.kind in "biu" or np.all(out == np.round(out)):
        return out.astype(np.int64), None, None, threshold
    if out.min() >= 0 and out.max() <= 1:
        return None, out, "P(class 1)", 0.5
    logits = out.astype(np.float64)
    return None, activation("sigmoid").function(logits), "P(class 1) = σ(output)", 0.5


def _draw_boundary(
    ax: Any,
    out: np.ndarray,
    xx: np.ndarray,
    yy: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    score: str | None,
    threshold: float,
    flip: bool,
) -> tuple[str | None, Any]:
    """Draw one model's regions and the points on ``ax``; return (colour-bar label, mappable)."""
    import matplotlib as mpl
    from matplotlib.colors import TwoSlopeNorm

    labels, values, label, threshold = _values(out, score, threshold)
    if values is None:
        k = int(max(labels.max(initial=0), np.max(y, initial=0))) + 1 if y.size else 1
        cmap = mpl.colormaps["tab10" if k <= 10 else "tab20"].resampled(max(k, 2))
        levels = np.arange(max(k, 2) + 1) - 0.5
        ax.contourf(xx, yy, labels.reshape(xx.shape), levels=levels, cmap=cmap, alpha=0.35)
        for c in np.unique(y):
            ax.scatter(
                X[y == c, 0],
                X[y == c, 1],
                color=cmap(int(c)),
                edgecolors="k",
                linewidths=0.5,
                s=_marker_size(X),
                label=f"class {c}",
            )
        return None, None
    levels = _levels(values, threshold, score)
    norm = TwoSlopeNorm(threshold, levels[0], levels[-1]) if score is not None else None
    cmap = "RdBu" if flip else "RdBu_r"  # class 1 is red, on whichever side it lies
    surface = values.reshape(xx.shape)
    constant = np.ptp(values) < 1e-3 * max(1.0, float(np.max(np.abs(values))))
    if constant:  # any contour would be drawn through rounding noise
        surface = np.full(xx.shape, float(values.mean()))
        ax.text(
            0.5,
            0.5,
            f"{label} = {values.mean():.3g} everywhere:\nno decision boundary",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=9,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "0.5"},
        )
    mappable = ax.contourf(xx, yy, surface, levels=levels, cmap=cmap, norm=norm, alpha=0.55)
    if not constant:
        ax.contour(xx, yy, surface, levels=[threshold], colors="k", linestyles="solid")
        ax.plot([], [], "k-", label=f"boundary: {score or 'P(class 1)'} = {threshold:g}")
    classes = np.unique(y)
    for c in classes:
        ax.scatter(
            X[y == c, 0],
            X[y == c, 1],
            color=CLASS_COLOURS[int(c == classes.max())],
            edgecolors="k",
            linewidths=0.5,
            s=_marker_size(X),
            label=f"class {c}",
        )
    return label, mappable


def _marker_size(X: np.ndarray) -> float:
    """Points big enough to see when there are few (the four XOR corners), small in a cloud."""
    return 22.0 if len(X) > 50 else 80.0


def _levels(values: np.ndarray, threshold: float, score: str | None) -> np.ndarray:
    """Colour levels: tenths of 0..1 for probabilities, round numbers around the threshold that
    cover a score's range."""
    if score is None:
        return np.linspace(0, 1, 11)
    from matplotlib.ticker import MaxNLocator

    reach = max(float(np.max(np.abs(values - threshold))), 1e-12)
    return MaxNLocator(10).tick_values(threshold - reach, threshold + reach)


def _class1_below(at_points: np.ndarray, y: np.ndarray, threshold: float) -> bool:
    """Whether the class-1 points lie below the threshold more often than the others do."""
    at_points = at_points.reshape(len(y))
    ones, others = at_points[y == 1], at_points[y != 1]
    if not len(ones) or not len(others):
        return False
    return float(np.mean(ones < threshold)) > float(np.mean(others < threshold))


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
    its reverse sweep. Drawn in seed 000's notation, z_j = g(a_j) of the pre-activation a_j (the
    values ``z`` are those pre-activations; Nielsen's lectures call them z and write sigma(z))."""
    check_path(path)
    z, curves = activation_curves(z, names)
    fig = new_figure((3.2 * len(curves), 5.6))
    axes = fig.subplots(2, len(curves), sharex=True)
    for col, (name, (g, dg)) in enumerate(curves.items()):
        top, bottom = axes[0, col], axes[1, col]
        top.plot(z, g, color="C0", linewidth=2)
        bottom.plot(z, dg, color="C3", linewidth=2)
        top.set_title(name)
        top.set_ylabel("g(a)" if col == 0 else "")
        bottom.set_ylabel("g'(a)" if col == 0 else "")
        bottom.set_xlabel("pre-activation a")
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
    fig.suptitle(
        "Activations z = g(a) of the pre-activation a and their derivatives g'(a), computed by "
        "the engine"
    )
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


def _image_grid(fig: Any, rows: int, cols: int, right: float = 0.2) -> np.ndarray:
    """rows x cols image panels with room for a title above each and for the figure's title;
    ``right`` inches stay free at the right (for a colour bar)."""
    width, height = fig.get_size_inches()
    axes = fig.subplots(rows, cols, squeeze=False)
    fig.subplots_adjust(
        left=0.2 / width,
        right=1 - right / width,
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
    to its own largest |w|, which its title gives; the colour bar reads w / max |w| from -1 to 1.
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
    bar = 1.3  # inches for the colour bar and its label
    width, height = max(1.3 * cols + 0.4, 4.5) + bar, 1.3 * rows + 0.6
    fig = new_figure((width, height), layout=None)
    axes = _image_grid(fig, rows, cols, right=bar)
    image = None
    for k, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if k >= n:
            continue
        scale = np.abs(w[k]).max() or 1.0
        image = ax.imshow(
            w[k].reshape(shape) / scale, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest"
        )
        ax.set_title(f"unit {k}: |w| ≤ {scale:.2g}", fontsize=7)
    shown = f"{n} of {len(w)}" if n < len(w) else f"{n}"
    fig.suptitle(title or f"Incoming weights of {shown} hidden units", fontsize=11)
    top = 1 - 0.55 / height
    colour_bar = fig.add_axes(
        (1 - (bar - 0.25) / width, 0.1 / height, 0.15 / width, top - 0.1 / height)
    )
    fig.colorbar(image, cax=colour_bar, label="weight / the unit's largest |w|")
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
    yscale: str = "linear",
) -> Path:
    """Several functions of the same x on one axis, one legend entry per ``curves`` key;
    ``yscale="log"`` for a logarithmic y axis.

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
    ax.set_yscale(yscale)
    if np.all(x == np.round(x)):  # epochs, unit counts: no tick at 1.5
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
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
