"""Tensor: a NumPy-backed node of a computational graph, and the one reverse sweep over it.

A ``Tensor`` holds an array ``data`` and, once ``backward()`` has run, the array ``grad`` =
dE/d(data) of the same shape. Every differentiable operation (see ``ops.py``) creates a new node
that remembers its parents and a *vector-Jacobian product* (VJP): given the upstream gradient dE/dY
it returns dE/dX for each parent X. ``backward()`` is the lectures' "top-down chain rule":

    dE/dz = sum over the nodes k that use z of  dE/dz_k * dz_k/dz

visited in reverse topological order (newest node first: a node is always created after its
parents), so every node's gradient is complete (summed over all paths, the seed's fan-out rule
dE/dz5 = sum_k dE/dz_k dz_k/dz5) before it is passed further down.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator, Sequence
from heapq import heappop, heappush
from typing import Any

from .backend import xp

ArrayLike = Any
VJP = Callable[[Any], Sequence[Any]]


# Every Tensor gets the next number at creation: parents always have smaller numbers than the
# nodes computed from them, which is the order the reverse sweep needs (see ``_sweep``).
_creation = itertools.count()


class _GradMode:
    enabled = True


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Within this block operations build no graph (inference, optimizer updates)."""
    previous = _GradMode.enabled
    _GradMode.enabled = False
    try:
        yield
    finally:
        _GradMode.enabled = previous


def is_grad_enabled() -> bool:
    """Whether operations currently record the graph."""
    return _GradMode.enabled


class Tensor:
    """A node of the computational graph holding an array (see module docstring).

    Leaves are created with :func:`tensor`; inner nodes by operations. ``op`` names the operation
    that made the node ("" for a leaf) and ``label`` is an optional name for tables and drawings.
    """

    __slots__ = (
        "data", "grad", "requires_grad", "_parents", "_vjp", "_seq", "op", "label", "__weakref__"
    )
    # Make NumPy defer ``ndarray * Tensor`` to Tensor.__rmul__ instead of broadcasting elementwise.
    __array_ufunc__ = None

    def __init__(
        self,
        data: ArrayLike,
        requires_grad: bool = False,
        *,
        label: str | None = None,
    ) -> None:
        self.data = data if isinstance(data, xp.ndarray) else _to_array(data, None)
        if requires_grad:
            _check_float(self.data)
        self.grad: Any = None
        self.requires_grad = bool(requires_grad)
        self._parents: tuple[Tensor, ...] = ()
        self._vjp: VJP | None = None
        self._seq = next(_creation)
        self.op = ""
        self.label = label

    # ------------------------------------------------------------------ introspection
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> Any:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        return self._vjp is None

    @property
    def parents(self) -> tuple[Tensor, ...]:
        """The nodes this one was computed from (empty for a leaf)."""
        return self._parents

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        body = xp.array2string(self.data, precision=4, separator=", ", threshold=20)
        extra = ", requires_grad=True" if self.requires_grad else ""
        if self.op:
            extra += f", op={self.op!r}"
        if self.label:
            extra += f", label={self.label!r}"
        return f"tensor({body}, dtype={self.data.dtype}{extra})"

    def numpy(self) -> Any:
        """The underlying array (shared, not copied)."""
        return self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a one-element tensor, this one has shape {self.shape}")
        return self.data.item()

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut from the graph."""
        return Tensor(self.data)

    def zero_grad(self) -> None:
        self.grad = None

    # ------------------------------------------------------------------ backward
    def backward(self, grad: ArrayLike | None = None) -> None:
        """Reverse-mode sweep: accumulate dE/dleaf into ``.grad`` of every leaf requiring grad.

        ``grad`` is dE/d(self); it may be omitted only for a one-element output (then it is 1).
        As in PyTorch, leaves *accumulate* across calls (call ``zero_grad`` between steps) and
        inner nodes keep no gradient; ``gradients()`` returns them when they are wanted.
        """
        seed = self._seed(grad)
        handed_out = {id(seed)}
        for node, g in _sweep(self, seed, keep_inner=False):
            dtype = node.data.dtype
            if node.grad is None:
                # Own the array: copy when it might be shared (the seed, a broadcast view, a
                # gradient passed unchanged to two leaves) or has another dtype than the leaf.
                # A 0-d result of NumPy arithmetic is a NumPy scalar: make it an array too.
                if (
                    type(g) is not _NDARRAY
                    or g.base is not None
                    or g.dtype != dtype
                    or id(g) in handed_out
                ):
                    g = xp.array(g, dtype=dtype)
                handed_out.add(id(g))
                node.grad = g
            else:
                # Keep the leaf's dtype (a float64 contribution must not promote a float32 grad).
                node.grad = xp.asarray(node.grad + g, dtype=dtype)

    def gradients(self, grad: ArrayLike | None = None) -> dict[int, Any]:
        """dE/dv for every node v of the graph (keyed by ``id(v)``), leaves' ``.grad`` untouched.

        This is what ``explain`` prints: the full table of upstream gradients, inner nodes included.
        """
        seed = self._seed(grad)
        return {id(node): xp.asarray(g) for node, g in _sweep(self, seed, keep_inner=True)}

    def _seed(self, grad: ArrayLike | None) -> Any:
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no input of this "
                "computation was created with requires_grad=True (or it ran under no_grad())"
            )
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient needs a one-element output, this one has "
                    f"shape {self.shape}: pass grad= (dE/d output) of that shape, or reduce it "
                    f"first, e.g. .sum() or .mean()"
                )
            return xp.array(1, dtype=self.data.dtype).reshape(self.data.shape)  # dE/dE = 1
        g = grad.data if isinstance(grad, Tensor) else xp.asarray(grad, dtype=self.data.dtype)
        if g.shape != self.shape:
            raise ValueError(
                f"backward(): grad has shape {g.shape} but the output has shape {self.shape}"
            )
        return g

    # ------------------------------------------------------------------ operators
    # Filled in by ops.py, which keeps each operation's forward and VJP side by side.


def _sweep(root: Tensor, seed: Any, keep_inner: bool) -> list[tuple[Tensor, Any]]:
    """(node, dE/dnode) for the leaves only, or for every node, without recursion.

    Inner nodes are visited newest first. A node is created after its parents, so its creation
    number ``_seq`` is larger than theirs: by the time a node comes off the heap, every node that
    uses it (all newer) has passed its contribution down, and its gradient is complete. ``pending``
    holds each inner node's gradient while it is being summed over the node's children, ``leaves``
    each leaf's; a node enters the heap with its first contribution, so only the part of the graph
    that leads to ``root`` and requires grad is ever visited.
    """
    if root._vjp is None:
        return [(root, seed)]
    result = []
    pending: dict[Tensor, Any] = {root: seed}
    leaves: dict[Tensor, Any] = {}
    heap = [(-root._seq, root)]
    pop, push = heappop, heappush
    while heap:
        node = pop(heap)[1]
        g = pending.pop(node)
        if keep_inner:
            result.append((node, g))
        for parent, pg in zip(node._parents, node._vjp(g), strict=True):
            if pg is None or not parent.requires_grad:
                continue
            if parent._vjp is None:
                previous = leaves.get(parent)
                leaves[parent] = pg if previous is None else previous + pg
            else:
                previous = pending.get(parent)
                if previous is None:
                    pending[parent] = pg
                    push(heap, (-parent._seq, parent))
                else:
                    pending[parent] = previous + pg
    result += leaves.items()
    return result


# ---------------------------------------------------------------------- construction
_FLOAT32 = xp.dtype("float32")


def _to_array(data: ArrayLike, dtype: Any) -> Any:
    """Convert user data to an array: floats become float32 unless float64 data or dtype says so."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, (str, bytes)) or data is None:
        raise TypeError(f"tensor() expects numbers or arrays of numbers, got {type(data).__name__}")
    try:
        arr = xp.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"tensor() expects numbers or arrays of numbers, got {type(data).__name__}: {exc}"
        ) from None
    if arr.dtype.kind not in "fiub":
        raise TypeError(
            f"tensor() expects numbers or arrays of numbers, got {type(data).__name__} "
            f"of dtype {arr.dtype}"
        )
    if dtype is None and arr.dtype.kind == "f" and not (
        isinstance(data, xp.ndarray) and arr.dtype == xp.float64
    ):
        arr = arr.astype(_FLOAT32, copy=False)
    return arr


def _check_float(arr: Any) -> None:
    if arr.dtype.kind != "f":
        raise ValueError(
            f"only floating-point tensors can require gradients, got dtype {arr.dtype}; "
            f"pass dtype='float32' or 'float64'"
        )


def tensor(data: ArrayLike, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Create a leaf tensor.

    Floating-point data becomes float32 unless ``dtype`` says otherwise or ``data`` is already a
    float64 NumPy array; integer and boolean data keep their dtype (labels, masks) and cannot
    require gradients. Non-numeric data raises ``TypeError``.
    """
    return Tensor(_to_array(data, dtype), requires_grad=requires_grad)


def make_node(data: Any, parents: tuple[Tensor, ...], vjp: VJP, op: str) -> Tensor:
    """Wrap an operation's result: a graph node if grad mode is on and a parent requires grad.

    ``vjp(g)`` must return one entry per parent: dE/dparent (same shape as the parent's data) or
    None for a parent that does not require grad.
    """
    out = _new_tensor(Tensor)
    # NumPy returns scalars, not 0-d arrays, from arithmetic on 0-d arrays: keep ``data`` an array.
    out.data = data if type(data) is _NDARRAY else xp.asarray(data)
    out.grad = None
    out.op = op
    out.label = None
    out._seq = next(_creation)
    if _GradMode.enabled:
        for p in parents:
            if p.requires_grad:
                out.requires_grad = True
                out._parents = parents
                out._vjp = vjp
                return out
    out.requires_grad = False
    out._parents = ()
    out._vjp = None
    return out


_new_tensor = Tensor.__new__
_NDARRAY = xp.ndarray
