"""MNIST output codings (seed 003: "Why 10 neurons in out layer?"): 10 one-hot neurons, a 4-bit
binary code and 1 regression neuron, trained alike on 5,000 digits; one-hot wins clearly.

Usage: python examples/08_output_codings.py [FOLDER [EPOCHS]]
(pictures in FOLDER/output-codings, default backprop-out/output-codings; EPOCHS overrides the
epochs of a demo that trains). The same as `backprop demo output-codings`.
"""

from backprop.demos import main

if __name__ == "__main__":
    raise SystemExit(main("output-codings"))
