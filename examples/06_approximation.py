"""Universal approximation (seeds 000, 001, 003): one hidden layer of K = 1, 2, 4, ..., 32 tanh
units fitting sin x, |x| and a step; the squared error falls as K grows (approximation.png).

Usage: python examples/06_approximation.py [FOLDER [EPOCHS]]
(pictures in FOLDER/approximation, default backprop-out/approximation; EPOCHS overrides the
epochs of a demo that trains). The same as `backprop demo approximation`.
"""

from backprop.demos import main

if __name__ == "__main__":
    raise SystemExit(main("approximation"))
