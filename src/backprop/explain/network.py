"""The BP1-BP4 walk-through: one example (or a tiny batch) through a ``layered.Network``,
every quantity of the four equations per layer, and its table.

The forward pass z^l = w^l a^{l-1} + b^l, a^l = σ(z^l), then the four equations:

* BP1: δ^L = ∇_a C ⊙ σ'(z^L)
* BP2: δ^l = ((w^{l+1})^T δ^{l+1}) ⊙ σ'(z^l)
* BP3: ∂C/∂b^l_j = δ^l_j
* BP4: ∂C/∂w^l_jk = a^{l-1}_k δ^l_j

The walk-through shows numbers, it does not compute them: :func:`_backprop_pass` is the one place
that takes them from the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..layered import Network
from .format import format_array, latex_array
from .tables import render_table

__all__ = ["NetworkStep", "network_steps", "network_table"]


@dataclass
class NetworkStep:
    """One quantity of a backpropagation pass through a :class:`~backprop.layered.Network`.

    ``equation`` is "input", "forward", "target", "cost" or one of "BP1".."BP4"; ``value`` is
    the array as ``Network.backprop`` computed it (z, a and delta: one row per example of a batch,
    a vector for a single example; the gradients dC/db and dC/dw: batch means).
    """

    layer: int
    quantity: str
    quantity_latex: str
    equation: str
    formula: str
    formula_latex: str
    value: np.ndarray


def _network_xy(network: Network, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim == 1:
        x = x.reshape(1, -1)
        if y.ndim == 0:
            y = y.reshape(1)
        elif y.ndim == 1 and network.sizes[-1] > 1 and len(y) == network.sizes[-1]:
            y = y.reshape(1, -1)
    return x, y


def network_steps(network: Network, x: Any, y: Any) -> list[NetworkStep]:
    """The quantities of BP1-BP4 for the example ``x`` with target ``y`` (or a tiny batch).

    Forward pass first (a^0 = x, z^l and a^l for every layer, the cost C), then the backward pass
    from the last layer down: delta^L (BP1), dC/db^L (BP3), dC/dw^L (BP4), delta^{L-1} (BP2), ...
    For a batch of m examples z, a and delta hold one row per example and the gradients are the
    batch means that ``Network.backprop`` returns:

    * BP1: δ^L = ∇_a C ⊙ σ'(z^L)
    * BP2: δ^l = ((w^{l+1})^T δ^{l+1}) ⊙ σ'(z^l)
    * BP3: ∂C/∂b^l_j = δ^l_j
    * BP4: ∂C/∂w^l_jk = a^{l-1}_k δ^l_j
    """
    X, Y = _network_xy(network, x, y)
    p = network.record(X, Y)  # the step record: the one computation every view reads
    m = len(p.a[0])
    L = len(network.weights)
    batch = m > 1
    steps: list[NetworkStep] = []

    def rows(a: np.ndarray) -> np.ndarray:
        return a if batch else a[0]

    x_note = " (one row per example)" if batch else ""
    steps.append(
        NetworkStep(0, "a^0", "a^{0}", "input", f"a^0 = x{x_note}", "a^{0} = x", rows(p.a[0]))
    )
    sigma = "sigma"
    for l in range(1, L + 1):
        steps.append(
            NetworkStep(
                l,
                f"z^{l}",
                f"z^{{{l}}}",
                "forward",
                f"z^{l} = w^{l} a^{l - 1} + b^{l}",
                f"z^{{{l}}} = w^{{{l}}} a^{{{l - 1}}} + b^{{{l}}}",
                rows(p.z[l]),
            )
        )
        steps.append(
            NetworkStep(
                l,
                f"a^{l}",
                f"a^{{{l}}}",
                "forward",
                f"a^{l} = {sigma}(z^{l})",
                rf"a^{{{l}}} = \sigma(z^{{{l}}})",
                rows(p.a[l]),
            )
        )
    steps.append(NetworkStep(L, "y", "y", "target", "y (target)", "y", rows(p.y)))
    if network.cost_name == "quadratic":
        c_text, c_latex = f"C = 1/2 ||y - a^{L}||^2", rf"C = \tfrac12 \|y - a^{{{L}}}\|^2"
    else:
        c_text = f"C = -sum_j [y_j ln a^{L}_j + (1 - y_j) ln(1 - a^{L}_j)]"
        c_latex = rf"C = -\sum_j [y_j \ln a^{{{L}}}_j + (1 - y_j) \ln(1 - a^{{{L}}}_j)]"
    if batch:
        c_text, c_latex = (
            f"C = (1/m) sum_x C_x, C_x: {c_text[4:]}",
            (r"C = \frac{1}{m}\sum_x C_x,\ C_x = " + c_latex[4:]),
        )
    steps.append(NetworkStep(L, "C", "C", "cost", c_text, c_latex, np.asarray(p.cost)))
    mean, mean_latex = ("(1/m) sum_x ", r"\frac{1}{m}\sum_x ") if batch else ("", "")
    sup_latex = "x," if batch else ""

    def sup(l: int) -> str:
        """The text superscript of layer l: ``2``, or ``{x,2}`` for example x of a batch."""
        return f"{{x,{l}}}" if batch else str(l)

    for l in range(L, 0, -1):
        if l == L:
            if network.cost_name == "quadratic":
                text = f"delta^{L} = grad_a C (.) sigma'(z^{L}) = (a^{L} - y) (.) sigma'(z^{L})"
                tex = (
                    rf"\delta^{{{L}}} = \nabla_a C \odot \sigma'(z^{{{L}}}) = "
                    rf"(a^{{{L}}} - y) \odot \sigma'(z^{{{L}}})"
                )
            else:
                text = f"delta^{L} = grad_a C (.) sigma'(z^{L}) = a^{L} - y (cross-entropy)"
                tex = rf"\delta^{{{L}}} = \nabla_a C \odot \sigma'(z^{{{L}}}) = a^{{{L}}} - y"
            steps.append(
                NetworkStep(l, f"delta^{l}", rf"\delta^{{{l}}}", "BP1", text, tex, rows(p.delta[l]))
            )
        else:
            steps.append(
                NetworkStep(
                    l,
                    f"delta^{l}",
                    rf"\delta^{{{l}}}",
                    "BP2",
                    f"delta^{l} = ((w^{l + 1})^T delta^{l + 1}) (.) sigma'(z^{l})",
                    rf"\delta^{{{l}}} = ((w^{{{l + 1}}})^\top \delta^{{{l + 1}}}) \odot "
                    rf"\sigma'(z^{{{l}}})",
                    rows(p.delta[l]),
                )
            )
        steps.append(
            NetworkStep(
                l,
                f"dC/db^{l}",
                rf"\partial C / \partial b^{{{l}}}",
                "BP3",
                f"dC/db^{l}_j = {mean}delta^{sup(l)}_j",
                rf"\frac{{\partial C}}{{\partial b^{{{l}}}_j}} = "
                rf"{mean_latex}\delta^{{{sup_latex}{l}}}_j",
                p.grad_b[l],
            )
        )
        steps.append(
            NetworkStep(
                l,
                f"dC/dw^{l}",
                rf"\partial C / \partial w^{{{l}}}",
                "BP4",
                f"dC/dw^{l}_jk = {mean}a^{sup(l - 1)}_k delta^{sup(l)}_j",
                rf"\frac{{\partial C}}{{\partial w^{{{l}}}_{{jk}}}} = {mean_latex}"
                rf"a^{{{sup_latex}{l - 1}}}_k \delta^{{{sup_latex}{l}}}_j",
                p.grad_w[l],
            )
        )
    return steps


def network_table(
    network: Network,
    x: Any,
    y: Any,
    format: str = "text",
    digits: int = 4,
    max_elements: int = 32,
) -> str:
    """:func:`network_steps` as a table, one row per quantity: layer, quantity, its equation
    (BP1-BP4 tagged) and its value; as text with a title naming the network and the cost."""
    steps = network_steps(network, x, y)
    latex = format == "latex"
    rows = []
    for s in steps:
        tag = s.equation if s.equation.startswith("BP") else ""
        if latex:
            formula = f"${s.formula_latex}$" + (f" ({tag})" if tag else "")
            rows.append(
                [
                    str(s.layer),
                    f"${s.quantity_latex}$",
                    formula,
                    f"${latex_array(s.value, digits, max_elements)}$",
                ]
            )
        else:
            formula = f"{tag}: {s.formula}" if tag else s.formula
            rows.append(
                [str(s.layer), s.quantity, formula, format_array(s.value, digits, max_elements)]
            )
    if latex:
        return render_table(["$l$", "Quantity", "Equation", "Value"], rows, format, align="clll")
    m = len(np.atleast_2d(np.asarray(x)))
    what = "one example" if m == 1 else f"a batch of {m} examples (rows), gradients averaged"
    title = (
        f"Backpropagation in Network({network.sizes}), sigma = {network.activation}, "
        f"{network.cost_name} cost, {what}: forward pass, then BP1-BP4 from layer "
        f"{len(network.weights)} down"
    )
    return "\n".join(
        [title, "", render_table(["layer", "quantity", "equation", "value"], rows, format)]
    )
