"""Nielsen's network of the lecture (seed 004): 784-30-10 sigmoid neurons, quadratic cost
C = 1/(2n) sum_x ||y(x) - a(x)||^2, mini-batch SGD with m = 10 and eta = 3.0.

Trained twice from the same initial weights and the same shuffled mini-batches: once with
``layered.Network.sgd``, the four equations BP1-BP4 written out in matrix form, and once with the
general graph engine (``fit`` with ``nn.QuadraticLoss`` and ``optim.SGD(lr=3.0)``). Both compute
w -> w - (eta/m) sum_x delta^{x,l} (a^{x,l-1})^T, so their test accuracies agree epoch by epoch
(up to float32 rounding). Then one run on Fashion-MNIST, when it is installed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import optim
from ..data import fashion_mnist, load
from ..errors import DataFileError
from ..layered import Network
from ..nn import QuadraticLoss
from ..train import fit
from ..viz import plot_functions, plot_hidden_units

TITLE = "Nielsen's 784-30-10 sigmoid net, quadratic cost, m = 10, eta = 3: BP1-BP4 vs fit"

SIZES = (784, 30, 10)
BATCH = 10
ETA = 3.0
EPOCHS = 30
FASHION_EPOCHS = 10
SEED = 0


def _layered_run(
    X: np.ndarray, y: np.ndarray, X_test: np.ndarray, y_test: np.ndarray, epochs: int
) -> tuple[Network, list[dict[str, Any]], float]:
    net = Network(list(SIZES), activation="sigmoid", cost="quadratic", seed=SEED)
    started = time.perf_counter()
    history = net.sgd(
        X, y, epochs=epochs, mini_batch_size=BATCH, eta=ETA, test_data=(X_test, y_test), seed=SEED
    )
    return net, history, time.perf_counter() - started


def run(out: Path, data: str | None = None, epochs: int | None = None) -> dict[str, Any]:
    """Train with BP1-BP4 and with the graph engine; print both per epoch; then Fashion-MNIST."""
    n_epochs = epochs or EPOCHS
    name = data or "mnist-5k"
    ds = load(name, seed=SEED)
    print(
        f"{name}: {len(ds.X_train)} training and {len(ds.X_test)} held-out test images; "
        f"{'-'.join(map(str, SIZES))} sigmoid network,\nquadratic cost, mini-batches of {BATCH}, "
        f"eta = {ETA}, {n_epochs} epochs,\nboth runs from the same initial weights through "
        f"the same shuffled mini-batches.\n"
    )
    net, layered_history, layered_seconds = _layered_run(
        ds.X_train, ds.y_train, ds.X_test, ds.y_test, n_epochs
    )
    twin = Network(list(SIZES), activation="sigmoid", cost="quadratic", seed=SEED)
    model = twin.to_sequential()  # shares twin's arrays: the same initial weights as net
    graph_history = fit(
        model,
        ds.X_train,
        ds.y_train,
        loss=QuadraticLoss(),
        optimizer=optim.SGD(model.parameters(), lr=ETA),
        epochs=n_epochs,
        batch_size=BATCH,
        validation=(ds.X_test, ds.y_test),
        seed=SEED,
    )
    layered_acc = [r["test_accuracy"] for r in layered_history]
    graph_acc = list(graph_history.val_accuracy)
    print(f"{'epoch':>5}  {'BP1-BP4 (layered.Network.sgd)':>30}  {'graph engine (fit)':>20}")
    print(f"{'':>5}  {'cost':>12}  {'test accuracy':>15}  {'cost':>8}  {'test acc.':>10}")
    for e in range(n_epochs):
        print(
            f"{e + 1:>5}  {layered_history[e]['cost']:>12.5f}  {layered_acc[e]:>15.2%}  "
            f"{graph_history.loss[e]:>8.5f}  {graph_acc[e]:>10.2%}"
        )
    weight_diff = max(
        float(np.max(np.abs(a - b)))
        for a, b in zip(net.weights + net.biases, twin.weights + twin.biases, strict=True)
    )
    cost_diff = max(
        abs(r["cost"] - c) for r, c in zip(layered_history, graph_history.loss, strict=True)
    )
    print(
        f"\nBoth cost columns are the same quantity, the mean over the epoch's mini-batches of\n"
        f"C = 1/(2m) sum_x ||y(x) - a^L(x)||^2, each taken in the forward pass of its update\n"
        f"(Network.sgd runs the same fit loop, with BP1-BP4 as its step); they differ by at most "
        f"{cost_diff:.1e}.\nBP1-BP4 took {layered_seconds:.1f} s, the graph engine "
        f"{graph_history.seconds:.1f} s; the largest difference\nbetween their final weights is "
        f"{weight_diff:.1e} (float32 rounding). Final test accuracy {layered_acc[-1]:.2%} "
        f"(BP1-BP4)\nand {graph_acc[-1]:.2%} (graph engine)."
    )
    same = np.allclose(layered_acc, graph_acc)
    files = [
        plot_functions(
            np.arange(1, n_epochs + 1),
            {"BP1-BP4 (layered)": layered_acc, "graph engine (fit)": graph_acc},
            out / "accuracy.png",
            title=f"{'-'.join(map(str, SIZES))} sigmoid network on {name}\nquadratic cost, "
            f"m = {BATCH}, η = {ETA:g}" + (": the two curves coincide" if same else ""),
            xlabel="epoch",
            ylabel="test accuracy",
        ),
        plot_hidden_units(
            net.weights[0], out / "hidden_units.png", shape=ds.image_shape or (28, 28)
        ),
    ]
    result: dict[str, Any] = {
        "layered_accuracy": layered_acc,
        "graph_accuracy": graph_acc,
        "accuracy": layered_acc[-1],
        "weight_difference": weight_diff,
        "cost_difference": cost_diff,
        "fashion_accuracy": None,
        "files": files,
    }

    if name != "fashion-mnist":
        f_epochs = epochs or FASHION_EPOCHS
        print(
            "\nFashion-MNIST (60,000 training and 10,000 test images of clothes), the same "
            f"network and\nsettings, {f_epochs} epochs of BP1-BP4:"
        )
        try:
            (X_train, y_train), (X_test, y_test) = fashion_mnist()
        except DataFileError as exc:
            print(f"  not available: {exc}")
        else:
            _, history, seconds = _layered_run(X_train, y_train, X_test, y_test, f_epochs)
            accs = [r["test_accuracy"] for r in history]
            print("  test accuracy per epoch: " + ", ".join(f"{a:.2%}" for a in accs))
            print(
                f"  {seconds:.1f} s; clothes are harder than digits (shirts, T-shirts, "
                f"pullovers and coats look alike)."
            )
            result["fashion_accuracy"] = accs
    print(f"\nwrote {', '.join(p.name for p in files)} to {out}/")
    return result
