"""Numerical gradients vs backprop (seed 003: "Much slower.. Full forward pass for each parameter is
needed"): timings of central differences and of one backward pass for networks of growing size,
and how closely the two gradients agree.

Usage: python examples/09_numerical_gradient.py [OUTPUT_FOLDER]
(default backprop-out/numerical-gradient)
"""

import sys
from pathlib import Path

from backprop.demos import numerical_gradient

if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/numerical-gradient")
    out.mkdir(parents=True, exist_ok=True)
    numerical_gradient.run(out)
