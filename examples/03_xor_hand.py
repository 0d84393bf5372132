"""The hand-set tanh network of the notes (seed 000): z1 = tanh(10 x1), z2 = tanh(10 x2), then
z3 = tanh(z1 + z2 - 1), z4 = tanh(-(z1 + z2) - 1), and the second solution z3 = tanh(1 + (z1 - z2)),
z4 = tanh(1 - (z1 - z2)). Prints both tables of the slide (rounded and exact), shows that z3 + z4
separates the XOR classes and draws the decision regions (xor_hand.png, xor_hand_second.png).

Usage: python examples/03_xor_hand.py [FOLDER [EPOCHS]]
(pictures in FOLDER/xor-hand, default backprop-out/xor-hand; EPOCHS overrides the
epochs of a demo that trains). The same as `backprop demo xor-hand`.
"""

from backprop.demos import main

if __name__ == "__main__":
    raise SystemExit(main("xor-hand"))
