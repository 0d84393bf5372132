"""Figures without pyplot: a ``Figure`` with its own Agg canvas, saved as PNG or SVG, and
animations saved as GIF (both atomically, through ``backprop.io``'s temporary file).

Nothing here touches matplotlib's global state (no ``matplotlib.use``, no pyplot figure manager):
no window pops up, no figure is kept alive after the function returns, and a user's own pyplot
session is unaffected. matplotlib is imported on first use, so ``import backprop.viz`` is cheap.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

FORMATS = (".png", ".svg")


def check_path(path: str | os.PathLike[str]) -> Path:
    """The output path as a ``Path``; its suffix chooses the format (.png or .svg)."""
    p = Path(path)
    if p.suffix.lower() not in FORMATS:
        raise ValueError(
            f"cannot tell the image format of {str(p)!r}: give a path ending in .png or .svg"
        )
    return p


def check_gif_path(path: str | os.PathLike[str]) -> Path:
    """The output path of an animation as a ``Path``; it must end in .gif."""
    p = Path(path)
    if p.suffix.lower() != ".gif":
        raise ValueError(f"an animation is written as GIF: give a path ending in .gif, not {p}")
    return p


def new_figure(figsize: tuple[float, float], layout: str | None = "constrained") -> Any:
    """A matplotlib ``Figure`` attached to an Agg canvas (not registered with pyplot).

    Image grids pass ``layout=None`` and place their panels themselves: constrained layout costs
    seconds with dozens of panels.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def save(fig: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``fig`` as PNG or SVG (by the suffix), atomically through ``backprop.io``'s
    temporary file, creating missing folders; return the path."""
    from ..io import _atomic_file

    p = check_path(path)
    if not p.parent.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
    fmt = p.suffix.lower()[1:]
    metadata = {"Date": None} if fmt == "svg" else None  # reproducible SVG files
    with _atomic_file(p) as file:
        fig.savefig(file, format=fmt, dpi=120, metadata=metadata)
    return p


def save_animation(animation: Any, path: str | os.PathLike[str], fps: float, dpi: int) -> Path:
    """Write a matplotlib ``Animation`` as a looping GIF through Pillow (``PillowWriter``),
    atomically, creating missing folders; return the path. The writer needs a file name, so
    the GIF is made in a temporary folder and then copied through ``backprop.io``'s atomic
    file."""
    from matplotlib.animation import PillowWriter

    from ..io import _atomic_file

    p = check_gif_path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        made = Path(folder) / "animation.gif"
        animation.save(made, writer=PillowWriter(fps=fps), dpi=dpi)
        with _atomic_file(p) as file:
            file.write(made.read_bytes())
    return p


def as_array(a: Any) -> np.ndarray:
    """A NumPy array from an array, a list or a backprop Tensor/Parameter (its ``.data``)."""
    from ..tensor import Tensor

    if isinstance(a, Tensor):
        a = a.data
    return np.asarray(a)


def grid_shape(n: int) -> tuple[int, int]:
    """Rows and columns of a near-square grid holding n panels."""
    cols = max(1, int(np.ceil(np.sqrt(n))))
    rows = max(1, int(np.ceil(n / cols)))
    return rows, cols
