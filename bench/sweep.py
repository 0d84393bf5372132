"""A sweep of 16 runs on the local process pool against the same runs one after another, and
Ray's overhead per run on a local instance (aim: the pool at least 1.8x faster on 2 cores).

    python bench/sweep.py [--epochs 20] [--workers N] [--rounds 2]

How it uses the cores: every arm runs the same 16 trainings (mnist-5k, 784-100-10 sigmoid, plain
SGD, 4 learning rates x 2 batch sizes x 2 seeds) in fresh worker processes with one BLAS thread
each (``backprop.sweeps.worker.ONE_BLAS_THREAD``), so a run does the same work in every arm:
"one after another" is a pool of one process, the local pool has one process per core, and Ray
runs one-CPU tasks on a local instance with as many CPUs. The overhead of an arm is the core time
it had but did not spend training (wall time x processes - the runs' own seconds), per run;
starting the pool or the Ray instance is timed apart. The serial arm and the pool alternate for
``--rounds`` rounds and the fastest of each is kept. Run it on otherwise idle cores: the load
average it prints says how busy they were.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

from backprop.sweeps import options
from backprop.sweeps.executors import Executor, LocalPool, RayExecutor
from backprop.sweeps.grid import expand

GRID = {"lr": [0.03, 0.1, 0.3, 1.0], "batch_size": [10, 20]}
SEEDS = [0, 1]


def timed(executor: Executor, tasks: list[tuple[str, dict[str, Any]]]) -> dict[str, float]:
    """Start ``executor``, run ``tasks`` through it, stop it: the seconds of each part and the
    runs' own training seconds."""
    t0 = time.perf_counter()
    with executor:
        t1 = time.perf_counter()
        outcomes = [outcome for _, outcome in executor.run(tasks)]
        t2 = time.perf_counter()
    t3 = time.perf_counter()
    assert all(o["status"] == "ok" for o in outcomes), [o["error"] for o in outcomes]
    return {
        "start": t1 - t0,
        "runs": t2 - t1,
        "stop": t3 - t2,
        "train": sum(o["seconds"] for o in outcomes),
        "losses": sorted(o["final_loss"] for o in outcomes),
    }


def report(name: str, result: dict[str, float], processes: int, n: int) -> None:
    idle = result["runs"] * processes - result["train"]
    print(
        f"{name:<28} {result['runs']:6.1f} s for the runs ({result['start']:.1f} s to start, "
        f"{result['stop']:.1f} s to stop); runs trained {result['train']:.1f} s in all; "
        f"overhead {idle / n:.2f} s of core time per run"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the serial arm and pool")
    args = parser.parse_args()
    fixed = {**options.defaults(), "data": "mnist-5k", "layers": [784, 100, 10]}
    fixed.update(activation="sigmoid", epochs=args.epochs)
    tasks = [(spec.key, spec.options) for spec in expand(GRID, fixed, SEEDS)]
    n, workers = len(tasks), args.workers
    print(
        f"{n} runs (mnist-5k 784-100-10, {args.epochs} epochs); {os.cpu_count()} cores, this "
        f"process may use {sorted(os.sched_getaffinity(0))}; one BLAS thread per run; load "
        f"average {os.getloadavg()[0]:.1f} (other work on the cores shrinks every speed-up)"
    )
    serials, pools = [], []
    for _ in range(args.rounds):  # alternated; the fastest round of each is kept: others' work
        # on the cores comes and goes, and only ever slows a round down
        serials.append(timed(LocalPool(1), tasks))
        pools.append(timed(LocalPool(workers), tasks))
    serial = min(serials, key=lambda r: r["runs"])
    pool = min(pools, key=lambda r: r["runs"])
    report("one after another (1 proc)", serial, 1, n)
    report(f"local pool ({workers} procs)", pool, workers, n)
    on_ray = timed(RayExecutor(num_cpus=workers), tasks)
    report(f"Ray, local ({workers} CPUs)", on_ray, workers, n)
    assert serial["losses"] == pool["losses"] == on_ray["losses"], "equal seeds, equal losses"

    def whole(r: dict[str, float]) -> float:
        return r["start"] + r["runs"] + r["stop"]

    print(
        f"local pool vs one after another: {serial['runs'] / pool['runs']:.2f}x faster for the "
        f"runs, {whole(serial) / whole(pool):.2f}x with starting and stopping "
        f"(aim: >= 1.8x on 2 cores)"
    )
    print(
        f"Ray vs local pool: {on_ray['runs'] / pool['runs']:.2f}x the pool's time for the runs; "
        f"{(on_ray['runs'] - pool['runs']) * workers / n:+.2f} s of core time per run, plus "
        f"{on_ray['start']:.1f} s to start the instance (pool: {pool['start']:.1f} s)"
    )


if __name__ == "__main__":
    main()
