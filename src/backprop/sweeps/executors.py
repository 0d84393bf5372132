"""Two ways to run a sweep's runs, behind one interface: a local process pool and Ray.

An executor is a context manager whose ``run(tasks)`` takes ``(key, options)`` pairs and yields
``(key, outcome)`` pairs as the runs finish, in whatever order they finish, so that the sweep can
write each one at once. Every run trains with one BLAS thread (``worker.ONE_BLAS_THREAD``): the
parallelism is one run per core, never threads inside a run.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any, Protocol

from .worker import ONE_BLAS_THREAD, run_one

Task = tuple[str, dict[str, Any]]


class Executor(Protocol):
    def __enter__(self) -> Executor: ...

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def run(self, tasks: Iterable[Task]) -> Iterator[tuple[str, dict[str, Any]]]: ...


def default_workers() -> int:
    """One process per core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class LocalPool:
    """A pool of ``workers`` fresh processes on this machine (default: one per core).

    The workers are fresh Python processes (``spawn``: nothing of this process's state is copied,
    so a script must start a sweep under ``if __name__ == "__main__":``, which the workers skip
    when they import it). They start with the environment of ``ONE_BLAS_THREAD`` (set in this
    process while the pool exists, and restored afterwards): a worker's NumPy reads it when it
    loads.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self._saved: dict[str, str | None] = {}
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalPool:
        self._saved = {name: os.environ.get(name) for name in ONE_BLAS_THREAD}
        os.environ.update(ONE_BLAS_THREAD)
        self._pool = concurrent.futures.ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn")
        )
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._pool is not None and kind is not None:
                # interrupted or failed: stop the runs under way instead of waiting for them
                # (ProcessPoolExecutor has no public way to before Python 3.14)
                for process in list(self._pool._processes.values()):
                    process.terminate()
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
        finally:
            for name, value in self._saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def run(self, tasks: Iterable[Task]) -> Iterator[tuple[str, dict[str, Any]]]:
        assert self._pool is not None, "use the pool inside a with block"
        futures = {self._pool.submit(run_one, options): key for key, options in tasks}
        try:
            for future in concurrent.futures.as_completed(futures):
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()


class RayExecutor:
    """Runs as Ray tasks of one CPU each: on a local Ray instance started here (``num_cpus``, by
    default all cores), or on the existing cluster at ``address`` (``ray start --head`` prints
    it). The cluster's workers must be able to import this backprop; a task that cannot run
    (no backprop there, a worker lost) stops the sweep with ``RuntimeError``, like a broken
    local pool, rather than being recorded as a failed run. A local instance started here is
    shut down afterwards, a cluster is only disconnected from."""

    def __init__(self, address: str | None = None, num_cpus: int | None = None) -> None:
        try:
            import ray
        except ModuleNotFoundError:
            raise ModuleNotFoundError(
                "Ray is not installed; pip install 'backprop[ray]' to sweep on Ray"
            ) from None
        self._ray = ray
        self.address = address
        self.num_cpus = num_cpus

    def __enter__(self) -> RayExecutor:
        self._ray.init(
            address=self.address or "local",  # "local": a new instance, never one found running
            num_cpus=None if self.address else self.num_cpus,
            runtime_env={"env_vars": dict(ONE_BLAS_THREAD)},
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._ray.shutdown()

    def run(self, tasks: Iterable[Task]) -> Iterator[tuple[str, dict[str, Any]]]:
        ray = self._ray
        remote = ray.remote(num_cpus=1, max_retries=0)(run_one)
        pending = {remote.remote(options): key for key, options in tasks}
        try:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                try:
                    outcome = ray.get(done[0])
                except ray.exceptions.RayError as exc:  # the task could not run at all
                    lines = str(exc).strip().splitlines() or [type(exc).__name__]
                    raise RuntimeError(f"a Ray task failed: {lines[0]}") from exc
                yield pending.pop(done[0]), outcome
        finally:
            for ref in pending:
                ray.cancel(ref, force=True)
