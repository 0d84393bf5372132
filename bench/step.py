"""Where a training step's time goes: the graph engine against two hand-written NumPy steps.

    python bench/step.py

One SGD step of 784-100-10 (ReLU, softmax cross-entropy, float32) at batch 10 and 64, three ways:
  fused     the tightest hand-written step: the learning rate folded into delta, softmax in place,
            no loss value (bench/train.py's reference)
  unfused   the loss value and gradients written out (bench/engine.py's reference), then
            w -= lr * g for every parameter: what the graph engine computes, done the plain way
  backprop  optimizer.zero_grad(), loss(model(x), y), backward(), optimizer.step()
Blocks of calls in rotating rounds, the first calls of each block untimed; medians per step.
unfused/fused is what folding buys a hand-written step. backprop/unfused is the graph machinery's
cost net of what the engine does better than the plain way (column-major weights and a
classes-major softmax; see nn/init.py and nn/losses.py).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import backprop as bp
from common import limit_threads, rotated, thread_argument
from engine import _numpy_step
from train import numpy_step

LR = 0.01


def unfused_step(xb, yb, *params) -> float:
    """The loss value and gradients of ``engine._numpy_step``, then w -= lr * g per parameter."""
    value, grads = _numpy_step(xb, yb, *params)
    for w, g in zip(params, grads, strict=True):
        w -= LR * g
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    thread_argument(parser)
    print(limit_threads(parser.parse_args().threads))
    rng = np.random.default_rng(0)
    n = 20000
    X = rng.random((n, 784), dtype=np.float32)
    Y = rng.integers(0, 10, n)
    model = bp.nn.mlp([784, 100, 10], activation="relu", seed=0)
    loss = bp.nn.CrossEntropyLoss()
    opt = bp.optim.SGD(model.parameters(), lr=LR)
    fused_params = [p.data.copy() for p in model.parameters()]
    unfused_params = [p.data.copy() for p in model.parameters()]

    def backprop_step(xb, yb) -> float:
        opt.zero_grad()
        cost = loss(model(bp.Tensor(xb)), yb)
        value = float(cost.data)
        cost.backward()
        opt.step()
        return value

    steps = {
        "fused": lambda xb, yb: numpy_step(xb, yb, fused_params, "relu", LR),
        "unfused": lambda xb, yb: unfused_step(xb, yb, *unfused_params),
        "backprop": backprop_step,
    }
    for batch in (10, 64):
        times: dict[str, list[float]] = {name: [] for name in steps}
        order = rng.permutation(n)
        k = 0
        for r in range(30):
            for name in rotated(list(steps), r):
                for i in range(40):
                    start = (k % (n // batch)) * batch
                    idx = order[start : start + batch]
                    k += 1
                    xb, yb = X[idx], Y[idx]
                    t = time.perf_counter()
                    steps[name](xb, yb)
                    if i >= 5:
                        times[name].append(time.perf_counter() - t)
        med = {name: statistics.median(t) * 1e6 for name, t in times.items()}
        row = "  ".join(f"{name} {t:6.1f} us" for name, t in med.items())
        print(
            f"batch {batch:>3}: {row}   backprop/unfused {med['backprop'] / med['unfused']:.2f}x"
            f"   unfused/fused {med['unfused'] / med['fused']:.2f}x"
        )


if __name__ == "__main__":
    main()
