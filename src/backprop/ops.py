"""Differentiable operations on Tensors: each forward next to its vector-Jacobian product.

For an operation Y = f(X1, X2, ...) the VJP maps the upstream gradient G = dE/dY to
dE/dXi = G . dY/dXi. Written out per operation (g is G, out is Y):

    add       Y = A + B         dE/dA = G                 dE/dB = G
    mul       Y = A * B         dE/dA = G * B             dE/dB = G * A
    matmul    Y = A @ B         dE/dA = G @ B^T           dE/dB = A^T @ G
    sigmoid   Y = 1/(1+e^-X)    dE/dX = G * Y (1 - Y)
    ...

Broadcasting is the lectures' "layers with shared parameters": a bias b of shape (M,) added to a
batch of shape (5, M) is copied to every row, so its gradient is the *sum over the batch* of the
rows of G (``unbroadcast``). That is the seed's rule that dE/dW "needs to be summed over all
elements of the batch".
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any

from . import activations as _table
from .backend import matmul_into_layout, xp
from .tensor import Tensor, _to_array, make_node

Axis = int | tuple[int, ...] | None
Operand = Tensor | float | int | Any


# ---------------------------------------------------------------------- helpers
def _const(x: Any, like: Tensor, op: str) -> Tensor:
    """A constant operand: Python numbers take the dtype of the tensor they meet."""
    if isinstance(x, (bool, int, float)) and like.data.dtype.kind == "f":
        return Tensor(xp.asarray(x, dtype=like.data.dtype))
    try:
        return Tensor(x if isinstance(x, xp.ndarray) else _to_array(x, None))
    except TypeError:
        raise TypeError(
            f"{op}: unsupported operand of type {type(x).__name__}; expected a Tensor, "
            f"a number or an array"
        ) from None


def _pair(a: Operand, b: Operand, op: str) -> tuple[Tensor, Tensor]:
    if not isinstance(a, Tensor):
        a = _const(a, b, op)
    elif not isinstance(b, Tensor):
        b = _const(b, a, op)
    return a, b


def _broadcast_error(op: str, a: Tensor, b: Tensor) -> ValueError:
    return ValueError(f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together")


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` over the axes that broadcasting added or stretched, back to ``shape``.

    A parameter shared by every example of a batch receives the sum of the per-example gradients.
    """
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return g


def _normalize_axes(axis: Axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(a % ndim if ndim else a for a in axes)


def _check_axes(op: str, axes: Any, shape: tuple[int, ...], permutation: bool = False) -> None:
    """Raise ValueError naming ``op`` unless ``axes`` (an int, a tuple or None) are distinct axes
    of ``shape``, negative ones counting from the end (all of them, once each, if
    ``permutation``)."""
    if axes is None:
        return
    ndim = len(shape)
    parts = (axes,) if isinstance(axes, int | xp.integer) else tuple(axes)
    valid = all(
        isinstance(a, int | xp.integer) and not isinstance(a, bool) and -ndim <= a < ndim
        for a in parts
    )
    distinct = valid and len({int(a) % ndim for a in parts}) == len(parts)
    if not (distinct and (not permutation or len(parts) == ndim)):
        need = f"a permutation of 0..{ndim - 1}" if permutation else "distinct axes"
        raise ValueError(
            f"{op}: axis {axes!r} is not valid for a tensor of shape {shape} ({ndim} axes; "
            f"expected {need}, negative ones counting from the end)"
        )


def _expand(g: Any, shape: tuple[int, ...], axis: Axis, keepdims: bool) -> Any:
    """Undo a reduction's shape change so ``g`` broadcasts against the reduced input."""
    if axis is not None and not keepdims:
        g = xp.expand_dims(g, _normalize_axes(axis, len(shape)))
    return xp.broadcast_to(g, shape)


# ---------------------------------------------------------------------- elementwise arithmetic
def add(a: Operand, b: Operand) -> Tensor:
    """Y = A + B;  dE/dA = G, dE/dB = G (each summed over its broadcast axes)."""
    a, b = _pair(a, b, "add")
    try:
        out = a.data + b.data
    except ValueError:
        raise _broadcast_error("add", a, b) from None

    def vjp(g: Any) -> tuple[Any, Any]:
        return (
            unbroadcast(g, a.shape) if a.requires_grad else None,
            unbroadcast(g, b.shape) if b.requires_grad else None,
        )

    return make_node(out, (a, b), vjp, "+")


def sub(a: Operand, b: Operand) -> Tensor:
    """Y = A - B;  dE/dA = G, dE/dB = -G."""
    a, b = _pair(a, b, "sub")
    try:
        out = a.data - b.data
    except ValueError:
        raise _broadcast_error("sub", a, b) from None

    def vjp(g: Any) -> tuple[Any, Any]:
        return (
            unbroadcast(g, a.shape) if a.requires_grad else None,
            unbroadcast(-g, b.shape) if b.requires_grad else None,
        )

    return make_node(out, (a, b), vjp, "-")


def mul(a: Operand, b: Operand) -> Tensor:
    """Y = A * B (elementwise);  dE/dA = G * B, dE/dB = G * A."""
    a, b = _pair(a, b, "mul")
    try:
        out = a.data * b.data
    except ValueError:
        raise _broadcast_error("mul", a, b) from None

    def vjp(g: Any) -> tuple[Any, Any]:
        return (
            unbroadcast(g * b.data, a.shape) if a.requires_grad else None,
            unbroadcast(g * a.data, b.shape) if b.requires_grad else None,
        )

    return make_node(out, (a, b), vjp, "*")


def div(a: Operand, b: Operand) -> Tensor:
    """Y = A / B;  dE/dA = G / B, dE/dB = -G * Y / B."""
    a, b = _pair(a, b, "div")
    try:
        with xp.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = a.data / b.data
    except ValueError:
        raise _broadcast_error("div", a, b) from None

    def vjp(g: Any) -> tuple[Any, Any]:
        with xp.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return (
                unbroadcast(g / b.data, a.shape) if a.requires_grad else None,
                unbroadcast(-g * out / b.data, b.shape) if b.requires_grad else None,
            )

    return make_node(out, (a, b), vjp, "/")


def neg(a: Tensor) -> Tensor:
    """Y = -A;  dE/dA = -G."""
    return make_node(-a.data, (a,), lambda g: (-g,), "neg")


def pow(a: Operand, b: Operand) -> Tensor:
    """Y = A ** B;  dE/dA = G * B * A^(B-1) (0 where B = 0),
    dE/dB = G * Y * ln A (0 where A = 0 and B >= 0)."""
    a, b = _pair(a, b, "pow")
    try:
        with xp.errstate(over="ignore", divide="ignore", invalid="ignore"):
            out = a.data**b.data
    except ValueError:
        raise _broadcast_error("pow", a, b) from None

    def vjp(g: Any) -> tuple[Any, Any]:
        ga = gb = None
        with xp.errstate(over="ignore", divide="ignore", invalid="ignore"):
            if a.requires_grad:
                local = b.data * a.data ** (b.data - 1)
                local = xp.where(b.data == 0, 0, local)  # A^0 = 1 is constant, also at A = 0
                ga = unbroadcast(g * local, a.shape)
            if b.requires_grad:
                local = out * xp.log(a.data)
                local = xp.where((a.data == 0) & (b.data >= 0), 0, local)
                gb = unbroadcast(g * local, b.shape)
        return ga, gb

    return make_node(out, (a, b), vjp, "**")


def matmul(a: Operand, b: Operand) -> Tensor:
    """Y = A @ B (matrix, vector or batched);  dE/dA = G @ B^T,  dE/dB = A^T @ G.

    With A a batch (5, K) and W of shape (K, M), dE/dW = A^T G sums the 5 examples' outer
    products: the shared weights receive the batch sum.
    """
    a, b = _pair(a, b, "matmul")
    try:
        out = a.data @ b.data
    except ValueError:
        raise ValueError(
            f"matmul: shapes {a.shape} and {b.shape} are incompatible: "
            f"(..., n, k) @ (..., k, m) needs the same k"
        ) from None
    if a.ndim == 2 and b.ndim == 2:

        def vjp(g: Any) -> tuple[Any, Any]:
            return (
                g @ b.data.T if a.requires_grad else None,
                a.data.T @ g if b.requires_grad else None,
            )

    else:

        def vjp(g: Any) -> tuple[Any, Any]:
            A = a.data[None, :] if a.ndim == 1 else a.data
            B = b.data[:, None] if b.ndim == 1 else b.data
            if b.ndim == 1:  # first, so that a 0-d G of vector @ vector becomes (1, 1)
                g = xp.expand_dims(g, -1)
            if a.ndim == 1:
                g = xp.expand_dims(g, -2)
            ga = gb = None
            if a.requires_grad:
                ga = unbroadcast(g @ xp.swapaxes(B, -1, -2), A.shape).reshape(a.shape)
            if b.requires_grad:
                gb = unbroadcast(xp.swapaxes(A, -1, -2) @ g, B.shape).reshape(b.shape)
            return ga, gb

    return make_node(out, (a, b), vjp, "@")


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """A fully connected layer over a batch, one example per row: Z = X W^T + b.

    Row x of X gives z = W x + b, the lectures' z^l = W^l a^{l-1} + b^l. W (M, K) and b (M,) are
    shared by all B rows of X (B, K), so their gradients are batch sums:
    dE/dX = G W,   dE/dW = G^T X  (BP4, summed over the batch),   dE/db = sum_rows G  (BP3).
    """
    X, W = x.data, weight.data
    if X.shape[-1] != W.shape[-1]:
        raise ValueError(
            f"linear: input of shape {X.shape} has {X.shape[-1]} features but the weight of "
            f"shape {W.shape} expects {W.shape[-1]}"
        )
    out = X @ W.T
    if bias is not None:
        out += bias.data
    parents = (x, weight) if bias is None else (x, weight, bias)

    def vjp(g: Any) -> tuple[Any, ...]:
        # Rows of any leading shape are examples: flatten them to (B, M) and (B, K).
        g2 = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])
        X2 = X if X.ndim == 2 else X.reshape(-1, X.shape[-1])
        grads = (
            g @ W if x.requires_grad else None,
            matmul_into_layout(g2.T, X2, W) if weight.requires_grad else None,
        )
        if bias is None:
            return grads
        return (*grads, xp.add.reduce(g2, axis=0) if bias.requires_grad else None)

    return make_node(out, parents, vjp, "linear")


# ---------------------------------------------------------------------- elementwise functions
def exp(x: Tensor) -> Tensor:
    """Y = e^X;  dE/dX = G * Y."""
    with xp.errstate(over="ignore"):
        out = xp.exp(x.data)
    return make_node(out, (x,), lambda g: (g * out,), "exp")


def log(x: Tensor) -> Tensor:
    """Y = ln X;  dE/dX = G / X.  ln 0 = -inf and ln of a negative number is nan, silently."""
    with xp.errstate(divide="ignore", invalid="ignore"):
        out = xp.log(x.data)

    def vjp(g: Any) -> tuple[Any]:
        with xp.errstate(divide="ignore", invalid="ignore"):
            return (g / x.data,)

    return make_node(out, (x,), vjp, "log")


# The activations: one generic operation built from the table in ``backprop.activations``.
def activation(x: Tensor, name: str, **params: float) -> Tensor:
    """Y = g(X) for any row of the activation table, elementwise; dE/dX = G * g'(X), with g'
    computed from the output Y as the table writes it (Y (1 - Y) for the sigmoid, seed 001).

    ``params`` are the row's parameters, e.g. ``activation(x, "leaky_relu", negative_slope=0.2)``.
    Forward and VJP run the row's in-place kernels ``apply_`` (on a copy of X) and
    ``mul_derivative_`` (on a copy of G), the ones the textbook network uses for BP2.
    """
    row = _table.activation(name)
    params = row.check_parameters(**params)
    out = xp.array(x.data)  # a copy (an array also for 0-d data), then g applied in place
    row.apply_(out, **params)

    def vjp(g: Any) -> tuple[Any]:
        if g.dtype == out.dtype and g.shape == out.shape:
            local = xp.array(g)  # a copy, and an array even when G is a NumPy scalar
            row.mul_derivative_(local, out, **params)
            return (local,)
        return (g * row.derivative(out, **params),)  # float64 G or a broadcast: NumPy promotes

    return make_node(out, (x,), vjp, row.name)


def tanh(x: Tensor) -> Tensor:
    """Y = tanh X;  dE/dX = G * (1 - Y^2)."""
    return activation(x, "tanh")


def sigmoid(x: Tensor) -> Tensor:
    """Y = sigma(X) = 1 / (1 + e^-X);  dE/dX = G * Y (1 - Y)  (the lectures' g' = g(1 - g)).

    Where e^-X overflows (X < -88 in float32) Y is the exact limit 1 / inf = 0.
    """
    return activation(x, "sigmoid")


def relu(x: Tensor) -> Tensor:
    """Y = max(0, X);  dE/dX = G * [Y > 0]  (we take the derivative at 0 to be 0, as PyTorch)."""
    return activation(x, "relu")


def leaky_relu(x: Tensor, negative_slope: float | None = None) -> Tensor:
    """Y = X if X > 0 else s X;  dE/dX = G * (1 if Y > 0 else s)  (s >= 0; default 0.01)."""
    if negative_slope is None:
        return activation(x, "leaky_relu")
    return activation(x, "leaky_relu", negative_slope=negative_slope)


def step(x: Tensor) -> Tensor:
    """The threshold unit Y = [X > 0] (Heaviside);  dE/dX = 0.

    The derivative is 0 everywhere except at X = 0, where it does not exist (we use 0). So no
    gradient flows through a threshold unit: gradient descent cannot train it, which is why the
    lectures replace it by the sigmoid.
    """
    return activation(x, "step")


def abs(x: Tensor) -> Tensor:
    """Y = |X|;  dE/dX = G * sign(X)  (0 at X = 0). The L1 regularizer Omega = sum |w|."""
    return make_node(xp.abs(x.data), (x,), lambda g: (g * xp.sign(x.data),), "abs")


# ---------------------------------------------------------------------- reductions
def sum(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Y = sum_i X_i;  dE/dX_i = G (copied back over the summed axes)."""
    _check_axes("sum", axis, x.shape)
    out = xp.sum(x.data, axis=axis, keepdims=keepdims)
    return make_node(
        xp.asarray(out), (x,), lambda g: (_expand(g, x.shape, axis, keepdims),), "sum"
    )


def mean(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Y = (1/n) sum_i X_i;  dE/dX_i = G / n."""
    _check_axes("mean", axis, x.shape)
    out = xp.mean(x.data, axis=axis, keepdims=keepdims)
    n = x.data.size // builtins.max(out.size, 1) if x.data.size else 1
    return make_node(
        xp.asarray(out), (x,), lambda g: (_expand(g / n, x.shape, axis, keepdims),), "mean"
    )


def max(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Y = max_i X_i;  dE/dX_i = G * [X_i = Y] / (number of maxima)  (ties share the gradient)."""
    _check_axes("max", axis, x.shape)
    top = xp.max(x.data, axis=axis, keepdims=True)
    out = top if keepdims else (top.reshape(()) if axis is None else xp.squeeze(top, axis))

    def vjp(g: Any) -> tuple[Any]:
        mask = x.data == top
        share = (mask / mask.sum(axis=axis, keepdims=True)).astype(x.data.dtype, copy=False)
        return (_expand(g, x.shape, axis, keepdims) * share,)

    return make_node(out, (x,), vjp, "max")


def logsumexp(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Y = ln sum_i e^{X_i} (``activations.logsumexp``: m + ln sum_i e^{X_i - m}, m = max X);
    dE/dX_i = G * e^{X_i - Y} (the softmax)."""
    _check_axes("logsumexp", axis, x.shape)
    full = _table.logsumexp(x.data, axis=axis, keepdims=True)
    out = full if keepdims else (full.reshape(()) if axis is None else xp.squeeze(full, axis))

    def vjp(g: Any) -> tuple[Any]:
        return (_expand(g, x.shape, axis, keepdims) * xp.exp(x.data - full),)

    return make_node(out, (x,), vjp, "logsumexp")


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """p_c = e^{z_c} / sum_c' e^{z_c'} (the lectures' output probabilities; computed by
    ``activations.softmax``);  dE/dz = p * (G - sum_c G_c p_c)."""
    out = _table.softmax(x.data, axis)

    def vjp(g: Any) -> tuple[Any]:
        return (out * (g - (g * out).sum(axis=axis, keepdims=True)),)

    return make_node(out, (x,), vjp, "softmax")


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """t(z_c) = ln(e^{z_c} / sum_c' e^{z_c'}) = z_c - logsumexp(z) (the lectures' t,
    ``activations.log_softmax``);  dE/dz = G - p * sum_c G_c."""
    out = _table.log_softmax(x.data, axis)

    def vjp(g: Any) -> tuple[Any]:
        return (g - xp.exp(out) * g.sum(axis=axis, keepdims=True),)

    return make_node(out, (x,), vjp, "log_softmax")


# ---------------------------------------------------------------------- shape and indexing
def reshape(x: Tensor, *shape: int | Sequence[int]) -> Tensor:
    """Y = X viewed with another shape;  dE/dX = G reshaped back."""
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = tuple(shape[0])
    try:
        out = x.data.reshape(shape)
    except ValueError:
        raise ValueError(f"reshape: cannot reshape shape {x.shape} into {tuple(shape)}") from None
    return make_node(out, (x,), lambda g: (g.reshape(x.shape),), "reshape")


def transpose(x: Tensor, *axes: int) -> Tensor:
    """Y = X with its axes permuted (reversed when none are given);  dE/dX = G permuted back."""
    if len(axes) == 1 and not isinstance(axes[0], int):
        axes = tuple(axes[0])
    perm = tuple(axes) if axes else tuple(reversed(range(x.ndim)))
    _check_axes("transpose", perm, x.shape, permutation=True)
    out = xp.transpose(x.data, perm)
    inverse = tuple(int(i) for i in xp.argsort([p % x.ndim for p in perm]))
    return make_node(out, (x,), lambda g: (xp.transpose(g, inverse),), "transpose")


def _is_basic_index(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return builtins.all(
        isinstance(p, (int, slice)) or p is None or p is Ellipsis for p in parts
    )


def getitem(x: Tensor, index: Any) -> Tensor:
    """Y = X[index] (slices, integers, integer or boolean arrays);
    dE/dX = G scattered back to the selected places, summed where an element is picked twice."""
    if isinstance(index, Tensor):
        index = index.data
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
    try:
        out = x.data[index]
    except IndexError as exc:  # stays an IndexError: iterating over a tensor stops on it
        raise IndexError(f"getitem: index {index!r} does not fit shape {x.shape}: {exc}") from None
    basic = _is_basic_index(index)

    def vjp(g: Any) -> tuple[Any]:
        gx = xp.zeros_like(x.data)
        if basic:
            gx[index] = g
        else:
            xp.add.at(gx, index, g)
        return (gx,)

    return make_node(out, (x,), vjp, "getitem")


def _join(
    op: str, join: Any, tensors: Sequence[Tensor], axis: int, rule: str
) -> tuple[tuple[Tensor, ...], Any]:
    """The inputs as Tensors and ``join`` (concatenate or stack) of their arrays along ``axis``."""
    tensors = tuple(t if isinstance(t, Tensor) else Tensor(_to_array(t, None)) for t in tensors)
    try:
        return tensors, join([t.data for t in tensors], axis=axis)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise ValueError(f"{op}: {rule} (axis {axis}), got shapes {shapes}") from None


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Y = [X1, X2, ...] joined along ``axis``;  dE/dXi = the slice of G that Xi occupies."""
    tensors, out = _join(
        "concatenate", xp.concatenate, tensors, axis, "shapes must match except along the axis"
    )
    bounds = xp.cumsum([t.shape[axis] for t in tensors])[:-1]

    def vjp(g: Any) -> list[Any]:
        return xp.split(g, bounds, axis=axis)

    return make_node(out, tensors, vjp, "concatenate")


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Y = X1, X2, ... stacked along a new ``axis``;  dE/dXi = G taken at index i of that axis."""
    tensors, out = _join("stack", xp.stack, tensors, axis, "all shapes must be equal")

    def vjp(g: Any) -> list[Any]:
        return [xp.take(g, i, axis=axis) for i in range(len(tensors))]

    return make_node(out, tensors, vjp, "stack")


# ---------------------------------------------------------------------- Tensor methods
def _install() -> None:
    T = Tensor
    T.__add__ = add
    T.__radd__ = lambda self, other: add(other, self)
    T.__sub__ = sub
    T.__rsub__ = lambda self, other: sub(other, self)
    T.__mul__ = mul
    T.__rmul__ = lambda self, other: mul(other, self)
    T.__truediv__ = div
    T.__rtruediv__ = lambda self, other: div(other, self)
    T.__neg__ = neg
    T.__pow__ = pow
    T.__rpow__ = lambda self, other: pow(other, self)
    T.__matmul__ = matmul
    T.__rmatmul__ = lambda self, other: matmul(other, self)
    T.__getitem__ = getitem
    T.exp, T.log, T.tanh, T.sigmoid = exp, log, tanh, sigmoid
    T.relu, T.leaky_relu, T.step, T.abs = relu, leaky_relu, step, abs
    T.activation = activation
    T.sum, T.mean, T.max, T.logsumexp = sum, mean, max, logsumexp
    T.softmax, T.log_softmax = softmax, log_softmax
    T.reshape, T.transpose = reshape, transpose
    T.T = property(lambda self: transpose(self))


_install()
