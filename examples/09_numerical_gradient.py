"""Numerical gradients versus backprop (seed 003: "Much slower.. Full forward pass for each
parameter is needed").

The central difference dE/dw_i ~ (E(w_i + eps) - E(w_i - eps)) / (2 eps) takes two forward passes
per parameter; backprop gets every dE/dw_i from one forward and one backward pass.

    python examples/09_numerical_gradient.py [FOLDER]

draws timings.png into FOLDER (default backprop-out/numerical-gradient).
"""

import sys
import timeit
from functools import partial
from pathlib import Path

import numpy as np

import backprop as bp

out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/numerical-gradient")

X, labels = bp.data.moons(32, noise=0.1, seed=0)
y = labels.reshape(-1, 1).astype(np.float64)  # one target per output score
x = bp.tensor(X, dtype="float64")
loss = bp.nn.BCEWithLogitsLoss()


def backprop_gradient(model):
    """Every dE/dw_i from one forward and one backward pass."""
    model.zero_grad()
    loss(model(x), y).backward()
    return np.concatenate([p.grad.ravel() for p in model.parameters()])


def numerical_gradient(model, eps=1e-6):
    """dE/dw_i ~ (E(w_i + eps) - E(w_i - eps)) / (2 eps), one weight or bias at a time."""
    gradient = []
    for p in model.parameters():
        for i in np.ndindex(p.data.shape):
            p.data[i] += eps
            up = float(loss(model(x), y).data)  # forward pass 1
            p.data[i] -= 2 * eps
            down = float(loss(model(x), y).data)  # forward pass 2
            p.data[i] += eps
            gradient.append((up - down) / (2 * eps))
    return np.array(gradient)


counts, seconds = [], {"backprop": [], "numerical": []}
for H in (2, 8, 32, 128):
    model = bp.nn.mlp([2, H, 1], activation="tanh", seed=0, dtype="float64")
    difference = np.max(np.abs(backprop_gradient(model) - numerical_gradient(model)))
    counts.append(model.num_parameters())
    # The fastest of a few runs: the machine's other work only ever adds time.
    for name, method, repeats in (
        ("backprop", backprop_gradient, 20),
        ("numerical", numerical_gradient, 3),
    ):
        runs = timeit.repeat(partial(method, model), number=1, repeat=repeats)
        seconds[name].append(min(runs))
    ratio = seconds["numerical"][-1] / seconds["backprop"][-1]
    print(
        f"H = {H:>3}: {counts[-1]:>3} parameters, numerical {ratio:,.0f}x slower, "
        f"largest difference {difference:.1e}"
    )

picture = bp.viz.plot_functions(
    counts,
    seconds,
    out / "timings.png",
    title="seconds per gradient of a 2-H-1 network",
    xlabel="parameters",
    ylabel="seconds (log scale)",
    yscale="log",
)
print(f"wrote {picture}")
