"""Linear neurons g(a) = a (seed 000): stacked, they stay one linear map, so they cannot learn XOR.

A 2-8-8-1 network of linear neurons computes

    W3 (W2 (W1 x + b1) + b2) + b3 = (W3 W2 W1) x + (W3 W2 b1 + W3 b2 + b3) = W x + b,

a single neuron. The same shape with tanh neurons learns XOR.

    python examples/05_linear.py [FOLDER [EPOCHS]]

draws linear_vs_tanh.png into FOLDER (default backprop-out/linear).
"""

import sys
from pathlib import Path

import numpy as np

import backprop as bp

out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/linear")
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 500

X, y = bp.data.xor()
models = {}
for g in ("identity", "tanh"):
    model = bp.nn.mlp([2, 8, 8, 1], activation=g, seed=0, dtype="float64")
    bp.fit(
        model,
        X,
        y,
        loss="bce_with_logits",
        optimizer=bp.optim.Adam(model.parameters(), lr=0.05),
        epochs=epochs,
    )
    with bp.no_grad():
        s = model(bp.tensor(X, dtype="float64")).data[:, 0]
    accuracy = np.mean((s > 0) == y)
    print(f"{g} neurons: outputs {np.round(s, 3).tolist()}, accuracy {accuracy:.0%}")
    models[f"2-8-8-1 {g} neurons: accuracy {accuracy:.0%}"] = model
    if g == "identity":
        # Multiply the layers out: W = W3 W2 W1 and b = W3 W2 b1 + W3 b2 + b3.
        W, b = np.eye(2), np.zeros(2)
        for layer in (model[0], model[2], model[4]):
            W = layer.weight.data @ W
            b = layer.weight.data @ b + layer.bias.data
        print(f"  one neuron: W = {W[0]}, b = {b[0]:.3g}")
        print(f"  largest |network - (W x + b)| = {np.max(np.abs(s - (X @ W[0] + b[0]))):.1e}")

picture = bp.viz.plot_decision_boundaries(models, X, y, out / "linear_vs_tanh.png")
print(f"wrote {picture}")
