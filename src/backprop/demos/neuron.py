"""A single neuron: pre-activation a = sum_i z_i w_ij + b, then z_j = g(a) (seed 000).

The neuron is built with the scalar engine (``Value``), so the pre-activation, every activation
g(a) and every derivative g'(a) printed here are the numbers the engine computes (g'(a) is the
``.grad`` that ``backward()`` leaves on a).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..explain.tables import render_table
from ..scalar import Value
from ..viz import plot_activations

TITLE = "a single neuron: pre-activation a = sum z_i w_i + b and the activations g(a)"

#: The lecture's activation functions g, as operations of the engine.
ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "threshold": Value.step,
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "ReLU": Value.relu,
    "linear": lambda a: a * 1.0,  # the linear neuron g(a) = a (a node, so it has a gradient)
}

INPUTS = (1.0, -2.0, 0.5)  # z_1, z_2, z_3
WEIGHTS = (0.8, 0.3, -1.2)  # w_1j, w_2j, w_3j
BIAS = 0.9  # b
TABLE_A = (-3.0, -1.0, 0.0, 1.0, 3.0)


def activate(a_value: float, name: str) -> tuple[float, float]:
    """(g(a), g'(a)) for the activation ``name``, both from the engine."""
    a = Value(a_value, "a")
    out = ACTIVATIONS[name](a)
    out.backward()
    return out.data, a.grad


def run(out: Path, data: str | None = None, epochs: int | None = None) -> dict[str, Any]:
    """Print the pre-activation of an example neuron, its outputs and a table of g(a), g'(a)."""
    z = [Value(v, f"z{i}") for i, v in enumerate(INPUTS, 1)]
    w = [Value(v, f"w{i}") for i, v in enumerate(WEIGHTS, 1)]
    b = Value(BIAS, "b")
    a = b
    for zi, wi in zip(z, w, strict=True):
        a = zi * wi + a
    terms = " + ".join(f"({zi.data:g})({wi.data:g})" for zi, wi in zip(z, w, strict=True))
    print("A single neuron j with inputs z_i, weights w_ij and bias b (seed 000):")
    print("  pre-activation  a_j = sum_i z_i w_ij + b   (a linear map)")
    print("  output          z_j = g(a_j)               (a non-linear activation)\n")
    print(f"  a = {terms} + {b.data:g} = {a.data:.4g}\n")

    outputs = {}
    rows = []
    for name in ACTIVATIONS:
        g, dg = activate(a.data, name)
        outputs[name] = {"g": g, "dg": dg}
        rows.append([name, f"{g:.4f}", f"{dg:.4f}"])
    print(f"the neuron's output z_j = g(a) for a = {a.data:.4g}:")
    print(render_table(["activation g", "g(a)", "g'(a)"], rows, align="lrr"))

    values: dict[str, list[tuple[float, float]]] = {}
    header = ["g(a) [g'(a)]"] + [f"a = {v:g}" for v in TABLE_A]
    rows = []
    for name in ACTIVATIONS:
        pairs = [activate(v, name) for v in TABLE_A]
        values[name] = pairs
        rows.append([name] + [f"{g:.3f} [{dg:.3f}]" for g, dg in pairs])
    print("\nthe activations and their derivatives (from the engine's backward pass):")
    print(render_table(header, rows, align="l" + "r" * (len(header) - 1)))
    print(
        "\nthe threshold's derivative is 0 wherever it exists: no gradient flows through it, so "
        "gradient descent\ncannot train it; the sigmoid is its smooth version, ReLU is cheaper "
        "still, the linear neuron adds\nno non-linearity at all (stacked linear neurons stay one "
        "linear map, see `backprop demo linear`)."
    )
    picture = plot_activations(out / "activations.png")
    print(f"\nwrote {picture.name} to {out}/")
    return {
        "inputs": list(INPUTS),
        "weights": list(WEIGHTS),
        "bias": BIAS,
        "a": a.data,
        "outputs": outputs,
        "table": values,
        "table_a": list(TABLE_A),
        "files": [picture],
    }
