"""Tracing a graph: every node of a ``Value`` or ``Tensor`` computation with its value, local
derivatives and gradient, the chain rule written out, and the graph's table.

:func:`trace_graph` walks the graph behind an output E into a :class:`GraphTrace` (nodes leaves
first) without touching any ``.grad``; :func:`graph_table` lays it out one row per node (columns
described in :mod:`backprop.explain`); :func:`chain_rule_lines` writes the lecture's
dE/dx = dE/dd · dd/dx = 4 · 1 = 4 for each node, summing over the nodes that use it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..activations import ACTIVATIONS
from ..graph import reverse_sweep, topological_order
from ..scalar import Value
from ..tensor import Tensor
from .format import (
    LATEX_NEEDS,
    format_array,
    format_number,
    latex_array,
    latex_escape,
    latex_name,
    latex_number,
    latex_small,
    latex_stack,
    partial,
    total_derivative,
)
from .tables import render_table

__all__ = ["GraphNode", "GraphTrace", "chain_rule_lines", "graph_table", "trace_graph"]

# Tensor operations that act entry by entry: d out_i / d in_i is the whole local derivative.
# Every activation of the table does; so do these arithmetic operations and functions.
_ELEMENTWISE = frozenset({"+", "-", "*", "/", "**", "neg", "exp", "log", "abs", *ACTIVATIONS})
_INFIX = {"+": "+", "-": "-", "*": "*", "/": "/", "**": "**", "@": "@"}


@dataclass
class GraphNode:
    """One node of a traced graph (see :func:`trace_graph`).

    ``inputs`` lists the operation's operands in order: ``("node", index)`` for a node of the
    trace (an index into ``GraphTrace.nodes``) or ``("const", text)`` for a constant shown inline.
    ``local`` holds (operand position in ``inputs``, d node / d operand) for the operands whose
    local derivative is displayed, or None when it is not (see the module docstring). ``grad`` is
    dE/d node, or None when no gradient reaches the node (a constant, or an input that does not
    require grad).
    """

    node: Any
    name: str
    op: str
    inputs: list[tuple[str, Any]]
    value: Any
    grad: Any
    local: list[tuple[int, Any]] | None
    requires_grad: bool = True

    @property
    def is_leaf(self) -> bool:
        return not self.op


@dataclass
class GraphTrace:
    """A graph behind ``output``, ready to print or draw: nodes leaves first, then the others."""

    engine: str  # "Value" or "Tensor"
    nodes: list[GraphNode]
    output: int  # index of the output node
    summed: bool = False  # a non-scalar Tensor output, explained as E = sum of its entries
    consumers: dict[int, list[tuple[int, int]]] = field(default_factory=dict)

    @property
    def out(self) -> GraphNode:
        return self.nodes[self.output]

    def formula(self, i: int, digits: int = 4, latex: bool = False) -> str:
        """``"d = x + y"`` for inner node i ("" for a leaf)."""
        node = self.nodes[i]
        if node.is_leaf:
            return ""
        operands = [self._operand(kind, ref, latex) for kind, ref in node.inputs]
        name = latex_name(node.name) if latex else node.name
        return f"{name} = {_expression(node.op, operands, latex)}"

    def local_label(self, i: int, pos: int, latex: bool = False) -> str:
        """The partial ∂node/∂operand for operand ``pos`` of node i; where one node is used
        twice (x * x) each use is tagged by its side ("left", "right") or place ("operand 2")."""
        node = self.nodes[i]
        kind, ref = node.inputs[pos]
        uses = [p for p, (k, r) in enumerate(node.inputs) if (k, r) == (kind, ref)]
        tag = ""
        if len(uses) > 1:
            infix = node.op in _INFIX and len(node.inputs) == 2
            tag = ("left", "right")[pos] if infix else f"operand {pos + 1}"
        return partial(node.name, self.nodes[ref].name, latex, tag)

    def local_formula(self, i: int, pos: int, latex: bool = False) -> str | None:
        """∂node/∂operand ``pos`` of node i written with the operands' names (see
        :func:`local_derivative`), or None where no formula is written."""
        node = self.nodes[i]
        operands = [self._operand(kind, ref, latex) for kind, ref in node.inputs]
        return local_derivative(node.op, operands, pos, latex)

    def _operand(self, kind: str, ref: Any, latex: bool) -> str:
        if kind == "node":
            name = self.nodes[ref].name
            return latex_name(name) if latex else name
        text = str(ref)
        if latex:
            try:
                return latex_number(float(text), 6)
            except ValueError:
                return latex_escape(text)
        return text


# LaTeX for the functions that are not activations (those take their symbol from the table).
_LATEX_FUNCTIONS = {"exp": r"\exp", "log": r"\ln"}


def _latex_function(op: str) -> str:
    """The LaTeX symbol of a one-name operation: ``\\sigma`` for "sigmoid", ``\\ln`` for "log"."""
    if op in ACTIVATIONS:
        return ACTIVATIONS[op].symbol_latex
    return _LATEX_FUNCTIONS.get(op, r"\mathrm{" + latex_escape(op) + "}")


def _wrap(s: str) -> str:
    """A negative number in parentheses, so that it can stand in a product or a power."""
    return f"({s})" if s.startswith("-") else s


def _expression(op: str, operands: list[str], latex: bool) -> str:
    wrap = _wrap
    if op == "neg" and len(operands) == 1:
        return "-" + wrap(operands[0])
    if op in _INFIX and len(operands) == 2:
        a, b = (wrap(s) for s in operands)
        if latex:
            if op == "*":
                return rf"{a} \cdot {b}"
            if op == "**":
                return f"{a}^{{{operands[1]}}}"
            if op == "@":
                return f"{a} {b}"
        return f"{a} {_INFIX[op]} {b}"
    if latex:
        return _latex_function(op) + r"\left(" + ", ".join(operands) + r"\right)"
    return f"{op}({', '.join(operands)})"


def local_derivative(op: str, operands: list[str], pos: int, latex: bool) -> str | None:
    """The local derivative ∂n/∂(operand ``pos``) of a node n = op(operands), written with the
    operands' names (numbers for constants) as the graph lecture (seed 002) writes them:

        d = x + y:  ∂d/∂x = 1, ∂d/∂y = 1        f = d · z:  ∂f/∂d = z, ∂f/∂z = d

    and likewise ∂(a - b)/∂b = -1, ∂(a / b)/∂a = 1/b, ∂(a / b)/∂b = -a/b², ∂(a^b)/∂a = b a^(b-1),
    ∂(a^b)/∂b = a^b ln a, ∂(-a)/∂a = -1, ∂exp(a)/∂a = exp(a), ∂ln(a)/∂a = 1/a,
    ∂|a|/∂a = sign(a), and g'(a) for an activation g of the table (its symbol from the table:
    sigma'(z), tanh'(z)). None for other operations (sum, matrix products, ...).
    """
    if op in ACTIVATIONS and len(operands) == 1:
        g, (a,) = ACTIVATIONS[op], operands
        return rf"{g.symbol_latex}'\left({a}\right)" if latex else f"{g.symbol_text}'({a})"
    if len(operands) == 1:
        a = _wrap(operands[0])
        if op == "neg":
            return "-1"
        if op == "exp":
            return rf"\exp\left({a}\right)" if latex else f"exp({a})"
        if op == "log":
            return rf"\frac{{1}}{{{a}}}" if latex else f"1/{a}"
        if op == "abs":
            return rf"\mathrm{{sign}}\left({a}\right)" if latex else f"sign({a})"
        return None
    if len(operands) != 2 or op not in ("+", "-", "*", "/", "**"):
        return None
    a, b = operands
    wa, wb = _wrap(a), _wrap(b)
    if op == "+":
        return "1"
    if op == "-":
        return "1" if pos == 0 else "-1"
    if op == "*":
        return operands[1 - pos]  # ∂(a · b)/∂a = b, ∂(a · b)/∂b = a
    if op == "/":
        if pos == 0:
            return rf"\frac{{1}}{{{b}}}" if latex else f"1/{wb}"
        return rf"-\frac{{{a}}}{{{wb}^{{2}}}}" if latex else f"-{wa}/{wb} ** 2"
    if pos == 1:  # ∂(a^b)/∂b = a^b ln a
        return rf"{wa}^{{{b}}} \ln {wa}" if latex else f"{wa} ** {wb} · ln {wa}"
    try:  # ∂(a^b)/∂a = b a^(b - 1), the exponent b - 1 worked out for a constant b
        power = format_number(float(b) - 1, 6)
    except ValueError:
        power = rf"{b} - 1" if latex else f"({b} - 1)"
    if power == "0":
        return b
    if power == "1":
        return rf"{b} \cdot {a}" if latex else f"{b} · {a}"
    return rf"{b} \cdot {wa}^{{{power}}}" if latex else f"{b} · {wa} ** {_wrap(power)}"


def _leaves_first(order: list[Any], inputs: Callable[[Any], Sequence[Any]]) -> list[Any]:
    """A topological order with its leaves moved to the front, each part in its own order:
    the table lists the inputs of the computation first, then its steps."""
    return [n for n in order if not inputs(n)] + [n for n in order if inputs(n)]


def _assign_names(nodes: Sequence[GraphNode], output: int) -> None:
    """Labels made unique (``W``, ``W#2``), then n1, n2, ... for unlabeled nodes."""
    counts: dict[str, int] = {}
    taken: set[str] = set()
    for node in nodes:
        if node.name:
            counts[node.name] = counts.get(node.name, 0) + 1
            if counts[node.name] > 1:
                node.name = f"{node.name}#{counts[node.name]}"
            taken.add(node.name)
    out = nodes[output]
    if not out.name:
        out.name = next((n for n in ("f", "out", "output") if n not in taken), "")
        taken.add(out.name)
    k = 0
    for node in nodes:
        if not node.name:
            k += 1
            while f"n{k}" in taken:
                k += 1
            node.name = f"n{k}"
            taken.add(node.name)


def trace_graph(output: Value | Tensor) -> GraphTrace:
    """Walk the graph behind ``output`` and compute every node's value, gradient and local
    derivatives, without touching any ``.grad`` (see the module docstring)."""
    if isinstance(output, Value):
        return _trace_value(output)
    if isinstance(output, Tensor):
        return _trace_tensor(output)
    raise TypeError(
        f"expected a backprop Value or Tensor (the output of a computation), "
        f"got {type(output).__name__}"
    )


def _trace_value(output: Value) -> GraphTrace:
    def inputs(n: Value) -> tuple[Value, ...]:
        return n._parents

    order = topological_order(output, inputs)
    # The chain rule from the stored local derivatives into a dict: .grad is never written.
    grads: dict[int, float] = {id(n): 0.0 for n in order}
    grads[id(output)] = 1.0

    def propagate(node: Value) -> None:
        g = grads[id(node)]
        for parent, local in zip(node._parents, node._local, strict=True):
            grads[id(parent)] += local * g

    reverse_sweep(order, propagate)
    order = _leaves_first(order, inputs)
    index = {id(n): i for i, n in enumerate(order)}
    nodes = []
    for n in order:
        inputs = _value_operands(n, [("node", index[id(p)]) for p in n._parents])
        positions = [pos for pos, (kind, _) in enumerate(inputs) if kind == "node"]
        local = [(pos, float(l)) for pos, l in zip(positions, n._local, strict=True)]
        nodes.append(
            GraphNode(n, n.label or "", n.op, inputs, n.data, grads[id(n)], local if n.op else None)
        )
    trace = GraphTrace("Value", nodes, index[id(output)])
    _finish(trace)
    return trace


def _value_operands(n: Value, inputs: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Recover the constant folded into a one-input Value node (the 2 of ``x * 2``)."""
    if len(n._parents) != 1 or n.op not in _INFIX:
        return inputs
    (a,) = (p.data for p in n._parents)
    (local,) = n._local
    q = n.data
    c: float | None = None
    first = True  # constant on the right (x op c)
    try:
        if n.op == "+":
            c = q - a
        elif n.op == "-":
            if local == 1.0:
                c = a - q
            else:
                c, first = a + q, False
        elif n.op == "*":
            c = local
        elif n.op == "/":
            if local != 0 and math.isclose(a * local, q, rel_tol=1e-9, abs_tol=1e-300):
                c = 1.0 / local
            else:
                c, first = q * a, False
        elif n.op == "**":
            c1 = local * a / q if q and a else None
            if c1 is not None and math.isclose(math.pow(a, c1), q, rel_tol=1e-9):
                c = c1
            elif q > 0:
                c2 = math.exp(local / q)
                if math.isclose(math.pow(c2, a), q, rel_tol=1e-9):
                    c, first = c2, False
    except (ArithmeticError, ValueError):
        c = None
    const = ("const", format_number(c, 6) if c is not None else "c")
    return [inputs[0], const] if first else [const, inputs[0]]


def _trace_tensor(output: Tensor) -> GraphTrace:
    def parents(t: Tensor) -> tuple[Tensor, ...]:
        return tuple(p for p in t._parents if not _is_inline_constant(p))

    order = _leaves_first(topological_order(output, parents), parents)
    summed = output.data.size != 1
    grads: dict[int, Any] = {}
    if output.requires_grad:
        seed = np.ones_like(output.data) if summed else None
        grads = output.gradients(seed)  # a separate sweep: leaves' .grad untouched
    index = {id(n): i for i, n in enumerate(order)}
    nodes = []
    for n in order:
        inputs: list[tuple[str, Any]] = [
            ("const", format_number(p.data.reshape(()), 6))
            if _is_inline_constant(p)
            else ("node", index[id(p)])
            for p in n._parents
        ]
        nodes.append(
            GraphNode(
                n,
                n.label or "",
                n.op if n._parents else "",  # made without grad: no inputs recorded, a constant
                inputs,
                n.data,
                grads.get(id(n)),
                _tensor_local(n) if n.op else None,
                n.requires_grad,
            )
        )
    trace = GraphTrace("Tensor", nodes, index[id(output)], summed=summed)
    _finish(trace)
    return trace


def _is_inline_constant(t: Tensor) -> bool:
    return not t.requires_grad and t.label is None and t.data.size == 1 and not t._parents


def _tensor_local(n: Tensor) -> list[tuple[int, Any]] | None:
    """d n / d parent where it is a number or an array of the parent's shape (see docstring)."""
    wanted = [
        i
        for i, p in enumerate(n._parents)
        if p.requires_grad and (n.data.size == 1 or (n.op in _ELEMENTWISE and p.shape == n.shape))
    ]
    if not wanted or n._vjp is None:
        return None
    try:
        with np.errstate(all="ignore"):
            locals_ = n._vjp(np.ones_like(n.data))
    except Exception:  # noqa: BLE001 - a display helper must not fail on an exotic operation
        return None
    out = [(i, np.array(locals_[i])) for i in wanted if locals_[i] is not None]
    return out or None


def _finish(trace: GraphTrace) -> None:
    _assign_names(trace.nodes, trace.output)
    consumers: dict[int, list[tuple[int, int]]] = {}
    for i, node in enumerate(trace.nodes):
        for pos, (kind, ref) in enumerate(node.inputs):
            if kind == "node":
                consumers.setdefault(ref, []).append((i, pos))
    trace.consumers = consumers


def graph_table(
    trace: GraphTrace, format: str = "text", digits: int = 4, max_elements: int = 32
) -> str:
    """The traced graph as a table, one row per node (see :mod:`backprop.explain`): its value,
    local derivatives ∂node/∂input (symbol, formula, number), upstream gradient dE/dnode and,
    for leaves, dE/dleaf; a title above it and the chain-rule lines below it.

    LaTeX is a fragment for an article page: a comment naming the preamble it needs, the title
    as a sentence, the ``tabular`` and the chain rule in an ``align*``.
    """
    out = trace.out
    # The name of the differentiated quantity: the output, or E = sum of its entries.
    E = "E" if trace.summed else out.name
    latex = format == "latex"
    blank = "---" if latex else "—"  # a cell with nothing to show

    def number(v: Any) -> str:
        return (
            latex_array(v, digits, max_elements) if latex else format_array(v, digits, max_elements)
        )

    def math(text: str) -> str:
        return f"${text}$" if latex else text

    def val(v: Any) -> str:
        return blank if v is None else math(number(v))

    rows = []
    for i, node in enumerate(trace.nodes):
        if node.is_leaf:
            operation = "(leaf)" if node.requires_grad else "(constant)"
        else:
            operation = math(trace.formula(i, digits, latex))
        local = [
            math(_local_equation(trace, i, pos, number(d), latex)) for pos, d in node.local or []
        ]
        if not local:
            local_cell = blank
        else:  # in LaTeX one per line, so that the table fits the page
            local_cell = latex_stack(local) if latex else ", ".join(local)
        gradient = blank
        if node.is_leaf and node.grad is not None:
            gradient = math(f"{total_derivative(E, node.name, latex)} = {number(node.grad)}")
        name = f"${latex_name(node.name)}$" if latex else node.name
        rows.append([name, operation, val(node.value), local_cell, val(node.grad), gradient])
    count = f"{len(trace.nodes)} node" + ("s" if len(trace.nodes) > 1 else "")
    chain = chain_rule_lines(trace, digits, latex)
    chain_title = (
        "Chain rule, from the output down (a node used several times sums one term per path):"
    )
    if latex:
        # The gradient column repeats the dE/dv column for the leaves: left out, to fit the page.
        headers = [
            r"Node $v$",
            "Operation",
            "Value",
            "Local derivatives",
            f"${total_derivative(E, 'v', latex)}$",
        ]
        rows = [row[:-1] for row in rows]
        title = (
            f"Backpropagation through ${latex_name(out.name)} = "
            f"{latex_array(out.value, digits, max_elements)}$ ({trace.engine} graph, {count}, "
            "leaves first)"
        )
        if trace.summed:
            title += (
                f"; $E$ is the sum of the entries of ${latex_name(out.name)}$, so "
                f"${total_derivative('E', out.name, True)} = 1$ everywhere"
            )
        parts = [
            LATEX_NEEDS,
            title + ".",
            "",
            latex_small(render_table(headers, rows, format, align="llrlr", long=True)),
        ]
        if chain:
            # A page may break between the lines (\\allowdisplaybreaks, in a group of its own).
            parts += ["", chain_title, r"{\allowdisplaybreaks", r"\begin{align*}"]
            parts += [" \\\\\n".join(chain), r"\end{align*}}"]
        return "\n".join(parts)
    headers = ["node", "operation", "value", "local derivatives", f"d{E}/d(node)", "gradient"]
    table = render_table(headers, rows, format)  # every column left-aligned
    title = (
        f"Backpropagation through {out.name} = {format_array(out.value, digits, max_elements)} "
        f"({trace.engine} graph, {count}, leaves first)"
    )
    if trace.summed:
        title += f"; E = sum of the entries of {out.name}, so dE/d{out.name} = 1 everywhere"
    parts = [title, "", table]
    if chain:
        bullet = "- " if format == "markdown" else "  "
        parts += ["", chain_title]
        if format == "markdown":
            parts.append("")
        parts += [bullet + line for line in chain]
    return "\n".join(parts)


def _local_equation(trace: GraphTrace, i: int, pos: int, number: str, latex: bool) -> str:
    """``∂f/∂d = z = 4``: the local derivative's symbol, its formula (where one is written and
    it is not the number itself) and its value, written as ``number``."""
    formula = trace.local_formula(i, pos, latex)
    parts = [trace.local_label(i, pos, latex)]
    if formula is not None and formula != number:
        parts.append(formula)
    return " = ".join([*parts, number])


def _number(v: Any, digits: int, latex: bool) -> str:
    return latex_number(v, digits) if latex else format_number(v, digits)


def _latex_stage(stage: str, per_line: int) -> str:
    """A stage of a chain-rule line in an ``align*``, broken after every ``per_line`` paths."""
    terms = stage.split(" + ")
    groups = [" + ".join(terms[j : j + per_line]) for j in range(0, len(terms), per_line)]
    return " \\\\\n&\\quad + ".join(groups)


def _sum(terms: list[str]) -> str:
    """Terms joined by " + ", a negative one in parentheses (a single term as it is)."""
    return terms[0] if len(terms) == 1 else " + ".join(_wrap(t) for t in terms)


def chain_rule_lines(trace: GraphTrace, digits: int = 4, latex: bool = False) -> list[str]:
    """The chain rule dE/dv = sum over the uses of v by nodes u of dE/du · ∂u/∂v, one line per
    node from the output down, with its numbers: the lecture's ``df/dx = df/dd · ∂d/∂x = 4 · 1
    = 4`` (seed 002). A node used several times gets one term per path and the sum of the
    paths' products: ``df/dx = df/dn1 · ∂n1/∂x (left) + df/dn1 · ∂n1/∂x (right) + ∂f/∂x
    = 1 · 3 + 1 · 3 + 1 = 3 + 3 + 1 = 7``. In LaTeX each stage is a line of an ``align*``.

    Only for graphs of single numbers, and only when every local derivative is known; else [].
    """
    if any(np.size(n.value) != 1 for n in trace.nodes):
        return []
    E = trace.out.name
    times = r" \cdot " if latex else " · "
    lines = []
    for i in reversed(range(len(trace.nodes))):
        node = trace.nodes[i]
        if i == trace.output or node.grad is None:
            continue
        symbols, factors, products = [], [], []
        for k, pos in trace.consumers.get(i, []):
            consumer = trace.nodes[k]
            # Looked up by operand position: x * x has one local derivative per use of x.
            d = dict(consumer.local or []).get(pos)
            if d is None:
                return []
            local = trace.local_label(k, pos, latex)
            if k == trace.output:  # dE/dE = 1: the path is the local derivative alone
                symbols.append(local)
                factors.append(_number(d, digits, latex))
            else:
                symbols.append(total_derivative(E, consumer.name, latex) + times + local)
                factors.append(
                    _wrap(_number(consumer.grad, digits, latex))
                    + times
                    + _wrap(_number(d, digits, latex))
                )
            products.append(_number(float(d) * float(consumer.grad), digits, latex))
        if not symbols:
            continue
        stages = [_sum(terms) for terms in (symbols, factors, products)]
        stages.append(_number(node.grad, digits, latex))
        # Drop a stage that repeats the one before it (a path with no product to work out).
        stages = [s for j, s in enumerate(stages) if j == 0 or s != stages[j - 1]]
        lhs = total_derivative(E, node.name, latex)
        if latex and len(symbols) > 1:  # a stage per line, one path per line of symbols
            staged = [_latex_stage(s, 1 if j == 0 else 3) for j, s in enumerate(stages)]
            lines.append(lhs + " &= " + " \\\\\n&= ".join(staged))
        elif latex:
            lines.append(lhs + " &= " + " = ".join(stages))
        else:
            lines.append(f"{lhs} = {' = '.join(stages)}")
    return lines
