"""The one topological order and the one reverse sweep of a computational graph.

Both engines, ``Value`` (one node per number) and ``Tensor`` (one node per array), and the
``explain`` tables walk their graphs with these two functions, "sort, then one loop":

    order = topological_order(E, inputs)      # every node after its inputs, E last
    reverse_sweep(order, propagate)           # every node after all of its consumers

A node is anything hashable by identity; the graph is given by ``inputs(node)``, the nodes a node
was computed from, in operand order (empty for a leaf). What a node does with its gradient is
given by ``propagate(node)``: it hands dE/dnode * dnode/dinput to each of its inputs.

Why an order plus a per-node ``propagate``, and not one sweep that also keeps the gradients (a
dict from node to dE/dnode, adding each input's share itself): the two engines keep their running
sums in different places for good reasons. A ``Value`` adds into the float ``.grad`` of its input;
keeping the sums in a dict instead and multiplying through a generic callback measured 3-4 times
slower on the 64,637-node graph of ``bench/engine.py`` (112 ms against 30 ms for the sweep), while
a call of ``propagate`` per node costs about 10%. A ``Tensor`` keeps its sums in a dict so that
inner nodes hold no ``.grad`` unless asked (``retain_grad``), and skips nodes no gradient reaches.
The order is a depth-first search rather than a heap by creation number (the Tensor engine's
former sweep): it needs no numbering of nodes, is linear in the size of the graph, and also gives
``explain`` its display order (inputs in operand order).

Both functions are iterative, so chains of any length (200,000 ``Value`` operations) work without
reaching Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

__all__ = ["reverse_sweep", "topological_order"]

Node = TypeVar("Node")


def topological_order(root: Node, inputs: Callable[[Node], Iterable[Node]]) -> list[Node]:
    """Every node that ``root`` depends on, once each, each after all of its inputs, ``root`` last.

    Depth-first, inputs visited in operand order: for the lectures' f = (x + y) * z the order is
    x, y, x + y, z, f. A node is appended when the iterator over its inputs is exhausted, that is
    once every input has been appended (a leaf, with no inputs, at once); an explicit stack of
    (node, iterator) pairs stands in for recursion.
    """
    order: list[Node] = []
    visited = {root}
    stack = [(root, iter(inputs(root)))]
    push, pop, append, mark = stack.append, stack.pop, order.append, visited.add
    while stack:
        node, pending = stack[-1]
        for child in pending:
            if child not in visited:
                mark(child)
                grandchildren = inputs(child)
                if grandchildren:
                    push((child, iter(grandchildren)))
                    break
                append(child)  # a leaf waits for nothing
        else:
            pop()
            append(node)
    return order


def reverse_sweep(order: Sequence[Node], propagate: Callable[[Node], object]) -> None:
    """The chain rule over a graph: ``propagate`` every node after all of the nodes that use it.

    A node z used by the nodes z_1, ..., z_K (fan-out) influences E only through them, so

        dE/dz = sum_k dE/dz_k * dz_k/dz

    (seed 000: dE/dz_5 = dE/dz_1 dz_1/dz_5 + dE/dz_2 dz_2/dz_5 + dE/dz_3 dz_3/dz_5). Seed the
    output with dE/dE = 1; ``propagate(z_k)`` adds its term dE/dz_k * dz_k/dz to the running sum of
    each input z. Walking ``order`` (a ``topological_order``) backwards visits every z_k before z,
    so when z itself is propagated its sum has all K terms: dE/dz is complete before it is passed
    further down.
    """
    for node in reversed(order):
        propagate(node)
