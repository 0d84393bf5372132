"""The main demo: a 784-30-10 network trained on 5,000 real MNIST digits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .. import io, optim
from ..data import load
from ..data.catalog import check_images, class_names
from ..nn import CrossEntropyLoss, mlp
from ..rng import manual_seed
from ..tensor import Tensor, no_grad
from ..train import fit
from ..viz import (
    confusion_matrix,
    format_confusion_matrix,
    plot_confusion_matrix,
    plot_hidden_units,
    plot_history,
    plot_misclassified,
)

TITLE = "784-30-10 sigmoid network on 5,000 real MNIST digits (the default demo)"


def check(data: str | None) -> None:
    """Refuse a dataset that is not images: the demo draws the pictures it learns from."""
    check_images(data or "mnist-5k", "the mnist demo (it draws the pictures it learns from)")


def run(out: Path, data: str | None = None, epochs: int | None = None) -> dict[str, Any]:
    """Train, print test accuracy and the confusion matrix, write pictures and the model."""
    name = data or "mnist-5k"
    check(name)
    dataset = load(name, seed=0)
    n_in = dataset.X_train.shape[1]
    print(f"{name}: {len(dataset.X_train)} training and {len(dataset.X_test)} test examples")
    manual_seed(0)
    model = mlp([n_in, 30, dataset.n_classes], activation="sigmoid", seed=0)
    print(model)
    history = fit(
        model,
        dataset.X_train,
        dataset.y_train,
        loss=CrossEntropyLoss(),
        optimizer=optim.SGD(model.parameters(), lr=0.5),
        epochs=epochs or 20,
        batch_size=10,
        validation=(dataset.X_test, dataset.y_test),
        seed=0,
    )
    with no_grad():
        predicted = model(Tensor(dataset.X_test)).data.argmax(axis=1)
    accuracy = float(np.mean(predicted == dataset.y_test))
    print(
        f"\n{history.epochs_run} epochs of mini-batch SGD (batch 10, eta 0.5) in "
        f"{history.seconds:.1f} s: test accuracy {accuracy:.2%}\n"
    )
    cm = confusion_matrix(dataset.y_test, predicted, n_classes=dataset.n_classes)
    names = class_names(name, dataset.n_classes)
    print("confusion matrix (rows: true class, columns: predicted)")
    print(format_confusion_matrix(cm, labels=names))
    shape = dataset.image_shape
    io.save(model, out / "model.npz")
    written = [
        out / "model.npz",
        plot_history(history, out / "loss.png"),
        plot_hidden_units(model[0].weight.data, out / "hidden_units.png", shape=shape),
        plot_misclassified(
            dataset.X_test,
            dataset.y_test,
            predicted,
            out / "misclassified.png",
            shape=shape,
            labels=names,
        ),
        plot_confusion_matrix(dataset.y_test, predicted, out / "confusion.png", labels=names),
    ]
    print(f"\nwrote {', '.join(Path(p).name for p in written)} to {out}/")
    return {"accuracy": accuracy, "history": history, "files": written}
