"""The textbook BP1-BP4 network against the graph engine on the same weights."""

import numpy as np
import pytest

import backprop as bp
from backprop import nn, optim
from backprop.layered import Network


def graph_gradients(net: Network, X: np.ndarray, Y: np.ndarray):
    seq = net.to_sequential()
    out = seq(bp.Tensor(X))
    if net.cost_name == "quadratic":
        cost = nn.QuadraticLoss()(out, Y)
    else:
        cost = nn.BCELoss(reduction="sum")(out, Y) * (1.0 / len(X))
    cost.backward()
    return [seq[2 * i].weight.grad for i in range(len(net.weights))], [
        seq[2 * i].bias.grad for i in range(len(net.biases))
    ], float(cost.data)


def assert_layered_equals_graph(net: Network, X: np.ndarray, Y: np.ndarray) -> None:
    """BP1-BP4's cost and gradients equal the graph engine's on the same weights."""
    grads_W, grads_b = net.backprop(X, Y)
    graph_W, graph_b, graph_cost = graph_gradients(net, X, Y)
    assert graph_cost == pytest.approx(net.cost(X, Y), rel=1e-12)
    for mine, theirs in zip(grads_W + grads_b, graph_W + graph_b, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "linear"])
@pytest.mark.parametrize("sizes", [[3, 5, 4, 2], [4, 7, 3], [2, 1]])
def test_bp1_to_bp4_equal_the_graph_engine(activation, sizes):
    rng = np.random.default_rng(sum(sizes))
    net = Network(sizes, activation=activation, init="normal", seed=1, dtype=np.float64)
    X = rng.standard_normal((6, sizes[0]))
    Y = rng.random((6, sizes[-1]))
    assert_layered_equals_graph(net, X, Y)


def test_cross_entropy_cost_equals_summed_bce_over_examples():
    rng = np.random.default_rng(3)
    net = Network([4, 6, 3], cost="cross_entropy", seed=2, dtype=np.float64)
    X, Y = rng.standard_normal((5, 4)), (rng.random((5, 3)) > 0.5).astype(float)
    assert_layered_equals_graph(net, X, Y)


def test_to_sequential_shares_memory_so_fit_trains_the_network():
    X, y = bp.data.xor()
    net = Network([2, 4, 1], init="uniform", seed=0, dtype=np.float64)
    seq = net.to_sequential()
    before = [W.copy() for W in net.weights]
    bp.fit(
        seq,
        X,
        y,
        loss=nn.QuadraticLoss(),
        optimizer=optim.SGD(seq.parameters(), lr=4.0),
        epochs=1500,
        seed=0,
    )
    assert not np.array_equal(before[0], net.weights[0])
    assert seq[0].weight.data is net.weights[0]
    np.testing.assert_array_equal(net.predict(X), y)


def test_from_sequential_copies_weights_and_predicts_the_same():
    seq = nn.mlp([3, 5, 2], activation="tanh", output="tanh", seed=4, dtype="float64")
    net = Network.from_sequential(seq)
    X = np.random.default_rng(0).standard_normal((7, 3))
    np.testing.assert_allclose(net.feedforward(X), seq(X).data, rtol=1e-14)
    assert net.activation == "tanh" and net.sizes == [3, 5, 2]
    net.weights[0][0, 0] += 1.0
    assert seq[0].weight.data[0, 0] != net.weights[0][0, 0]


def test_from_sequential_rejects_other_structures():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1), nn.Sigmoid())
    with pytest.raises(ValueError, match=r"alternating, the same after every Linear; got layer 0"):
        Network.from_sequential(seq)
    with pytest.raises(ValueError, match="from_sequential needs Linear"):
        Network.from_sequential(nn.mlp([2, 3, 1]))  # ends with a Linear, no activation
