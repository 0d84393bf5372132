"""XOR learned from random starts (seed 000, "OOPS ... multiple solutions!"): a 2-2-1 tanh network
trained from eight seeds ends at different weights, its hidden neurons computing different gates;
some starts get stuck in a local minimum.

Usage: python examples/04_xor_learned.py [FOLDER [EPOCHS]]
(pictures in FOLDER/xor-learned, default backprop-out/xor-learned; EPOCHS overrides the
epochs of a demo that trains). The same as `backprop demo xor-learned`.
"""

from backprop.demos import main

if __name__ == "__main__":
    raise SystemExit(main("xor-learned"))
