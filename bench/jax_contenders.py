"""The JAX contenders of bench/train.py (CPU ``jax``, from the ``bench`` extras).

Import this module only after ``common.one_core`` has run: XLA reads ``XLA_FLAGS`` and
``PJRT_NPROC`` (the size of its CPU thread pool) when its CPU client starts.

Both contenders compute bench/train.py's mathematics: z1 = x W1^T + b1, a sigmoid or ReLU hidden
layer, z2 = a1 W2^T + b2, the softmax with the log-likelihood cost averaged over the mini-batch
(cross-entropy on the softmax), plain SGD w -= lr * dC/dw, float32, the gradient from
``jax.grad``. The parameters stay JAX arrays from step to step, donated to each update.

  jax-jit   one training step (forward, loss, gradient, update) in one ``jax.jit``; each
            mini-batch gathered with NumPy (``X[idx]``) outside the jit, as bench/train.py's
            loops gather it, the last short batch (60,000 is no multiple of 64 or 256) included
            as a second compiled shape.
  jax-scan  the epoch's full mini-batches as one ``lax.scan`` inside one ``jax.jit``, over a
            (steps, m, 784) array of the shuffled batches that NumPy gathers before the call;
            that gather (a copy of the whole training set) is INSIDE the timing, and its time is
            kept apart in ``gather_seconds`` so that it can be read off. The last short batch, if
            any, goes through the jit step after the scan, so that every contender trains on all
            n examples per epoch.
Both compile before they are timed (``warm_up``) and block on the parameters at the end of the
epoch (``block_until_ready``), so that the time includes all the work that was dispatched.
"""

from __future__ import annotations

import os
import time
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

Params = tuple[jax.Array, ...]


def _loss(params: Params, xb, yb, activation: str):
    """The mean log-likelihood cost -(1/m) sum_x ln softmax(z2)_y of 784-100-10."""
    W1, b1, W2, b2 = params
    z1 = xb @ W1.T + b1
    a1 = jax.nn.sigmoid(z1) if activation == "sigmoid" else jax.nn.relu(z1)
    z2 = a1 @ W2.T + b2
    log_p = jax.nn.log_softmax(z2, axis=1)
    return -jnp.mean(jnp.take_along_axis(log_p, yb[:, None], axis=1))


def _sgd(params: Params, xb, yb, activation: str, lr: float) -> Params:
    grads = jax.grad(_loss)(params, xb, yb, activation)
    return tuple(p - lr * g for p, g in zip(params, grads, strict=True))


@partial(jax.jit, static_argnames=("activation", "lr"), donate_argnums=0)
def jit_step(params: Params, xb, yb, activation: str, lr: float) -> Params:
    """One SGD step: forward, loss, gradient and update, compiled as one computation."""
    return _sgd(params, xb, yb, activation, lr)


@partial(jax.jit, static_argnames=("activation", "lr"), donate_argnums=0)
def scan_epoch(params: Params, xs, ys, activation: str, lr: float) -> Params:
    """SGD over the mini-batches xs[k], ys[k] (k = 0..steps-1) as one ``lax.scan``."""

    def body(p: Params, batch):
        return _sgd(p, batch[0], batch[1], activation, lr), None

    return lax.scan(body, params, (xs, ys))[0]


def to_jax(params: list[np.ndarray]) -> Params:
    return tuple(jnp.asarray(np.ascontiguousarray(p)) for p in params)


class JaxJit:
    """Mini-batch SGD for one epoch, one jitted step per mini-batch."""

    def __init__(self, X: np.ndarray, y: np.ndarray, params: list[np.ndarray], activation: str,
                 batch: int, lr: float) -> None:
        self.X, self.y = X, y.astype(np.int32)
        self.params = to_jax(params)
        self.activation, self.batch, self.lr = activation, batch, lr

    def warm_up(self) -> None:
        """Compile for the batch shape and, if the epoch ends with one, the short batch."""
        n = len(self.X)
        for m in {self.batch, n % self.batch or self.batch}:
            idx = np.arange(m)
            self.params = jit_step(self.params, self.X[idx], self.y[idx], self.activation, self.lr)
        jax.block_until_ready(self.params)

    def __call__(self, r: int) -> None:
        X, y, batch, activation, lr = self.X, self.y, self.batch, self.activation, self.lr
        order = np.random.default_rng(r).permutation(len(X))
        p = self.params
        for start in range(0, len(X), batch):
            idx = order[start : start + batch]
            p = jit_step(p, X[idx], y[idx], activation, lr)
        self.params = jax.block_until_ready(p)


class JaxScan(JaxJit):
    """One epoch as a ``lax.scan`` over pre-gathered batches (gather timed, see module doc)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.gather_seconds: list[float] = []

    def warm_up(self) -> None:
        """Compile the scan for (steps, m, 784) and the jit step for the short batch: one epoch."""
        self(0)
        self.gather_seconds.clear()

    def __call__(self, r: int) -> None:
        X, y, batch = self.X, self.y, self.batch
        order = np.random.default_rng(r).permutation(len(X))
        steps = len(X) // batch
        start = time.perf_counter()
        full = order[: steps * batch]
        xs = X[full].reshape(steps, batch, X.shape[1])
        ys = y[full].reshape(steps, batch)
        self.gather_seconds.append(time.perf_counter() - start)
        p = scan_epoch(self.params, xs, ys, self.activation, self.lr)
        rest = order[steps * batch :]
        if len(rest):
            p = jit_step(p, X[rest], y[rest], self.activation, self.lr)
        self.params = jax.block_until_ready(p)


def max_difference_from(numpy_step, X: np.ndarray, y: np.ndarray, params: list[np.ndarray],
                        activation: str, lr: float, batch: int = 10, steps: int = 3) -> float:
    """Largest |w_jax - w_numpy| over all parameters after ``steps`` SGD steps from the same
    weights on the same consecutive mini-batches: ``steps`` jit steps, then the same steps as one
    scan, both against ``numpy_step(xb, yb, params, activation, lr)`` applied in place."""
    xs = X[: steps * batch].reshape(steps, batch, X.shape[1])
    ys = y[: steps * batch].astype(np.int32).reshape(steps, batch)
    ref = [np.array(p, copy=True) for p in params]
    for k in range(steps):
        numpy_step(xs[k], ys[k], ref, activation, lr)
    stepped = to_jax(params)
    for k in range(steps):
        stepped = jit_step(stepped, xs[k], ys[k], activation, lr)
    scanned = scan_epoch(to_jax(params), xs, ys, activation, lr)
    return max(
        float(np.max(np.abs(np.asarray(q) - r)))
        for result in (stepped, scanned)
        for q, r in zip(result, ref, strict=True)
    )


def xla_thread_share() -> tuple[float, int]:
    """Run a small XLA computation and look at which of this process's threads did the work
    (CPU time per thread, /proc/self/task): returns the busiest thread's share of the CPU time
    and the number of threads that used any. 1.0 and 1 when XLA computes on one thread."""

    def ticks() -> dict[str, int]:
        out = {}
        for tid in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{tid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:  # the thread ended meanwhile
                continue
            out[tid] = int(fields[11]) + int(fields[12])  # utime + stime
        return out

    a = jnp.ones((768, 768), jnp.float32)
    f = jax.jit(lambda a: jnp.tanh(a @ a) @ a)
    f(a).block_until_ready()
    before = ticks()
    deadline = time.perf_counter() + 0.5
    while time.perf_counter() < deadline:
        f(a).block_until_ready()
    used = [t - before.get(tid, 0) for tid, t in ticks().items()]
    used = [u for u in used if u > 0]
    return (max(used) / sum(used) if used else 1.0), len(used)
