"""How large a network may be: the one size guard of ``mlp``, ``Linear``, the textbook
``Network``, ``load`` and the command line, checked before anything is allocated.

A network is refused when its parameters number more than ``MAX_PARAMETERS`` (the documented
cap), or when their bytes exceed the memory the operating system reports as available right now
(``available_memory``: Linux's MemAvailable, else the free physical pages).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import LimitError

__all__ = [
    "MAX_PARAMETERS",
    "available_memory",
    "check_memory",
    "check_parameters",
    "layer_sizes",
    "network_parameters",
    "positive_size",
]

#: The most parameters (weights and biases) any network may have: 2**30, 4 GiB as float32.
MAX_PARAMETERS = 2**30

MiB = 2**20


def available_memory() -> int | None:
    """Bytes the operating system can hand out now without swapping, or None if it won't say."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def check_parameters(count: int, itemsize: int, who: str) -> None:
    """Raise LimitError naming ``who`` if ``count`` parameters of ``itemsize`` bytes exceed the
    cap or the memory available."""
    if count > MAX_PARAMETERS:
        raise LimitError(
            f"{who}: {count:,} parameters is more than the cap of {MAX_PARAMETERS:,} "
            f"(backprop.limits.MAX_PARAMETERS)"
        )
    check_memory(count * itemsize, who, f"{count:,} parameters")


def check_memory(nbytes: int, who: str, what: str) -> None:
    """Raise LimitError naming ``who`` and ``what`` if ``nbytes`` exceed the memory available."""
    available = available_memory()
    if available is not None and nbytes > available:
        raise LimitError(
            f"{who}: {what} would take {math.ceil(nbytes / MiB):,} MiB, but only "
            f"{available // MiB:,} MiB of memory is available"
        )


def positive_size(who: str, what: str, n: Any) -> int:
    """``n`` as an int, or ValueError naming ``who`` and ``what`` if it is not a positive
    integer (a bool, 2.7 or "3" is not)."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"{who}: {what} must be a positive integer, got {n!r}")
    return int(n)


def layer_sizes(who: str, sizes: Sequence[Any]) -> list[int]:
    """``sizes`` (input, hidden..., output widths) as ints, or ValueError naming the first one
    that is not a positive integer (2.7 is refused, not truncated)."""
    if isinstance(sizes, str | bytes) or not isinstance(sizes, Sequence | np.ndarray):
        raise ValueError(f"{who}: sizes must be a list of layer widths, got {sizes!r}")
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"{who}: sizes must list at least 2 layer widths, got {sizes}")
    for i, n in enumerate(sizes):
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise ValueError(
                f"{who}: layer sizes must be positive integers, got {n!r} at position {i} "
                f"of {sizes}"
            )
    return [int(n) for n in sizes]


def network_parameters(sizes: Sequence[int], bias: bool = True) -> int:
    """Weights and biases of a fully connected network of these widths."""
    pairs = zip(sizes[:-1], sizes[1:], strict=True)
    return sum(n_in * n_out + (n_out if bias else 0) for n_in, n_out in pairs)
