"""The lesson's 2-D data: the library's toy sets by name, or the user's own CSV file.

Everything is generated from the lesson's seed, so a shared link draws the same points. Gates and
the XOR corners are their own test set (four points are all there is); the other sets are split
``test`` at random (stratified).
"""

from __future__ import annotations

import csv
import io
from typing import NamedTuple

import numpy as np

from ..data import blobs, circles, gates, moons, spirals, train_test_split, xor_quadrants
from ..demos.xor_hand import COLOURS, CORNERS
from .config import MAX_POINTS, Config, ConfigError

GATE_NAMES = ("xor", "and", "or", "nand", "nor")


class Data(NamedTuple):
    """Training and test points (float64, shape (n, 2)) and their 0/1 labels (int64)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def read_csv(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``x1,x2,label`` (an optional header row first) with labels 0/1 (or -1/1).

    Raises ``ConfigError`` for the field "csv" naming the first bad line.
    """
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if rows:
        try:
            [float(cell) for cell in rows[0]]
        except ValueError:
            rows = rows[1:]  # a header
    if not 2 <= len(rows) <= 2 * MAX_POINTS:
        raise ConfigError(
            "csv", f"the CSV file needs 2 to {2 * MAX_POINTS} rows of x1,x2,label; got {len(rows)}"
        )
    points, labels = [], []
    for number, row in enumerate(rows, 1):
        try:
            if len(row) != 3:
                raise ValueError(f"{len(row)} columns instead of 3 (x1, x2, label)")
            x1, x2, label = (float(cell) for cell in row)
            if not (np.isfinite(x1) and np.isfinite(x2)):
                raise ValueError("x1 and x2 must be finite numbers")
            if label not in (0.0, 1.0, -1.0):
                raise ValueError(f"the label must be 0 or 1 (or -1 and 1); got {row[2].strip()}")
        except ValueError as exc:
            raise ConfigError("csv", f"CSV data row {number}: {exc}") from None
        points.append((x1, x2))
        labels.append(1 if label == 1.0 else 0)
    return np.array(points, dtype=np.float64), np.array(labels, dtype=np.int64)


def make_data(config: Config) -> Data:
    """The lesson's points from its dataset, size, noise, test fraction and seed."""
    name, n, noise, seed = config.dataset, config.points, config.noise, config.seed
    if name in GATE_NAMES:
        X, y = gates(name)
        return Data(X.astype(np.float64), y, X.astype(np.float64), y)
    if name == "xor-corners":
        X = np.array(CORNERS, dtype=np.float64)
        y = np.array([int(c == "red") for c in COLOURS], dtype=np.int64)
        return Data(X, y, X, y)
    if name == "csv":
        X, y = read_csv(config.csv)
    else:
        makers = {
            "xor-quadrants": lambda: xor_quadrants(n, noise=noise, seed=seed),
            "circles": lambda: circles(n, noise=noise, seed=seed),
            "moons": lambda: moons(n, noise=noise, seed=seed),
            "spirals": lambda: spirals(n, noise=noise, seed=seed),
            "blobs": lambda: blobs(n, centers=2, std=max(noise, 1e-3) * 3, seed=seed),
        }
        X, y = makers[name]()
    if config.test == 0:
        return Data(X.astype(np.float64), y, X.astype(np.float64), y)
    try:
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=config.test, seed=seed, stratify=True
        )
    except ValueError as exc:
        raise ConfigError("test", str(exc)) from None
    return Data(X_train.astype(np.float64), y_train, X_test.astype(np.float64), y_test)
