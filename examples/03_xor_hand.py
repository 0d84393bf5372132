"""The notes' hand-set tanh network that separates XOR (seed 000).

The samples lie in the quadrants around (+-1, +-1); red where x1 and x2 have opposite signs.
z1 = tanh(10 x1) and z2 = tanh(10 x2) push every point to a corner, then

    z3 = tanh(z1 + z2 - 1),   z4 = tanh(-(z1 + z2) - 1),

and z3 + z4 is about 0 for blue and -2 for red: the threshold -1 separates them.

    python examples/03_xor_hand.py [FOLDER]

draws xor_hand.png into FOLDER (default backprop-out/xor-hand).
"""

import sys
from pathlib import Path

import numpy as np

import backprop as bp

out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/xor-hand")


def network(x: np.ndarray) -> np.ndarray:
    """z3 + z4 for each row x = (x1, x2)."""
    x = bp.tensor(x, dtype="float64")
    z1, z2 = (x[:, 0] * 10.0).tanh(), (x[:, 1] * 10.0).tanh()
    z3 = (z1 + z2 - 1.0).tanh()
    z4 = (-(z1 + z2) - 1.0).tanh()
    return (z3 + z4).data


corners = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]])
for (x1, x2), colour, s in zip(
    corners, ["blue", "blue", "red", "red"], network(corners), strict=True
):
    print(f"({x1:+g}, {x2:+g}) {colour:<4}  z3 + z4 = {s:+.4f}")

X, y = bp.data.xor_quadrants(400, noise=0.3, seed=0)  # y = 1 for red
predicted = (network(X) < -1.0).astype(int)  # red below the threshold
print(f"\nthreshold -1 on {len(X)} noisy points: {np.mean(predicted == y):.2%} correct")

picture = bp.viz.plot_decision_boundary(
    network,
    X,
    y,
    out / "xor_hand.png",
    title="the notes' hand-set tanh network on the XOR quadrants",
    score="network output z3 + z4",  # a sum of two tanh, not a probability
    threshold=-1.0,
)
print(f"wrote {picture}")
