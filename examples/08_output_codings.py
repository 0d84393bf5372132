"""Why 10 output neurons for MNIST? (seed 003: "a) 1 neuron (regression), b) 4 neurons (binary
code), c) 10 neurons (for each numeral)".) Three 784-30-K sigmoid networks, each with its coding's
loss, trained alike; the test accuracy is measured after every epoch.

    python examples/08_output_codings.py [FOLDER [EPOCHS]]

draws output_codings.png into FOLDER (default backprop-out/output-codings).
"""

import sys
from pathlib import Path

import numpy as np

import backprop as bp

out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/output-codings")
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3

digits = bp.data.load("mnist-5k", seed=0)
bits = (np.arange(10)[:, None] // [8, 4, 2, 1]) % 2  # digit -> its 4-bit code, 5 -> 0 1 0 1

# coding: (output neurons K, loss, training targets, how the outputs become a digit)
codings = {
    "10 one-hot neurons": (10, "cross_entropy", digits.y_train, lambda s: s.argmax(axis=1)),
    "4 binary bits": (4, "bce_with_logits", bits[digits.y_train], lambda s: (s > 0) @ [8, 4, 2, 1]),
    "1 regression neuron": (
        1,
        "mse",
        digits.y_train.reshape(-1, 1).astype(np.float32),
        lambda s: np.clip(np.rint(s[:, 0]), 0, 9),
    ),
}
curves = {}
for name, (K, loss, targets, decode) in codings.items():
    model = bp.nn.mlp([784, 30, K], activation="sigmoid", seed=0)
    curve = curves[name] = []

    def test_accuracy(epoch, logs, model=model, decode=decode, curve=curve):
        with bp.no_grad():
            scores = model(bp.tensor(digits.X_test)).data
        curve.append(np.mean(decode(scores) == digits.y_test))

    bp.fit(
        model,
        digits.X_train,
        targets,
        loss=loss,
        optimizer=bp.optim.Adam(model.parameters(), lr=0.005),
        epochs=epochs,
        batch_size=32,
        seed=0,
        callbacks=[test_accuracy],  # called after each epoch
    )
    print(f"{name:<20} test accuracy {curve[-1]:.2%}")

picture = bp.viz.plot_functions(
    np.arange(1, epochs + 1),
    curves,
    out / "output_codings.png",
    title="mnist-5k: three output codings",
    xlabel="epoch",
    ylabel="test accuracy",
)
print(f"wrote {picture}")
