"""Property tests: random computational DAGs (fan-out, shortcuts, several outputs feeding the loss).

Each example is a *program*: a few leaf tensors, then a list of operations, each reading one or two
*earlier* nodes (any of them, so nodes are reused and later nodes take shortcuts past the middle of
the graph), and a loss that sums several nodes. The program is run by backprop and replayed
operation by operation in PyTorch; the gradients must agree with PyTorch and with central finite
differences (``backprop.gradcheck``). A second family of programs on scalars runs through both the
scalar engine ``Value`` and 0-d float64 Tensors, which must agree to 1e-12.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import backprop
from backprop import tensor

try:
    from backprop import Value
except ImportError:  # the scalar engine exists but is not exported yet
    from backprop.scalar import Value

SETTINGS = settings(
    derandomize=True,
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Leaves of one program come from one family, so every pair broadcasts to the family's shape.
FAMILIES = [
    [(3, 4), (3, 4), (3, 4)],
    [(3, 4), (4,), (3, 1)],
    [(2, 3), (1, 3), (2, 1)],
    [(4,), (4,), (1,)],
    [(5,), (5,), (5,)],
]
UNARY = [
    "tanh",
    "sigmoid",
    "exp_tanh",
    "log_1p_sq",
    "leaky",
    "relu_shift",
    "abs_shift",
    "softmax",
    "log_softmax",
    "matmul_right",
    "matmul_left",
    "sum_back",
    "mean_back",
    "lse_back",
    "reverse",
    "gather",
    "split_join",
    "transpose_twice",
    "sqrt_1p_sq",
    "reciprocal",
    "scalar_mix",
    "reshape_round_trip",
]
BINARY = ["add", "sub", "mul", "div", "pow", "stack_mix", "bilinear", "concat_mix"]


# ---------------------------------------------------------------------- program generation
@st.composite
def programs(draw):
    family = draw(st.sampled_from(FAMILIES))
    n_leaves = draw(st.integers(2, 3))
    shapes = [family[k] for k in range(n_leaves)]
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    leaves = [rng.uniform(-1.5, 1.5, s) for s in shapes]
    ops = []
    for _ in range(draw(st.integers(2, 10))):
        n_nodes = len(shapes)
        binary = draw(st.booleans())
        name = draw(st.sampled_from(BINARY if binary else UNARY))
        i = draw(st.integers(0, n_nodes - 1))
        j = draw(st.integers(0, n_nodes - 1)) if binary else None
        shape = shapes[i] if j is None else tuple(np.broadcast_shapes(shapes[i], shapes[j]))
        ndim = len(shape)
        param = None
        if name in ("softmax", "log_softmax", "sum_back", "mean_back", "lse_back", "reverse"):
            param = draw(st.integers(-ndim, ndim - 1))
        elif name == "matmul_right":
            param = rng.standard_normal((shape[-1], shape[-1])) / math.sqrt(shape[-1])
        elif name == "matmul_left":
            param = rng.standard_normal((shape[0], shape[0])) / math.sqrt(shape[0])
        elif name == "gather":
            param = rng.integers(0, shape[-1], shape[-1])  # repeats: gradients must add up
        elif name in ("split_join", "concat_mix"):
            param = draw(st.integers(0, shape[-1]))
        elif name == "stack_mix":
            param = draw(st.integers(-ndim - 1, ndim))
        ops.append((name, i, j, param))
        shapes.append(shape)
    n_nodes = len(shapes)
    extra = draw(st.lists(st.integers(0, n_nodes - 2), max_size=3, unique=True))
    outputs = sorted({n_nodes - 1, *extra})
    weights = [rng.standard_normal(shapes[k]) for k in outputs]
    return leaves, ops, outputs, weights


# ---------------------------------------------------------------------- the two interpreters
class BP:
    """Operations for backprop Tensors."""

    stack = staticmethod(lambda ts, axis: backprop.stack(ts, axis=axis))
    cat = staticmethod(lambda ts, axis: backprop.concatenate(ts, axis=axis))
    const = staticmethod(lambda a: a)
    softmax = staticmethod(lambda x, axis: x.softmax(axis))
    log_softmax = staticmethod(lambda x, axis: x.log_softmax(axis))
    leaky = staticmethod(lambda x: x.leaky_relu(0.1))
    relu = staticmethod(lambda x: x.relu())
    sum = staticmethod(lambda x, axis: x.sum(axis=axis, keepdims=True))
    mean = staticmethod(lambda x, axis: x.mean(axis=axis, keepdims=True))
    lse = staticmethod(lambda x, axis: x.logsumexp(axis=axis, keepdims=True))
    T = staticmethod(lambda x: x.T)

    @staticmethod
    def flip(x, axis):
        index = [slice(None)] * x.ndim
        index[axis] = slice(None, None, -1)
        return x[tuple(index)]

    @staticmethod
    def gather(x, idx):
        return x[..., idx]


class TH:
    """The same operations for torch tensors."""

    stack = staticmethod(lambda ts, axis: torch.stack(ts, dim=axis))
    cat = staticmethod(lambda ts, axis: torch.cat(ts, dim=axis))
    const = staticmethod(lambda a: torch.from_numpy(np.asarray(a)))
    softmax = staticmethod(lambda x, axis: x.softmax(axis))
    log_softmax = staticmethod(lambda x, axis: x.log_softmax(axis))
    leaky = staticmethod(lambda x: torch.nn.functional.leaky_relu(x, 0.1))
    relu = staticmethod(torch.relu)
    sum = staticmethod(lambda x, axis: x.sum(dim=axis, keepdim=True))
    mean = staticmethod(lambda x, axis: x.mean(dim=axis, keepdim=True))
    lse = staticmethod(lambda x, axis: torch.logsumexp(x, dim=axis, keepdim=True))
    T = staticmethod(lambda x: x.permute(*reversed(range(x.ndim))))
    flip = staticmethod(lambda x, axis: x.flip(axis))
    gather = staticmethod(lambda x, idx: x[..., torch.from_numpy(np.asarray(idx))])


def run(E, leaves, ops, outputs, weights):
    """Evaluate a program with engine E (BP or TH); returns (all nodes, scalar loss)."""
    nodes = list(leaves)
    for name, i, j, p in ops:
        x = nodes[i]
        y = nodes[j] if j is not None else None
        if name == "tanh":
            z = x.tanh()
        elif name == "sigmoid":
            z = x.sigmoid()
        elif name == "exp_tanh":
            z = x.tanh().exp()
        elif name == "log_1p_sq":
            z = (1 + x * x).log()
        elif name == "leaky":
            z = E.leaky(x + 0.1234)
        elif name == "relu_shift":
            z = E.relu(x - 0.3183)
        elif name == "abs_shift":
            z = (x + 0.2718).abs()
        elif name == "softmax":
            z = E.softmax(x, p)
        elif name == "log_softmax":
            z = E.log_softmax(x, p)
        elif name == "matmul_right":
            z = x @ E.const(p)
        elif name == "matmul_left":
            z = E.const(p) @ x
        elif name == "sum_back":
            z = x + E.sum(x, p) * 0.3
        elif name == "mean_back":
            z = x * E.mean(x, p)
        elif name == "lse_back":
            z = x - E.lse(x, p)
        elif name == "reverse":
            z = E.flip(x, p)
        elif name == "gather":
            z = E.gather(x, p)
        elif name == "split_join":
            z = E.cat([x[..., :p] * 2.0, x[..., p:]], -1)
        elif name == "transpose_twice":
            z = E.T(E.T(x).tanh())
        elif name == "sqrt_1p_sq":
            z = (1 + x * x) ** 0.5
        elif name == "reciprocal":
            z = 1 / (1 + x * x)
        elif name == "scalar_mix":
            z = 2 - x * 0.5
        elif name == "reshape_round_trip":
            z = (x.reshape(-1) * 1.5).reshape(tuple(x.shape))
        elif name == "add":
            z = x + y
        elif name == "sub":
            z = x - y
        elif name == "mul":
            z = x * y
        elif name == "div":
            z = x / (1 + y * y)
        elif name == "pow":
            z = (1 + x * x) ** y.tanh()
        elif name == "stack_mix":
            s = E.stack([x + 0 * y, y + 0 * x], p)
            index = [slice(None)] * s.ndim
            index[p] = 0
            first = s[tuple(index)]
            index[p] = 1
            z = first * s[tuple(index)].tanh()
        elif name == "bilinear":
            if tuple(x.shape) == tuple(y.shape) and x.ndim == 2:
                z = (x @ E.T(y)) @ x * 0.2
            elif tuple(x.shape) == tuple(y.shape) and x.ndim == 1:
                z = (x @ y) * x * 0.2
            else:
                z = x * y
        elif name == "concat_mix":
            xb, yb = x + 0 * y, y + 0 * x
            z = E.cat([xb[..., :p], yb[..., p:]], -1)
        else:  # pragma: no cover
            raise AssertionError(name)
        nodes.append(z)
    loss = None
    for k, w in zip(outputs, weights, strict=True):
        term = (nodes[k] * E.const(w)).sum()
        loss = term if loss is None else loss + term
    return nodes, loss


def _magnitude_ok(nodes):
    return all(np.all(np.abs(n.data) < 1e4) for n in nodes)


# ---------------------------------------------------------------------- properties
@SETTINGS
@given(programs())
def test_random_dag_matches_torch_and_finite_differences(program):
    leaves_np, ops, outputs, weights = program
    leaves = [tensor(a, requires_grad=True) for a in leaves_np]
    nodes, loss = run(BP, leaves, ops, outputs, weights)
    assume(_magnitude_ok(nodes))
    loss.backward()

    t_leaves = [torch.tensor(a, requires_grad=True) for a in leaves_np]
    t_nodes, t_loss = run(TH, t_leaves, ops, outputs, weights)
    t_loss.backward()

    for node, t_node in zip(nodes, t_nodes, strict=True):
        assert node.shape == tuple(t_node.shape)
        assert node.dtype == np.float64
        np.testing.assert_allclose(node.data, t_node.detach().numpy(), rtol=1e-10, atol=1e-12)
    for leaf, t_leaf in zip(leaves, t_leaves, strict=True):
        expected = np.zeros(leaf.shape) if t_leaf.grad is None else t_leaf.grad.numpy()
        got = np.zeros(leaf.shape) if leaf.grad is None else leaf.grad
        scale = max(1.0, float(np.max(np.abs(expected))))
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12 * scale)

    def fn(*xs):
        return run(BP, list(xs), ops, outputs, weights)[1]

    assert backprop.gradcheck(fn, *[tensor(a, requires_grad=True) for a in leaves_np])


@SETTINGS
@given(programs())
def test_random_dag_vjp_of_every_node(program):
    """gradients() gives dE/dv for inner nodes too; the VJP of a non-scalar node is checked by
    seeding backward() at that node with a random upstream gradient, against PyTorch."""
    leaves_np, ops, outputs, weights = program
    leaves = [tensor(a, requires_grad=True) for a in leaves_np]
    nodes, loss = run(BP, leaves, ops, outputs, weights)
    assume(_magnitude_ok(nodes))
    t_leaves = [torch.tensor(a, requires_grad=True) for a in leaves_np]
    t_nodes, t_loss = run(TH, t_leaves, ops, outputs, weights)
    for t in t_nodes:
        t.retain_grad()
    t_loss.backward(retain_graph=True)
    grads = loss.gradients()
    for node, t_node in zip(nodes, t_nodes, strict=True):
        if t_node.grad is None or not node.requires_grad:
            continue
        g = grads.get(id(node))
        g = np.zeros(node.shape) if g is None else np.broadcast_to(g, node.shape)
        scale = max(1.0, float(np.max(np.abs(t_node.grad.numpy()))))
        np.testing.assert_allclose(g, t_node.grad.numpy(), rtol=1e-9, atol=1e-12 * scale)
    # A random non-scalar seed at the middle node, compared with torch.autograd.grad.
    k = len(nodes) // 2 + len(leaves_np) // 2
    if nodes[k].requires_grad:
        seed = np.random.default_rng(k).standard_normal(nodes[k].shape)
        for leaf in leaves:
            leaf.zero_grad()
        nodes[k].backward(seed)
        expected = torch.autograd.grad(
            t_nodes[k], t_leaves, torch.from_numpy(seed), allow_unused=True
        )
        for leaf, e in zip(leaves, expected, strict=True):
            e = np.zeros(leaf.shape) if e is None else e.numpy()
            got = np.zeros(leaf.shape) if leaf.grad is None else leaf.grad
            scale = max(1.0, float(np.max(np.abs(e))))
            np.testing.assert_allclose(got, e, rtol=1e-9, atol=1e-12 * scale)


# ---------------------------------------------------------------------- Value vs Tensor
SCALAR_BINARY = {"add", "sub", "mul", "div", "pow_tensor"}


@st.composite
def scalar_programs(draw):
    values = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False)
    leaves = draw(st.lists(values, min_size=2, max_size=4))
    ops = []
    n = len(leaves)
    for _ in range(draw(st.integers(1, 14))):
        name = draw(st.sampled_from(sorted(SCALAR_FNS)))
        i = draw(st.integers(0, n - 1))
        j = draw(st.integers(0, n - 1)) if name in SCALAR_BINARY else None
        ops.append((name, i, j))
        n += 1
    outputs = sorted({n - 1, *draw(st.lists(st.integers(0, n - 1), max_size=3))})
    return leaves, ops, outputs


SCALAR_FNS = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / (1 + y * y),
    "neg": lambda x, y: -x,
    "pow2": lambda x, y: x**2,
    "pow3": lambda x, y: x**3,
    "pow_frac": lambda x, y: (1 + x * x) ** 1.5,
    "pow_tensor": lambda x, y: (1 + x * x) ** y.tanh(),
    "rpow": lambda x, y: 2 ** x.tanh(),
    "exp": lambda x, y: x.tanh().exp(),
    "log": lambda x, y: (1 + x * x).log(),
    "tanh": lambda x, y: x.tanh(),
    "sigmoid": lambda x, y: x.sigmoid(),
    "relu": lambda x, y: x.relu(),
    "radd": lambda x, y: 1.5 + x,
    "rsub": lambda x, y: 2 - x,
    "rmul": lambda x, y: 3 * x,
    "rdiv": lambda x, y: 1 / (2 + x.tanh()),
    "step": lambda x, y: x.step() * x,
}


def run_scalar(leaves, ops, outputs):
    """Works for Value and for 0-d Tensors alike: both have the same operators and methods."""
    nodes = list(leaves)
    for name, i, j in ops:
        nodes.append(SCALAR_FNS[name](nodes[i], nodes[j] if j is not None else None))
    out = nodes[outputs[0]]
    for k in outputs[1:]:
        out = out + nodes[k]
    return nodes, out


def _value_of(node):
    return node.data if isinstance(node, Value) else float(node.data)


@SETTINGS
@given(scalar_programs())
def test_value_and_tensor_agree(program):
    leaves, ops, outputs = program
    v_leaves = [Value(v) for v in leaves]
    t_leaves = [tensor(v, requires_grad=True, dtype="float64") for v in leaves]
    v_nodes, v_out = run_scalar(v_leaves, ops, outputs)
    t_nodes, t_out = run_scalar(t_leaves, ops, outputs)
    scale = 1.0 + max(abs(_value_of(n)) for n in v_nodes)
    assume(scale < 1e6)
    for vn, tn in zip(v_nodes, t_nodes, strict=True):
        assert tn.shape == () and tn.dtype == np.float64
        assert math.isclose(_value_of(vn), _value_of(tn), rel_tol=1e-12, abs_tol=1e-12 * scale)
    v_out.backward()
    if t_out.requires_grad:
        t_out.backward()
    for vl, tl in zip(v_leaves, t_leaves, strict=True):
        t_grad = 0.0 if tl.grad is None else float(tl.grad)
        g_scale = 1.0 + abs(vl.grad)
        assert math.isclose(vl.grad, t_grad, rel_tol=1e-12, abs_tol=1e-12 * g_scale * scale), (
            vl.grad,
            t_grad,
        )
