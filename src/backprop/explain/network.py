"""The BP1-BP4 walk-through: one example (or a tiny batch) through a ``layered.Network``,
every quantity of the four equations per layer, and its table.

The forward pass z^l = w^l a^{l-1} + b^l, a^l = g(z^l) (g the hidden activation below the last
layer, the output activation or the softmax in it), then the four equations:

* BP1: δ^L = ∇_a C ⊙ g'(z^L), which is (a^L − y) ⊙ g'(z^L) for the quadratic cost,
  a^L − y for the cross-entropy with a sigmoid output and the log-likelihood with a softmax output,
  and −y [y a^L < 1] for the hinge max(0, 1 − y a^L) with a linear output (g' = 1)
* BP2: δ^l = ((w^{l+1})^T δ^{l+1}) ⊙ g'(z^l), g the hidden activation
* BP3: ∂C/∂b^l_j = δ^l_j
* BP4: ∂C/∂w^l_jk = a^{l-1}_k δ^l_j

Each activation's symbol and derivative come from the one table, ``backprop.activations``.
The walk-through shows numbers, it does not compute them: they are the network's step record,
``Network.record``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..activations import Activation, activation
from ..layered import Network
from .format import (
    LATEX_NEEDS,
    format_array,
    latex_array,
    latex_escape,
    latex_small,
    latex_stack,
)
from .tables import render_table

__all__ = ["NetworkStep", "network_steps", "network_table"]


@dataclass
class NetworkStep:
    """One quantity of a backpropagation pass through a :class:`~backprop.layered.Network`.

    ``equation`` is "input", "parameter" (w^l and b^l, as the network holds them), "forward",
    "target", "cost" or one of "BP1".."BP4"; ``value`` is the array as ``Network.backprop``
    computed it (z, a and delta: one row per example of a batch,
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

    Forward pass first (a^0 = x; w^l, b^l, z^l and a^l for every layer; the cost C), then the
    backward pass
    from the last layer down: delta^L (BP1), dC/db^L (BP3), dC/dw^L (BP4), delta^{L-1} (BP2), ...
    For a batch of m examples z, a and delta hold one row per example and the gradients are the
    batch means that ``Network.backprop`` returns:

    * BP1: δ^L = ∇_a C ⊙ g'(z^L), g the output activation (see :func:`_output_error`)
    * BP2: δ^l = ((w^{l+1})^T δ^{l+1}) ⊙ g'(z^l), g the hidden activation
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
    hidden = activation(network.activation)
    out = None if network.output == "softmax" else activation(network.output)
    for l in range(1, L + 1):
        # The parameters of layer l, so that z^l = w^l a^{l-1} + b^l can be checked by hand.
        w, b = network.weights[l - 1], network.biases[l - 1]
        size, size_latex = f"{w.shape[0]}x{w.shape[1]}", rf"{w.shape[0]} \times {w.shape[1]}"
        steps.append(
            NetworkStep(
                l,
                f"w^{l}",
                f"w^{{{l}}}",
                "parameter",
                f"w^{l} (weights, {size})",
                rf"w^{{{l}}}\ ({size_latex})",
                w.copy(),
            )
        )
        steps.append(
            NetworkStep(
                l,
                f"b^{l}",
                f"b^{{{l}}}",
                "parameter",
                f"b^{l} (biases)",
                f"b^{{{l}}}",
                b.copy(),
            )
        )
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
                *_layer_output(l, hidden if l < L else out),
                rows(p.a[l]),
            )
        )
    steps.append(NetworkStep(L, "y", "y", "target", "y (target)", "y", rows(p.y)))
    c_text, c_latex = _cost(network.cost_name, L)
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
            text, tex = _output_error(network.cost_name, out, L)
            equation = "BP1"
        else:
            text, tex = _hidden_error(hidden, l)
            equation = "BP2"
        steps.append(
            NetworkStep(l, f"delta^{l}", rf"\delta^{{{l}}}", equation, text, tex, rows(p.delta[l]))
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


def _layer_output(l: int, g: Activation | None) -> tuple[str, str]:
    """a^l = g(z^l) as text and LaTeX, for a table activation g or (None) the softmax."""
    if g is None:
        return (
            f"a^{l}_j = e^(z^{l}_j) / sum_k e^(z^{l}_k) (softmax)",
            rf"a^{{{l}}}_j = \frac{{e^{{z^{{{l}}}_j}}}}{{\sum_k e^{{z^{{{l}}}_k}}}}",
        )
    return f"a^{l} = {g.symbol_text}(z^{l})", rf"a^{{{l}}} = {g.symbol_latex}(z^{{{l}}})"


def _cost(cost: str, L: int) -> tuple[str, str]:
    """The cost C_x of one example, as text and LaTeX (see ``layered.Network``)."""
    if cost == "quadratic":
        return f"C = 1/2 ||y - a^{L}||^2", rf"C = \tfrac12 \|y - a^{{{L}}}\|^2"
    if cost == "hinge":
        return (
            f"C = max(0, 1 - y a^{L}), y = +1 or -1",
            rf"C = \max(0,\ 1 - y\, a^{{{L}}}),\ y = \pm 1",
        )
    if cost == "cross_entropy":
        return (
            f"C = -sum_j [y_j ln a^{L}_j + (1 - y_j) ln(1 - a^{L}_j)]",
            rf"C = -\sum_j [y_j \ln a^{{{L}}}_j + (1 - y_j) \ln(1 - a^{{{L}}}_j)]",
        )
    return f"C = -sum_j y_j ln a^{L}_j", rf"C = -\sum_j y_j \ln a^{{{L}}}_j"


def _output_error(cost: str, g: Activation | None, L: int) -> tuple[str, str]:
    """BP1 as text and LaTeX for the network's cost and output activation g (None: softmax).

    Quadratic cost: grad_a C = a^L - y, so delta^L = (a^L - y) (.) g'(z^L). Cross-entropy with a
    sigmoid output: sigma'(z^L) cancels against grad_a C, delta^L = a^L - y. Log-likelihood with
    a softmax output: delta^L = dC/dz^L = a^L - y (the softmax is no elementwise g, so BP1 is
    written for z^L at once). Hinge with a linear output: grad_a C is the subgradient of
    max(0, 1 - y a^L), -y where y a^L < 1 and 0 elsewhere, and id'(z^L) = 1.
    """
    if g is None:
        return (
            f"delta^{L} = dC/dz^{L} = a^{L} - y (softmax, log-likelihood)",
            rf"\delta^{{{L}}} = \frac{{\partial C}}{{\partial z^{{{L}}}}} = a^{{{L}}} - y",
        )
    prime, prime_tex = f"{g.symbol_text}'(z^{L})", rf"{g.symbol_latex}'(z^{{{L}}})"
    text = f"delta^{L} = grad_a C (.) {prime} = "
    tex = rf"\delta^{{{L}}} = \nabla_a C \odot {prime_tex} = "
    if cost == "quadratic":
        return (
            text + f"(a^{L} - y) (.) {prime}",
            tex + rf"(a^{{{L}}} - y) \odot {prime_tex}",
        )
    if cost == "hinge":
        return (
            text + f"-y [y a^{L} < 1] (hinge subgradient; {prime} = 1)",
            tex + rf"-y\,[y\, a^{{{L}}} < 1]",
        )
    return text + f"a^{L} - y (cross-entropy)", tex + rf"a^{{{L}}} - y"


def _hidden_error(g: Activation, l: int) -> tuple[str, str]:
    """BP2 for hidden layer l, with the hidden activation's derivative g'(z^l)."""
    return (
        f"delta^{l} = ((w^{l + 1})^T delta^{l + 1}) (.) {g.symbol_text}'(z^{l})",
        rf"\delta^{{{l}}} = ((w^{{{l + 1}}})^\top \delta^{{{l + 1}}}) \odot "
        rf"{g.symbol_latex}'(z^{{{l}}})",
    )


def _activations(network: Network, latex: bool = False) -> str:
    """Which g each layer applies, with the table's g'(z) where BP1 or BP2 uses it:
    "hidden layers tanh (g'(z) = ...), output layer softmax" (in LaTeX the names alone)."""

    def described(name: str) -> str:
        if name == "softmax":
            return name
        row = activation(name)
        if latex:  # the name alone: g'(z) is in the equations, and a title fits one line
            return latex_escape(row.name)
        return f"{row.name} ({row.derivative_text})"

    hidden, output = described(network.activation), described(network.output)
    if len(network.weights) == 1:
        return f"output layer {output}"
    if hidden == output:  # also for two names of one row, such as "logistic" and "sigmoid"
        return f"every layer {output}"
    return f"hidden layers {hidden}, output layer {output}"


#: A LaTeX equation wider than this many symbols (see _visible) is written over two lines.
_LATEX_LONG = 24


def _visible(formula: str) -> int:
    """About how many symbols LaTeX source shows: a command counts one, braces, ^, _ none."""
    return len(re.sub(r"[{}^_ ]", "", re.sub(r"\\[a-zA-Z]+", "x", formula)))


def _top_level(formula: str, separator: str) -> int:
    """Where ``separator`` first occurs outside parentheses and braces (-1: nowhere), so that
    the comma of max(0,\\ 1 - y a) is not taken for the one between two equations."""
    depth = 0
    for i, c in enumerate(formula):
        depth += (c in "({") - (c in ")}")
        if depth == 0 and formula.startswith(separator, i):
            return i
    return -1


def _latex_lines(formula: str) -> list[str]:
    """A formula in math mode on one line, or over lines where it is long: a batch's cost breaks
    after its comma (C = (1/m) sum_x C_x, / C_x = ...), BP1 after its first equation (δ^L =
    ∇_a C ⊙ g'(z^L) / = a^L - y), other long ones after the quantity (δ^l / = ...) or, for a
    sum, after its first term (the cross-entropy's -sum_j [y_j ln a_j / + (1 - y_j) ...])."""
    parts = formula.split(" = ")
    comma = _top_level(formula, r",\ ")
    if comma >= 0:
        lines = [formula[:comma] + ",", formula[comma + 3 :]]
    elif _visible(formula) <= _LATEX_LONG or len(parts) == 1:
        lines = [formula]
    elif len(parts) > 2:
        lines = [f"{parts[0]} = {parts[1]}", *(f"= {p}" for p in parts[2:])]
    elif " + " in parts[1]:
        lines = [formula]  # broken after the sum's first term below
    else:
        lines = [parts[0], f"= {parts[1]}"]
    out = []
    for line in lines:
        if _visible(line) > _LATEX_LONG and " + " in line:
            head, tail = line.split(" + ", 1)
            out += [head, f"+ {tail}"]
        else:
            out.append(line)
    return [f"${line}$" if k == 0 else rf"$\quad {line}$" for k, line in enumerate(out)]


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
            # No layer or quantity column (each equation starts with its quantity, layer in the
            # superscript), the tag in a narrow first column and a long equation over two lines
            # (format.latex_stack): the table fits an article page.
            value = f"${latex_array(s.value, digits, max_elements)}$"
            rows.append([tag, latex_stack(_latex_lines(s.formula_latex)), value])
        else:
            formula = f"{tag}: {s.formula}" if tag else s.formula
            rows.append(
                [str(s.layer), s.quantity, formula, format_array(s.value, digits, max_elements)]
            )
    m = len(np.atleast_2d(np.asarray(x)))
    what = "one example" if m == 1 else f"a batch of {m} examples (rows), gradients averaged"
    L = len(network.weights)
    if latex:
        title = (
            f"Backpropagation in Network({network.sizes}), {_activations(network, latex)}, "
            f"{latex_escape(network.cost_name)} cost, {what}: forward pass, then BP1--BP4 from "
            f"layer {L} down."
        )
        table = render_table(["", "Equation", "Value"], rows, format, align="lll", long=True)
        return "\n".join([LATEX_NEEDS, title, "", latex_small(table)])
    title = (
        f"Backpropagation in Network({network.sizes}), {_activations(network)}, "
        f"{network.cost_name} cost, {what}: forward pass, then BP1-BP4 from layer {L} down"
    )
    return "\n".join(
        [title, "", render_table(["layer", "quantity", "equation", "value"], rows, format)]
    )
