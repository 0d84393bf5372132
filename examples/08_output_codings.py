"""MNIST output codings (seed 003: "Why 10 neurons in out layer?"): 10 one-hot neurons, a 4-bit
binary code and 1 regression neuron, trained alike on 5,000 digits; one-hot wins clearly.

Usage: python examples/08_output_codings.py [OUTPUT_FOLDER [EPOCHS]]
(default folder backprop-out/output-codings; EPOCHS overrides the demo's number of epochs)
"""

import sys
from pathlib import Path

from backprop.demos import output_codings

if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/output-codings")
    out.mkdir(parents=True, exist_ok=True)
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else None
    output_codings.run(out, epochs=epochs)
