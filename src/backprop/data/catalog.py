"""Datasets by name, split into training and test sets: what ``backprop train --data`` accepts."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from .idx import load_mnist
from .preprocessing import train_test_split
from .real import digits_8x8, fashion_mnist, mnist_5k
from .toy import moons, spirals, xor_quadrants

DATASETS = ("xor", "moons", "spirals", "digits", "mnist-5k", "fashion-mnist", "idx:PATH")


class Dataset(NamedTuple):
    """Training and test arrays, the number of classes and the image shape (if images)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    image_shape: tuple[int, int] | None


def load(name: str, seed: int = 0, test_size: float = 0.25) -> Dataset:
    """Load a dataset by name (see ``DATASETS``); sets without a fixed test set are split
    ``test_size`` at random from ``seed`` (stratified). ``idx:PATH`` reads the four MNIST-format
    IDX files in the folder PATH."""
    if name.startswith("idx:"):
        (X_train, y_train), (X_test, y_test) = load_mnist(Path(name[4:]))
        return Dataset(X_train, y_train, X_test, y_test, 10, (28, 28))
    if name == "fashion-mnist":
        (X_train, y_train), (X_test, y_test) = fashion_mnist()
        return Dataset(X_train, y_train, X_test, y_test, 10, (28, 28))
    makers = {
        "xor": lambda: xor_quadrants(400, noise=0.3, seed=seed),
        "moons": lambda: moons(400, noise=0.15, seed=seed),
        "spirals": lambda: spirals(600, noise=0.05, seed=seed),
        "digits": digits_8x8,
        "mnist-5k": mnist_5k,
    }
    if name not in makers:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    X, y = makers[name]()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, seed=seed, stratify=True
    )
    shape = {"digits": (8, 8), "mnist-5k": (28, 28)}.get(name)
    return Dataset(X_train, y_train, X_test, y_test, int(y.max()) + 1, shape)
