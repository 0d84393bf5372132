"""Numerical gradients versus backpropagation (seed 003: "Much slower.. Full forward pass for each
parameter is needed").

The central difference dE/dw_i ~ (E(w_i + eps) - E(w_i - eps)) / (2 eps) costs two forward passes
*per parameter*; backprop gets all partial derivatives from one forward and one backward pass.
For 2-H-1 networks of growing width the table times both on the same mini-batch: the numerical
gradient's cost grows with the parameter count, backprop's hardly moves, and the two gradients
agree to about 1e-10 (float64), which is what gradient checking relies on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..data import moons
from ..explain.tables import render_table
from ..gradcheck import central_differences
from ..nn import BCEWithLogitsLoss, mlp
from ..tensor import Tensor
from ..viz._figure import new_figure, save

TITLE = "numerical gradients vs backprop: two forward passes per parameter, 'much slower'"

HIDDEN = (2, 8, 32, 128, 512)
BATCH = 32
EPS = 1e-6


def _best_time(fn: Callable[[], Any], budget: float, max_repeats: int) -> float:
    """The fastest of several runs of ``fn`` (at least one; more while within ``budget`` s)."""
    best = np.inf
    spent = 0.0
    for _ in range(max_repeats):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        best = min(best, elapsed)
        spent += elapsed
        if spent > budget:
            break
    return best


def backprop_gradient(model: Any, loss: Any, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """All partial derivatives dE/dw from one forward and one backward pass, as one vector."""
    model.zero_grad()
    loss(model(Tensor(X)), y).backward()
    return np.concatenate([p.grad.ravel() for p in model.parameters()])


def numerical_gradient(
    model: Any, loss: Any, X: np.ndarray, y: np.ndarray, eps: float = EPS
) -> tuple[np.ndarray, int]:
    """Central differences, parameter by parameter: 2 forward passes for every weight and bias.

    Returns the gradient as one vector and the number of forward passes it took.
    """
    x = Tensor(X)
    passes = 0

    def cost() -> float:
        nonlocal passes
        passes += 1
        return float(loss(model(x), y).data)

    grads = [central_differences(cost, p.data, np.arange(p.size), eps) for p in model.parameters()]
    return np.concatenate(grads), passes


def run(out: Path, data: str | None = None, epochs: int | None = None) -> dict[str, Any]:
    """Time one backprop gradient and one numerical gradient per network size; print the table."""
    X, y = moons(BATCH, noise=0.1, seed=0)
    X = X.astype(np.float64)
    y = y.astype(np.float64).reshape(-1, 1)
    loss = BCEWithLogitsLoss()
    print(
        f"2-H-1 tanh networks (float64), logistic loss on a batch of {BATCH} examples; "
        f"central differences\nwith eps = {EPS:g}. Times are the best of a few runs.\n"
    )
    rows = []
    for h in HIDDEN:
        model = mlp([2, h, 1], activation="tanh", seed=0, dtype="float64")
        n = model.num_parameters()
        analytic = backprop_gradient(model, loss, X, y)
        numeric, passes = numerical_gradient(model, loss, X, y)
        t_backprop = _best_time(lambda m=model: backprop_gradient(m, loss, X, y), 0.05, 50)
        t_numeric = _best_time(lambda m=model: numerical_gradient(m, loss, X, y), 0.3, 5)
        row = {
            "hidden": h,
            "parameters": n,
            "backprop_seconds": t_backprop,
            "numerical_seconds": t_numeric,
            "ratio": t_numeric / t_backprop,
            "forward_passes": passes,
            "max_abs_difference": float(np.max(np.abs(analytic - numeric))),
        }
        rows.append(row)
    headers = [
        "H",
        "parameters",
        "backprop",
        "numerical",
        "ratio",
        "forward passes",
        "max |difference|",
    ]
    cells = [
        [
            r["hidden"],
            f"{r['parameters']:,}",
            f"{r['backprop_seconds'] * 1e3:.3f}ms",
            f"{r['numerical_seconds'] * 1e3:.1f}ms",
            f"{r['ratio']:,.0f}x",
            f"{r['forward_passes']:,}",
            f"{r['max_abs_difference']:.1e}",
        ]
        for r in rows
    ]
    print(render_table(headers, cells, align="r" * len(headers)))
    first, last = rows[0], rows[-1]
    print(
        f"\nThe numerical gradient needs 2 forward passes per parameter, so its cost grows "
        f"linearly with the\nparameter count ({first['parameters']} -> {last['parameters']:,} "
        f"parameters: {first['numerical_seconds'] * 1e3:.1f} ms -> "
        f"{last['numerical_seconds'] * 1e3:.0f} ms), while backprop costs about\none forward "
        f"and one backward pass whatever the size. With millions of parameters the ratio is in "
        f"the\nmillions: numerical gradients are for checking backprop (backprop.gradcheck), "
        f"never for training."
    )
    picture = _plot(rows, out / "timings.png")
    print(f"\nwrote {picture.name} to {out}/")
    return {"rows": rows, "ratios": [r["ratio"] for r in rows], "files": [picture]}


def _plot(rows: list[dict[str, Any]], path: Path) -> Path:
    """Seconds per gradient against the parameter count, both axes logarithmic."""
    n = [r["parameters"] for r in rows]
    fig = new_figure((6.5, 4.5))
    ax = fig.add_subplot()
    ax.loglog(n, [r["numerical_seconds"] for r in rows], "o-", color="C3", label="numerical")
    ax.loglog(n, [r["backprop_seconds"] for r in rows], "o-", color="C0", label="backprop")
    ax.set_xlabel("parameters")
    ax.set_ylabel("seconds per gradient")
    ax.set_title("Numerical gradient vs backprop: 2 forward passes per parameter")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    return save(fig, path)
