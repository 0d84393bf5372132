"""Argument checks: the dataset modules' and the one input and label check of the library."""

from __future__ import annotations

from typing import Any

import numpy as np

#: What every ``seed`` parameter accepts (see ``backprop.rng.get_rng``).
Seed = int | np.random.Generator | None


def check_count(name: str, value: int, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise ValueError if it is not an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_noise(name: str, value: float) -> float:
    """Return ``value`` as a float, or raise ValueError if it is negative or not finite."""
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return value


def all_finite(a: np.ndarray) -> bool:
    """Whether no element is NaN or infinite. One sum (a pass without a temporary) settles the
    common case; only a sum that is not finite (a NaN or inf, or large values overflowing it)
    leads to the element-wise check."""
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(a.sum()):
            return True
    return bool(np.isfinite(a).all())


def numeric_array(x: Any, dtype: np.dtype | type | str, who: str, what: str = "X") -> np.ndarray:
    """``x`` as an array of ``dtype`` (a view when it already is one), or TypeError naming
    ``who``: strings, objects and ragged nested lists are not numbers."""
    try:
        array = np.asarray(x)
    except ValueError:
        raise TypeError(
            f"{who}: {what} must be numeric: a rectangular array of numbers, but its rows have "
            f"different lengths"
        ) from None
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{who}: {what} must be numeric: got an array of dtype {array.dtype}")
    return array.astype(dtype, copy=False)


def check_inputs(
    X: Any, dtype: np.dtype | type, who: str, what: str = "X", n_features: int | None = None
) -> np.ndarray:
    """The one input check: X as a 2-D (examples, features) array of ``dtype``, finite.

    A view of the caller's array when it already has that dtype (never modified). Raises
    TypeError for non-numbers and ValueError naming ``who`` and the problem: the shape, an empty
    X, a feature count other than ``n_features``, or the first NaN/infinite entry's row and column.
    """
    X = numeric_array(X, dtype, who, what)
    if X.ndim != 2:
        raise ValueError(f"{who}: {what} must be 2-D (examples, features), got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"{who}: {what} is empty (shape {X.shape})")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(
            f"{who}: layer 1 expects {n_features} features, got {X.shape[1]}; "
            f"{what} has shape {X.shape}"
        )
    if not all_finite(X):
        rows, cols = np.nonzero(~np.isfinite(X))
        raise ValueError(
            f"{who}: {what} contains NaN or infinite values (first at row {rows[0]}, column "
            f"{cols[0]}; {len(np.unique(rows))} rows affected)"
        )
    return X


def label_vector(y: Any, n_examples: int, who: str) -> np.ndarray:
    """y as a 1-D array with one label per example of X (``n_examples`` of them).

    Any label values pass (numbers or names such as "yes"/"no"); a y of another shape or length
    raises a ValueError naming ``who``.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{who}: y must be 1-D (one label per example), got shape {y.shape}")
    if len(y) != n_examples:
        raise ValueError(f"{who}: X has {n_examples} examples but y has {len(y)}")
    return y


def class_labels(y: Any, n_classes: int, who: str) -> np.ndarray:
    """The one label check: integer class labels in 0..n_classes-1 as an int64 array.

    Integral floats are accepted; a fractional label, or one outside the range, raises a
    ValueError naming the first offending label and its example.
    """
    y = np.asarray(y)
    if y.dtype.kind not in "iub":
        if y.dtype.kind != "f" or not np.all(np.floor(y) == y):
            raise ValueError(f"{who}: class labels must be integers, got dtype {y.dtype}")
    labels = y.astype(np.int64)
    bad = np.flatnonzero((labels < 0) | (labels >= n_classes))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"{who}: label {y[i]} is outside the class range 0..{n_classes - 1} (example {i}; "
            f"{n_classes} classes, one per output neuron); labels must be integers in "
            f"[0, {n_classes})"
        )
    return labels
