"""The hand-set tanh network that solves XOR (seed 000), and its second solution.

Samples lie in the quadrants around (+-1, +-1); blue where both coordinates have the same sign,
red where they differ. The first layer pushes every point to a corner,

    z1 = tanh(10 x1),  z2 = tanh(10 x2),

and the second layer separates the corners. First solution:

    z3 = tanh(z1 + z2 - 1),     z4 = tanh(-(z1 + z2) - 1),     z3 + z4 ~ 0 (blue), ~ -2 (red)

Second solution (OOPS ... multiple solutions!):

    z3 = tanh(1 + (z1 - z2)),   z4 = tanh(1 - (z1 - z2)),      z3 + z4 ~ 2 (blue), ~ 0 (red)

Everything is computed with the Tensor engine in float64, so the printed numbers are the engine's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .. import ops
from ..data import xor_quadrants
from ..explain.tables import render_table
from ..layered import Network
from ..tensor import Tensor, no_grad, tensor
from ..viz import plot_decision_boundary

TITLE = "the notes' hand-set tanh network that separates XOR, and its second solution"

#: The seed's table rows: (z1, z2) corners, the lecture's colour, in the seed's order.
CORNERS = ((-1.0, -1.0), (1.0, 1.0), (-1.0, 1.0), (1.0, -1.0))
COLOURS = ("blue", "blue", "red", "red")

SOLUTIONS = {
    "first": {
        "z3": "tanh(z1 + z2 - 1)",
        "z4": "tanh(-(z1 + z2) - 1)",
        "pre3": "z1 + z2 - 1",
        "pre4": "-(z1 + z2) - 1",
        "blue": 0.0,
        "red": -2.0,
    },
    "second": {
        "z3": "tanh(1 + (z1 - z2))",
        "z4": "tanh(1 - (z1 - z2))",
        "pre3": "1 + (z1 - z2)",
        "pre4": "1 - (z1 - z2)",
        "blue": 2.0,
        "red": 0.0,
    },
}


#: Both solutions as the weights (w^l, b^l) of a 2-2-2-1 network, w^l of shape (n_l, n_{l-1}):
#: layer 1 is (z1, z2) = tanh(10 x), layer 2 (z3, z4) = tanh(w^2 (z1, z2) + b^2), and the output
#: neuron is linear, z3 + z4. The one home of the seed's numbers (``network`` and the playground's
#: preset read them).
WEIGHTS: dict[str, tuple[tuple[list[list[float]], list[float]], ...]] = {
    "first": (
        ([[10.0, 0.0], [0.0, 10.0]], [0.0, 0.0]),
        ([[1.0, 1.0], [-1.0, -1.0]], [-1.0, -1.0]),
        ([[1.0, 1.0]], [0.0]),
    ),
    "second": (
        ([[10.0, 0.0], [0.0, 10.0]], [0.0, 0.0]),
        ([[1.0, -1.0], [-1.0, 1.0]], [1.0, 1.0]),
        ([[1.0, 1.0]], [0.0]),
    ),
}


def _weights(solution: str) -> tuple[tuple[Tensor, Tensor], ...]:
    if solution not in WEIGHTS:
        raise ValueError(f"unknown solution {solution!r}; choose 'first' or 'second'")
    return tuple(
        (tensor(w, dtype="float64"), tensor(b, dtype="float64")) for w, b in WEIGHTS[solution]
    )


def network(x: Tensor, solution: str = "first") -> dict[str, Tensor]:
    """Every neuron of the hand-set network for inputs x of shape (n, 2), as graph nodes."""
    (w1, b1), (w2, b2), (w3, b3) = _weights(solution)
    hidden = ops.linear(x, w1, b1).tanh()
    pre = ops.linear(hidden, w2, b2)
    out = pre.tanh()
    return {
        "z1": hidden[:, 0],
        "z2": hidden[:, 1],
        "pre3": pre[:, 0],
        "z3": out[:, 0],
        "pre4": pre[:, 1],
        "z4": out[:, 1],
        "sum": ops.linear(out, w3, b3)[:, 0],
    }


def layered_network(solution: str = "first") -> Network:
    """The hand-set network as a ``layered.Network`` [2, 2, 2, 1] (tanh, linear output, float64),
    so that BP1-BP4 and the playground can run on it."""
    net = Network([2, 2, 2, 1], activation="tanh", output="identity", dtype=np.float64)
    for (w, b), W, B in zip(_weights(solution), net.weights, net.biases, strict=True):
        W[...] = w.data
        B[...] = b.data
    return net


def _margin(points: np.ndarray, solution: str) -> np.ndarray:
    """How far z3 + z4 lies on the red side of the threshold halfway between blue and red."""
    spec = SOLUTIONS[solution]
    with no_grad():
        s = network(tensor(np.asarray(points), dtype="float64"), solution)["sum"].data
    threshold = (spec["blue"] + spec["red"]) / 2
    return (threshold - s) * np.sign(spec["blue"] - spec["red"])


def classify(points: np.ndarray, solution: str = "first") -> np.ndarray:
    """1 (red) where z3 + z4 is nearer the red value than the blue one, else 0 (blue)."""
    return (_margin(points, solution) > 0).astype(np.int64)


def output(points: np.ndarray, solution: str = "first") -> np.ndarray:
    """The network's output z3 + z4 at each row of ``points`` (a sum of two tanh, not a
    probability)."""
    with no_grad():
        return network(tensor(np.asarray(points), dtype="float64"), solution)["sum"].data


def _sign(v: float) -> str:
    """A rounded number as the seed prints it: +1, -3, 0."""
    r = int(round(v))
    return f"{r:+d}" if r else "0"


def seed_table(solution: str) -> list[dict[str, Any]]:
    """The seed's table for one solution: exact values at the four corners x = (+-1, +-1)."""
    with no_grad():
        nodes = network(tensor(np.array(CORNERS), dtype="float64"), solution)
    rows = []
    for i, colour in enumerate(COLOURS):
        row = {name: float(node.data[i]) for name, node in nodes.items()}
        row["colour"] = colour
        row["rounded"] = {name: int(round(v)) for name, v in row.items() if name != "colour"}
        rows.append(row)
    return rows


def _print_table(solution: str, rows: list[dict[str, Any]]) -> None:
    spec = SOLUTIONS[solution]
    print(f"{solution} solution: z3 = {spec['z3']},  z4 = {spec['z4']}")
    headers = ["", "(z1, z2)", spec["pre3"], "z3", spec["pre4"], "z4", "z3 + z4"]
    rounded = [
        [
            r["colour"],
            f"({_sign(r['z1'])}, {_sign(r['z2'])})",
            _sign(r["pre3"]),
            _sign(r["z3"]),
            _sign(r["pre4"]),
            _sign(r["z4"]),
            f"~ {spec[r['colour']]:g}",
        ]
        for r in rows
    ]
    print(render_table(headers, rounded, align="r" * len(headers)))
    print("the same rows, exact (x at the corners, z1 = tanh(+-10) = +-0.9999999959):")
    exact = [
        [
            r["colour"],
            f"({r['z1']:+.8f}, {r['z2']:+.8f})",
            f"{r['pre3']:+.8f}",
            f"{r['z3']:+.8f}",
            f"{r['pre4']:+.8f}",
            f"{r['z4']:+.8f}",
            f"{r['sum']:+.8f}",
        ]
        for r in rows
    ]
    print(render_table(headers, exact, align="r" * len(headers)))


def run(out: Path, data: str | None = None, epochs: int | None = None) -> dict[str, Any]:
    """Print both of the seed's tables (rounded and exact), classify the XOR cloud with both
    solutions and draw their decision regions."""
    print("XOR in the quadrants around (+-1, +-1): z1 = tanh(10 x1), z2 = tanh(10 x2) push every")
    print("point to a corner; the next two tanh neurons separate the corners.\n")
    X, y = xor_quadrants(400, noise=0.3, seed=0)
    tables, sums, accuracy, files = {}, {}, {}, []
    for solution, spec in SOLUTIONS.items():
        rows = seed_table(solution)
        tables[solution] = rows
        _print_table(solution, rows)
        blue = [r["sum"] for r in rows if r["colour"] == "blue"]
        red = [r["sum"] for r in rows if r["colour"] == "red"]
        sums[solution] = {"blue": blue, "red": red}
        predicted = classify(X, solution)
        accuracy[solution] = float(np.mean(predicted == y))
        print(
            f"as a consequence z3 + z4 ~ {spec['blue']:g} for blue (exactly "
            f"{', '.join(f'{v:.4f}' for v in blue)}) and ~ {spec['red']:g} for red (exactly "
            f"{', '.join(f'{v:.4f}' for v in red)}):\nz3 + z4 separates the samples. "
            f"Threshold {(spec['blue'] + spec['red']) / 2:g} on the {len(X)}-point XOR cloud "
            f"(noise 0.3): {accuracy[solution]:.2%} correct, "
            f"{int(np.sum(predicted != y))} misclassified.\n"
        )
        name = "xor_hand.png" if solution == "first" else "xor_hand_second.png"
        files.append(
            plot_decision_boundary(
                lambda points, s=solution: output(points, s),
                X,
                y,
                out / name,
                title=f"hand-set tanh network, {solution} solution: z3 = {spec['z3']}",
                score="network output z3 + z4",
                threshold=(spec["blue"] + spec["red"]) / 2,
            )
        )
    print("Two different weight settings solve the same problem: multiple solutions, just like")
    print("multiple local optima, which is why training from different random starts ends in")
    print("different networks (see `backprop demo xor-learned`).")
    print(f"\nwrote {', '.join(p.name for p in files)} to {out}/")
    return {"tables": tables, "sums": sums, "accuracy": accuracy, "files": files}
