"""Small synthetic datasets for the lecture examples.

Every generator returns ``(X, y)`` with ``X`` float32 of shape ``(n, d)``. Classification sets give
``y`` as int64 class labels of shape ``(n,)``, balanced so that class counts differ by at most one
and shuffled; ``function_1d`` gives float32 regression targets of shape ``(n, 1)``. ``noise`` is the
standard deviation of the Gaussian noise added to every coordinate (to the target for
``function_1d``). ``seed`` is an int, a ``numpy.random.Generator``, or None for the library-wide
generator that ``backprop.manual_seed`` seeds.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..rng import get_rng
from ._checks import Seed, check_count, check_noise

_BINARY_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)

#: Truth tables: gate name -> outputs for the inputs (0, 0), (0, 1), (1, 0), (1, 1);
#: for the 1-input "not", the outputs for 0 and 1.
GATES: dict[str, tuple[int, ...]] = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "nand": (1, 1, 1, 0),
    "nor": (1, 0, 0, 0),
    "xor": (0, 1, 1, 0),
    "not": (1, 0),
}

# XOR quadrant centres, blue and red alternating so that any n gives near-equal label counts.
_QUADRANT_CENTRES = np.array([[-1, -1], [-1, 1], [1, 1], [1, -1]], dtype=np.float64)
_QUADRANT_LABELS = np.array([0, 1, 0, 1], dtype=np.int64)

_FUNCTIONS_1D = {
    "sin": ((-np.pi, np.pi), np.sin),
    "abs": ((-1.0, 1.0), np.abs),
    "step": ((-1.0, 1.0), lambda x: (x > 0).astype(np.float64)),
}


def gates(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The truth table of a logic gate: "and", "or", "nand", "nor", "xor" or the 1-input "not".

    Returns ``X`` float32 of shape (4, 2) -- rows (0, 0), (0, 1), (1, 0), (1, 1) -- or (2, 1) for
    "not", and ``y`` int64 with the gate's output (0 or 1) for each row.
    """
    key = name.lower()
    if key not in GATES:
        raise ValueError(f"unknown gate {name!r}; choose one of {', '.join(GATES)}")
    y = np.array(GATES[key], dtype=np.int64)
    X = np.array([[0], [1]], dtype=np.float32) if key == "not" else _BINARY_INPUTS.copy()
    return X, y


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The XOR truth table, ``gates("xor")``: X (4, 2) float32, y = [0, 1, 1, 0] int64."""
    return gates("xor")


def _balanced_labels(n: int, n_classes: int, rng: np.random.Generator) -> np.ndarray:
    """Shuffled int64 labels 0..n_classes-1 whose counts differ by at most one."""
    return rng.permutation(np.arange(n, dtype=np.int64) % n_classes)


def _with_noise(points: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """``points`` plus Gaussian noise of standard deviation ``noise``, as float32."""
    return (points + noise * rng.standard_normal(points.shape)).astype(np.float32)


def xor_quadrants(
    n: int = 200, noise: float = 0.3, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """The XOR cloud of the lecture: Gaussian blobs around the four points (+-1, +-1).

    Label convention (the lecture's colours): 1 = "red" for points drawn around (-1, +1) and
    (+1, -1), where the two coordinates have opposite signs; 0 = "blue" for (-1, -1) and (+1, +1).
    A point's label is that of the centre it was drawn around, so with large ``noise`` a few points
    cross into a neighbouring quadrant. The four centres get n // 4 or n // 4 + 1 points each.
    """
    n = check_count("n", n)
    noise = check_noise("noise", noise)
    rng = get_rng(seed)
    quadrant = _balanced_labels(n, 4, rng)
    X = _with_noise(_QUADRANT_CENTRES[quadrant], noise, rng)
    return X, _QUADRANT_LABELS[quadrant]


def circles(
    n: int = 200, noise: float = 0.05, factor: float = 0.5, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: label 0 on the unit circle, label 1 on a circle of radius ``factor``.

    Angles are uniform on [0, 2 pi); ``factor`` must lie strictly between 0 and 1.
    """
    n = check_count("n", n)
    noise = check_noise("noise", noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be in (0, 1), got {factor!r}")
    rng = get_rng(seed)
    y = _balanced_labels(n, 2, rng)
    angle = rng.uniform(0, 2 * np.pi, n)
    radius = np.where(y == 0, 1.0, factor)
    points = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return _with_noise(points, noise, rng), y


def moons(n: int = 200, noise: float = 0.1, seed: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles.

    Label 0: (cos t, sin t), the upper half of the unit circle; label 1: (1 - cos t, 0.5 - sin t),
    a lower half circle shifted right and up, with t uniform on [0, pi].
    """
    n = check_count("n", n)
    noise = check_noise("noise", noise)
    rng = get_rng(seed)
    y = _balanced_labels(n, 2, rng)
    t = rng.uniform(0, np.pi, n)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    points = np.where((y == 0)[:, None], upper, lower)
    return _with_noise(points, noise, rng), y


def spirals(
    n: int = 200, n_classes: int = 2, noise: float = 0.05, turns: float = 1.0, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` interleaved spiral arms around the origin.

    Arm k is the curve r(t) = 0.1 + 0.9 t, angle(t) = 2 pi (turns t + k / n_classes) for t uniform
    on [0, 1): each arm winds ``turns`` times from radius 0.1 out to radius 1.
    """
    n = check_count("n", n)
    n_classes = check_count("n_classes", n_classes, minimum=2)
    noise = check_noise("noise", noise)
    if not np.isfinite(turns) or turns <= 0:
        raise ValueError(f"turns must be a finite number > 0, got {turns!r}")
    rng = get_rng(seed)
    y = _balanced_labels(n, n_classes, rng)
    t = rng.uniform(0, 1, n)
    radius = 0.1 + 0.9 * t
    angle = 2 * np.pi * (turns * t + y / n_classes)
    points = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return _with_noise(points, noise, rng), y


def blobs(
    n: int = 200, centers: int | ArrayLike = 3, std: float = 1.0, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian blobs, label k for points drawn around centre k.

    ``centers`` is either a number of centres, placed uniformly at random in the square
    [-10, 10]^2, or an array of shape (k, d) giving the centres (then ``X`` has d columns).
    ``std`` is the standard deviation of every blob.
    """
    n = check_count("n", n)
    std = check_noise("std", std)
    rng = get_rng(seed)
    if isinstance(centers, int | np.integer):
        k = check_count("centers", centers)
        means = rng.uniform(-10, 10, size=(k, 2))
    else:
        means = np.asarray(centers, dtype=np.float64)
        if means.ndim != 2 or len(means) == 0:
            raise ValueError(
                f"centers must be an int or an array of shape (k, d), got {means.shape}"
            )
    y = _balanced_labels(n, len(means), rng)
    return _with_noise(means[y], std, rng), y


def function_1d(
    name: str, n: int = 200, seed: Seed = None, noise: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Samples of a 1-D function to approximate (universal approximation demos).

    ``name`` is "sin" (sin x on [-pi, pi]), "abs" (|x| on [-1, 1]) or "step" (the Heaviside step on
    [-1, 1]: 1 where x > 0, else 0). ``X`` holds n points drawn uniformly from the interval and
    sorted ascending, shape (n, 1) float32; ``y`` the function values plus Gaussian noise of
    standard deviation ``noise``, shape (n, 1) float32.
    """
    if name not in _FUNCTIONS_1D:
        raise ValueError(f"unknown function {name!r}; choose one of {', '.join(_FUNCTIONS_1D)}")
    n = check_count("n", n)
    noise = check_noise("noise", noise)
    (low, high), f = _FUNCTIONS_1D[name]
    rng = get_rng(seed)
    x = np.sort(rng.uniform(low, high, n))
    y = _with_noise(f(x), noise, rng)
    return x.astype(np.float32)[:, None], y[:, None]
