"""The main demo: a 784-30-10 sigmoid network learns 5,000 real MNIST digits.

    python examples/00_mnist.py [FOLDER [EPOCHS]]

writes the model and its pictures into FOLDER (default backprop-out/mnist). Three epochs by
default take seconds; `backprop demo` trains 20.
"""

import sys
from pathlib import Path

import numpy as np

import backprop as bp

out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/mnist")
out.mkdir(parents=True, exist_ok=True)
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3

# 3,750 training and 1,250 test images; each row is the 784 pixels a^0 of one 28x28 digit.
digits = bp.data.load("mnist-5k", seed=0)
print(f"{len(digits.X_train)} training and {len(digits.X_test)} test images")

# a^1 = sigma(w^1 a^0 + b^1) with 30 hidden neurons; 10 output scores, one per digit.
model = bp.nn.mlp([784, 30, 10], activation="sigmoid", seed=0)
history = bp.fit(
    model,
    digits.X_train,
    digits.y_train,
    loss="cross_entropy",  # softmax of the 10 scores, then -ln p_y
    optimizer=bp.optim.SGD(model.parameters(), lr=0.5),  # eta = 0.5
    epochs=epochs,
    batch_size=10,  # mini-batches of m = 10
    validation=(digits.X_test, digits.y_test),
    seed=0,
)
print(f"training stopped: {history.stopped_because()} ({history.seconds:.1f} s)")

# The predicted digit is the output neuron with the largest score.
with bp.no_grad():
    predicted = model(bp.tensor(digits.X_test)).data.argmax(axis=1)
print(f"test accuracy {np.mean(predicted == digits.y_test):.2%}\n")
cm = bp.viz.confusion_matrix(digits.y_test, predicted, n_classes=10)
print("confusion matrix (rows: true digit, columns: predicted)")
print(bp.viz.format_confusion_matrix(cm))

bp.save(model, out / "model.npz")
bp.viz.plot_history(history, out / "loss.png", title="784-30-10 sigmoid network on mnist-5k")
bp.viz.plot_hidden_units(model[0].weight, out / "hidden_units.png")  # the rows of w^1
bp.viz.plot_misclassified(digits.X_test, digits.y_test, predicted, out / "misclassified.png")
bp.viz.plot_confusion_matrix(digits.y_test, predicted, out / "confusion.png")
print(f"\nwrote model.npz, loss.png, hidden_units.png, misclassified.png, confusion.png to {out}/")
