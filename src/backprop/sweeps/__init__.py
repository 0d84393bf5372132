"""Sweeps: train a grid of configurations times several seeds, in parallel, and tabulate them.

``bp.sweep({"lr": [0.01, 0.1, 1], "batch_size": [10, 100]}, data="mnist-5k", seeds=[0, 1, 2],
out="sweep/")`` trains every combination (any ``backprop train`` option can be swept, by its
argument name) with every seed, on a local process pool (one process per core) or on Ray
(``executor="ray"``, or ``ray_address=`` an existing cluster), and writes ``results.csv``,
``results.md`` and ``final_loss.png`` into ``out``. Each run is written to ``out/runs/`` as soon
as it ends, keyed by its whole configuration and seed: a sweep interrupted and started again
with the same arguments runs only what is missing. A run that diverges or cannot be built is
reported in its row, left out of the means and counted; the others go on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import options
from .executors import Executor, LocalPool, RayExecutor
from .grid import expand
from .results import read_runs, write_results, write_run

__all__ = ["SweepResult", "sweep"]


@dataclass
class SweepResult:
    """The runs of a sweep (records as in ``runs/KEY.json``, grid order) and what happened."""

    records: list[dict[str, Any]]
    swept: list[str]
    ran: int
    reused: int
    files: list[Path] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(r["status"] != "ok" for r in self.records)


def _executor(executor: str, workers: int | None, ray_address: str | None) -> Executor:
    if ray_address is not None or executor == "ray":
        return RayExecutor(address=ray_address, num_cpus=workers)
    if executor == "local":
        return LocalPool(workers)
    raise ValueError(f"unknown executor {executor!r}; choose 'local' or 'ray'")


def sweep(
    grid: Mapping[str, Sequence[Any]],
    *,
    out: str | os.PathLike[str],
    seeds: Sequence[int] = (0,),
    executor: str = "local",
    workers: int | None = None,
    ray_address: str | None = None,
    on_run: Callable[[dict[str, Any]], Any] | None = None,
    **fixed: Any,
) -> SweepResult:
    """Train every combination of ``grid``'s values with the ``fixed`` options, once per seed.

    Option names are ``backprop train``'s arguments (``lr``, ``batch_size``, ``layers``,
    ``activation``, ``loss``, ``optimizer``, ...), with its defaults; ``data`` is required.
    ``workers`` is the local pool's size (default: one per core) or the CPUs of a local Ray
    instance. ``on_run(record)`` is called as each run is written. Runs already in ``out/runs``
    are reused, not run again. A script calls it under ``if __name__ == "__main__":``: the local
    pool's workers are fresh Python processes that import the script.
    """
    actions = options.sweepable(options.train_parser())
    known = {a.dest: a.default for a in actions}
    allowed = set(known)
    unknown = sorted((set(grid) | set(fixed)) - allowed)
    if unknown:
        raise ValueError(
            f"cannot sweep {', '.join(unknown)}: the options are train's, "
            f"{', '.join(sorted(allowed))}"
        )
    both = sorted(set(grid) & set(fixed))
    if both:
        raise ValueError(f"{', '.join(both)} given both as swept and as fixed")
    base = {**known, **fixed}
    required = {a.dest for a in actions if a.required}
    missing = sorted(name for name in required - set(grid) if base[name] is None)
    if missing:
        raise ValueError(f"a sweep needs {', '.join(missing)} (train requires it)")
    specs = list({spec.key: spec for spec in expand(grid, base, list(seeds))}.values())
    swept = [name for name, values in grid.items() if len(values) > 1]

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    done = read_runs(folder)
    todo = [spec for spec in specs if spec.key not in done]
    by_key = {spec.key: spec for spec in todo}
    if todo:
        with _executor(executor, workers, ray_address) as ex:
            for key, outcome in ex.run((spec.key, spec.options) for spec in todo):
                done[key] = write_run(folder, by_key[key], outcome)
                if on_run is not None:
                    on_run(done[key])
    records = [done[spec.key] for spec in specs]
    files = write_results(folder, records, swept)
    return SweepResult(records, swept, ran=len(todo), reused=len(specs) - len(todo), files=files)
