"""Splitting, scaling, label encoding and minibatching; deterministic from a seed."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
from numpy.typing import ArrayLike

from ..rng import get_rng
from ._checks import Seed, check_count


def _stratified_test_indices(y: np.ndarray, n_test: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of a test set of size ``n_test`` holding each class in proportion to its count."""
    _, inverse = np.unique(y, return_inverse=True)
    counts = np.bincount(inverse)
    ideal = counts * (n_test / len(y))
    per_class = np.floor(ideal).astype(np.int64)
    # Hand the rounding remainder to the classes with the largest fractional parts.
    largest = np.argsort(per_class - ideal, kind="stable")
    per_class[largest[: n_test - per_class.sum()]] += 1
    chosen = [
        rng.permutation(np.flatnonzero(inverse == k))[:take] for k, take in enumerate(per_class)
    ]
    return np.concatenate(chosen)


def train_test_split(
    X: ArrayLike, y: ArrayLike, test_size: float = 0.25, seed: Seed = None, stratify: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split into ``(X_train, X_test, y_train, y_test)``.

    The test set gets ceil(test_size * n) rows. With ``stratify=True`` each class of the 1-D label
    array ``y`` is split in the same proportion (up to rounding), so label frequencies match.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"X and y must be arrays, got shapes {X.shape} and {y.shape}")
    if len(X) != len(y):
        raise ValueError(f"X and y differ in length: X has {len(X)} rows, y has {len(y)}")
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be a fraction in (0, 1), got {test_size!r}")
    n = len(X)
    n_test = math.ceil(round(test_size * n, 9))
    if n_test >= n:
        raise ValueError(f"test_size={test_size} of {n} samples leaves no training samples")
    rng = get_rng(seed)
    if stratify:
        if y.ndim != 1:
            raise ValueError(f"stratify needs 1-D class labels, got y of shape {y.shape}")
        test = _stratified_test_indices(y, n_test, rng)
        train = np.setdiff1d(np.arange(n), test, assume_unique=True)
        test, train = rng.permutation(test), rng.permutation(train)
    else:
        order = rng.permutation(n)
        test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


class Standardizer:
    """Scale each feature (column) to mean 0 and standard deviation 1.

    ``fit`` stores ``mean_`` and ``std_`` (population std) as float32; a feature that is constant
    in the fitted data gets ``std_ = 1``, so it maps to 0 instead of dividing by zero.
    """

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None

    def fit(self, X: ArrayLike) -> Standardizer:
        """Learn the per-feature mean and standard deviation of ``X`` (rows are samples)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 0 or len(X) == 0:
            raise ValueError(f"cannot fit a Standardizer on an empty array of shape {X.shape}")
        constant = np.ptp(X, axis=0) == 0
        self.mean_ = X.mean(axis=0).astype(np.float32)
        self.std_ = np.where(constant, 1.0, X.std(axis=0)).astype(np.float32)
        return self

    def _stats(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The fitted statistics, after checking that ``X`` has the fitted feature shape."""
        if self.mean_ is None or self.std_ is None:
            raise RuntimeError("Standardizer is not fitted; call fit(X) first")
        if X.shape[1:] != self.mean_.shape:
            raise ValueError(
                f"Standardizer was fitted on samples of shape {self.mean_.shape}, "
                f"got X of shape {X.shape}"
            )
        return self.mean_, self.std_

    def transform(self, X: ArrayLike) -> np.ndarray:
        """``(X - mean_) / std_`` as a new float32 array."""
        X = np.asarray(X, dtype=np.float32)
        mean, std = self._stats(X)
        return (X - mean) / std

    def fit_transform(self, X: ArrayLike) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: ArrayLike) -> np.ndarray:
        """Undo ``transform``: ``Z * std_ + mean_`` as a new float32 array."""
        Z = np.asarray(Z, dtype=np.float32)
        mean, std = self._stats(Z)
        return Z * std + mean


def one_hot(y: ArrayLike, n_classes: int | None = None) -> np.ndarray:
    """Encode integer labels 0..n_classes-1 as float32 rows with a single 1.

    ``n_classes`` defaults to ``max(y) + 1``. Returns an array of shape (len(y), n_classes).
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"one_hot needs a 1-D array of labels, got shape {y.shape}")
    if not (np.issubdtype(y.dtype, np.integer) or y.dtype == np.bool_ or y.size == 0):
        raise ValueError(f"one_hot needs integer class labels, got dtype {y.dtype}")
    y = y.astype(np.int64)
    if y.size and y.min() < 0:
        i = int(np.argmin(y))
        raise ValueError(f"labels must be non-negative, got {y[i]} at index {i}")
    if n_classes is None:
        n_classes = int(y.max()) + 1 if y.size else 0
    n_classes = check_count("n_classes", n_classes, minimum=0)
    if y.size and y.max() >= n_classes:
        i = int(np.argmax(y))
        raise ValueError(f"label {y[i]} at index {i} is out of range for n_classes={n_classes}")
    encoded = np.zeros((len(y), n_classes), dtype=np.float32)
    encoded[np.arange(len(y)), y] = 1
    return encoded


def batches(
    n: int, batch_size: int, shuffle: bool = True, seed: Seed = None, drop_last: bool = False
) -> Iterator[np.ndarray | slice]:
    """One epoch of minibatch indices into ``n`` samples; use as ``X[idx], y[idx]``.

    With ``shuffle`` it yields int64 index arrays of a fresh random permutation; without, it yields
    slices, so ``X[idx]`` is a view and nothing is copied. The last batch is shorter when
    ``batch_size`` does not divide ``n``, unless ``drop_last`` skips it. An int ``seed`` gives the
    same order on every call; pass a ``numpy.random.Generator`` (or None, for the library-wide one)
    to get a new order each epoch.
    """
    n = check_count("n", n, minimum=0)
    batch_size = check_count("batch_size", batch_size)
    stop = n - n % batch_size if drop_last else n
    if shuffle:
        order = get_rng(seed).permutation(n)
        return (order[start : start + batch_size] for start in range(0, stop, batch_size))
    return (slice(start, min(start + batch_size, n)) for start in range(0, stop, batch_size))
