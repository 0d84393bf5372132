"""XOR learned by gradient descent from eight random starts (seed 000: multiple solutions).

A 2-2-1 network, two tanh hidden neurons and one output score s with the logistic loss
-[y ln sigma(s) + (1 - y) ln(1 - sigma(s))], trained on the four XOR corners. Each start ends at
different weights; some get stuck in a local minimum.

    python examples/04_xor_learned.py [FOLDER [EPOCHS]]

draws xor_learned.png (the decision regions) and xor_learned_loss.png into FOLDER (default
backprop-out/xor-learned).
"""

import sys
from pathlib import Path

import numpy as np

import backprop as bp

out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/xor-learned")
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 1000

X, y = bp.data.xor()  # (0, 0), (0, 1), (1, 0), (1, 1) -> 0 1 1 0
models, losses = {}, {}
for seed in range(8):
    model = bp.nn.mlp([2, 2, 1], activation="tanh", seed=seed, dtype="float64")
    history = bp.fit(
        model,
        X,
        y,
        loss="bce_with_logits",
        optimizer=bp.optim.Adam(model.parameters(), lr=0.05),
        epochs=epochs,  # full batch: gradient descent on all four corners
    )
    with bp.no_grad():
        s = model(bp.tensor(X, dtype="float64")).data[:, 0]
    right = int(np.sum((s > 0) == y))  # class 1 where sigma(s) > 1/2, that is s > 0
    w1 = model[0].weight.data  # w^1: one row per hidden neuron
    print(f"seed {seed}: w^1 = {np.round(w1, 2).tolist()}, {right} of 4 right")
    models[f"seed {seed}: {right} of 4 right"] = model
    losses[f"seed {seed}"] = history.loss

bp.viz.plot_decision_boundaries(
    models, X, y, out / "xor_learned.png", resolution=100, title="XOR from 8 random starts"
)
bp.viz.plot_functions(
    np.arange(1, epochs + 1),
    losses,
    out / "xor_learned_loss.png",
    title="logistic loss per epoch",
    xlabel="epoch",
    ylabel="loss",
    yscale="log",
)
print(f"wrote xor_learned.png and xor_learned_loss.png to {out}/")
