"""Tensor: a NumPy-backed node of a computational graph.

A ``Tensor`` holds an array ``data`` and, once ``backward()`` has run, the array ``grad`` =
dE/d(data) of the same shape. Every differentiable operation (see ``ops.py``) creates a new node
that remembers its parents and a *vector-Jacobian product* (VJP): given the upstream gradient dE/dY
it returns dE/dX for each parent X. ``backward()`` is the lectures' "top-down chain rule":

    dE/dz = sum over the nodes k that use z of  dE/dz_k * dz_k/dz

visited in reverse topological order by ``graph.reverse_sweep``, so every node's gradient is
complete (summed over all paths, the seed's fan-out rule dE/dz5 = sum_k dE/dz_k dz_k/dz5) before
it is passed further down.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from operator import attrgetter
from typing import Any

from .backend import xp
from .graph import reverse_sweep, topological_order

ArrayLike = Any
VJP = Callable[[Any], Sequence[Any]]


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
        "data", "grad", "requires_grad", "retains_grad", "_parents", "_vjp", "op", "label",
        "__weakref__",
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
        self.retains_grad = False
        self._parents: tuple[Tensor, ...] = ()
        self._vjp: VJP | None = None
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

    def retain_grad(self) -> None:
        """Keep dE/d(this node) in ``.grad`` after ``backward()``, though it is an inner node.

        As in PyTorch: the retained gradient accumulates across ``backward()`` calls like a leaf's
        (reset it with ``zero_grad``); on a leaf this does nothing (a leaf keeps its gradient
        anyway, and ``retains_grad`` stays False); a tensor that does not require grad (a
        constant, or computed under ``no_grad()``) has no gradient to keep and raises.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "retain_grad() on a tensor that does not require grad: it has no gradient to "
                "keep (no input of its computation requires grad, or it ran under no_grad())"
            )
        if self._vjp is not None:
            self.retains_grad = True

    # ------------------------------------------------------------------ backward
    def backward(self, grad: ArrayLike | None = None) -> None:
        """Reverse-mode sweep: accumulate dE/dleaf into ``.grad`` of every leaf requiring grad.

        ``grad`` is dE/d(self); it may be omitted only for a one-element output (then it is 1).
        As in PyTorch, leaves *accumulate* across calls (call ``zero_grad`` between steps) and
        inner nodes keep no gradient unless ``retain_grad()`` was called on them (then they
        accumulate like leaves); ``gradients()`` returns all of them without touching ``.grad``.
        """
        seed = self._seed(grad)
        handed_out = {id(seed)}

        def keep(node: Tensor, g: Any) -> None:
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

        _backpropagate(self, seed, keep, every_node=False)

    def gradients(self, grad: ArrayLike | None = None) -> dict[int, Any]:
        """dE/dv for every node v of the graph (keyed by ``id(v)``), leaves' ``.grad`` untouched.

        This is what ``explain`` prints: the full table of upstream gradients, inner nodes included.
        """
        seed = self._seed(grad)
        grads: dict[int, Any] = {}

        def record(node: Tensor, g: Any) -> None:
            grads[id(node)] = xp.asarray(g)

        _backpropagate(self, seed, record, every_node=True)
        return grads

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


def _backpropagate(
    root: Tensor, seed: Any, visit: Callable[[Tensor, Any], object], every_node: bool
) -> None:
    """Call ``visit(node, dE/dnode)`` for the leaves and the retaining inner nodes that
    dE/droot = ``seed`` reaches, or for every node it reaches if ``every_node``.

    ``graph.reverse_sweep`` over the graph behind ``root``; each node's step takes its summed
    gradient from ``pending`` (complete: every node that uses it came before) and adds each
    parent's share, the node's VJP, to the parent's sum. Parents that do not require grad (or get
    ``None`` from the VJP) receive nothing, so a node that no gradient reaches is skipped, and a
    node's sum is dropped once it is passed on.
    """
    pending: dict[Tensor, Any] = {root: seed}

    def propagate(node: Tensor) -> None:
        g = pending.pop(node, None)
        if g is None:
            return
        vjp = node._vjp
        if vjp is None:
            visit(node, g)
            return
        if every_node or node.retains_grad:
            visit(node, g)
        for parent, pg in zip(node._parents, vjp(g), strict=True):
            if pg is None or not parent.requires_grad:
                continue
            previous = pending.get(parent)
            pending[parent] = pg if previous is None else previous + pg

    reverse_sweep(topological_order(root, _parents), propagate)


_parents = attrgetter("_parents")


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
    out.retains_grad = False
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
