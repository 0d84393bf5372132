"""Perceptrons as logic gates (seeds 001, 003): hand-set AND, OR and NAND with their truth tables,
XOR = AND(OR, NAND) as a two-layer network, and the perceptron rule, which learns AND, OR, NAND and
NOT but never converges on XOR.

Usage: python examples/02_gates.py [OUTPUT_FOLDER [EPOCHS]]
(default folder backprop-out/gates; EPOCHS overrides the demo's number of epochs)
"""

import sys
from pathlib import Path

from backprop.demos import gates

if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/gates")
    out.mkdir(parents=True, exist_ok=True)
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else None
    gates.run(out, epochs=epochs)
