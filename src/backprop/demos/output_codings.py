"""Why 10 output neurons for MNIST? The three output codings of seed 003, compared.

"Why 10 neurons in out layer? Viable options: a) 1 neuron (regression), b) 4 neurons (binary
code), c) 10 neurons (for each numeral)." Three 784-30-K networks with the same sigmoid hidden
layer, optimizer, mini-batches and epochs, each with its coding's natural loss:

* 10 one-hot neurons: softmax and negative log-likelihood; the digit is the neuron that fires most.
* 4-bit binary code: 4 sigmoid outputs, one per bit (logistic loss); the digit is the number the
  thresholded bits spell, and the 6 codes 10..15 that name no digit count as errors.
* 1 regression neuron: the digit's value as a number (squared error); the prediction is rounded
  and clipped to 0..9. It forces an order on the classes: a 4 must look "between" a 3 and a 5.

The pictures: the three codings' test accuracy after every epoch (output_codings.png) and the
regression neuron's confusion matrix, its errors next to the diagonal (regression_confusion.png).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .. import optim
from ..data import load
from ..explain.tables import render_table
from ..nn import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, mlp
from ..tensor import Tensor, no_grad
from ..train import fit
from ..viz import confusion_matrix, plot_confusion_matrix, plot_functions

TITLE = "MNIST output codings: 10 one-hot neurons vs 4-bit binary code vs 1 regression"

HIDDEN = 30
EPOCHS = 20
BATCH = 32
LR = 0.005
POWERS = np.array([8, 4, 2, 1])
#: digit -> its 4-bit code, most significant bit first.
BITS = ((np.arange(10)[:, None] // POWERS) % 2).astype(np.float32)


def _decode(coding: str, out: np.ndarray) -> np.ndarray:
    """The predicted digit for each row of network outputs (binary codes above 9 stay > 9)."""
    if coding == "one-hot":
        return out.argmax(axis=1)
    if coding == "binary":
        return (out > 0).astype(np.int64) @ POWERS
    return np.clip(np.rint(out[:, 0]), 0, 9).astype(np.int64)


CODINGS = {
    # name: (output neurons, loss, how the training targets are made from the labels)
    "one-hot": (10, CrossEntropyLoss, lambda y: y),
    "binary": (4, BCEWithLogitsLoss, lambda y: BITS[y]),
    "regression": (1, MSELoss, lambda y: y.astype(np.float32)),
}
DESCRIPTION = {
    "one-hot": "10 neurons, softmax + NLL, argmax",
    "binary": "4 sigmoid bits, logistic loss",
    "regression": "1 linear neuron, squared error",
}


def run(out: Path, data: str | None = None, epochs: int | None = None) -> dict[str, Any]:
    """Train the three codings alike on mnist_5k and print their test accuracies."""
    n_epochs = epochs or EPOCHS
    name = data or "mnist-5k"
    dataset = load(name, seed=0)
    n_in = dataset.X_train.shape[1]
    print(
        f"{name}: {len(dataset.X_train)} training and {len(dataset.X_test)} test images "
        f"(shuffled, stratified split)."
    )
    print(
        f"Each network: {n_in}-{HIDDEN}-K, sigmoid hidden layer, Adam (lr {LR}), mini-batches "
        f"of {BATCH}, {n_epochs} epochs, seed 0.\n"
    )
    accuracy: dict[str, float] = {}
    details: dict[str, dict[str, Any]] = {}
    curves: dict[str, list[float]] = {}
    for coding, (k, loss, targets) in CODINGS.items():
        model = mlp([n_in, HIDDEN, k], activation="sigmoid", seed=0)
        curves[coding] = []

        def test_accuracy(epoch: int, logs: dict[str, float], model=model, coding=coding) -> None:
            """After each epoch: the share of test images whose decoded output is their digit."""
            with no_grad():
                scores = model(Tensor(dataset.X_test)).data
            curves[coding].append(float(np.mean(_decode(coding, scores) == dataset.y_test)))

        history = fit(
            model,
            dataset.X_train,
            targets(dataset.y_train),
            loss=loss(),
            optimizer=optim.Adam(model.parameters(), lr=LR),
            epochs=n_epochs,
            batch_size=BATCH,
            seed=0,
            callbacks=[test_accuracy],
        )
        with no_grad():
            scores = model(Tensor(dataset.X_test)).data
        predicted = _decode(coding, scores)
        accuracy[coding] = float(np.mean(predicted == dataset.y_test))
        details[coding] = {
            "outputs": k,
            "parameters": model.num_parameters(),
            "invalid_codes": int(np.sum(predicted > 9)),
            "seconds": history.seconds,
            "predicted": predicted,
        }
    headers = ["coding", "outputs", "parameters", "output layer, loss", "test accuracy"]
    rows = [
        [
            coding,
            details[coding]["outputs"],
            f"{details[coding]['parameters']:,}",
            DESCRIPTION[coding],
            f"{acc:.2%}",
        ]
        for coding, acc in accuracy.items()
    ]
    print(render_table(headers, rows, align="lrrlr"))
    invalid = details["binary"]["invalid_codes"]
    print(
        f"\nbinary: {invalid} test images got a code 10..15 that names no digit (counted as "
        f"errors); one wrong bit\nanywhere changes the digit. regression: neighbouring values "
        f"are confused, since the output must\npass through 4 to get from 3 to 5:"
    )
    cm = confusion_matrix(dataset.y_test, details["regression"]["predicted"], n_classes=10)
    off_by_one = int(sum(cm[i, j] for i in range(10) for j in range(10) if abs(i - j) == 1))
    wrong = int(cm.sum() - np.trace(cm))
    print(f"  {off_by_one} of its {wrong} errors are off by exactly one.")
    best = max(accuracy, key=accuracy.get)
    if best == "one-hot":
        print(
            "\none-hot wins: one neuron per class gives every digit its own detector, with no "
            "artificial order\nand no bits shared between unrelated digits."
        )
    else:
        print(f"\n{best} wins this run (usually one-hot does; try more epochs).")
    seconds = sum(d["seconds"] for d in details.values())
    print(f"(training took {seconds:.1f} s in all)")
    files = [
        plot_functions(
            np.arange(1, n_epochs + 1),
            {
                f"{coding}: {DESCRIPTION[coding]} ({accuracy[coding]:.0%})": curve
                for coding, curve in curves.items()
            },
            out / "output_codings.png",
            title=f"{name}: test accuracy of the three output codings ({n_in}-{HIDDEN}-K)",
            xlabel="epoch",
            ylabel="test accuracy",
        ),
        plot_confusion_matrix(
            dataset.y_test,
            details["regression"]["predicted"],
            out / "regression_confusion.png",
            labels=list(range(10)),
            title=f"1 regression neuron: {off_by_one} of its {wrong} errors are off by one",
        ),
    ]
    print(f"\nwrote {', '.join(p.name for p in files)} to {out}/")
    for d in details.values():
        d.pop("predicted")
    return {
        "accuracy": accuracy,
        "details": details,
        "epochs": n_epochs,
        "curves": curves,
        "files": files,
    }
