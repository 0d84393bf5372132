"""XOR learned by gradient descent from several random starts: multiple solutions (seed 000).

A 2-2-1 network (two tanh hidden neurons, one output score with the logistic loss) is trained on
the XOR truth table from different random initial weights. The runs that succeed end at
*different* weights: each hidden neuron becomes some linearly separable gate (OR, NAND,
"x1 and not x2", ...) and the output combines the two, just as OR and NAND feed AND in the
hand-built network. Some starts get stuck in a local minimum and never separate XOR: the loss
surface has many minima, "just like multiple local maxima". The pictures: each start's decision
regions over the four corners (xor_learned.png) and its loss per epoch (xor_learned_loss.png).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .. import optim
from ..data import xor
from ..explain.tables import render_table
from ..nn import BCEWithLogitsLoss, mlp
from ..tensor import Tensor, no_grad
from ..train import fit
from ..viz import plot_decision_boundaries, plot_functions

TITLE = "XOR learned from random starts: different seeds, different weight solutions"

SEEDS = tuple(range(8))
HIDDEN = 2
EPOCHS = 1000
LR = 0.05

#: The 16 Boolean functions of two inputs, by their outputs on (0,0), (0,1), (1,0), (1,1).
GATE_NAMES = {
    (0, 0, 0, 0): "FALSE",
    (0, 0, 0, 1): "AND",
    (0, 0, 1, 0): "x1 AND NOT x2",
    (0, 0, 1, 1): "x1",
    (0, 1, 0, 0): "x2 AND NOT x1",
    (0, 1, 0, 1): "x2",
    (0, 1, 1, 0): "XOR",
    (0, 1, 1, 1): "OR",
    (1, 0, 0, 0): "NOR",
    (1, 0, 0, 1): "XNOR",
    (1, 0, 1, 0): "NOT x2",
    (1, 0, 1, 1): "x1 OR NOT x2",
    (1, 1, 0, 0): "NOT x1",
    (1, 1, 0, 1): "x2 OR NOT x1",
    (1, 1, 1, 0): "NAND",
    (1, 1, 1, 1): "TRUE",
}


def train(seed: int, epochs: int = EPOCHS, hidden: int = HIDDEN) -> dict[str, Any]:
    """Train one 2-hidden-1 tanh network on XOR from the random start ``seed``."""
    X, y = xor()
    model = mlp([2, hidden, 1], activation="tanh", seed=seed, dtype="float64")
    history = fit(
        model,
        X,
        y,
        loss=BCEWithLogitsLoss(),
        optimizer=optim.Adam(model.parameters(), lr=LR),
        epochs=epochs,
        batch_size=None,
    )
    with no_grad():
        hidden_out = model[1](model[0](Tensor(X.astype(np.float64)))).data
        score = model(Tensor(X.astype(np.float64))).data[:, 0]
    predicted = (score > 0).astype(np.int64)
    gates = [GATE_NAMES[tuple(int(v) for v in hidden_out[:, k] > 0)] for k in range(hidden)]
    return {
        "seed": seed,
        "W1": model[0].weight.data.copy(),
        "b1": model[0].bias.data.copy(),
        "w2": model[2].weight.data.copy(),
        "b2": model[2].bias.data.copy(),
        "loss": history.loss[-1],
        "predicted": predicted.tolist(),
        "accuracy": float(np.mean(predicted == y)),
        "hidden_gates": gates,
        "losses": list(history.loss),
        "model": model,
    }


def run(out: Path, data: str | None = None, epochs: int | None = None) -> dict[str, Any]:
    """Train from several seeds, print each run's hidden weights, accuracy and hidden gates."""
    n_epochs = epochs or EPOCHS
    print(
        f"2-{HIDDEN}-1 tanh network on the XOR truth table, logistic loss, Adam (lr {LR}), "
        f"{n_epochs} full-batch epochs,\none run per random start (seed):\n"
    )
    runs = [train(seed, n_epochs) for seed in SEEDS]
    rows = []
    for r in runs:
        w = r["W1"]
        rows.append(
            [
                r["seed"],
                f"[{w[0, 0]:+6.2f} {w[0, 1]:+6.2f}]  b {r['b1'][0]:+6.2f}",
                f"[{w[1, 0]:+6.2f} {w[1, 1]:+6.2f}]  b {r['b1'][1]:+6.2f}",
                f"[{r['w2'][0, 0]:+6.2f} {r['w2'][0, 1]:+6.2f}]  b {r['b2'][0]:+6.2f}",
                f"{r['loss']:.4f}",
                " ".join(map(str, r["predicted"])),
                f"{r['accuracy']:.2f}",
                " | ".join(r["hidden_gates"]),
            ]
        )
    print(
        render_table(
            [
                "seed",
                "hidden 1: w, b",
                "hidden 2: w, b",
                "output: w, b",
                "loss",
                "predicted",
                "accuracy",
                "hidden neurons compute",
            ],
            rows,
        )
    )
    solved = [r for r in runs if r["accuracy"] == 1.0]
    solutions = sorted({" | ".join(sorted(r["hidden_gates"])) for r in solved})
    print(
        f"\ntarget 0 1 1 0. {len(solved)} of {len(runs)} starts solve XOR, with "
        f"{len(solutions)} different pairs of hidden gates:"
    )
    for s in solutions:
        seeds = [r["seed"] for r in solved if " | ".join(sorted(r["hidden_gates"])) == s]
        print(f"  {s:<32} seeds {', '.join(map(str, seeds))}")
    stuck = [r for r in runs if r["accuracy"] < 1.0]
    if stuck:
        seeds = ", ".join(str(r["seed"]) for r in stuck)
        losses = ", ".join(f"{r['loss']:.3f}" for r in stuck)
        print(
            f"seed(s) {seeds} end in a local minimum (final loss {losses}): their hidden gates "
            f"cannot be combined\ninto XOR, and gradient descent does not leave the minimum."
        )
    print(
        "Different starts, different weights, the same function on the four corners: XOR has "
        "many solutions,\nas the notes' two hand-set networks already showed."
    )
    files = _plot(runs, out)
    print(f"\nwrote {', '.join(p.name for p in files)} to {out}/")
    return {
        "files": files,
        "seeds": list(SEEDS),
        "accuracy": {r["seed"]: r["accuracy"] for r in runs},
        "hidden_weights": {r["seed"]: r["W1"].tolist() for r in runs},
        "hidden_gates": {r["seed"]: r["hidden_gates"] for r in runs},
        "solutions": solutions,
        "runs": runs,
    }


def _plot(runs: list[dict[str, Any]], out: Path) -> list[Path]:
    """Each start's decision regions on the four corners, and its loss curve."""
    X, y = xor()
    titles = [
        f"seed {r['seed']}: {r['accuracy']:.0%} right\n{' | '.join(r['hidden_gates'])}"
        for r in runs
    ]
    regions = plot_decision_boundaries(
        {title: r["model"] for title, r in zip(titles, runs, strict=True)},
        X,
        y,
        out / "xor_learned.png",
        resolution=100,
        title="XOR learned by a 2-2-1 tanh network from 8 random starts: "
        "different weights, different hidden gates",
    )
    epochs = np.arange(1, len(runs[0]["losses"]) + 1)
    losses = plot_functions(
        epochs,
        {f"seed {r['seed']} ({r['accuracy']:.0%} right)": r["losses"] for r in runs},
        out / "xor_learned_loss.png",
        title="Logistic loss per epoch: the stuck starts level off in a local minimum",
        xlabel="epoch",
        ylabel="loss (log scale)",
        yscale="log",
    )
    return [regions, losses]
