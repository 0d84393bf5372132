"""The hand-set tanh network of the notes (seed 000): z1 = tanh(10 x1), z2 = tanh(10 x2), then
z3 = tanh(z1 + z2 - 1), z4 = tanh(-(z1 + z2) - 1), and the second solution z3 = tanh(1 + (z1 - z2)),
z4 = tanh(1 - (z1 - z2)). Prints both tables of the slide (rounded and exact), shows that z3 + z4
separates the XOR classes and draws the decision regions (xor_hand.png, xor_hand_second.png).

Usage: python examples/03_xor_hand.py [OUTPUT_FOLDER]   (default backprop-out/xor-hand)
"""

import sys
from pathlib import Path

from backprop.demos import xor_hand

if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/xor-hand")
    out.mkdir(parents=True, exist_ok=True)
    xor_hand.run(out)
