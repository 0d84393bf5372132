"""Nielsen's network of the lecture (seed 004): 784-30-10 sigmoid neurons, quadratic cost,
mini-batches of 10, eta = 3.0, trained with the four equations BP1-BP4 (layered.Network.sgd) and
with the graph engine (fit) from the same start, per-epoch test accuracy of both, then one run on
Fashion-MNIST if it is installed (accuracy.png, hidden_units.png).

Usage: python examples/10_nielsen.py [OUTPUT_FOLDER [EPOCHS]]
(default folder backprop-out/nielsen; EPOCHS overrides the demo's number of epochs)
"""

import sys
from pathlib import Path

from backprop.demos import nielsen

if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/nielsen")
    out.mkdir(parents=True, exist_ok=True)
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else None
    nielsen.run(out, epochs=epochs)
