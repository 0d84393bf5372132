"""Perceptrons as logic gates (seeds 001, 003): output 1 if w1 x1 + w2 x2 + b > 0, else 0.

Hand-set weights give AND, OR and NAND. XOR is not linearly separable, so no single perceptron
computes it, but a second layer does: XOR(x1, x2) = AND(OR(x1, x2), NAND(x1, x2)). The perceptron
rule learns AND, OR and NAND and never settles on XOR.

    python examples/02_gates.py [FOLDER]

draws gates.png into FOLDER (default backprop-out/gates).
"""

import sys
import warnings
from pathlib import Path

import numpy as np

import backprop as bp

out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/gates")

X, _ = bp.data.gates("and")  # the four inputs (0, 0), (0, 1), (1, 0), (1, 1)
hand_set = {"AND": (1.0, 1.0, -1.5), "OR": (1.0, 1.0, -0.5), "NAND": (-1.0, -1.0, 1.5)}


def perceptron(w1: float, w2: float, b: float, x: np.ndarray) -> np.ndarray:
    """[w1 x1 + w2 x2 + b > 0] for each row x = (x1, x2)."""
    return (w1 * x[:, 0] + w2 * x[:, 1] + b > 0).astype(int)


def xor(x: np.ndarray) -> np.ndarray:
    """Two layers: the OR and NAND perceptrons feed an AND perceptron."""
    hidden = np.column_stack([perceptron(*hand_set["OR"], x), perceptron(*hand_set["NAND"], x)])
    return perceptron(*hand_set["AND"], hidden)


print("x1 x2  AND OR NAND  XOR")
outputs = {name: perceptron(*weights, X) for name, weights in hand_set.items()}
for i, (x1, x2) in enumerate(X):
    row = "   ".join(str(outputs[name][i]) for name in hand_set)
    print(f" {x1:g}  {x2:g}   {row}     {xor(X)[i]}")

# One panel per arrangement of threshold units: its lines, the region where it outputs 1.
panels = {
    f"{name}, hand-set": bp.viz.ThresholdUnits(X, bp.data.GATES[name.lower()], [weights])
    for name, weights in hand_set.items()
}
panels["XOR = AND(OR, NAND)"] = bp.viz.ThresholdUnits(
    X, bp.data.GATES["xor"], [hand_set["OR"], hand_set["NAND"]], predict=xor
)

# The perceptron rule theta <- theta + alpha sum_{x_n in M} y_n x_n over the misclassified M.
print("\nthe perceptron rule, 100 epochs at most:")
for name in ("and", "or", "nand", "xor"):
    X_gate, y = bp.data.gates(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # XOR warns that it did not converge; we print it
        rule = bp.Perceptron(lr=1.0, max_epochs=100).fit(X_gate, y)
    verdict = f"converged in {rule.n_epochs_} epochs" if rule.converged_ else "did NOT converge"
    print(f"  {name.upper():<4} {verdict}: w = {rule.coef_}, b = {rule.intercept_:g}")
    panels[f"{name.upper()}, rule: {verdict}"] = bp.viz.ThresholdUnits(
        X_gate, y, [(*rule.coef_, rule.intercept_)]
    )

picture = bp.viz.plot_threshold_units(panels, out / "gates.png")
print(f"\nwrote {picture}")
