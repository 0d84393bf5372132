"""Fashion-MNIST to the best accuracy we reach in a few minutes on 2 cores (aim: 89%).

    python bench/fashion.py [--epochs 30]

A 784-256-128-10 ReLU network trained with Adam and a step schedule, early stopping on a
validation split of the training set (so the test set stays untouched until the end).
"""

from __future__ import annotations

import argparse

import numpy as np

import backprop as bp
from backprop import data, nn, optim


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    (X, y), (X_test, y_test) = data.fashion_mnist()
    model = nn.mlp([784, 256, 128, 10], activation="relu", seed=0)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    history = bp.fit(
        model,
        X,
        y,
        loss="cross_entropy",
        optimizer=opt,
        epochs=args.epochs,
        batch_size=128,
        validation_fraction=1 / 12,
        patience=5,
        scheduler=optim.StepLR(opt, step_size=10, gamma=0.3),
        regularization=nn.L2(1e-5),
        seed=0,
    )
    with bp.no_grad():
        accuracy = float(np.mean(model(X_test).data.argmax(axis=1) == y_test))
    print(
        f"{history.epochs_run} epochs ({history.stop_reason}, best epoch {history.best_epoch}) "
        f"in {history.seconds:.0f} s; best validation accuracy "
        f"{max(history.val_accuracy):.2%}; test accuracy {accuracy:.2%}"
    )


if __name__ == "__main__":
    main()
