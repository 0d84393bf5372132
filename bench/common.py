"""What every benchmark shares: the same number of threads for every library in the run.

NumPy's BLAS (OpenBLAS) and PyTorch each keep their own thread pool. On a 2-core machine, two
pools of 2 threads in one process oversubscribe the cores and slow *both* down by up to 10x at
MLP sizes, so a same-process comparison pins both to the same count (1 by default). Pinning also
hides such contention inside one library: run with ``--threads 2`` (this machine's default) as
well, and ``make demo``, when a change brings in another BLAS.
"""

from __future__ import annotations

import argparse
import os

import torch
from threadpoolctl import threadpool_info, threadpool_limits


def thread_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--threads", type=int, default=1, help="threads for NumPy's BLAS and for PyTorch"
    )


def limit_threads(n: int) -> str:
    """Pin BLAS and PyTorch to ``n`` threads; returns a line saying so."""
    threadpool_limits(n)
    torch.set_num_threads(n)
    return (f"threads: {n} for NumPy's BLAS and {torch.get_num_threads()} for PyTorch\n"
            f"{blas_kernels()}")


def blas_kernels() -> str:
    """Which kernels NumPy's BLAS runs, and whether the environment chose them.

    OpenBLAS picks its kernels for the CPU at load time unless ``OPENBLAS_CORETYPE`` names a
    core type. The machines here set ``OPENBLAS_CORETYPE=Haswell`` (AVX2): on their AVX-512
    AMD EPYC cores that made the 784-100 products at batch 10 2-3.5x slower than the SkylakeX
    kernels OpenBLAS picks by itself (2026-12-02), for NumPy and every library on it, not for
    JAX or PyTorch.
    """
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    kernels = ", ".join(f"{p['internal_api']} {p['version']} ({p['architecture']} kernels)"
                        for p in blas) or "unknown"
    forced = os.environ.get("OPENBLAS_CORETYPE")
    how = (f"OPENBLAS_CORETYPE={forced} set in the environment (run under `env -u "
           f"OPENBLAS_CORETYPE` for OpenBLAS's own choice)" if forced
           else "OpenBLAS's own choice for this CPU")
    return f"NumPy's BLAS: {kernels}, {how}"


def one_core(threads: int) -> str:
    """Pin this process to its first ``threads`` cores and limit XLA's CPU thread pool to as
    many threads; returns a line saying what it did. Must run before ``jax`` is imported.

    ``make bench`` starts the benchmarks under ``taskset -c 0``; run by hand, the script pins
    itself with ``os.sched_setaffinity``. XLA sizes its CPU pool from ``PJRT_NPROC`` (else from
    the cores it may use); ``--xla_cpu_multi_thread_eigen=false`` keeps its Eigen kernels on the
    calling thread. (``intra_op_parallelism_threads=1`` in ``XLA_FLAGS`` is no XLA flag: in jax
    0.10.2 it changed nothing, the work still spread over 4 threads.)
    """
    before = os.sched_getaffinity(0)
    wanted = set(sorted(before)[:threads])
    if before == wanted:
        how = f"cores: {sorted(wanted)}, as the process was started (taskset or the machine)"
    else:
        os.sched_setaffinity(0, wanted)
        how = (f"cores: pinned to {sorted(os.sched_getaffinity(0))} with os.sched_setaffinity "
               f"(was {sorted(before)}; run under taskset -c 0 to pin from outside)")
    os.environ["PJRT_NPROC"] = str(threads)
    if threads == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        if "xla_cpu_multi_thread_eigen" not in flags:
            os.environ["XLA_FLAGS"] = f"{flags} --xla_cpu_multi_thread_eigen=false".strip()
    return (f"{how}; XLA: PJRT_NPROC={os.environ['PJRT_NPROC']} "
            f"XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}")


def rotated(names: list[str], round_number: int) -> list[str]:
    """The contenders' order in one round: rotated by one each round, so that each runs after
    each of the others equally often."""
    k = round_number % len(names)
    return names[k:] + names[:k]
