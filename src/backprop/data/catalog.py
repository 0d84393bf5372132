"""Datasets by name, split into training and test sets: what ``backprop train --data`` accepts."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from .idx import load_mnist
from .preprocessing import train_test_split
from .real import FASHION_MNIST_CLASSES, digits_8x8, fashion_mnist, mnist_5k
from .toy import moons, spirals, xor_quadrants

DATASETS = ("xor", "moons", "spirals", "digits", "mnist-5k", "fashion-mnist", "idx:PATH")


#: The picture size of each dataset of images (``idx:PATH`` folders hold 28x28 MNIST images).
IMAGE_SHAPES = {"digits": (8, 8), "mnist-5k": (28, 28), "fashion-mnist": (28, 28)}


def image_shape(name: str) -> tuple[int, int] | None:
    """The picture size of dataset ``name``, or None if it holds points, not images."""
    return (28, 28) if name.startswith("idx:") else IMAGE_SHAPES.get(name)


def check_images(name: str, who: str) -> None:
    """Raise ValueError naming ``who`` unless dataset ``name`` exists and holds images."""
    if image_shape(name) is None:
        problem = "holds points, not images" if name in DATASETS else "is not a dataset"
        raise ValueError(
            f"{who} needs a dataset of images, and {name!r} {problem}; use one of "
            f"{', '.join(IMAGE_SHAPES)} or idx:FOLDER"
        )


def class_names(name: str, n_classes: int) -> tuple[str, ...]:
    """What each class of dataset ``name`` is called, indexed by label: Fashion-MNIST's
    garments (T-shirt/top, Trouser, ...), else the label itself ("0", "1", ...)."""
    if name == "fashion-mnist":
        return FASHION_MNIST_CLASSES
    return tuple(str(label) for label in range(n_classes))


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
        return Dataset(X_train, y_train, X_test, y_test, 10, image_shape(name))
    if name == "fashion-mnist":
        (X_train, y_train), (X_test, y_test) = fashion_mnist()
        return Dataset(X_train, y_train, X_test, y_test, 10, image_shape(name))
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
    return Dataset(X_train, y_train, X_test, y_test, int(y.max()) + 1, image_shape(name))
