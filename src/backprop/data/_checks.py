"""Argument checks shared by the dataset modules."""

from __future__ import annotations

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
