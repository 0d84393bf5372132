"""The Tensor engine: every operation's value and gradient against PyTorch (float64), dtype rules,
gradient accumulation, deep graphs, numerical stability, error messages and no_grad."""

from __future__ import annotations

import itertools
import math
import warnings
import zlib

import numpy as np
import pytest
import torch

import backprop
from backprop import Tensor, tensor

RTOL, ATOL = 1e-10, 1e-12


def _rng(name: str) -> np.random.Generator:
    """A generator seeded from a test's name: deterministic, whatever order tests run in."""
    return np.random.default_rng(zlib.crc32(name.encode()))


def _close(actual, expected, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=rtol, atol=atol)


def _make(shape, kind, rng):
    """Random float64 array: 'normal', 'positive' (away from 0), 'nonzero', 'ties', 'zeros'."""
    return np.asarray(_draw(shape, kind, rng), dtype=np.float64)


def _draw(shape, kind, rng):
    if kind == "normal":
        return rng.standard_normal(shape)
    if kind == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if kind == "nonzero":
        return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    if kind == "ties":  # few distinct values, so maxima tie
        return rng.integers(-2, 3, shape).astype(np.float64)
    if kind == "zeros":  # exact zeros among the values: the conventions at kinks
        x = rng.standard_normal(shape)
        x[rng.random(shape) < 0.4] = 0.0
        return x
    raise AssertionError(kind)


def _compare(bp_fn, torch_fn, arrays, rng):
    """Forward values and the full VJP (random upstream gradient) of bp_fn vs torch_fn."""
    xs = [tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    assert all(x.dtype == np.float64 for x in xs)
    out = bp_fn(*xs)
    ref = torch_fn(*ts)
    assert isinstance(out, Tensor)
    assert isinstance(out.data, np.ndarray)
    assert out.dtype == np.float64
    assert out.shape == tuple(ref.shape)
    _close(out.data, ref.detach().numpy())
    assert out.requires_grad
    g = rng.standard_normal(out.shape)
    out.backward(g)
    if ref.requires_grad:
        ref.backward(torch.from_numpy(np.array(g)))
    for i, (x, t) in enumerate(zip(xs, ts, strict=True)):
        expected = np.zeros(x.shape) if t.grad is None else t.grad.numpy()
        assert x.grad is not None, f"input {i} got no gradient"
        assert isinstance(x.grad, np.ndarray)
        assert x.grad.shape == x.shape and x.grad.dtype == x.dtype
        _close(x.grad, expected)
    return xs, out


# ---------------------------------------------------------------------- the seed's example
def test_seed_worked_example():
    x = tensor(1.0, requires_grad=True)
    y = tensor(-3.0, requires_grad=True)
    z = tensor(4.0, requires_grad=True)
    f = (x + y) * z
    assert f.item() == -8.0
    f.backward()
    assert x.grad == 4.0 and y.grad == 4.0 and z.grad == -2.0
    for leaf in (x, y, z):
        assert isinstance(leaf.grad, np.ndarray) and leaf.grad.shape == ()
        assert leaf.grad.dtype == np.float32


def test_seed_example_intermediate_gradients():
    x, y, z = (tensor(v, requires_grad=True, dtype="float64") for v in (1.0, -3.0, 4.0))
    q = x + y
    f = q * z
    grads = f.gradients()
    assert grads[id(f)] == 1.0 and grads[id(q)] == 4.0
    assert grads[id(x)] == 4.0 and grads[id(y)] == 4.0 and grads[id(z)] == -2.0
    assert x.grad is None  # gradients() leaves .grad alone
    assert all(isinstance(g, np.ndarray) for g in grads.values())


# ---------------------------------------------------------------------- every op vs torch
_C = np.random.default_rng(20240601)
ND_34 = _C.standard_normal((3, 4))
ND_4 = _C.standard_normal(4)
ND_45 = _C.standard_normal((4, 5))
ND_POS_34 = _C.uniform(0.5, 2.0, (3, 4))
MASK_543 = _C.random((5, 4, 3)) < 0.5
MASK_5 = np.array([True, False, True, True, False])


def _T(a):
    return torch.from_numpy(np.array(a))


N, P, Z, NZ = "normal", "positive", "zeros", "nonzero"

# name: (inputs as (shape, kind), backprop function, torch function)
CASES = {
    # ---- elementwise arithmetic, same shape and broadcasting
    "add": ([((3, 4), N), ((3, 4), N)], lambda a, b: a + b, lambda a, b: a + b),
    "add_broadcast_5x1x3_4x3": (
        [((5, 1, 3), N), ((4, 3), N)],
        lambda a, b: a + b,
        lambda a, b: a + b,
    ),
    "add_bias_batch": ([((6, 4), N), ((4,), N)], lambda x, b: x + b, lambda x, b: x + b),
    "add_bias_left": ([((4,), N), ((6, 4), N)], lambda b, x: b + x, lambda b, x: b + x),
    "add_col_row": ([((3, 1), N), ((1, 4), N)], lambda a, b: a + b, lambda a, b: a + b),
    "add_scalar_tensor": ([((), N), ((2, 3), N)], lambda a, b: a + b, lambda a, b: a + b),
    "sub_broadcast": ([((5, 1, 3), N), ((4, 3), N)], lambda a, b: a - b, lambda a, b: a - b),
    "mul_broadcast": ([((2, 3, 1), N), ((1, 4), N)], lambda a, b: a * b, lambda a, b: a * b),
    "mul_self_shapes": ([((3, 4), N), ((3, 1), N)], lambda a, b: a * b, lambda a, b: a * b),
    "div": ([((3, 4), N), ((3, 4), NZ)], lambda a, b: a / b, lambda a, b: a / b),
    "div_broadcast": ([((2, 1, 4), N), ((3, 1), NZ)], lambda a, b: a / b, lambda a, b: a / b),
    "neg": ([((3, 4), N)], lambda a: -a, lambda a: -a),
    "pow_tensor_exponent": ([((3, 4), P), ((3, 4), N)], lambda a, b: a**b, lambda a, b: a**b),
    "pow_tensor_exponent_broadcast": (
        [((3, 4), P), ((4,), N)],
        lambda a, b: a**b,
        lambda a, b: a**b,
    ),
    "pow_base_zero": (
        [((2, 5), Z), ((2, 5), P)],
        lambda a, b: (a * a) ** (b + 1),
        lambda a, b: (a * a) ** (b + 1),
    ),
    "pow_zero_exponent_at_zero": ([((3, 4), Z)], lambda a: a**0, lambda a: a**0),
    "pow_zero_exponent_tensor_at_zero": (
        [((3, 4), Z), ((3, 4), N)],
        lambda a, b: a ** (b * 0),
        lambda a, b: a ** (b * 0),
    ),
    # ---- Python numbers and ndarrays on either side
    "tensor_plus_number": ([((3, 4), N)], lambda x: x + 1.5, lambda x: x + 1.5),
    "number_plus_tensor": ([((3, 4), N)], lambda x: 1.5 + x, lambda x: 1.5 + x),
    "tensor_minus_number": ([((3, 4), N)], lambda x: x - 2, lambda x: x - 2),
    "number_minus_tensor": ([((3, 4), N)], lambda x: 2 - x, lambda x: 2 - x),
    "tensor_times_number": ([((3, 4), N)], lambda x: x * 3, lambda x: x * 3),
    "number_times_tensor": ([((3, 4), N)], lambda x: -0.5 * x, lambda x: -0.5 * x),
    "tensor_div_number": ([((3, 4), N)], lambda x: x / 2.5, lambda x: x / 2.5),
    "number_div_tensor": ([((3, 4), NZ)], lambda x: 1 / x, lambda x: 1 / x),
    "tensor_pow_2": ([((3, 4), N)], lambda x: x**2, lambda x: x**2),
    "tensor_pow_3": ([((3, 4), N)], lambda x: x**3, lambda x: x**3),
    "tensor_pow_half": ([((3, 4), P)], lambda x: x**0.5, lambda x: x**0.5),
    "tensor_pow_negative": ([((3, 4), P)], lambda x: x**-1.5, lambda x: x**-1.5),
    "number_pow_tensor": ([((3, 4), N)], lambda x: 2**x, lambda x: 2**x),
    "fraction_pow_tensor": ([((3, 4), N)], lambda x: 0.5**x, lambda x: 0.5**x),
    "ndarray_times_tensor": ([((3, 4), N)], lambda x: ND_34 * x, lambda x: _T(ND_34) * x),
    "tensor_times_ndarray": ([((3, 4), N)], lambda x: x * ND_4, lambda x: x * _T(ND_4)),
    "ndarray_minus_tensor": ([((3, 4), N)], lambda x: ND_4 - x, lambda x: _T(ND_4) - x),
    "ndarray_plus_tensor": ([((3, 4), N)], lambda x: ND_34 + x, lambda x: _T(ND_34) + x),
    "ndarray_div_tensor": ([((3, 4), NZ)], lambda x: ND_34 / x, lambda x: _T(ND_34) / x),
    "ndarray_pow_tensor": ([((3, 4), N)], lambda x: ND_POS_34**x, lambda x: _T(ND_POS_34) ** x),
    "ndarray_matmul_tensor": ([((4, 5), N)], lambda x: ND_34 @ x, lambda x: _T(ND_34) @ x),
    "tensor_matmul_ndarray": ([((3, 4), N)], lambda x: x @ ND_45, lambda x: x @ _T(ND_45)),
    # ---- elementwise functions
    "exp": ([((3, 4), N)], lambda x: x.exp(), torch.exp),
    "log": ([((3, 4), P)], lambda x: x.log(), torch.log),
    "tanh": ([((3, 4), N)], lambda x: x.tanh(), torch.tanh),
    "sigmoid": ([((3, 4), N)], lambda x: x.sigmoid(), torch.sigmoid),
    "relu": ([((3, 4), N)], lambda x: x.relu(), torch.relu),
    "relu_at_zero": ([((3, 4), Z)], lambda x: x.relu(), torch.relu),
    "leaky_relu": ([((3, 4), N)], lambda x: x.leaky_relu(), torch.nn.functional.leaky_relu),
    "leaky_relu_slope": (
        [((3, 4), Z)],
        lambda x: x.leaky_relu(0.2),
        lambda x: torch.nn.functional.leaky_relu(x, 0.2),
    ),
    "abs": ([((3, 4), N)], lambda x: x.abs(), torch.abs),
    "abs_at_zero": ([((3, 4), Z)], lambda x: x.abs(), torch.abs),
    "step": ([((3, 4), Z)], lambda x: x.step(), lambda x: (x > 0).double() + 0 * x),
    # ---- softmax family
    "softmax_axis0": ([((3, 4, 5), N)], lambda x: x.softmax(0), lambda x: x.softmax(0)),
    "softmax_axis1": ([((3, 4, 5), N)], lambda x: x.softmax(axis=1), lambda x: x.softmax(1)),
    "softmax_axis-1": ([((3, 4, 5), N)], lambda x: x.softmax(-1), lambda x: x.softmax(-1)),
    "softmax_default": ([((3, 4), N)], lambda x: x.softmax(), lambda x: x.softmax(-1)),
    "log_softmax_axis0": ([((3, 4, 5), N)], lambda x: x.log_softmax(0), lambda x: x.log_softmax(0)),
    "log_softmax_axis-1": (
        [((3, 4, 5), N)],
        lambda x: x.log_softmax(axis=-1),
        lambda x: x.log_softmax(-1),
    ),
    "log_softmax_default": ([((3, 4), N)], lambda x: x.log_softmax(), lambda x: x.log_softmax(-1)),
    # ---- matmul
    "matmul_2d": ([((3, 4), N), ((4, 5), N)], lambda a, b: a @ b, lambda a, b: a @ b),
    "matmul_1d_2d": ([((4,), N), ((4, 5), N)], lambda a, b: a @ b, lambda a, b: a @ b),
    "matmul_2d_1d": ([((3, 4), N), ((4,), N)], lambda a, b: a @ b, lambda a, b: a @ b),
    "matmul_1d_1d": ([((4,), N), ((4,), N)], lambda a, b: a @ b, lambda a, b: a @ b),
    "matmul_batched_2d": ([((2, 3, 4, 5), N), ((5, 6), N)], lambda a, b: a @ b, lambda a, b: a @ b),
    "matmul_batched_broadcast": (
        [((2, 1, 4, 5), N), ((3, 5, 6), N)],
        lambda a, b: a @ b,
        lambda a, b: a @ b,
    ),
    "matmul_2d_batched": ([((4, 5), N), ((2, 5, 3), N)], lambda a, b: a @ b, lambda a, b: a @ b),
    "matmul_1d_batched": ([((5,), N), ((2, 5, 3), N)], lambda a, b: a @ b, lambda a, b: a @ b),
    "matmul_batched_1d": ([((2, 3, 4), N), ((4,), N)], lambda a, b: a @ b, lambda a, b: a @ b),
    "matmul_same_leaf_twice": ([((4, 4), N)], lambda w: w @ w, lambda w: w @ w),
    "matmul_with_transpose": ([((3, 4), N)], lambda w: w @ w.T, lambda w: w @ w.T),
    # ---- getitem
    "getitem_slice": ([((5, 4, 3), N)], lambda x: x[1:4], lambda x: x[1:4]),
    "getitem_slices_int": ([((5, 4, 3), N)], lambda x: x[1:4, ::2, -1], lambda x: x[1:4, ::2, -1]),
    "getitem_int": ([((5, 4, 3), N)], lambda x: x[-1], lambda x: x[-1]),
    "getitem_two_ints": ([((5, 4, 3), N)], lambda x: x[2, 3], lambda x: x[2, 3]),
    "getitem_numpy_int": ([((5, 4, 3), N)], lambda x: x[np.int64(2)], lambda x: x[2]),
    "getitem_negative_step": ([((5, 4, 3), N)], lambda x: x[::-1], lambda x: x.flip(0)),
    "getitem_negative_step_2": (
        [((5, 4, 3), N)],
        lambda x: x[:, ::-2],
        lambda x: x[:, torch.tensor([3, 1])],
    ),
    "getitem_negative_step_range": (
        [((6, 2), N)],
        lambda x: x[4:0:-2],
        lambda x: x[torch.tensor([4, 2])],
    ),
    "getitem_int_array_repeated": (
        [((5, 4, 3), N)],
        lambda x: x[np.array([0, 2, 0, 0, 4])],
        lambda x: x[torch.tensor([0, 2, 0, 0, 4])],
    ),
    "getitem_int_list_repeated": (
        [((5, 4), N)],
        lambda x: x[[1, 1, 1, 3]],
        lambda x: x[torch.tensor([1, 1, 1, 3])],
    ),
    "getitem_two_arrays_repeated": (
        [((5, 4, 3), N)],
        lambda x: x[np.array([0, 0, 1, 0]), np.array([1, 1, 2, 1])],
        lambda x: x[torch.tensor([0, 0, 1, 0]), torch.tensor([1, 1, 2, 1])],
    ),
    "getitem_slice_and_array": (
        [((5, 4, 3), N)],
        lambda x: x[:, np.array([3, 3, 0])],
        lambda x: x[:, torch.tensor([3, 3, 0])],
    ),
    "getitem_tensor_index": (
        [((5, 4), N)],
        lambda x: x[tensor(np.array([2, 2, 4]))],
        lambda x: x[torch.tensor([2, 2, 4])],
    ),
    "getitem_bool_mask": (
        [((5, 4, 3), N)],
        lambda x: x[MASK_543],
        lambda x: x[torch.from_numpy(MASK_543)],
    ),
    "getitem_bool_rows": (
        [((5, 4), N)],
        lambda x: x[MASK_5],
        lambda x: x[torch.from_numpy(MASK_5)],
    ),
    "getitem_bool_from_data": ([((5, 4, 3), N)], lambda x: x[x.data > 0], lambda x: x[x > 0]),
    "getitem_none_ellipsis": (
        [((5, 4, 3), N)],
        lambda x: x[..., None, 1],
        lambda x: x[..., None, 1],
    ),
    # ---- joining
    "concatenate_axis0": (
        [((2, 4, 3), N), ((5, 4, 3), N), ((1, 4, 3), N)],
        lambda *t: backprop.concatenate(t, axis=0),
        lambda *t: torch.cat(t, dim=0),
    ),
    "concatenate_axis1": (
        [((3, 1, 2), N), ((3, 4, 2), N)],
        lambda *t: backprop.concatenate(t, axis=1),
        lambda *t: torch.cat(t, dim=1),
    ),
    "concatenate_axis-1": (
        [((3, 4, 1), N), ((3, 4, 2), N), ((3, 4, 3), N)],
        lambda *t: backprop.concatenate(list(t), axis=-1),
        lambda *t: torch.cat(t, dim=-1),
    ),
    "concatenate_default_axis": (
        [((2, 3), N), ((4, 3), N)],
        lambda *t: backprop.concatenate(t),
        lambda *t: torch.cat(t),
    ),
    "concatenate_same_tensor_twice": (
        [((2, 3), N)],
        lambda a: backprop.concatenate([a, a * 2, a], axis=1),
        lambda a: torch.cat([a, a * 2, a], dim=1),
    ),
    "stack_axis0": (
        [((3, 4), N), ((3, 4), N), ((3, 4), N)],
        lambda *t: backprop.stack(t, axis=0),
        lambda *t: torch.stack(t, dim=0),
    ),
    "stack_axis1": (
        [((3, 4), N), ((3, 4), N)],
        lambda *t: backprop.stack(list(t), axis=1),
        lambda *t: torch.stack(t, dim=1),
    ),
    "stack_axis-1": (
        [((3, 4), N), ((3, 4), N), ((3, 4), N)],
        lambda *t: backprop.stack(t, axis=-1),
        lambda *t: torch.stack(t, dim=-1),
    ),
    "stack_same_tensor_twice": (
        [((3, 4), N)],
        lambda a: backprop.stack([a, a], axis=2),
        lambda a: torch.stack([a, a], dim=2),
    ),
    # ---- shapes
    "reshape_tuple": ([((3, 4, 5), N)], lambda x: x.reshape((5, 12)), lambda x: x.reshape(5, 12)),
    "reshape_varargs": (
        [((3, 4, 5), N)],
        lambda x: x.reshape(2, -1, 5),
        lambda x: x.reshape(2, -1, 5),
    ),
    "reshape_flat": ([((3, 4, 5), N)], lambda x: x.reshape(-1), lambda x: x.reshape(-1)),
    "reshape_to_scalar": ([((1, 1), N)], lambda x: x.reshape(()), lambda x: x.reshape(())),
    "transpose_axes": (
        [((2, 3, 4), N)],
        lambda x: x.transpose(2, 0, 1),
        lambda x: x.permute(2, 0, 1),
    ),
    "transpose_axes_tuple": (
        [((2, 3, 4), N)],
        lambda x: x.transpose((1, 0, 2)),
        lambda x: x.permute(1, 0, 2),
    ),
    "transpose_negative_axes": (
        [((2, 3, 4), N)],
        lambda x: x.transpose(0, -1, 1),
        lambda x: x.permute(0, 2, 1),
    ),
    "transpose_cycle_negative": (
        [((2, 3, 4, 5), N)],
        lambda x: x.transpose(-1, 0, -3, 2),
        lambda x: x.permute(3, 0, 1, 2),
    ),
    "transpose_default": ([((2, 3, 4), N)], lambda x: x.transpose(), lambda x: x.permute(2, 1, 0)),
    "T_2d": ([((3, 4), N)], lambda x: x.T, lambda x: x.T),
    "T_3d": ([((2, 3, 4), N)], lambda x: x.T, lambda x: x.permute(2, 1, 0)),
    # ---- a composite: softmax cross-entropy of a two-layer net
    "mlp_cross_entropy": (
        [((6, 4), N), ((4, 5), N), ((5,), N), ((5, 3), N), ((3,), N)],
        lambda x, w1, b1, w2, b2: (
            -(
                ((x @ w1 + b1).tanh() @ w2 + b2).log_softmax(-1)[np.arange(6), [0, 2, 1, 1, 0, 2]]
            ).mean()
        ),
        lambda x, w1, b1, w2, b2: (
            -(
                ((x @ w1 + b1).tanh() @ w2 + b2).log_softmax(-1)[
                    torch.arange(6), torch.tensor([0, 2, 1, 1, 0, 2])
                ]
            ).mean()
        ),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_op_matches_torch(name):
    inputs, bp_fn, torch_fn = CASES[name]
    rng = _rng(name)
    arrays = [_make(shape, kind, rng) for shape, kind in inputs]
    _compare(bp_fn, torch_fn, arrays, rng)


def test_bias_gradient_is_the_batch_sum():
    rng = _rng("bias")
    x = tensor(rng.standard_normal((7, 3)), requires_grad=True)
    b = tensor(rng.standard_normal(3), requires_grad=True)
    g = rng.standard_normal((7, 3))
    (x + b).backward(g)
    _close(b.grad, g.sum(axis=0))
    _close(x.grad, g)


# ---------------------------------------------------------------------- reductions
AXES = [None, 0, 1, -1, (0, 2), (-1, 0), (0, 1, 2)]
REDUCTIONS = {
    "sum": (Tensor.sum, lambda t, d, k: t.sum(dim=d, keepdim=k), N),
    "mean": (Tensor.mean, lambda t, d, k: t.mean(dim=d, keepdim=k), N),
    "max": (Tensor.max, lambda t, d, k: torch.amax(t, dim=d, keepdim=k), N),
    "max_ties": (Tensor.max, lambda t, d, k: torch.amax(t, dim=d, keepdim=k), "ties"),
    "logsumexp": (Tensor.logsumexp, lambda t, d, k: torch.logsumexp(t, dim=d, keepdim=k), N),
    "logsumexp_ties": (
        Tensor.logsumexp,
        lambda t, d, k: torch.logsumexp(t, dim=d, keepdim=k),
        "ties",
    ),
}


@pytest.mark.parametrize("keepdims", [False, True], ids=["flat", "keepdims"])
@pytest.mark.parametrize("axis", AXES, ids=[str(a).replace(" ", "") for a in AXES])
@pytest.mark.parametrize("op", list(REDUCTIONS))
def test_reduction_matches_torch(op, axis, keepdims):
    bp_method, torch_fn, kind = REDUCTIONS[op]
    rng = _rng(f"{op}-{axis}-{keepdims}")
    x = _make((3, 4, 5), kind, rng)
    dim = tuple(range(3)) if axis is None else axis
    _compare(
        lambda t: bp_method(t, axis=axis, keepdims=keepdims),
        lambda t: torch_fn(t, dim, keepdims),
        [x],
        rng,
    )


@pytest.mark.parametrize("op", ["sum", "mean", "max", "logsumexp"])
def test_reduction_default_is_everything(op):
    rng = _rng(op)
    x = _make((3, 4), N, rng)
    torch_fn = {"sum": torch.sum, "mean": torch.mean, "max": torch.amax}.get(
        op, lambda t: torch.logsumexp(t, dim=(0, 1))
    )
    if op == "max":
        torch_fn = lambda t: torch.amax(t, dim=(0, 1))  # noqa: E731
    _compare(lambda t: getattr(t, op)(), torch_fn, [x], rng)


def test_max_splits_ties_evenly():
    x = tensor([1.0, 3.0, 3.0, 3.0, 2.0], requires_grad=True, dtype="float64")
    x.max().backward()
    _close(x.grad, [0, 1 / 3, 1 / 3, 1 / 3, 0])


# ---------------------------------------------------------------------- random broadcasting
def _broadcast_shapes(rng):
    ndim = int(rng.integers(1, 5))
    full = [int(n) for n in rng.integers(2, 5, ndim)]
    shapes = []
    for _ in range(2):
        keep = int(rng.integers(0, ndim + 1))
        shape = full[ndim - keep :]
        shape = [1 if rng.random() < 0.3 else n for n in shape]
        shapes.append(tuple(shape))
    return shapes


BINARY = {
    "add": (lambda a, b: a + b, N, N),
    "sub": (lambda a, b: a - b, N, N),
    "mul": (lambda a, b: a * b, N, N),
    "div": (lambda a, b: a / b, N, NZ),
    "pow": (lambda a, b: a**b, P, N),
}


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("op", list(BINARY))
def test_binary_random_broadcast_shapes(op, seed):
    fn, kind_a, kind_b = BINARY[op]
    rng = _rng(f"{op}-{seed}")
    sa, sb = _broadcast_shapes(rng)
    _compare(fn, fn, [_make(sa, kind_a, rng), _make(sb, kind_b, rng)], rng)


# ---------------------------------------------------------------------- dtype rules
def test_dtype_of_created_tensors():
    assert tensor(1.5).dtype == np.float32
    assert tensor([1.0, 2.0]).dtype == np.float32
    assert tensor([[1, 2.5]]).dtype == np.float32
    assert tensor(np.array([1.0, 2.0])).dtype == np.float64
    assert tensor(np.array([1.0], dtype=np.float32)).dtype == np.float32
    assert tensor([1.0, 2.0], dtype="float64").dtype == np.float64
    assert tensor(np.array([1.0, 2.0]), dtype="float32").dtype == np.float32
    assert tensor(3, dtype="float64").dtype == np.float64
    assert tensor(np.array([1, 2])).dtype == np.array([1, 2]).dtype
    assert tensor(np.array([1, 2], dtype=np.int32)).dtype == np.int32
    assert tensor([1, 2]).dtype.kind == "i"
    assert tensor(np.array([True, False])).dtype == np.bool_
    assert tensor(1.5, requires_grad=True).dtype == np.float32
    assert isinstance(tensor(2.0).data, np.ndarray)


@pytest.mark.parametrize(
    "expr",
    [
        lambda x: x * 2.5,
        lambda x: 2.5 * x,
        lambda x: x + 1e-3,
        lambda x: 1 - x,
        lambda x: x / 3.0,
        lambda x: 1.0 / x,
        lambda x: x**2.0,
        lambda x: x**2,
        lambda x: 2.0**x,
        lambda x: x.exp().log().tanh().sigmoid().relu(),
        lambda x: x.softmax(-1) + x.log_softmax(-1) + x.logsumexp(-1, keepdims=True),
        lambda x: x.max(0) + x.mean() + x.sum(1, keepdims=True),
        lambda x: x @ x.T,
        lambda x: x * np.float64(0.5),
    ],
)
def test_float32_stays_float32(expr):
    x = tensor([[0.5, 1.5, 2.0], [1.0, 0.25, 3.0]], requires_grad=True)
    y = expr(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gradient_dtype_equals_data_dtype(dtype):
    x = tensor([[1.0, 3.0, 3.0], [2.0, 0.5, 1.0]], requires_grad=True, dtype=dtype)
    w = tensor(np.ones((3, 2)), requires_grad=True, dtype=dtype)
    # A float64 ndarray promotes the product to float64; the leaf's gradient keeps its dtype.
    y = (x * np.full(3, 2.0)).sum() + x.max() + (x @ w).tanh().sum() + x[0, 1]
    for _ in range(3):  # accumulation must not promote either
        y.backward()
        assert x.grad.dtype == np.dtype(dtype) and w.grad.dtype == np.dtype(dtype)
        assert isinstance(x.grad, np.ndarray)
    for g in y.gradients().values():
        assert isinstance(g, np.ndarray)


def test_scalar_results_are_arrays():
    x = tensor(2.0, requires_grad=True, dtype="float64")
    v = tensor([1.0, 2.0], requires_grad=True, dtype="float64")
    for y in (x + 1, x * x, x.exp(), -x, x**2, x / 3, v @ v, v[0], v.sum(), (v * v).max()):
        assert isinstance(y.data, np.ndarray) and isinstance(y.numpy(), np.ndarray)
        assert y.shape == ()
    y = (x * x).exp()
    y.backward()
    y.backward()
    assert isinstance(x.grad, np.ndarray) and x.grad.shape == ()
    _close(x.grad, 2 * 4 * math.exp(4))


def test_int_tensor_cannot_require_grad_but_can_be_used():
    labels = tensor(np.array([0, 2, 1]))
    assert not labels.requires_grad
    x = tensor(np.eye(3), requires_grad=True)
    picked = x[np.arange(3), labels.data].sum()
    picked.backward()
    _close(x.grad, np.eye(3)[[0, 2, 1]])


# ---------------------------------------------------------------------- accumulation
def test_backward_twice_doubles_leaf_gradients_exactly():
    rng = _rng("twice")
    x = tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = tensor(rng.standard_normal((4, 2)), requires_grad=True)
    b = tensor(rng.standard_normal(2), requires_grad=True)
    y = ((x @ w + b).sigmoid() ** 2).sum()
    y.backward()
    first = {k: t.grad.copy() for k, t in {"x": x, "w": w, "b": b}.items()}
    kept = x.grad  # the array handed out must not be changed by later sweeps
    y.backward()
    for k, t in {"x": x, "w": w, "b": b}.items():
        np.testing.assert_array_equal(t.grad, 2 * first[k])
    np.testing.assert_array_equal(kept, first["x"])


def test_zero_grad_resets():
    x = tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    x.zero_grad()
    assert x.grad is None
    (x * 3).sum().backward()
    _close(x.grad, [3.0, 3.0])


def test_fan_out_sums_paths():
    a_np = np.array([[1.0, -2.0], [0.5, 3.0]])
    a = tensor(a_np, requires_grad=True)
    b = a + a
    c = b * b
    c.sum().backward()
    np.testing.assert_array_equal(a.grad, 8 * a_np)


def test_fan_out_many_consumers():
    x = tensor([0.3, -1.2], requires_grad=True, dtype="float64")
    y = x.tanh() * x + x.exp() - x * x / (1 + x * x) + x
    t = torch.tensor([0.3, -1.2], dtype=torch.float64, requires_grad=True)
    r = t.tanh() * t + t.exp() - t * t / (1 + t * t) + t
    y.sum().backward()
    r.sum().backward()
    _close(x.grad, t.grad.numpy())


def test_leaf_used_twice_in_matmul_graph():
    rng = _rng("matmul twice")
    x_np, w_np = rng.standard_normal((5, 3)), rng.standard_normal((3, 3))
    x, w = tensor(x_np, requires_grad=True), tensor(w_np, requires_grad=True)
    xt, wt = torch.tensor(x_np, requires_grad=True), torch.tensor(w_np, requires_grad=True)
    ((x @ w).tanh() @ w + x @ w.T).sum().backward()
    ((xt @ wt).tanh() @ wt + xt @ wt.T).sum().backward()
    _close(w.grad, wt.grad.numpy())
    _close(x.grad, xt.grad.numpy())


def test_leaf_gradients_do_not_alias():
    g = np.arange(6.0).reshape(2, 3)
    a = tensor(np.zeros((2, 3)), requires_grad=True)
    b = tensor(np.zeros((2, 3)), requires_grad=True)
    c = tensor(np.zeros((2, 3)), requires_grad=True)
    (a + (b + c)).backward(g)
    for t in (a, b, c):
        np.testing.assert_array_equal(t.grad, g)
        assert not np.shares_memory(t.grad, g)
        assert t.grad.flags.writeable
    assert not np.shares_memory(a.grad, b.grad) and not np.shares_memory(b.grad, c.grad)
    a.grad[...] = 7.0
    np.testing.assert_array_equal(b.grad, g)
    s = tensor(np.zeros(3), requires_grad=True)
    s.sum().backward()  # the gradient of a sum is a broadcast view: the leaf must own a copy
    s.grad[0] = 5.0
    np.testing.assert_array_equal(s.grad, [5.0, 1.0, 1.0])


def test_inner_nodes_keep_no_grad_but_gradients_has_them():
    x = tensor([1.0, 2.0], requires_grad=True, dtype="float64")
    h = x * 3
    y = (h * h).sum()
    y.backward()
    assert h.grad is None and x.grad is not None
    grads = y.gradients()
    _close(grads[id(h)], 2 * h.data)
    _close(grads[id(x)], 18 * x.data)
    _close(x.grad, 18 * x.data)  # unchanged by gradients()


def _retain_graph(x, lib):
    """h = 3x, u = h * h, E = sum(u * x) + sum(h): h feeds u twice and E once (fan-out)."""
    h = x * 3
    u = h * h
    return h, u, (u * x).sum() + h.sum()


def test_retain_grad_keeps_inner_gradients_and_accumulates_like_torch():
    data = np.array([1.0, -2.0, 0.5])
    x = tensor(data, requires_grad=True, dtype="float64")
    tx = torch.tensor(data, requires_grad=True)
    h, u, E = _retain_graph(x, backprop)
    th, tu, tE = _retain_graph(tx, torch)
    for node, twin in ((h, th), (u, tu), (E, tE)):
        node.retain_grad()
        twin.retain_grad()
        assert node.retains_grad and twin.retains_grad
    for _ in range(2):  # a second backward() adds to the retained gradients, as on leaves
        E.backward()
        tE.backward(retain_graph=True)
        for node, twin in ((x, tx), (h, th), (u, tu), (E, tE)):
            _close(node.grad, twin.grad.numpy())
            assert node.grad.dtype == np.float64 and node.grad.shape == node.shape
    _close(h.grad, 2 * (2 * 3 * data * data + 1))  # dE/dh = 2h x + 1, twice
    grads = E.gradients()  # gradients() leaves retained .grad alone
    _close(grads[id(h)], th.grad.numpy() / 2)
    _close(h.grad, th.grad.numpy())
    h.zero_grad()
    E.backward()
    tx.grad = th.grad = None
    tE.backward()
    _close(h.grad, th.grad.numpy())


def test_retain_grad_owns_its_array():
    x = tensor([1.0, 2.0], requires_grad=True, dtype="float64")
    a = x + 0.0
    b = a + x  # b's gradient passes unchanged to a and to x
    b.retain_grad()
    a.retain_grad()
    b.backward(np.array([1.0, 1.0]))
    assert len({id(b.grad), id(a.grad), id(x.grad)}) == 3
    a.grad[0] = 7.0
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_retain_grad_on_a_leaf_is_a_no_op_and_off_path_nodes_stay_none():
    x = tensor([1.0, 2.0], requires_grad=True)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    x.retain_grad()
    tx.retain_grad()
    assert x.retains_grad is tx.retains_grad is False
    off, toff = x * 5, tx * 5  # retained, but E does not depend on it
    off.retain_grad()
    toff.retain_grad()
    (x * 2).sum().backward()
    (tx * 2).sum().backward()
    assert off.grad is None and toff.grad is None
    _close(x.grad, tx.grad.numpy())


def test_retain_grad_and_no_grad_as_in_torch():
    x = tensor([1.0, 2.0], requires_grad=True)
    with backprop.no_grad():
        made_without_grad = x * 2
    for t in (made_without_grad, tensor([1.0])):
        with pytest.raises(RuntimeError, match="does not require grad"):
            t.retain_grad()
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    with torch.no_grad():
        tn = tx * 2
    for t in (tn, torch.tensor([1.0])):
        with pytest.raises(RuntimeError):
            t.retain_grad()
    # retain_grad() and backward() themselves work under no_grad, as in PyTorch.
    h, th = x * 2, tx * 2
    E, tE = (h * h).sum(), (th * th).sum()
    with backprop.no_grad():
        h.retain_grad()
        E.backward()
    with torch.no_grad():
        th.retain_grad()
        tE.backward()
    _close(h.grad, th.grad.numpy())
    _close(x.grad, tx.grad.numpy())


def test_constants_get_no_gradient():
    x = tensor([1.0, 2.0], requires_grad=True)
    c = tensor([3.0, 4.0])
    (x * c).sum().backward()
    assert c.grad is None
    _close(x.grad, [3.0, 4.0])


def test_backward_with_explicit_grad():
    x = tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, dtype="float64")
    y = x * x
    y.backward([[1.0, 0.0], [0.0, 2.0]])
    _close(x.grad, [[2.0, 0.0], [0.0, 16.0]])
    z = tensor([1.0, 2.0], requires_grad=True)
    z.backward(np.array([0.5, 0.25]))  # a leaf as its own output
    _close(z.grad, [0.5, 0.25])


# ---------------------------------------------------------------------- deep graphs
def test_chain_of_200000_operations():
    x = tensor(1.5, requires_grad=True, dtype="float64")
    y = x
    for _ in range(100_000):
        y = y * 1.0000001
        y = y + 0.0
    expected = 1.0000001**100_000
    assert y.item() == pytest.approx(1.5 * expected, rel=1e-9)
    y.backward()
    assert x.grad == pytest.approx(expected, rel=1e-9)
    del y  # freeing the long chain must not overflow the stack either


# ---------------------------------------------------------------------- numerical stability
BIG = [-1000.0, -30.0, -1.0, 0.0, 1.0, 30.0, 1000.0]
STABLE = {
    "sigmoid": (lambda x: x.sigmoid(), torch.sigmoid),
    "tanh": (lambda x: x.tanh(), torch.tanh),
    "softmax": (lambda x: x.softmax(-1), lambda t: t.softmax(-1)),
    "log_softmax": (lambda x: x.log_softmax(-1), lambda t: t.log_softmax(-1)),
    "softmax_axis0": (lambda x: x.softmax(0), lambda t: t.softmax(0)),
    "log_softmax_axis0": (lambda x: x.log_softmax(0), lambda t: t.log_softmax(0)),
    "logsumexp": (lambda x: x.logsumexp(-1), lambda t: torch.logsumexp(t, -1)),
    "logsumexp_all": (lambda x: x.logsumexp(), lambda t: torch.logsumexp(t, (0, 1))),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", list(STABLE))
def test_stable_at_plus_minus_1000(op, dtype):
    bp_fn, torch_fn = STABLE[op]
    data = np.array([BIG, BIG[::-1], [1000.0] * 7, [-1000.0] * 7], dtype=dtype)
    rng = _rng(op)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = tensor(data, requires_grad=True)
        y = bp_fn(x)
        g = np.asarray(rng.standard_normal(y.shape))
        y.backward(g.astype(dtype))
    assert np.all(np.isfinite(y.data)), y.data
    assert np.all(np.isfinite(x.grad)), x.grad
    assert y.dtype == np.dtype(dtype) and x.grad.dtype == np.dtype(dtype)
    t = torch.tensor(data.astype(np.float64), requires_grad=True)
    r = torch_fn(t)
    r.backward(torch.from_numpy(g.astype(dtype).astype(np.float64)))
    # float32 has ~6e-5 absolute resolution at 1000, so the log-domain values carry that error.
    tol = dict(rtol=2e-4, atol=1e-6) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    _close(y.data, r.detach().numpy(), **tol)
    _close(x.grad, t.grad.numpy(), **tol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_exp_overflows_to_inf_silently(dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = tensor([1000.0, -1000.0, 0.0], requires_grad=True, dtype=dtype)
        y = x.exp()
        assert y.data[0] == np.inf and y.data[1] == 0.0 and y.data[2] == 1.0
        y.backward(np.ones(3))
    np.testing.assert_array_equal(x.grad, [np.inf, 0.0, 1.0])
    assert x.grad.dtype == np.dtype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_stable_values_at_extremes(dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = tensor([-1000.0, 1000.0], requires_grad=True, dtype=dtype)
        np.testing.assert_array_equal(x.sigmoid().data, [0.0, 1.0])
        np.testing.assert_array_equal(x.tanh().data, [-1.0, 1.0])
        np.testing.assert_array_equal(x.softmax().data, [0.0, 1.0])
        np.testing.assert_array_equal(x.log_softmax().data, [-2000.0, 0.0])
        _close(
            tensor([1000.0, 1000.0], dtype=dtype).logsumexp().data, 1000 + math.log(2), rtol=1e-6
        )
        _close(
            tensor([-1000.0, -1000.0], dtype=dtype).logsumexp().data, -1000 + math.log(2), rtol=1e-6
        )
        loss = x.sigmoid().sum() + x.tanh().sum() + x.log_softmax()[0] + x.logsumexp()
        loss.backward()
    assert np.all(np.isfinite(x.grad))
    # sigmoid' = tanh' = 0 there; d log_softmax_0 = (1, -1) - p with p = (0, 1); d lse = p.
    _close(x.grad, [1.0, 0.0], rtol=1e-6)


# ---------------------------------------------------------------------- error messages
def test_matmul_shape_error_names_both_shapes():
    a = tensor(np.zeros((64, 783)))
    b = tensor(np.zeros((784, 100)))
    with pytest.raises(ValueError) as info:
        a @ b
    msg = str(info.value)
    assert "matmul" in msg and "(64, 783)" in msg and "(784, 100)" in msg


def test_add_shape_error_names_both_shapes():
    with pytest.raises(ValueError) as info:
        tensor(np.zeros((3, 4))) + tensor(np.zeros(5))
    msg = str(info.value)
    assert "add" in msg and "(3, 4)" in msg and "(5,)" in msg


@pytest.mark.parametrize("op", ["sub", "mul", "div"])
def test_other_broadcast_errors_name_the_op(op):
    a, b = tensor(np.zeros((3, 4))), tensor(np.zeros((2, 4)))
    fn = {"sub": lambda: a - b, "mul": lambda: a * b, "div": lambda: a / b}[op]
    with pytest.raises(ValueError, match=op) as info:
        fn()
    assert "(3, 4)" in str(info.value) and "(2, 4)" in str(info.value)


def test_shape_errors_of_reshape_concatenate_stack():
    x = tensor(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"reshape.*\(3, 4\)"):
        x.reshape(5, 2)
    with pytest.raises(ValueError, match="concatenate"):
        backprop.concatenate([x, tensor(np.zeros((3, 5)))], axis=0)
    with pytest.raises(ValueError, match="stack"):
        backprop.stack([x, tensor(np.zeros((4, 3)))])


@pytest.mark.parametrize(
    "bad",
    ["abc", b"abc", None, [object()], {"a": 1}, [1, "a"]],
    ids=["str", "bytes", "None", "object", "dict", "mixed"],
)
def test_non_numeric_data_is_a_type_error(bad):
    with pytest.raises(TypeError):
        tensor(bad)


def test_unsupported_operand_is_a_type_error():
    with pytest.raises(TypeError):
        tensor([1.0]) + "abc"
    with pytest.raises(TypeError):
        "abc" * tensor([1.0])


@pytest.mark.parametrize("data", [np.array([1, 2]), [1, 2], np.array([True, False]), True], ids=str)
def test_non_float_requires_grad_is_a_value_error(data):
    with pytest.raises(ValueError, match="floating-point"):
        tensor(data, requires_grad=True)


def test_backward_without_grad_requirement():
    x = tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        x.sum().backward()
    with backprop.no_grad():
        y = (tensor([1.0], requires_grad=True) * 2).sum()
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_backward_on_non_scalar_needs_grad():
    x = tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\(2, 3\)"):
        (x * 2).backward()


def test_backward_grad_of_wrong_shape():
    x = tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(2, 3\)"):
        (x * 2).backward(np.ones((3, 2)))
    with pytest.raises(ValueError):
        (x * 2).backward(np.ones(6))


# ---------------------------------------------------------------------- no_grad and detach
def test_no_grad_builds_no_graph():
    x = tensor([1.0, 2.0], requires_grad=True)
    assert backprop.is_grad_enabled()
    with backprop.no_grad():
        assert not backprop.is_grad_enabled()
        y = (x * 2 + 1).tanh() @ x
        z = backprop.stack([x, x]).sum(0)
    for t in (y, z):
        assert not t.requires_grad and t.parents == () and t.is_leaf
    assert backprop.is_grad_enabled()
    _close(y.data, np.tanh(x.data * 2 + 1) @ x.data)


def test_no_grad_restores_after_exception_and_nests():
    with pytest.raises(KeyError):
        with backprop.no_grad():
            with backprop.no_grad():
                pass
            assert not backprop.is_grad_enabled()
            raise KeyError("boom")
    assert backprop.is_grad_enabled()
    x = tensor([1.0], requires_grad=True)
    y = x * 2
    assert y.requires_grad and y.parents[0] is x


def test_detach_shares_data_and_cuts_graph():
    x = tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    d = h.detach()
    assert d.data is h.data and np.shares_memory(d.numpy(), h.numpy())
    assert not d.requires_grad and d.parents == () and d.is_leaf
    y = (d * x).sum()
    y.backward()
    _close(x.grad, h.data)  # d is a constant: no path through h
    x.data[0] = 10.0
    assert x.detach().data[0] == 10.0
    assert x.numpy() is x.data


def test_leaf_and_node_introspection():
    x = tensor([[1.0, 2.0]], requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf and y.parents[0] is x
    assert y.shape == (1, 2) and y.ndim == 2 and y.size == 2 and len(y) == 1
    assert "requires_grad=True" in repr(y)
    with pytest.raises(ValueError):
        y.item()


@pytest.mark.parametrize("axis, keepdims", list(itertools.product([None, 0], [False, True])))
def test_mean_of_float32_matches_float64(axis, keepdims):
    data = _rng("mean32").standard_normal((4, 3))
    x32 = tensor(data.astype(np.float32), requires_grad=True)
    x64 = tensor(data, requires_grad=True)
    x32.mean(axis=axis, keepdims=keepdims).sum().backward()
    x64.mean(axis=axis, keepdims=keepdims).sum().backward()
    _close(x32.grad, x64.grad, rtol=1e-6)
