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
    format_array,
    format_number,
    latex_array,
    latex_escape,
    latex_name,
    latex_number,
    latex_partial,
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


def _expression(op: str, operands: list[str], latex: bool) -> str:
    def wrap(s: str) -> str:
        return f"({s})" if s.startswith("-") else s

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
    local derivatives d node / d input, upstream gradient dE/d node and, for leaves, dE/d leaf.

    As text or Markdown the table has a title above it and the chain-rule lines below it.
    """
    out = trace.out
    # The name of the differentiated quantity: the output, or E = sum of its entries.
    E = "E" if trace.summed else out.name
    latex = format == "latex"
    blank = "---" if latex else "—"  # a cell with nothing to show

    def val(v: Any) -> str:
        if v is None:
            return blank
        return (
            f"${latex_array(v, digits, max_elements)}$"
            if latex
            else format_array(v, digits, max_elements)
        )

    def partial(top: str, bottom: str) -> str:
        return f"${latex_partial(top, bottom)}$" if latex else f"d{top}/d{bottom}"

    rows = []
    for i, node in enumerate(trace.nodes):
        if node.is_leaf:
            operation = "(leaf)" if node.requires_grad else "(constant)"
        else:
            operation = trace.formula(i, digits, latex)
            operation = f"${operation}$" if latex else operation
        if node.local:
            local_parts = []
            for pos, d in node.local:
                wrt = trace.nodes[node.inputs[pos][1]].name
                if latex:
                    local_parts.append(
                        f"${latex_partial(node.name, wrt)} = "
                        f"{latex_array(d, digits, max_elements)}$"
                    )
                else:
                    local_parts.append(
                        f"{partial(node.name, wrt)} = {format_array(d, digits, max_elements)}"
                    )
            local = ", ".join(local_parts)
        else:
            local = blank
        if node.is_leaf and node.grad is not None:
            if latex:
                gradient = (
                    f"${latex_partial(E, node.name)} = "
                    f"{latex_array(node.grad, digits, max_elements)}$"
                )
            else:
                gradient = f"{partial(E, node.name)} = {val(node.grad)}"
        else:
            gradient = blank
        name = f"${latex_name(node.name)}$" if latex else node.name
        rows.append([name, operation, val(node.value), local, val(node.grad), gradient])
    if latex:
        headers = [
            r"Node $v$",
            "Operation",
            "Value",
            "Local derivatives",
            rf"$\frac{{\partial {latex_name(E)}}}{{\partial v}}$",
            "Gradient",
        ]
        return render_table(headers, rows, format, align="llrlrl")
    headers = ["node", "operation", "value", "local derivatives", f"d{E}/d(node)", "gradient"]
    table = render_table(headers, rows, format)  # every column left-aligned
    count = f"{len(trace.nodes)} node" + ("s" if len(trace.nodes) > 1 else "")
    title = (
        f"Backpropagation through {out.name} = {format_array(out.value, digits, max_elements)} "
        f"({trace.engine} graph, {count}, leaves first)"
    )
    if trace.summed:
        title += f"; E = sum of the entries of {out.name}, so dE/d{out.name} = 1 everywhere"
    parts = [title, "", table]
    chain = chain_rule_lines(trace, digits)
    if chain:
        bullet = "- " if format == "markdown" else "  "
        parts += [
            "",
            "Chain rule, from the output down (a node used by several nodes sums "
            "their contributions):",
        ]
        if format == "markdown":
            parts.append("")
        parts += [bullet + line for line in chain]
    return "\n".join(parts)


def _factor(v: Any, digits: int) -> str:
    s = format_number(v, digits)
    return f"({s})" if s.startswith("-") else s


def chain_rule_lines(trace: GraphTrace, digits: int = 4) -> list[str]:
    """The chain rule dE/dv = sum over the nodes u using v of dE/du · du/dv, one line per node
    from the output down, with its numbers: the lecture's ``df/dx = df/dd · dd/dx = 4 · 1 = 4``.

    Only for graphs of single numbers, and only when every local derivative is known; else [].
    """
    if any(np.size(n.value) != 1 for n in trace.nodes):
        return []
    E = trace.out.name
    lines = []
    for i in reversed(range(len(trace.nodes))):
        node = trace.nodes[i]
        if i == trace.output or node.grad is None:
            continue
        symbols, numbers = [], []
        for k, pos in trace.consumers.get(i, []):
            consumer = trace.nodes[k]
            # Looked up by operand position: x * x has one local derivative per use of x.
            d = dict(consumer.local or []).get(pos)
            if d is None:
                return []
            term = f"d{consumer.name}/d{node.name}"
            if k == trace.output:
                symbols.append(term)
                numbers.append(_factor(d, digits))
            else:
                symbols.append(f"d{E}/d{consumer.name} · {term}")
                numbers.append(f"{_factor(consumer.grad, digits)} · {_factor(d, digits)}")
        if not symbols:
            continue
        result = format_number(node.grad, digits)
        lhs = f"d{E}/d{node.name}"
        if symbols == [f"d{E}/d{node.name}"]:
            lines.append(f"{lhs} = {result}")
        elif len(numbers) == 1 and numbers[0] == result:
            lines.append(f"{lhs} = {symbols[0]} = {result}")
        else:
            lines.append(f"{lhs} = {' + '.join(symbols)} = {' + '.join(numbers)} = {result}")
    return lines
