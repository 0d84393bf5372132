"""Linear neurons sigma(z) = z (seed 000): a 2-8-8-1 linear network is exactly the single linear map
W3 W2 W1 x + b, so it cannot learn XOR; the same shape with tanh neurons can (linear_xor.png,
tanh_xor.png).

Usage: python examples/05_linear.py [FOLDER [EPOCHS]]
(pictures in FOLDER/linear, default backprop-out/linear; EPOCHS overrides the
epochs of a demo that trains). The same as `backprop demo linear`.
"""

from backprop.demos import main

if __name__ == "__main__":
    raise SystemExit(main("linear"))
