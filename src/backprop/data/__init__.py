"""Datasets for the lectures: toy problems, IDX/MNIST files, bundled real data, preprocessing.

Toy sets (``toy``) are generated from a seed; real sets (``real``) are read from files that
installed packages ship -- nothing is downloaded at run time.
"""

from .catalog import DATASETS, Dataset, load
from .idx import MNIST_FILES, load_mnist, read_idx
from .preprocessing import Standardizer, batches, one_hot, train_test_split
from .real import FASHION_MNIST_CLASSES, digits_8x8, fashion_mnist, mnist_5k
from .toy import (
    GATES,
    blobs,
    circles,
    function_1d,
    gates,
    moons,
    spirals,
    xor,
    xor_quadrants,
)

__all__ = [
    "DATASETS",
    "Dataset",
    "load",
    "FASHION_MNIST_CLASSES",
    "GATES",
    "MNIST_FILES",
    "Standardizer",
    "batches",
    "blobs",
    "circles",
    "digits_8x8",
    "fashion_mnist",
    "function_1d",
    "gates",
    "load_mnist",
    "mnist_5k",
    "moons",
    "one_hot",
    "read_idx",
    "spirals",
    "train_test_split",
    "xor",
    "xor_quadrants",
]
