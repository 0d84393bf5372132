"""``explain``: the forward and backward pass of a graph or a network, as a table for a slide.

For the lecture's example (seed 002)

    >>> from backprop.scalar import Value
    >>> x, y, z = Value(1, "x"), Value(-3, "y"), Value(4, "z")
    >>> d = x + y; d.label = "d"
    >>> f = d * z; f.label = "f"
    >>> print(explain(f))  # doctest: +NORMALIZE_WHITESPACE
    Backpropagation through f = -8 (Value graph, 5 nodes, leaves first)
    <BLANKLINE>
    node  operation  value  local derivatives      df/d(node)  gradient
    ----  ---------  -----  ---------------------  ----------  ----------
    x     (leaf)     1      —                      4           df/dx = 4
    y     (leaf)     -3     —                      4           df/dy = 4
    z     (leaf)     4      —                      -2          df/dz = -2
    d     d = x + y  -2     dd/dx = 1, dd/dy = 1   4           —
    f     f = d * z  -8     df/dd = 4, df/dz = -2  1           —
    <BLANKLINE>
    Chain rule, from the output down (a node used by several nodes sums their contributions):
      df/dd = 4
      df/dz = -2
      df/dy = df/dd · dd/dy = 4 · 1 = 4
      df/dx = df/dd · dd/dx = 4 · 1 = 4

The last lines write out the chain rule for every node, as on the lecture's slides.

Every row is one node of the graph, in topological order with the leaves first:

* **node** -- the node's ``label``; unlabeled nodes get automatic names ``n1, n2, ...`` (the
  output, if unlabeled, is called ``f`` as in the lecture). A label used by several nodes (every
  ``nn.Linear`` labels its weight ``W``) is made unique as ``W#2``, ``W#3``, ...
* **operation** -- how the node was computed from its inputs (``d = x + y``). Constants folded into
  a ``Value`` node (the 2 in ``2 * x``) and one-element constant tensors are shown inline.
* **value** -- the forward value.
* **local derivatives** -- d(node)/d(input) for each input, the numbers the backward pass
  multiplies by. For a ``Value`` they are the node's stored ``_local``. For a ``Tensor`` they are
  shown where they are a single number or an array of the input's shape: when the node has one
  element (the gradient of the node with respect to the input), or for elementwise operations
  (``+ - * / ** exp log tanh sigmoid relu ...``) whose input has the node's shape (the diagonal
  of the Jacobian). Other local derivatives (``@``, ``linear``, broadcasting, reductions to more
  than one element) are full Jacobians and are shown as ``—``; their effect is visible in the
  upstream gradients. Arrays with more than ``max_elements`` entries are summarised.
* **upstream gradient** dE/d(node) for the output E, inner nodes included.
* **gradient** -- for leaves, the resulting gradient ``dE/dleaf``.

A non-scalar ``Tensor`` output E is reduced as E = sum of its entries (gradient seed of ones).

``explain`` never touches ``.grad``: for a ``Tensor`` it uses ``output.gradients()`` (a separate
sweep that returns every node's gradient), for a ``Value`` it runs its own reverse sweep from the
stored local derivatives ``_local`` into a dictionary. Calling it before or after ``backward()``
changes nothing.

``explain(network, x, y)`` for a :class:`backprop.layered.Network` lists the four equations'
quantities for one example (or a tiny batch): z, a per layer, then delta (BP1 for the last
layer, BP2 for the others), dC/db (BP3) and dC/dw (BP4), straight from ``Network.backprop``.

``format`` is ``"text"`` (aligned columns for a terminal), ``"markdown"`` (a pipe table) or
``"latex"`` (a ``tabular`` to paste into a slide; matrices use ``bmatrix`` from amsmath, which
beamer loads).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .layered import Network
from .scalar import Value
from .tensor import Tensor

__all__ = [
    "FORMATS",
    "GraphNode",
    "GraphTrace",
    "NetworkStep",
    "explain",
    "network_steps",
    "trace_graph",
]

FORMATS = ("text", "markdown", "latex")

_DASH = "—"
# Tensor operations that act entry by entry: d out_i / d in_i is the whole local derivative.
_ELEMENTWISE = frozenset(
    {
        "+",
        "-",
        "*",
        "/",
        "**",
        "neg",
        "exp",
        "log",
        "tanh",
        "sigmoid",
        "relu",
        "leaky_relu",
        "step",
        "abs",
    }
)
_INFIX = {"+": "+", "-": "-", "*": "*", "/": "/", "**": "**", "@": "@"}


# ============================================================================ number formatting
def format_number(v: Any, digits: int = 4) -> str:
    """A number with ``digits`` significant digits, integers without a decimal point ("-8")."""
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "0"
    if v == round(v) and abs(v) < 1e15:
        return str(int(v))
    s = f"{v:.{digits}g}"
    return "0" if float(s) == 0 else s


def format_array(a: Any, digits: int = 4, max_elements: int = 32) -> str:
    """A scalar as a number, a small array as nested brackets, a large one as a summary."""
    a = np.asarray(a)
    if a.ndim == 0:
        return format_number(a, digits)
    if a.size > max_elements:
        shape = "×".join(str(n) for n in a.shape)
        if a.size == 0:
            return f"<{shape} array>"
        lo, hi = format_number(a.min(), digits), format_number(a.max(), digits)
        return f"<{shape} array, min {lo}, max {hi}>"
    return _nested(a, lambda v: format_number(v, digits), "[", "]", ", ")


def _nested(a: np.ndarray, fmt: Callable[[Any], str], left: str, right: str, sep: str) -> str:
    if a.ndim == 1:
        return left + sep.join(fmt(v) for v in a) + right
    return left + sep.join(_nested(row, fmt, left, right, sep) for row in a) + right


def _latex_number(v: Any, digits: int) -> str:
    s = format_number(v, digits)
    if s in ("inf", "-inf", "nan"):
        return {"inf": r"\infty", "-inf": r"-\infty", "nan": r"\mathrm{NaN}"}[s]
    if "e" in s:
        mantissa, exponent = s.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return s


def _latex_array(a: Any, digits: int, max_elements: int) -> str:
    """Math-mode LaTeX for a value: a number, a transposed row for a vector, a bmatrix."""
    a = np.asarray(a)
    if a.ndim == 0 or a.size == 1 and a.ndim == 1:
        return _latex_number(a.reshape(()), digits)
    if a.size > max_elements:
        shape = r" \times ".join(str(n) for n in a.shape)
        lo, hi = _latex_number(a.min(), digits), _latex_number(a.max(), digits)
        return rf"\text{{{shape} array, min }} {lo} \text{{, max }} {hi}"
    if a.ndim == 1:
        return "(" + ",\\ ".join(_latex_number(v, digits) for v in a) + r")^\top"
    if a.ndim == 2:
        rows = [" & ".join(_latex_number(v, digits) for v in row) for row in a]
        return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"
    return _nested(a, lambda v: _latex_number(v, digits), "[", "]", ",\\ ")


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_escape(text: str) -> str:
    """Escape LaTeX's special characters in plain text (``my_var`` -> ``my\\_var``)."""
    return "".join(_LATEX_SPECIAL.get(c, c) for c in text)


def _latex_name(name: str) -> str:
    """A node name in math mode: single letters as they are, longer names upright."""
    if len(name) == 1 and name.isalpha():
        return name
    return r"\mathrm{" + latex_escape(name) + "}"


def _latex_partial(top: str, bottom: str) -> str:
    return rf"\frac{{\partial {_latex_name(top)}}}{{\partial {_latex_name(bottom)}}}"


# ============================================================================ table rendering
def _render_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], fmt: str, align: str = ""
) -> str:
    if fmt == "text":
        widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=True)]

        def line(cells: Sequence[str]) -> str:
            return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

        out = [line(headers), line(["-" * w for w in widths])]
        out += [line(r) for r in rows]
        return "\n".join(out)
    if fmt == "markdown":

        def cell(c: str) -> str:
            return str(c).replace("|", r"\|").replace("\n", " ")

        out = ["| " + " | ".join(cell(h) for h in headers) + " |"]
        out.append("|" + "|".join("---" for _ in headers) + "|")
        out += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
        return "\n".join(out)
    # latex: cells are already LaTeX
    spec = align or "l" * len(headers)
    out = [rf"\begin{{tabular}}{{{spec}}}", r"\hline", " & ".join(headers) + r" \\", r"\hline"]
    out += [" & ".join(r) + r" \\" for r in rows]
    out += [r"\hline", r"\end{tabular}"]
    return "\n".join(out)


def _check_format(format: str) -> str:
    if format not in FORMATS:
        raise ValueError(
            f"unknown format {format!r}; valid formats: {', '.join(map(repr, FORMATS))}"
        )
    return format


# ============================================================================ graph tracing
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
        name = _latex_name(node.name) if latex else node.name
        return f"{name} = {_expression(node.op, operands, latex)}"

    def _operand(self, kind: str, ref: Any, latex: bool) -> str:
        if kind == "node":
            name = self.nodes[ref].name
            return _latex_name(name) if latex else name
        text = str(ref)
        if latex:
            try:
                return _latex_number(float(text), 6)
            except ValueError:
                return latex_escape(text)
        return text


_LATEX_FUNCTIONS = {
    "exp": r"\exp",
    "log": r"\ln",
    "tanh": r"\tanh",
    "sigmoid": r"\sigma",
    "relu": r"\mathrm{ReLU}",
    "step": r"\mathrm{step}",
}


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
        fn = _LATEX_FUNCTIONS.get(op, r"\mathrm{" + latex_escape(op) + "}")
        return fn + r"\left(" + ", ".join(operands) + r"\right)"
    return f"{op}({', '.join(operands)})"


def _leaves_first(root: Any, parents: Callable[[Any], Sequence[Any]]) -> list[Any]:
    """Topological order (inputs before users, inputs in operand order), then leaves moved first.

    Iterative, so deep graphs do not hit the recursion limit.
    """
    order: list[Any] = []
    seen: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for p in reversed(parents(node)):
            if id(p) not in seen:
                stack.append((p, False))
    leaves = [n for n in order if not parents(n)]
    inner = [n for n in order if parents(n)]
    return leaves + inner


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
    order = _leaves_first(output, lambda n: n._parents)
    # Our own reverse sweep from the stored local derivatives: .grad is never written.
    grads: dict[int, float] = {id(n): 0.0 for n in order}
    grads[id(output)] = 1.0
    for node in reversed(order):  # leaves first, then inner nodes in topological order
        g = grads[id(node)]
        for parent, local in zip(node._parents, node._local, strict=True):
            grads[id(parent)] += local * g
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

    order = _leaves_first(output, parents)
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


# ============================================================================ graph tables
def _graph_table(trace: GraphTrace, fmt: str, digits: int, max_elements: int) -> str:
    out = trace.out
    # The name of the differentiated quantity: the output, or E = sum of its entries.
    E = "E" if trace.summed else out.name
    latex = fmt == "latex"

    def val(v: Any) -> str:
        if v is None:
            return "---" if latex else _DASH
        return (
            f"${_latex_array(v, digits, max_elements)}$"
            if latex
            else format_array(v, digits, max_elements)
        )

    def partial(top: str, bottom: str) -> str:
        return f"${_latex_partial(top, bottom)}$" if latex else f"d{top}/d{bottom}"

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
                        f"${_latex_partial(node.name, wrt)} = "
                        f"{_latex_array(d, digits, max_elements)}$"
                    )
                else:
                    local_parts.append(
                        f"{partial(node.name, wrt)} = {format_array(d, digits, max_elements)}"
                    )
            local = ", ".join(local_parts)
        else:
            local = "---" if latex else _DASH
        if node.is_leaf and node.grad is not None:
            if latex:
                gradient = (
                    f"${_latex_partial(E, node.name)} = "
                    f"{_latex_array(node.grad, digits, max_elements)}$"
                )
            else:
                gradient = f"{partial(E, node.name)} = {val(node.grad)}"
        else:
            gradient = "---" if latex else _DASH
        name = f"${_latex_name(node.name)}$" if latex else node.name
        rows.append([name, operation, val(node.value), local, val(node.grad), gradient])
    if latex:
        headers = [
            r"Node $v$",
            "Operation",
            "Value",
            "Local derivatives",
            rf"$\frac{{\partial {_latex_name(E)}}}{{\partial v}}$",
            "Gradient",
        ]
        return _render_table(headers, rows, fmt, align="llrlrl")
    headers = ["node", "operation", "value", "local derivatives", f"d{E}/d(node)", "gradient"]
    table = _render_table(headers, rows, fmt)
    count = f"{len(trace.nodes)} node" + ("s" if len(trace.nodes) > 1 else "")
    title = (
        f"Backpropagation through {out.name} = {format_array(out.value, digits, max_elements)} "
        f"({trace.engine} graph, {count}, leaves first)"
    )
    if trace.summed:
        title += f"; E = sum of the entries of {out.name}, so dE/d{out.name} = 1 everywhere"
    parts = [title, "", table]
    chain = _chain_rule_lines(trace, digits)
    if chain:
        bullet = "- " if fmt == "markdown" else "  "
        parts += [
            "",
            "Chain rule, from the output down (a node used by several nodes sums "
            "their contributions):",
        ]
        if fmt == "markdown":
            parts.append("")
        parts += [bullet + line for line in chain]
    return "\n".join(parts)


def _factor(v: Any, digits: int) -> str:
    s = format_number(v, digits)
    return f"({s})" if s.startswith("-") else s


def _chain_rule_lines(trace: GraphTrace, digits: int) -> list[str]:
    """The lecture's ``df/dx = df/dd · dd/dx = 4 · 1 = 4``, for graphs of single numbers."""
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


# ============================================================================ networks
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
    batch means that ``Network.backprop`` returns.
    """
    X, Y = _network_xy(network, x, y)
    grad_W, grad_b, rec = network.backprop(X, Y, return_intermediates=True)
    m = len(rec.a[0])
    L = len(network.weights)
    batch = m > 1
    steps: list[NetworkStep] = []

    def rows(a: np.ndarray) -> np.ndarray:
        return a if batch else a[0]

    x_note = " (one row per example)" if batch else ""
    steps.append(
        NetworkStep(0, "a^0", "a^{0}", "input", f"a^0 = x{x_note}", "a^{0} = x", rows(rec.a[0]))
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
                rows(rec.z[l]),
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
                rows(rec.a[l]),
            )
        )
    Yt = network._targets(Y, m)
    steps.append(NetworkStep(L, "y", "y", "target", "y (target)", "y", rows(Yt)))
    cost = np.asarray(network.cost(X, Y))
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
    steps.append(NetworkStep(L, "C", "C", "cost", c_text, c_latex, cost))
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
                NetworkStep(
                    l, f"delta^{l}", rf"\delta^{{{l}}}", "BP1", text, tex, rows(rec.delta[l])
                )
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
                    rows(rec.delta[l]),
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
                grad_b[l - 1],
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
                grad_W[l - 1],
            )
        )
    return steps


def _network_table(
    network: Network, x: Any, y: Any, fmt: str, digits: int, max_elements: int
) -> str:
    steps = network_steps(network, x, y)
    latex = fmt == "latex"
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
                    f"${_latex_array(s.value, digits, max_elements)}$",
                ]
            )
        else:
            formula = f"{tag}: {s.formula}" if tag else s.formula
            rows.append(
                [str(s.layer), s.quantity, formula, format_array(s.value, digits, max_elements)]
            )
    if latex:
        return _render_table(["$l$", "Quantity", "Equation", "Value"], rows, fmt, align="clll")
    m = len(np.atleast_2d(np.asarray(x)))
    what = "one example" if m == 1 else f"a batch of {m} examples (rows), gradients averaged"
    title = (
        f"Backpropagation in Network({network.sizes}), sigma = {network.activation}, "
        f"{network.cost_name} cost, {what}: forward pass, then BP1-BP4 from layer "
        f"{len(network.weights)} down"
    )
    return "\n".join(
        [title, "", _render_table(["layer", "quantity", "equation", "value"], rows, fmt)]
    )


# ============================================================================ entry point
def explain(
    obj: Value | Tensor | Network,
    x: Any = None,
    y: Any = None,
    *,
    format: str = "text",
    digits: int = 4,
    max_elements: int = 32,
) -> str:
    """A table of the forward and backward pass (see the module docstring).

    ``explain(output)`` for a ``Value`` or ``Tensor`` result: one row per graph node.
    ``explain(network, x, y)`` for a ``layered.Network``: the BP1-BP4 quantities per layer.
    ``format`` is "text", "markdown" or "latex"; numbers keep ``digits`` significant digits;
    arrays with more than ``max_elements`` entries are summarised by shape, min and max.
    ``.grad`` of the graph's nodes and the network's weights are left unchanged.
    """
    fmt = _check_format(format)
    if isinstance(obj, Network):
        if x is None or y is None:
            raise TypeError("explain(network, x, y): give an example x and its target y")
        return _network_table(obj, x, y, fmt, digits, max_elements)
    if isinstance(obj, (Value, Tensor)):
        if x is not None or y is not None:
            raise TypeError("explain(output) takes no x, y (those are for a layered.Network)")
        return _graph_table(trace_graph(obj), fmt, digits, max_elements)
    raise TypeError(
        f"explain() accepts a backprop Value or Tensor (a computation's output) or a "
        f"layered.Network with an example x, y; got {type(obj).__name__}"
    )
