"""Weight initializers: where gradient descent starts.

Each takes the layer's fan-in n_in and fan-out n_out and returns (W, b) with W of shape
(n_out, n_in), the lectures' W^l in z^l = W^l a^{l-1} + b^l:

    uniform        w, b ~ U(-1, 1)                         (the lectures' choice)
    normal         w, b ~ N(0, 1)                          (Nielsen's network.py)
    normal_scaled  w ~ N(0, 1/n_in), b ~ N(0, 1)           (Nielsen's network2.py)
    xavier         w ~ U(-r, r), r = sqrt(6/(n_in+n_out)), b = 0     (Glorot & Bengio)
    he             w ~ N(0, 2/n_in), b = 0                 (He et al., for ReLU)
    zeros          w = b = 0                               (shows why symmetry must be broken)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..backend import parameter_array
from ..rng import get_rng

Init = Callable[[int, int, np.random.Generator], tuple[np.ndarray, np.ndarray]]


def uniform(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(-1, 1, (n_out, n_in)), rng.uniform(-1, 1, n_out)


def normal(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out)


def normal_scaled(
    n_in: int, n_out: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    return rng.standard_normal((n_out, n_in)) / np.sqrt(n_in), rng.standard_normal(n_out)


def xavier(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-r, r, (n_out, n_in)), np.zeros(n_out)


def he(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in), np.zeros(n_out)


def zeros(n_in: int, n_out: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((n_out, n_in)), np.zeros(n_out)


INITIALIZERS: dict[str, Init] = {
    "uniform": uniform,
    "normal": normal,
    "normal_scaled": normal_scaled,
    "xavier": xavier,
    "he": he,
    "zeros": zeros,
}


def initialize(
    name: str,
    n_in: int,
    n_out: int,
    seed: int | np.random.Generator | None = None,
    dtype: np.dtype | type = np.float32,
) -> tuple[np.ndarray, np.ndarray]:
    """(W, b) for a layer n_in -> n_out from the named initializer (see the module docstring).

    Without ``seed`` the library-wide generator is used, so ``backprop.manual_seed`` makes it
    reproducible. W and b are laid out in memory by ``backend.parameter_array``.
    """
    try:
        init = INITIALIZERS[name]
    except KeyError:
        raise ValueError(
            f"unknown initializer {name!r}; choose one of {', '.join(INITIALIZERS)}"
        ) from None
    w, b = init(n_in, n_out, get_rng(seed))
    return parameter_array(w, dtype), parameter_array(b, dtype)
