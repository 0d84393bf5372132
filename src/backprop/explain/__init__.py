"""``explain``: the forward and backward pass of a graph or a network, as a table for a slide.

For the lecture's example (seed 002)

    >>> from backprop.scalar import Value
    >>> x, y, z = Value(1, "x"), Value(-3, "y"), Value(4, "z")
    >>> d = x + y; d.label = "d"
    >>> f = d * z; f.label = "f"
    >>> print(explain(f))  # doctest: +NORMALIZE_WHITESPACE
    Backpropagation through f = -8 (Value graph, 5 nodes, leaves first)
    <BLANKLINE>
    node  operation  value  local derivatives              df/d(node)  gradient
    ----  ---------  -----  -----------------------------  ----------  ----------
    x     (leaf)     1      —                              4           df/dx = 4
    y     (leaf)     -3     —                              4           df/dy = 4
    z     (leaf)     4      —                              -2          df/dz = -2
    d     d = x + y  -2     ∂d/∂x = 1, ∂d/∂y = 1           4           —
    f     f = d * z  -8     ∂f/∂d = z = 4, ∂f/∂z = d = -2  1           —
    <BLANKLINE>
    Chain rule, from the output down (a node used several times sums one term per path):
      df/dd = ∂f/∂d = 4
      df/dz = ∂f/∂z = -2
      df/dy = df/dd · ∂d/∂y = 4 · 1 = 4
      df/dx = df/dd · ∂d/∂x = 4 · 1 = 4

The last lines write out the chain rule for every node, as on the lecture's slides. Two symbols
keep two kinds of derivative apart: ∂f/∂d is a *local* partial derivative (how one node changes
with one of its operands, the others held fixed: ∂f/∂d = z = 4, written with the lecture's
formula and its value), df/dx the *total* derivative that backpropagation computes, summed over
every path from x to f. For f = x * x + x at x = 3 the local ∂f/∂x is 1, the total is
df/dx = 1 · 3 + 1 · 3 + 1 = 3 + 3 + 1 = 7 (one term per use of x; the two uses in x * x are told
apart as "left" and "right").

Every row is one node of the graph, in topological order with the leaves first:

* **node** -- the node's ``label``; unlabeled nodes get automatic names ``n1, n2, ...`` (the
  output, if unlabeled, is called ``f`` as in the lecture). A label used by several nodes (every
  ``nn.Linear`` labels its weight ``W``) is made unique as ``W#2``, ``W#3``, ...
* **operation** -- how the node was computed from its inputs (``d = x + y``). Constants folded into
  a ``Value`` node (the 2 in ``2 * x``) and one-element constant tensors are shown inline.
* **value** -- the forward value.
* **local derivatives** -- ∂node/∂input for each input, the numbers the backward pass
  multiplies by, with their formula in the operands' names where there is one
  (:func:`~backprop.explain.trace.local_derivative`: ``∂f/∂z = d``, ``∂a/∂z = sigma'(z)``).
  For a ``Value`` they are the node's stored ``_local``. For a ``Tensor`` they are
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
sweep that returns every node's gradient), for a ``Value`` it runs the library's one reverse sweep
(``graph.reverse_sweep``) adding the stored local derivatives ``_local`` into a dictionary.
Calling it before or after ``backward()`` changes nothing.

``explain(network, x, y)`` for a :class:`backprop.layered.Network` lists the four equations'
quantities for one example (or a tiny batch): z, a per layer, then delta (BP1 for the last
layer, BP2 for the others), dC/db (BP3) and dC/dw (BP4), straight from the network's step record
(``Network.record``). Each equation names its layer's activation (the hidden one, the output one
or the softmax) and BP1 takes the form of the network's cost.

``format`` is ``"text"`` (aligned columns for a terminal), ``"markdown"`` (a pipe table) or
``"latex"``: a plain-ASCII fragment for an article page (or a slide) that needs two packages
of every LaTeX installation, ``\\usepackage{amsmath,longtable}``: amsmath (which beamer loads)
gives ``bmatrix``, ``align*`` and ``\\text``, longtable a table that breaks across pages with
its header repeated. It holds the title as a sentence, the ``longtable`` and, for a graph, the
chain-rule lines in an ``align*``; its first line is a comment naming the preamble. To fit an
article page its tables leave out what the equations already say (a graph's gradient column,
which repeats dE/dv for the leaves; a network's layer and quantity columns), break long cells
over lines, summarise arrays wider than 3 columns or taller than 8 rows, and break across pages.
:func:`~backprop.explain.format.latex_document` wraps it into a complete document (the command
line's ``--standalone``).

The package, one job per module: :mod:`~backprop.explain.format` writes numbers and arrays (text
and LaTeX), :mod:`~backprop.explain.trace` traces a graph and writes its table and chain rule,
:mod:`~backprop.explain.network` walks a network through BP1-BP4, and
:mod:`~backprop.explain.tables` renders every table (the demos' too).
"""

from __future__ import annotations

from typing import Any

from ..layered import Network
from ..scalar import Value
from ..tensor import Tensor
from .format import format_array, format_number, latex_escape
from .network import NetworkStep, network_steps, network_table
from .tables import FORMATS, check_format, render_table
from .trace import GraphNode, GraphTrace, graph_table, trace_graph

__all__ = [
    "FORMATS",
    "GraphNode",
    "GraphTrace",
    "NetworkStep",
    "explain",
    "format_array",
    "format_number",
    "latex_escape",
    "network_steps",
    "render_table",
    "trace_graph",
]


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
    check_format(format)
    if isinstance(obj, Network):
        if x is None or y is None:
            raise TypeError("explain(network, x, y): give an example x and its target y")
        return network_table(obj, x, y, format, digits, max_elements)
    if isinstance(obj, (Value, Tensor)):
        if x is not None or y is not None:
            raise TypeError("explain(output) takes no x, y (those are for a layered.Network)")
        return graph_table(trace_graph(obj), format, digits, max_elements)
    raise TypeError(
        f"explain() accepts a backprop Value or Tensor (a computation's output) or a "
        f"layered.Network with an example x, y; got {type(obj).__name__}"
    )
