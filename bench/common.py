"""What every benchmark shares: the same number of threads for every library in the run.

NumPy's BLAS (OpenBLAS) and PyTorch each keep their own thread pool. On a 2-core machine, two
pools of 2 threads in one process oversubscribe the cores and slow *both* down by up to 10x at
MLP sizes, so a same-process comparison pins both to the same count (1 by default). Pinning also
hides such contention inside one library: run with ``--threads 2`` (this machine's default) as
well, and ``make demo``, when a change brings in another BLAS.
"""

from __future__ import annotations

import argparse

import torch
from threadpoolctl import threadpool_limits


def thread_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--threads", type=int, default=1, help="threads for NumPy's BLAS and for PyTorch"
    )


def limit_threads(n: int) -> str:
    """Pin BLAS and PyTorch to ``n`` threads; returns a line saying so."""
    threadpool_limits(n)
    torch.set_num_threads(n)
    return f"threads: {n} for NumPy's BLAS and {torch.get_num_threads()} for PyTorch"


def rotated(names: list[str], round_number: int) -> list[str]:
    """The contenders' order in one round: rotated by one each round, so that each runs after
    each of the others equally often."""
    k = round_number % len(names)
    return names[k:] + names[:k]
