"""Linear neurons sigma(z) = z: stacking them gives one linear map, which cannot solve XOR.

"Non-linear activation function is important, because if we stack linear functions [we] still
result in [a] linear function" (seed 000). A 2-8-8-1 network of linear neurons computes

    y = W3 (W2 (W1 x + b1) + b2) + b3 = (W3 W2 W1) x + (W3 W2 b1 + W3 b2 + b3) = W x + b,

a single neuron with the 1x2 matrix W = W3 W2 W1. Trained on XOR it can do no better than 3 of
the 4 corners; the same 2-8-8-1 shape with tanh neurons learns all four.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .. import optim
from ..data import xor
from ..nn import BCEWithLogitsLoss, mlp
from ..tensor import Tensor, no_grad
from ..train import fit
from ..viz import plot_decision_boundary

TITLE = "linear neurons: a deep linear network is one linear map and cannot learn XOR"

SIZES = (2, 8, 8, 1)
EPOCHS = 500
LR = 0.05


def collapse(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """(W, b) of the single linear map y = W x + b that a stack of Linear layers computes."""
    linears = [layer for layer in model if hasattr(layer, "weight")]
    W = np.eye(linears[0].in_features)
    b = np.zeros(linears[0].in_features)
    for layer in linears:
        W = layer.weight.data @ W
        b = layer.weight.data @ b + layer.bias.data
    return W, b


def _outputs(model: Any, X: np.ndarray) -> np.ndarray:
    with no_grad():
        return model(Tensor(X)).data


def _train(activation: str, seed: int, epochs: int) -> tuple[Any, float, float]:
    X, y = xor()
    model = mlp(list(SIZES), activation=activation, seed=seed, dtype="float64")
    history = fit(
        model,
        X,
        y,
        loss=BCEWithLogitsLoss(),
        optimizer=optim.Adam(model.parameters(), lr=LR),
        epochs=epochs,
    )
    predicted = (_outputs(model, X.astype(np.float64))[:, 0] > 0).astype(np.int64)
    return model, float(np.mean(predicted == y)), history.loss[-1]


def _show_collapse(model: Any, X: np.ndarray, what: str) -> float:
    W, b = collapse(model)
    deep = _outputs(model, X)[:, 0]
    single = X @ W[0] + b[0]
    diff = float(np.max(np.abs(deep - single)))
    print(
        f"{what}: W = W3 W2 W1 = [{W[0, 0]:+.6g} {W[0, 1]:+.6g}], "
        f"b = W3 W2 b1 + W3 b2 + b3 = {b[0]:+.6g}"
    )
    if max(np.max(np.abs(W)), abs(b[0])) < 5e-7:
        print("  (W and b are zero to 6 decimals: W x + b = 0, P(class 1) = 1/2, for every x)")
    print("   x        network output   W x + b        difference")
    for x, d, s in zip(X, deep, single, strict=True):
        print(f"  ({x[0]:g}, {x[1]:g})  {d:+.12f}  {s:+.12f}  {d - s:+.1e}")
    print(f"  largest difference {diff:.1e} (float64 rounding): the three layers are one neuron.\n")
    return diff


def run(out: Path, data: str | None = None, epochs: int | None = None) -> dict[str, Any]:
    """Show the collapse before and after training, and linear vs tanh accuracy on XOR."""
    n_epochs = epochs or EPOCHS
    X, y = xor()
    X64 = X.astype(np.float64)
    model = mlp(list(SIZES), activation="identity", seed=0, dtype="float64")
    print(
        f"A {'-'.join(map(str, SIZES))} network of linear neurons sigma(z) = z "
        f"({model.num_parameters()} parameters):"
    )
    print(model)
    print()
    diff_initial = _show_collapse(model, X64, "random weights")

    linear, linear_acc, linear_loss = _train("identity", 0, n_epochs)
    diff_trained = _show_collapse(linear, X64, f"after {n_epochs} epochs on XOR")
    tanh, tanh_acc, tanh_loss = _train("tanh", 0, n_epochs)
    print(f"XOR, {n_epochs} full-batch epochs of Adam (lr {LR}), logistic loss:")
    print(
        f"  linear neurons: accuracy {linear_acc:.2f} (final loss {linear_loss:.4f}) -- a "
        "straight line separates at most 3 of the 4 corners"
    )
    print(
        f"  tanh neurons:   accuracy {tanh_acc:.2f} (final loss {tanh_loss:.4f}) -- same shape, "
        "non-linear neurons"
    )
    print(
        "The best linear map for XOR under the logistic loss is the constant W = 0, b = 0 "
        "(probability 1/2\neverywhere), as seed 003's least-squares theta = (0, 0, 1/2): "
        "no linear classifier gets XOR right."
    )
    files = [
        plot_decision_boundary(
            linear,
            X,
            y,
            out / "linear_xor.png",
            title=f"2-8-8-1 linear neurons on XOR: accuracy {linear_acc:.0%}",
        ),
        plot_decision_boundary(
            tanh,
            X,
            y,
            out / "tanh_xor.png",
            title=f"2-8-8-1 tanh neurons on XOR: accuracy {tanh_acc:.0%}",
        ),
    ]
    print(f"\nwrote {', '.join(p.name for p in files)} to {out}/")
    W, b = collapse(linear)
    return {
        "max_abs_difference": max(diff_initial, diff_trained),
        "collapsed_W": W.tolist(),
        "collapsed_b": b.tolist(),
        "linear_accuracy": linear_acc,
        "tanh_accuracy": tanh_acc,
        "files": files,
    }
