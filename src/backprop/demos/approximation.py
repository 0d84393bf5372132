"""Universal approximation: one hidden layer of K tanh units fits sin x, |x| and a step (seeds 000,
001, 003).

OUT(x) = sum_k c_k tanh(w_k x + b_k) + c_0 can approximate any continuous function on a compact
interval as closely as wanted, given enough units K. Each unit is a smoothed step at x = -b_k / w_k,
and a weighted sum of enough steps follows any curve. The table shows the mean squared error
falling as K grows from 1 to 32.

Training is the honest part ("can represent but maybe cannot learn"): plain gradient descent on
a wide network often stalls. So the networks are grown: the K-unit network starts as the trained
K/2-unit network plus K/2 new units (steps at random places, output weights 0), so it starts
exactly at the smaller network's error and training (full-batch Adam with a decaying rate) only
has to improve on it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import optim
from ..data import function_1d
from ..explain.tables import render_table
from ..nn import MSELoss, mlp
from ..tensor import Tensor, no_grad
from ..train import fit
from ..viz._figure import new_figure, save

TITLE = "universal approximation: K = 1..32 tanh units fit sin x, |x| and a step"

FUNCTIONS = {"sin": (-np.pi, np.pi), "abs": (-1.0, 1.0), "step": (-1.0, 1.0)}
LABELS = {"sin": "sin x", "abs": "|x|", "step": "step [x > 0]"}
HIDDEN = (1, 2, 4, 8, 16, 32)
EPOCHS = 1500
LR, FINAL_LR = 0.02, 5e-4


def _grow(previous: Any, k: int, low: float, high: float, rng: np.random.Generator) -> Any:
    """A 1-k-1 tanh network holding ``previous``'s units plus new ones that add 0 to the output."""
    model = mlp([1, k, 1], activation="tanh", seed=rng, dtype="float64")
    if previous is None:
        return model
    hidden, output = model[0], model[2]
    n = previous[0].out_features
    hidden.weight.data[:n] = previous[0].weight.data
    hidden.bias.data[:n] = previous[0].bias.data
    new = k - n
    centre = rng.uniform(low, high, new)  # where each new smoothed step sits
    slope = k / (high - low) * rng.choice([-1.0, 1.0], new)
    hidden.weight.data[n:, 0] = slope
    hidden.bias.data[n:] = -slope * centre
    output.weight.data[:, :n] = previous[2].weight.data
    output.weight.data[:, n:] = 0.0
    output.bias.data[:] = previous[2].bias.data
    return model


def _predict(model: Any, x: np.ndarray) -> np.ndarray:
    with no_grad():
        return model(Tensor(x.astype(np.float64).reshape(-1, 1))).data[:, 0]


def function_1d_target(name: str, x: np.ndarray) -> np.ndarray:
    """The noise-free function that ``data.function_1d(name)`` samples, at the points x."""
    if name == "sin":
        return np.sin(x)
    if name == "abs":
        return np.abs(x)
    return (x > 0).astype(np.float64)


def run(out: Path, data: str | None = None, epochs: int | None = None) -> dict[str, Any]:
    """Fit every function with K = 1, 2, 4, ..., 32 hidden units; print the MSE table; plot."""
    n_epochs = epochs or EPOCHS
    started = time.perf_counter()
    print(
        f"1-K-1 networks (tanh hidden units, linear output), 200 samples per function, "
        f"{n_epochs} full-batch\nAdam epochs per K (rate {LR} decaying to {FINAL_LR}), "
        f"mean squared error on the samples:\n"
    )
    mse: dict[str, dict[int, float]] = {}
    curves: dict[str, dict[str, Any]] = {}
    for name, (low, high) in FUNCTIONS.items():
        X, y = function_1d(name, 200, seed=0)
        grid = np.linspace(low, high, 400)
        rng = np.random.default_rng(0)
        model = None
        mse[name] = {}
        curves[name] = {"x": grid, "target": function_1d_target(name, grid), "fits": {}}
        for k in HIDDEN:
            model = _grow(model, k, low, high, rng)
            optimizer = optim.Adam(model.parameters(), lr=LR)
            schedule = optim.ExponentialLR(optimizer, gamma=(FINAL_LR / LR) ** (1 / n_epochs))
            fit(
                model,
                X,
                y,
                loss=MSELoss(),
                optimizer=optimizer,
                epochs=n_epochs,
                scheduler=schedule,
            )
            mse[name][k] = float(np.mean((_predict(model, X) - y[:, 0]) ** 2))
            curves[name]["fits"][k] = _predict(model, grid)
    headers = ["K"] + [LABELS[name] for name in FUNCTIONS]
    rows = [[k] + [f"{mse[name][k]:.2e}" for name in FUNCTIONS] for k in HIDDEN]
    print(render_table(headers, rows, align="r" * len(headers)))
    ratios = ", ".join(
        f"{LABELS[name]} {mse[name][HIDDEN[0]] / max(mse[name][HIDDEN[-1]], 1e-300):,.0f}x"
        for name in FUNCTIONS
    )
    print(f"\nfrom K = {HIDDEN[0]} to K = {HIDDEN[-1]} the error shrinks by {ratios}.")
    print(
        "The step is discontinuous (the theorem is about continuous functions): smooth tanh "
        "units approach\nit only as their weights grow without bound, so gradient descent "
        "closes in on it slowest."
    )
    picture = _plot(curves, out / "approximation.png")
    seconds = time.perf_counter() - started
    print(
        f"\n{len(FUNCTIONS) * len(HIDDEN)} networks trained in {seconds:.1f} s; "
        f"wrote {picture.name} to {out}/"
    )
    return {"mse": mse, "hidden": list(HIDDEN), "files": [picture], "seconds": seconds}


def _plot(curves: dict[str, dict[str, Any]], path: Path) -> Path:
    fig = new_figure((15.0, 4.4))
    axes = fig.subplots(1, len(curves))
    for ax, (name, c) in zip(axes, curves.items(), strict=True):
        ax.plot(c["x"], c["target"], "k--", linewidth=2.5, label="target", zorder=3)
        for k, values in c["fits"].items():
            ax.plot(c["x"], values, linewidth=1.4, label=f"K = {k}")
        ax.set_title(LABELS[name])
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("Universal approximation: one hidden layer of K tanh units")
    return save(fig, path)
