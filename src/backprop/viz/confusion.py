"""Confusion matrices: counted with NumPy, printed for a terminal, drawn as a heat map."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._figure import as_array, check_path, new_figure, save

__all__ = ["confusion_matrix", "format_confusion_matrix", "plot_confusion_matrix"]


def _labels_of(y: Any, what: str) -> np.ndarray:
    """Class labels from integer labels or from one-hot / score rows (argmax)."""
    a = as_array(y)
    if a.ndim == 2:
        a = a.argmax(axis=1)
    elif a.ndim != 1:
        raise ValueError(f"{what} must be labels (n,) or one-hot/score rows (n, k); got {a.shape}")
    if a.dtype.kind == "b":
        a = a.astype(np.int64)
    if a.dtype.kind not in "iu":
        if a.dtype.kind != "f" or not np.all(np.isfinite(a)) or not np.all(a == np.round(a)):
            raise ValueError(f"{what} must hold integer class labels, got dtype {a.dtype}")
        a = a.astype(np.int64)
    if a.size and a.min() < 0:
        raise ValueError(f"{what} holds a negative label {int(a.min())}; labels are 0..k-1")
    return a.astype(np.int64, copy=False)


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int | None = None) -> np.ndarray:
    """Counts ``cm[i, j]`` of examples of true class i predicted as class j (rows: truth).

    Labels are integers 0..k-1 (one-hot or score rows are turned into labels by argmax);
    ``n_classes`` defaults to the largest label + 1. The diagonal holds the correct predictions.
    """
    t = _labels_of(y_true, "y_true")
    p = _labels_of(y_pred, "y_pred")
    if len(t) != len(p):
        raise ValueError(f"y_true has {len(t)} labels but y_pred has {len(p)}")
    largest = int(max(t.max(initial=-1), p.max(initial=-1)))
    if n_classes is None:
        n_classes = largest + 1
    elif largest >= n_classes:
        raise ValueError(f"label {largest} is outside 0..{n_classes - 1} (n_classes={n_classes})")
    n = int(n_classes)
    return np.bincount(t * n + p, minlength=n * n).reshape(n, n)


def _names(labels: Sequence[Any] | None, n: int) -> list[str]:
    if labels is None:
        return [str(i) for i in range(n)]
    names = [str(s) for s in labels]
    if len(names) != n:
        raise ValueError(f"labels has {len(names)} names for {n} classes")
    return names


def format_confusion_matrix(cm: Any, labels: Sequence[Any] | None = None) -> str:
    """The matrix as aligned text for a terminal: rows are the true class, columns the prediction,
    followed by the accuracy (trace / total)."""
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"a confusion matrix is square; got shape {cm.shape}")
    names = _names(labels, len(cm))
    corner = "true \\ pred"
    width = max([len(str(int(v))) for v in cm.ravel()] + [len(s) for s in names] + [1])
    first = max([len(corner)] + [len(s) for s in names])
    lines = [corner.ljust(first) + "  " + "  ".join(s.rjust(width) for s in names)]
    for name, row in zip(names, cm, strict=True):
        lines.append(name.rjust(first) + "  " + "  ".join(str(int(v)).rjust(width) for v in row))
    total = int(cm.sum())
    correct = int(np.trace(cm))
    if total:
        lines.append(f"accuracy: {correct}/{total} = {100 * correct / total:.2f}%")
    return "\n".join(lines)


def plot_confusion_matrix(
    y_true: Any,
    y_pred: Any,
    path: str | os.PathLike[str],
    labels: Sequence[Any] | None = None,
    title: str | None = None,
) -> Path:
    """Heat map of the confusion matrix with the count in every cell; saved as PNG or SVG."""
    check_path(path)
    cm = confusion_matrix(y_true, y_pred, n_classes=None if labels is None else len(labels))
    n = len(cm)
    names = _names(labels, n)
    size = max(4.0, 0.55 * n + 2.5)
    fig = new_figure((size + 1.0, size))
    ax = fig.add_subplot()
    im = ax.imshow(cm, cmap="Blues", vmin=0, vmax=max(int(cm.max()), 1))
    fig.colorbar(im, ax=ax, shrink=0.8, label="examples")
    threshold = cm.max() / 2 if cm.size else 0
    for i in range(n):
        for j in range(n):
            ax.text(
                j,
                i,
                str(int(cm[i, j])),
                ha="center",
                va="center",
                fontsize=9,
                color="white" if cm[i, j] > threshold else "black",
            )
    ax.set_xticks(range(n), names, rotation=45 if max(map(len, names)) > 3 else 0)
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    total = int(cm.sum())
    accuracy = f"accuracy {100 * np.trace(cm) / total:.2f}% of {total}" if total else "no examples"
    ax.set_title(title or f"Confusion matrix ({accuracy})")
    return save(fig, path)
