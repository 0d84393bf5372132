"""One random generator for the whole library.

``manual_seed(seed)`` makes every initializer, every shuffle and every toy dataset that is not given
its own seed reproducible.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the library-wide generator and return it."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def get_rng(seed: int | np.random.Generator | None = None) -> np.random.Generator:
    """The generator to use: a fresh one from ``seed``, ``seed`` itself, or the library-wide one."""
    if seed is None:
        return _generator
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def get_state() -> dict[str, Any]:
    """The library-wide generator's state (a JSON-serialisable dict), for checkpoints."""
    return _generator.bit_generator.state


def set_state(state: dict[str, Any]) -> None:
    """Restore a state captured by ``get_state``."""
    _generator.bit_generator.state = state
