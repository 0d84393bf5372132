"""Engine benchmarks. Run with ``python bench/engine.py``.

Scalar engine: ``backprop.Value`` against the PyPI ``micrograd`` package (0.1.0) on one forward
pass of the summed squared loss of a 2-16-16-1 MLP over 100 points, plus its backward pass. Both
engines run the same model code on the same weights and data; the hidden units are ReLU because
micrograd 0.1.0's Value has no tanh (or exp to build one from), the output unit is linear --
micrograd.nn.MLP's layout. The two are timed alternately, each run starting from a collected heap
(micrograd's graphs are reference cycles that only the garbage collector frees).
"""

from __future__ import annotations

import gc
import random
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from micrograd.nn import MLP as MicrogradMLP

from backprop.scalar import Value, topological_order

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


def main() -> None:
    bench_scalar()


if __name__ == "__main__":
    main()
