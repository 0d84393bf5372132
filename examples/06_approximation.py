"""Universal approximation (seeds 000, 001, 003): one hidden layer of K tanh neurons,

    OUT(x) = sum_k c_k tanh(w_k x + b_k) + c_0,

fits sin x closer and closer as K grows: each neuron is a smoothed step at x = -b_k / w_k.

    python examples/06_approximation.py [FOLDER [EPOCHS]]

draws approximation.png into FOLDER (default backprop-out/approximation).
"""

import sys
from pathlib import Path

import numpy as np

import backprop as bp

out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/approximation")
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 2000

X, y = bp.data.function_1d("sin", 200, seed=0)  # 200 samples of sin x on [-pi, pi]
grid = np.linspace(-np.pi, np.pi, 400).reshape(-1, 1)
fits = {}
for K in (1, 2, 4, 8, 16):
    model = bp.nn.mlp([1, K, 1], activation="tanh", seed=0, dtype="float64")
    bp.fit(
        model,
        X,
        y,
        loss="mse",  # mean squared error (1/n) sum (OUT(x) - y)^2
        optimizer=bp.optim.Adam(model.parameters(), lr=0.02),
        epochs=epochs,
    )
    with bp.no_grad():
        error = np.mean((model(bp.tensor(X, dtype="float64")).data - y) ** 2)
        fits[K] = model(bp.tensor(grid)).data[:, 0]
    print(f"K = {K}: mean squared error {error:.2e}")

picture = bp.viz.plot_approximation(grid[:, 0], np.sin(grid[:, 0]), fits, out / "approximation.png")
print(f"wrote {picture}")
