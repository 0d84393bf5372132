"""Universal approximation (seeds 000, 001, 003): one hidden layer of K = 1, 2, 4, ..., 32 tanh
units fitting sin x, |x| and a step; the squared error falls as K grows (approximation.png).

Usage: python examples/06_approximation.py [OUTPUT_FOLDER [EPOCHS]]
(default folder backprop-out/approximation; EPOCHS overrides the demo's number of epochs)
"""

import sys
from pathlib import Path

from backprop.demos import approximation

if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/approximation")
    out.mkdir(parents=True, exist_ok=True)
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else None
    approximation.run(out, epochs=epochs)
