"""Numerical gradients vs backprop (seed 003: "Much slower.. Full forward pass for each parameter is
needed"): timings of central differences and of one backward pass for networks of growing size,
and how closely the two gradients agree.

Usage: python examples/09_numerical_gradient.py [FOLDER [EPOCHS]]
(pictures in FOLDER/numerical-gradient, default backprop-out/numerical-gradient; EPOCHS
overrides the epochs of a demo that trains). The same as `backprop demo numerical-gradient`.
"""

from backprop.demos import main

if __name__ == "__main__":
    raise SystemExit(main("numerical-gradient"))
