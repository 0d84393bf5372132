"""Engine benchmarks. Run with ``python bench/engine.py``.

Scalar engine: ``backprop.Value`` against the PyPI ``micrograd`` package (0.1.0) on one forward
pass of the summed squared loss of a 2-16-16-1 MLP over 100 points, plus its backward pass. Both
engines run the same model code on the same weights and data; the hidden units are ReLU because
micrograd 0.1.0's Value has no tanh (or exp to build one from), the output unit is linear --
micrograd.nn.MLP's layout. The two are timed alternately, each run starting from a collected heap
(micrograd's graphs are reference cycles that only the garbage collector frees).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from micrograd.nn import MLP as MicrogradMLP

import backprop as bp
from backprop.scalar import Value, topological_order
from common import limit_threads, rotated, thread_argument

SIZES = [2, 16, 16, 1]
POINTS = 100
REPEATS = 15

Layers = list[list[tuple[list[Any], Any]]]


def _mlp_forward(layers: Layers, x: Sequence[Any]) -> Any:
    """micrograd.nn.MLP's computation: a_j = relu(sum_k w_jk x_k + b_j), linear last layer."""
    last = len(layers) - 1
    for i, layer in enumerate(layers):
        out = []
        for w, b in layer:
            act = sum((wi * xi for wi, xi in zip(w, x, strict=True)), b)
            out.append(act.relu() if i != last else act)
        x = out
    return x[0]


def _loss(layers: Layers, data: list[tuple[list[float], float]]) -> Any:
    """E = sum_i (y_i - t_i)^2."""
    return sum((_mlp_forward(layers, x) - t) ** 2 for x, t in data)


def _time_step(layers: Layers, data: list[tuple[list[float], float]]) -> float:
    """Seconds for one forward of the loss and its backward (graph teardown is not timed)."""
    gc.collect()
    start = time.perf_counter()
    loss = _loss(layers, data)
    loss.backward()
    elapsed = time.perf_counter() - start
    del loss
    gc.collect()
    return elapsed


def _copy_layers(layers: Layers, make: Callable[[float], Any]) -> Layers:
    return [[([make(wi.data) for wi in w], make(b.data)) for w, b in layer] for layer in layers]


def _parameters(layers: Layers) -> list[Any]:
    return [p for layer in layers for w, b in layer for p in [*w, b]]


def bench_scalar() -> dict[str, float]:
    """Time backprop.Value against micrograd; print and return the medians (ms) and their ratio."""
    random.seed(0)
    reference = MicrogradMLP(SIZES[0], SIZES[1:])
    theirs: Layers = [[(n.w, n.b) for n in layer.neurons] for layer in reference.layers]
    ours = _copy_layers(theirs, Value)
    data = []
    for _ in range(POINTS):
        x = [random.uniform(-1.0, 1.0), random.uniform(-1.0, 1.0)]
        data.append((x, 1.0 if x[0] * x[1] > 0.0 else -1.0))

    # Same computation in both engines: equal losses and gradients, and micrograd's own MLP agrees.
    check_theirs = _loss(theirs, data)
    check_theirs.backward()
    check_ours = _loss(ours, data)
    check_ours.backward()
    reference_loss = sum((reference(x) - t) ** 2 for x, t in data)
    nodes = len(topological_order(check_ours))
    assert abs(check_ours.data - check_theirs.data) <= 1e-9 * abs(check_theirs.data)
    assert abs(reference_loss.data - check_theirs.data) <= 1e-9 * abs(check_theirs.data)
    for p, q in zip(_parameters(ours), _parameters(theirs), strict=True):
        assert abs(p.grad - q.grad) <= 1e-9 * (1.0 + abs(q.grad))
    del check_theirs, check_ours, reference_loss

    times: dict[str, list[float]] = {"ours": [], "micrograd": []}
    engines = [("ours", ours), ("micrograd", theirs)]
    for rep in range(REPEATS):
        for name, layers in engines if rep % 2 == 0 else engines[::-1]:
            for p in _parameters(layers):
                p.grad = 0.0
            times[name].append(_time_step(layers, data))

    ours_ms = 1e3 * statistics.median(times["ours"])
    theirs_ms = 1e3 * statistics.median(times["micrograd"])
    ratio = theirs_ms / ours_ms
    print(
        f"scalar engine: MLP {'-'.join(map(str, SIZES))} (ReLU hidden, linear output), "
        f"{POINTS} points, forward of the summed squared loss + backward ({nodes} nodes), "
        f"median of {REPEATS}"
    )
    print(f"  backprop.Value   {ours_ms:8.2f} ms")
    print(f"  micrograd Value  {theirs_ms:8.2f} ms")
    print(f"  micrograd / ours {ratio:8.2f}x")
    return {"ours_ms": ours_ms, "micrograd_ms": theirs_ms, "ratio": ratio}


# ---------------------------------------------------------------------- tensor engine
BATCH, N_IN, N_HIDDEN, N_OUT = 64, 784, 100, 10
ROUNDS, BLOCK, WARM = 20, 25, 5  # rounds; calls per contender per round; untimed calls first


def _numpy_step(X: np.ndarray, y: np.ndarray, W1, b1, W2, b2) -> tuple[float, list[np.ndarray]]:
    """The same equations written out by hand: ReLU hidden layer, softmax cross-entropy."""
    z1 = X @ W1.T
    z1 += b1
    a1 = np.maximum(z1, 0)
    z2 = a1 @ W2.T
    z2 += b2
    shifted = z2 - z2.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=1, keepdims=True)
    rows = np.arange(len(y))
    loss = float(np.mean(np.log(s)[:, 0] - shifted[rows, y]))
    delta2 = e / s  # the softmax, from the one exponential
    delta2[rows, y] -= 1
    delta2 /= len(y)
    delta1 = (delta2 @ W2) * (z1 > 0)
    return loss, [delta1.T @ X, delta1.sum(axis=0), delta2.T @ a1, delta2.sum(axis=0)]


def bench_tensor() -> dict[str, float]:
    """One forward + backward of 784-100-10 (ReLU, cross-entropy) on a float32 batch of 64."""
    import torch

    rng = np.random.default_rng(0)
    X = rng.random((BATCH, N_IN), dtype=np.float32)
    y = rng.integers(0, N_OUT, BATCH)
    model = bp.nn.mlp([N_IN, N_HIDDEN, N_OUT], activation="relu", seed=0)
    loss_fn = bp.nn.CrossEntropyLoss()
    arrays = [p.data.copy() for p in model.parameters()]
    tmodel = torch.nn.Sequential(
        torch.nn.Linear(N_IN, N_HIDDEN), torch.nn.ReLU(), torch.nn.Linear(N_HIDDEN, N_OUT)
    )
    with torch.no_grad():
        for p, a in zip(tmodel.parameters(), arrays, strict=True):
            p.copy_(torch.from_numpy(a))
    tX, ty = torch.from_numpy(X), torch.from_numpy(y)

    def ours() -> None:
        model.zero_grad()
        loss_fn(model(bp.Tensor(X)), y).backward()

    def reference() -> None:
        _numpy_step(X, y, *arrays)

    def pytorch() -> None:
        tmodel.zero_grad()
        torch.nn.functional.cross_entropy(tmodel(tX), ty).backward()

    # The three compute the same gradients (checked before timing).
    ours()
    pytorch()
    _, expected = _numpy_step(X, y, *arrays)
    for mine, ref, theirs in zip(model.parameters(), expected, tmodel.parameters(), strict=True):
        np.testing.assert_allclose(mine.grad, ref, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(theirs.grad.numpy(), ref, rtol=1e-4, atol=1e-6)

    contenders = {"backprop.Tensor": ours, "hand-written NumPy": reference, "PyTorch": pytorch}
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(20):  # warm-up
        for fn in contenders.values():
            fn()
    for r in range(ROUNDS):
        # Rounds interleave the contenders so that machine noise hits all alike, in an order that
        # rotates. Within a round each runs a block of calls, the first few untimed: switching
        # libraries leaves cold caches and a churned allocator to whoever comes next (measured:
        # a third slower for one call right after PyTorch), which is not the library's own speed.
        for name in rotated(list(contenders), r):
            fn = contenders[name]
            for i in range(BLOCK):
                start = time.perf_counter()
                fn()
                if i >= WARM:
                    times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(t) for name, t in times.items()}
    title = f"MLP {N_IN}-{N_HIDDEN}-{N_OUT}, batch {BATCH} float32, forward+backward"
    print(f"\nTensor engine: {title}")
    for name, t in medians.items():
        print(f"  {name:<20} {t * 1e6:8.1f} us")
    ratio_numpy = medians["backprop.Tensor"] / medians["hand-written NumPy"]
    ratio_torch = medians["PyTorch"] / medians["backprop.Tensor"]
    print(f"  backprop / NumPy   {ratio_numpy:.2f}x   (target <= 1.3x)")
    print(f"  PyTorch / backprop {ratio_torch:.2f}x   (target > 1x: faster than PyTorch)")
    return {"tensor_over_numpy": ratio_numpy, "torch_over_tensor": ratio_torch}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    thread_argument(parser)
    print(limit_threads(parser.parse_args().threads))
    bench_tensor()
    bench_scalar()


if __name__ == "__main__":
    main()
