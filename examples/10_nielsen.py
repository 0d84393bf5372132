"""Nielsen's network (seed 004): 784-30-10 sigmoid neurons, quadratic cost
C = 1/(2n) sum_x ||y(x) - a^L(x)||^2, mini-batch SGD with m = 10 and eta = 3.0.

Trained twice from the same weights through the same mini-batches: by layered.Network, which
writes out BP1-BP4, and by the general graph engine. Both update w^l -> w^l - (eta/m) sum_x
delta^{x,l} (a^{x,l-1})^T, so their test accuracies agree epoch by epoch.

    python examples/10_nielsen.py [FOLDER [EPOCHS]]

draws accuracy.png and hidden_units.png into FOLDER (default backprop-out/nielsen).
"""

import sys
from pathlib import Path

import numpy as np

import backprop as bp

out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/nielsen")
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3

digits = bp.data.load("mnist-5k", seed=0)
test = (digits.X_test, digits.y_test)

# BP1-BP4: delta^L = (a^L - y) * sigma'(z^L), delta^l = ((w^{l+1})^T delta^{l+1}) * sigma'(z^l),
# dC/db^l = delta^l, dC/dw^l = delta^l (a^{l-1})^T.
net = bp.layered.Network([784, 30, 10], activation="sigmoid", cost="quadratic", seed=0)
records = net.sgd(
    digits.X_train,
    digits.y_train,
    epochs=epochs,
    mini_batch_size=10,
    eta=3.0,
    test_data=test,
    seed=0,
)

# The same network, start and mini-batches through the graph engine.
twin = bp.layered.Network([784, 30, 10], activation="sigmoid", cost="quadratic", seed=0)
model = twin.to_sequential()
history = bp.fit(
    model,
    digits.X_train,
    digits.y_train,
    loss="quadratic",
    optimizer=bp.optim.SGD(model.parameters(), lr=3.0),
    epochs=epochs,
    batch_size=10,
    validation=test,
    seed=0,
)

layered = [r["test_accuracy"] for r in records]
for epoch, (a, b) in enumerate(zip(layered, history.val_accuracy, strict=True), start=1):
    print(f"epoch {epoch}: test accuracy {a:.2%} (BP1-BP4), {b:.2%} (graph engine)")
difference = max(np.max(np.abs(u - v)) for u, v in zip(net.weights, twin.weights, strict=True))
print(f"largest difference between their final weights: {difference:.1e}")

bp.viz.plot_functions(
    np.arange(1, epochs + 1),
    {"BP1-BP4 (layered.Network)": layered, "graph engine (bp.fit)": history.val_accuracy},
    out / "accuracy.png",
    title="784-30-10 sigmoid, quadratic cost, m = 10, η = 3",
    xlabel="epoch",
    ylabel="test accuracy",
)
bp.viz.plot_hidden_units(net.weights[0], out / "hidden_units.png")  # the rows of w^1
print(f"wrote accuracy.png and hidden_units.png to {out}/")
