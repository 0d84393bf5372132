"""graph.py: the one topological order and the one reverse sweep, on plain nodes and on both
engines: orders pinned, fan-out sums, graphs where visiting a node before all of its consumers
would give a wrong gradient, and a long chain."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from backprop import Value, tensor
from backprop.graph import reverse_sweep, topological_order
from backprop.scalar import _propagate


def _names(order, names):
    return [names[id(n)] for n in order]


def test_order_of_the_lecture_example_leaves_in_operand_order() -> None:
    # f = (x + y) * z: inputs before users, inputs in operand order.
    x, y, z = Value(1.0), Value(-3.0), Value(4.0)
    d = x + y
    f = d * z
    names = {id(x): "x", id(y): "y", id(z): "z", id(d): "d", id(f): "f"}
    assert _names(topological_order(f, lambda n: n._parents), names) == ["x", "y", "d", "z", "f"]

    tx, ty, tz = (tensor(v, requires_grad=True) for v in (1.0, -3.0, 4.0))
    td = tx + ty
    tf = td * tz
    names = {id(tx): "x", id(ty): "y", id(tz): "z", id(td): "d", id(tf): "f"}
    assert _names(topological_order(tf, lambda n: n.parents), names) == ["x", "y", "d", "z", "f"]


def test_order_of_a_fan_out_graph() -> None:
    # a = x * y is used by b = a + x and by c = a * b; x is used by a and by b.
    x, y = Value(2.0), Value(3.0)
    a = x * y
    b = a + x
    c = a * b
    names = {id(x): "x", id(y): "y", id(a): "a", id(b): "b", id(c): "c"}
    assert _names(topological_order(c, lambda n: n._parents), names) == ["x", "y", "a", "b", "c"]
    # The operand order decides: with c = b * a, b's inputs come first.
    c2 = b * a
    names[id(c2)] = "c"
    assert _names(topological_order(c2, lambda n: n._parents), names) == ["x", "y", "a", "b", "c"]
    e = x + (y * x)  # y * x visits y before x
    names.update({id(e): "e", id(e._parents[1]): "m"})
    assert _names(topological_order(e, lambda n: n._parents), names) == ["x", "y", "m", "e"]


def test_order_on_plain_nodes_given_by_a_dict() -> None:
    inputs = {"E": ("u", "v", "u"), "u": ("w", "x"), "v": ("x", "w"), "w": (), "x": ()}
    assert topological_order("E", inputs.__getitem__) == ["w", "x", "u", "v", "E"]
    assert topological_order("w", inputs.__getitem__) == ["w"]


def _random_dag(rng: random.Random, leaves: int, inner: int) -> dict[int, tuple[int, ...]]:
    inputs: dict[int, tuple[int, ...]] = {k: () for k in range(leaves)}
    for k in range(leaves, leaves + inner):
        inputs[k] = tuple(rng.randrange(k) for _ in range(rng.randint(1, 3)))
    return inputs


def test_order_puts_each_node_once_after_its_inputs_and_sweep_after_its_consumers() -> None:
    rng = random.Random(0)
    for _ in range(50):
        inputs = _random_dag(rng, rng.randint(1, 4), rng.randint(0, 30))
        root = max(inputs)
        order = topological_order(root, inputs.__getitem__)
        position = {n: k for k, n in enumerate(order)}
        assert len(position) == len(order) and order[-1] == root
        assert all(position[i] < position[n] for n in order for i in inputs[n])
        # Exactly the nodes root depends on.
        reached, stack = {root}, [root]
        while stack:
            for i in inputs[stack.pop()]:
                if i not in reached:
                    reached.add(i)
                    stack.append(i)
        assert set(order) == reached
        consumers = {n: {c for c in order if n in inputs[c]} for n in order}
        visited: list[int] = []

        def propagate(node: int, visited: list[int] = visited, consumers=consumers) -> None:
            assert consumers[node] <= set(visited)  # every node that uses it came first
            visited.append(node)

        reverse_sweep(order, propagate)
        assert visited == order[::-1]


def test_fan_out_sum_on_the_seed_graph() -> None:
    # z5 feeds z1, z2 and z3 (seed 000): dE/dz5 = sum_k dE/dz_k dz_k/dz5.
    z5 = Value(0.3)
    z1, z2, z3 = 2.0 * z5, z5.tanh(), z5 * z5
    E = z1 * z2 + z3
    E.backward()
    dE_dz1, dE_dz2, dE_dz3 = z2.data, z1.data, 1.0
    dz1, dz2, dz3 = 2.0, 1.0 - math.tanh(0.3) ** 2, 2 * 0.3
    assert (z1.grad, z2.grad, z3.grad) == (dE_dz1, dE_dz2, dE_dz3)
    assert z5.grad == pytest.approx(dE_dz1 * dz1 + dE_dz2 * dz2 + dE_dz3 * dz3, rel=1e-15)

    t5 = tensor([0.3, -1.2], requires_grad=True, dtype="float64")
    t1, t2, t3 = 2.0 * t5, t5.tanh(), t5 * t5
    tE = (t1 * t2 + t3).sum()
    tE.backward()
    a = np.array([0.3, -1.2])
    expected = np.tanh(a) * 2.0 + 2.0 * a * (1.0 - np.tanh(a) ** 2) + 2.0 * a
    np.testing.assert_allclose(t5.grad, expected, rtol=1e-14)


def _diamond_value(x: Value) -> tuple[Value, Value]:
    """a = tanh x feeds b = 3a directly and c = exp(exp(a)) through a longer path; E = b * c.

    The short and the long path reach ``a`` from E at different depths: a sweep that propagated
    ``a`` before ``c`` (say, breadth-first from E) would pass an incomplete dE/da down to x."""
    a = x.tanh()
    b = a * 3.0
    c = a.exp().exp()
    return a, b * c


def _diamond_expected(x: float) -> float:
    a = math.tanh(x)
    c = math.exp(math.exp(a))
    dE_da = 3.0 * c + 3.0 * a * c * math.exp(a)
    return dE_da * (1.0 - a * a)


def test_a_diamond_gives_the_chain_rule_gradient_in_both_engines() -> None:
    x = Value(0.4)
    a, E = _diamond_value(x)
    E.backward()
    assert x.grad == pytest.approx(_diamond_expected(0.4), rel=1e-13)
    tx = tensor([0.4, -0.7], requires_grad=True, dtype="float64")
    ta = tx.tanh()
    tE = (ta * 3.0 * ta.exp().exp()).sum()
    tE.backward()
    np.testing.assert_allclose(tx.grad, [_diamond_expected(0.4), _diamond_expected(-0.7)])
    # The other operand order: the long path is entered first.
    tx.grad = None
    ta = tx.tanh()
    (ta.exp().exp() * (ta * 3.0)).sum().backward()
    np.testing.assert_allclose(tx.grad, [_diamond_expected(0.4), _diamond_expected(-0.7)])


def test_the_diamond_catches_a_node_swept_before_its_consumers() -> None:
    # The check above has teeth: sweeping a before one of its consumers loses that path.
    x = Value(0.4)
    a, E = _diamond_value(x)
    order = topological_order(E, lambda n: n._parents)
    wrong = list(order)
    wrong.remove(a)
    wrong.insert(len(wrong) - 1, a)  # a is swept right after E, before b and c
    for node in order:
        node.grad = 0.0
    E.grad = 1.0
    reverse_sweep(wrong, _propagate)
    assert x.grad != pytest.approx(_diamond_expected(0.4), rel=1e-3)


def test_a_chain_of_200000_plain_nodes() -> None:
    n = 200_000
    order = topological_order(n, lambda k: (k - 1,) if k else ())
    assert order == list(range(n + 1))
    seen: list[int] = []
    reverse_sweep(order, seen.append)
    assert seen[0] == n and seen[-1] == 0 and len(seen) == n + 1
    # The engines' own long chains: test_scalar's and test_tensor's chains of 200,000 operations.
