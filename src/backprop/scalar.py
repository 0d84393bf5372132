"""Scalar reverse-mode automatic differentiation: one graph node per Python float.

A ``Value`` is one node of a computational graph. Every operation computes its result *and* the
local derivatives of that result with respect to its inputs, side by side, in one function: the
node keeps them in ``_local``, aligned with its inputs in ``_parents``. The lecture's example

    f(x, y, z) = (x + y) * z,   x = 1, y = -3, z = 4

builds two nodes. ``d = x + y`` stores ``_local = (dd/dx, dd/dy) = (1, 1)`` and ``f = d * z``
stores ``_local = (df/dd, df/dz) = (z, d) = (4, -2)``. ``f.backward()`` then only applies the
chain rule, visiting each node after every node that uses it:

    df/dd = 1 * z = 4,   df/dz = 1 * d = -2,   df/dx = df/dd * dd/dx = 4 * 1 = 4,   df/dy = 4.

A node used by several later nodes z_1, ..., z_K (fan-out) receives the sum over all paths,

    dE/dz_5 = sum_k dE/dz_k * dz_k/dz_5,

because each consumer adds its share, ``parent.grad += local * node.grad``.

Gradient bookkeeping follows PyTorch. ``backward()`` seeds the output with dE/dE = 1 and resets
the ``.grad`` of every intermediate node (one with parents) of the graph to 0 before the sweep, so
after a sweep an intermediate node holds exactly dE/dnode of that sweep. Leaves (nodes made with
``Value(...)``) accumulate: calling ``backward()`` twice leaves twice the gradient on them, just as
``tensor.grad`` accumulates in PyTorch. Clear them with ``zero_grad()`` (or ``p.grad = 0.0``).

Arithmetic follows IEEE 754 like a float64 tensor, never raising: ``exp`` overflows to ``inf``,
``log(0)`` is ``-inf``, ``log`` of a negative number and ``(-8) ** (1/3)`` are ``nan``, ``x / 0``
is a signed ``inf`` (``0 / 0`` is ``nan``). Derivatives at the edges of a domain are PyTorch's.

Equality is identity (``a == b`` is ``a is b``), so Values can be kept in sets and dicts; compare
numbers through ``.data``.
"""

from __future__ import annotations

import math
from numbers import Real
from operator import attrgetter
from typing import final

from .activations import activation as _activation
from .graph import reverse_sweep
from .graph import topological_order as _graph_order

__all__ = ["Value", "topological_order"]

_ONE = (1.0,)
_ONE_ONE = (1.0, 1.0)
_ONE_MINUS_ONE = (1.0, -1.0)
_MINUS_ONE = (-1.0,)
_TANH = _activation("tanh").scalar
_SIGMOID = _activation("sigmoid").scalar
_RELU = _activation("relu").scalar
_STEP = _activation("step").scalar


@final
class Value:
    """A scalar node of a computational graph, with its value ``data`` and gradient ``grad``.

    Attributes:
        data: the number computed in the forward pass.
        grad: dE/d(this node) for the output E of the latest ``backward()`` (leaves: summed over
            all ``backward()`` calls since the last reset); 0.0 until then.
        op: the operation that made the node, such as ``"+"`` or ``"tanh"``; ``""`` for a leaf.
        label: an optional name for printing, such as ``"x"``.
        _parents: the input nodes of ``op`` (a constant operand such as the 2 in ``2 * x`` is
            folded into the node and is not a parent).
        _local: the local derivatives d(this node)/d(parent), aligned with ``_parents`` and
            evaluated in the forward pass.
    """

    __slots__ = ("data", "grad", "op", "label", "_parents", "_local")

    data: float
    grad: float
    op: str
    label: str | None
    _parents: tuple[Value, ...]
    _local: tuple[float, ...]

    def __init__(self, data: float, label: str | None = None) -> None:
        """A leaf: an input x_k, a weight w or a bias b that gradients flow into."""
        if type(data) is not float:
            if isinstance(data, Real):
                data = float(data)
            else:
                raise TypeError(f"Value(data) needs a real number, got {type(data).__name__!r}")
        self.data = data
        self.grad = 0.0
        self.op = ""
        self.label = label
        self._parents = ()
        self._local = ()

    def __repr__(self) -> str:
        return (
            f"Value(data={self.data!r}, grad={self.grad!r}, op={self.op!r}, label={self.label!r})"
        )

    # Binary operations. `type(other) is Value` comes first: it is the common case and the cheapest
    # test. A number operand becomes a constant folded into a one-parent node.

    def __add__(self, other: Value | float) -> Value:
        """d = x + y,  dd/dx = 1,  dd/dy = 1."""
        if type(other) is Value:
            return _node(self.data + other.data, (self, other), _ONE_ONE, "+")
        return _node(self.data + _constant(other, "+", True), (self,), _ONE, "+")

    def __radd__(self, other: float) -> Value:
        """d = c + x,  dd/dx = 1."""
        return _node(_constant(other, "+", False) + self.data, (self,), _ONE, "+")

    def __sub__(self, other: Value | float) -> Value:
        """d = x - y,  dd/dx = 1,  dd/dy = -1."""
        if type(other) is Value:
            return _node(self.data - other.data, (self, other), _ONE_MINUS_ONE, "-")
        return _node(self.data - _constant(other, "-", True), (self,), _ONE, "-")

    def __rsub__(self, other: float) -> Value:
        """d = c - x,  dd/dx = -1."""
        return _node(_constant(other, "-", False) - self.data, (self,), _MINUS_ONE, "-")

    def __mul__(self, other: Value | float) -> Value:
        """f = d * z,  df/dd = z,  df/dz = d."""
        if type(other) is Value:
            a = self.data
            b = other.data
            return _node(a * b, (self, other), (b, a), "*")
        c = _constant(other, "*", True)
        return _node(self.data * c, (self,), (c,), "*")

    def __rmul__(self, other: float) -> Value:
        """f = c * x,  df/dx = c."""
        c = _constant(other, "*", False)
        return _node(c * self.data, (self,), (c,), "*")

    def __truediv__(self, other: Value | float) -> Value:
        """q = a / b,  dq/da = 1/b,  dq/db = -a/b^2 = -q/b."""
        a = self.data
        if type(other) is Value:
            b = other.data
            q = _div(a, b)
            return _node(q, (self, other), (_div(1.0, b), -_div(q, b)), "/")
        c = _constant(other, "/", True)
        return _node(_div(a, c), (self,), (_div(1.0, c),), "/")

    def __rtruediv__(self, other: float) -> Value:
        """q = c / a,  dq/da = -c/a^2 = -q/a."""
        a = self.data
        q = _div(_constant(other, "/", False), a)
        return _node(q, (self,), (-_div(q, a),), "/")

    def __pow__(self, other: Value | float) -> Value:
        """p = a^b,  dp/da = b * a^(b-1),  dp/db = a^b * ln a.

        For a < 0, ln a and so dp/db are nan; for a = 0 and b >= 0, dp/db is 0 (a^b is constant 0
        or 1 there), and dp/da is 0 for b = 0 -- PyTorch's conventions.
        """
        a = self.data
        if type(other) is Value:
            b = other.data
            p = _pow(a, b)
            return _node(p, (self, other), (_dpow_base(a, b), _dpow_exponent(a, b, p)), "**")
        b = _constant(other, "**", True)
        return _node(_pow(a, b), (self,), (_dpow_base(a, b),), "**")

    def __rpow__(self, other: float) -> Value:
        """p = c^b,  dp/db = c^b * ln c (nan for c < 0, 0 for c = 0 and b >= 0)."""
        b = self.data
        c = _constant(other, "**", False)
        p = _pow(c, b)
        return _node(p, (self,), (_dpow_exponent(c, b, p),), "**")

    def __neg__(self) -> Value:
        """n = -a,  dn/da = -1."""
        return _node(-self.data, (self,), _MINUS_ONE, "neg")

    # Functions of one input.

    def exp(self) -> Value:
        """e = exp(a),  de/da = exp(a) = e; exp(a) beyond the float range is inf."""
        try:
            e = math.exp(self.data)
        except OverflowError:
            e = math.inf
        return _node(e, (self,), (e,), "exp")

    def log(self) -> Value:
        """l = ln a,  dl/da = 1/a; ln 0 = -inf and ln a = nan for a < 0 (dl/da stays 1/a)."""
        a = self.data
        return _node(_log(a), (self,), (_div(1.0, a),), "log")

    # The activations: every one is a row of the table in ``backprop.activations``, whose
    # ``scalar`` form returns (g(z), g'(z)) for one float.

    def activation(self, name: str, **params: float) -> Value:
        """a = g(z) for any row of the activation table (e.g. "softplus", "elu",
        "leaky_relu" with ``negative_slope=0.2``); da/dz = g'(z) as the table computes it."""
        row = _activation(name)
        a, da = row.scalar(self.data, **row.check_parameters(**params))
        return _node(a, (self,), (da,), row.name)

    def tanh(self) -> Value:
        """t = tanh(a),  dt/da = 1 - t^2."""
        t, dt = _TANH(self.data)
        return _node(t, (self,), (dt,), "tanh")

    def sigmoid(self) -> Value:
        """s = sigma(a) = 1 / (1 + exp(-a)),  ds/da = s * (1 - s)  (seed 001).

        exp is only ever taken of -|a|, so it cannot overflow: for a < 0 the equal form
        exp(a) / (1 + exp(a)) is used.
        """
        s, ds = _SIGMOID(self.data)
        return _node(s, (self,), (ds,), "sigmoid")

    def relu(self) -> Value:
        """r = max(0, a),  dr/da = [a > 0] (0 at a = 0, as in PyTorch; nan stays nan)."""
        r, dr = _RELU(self.data)
        return _node(r, (self,), (dr,), "relu")

    def step(self) -> Value:
        """The threshold unit g(a) = [a > 0] (Heaviside step): 1.0 if a > 0 else 0.0.

        dg/da = 0 for every a != 0 and is undefined at a = 0, where we use 0 as well. So no
        gradient ever flows through a threshold unit and gradient descent cannot train the weights
        in front of it -- "can't be used for gradient-based optimization", which is why the
        lectures move on to the sigmoid g(a) = 1 / (1 + exp(-a)), a smooth version of the step.
        """
        g, dg = _STEP(self.data)
        return _node(g, (self,), (dg,), "step")

    # The backward pass.

    def backward(self) -> None:
        """Apply the chain rule from this output E back to every node of its graph.

        Sets dE/dE = 1 and the grads of all other nodes to 0, then runs ``graph.reverse_sweep``
        (each node after all of its consumers), in which every node adds dE/dnode * dnode/dparent
        to each parent's grad, so that a parent used k times receives the sum over its k uses.
        Finally the grads that the leaves held before the call are added back: leaves accumulate
        across calls (two calls leave exactly twice the gradient), intermediate nodes do not.
        """
        order = topological_order(self)
        carried = []
        for node in order:
            if node.grad:
                if not node._parents:
                    carried.append((node, node.grad))
                node.grad = 0.0
        self.grad = 1.0
        reverse_sweep(order, _propagate)
        for leaf, previous in carried:
            leaf.grad += previous

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on every node of this node's graph, leaves included."""
        for node in topological_order(self):
            node.grad = 0.0


def topological_order(root: Value) -> list[Value]:
    """Every node that ``root`` depends on, ``root`` last, each node after all of its parents.

    ``graph.topological_order`` over ``_parents``: iterative, so graphs of any depth work.
    """
    return _graph_order(root, _parents)


_parents = attrgetter("_parents")


def _propagate(node: Value) -> None:
    """Add this node's share dE/dnode * dnode/dparent to each parent's grad (the sweep's step).

    Every operation has one or two inputs; unpacking them is twice as fast as zip().
    """
    parents = node._parents
    if parents:
        g = node.grad
        if len(parents) == 2:
            a, b = parents
            local_a, local_b = node._local
            a.grad += local_a * g
            b.grad += local_b * g
        else:
            (a,) = parents
            (local_a,) = node._local
            a.grad += local_a * g


_new = object.__new__


def _node(data: float, parents: tuple[Value, ...], local: tuple[float, ...], op: str) -> Value:
    """An operation's output node (bypasses ``__init__``, whose checks it does not need)."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.op = op
    out.label = None
    out._parents = parents
    out._local = local
    return out


def _constant(other: object, symbol: str, value_first: bool) -> float:
    """A plain-number operand as a float, or a TypeError naming the operand's type."""
    kind = type(other)
    if kind is float:
        return other
    if kind is int or isinstance(other, Real):
        return float(other)
    name = kind.__name__
    pair = f"'Value' and '{name}'" if value_first else f"'{name}' and 'Value'"
    raise TypeError(
        f"unsupported operand type(s) for {symbol}: {pair} "
        "(a Value combines only with a Value or a real number)"
    )


def _div(a: float, b: float) -> float:
    """a / b in IEEE 754: a signed inf for b = 0 (0/0 and nan/0 give nan), never an exception."""
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0.0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _log(a: float) -> float:
    """ln a in IEEE 754: -inf at 0, nan below 0."""
    if a > 0.0:
        return math.log(a)
    if a == 0.0:
        return -math.inf
    return math.nan


def _pow(a: float, b: float) -> float:
    """a^b as C's pow() gives it: inf on overflow and for 0^(b<0), nan for a<0 with b fractional."""
    try:
        return math.pow(a, b)
    except OverflowError:
        return -math.inf if a < 0.0 and b % 2.0 == 1.0 else math.inf
    except ValueError:
        if a == 0.0:
            return -math.inf if math.copysign(1.0, a) < 0.0 and b % 2.0 == 1.0 else math.inf
        return math.nan


def _dpow_base(a: float, b: float) -> float:
    """d(a^b)/da = b * a^(b-1), taken as 0 for b = 0 (where a^0 = 1 is constant)."""
    if b == 0.0:
        return 0.0
    return b * _pow(a, b - 1.0)


def _dpow_exponent(a: float, b: float, p: float) -> float:
    """d(a^b)/db = a^b * ln a, taken as 0 for a = 0 and b >= 0 (where 0^b is constant)."""
    if a == 0.0 and b >= 0.0:
        return 0.0
    return p * _log(a)
