"""Threshold units on the plane: the line w1 x1 + w2 x2 + b = 0 of each perceptron, the half-plane
where the units output 1, and the points they get right and wrong (seeds 001, 003: the gates)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._figure import as_array, check_path, new_figure, save
from .plots import CLASS_COLOURS, PathLike

__all__ = ["ThresholdUnits", "plot_threshold_units"]

WRONG = "#ff7f00"  # the ring around a wrongly classified input: orange, on red or blue


@dataclass(frozen=True)
class ThresholdUnits:
    """One panel of :func:`plot_threshold_units`.

    ``X`` (n, 2) inputs with their ``targets`` (0 or 1); ``lines`` the (w1, w2, b) of each
    perceptron, output [w1 x1 + w2 x2 + b > 0]; ``predict`` maps an (n, 2) array to the 0/1
    outputs of the whole arrangement (a two-layer network, say). Without ``predict``, the panel
    shows the one perceptron of ``lines``.
    """

    X: Any
    targets: Sequence[int]
    lines: Sequence[tuple[float, float, float]]
    predict: Callable[[np.ndarray], Any] | None = None

    def outputs(self, points: np.ndarray) -> np.ndarray:
        """The 0/1 output at each row of ``points``."""
        if self.predict is not None:
            return as_array(self.predict(points)).astype(np.int64).reshape(len(points))
        if len(self.lines) != 1:
            raise ValueError("ThresholdUnits: several lines need a predict= that combines them")
        ((w1, w2, b),) = self.lines
        return (points @ np.array([w1, w2]) + b > 0).astype(np.int64)


def plot_threshold_units(
    panels: Mapping[str, ThresholdUnits],
    path: PathLike,
    title: str | None = None,
    columns: int = 4,
) -> Path:
    """One panel per entry (its key is the panel's title), over the square [-0.5, 1.5]^2 around
    Boolean inputs: the region where the units output 1 shaded red, 0 blue, each unit's line
    w1 x1 + w2 x2 + b = 0 in black, the inputs coloured by their target and ringed where the
    output is wrong. A unit with w = 0 has no line: its output is the same everywhere, and the
    panel says so."""
    check_path(path)
    if not panels:
        raise ValueError("plot_threshold_units: no panels to draw")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    cols = min(columns, len(panels))
    rows = -(-len(panels) // cols)
    fig = new_figure((3.4 * cols, 3.6 * rows + 1.0))
    axes = fig.subplots(rows, cols, squeeze=False)
    lo, hi = -0.5, 1.5
    grid_x, grid_y = np.meshgrid(np.linspace(lo, hi, 201), np.linspace(lo, hi, 201))
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    for ax, (name, panel) in zip(axes.ravel(), panels.items(), strict=False):
        X = as_array(panel.X).astype(np.float64)
        targets = np.asarray(panel.targets, dtype=np.int64)
        region = panel.outputs(grid).reshape(grid_x.shape)
        ax.contourf(
            grid_x, grid_y, region, levels=[-0.5, 0.5, 1.5], colors=CLASS_COLOURS, alpha=0.2
        )
        t = np.linspace(lo, hi, 2)
        for w1, w2, b in panel.lines:
            if abs(w2) > 1e-12:
                ax.plot(t, -(w1 * t + b) / w2, "k-", linewidth=2)
            elif abs(w1) > 1e-12:
                ax.plot([-b / w1] * 2, [lo, hi], "k-", linewidth=2)
            else:
                ax.text(
                    0.5,
                    0.5,
                    "w = 0: no line,\nthe same output everywhere",
                    ha="center",
                    va="center",
                    transform=ax.transAxes,
                    fontsize=9,
                )
        wrong = panel.outputs(X) != targets
        for c in (0, 1):
            ax.scatter(*X[targets == c].T, s=160, color=CLASS_COLOURS[c], edgecolors="k", zorder=3)
        ax.scatter(*X[wrong].T, s=520, facecolors="none", edgecolors=WRONG, linewidths=3, zorder=4)
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_aspect("equal")
        ax.set_xticks([0, 1])
        ax.set_yticks([0, 1])
        ax.set_ylabel("$x_2$")
        ax.set_title(f"{name}\n{int(wrong.sum())} of {len(X)} wrong", fontsize=9)
    for ax in axes.ravel()[len(panels) :]:
        ax.set_axis_off()
    for ax in axes[-1]:
        ax.set_xlabel("$x_1$")
    dot = {"marker": "o", "linestyle": "", "markersize": 10, "markeredgecolor": "k"}
    legend = [
        Line2D([], [], color=CLASS_COLOURS[1], label="target 1", **dot),
        Line2D([], [], color=CLASS_COLOURS[0], label="target 0", **dot),
        Line2D(
            [],
            [],
            **{**dot, "markersize": 14, "markeredgecolor": WRONG, "markeredgewidth": 3},
            markerfacecolor="none",
            label="output wrong",
        ),
        Line2D([], [], color="k", linewidth=2, label="$w_1 x_1 + w_2 x_2 + b = 0$"),
        Patch(color=CLASS_COLOURS[1], alpha=0.3, label="output 1"),
        Patch(color=CLASS_COLOURS[0], alpha=0.3, label="output 0"),
    ]
    fig.legend(handles=legend, loc="outside lower center", ncol=6, fontsize=9, frameon=False)
    if title:
        fig.suptitle(title)
    return save(fig, path)
