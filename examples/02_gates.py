"""Perceptrons as logic gates (seeds 001, 003): hand-set AND, OR and NAND with their truth tables,
XOR = AND(OR, NAND) as a two-layer network, and the perceptron rule, which learns AND, OR, NAND and
NOT but never converges on XOR.

Usage: python examples/02_gates.py [FOLDER [EPOCHS]]
(pictures in FOLDER/gates, default backprop-out/gates; EPOCHS overrides the
epochs of a demo that trains). The same as `backprop demo gates`.
"""

from backprop.demos import main

if __name__ == "__main__":
    raise SystemExit(main("gates"))
