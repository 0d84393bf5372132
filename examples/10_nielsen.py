"""Nielsen's network of the lecture (seed 004): 784-30-10 sigmoid neurons, quadratic cost,
mini-batches of 10, eta = 3.0, trained with the four equations BP1-BP4 (layered.Network.sgd) and
with the graph engine (fit) from the same start, per-epoch test accuracy of both, then one run on
Fashion-MNIST if it is installed (accuracy.png, hidden_units.png).

Usage: python examples/10_nielsen.py [FOLDER [EPOCHS]]
(pictures in FOLDER/nielsen, default backprop-out/nielsen; EPOCHS overrides the
epochs of a demo that trains). The same as `backprop demo nielsen`.
"""

from backprop.demos import main

if __name__ == "__main__":
    raise SystemExit(main("nielsen"))
