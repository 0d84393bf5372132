"""Perceptrons as logic gates (seeds 001, 003, 004), XOR from OR, NAND and AND, and the
perceptron rule, which learns every linearly separable gate but never XOR.

A perceptron outputs 1 if w . x + b > 0, else 0. Hand-set weights give AND, OR and NAND; XOR is
not linearly separable, so no single perceptron computes it, but feeding OR and NAND into AND
does: XOR(x1, x2) = AND(OR(x1, x2), NAND(x1, x2)). The picture (gates.png) draws each
perceptron's line w1 x1 + w2 x2 + b = 0 over the four inputs: the hand-set gates and the XOR
network's two lines on top, what the perceptron rule learns below.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..data import GATES, gates
from ..explain.tables import render_table
from ..perceptron import Perceptron, PerceptronNotConverged
from ..scalar import Value
from ..viz import ThresholdUnits, plot_threshold_units

TITLE = "perceptrons as AND, OR, NAND; XOR from OR + NAND -> AND; the perceptron rule"

#: Hand-set perceptrons (w1, w2, b): output [w1 x1 + w2 x2 + b > 0].
HAND_SET: dict[str, tuple[float, float, float]] = {
    "and": (1.0, 1.0, -1.5),
    "or": (1.0, 1.0, -0.5),
    "nand": (-1.0, -1.0, 1.5),
}
INPUTS = ((0, 0), (0, 1), (1, 0), (1, 1))
LEARNED = ("and", "or", "nand", "not", "xor")


def perceptron(weights: tuple[float, float, float], x1: float, x2: float) -> int:
    """One threshold unit, built with the engine: step(w1 x1 + w2 x2 + b)."""
    w1, w2, b = weights
    return int((Value(w1) * x1 + Value(w2) * x2 + b).step().data)


def run(out: Path, data: str | None = None, epochs: int | None = None) -> dict[str, Any]:
    """Print the hand-set gates' truth tables, the XOR network, and what the perceptron rule
    learns on AND, OR, NAND, NOT (converges) and XOR (does not)."""
    print("Hand-set perceptrons, output = 1 if w1 x1 + w2 x2 + b > 0 else 0:")
    for name, (w1, w2, b) in HAND_SET.items():
        print(f"  {name.upper():<4}  w = ({w1:g}, {w2:g}), b = {b:g}")
    hand: dict[str, list[int]] = {name: [] for name in (*HAND_SET, "xor")}
    rows = []
    for x1, x2 in INPUTS:
        o = perceptron(HAND_SET["or"], x1, x2)
        n = perceptron(HAND_SET["nand"], x1, x2)
        a = perceptron(HAND_SET["and"], x1, x2)
        x = perceptron(HAND_SET["and"], o, n)  # the second layer: AND of OR and NAND
        for name, v in (("and", a), ("or", o), ("nand", n), ("xor", x)):
            hand[name].append(v)
        rows.append([x1, x2, a, o, n, x])
    print("\ntruth tables (XOR = AND(OR(x1, x2), NAND(x1, x2)), a two-layer network):")
    print(render_table(["x1", "x2", "AND", "OR", "NAND", "XOR"], rows, align="r" * 6))
    agree = all(tuple(values) == GATES[name] for name, values in hand.items())
    print(f"(all four agree with the gates' truth tables: {'yes' if agree else 'NO'})")

    print("\nThe perceptron rule theta <- theta + alpha sum_{x_n in M} y_n x_n (seed 003),")
    print("M = the misclassified examples, theta = (b, w) starting at 0, alpha = 1:")
    learned: dict[str, dict[str, Any]] = {}
    models: dict[str, Perceptron] = {}
    rows = []
    for name in LEARNED:
        X, y = gates(name)
        model = Perceptron(lr=1.0, max_epochs=epochs or 100)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", PerceptronNotConverged)
            model.fit(X, y)
        message = next(
            (str(w.message) for w in caught if issubclass(w.category, PerceptronNotConverged)),
            None,
        )
        models[name] = model
        predicted = [int(v) for v in model.predict(X)]
        learned[name] = {
            "converged": bool(model.converged_),
            "epochs": int(model.n_epochs_),
            "theta": [float(v) for v in model.theta_],
            "predictions": predicted,
            "accuracy": float(np.mean(np.asarray(predicted) == y)),
            "errors": list(model.errors_),
            "warning": message,
        }
        weights = ", ".join(f"{v:g}" for v in model.coef_)
        rows.append(
            [
                name.upper(),
                "yes" if model.converged_ else "NO",
                model.n_epochs_,
                f"({weights})",
                f"{model.intercept_:g}",
                " ".join(map(str, predicted)),
                " ".join(map(str, y)),
            ]
        )
    headers = ["gate", "converged", "epochs", "w", "b", "predicted", "target"]
    print(render_table(headers, rows, align="r" * len(headers)))
    xor = learned["xor"]
    print(
        f"\nXOR: after {xor['epochs']} epochs the rule still counts {xor['errors'][-1]} of 4 "
        f"mistakes (an example on the line,\ntheta . x = 0, counts as one) and predicts "
        f"{' '.join(map(str, xor['predictions']))} for the target 0 1 1 0. The warning:\n"
        f"  PerceptronNotConverged: {xor['warning']}"
    )
    picture = _plot(models, out / "gates.png")
    print(f"\nwrote {picture.name} to {out}/")
    return {"hand": hand, "learned": learned, "files": [picture]}


def xor_network(points: np.ndarray) -> np.ndarray:
    """XOR = AND(OR(x1, x2), NAND(x1, x2)) at each row of ``points``, with the hand-set units."""

    def unit(name: str, x: np.ndarray) -> np.ndarray:
        w1, w2, b = HAND_SET[name]
        return (w1 * x[:, 0] + w2 * x[:, 1] + b > 0).astype(np.float64)

    return unit("and", np.column_stack([unit("or", points), unit("nand", points)]))


def _line(weights: tuple[float, float, float]) -> str:
    """The unit's rule as text: "1 x1 + 1 x2 - 1.5 > 0"."""
    w1, w2, b = (float(v) for v in weights)
    return (
        f"{w1:g} x1 {'-' if w2 < 0 else '+'} {abs(w2):g} x2 {'-' if b < 0 else '+'} {abs(b):g} > 0"
    )


def _plot(models: dict[str, Perceptron], path: Path) -> Path:
    """Top row: the hand-set gates and the XOR network; bottom row: the perceptron rule's."""
    X = np.array(INPUTS, dtype=np.float64)
    panels = {
        f"{name.upper()}, hand-set: {_line(HAND_SET[name])}": ThresholdUnits(
            X, GATES[name], [HAND_SET[name]]
        )
        for name in ("and", "or", "nand")
    }
    panels["XOR = AND(OR, NAND): two layers,\nthe OR and NAND lines"] = ThresholdUnits(
        X, GATES["xor"], [HAND_SET["or"], HAND_SET["nand"]], predict=xor_network
    )
    for name in ("and", "or", "nand", "xor"):
        model = models[name]
        weights = (*model.coef_, model.intercept_)
        status = "learned" if model.converged_ else "NOT learned"
        panels[f"{name.upper()}, rule: {status} in {model.n_epochs_} epochs\n{_line(weights)}"] = (
            ThresholdUnits(X, GATES[name], [weights])
        )
    return plot_threshold_units(
        panels,
        path,
        title="Perceptrons: output 1 where w1 x1 + w2 x2 + b > 0. "
        "No single line separates XOR; two layers do.",
    )
