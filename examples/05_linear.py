"""Linear neurons sigma(z) = z (seed 000): a 2-8-8-1 linear network is exactly the single linear map
W3 W2 W1 x + b, so it cannot learn XOR; the same shape with tanh neurons can (linear_xor.png,
tanh_xor.png).

Usage: python examples/05_linear.py [OUTPUT_FOLDER [EPOCHS]]
(default folder backprop-out/linear; EPOCHS overrides the demo's number of epochs)
"""

import sys
from pathlib import Path

from backprop.demos import linear

if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/linear")
    out.mkdir(parents=True, exist_ok=True)
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else None
    linear.run(out, epochs=epochs)
