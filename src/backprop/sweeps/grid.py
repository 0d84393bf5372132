"""The grid of a sweep: every combination of the swept options, times every seed, each a run key.

A run is its whole configuration (every ``train`` option, swept or fixed) and its seed; its key
is a hash of both, so a finished run is recognised whatever order the grid is written in, and a
change to any option (a fixed one included) makes a new run.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: the options ``backprop.runs.build_run`` takes, seed included."""

    config: Mapping[str, Any]
    seed: int

    @property
    def options(self) -> dict[str, Any]:
        return {**self.config, "seed": self.seed}

    @property
    def key(self) -> str:
        text = json.dumps({"config": self.config, "seed": self.seed}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def expand(
    grid: Mapping[str, Sequence[Any]], fixed: Mapping[str, Any], seeds: Sequence[int]
) -> list[RunSpec]:
    """Every combination of ``grid``'s values (the first option varying slowest), each with the
    ``fixed`` options, times every seed; a list of values must not be empty."""
    for name, values in grid.items():
        if not values:
            raise ValueError(f"option {name!r} of the sweep has no values")
    if not seeds:
        raise ValueError("a sweep needs at least one seed")
    names = list(grid)
    runs = []
    for combination in itertools.product(*(grid[name] for name in names)):
        config = {**fixed, **dict(zip(names, combination, strict=True))}
        runs.extend(RunSpec(config, seed) for seed in seeds)
    return runs
