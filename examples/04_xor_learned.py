"""XOR learned from random starts (seed 000, "OOPS ... multiple solutions!"): a 2-2-1 tanh network
trained from eight seeds ends at different weights, its hidden neurons computing different gates;
some starts get stuck in a local minimum.

Usage: python examples/04_xor_learned.py [OUTPUT_FOLDER [EPOCHS]]
(default folder backprop-out/xor-learned; EPOCHS overrides the demo's number of epochs)
"""

import sys
from pathlib import Path

from backprop.demos import xor_learned

if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/xor-learned")
    out.mkdir(parents=True, exist_ok=True)
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else None
    xor_learned.run(out, epochs=epochs)
