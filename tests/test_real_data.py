"""Training on real image data that ships in packages: Fashion-MNIST from Debian's package."""

import numpy as np

import backprop as bp
from backprop import data, nn, optim


def test_fashion_mnist_reaches_85_percent_test_accuracy():
    (X_train, y_train), (X_test, y_test) = data.fashion_mnist()
    model = nn.mlp([784, 100, 10], activation="relu", seed=0)
    history = bp.fit(
        model,
        X_train,
        y_train,
        loss="cross_entropy",
        optimizer=optim.Adam(model.parameters(), lr=1e-3),
        epochs=5,
        batch_size=64,
        seed=0,
    )
    with bp.no_grad():
        accuracy = np.mean(model(X_test).data.argmax(axis=1) == y_test)
    assert history.loss[-1] < history.loss[0]
    assert accuracy >= 0.85, accuracy
