"""The scalar engine ``backprop.Value``: the lecture's example, every operation against PyTorch,
random expression graphs against PyTorch and finite differences, gradient accumulation, depth,
numerical edge cases and error messages."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import backprop
from backprop.scalar import Value, topological_order


def tensor(x: float) -> torch.Tensor:
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def same(ours: float, theirs: float, rel: float = 1e-12) -> bool:
    """Equal as IEEE numbers up to ``rel``: nan matches nan, an infinity only itself."""
    if math.isnan(theirs) or math.isinf(theirs):
        return math.isnan(ours) if math.isnan(theirs) else ours == theirs
    return math.isclose(ours, theirs, rel_tol=rel, abs_tol=rel * 1e-3)


def torch_grad(t: torch.Tensor) -> float:
    return 0.0 if t.grad is None else t.grad.item()


# ---------------------------------------------------------------- the lecture's worked example


def test_lecture_example_f_equals_x_plus_y_times_z() -> None:
    x, y, z = Value(1.0, "x"), Value(-3.0, "y"), Value(4.0, "z")
    d = x + y
    d.label = "d"
    f = d * z
    f.label = "f"
    assert (d.data, f.data) == (-2.0, -8.0)
    assert d._local == (1.0, 1.0)  # dd/dx = 1, dd/dy = 1
    assert f._local == (4.0, -2.0)  # df/dd = z, df/dz = d
    assert f._parents == (d, z) and d._parents == (x, y)
    f.backward()
    assert (x.grad, y.grad, z.grad) == (4.0, 4.0, -2.0)
    assert (d.grad, f.grad) == (4.0, 1.0)
    assert repr(f) == "Value(data=-8.0, grad=1.0, op='*', label='f')"
    assert repr(x) == "Value(data=1.0, grad=4.0, op='', label='x')"
    order = topological_order(f)
    assert len(order) == 5 and set(order) == {x, y, z, d, f} and order[-1] is f
    assert order.index(d) > max(order.index(x), order.index(y))


def test_package_exports_value() -> None:
    assert backprop.Value is Value


def test_leaf_attributes_and_conversion() -> None:
    v = Value(3)
    assert type(v.data) is float and v.data == 3.0
    assert (v.grad, v.op, v.label, v._parents, v._local) == (0.0, "", None, (), ())
    assert Value(True).data == 1.0
    assert Value(Fraction(1, 4)).data == 0.25
    assert (Value(1.5) * Fraction(1, 2)).data == 0.75


# ---------------------------------------------------------------- every operation against torch

POINTS = [-2.5, -1.0, -0.3, 0.0, 0.7, 2.0, 3.0]
CONSTANTS = [-2, -0.5, 0, 1, 2.5, 3]

BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}

UNARY: dict[str, Callable[[Any], Any]] = {
    "neg": operator.neg,
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
}


@pytest.mark.parametrize("op", list(BINARY))
def test_binary_operation_between_values_matches_torch(op: str) -> None:
    fn = BINARY[op]
    for a in POINTS:
        for b in POINTS:
            x, y = Value(a), Value(b)
            out = fn(x, y)
            out.backward()
            tx, ty = tensor(a), tensor(b)
            tout = fn(tx, ty)
            tout.backward()
            assert out.op == op and out._parents == (x, y)
            assert same(out.data, tout.item()), (a, b, out.data, tout.item())
            assert same(x.grad, torch_grad(tx)), (a, b, x.grad, torch_grad(tx))
            assert same(y.grad, torch_grad(ty)), (a, b, y.grad, torch_grad(ty))


@pytest.mark.parametrize("value_first", [True, False], ids=["value-number", "number-value"])
@pytest.mark.parametrize("op", list(BINARY))
def test_binary_operation_with_a_python_number_matches_torch(op: str, value_first: bool) -> None:
    fn = BINARY[op]
    for a in POINTS:
        for c in CONSTANTS:
            x, tx = Value(a), tensor(a)
            out = fn(x, c) if value_first else fn(c, x)
            tout = fn(tx, c) if value_first else fn(c, tx)
            out.backward()
            tout.backward()
            assert out.op == op and out._parents == (x,)
            assert same(out.data, tout.item()), (a, c, out.data, tout.item())
            assert same(x.grad, torch_grad(tx)), (a, c, x.grad, torch_grad(tx))


@pytest.mark.parametrize("op", list(UNARY))
def test_unary_operation_matches_torch(op: str) -> None:
    fn = UNARY[op]
    for a in [*POINTS, -0.0, 1e-3, -1e-3, 30.0, -30.0, 1000.0, -1000.0, math.inf, -math.inf]:
        x, tx = Value(a), tensor(a)
        out = fn(x)
        tout = fn(tx)
        out.backward()
        tout.backward()
        assert out.op == op and out._parents == (x,)
        assert same(out.data, tout.item()), (a, out.data, tout.item())
        assert same(x.grad, torch_grad(tx)), (a, x.grad, torch_grad(tx))


def test_nan_propagates_like_torch() -> None:
    for op, fn in {**UNARY, **{k: (lambda a, f=f: f(a, a)) for k, f in BINARY.items()}}.items():
        x, tx = Value(math.nan), tensor(math.nan)
        out, tout = fn(x), fn(tx)
        assert math.isnan(out.data) and math.isnan(tout.item()), op


def test_power_edge_cases_match_torch() -> None:
    cases = [
        (0.0, -1.0),
        (-0.0, -1.0),
        (0.0, 0.5),
        (-8.0, 1 / 3),
        (10.0, 400.0),
        (-10.0, 401.0),
        (-10.0, 400.0),
        (0.0, 0.0),
        (-2.0, 0.0),
        (1e-300, -2.0),
    ]
    for a, b in cases:
        for mode in ("value", "number exponent", "number base"):
            x, y, tx, ty = Value(a), Value(b), tensor(a), tensor(b)
            if mode == "value":
                out, tout = x**y, tx**ty
            elif mode == "number exponent":
                out, tout = x**b, tx**b
            else:
                out, tout = a**y, a**ty
            out.backward()
            tout.backward()
            assert same(out.data, tout.item()), (mode, a, b, out.data, tout.item())
            assert same(x.grad, torch_grad(tx)), (mode, a, b, x.grad, torch_grad(tx))
            assert same(y.grad, torch_grad(ty)), (mode, a, b, y.grad, torch_grad(ty))


def test_division_by_zero_is_ieee_not_an_exception() -> None:
    for a, b in [(1.0, 0.0), (-1.0, 0.0), (1.0, -0.0), (0.0, 0.0), (math.inf, 0.0)]:
        x, y, tx, ty = Value(a), Value(b), tensor(a), tensor(b)
        out, tout = x / y, tx / ty
        out.backward()
        tout.backward()
        assert same(out.data, tout.item()), (a, b)
        assert same(x.grad, torch_grad(tx)) and same(y.grad, torch_grad(ty)), (a, b)
    assert (1 / Value(0.0)).data == math.inf
    assert (Value(-2.0) / 0).data == -math.inf
    assert math.isnan((0 / Value(0.0)).data)


# ---------------------------------------------------------------- random expression graphs
# A program is a list of steps (op, i, j): new node = OPS[op](node_i, node_j) over all earlier
# nodes, so nodes are reused (fan-out) and skip levels (shortcuts). Domains are guarded:
# log(1 + a^2), division by 1 + b^2, positive bases. A node whose value exceeds 4 in magnitude is
# rescaled by a constant recorded on the first evaluation, so finite differences see one function.


def relu_input(a: Any, b: Any) -> Any:
    return a - 0.5 * b + 0.1


OPS: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / (1 + b * b)),
    ("number-mix", lambda a, b: 1.5 - 2 * a + b / 3 - 0.5),
    ("number-div", lambda a, b: 2 / (1.5 + a.tanh()) - b * 0.25),
    ("neg", lambda a, b: -a + b),
    ("exp", lambda a, b: (-(a * a)).exp() + b.tanh().exp()),
    ("log", lambda a, b: (1 + a * a).log()),
    ("pow-value", lambda a, b: (1 + a * a) ** b.tanh()),
    ("pow-number", lambda a, b: a**2 + 0.1 * b**3 + (1 + b * b) ** -0.5),
    ("rpow", lambda a, b: 2 ** a.tanh() * 0.5 ** b.sigmoid()),
    ("tanh", lambda a, b: (a * b).tanh()),
    ("sigmoid", lambda a, b: (a - b).sigmoid()),
    ("relu", lambda a, b: relu_input(a, b).relu() + a),
]

Program = tuple[list[float], list[tuple[int, int, int]]]


@st.composite
def programs(draw: st.DrawFn) -> Program:
    inputs = draw(st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=4))
    steps = draw(
        st.lists(
            st.tuples(st.integers(0, len(OPS) - 1), st.integers(0, 10**6), st.integers(0, 10**6)),
            min_size=1,
            max_size=14,
        )
    )
    return inputs, steps


def evaluate(
    program: Program, leaves: list[Any], scales: list[float], data: Callable[[Any], float]
) -> tuple[Any, list[Any]]:
    """Run the program on ``leaves``; E is the sum of all computed nodes (every node is used).

    ``scales`` is filled on the first call and reused afterwards. Returns E and the relu inputs.
    """
    _, steps = program
    nodes = list(leaves)
    kinks = []
    for k, (op, i, j) in enumerate(steps):
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        name, fn = OPS[op]
        if name == "relu":
            kinks.append(relu_input(a, b))
        node = fn(a, b)
        if len(scales) == k:
            scales.append(1.0 if abs(data(node)) <= 4.0 else 1.0 / abs(data(node)))
        nodes.append(node * scales[k])
    total = nodes[len(leaves)]
    for node in nodes[len(leaves) + 1 :]:
        total = total + node
    return total, kinks


@settings(max_examples=200, deadline=None, derandomize=True)
@given(programs())
def test_random_graphs_match_torch_and_finite_differences(program: Program) -> None:
    inputs, _ = program
    scales: list[float] = []
    leaves = [Value(v) for v in inputs]
    out, kinks = evaluate(program, leaves, scales, lambda v: v.data)
    out.backward()
    grads = [leaf.grad for leaf in leaves]

    tleaves = [tensor(v) for v in inputs]
    tout, _ = evaluate(program, tleaves, scales, lambda t: t.item())
    tout.backward()
    assert same(out.data, tout.item(), 1e-9)
    for leaf, tleaf in zip(leaves, tleaves, strict=True):
        assert same(leaf.grad, torch_grad(tleaf), 1e-9), (leaf.grad, torch_grad(tleaf))

    # Central finite differences, away from relu's kink.
    if all(abs(kink.data) > 1e-4 for kink in kinks):
        h = 1e-6
        for i, x in enumerate(inputs):
            up = [*inputs[:i], x + h, *inputs[i + 1 :]]
            down = [*inputs[:i], x - h, *inputs[i + 1 :]]
            f_up = evaluate(program, [Value(v) for v in up], scales, lambda v: v.data)[0].data
            f_down = evaluate(program, [Value(v) for v in down], scales, lambda v: v.data)[0].data
            numeric = (f_up - f_down) / (2 * h)
            assert abs(numeric - grads[i]) <= 1e-5 * (1.0 + abs(grads[i])), (numeric, grads[i])

    # A second sweep adds exactly the same gradient again on the leaves.
    out.backward()
    assert [leaf.grad for leaf in leaves] == [2 * g for g in grads]


# ---------------------------------------------------------------- accumulation and bookkeeping


def test_fan_out_sums_over_paths_and_leaves_accumulate_exactly() -> None:
    a = Value(1.5, "a")
    b = a + a  # a used twice
    c = b * b  # b used twice: c = 4 a^2
    c.backward()
    assert c.data == 9.0 and a.grad == 8 * 1.5  # dc/da = 8a
    assert b.grad == 2 * b.data  # dc/db = 2b
    c.backward()
    assert a.grad == 2 * 8 * 1.5  # the leaf accumulates
    assert (b.grad, c.grad) == (2 * b.data, 1.0)  # intermediate nodes hold this sweep's gradient


def test_second_backward_doubles_leaf_gradients_exactly_despite_rounding() -> None:
    x, w = Value(0.1), Value(0.7)
    y = x * 0.3 + x * w + (x * w).tanh() * x + x / 3 + w.sigmoid() * x
    y.backward()
    first = (x.grad, w.grad)
    y.backward()
    assert (x.grad, w.grad) == (2 * first[0], 2 * first[1])


def test_backward_from_a_leaf_accumulates_one() -> None:
    x = Value(3.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_zero_grad_clears_every_node_of_the_graph() -> None:
    x, y = Value(2.0), Value(-1.0)
    h = (x * y).tanh()
    out = h * x + y
    out.backward()
    assert all(node.grad != 0.0 for node in (x, y, h, out))
    out.zero_grad()
    assert all(node.grad == 0.0 for node in topological_order(out))
    out.backward()
    assert x.grad == pytest.approx((1 - math.tanh(-2.0) ** 2) * -1.0 * 2.0 + math.tanh(-2.0))


def test_topological_order_puts_each_node_once_after_its_parents() -> None:
    leaves = [Value(float(i)) for i in range(5)]
    nodes = list(leaves)
    for i in range(40):
        nodes.append(nodes[(7 * i) % len(nodes)] * nodes[(3 * i + 1) % len(nodes)] + nodes[-1])
    order = topological_order(nodes[-1])
    position = {id(node): k for k, node in enumerate(order)}
    assert len(position) == len(order) and order[-1] is nodes[-1]
    for node in order:
        assert all(position[id(parent)] < position[id(node)] for parent in node._parents)


def test_a_chain_of_200000_operations() -> None:
    x = Value(0.5)
    y = x
    n = 100_000
    for _ in range(n):
        y = y * 1.000001 + 0.0  # two operations per step
    assert len(topological_order(y)) == 2 * n + 1
    y.backward()
    assert x.grad == pytest.approx(1.000001**n, rel=1e-9)
    assert y.data == pytest.approx(0.5 * 1.000001**n, rel=1e-9)


# ---------------------------------------------------------------- edge cases and errors


def test_large_arguments_do_not_overflow() -> None:
    for a, expected in [(1000.0, 1.0), (-1000.0, 0.0)]:
        x = Value(a)
        s = x.sigmoid()
        s.backward()
        assert (s.data, x.grad) == (expected, 0.0)
    for a in (1000.0, -1000.0):
        x = Value(a)
        t = x.tanh()
        t.backward()
        assert (t.data, x.grad) == (math.copysign(1.0, a), 0.0)
    x = Value(1000.0)
    e = x.exp()
    e.backward()
    assert e.data == math.inf and x.grad == math.inf
    assert Value(-1000.0).exp().data == 0.0
    assert (Value(10.0) ** 400).data == math.inf and (Value(-10.0) ** 401).data == -math.inf
    assert (2 ** Value(5000.0)).data == math.inf


def test_log_of_zero_and_negative_numbers() -> None:
    assert Value(0.0).log().data == -math.inf
    assert math.isnan(Value(-1.0).log().data)
    assert math.isnan((Value(-8.0) ** (1 / 3)).data)


def test_step_is_a_threshold_with_zero_derivative() -> None:
    assert [Value(a).step().data for a in (-2.0, -0.0, 0.0, 1e-12, 3.0)] == [0, 0, 0, 1, 1]
    w, b = Value(0.8), Value(-0.1)
    out = (w * 2.0 + b).step()
    out.backward()
    assert out.op == "step" and out.data == 1.0
    assert (w.grad, b.grad) == (0.0, 0.0)  # no gradient reaches a threshold unit's weights
    x = Value(0.0)
    x.step().backward()
    assert x.grad == 0.0  # undefined at 0; 0 is used


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (lambda: Value(1.0) + "a", "for +: 'Value' and 'str'"),
        (lambda: "a" + Value(1.0), "for +: 'str' and 'Value'"),
        (lambda: Value(1.0) * None, "for *: 'Value' and 'NoneType'"),
        (lambda: None * Value(1.0), "for *: 'NoneType' and 'Value'"),
        (lambda: [1] * Value(1.0), "for *: 'list' and 'Value'"),
        (lambda: Value(1.0) - [1], "for -: 'Value' and 'list'"),
        (lambda: None - Value(1.0), "for -: 'NoneType' and 'Value'"),
        (lambda: Value(1.0) / "2", "for /: 'Value' and 'str'"),
        (lambda: "2" / Value(1.0), "for /: 'str' and 'Value'"),
        (lambda: Value(1.0) ** None, "for **: 'Value' and 'NoneType'"),
        (lambda: [2] ** Value(1.0), "for **: 'list' and 'Value'"),
        (lambda: Value(1.0) + 1j, "for +: 'Value' and 'complex'"),
    ],
)
def test_non_numeric_operand_raises_type_error_naming_the_type(
    expression: Callable[[], object], message: str
) -> None:
    with pytest.raises(TypeError) as error:
        expression()
    assert str(error.value) == (
        f"unsupported operand type(s) {message} "
        "(a Value combines only with a Value or a real number)"
    )


@pytest.mark.parametrize("data", ["3", None, [1.0], Value(1.0)])
def test_value_of_a_non_number_raises_type_error(data: object) -> None:
    with pytest.raises(TypeError) as error:
        Value(data)  # type: ignore[arg-type]
    assert str(error.value) == f"Value(data) needs a real number, got {type(data).__name__!r}"
