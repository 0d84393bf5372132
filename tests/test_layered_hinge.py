"""The textbook network's hinge cost C = (1/n) sum_x max(0, 1 - y a^L): by hand, against the graph
engine (``nn.HingeLoss`` on ``to_sequential()``), against finite differences away from the kink,
and through ``fit``, save/load and the BP1-BP4 walk-through."""

import numpy as np
import pytest

import backprop as bp
from backprop import nn, optim
from backprop.explain.network import network_steps
from backprop.layered import LayeredStep, Network
from backprop.nn.losses import HingeLoss, hinge, hinge_subgradient


def hinge_net(sizes, activation="tanh", seed=1) -> Network:
    return Network(
        sizes, activation=activation, cost="hinge", init="normal", seed=seed, dtype=np.float64
    )


def spread(net: Network) -> Network:
    """The same network with scores a^L = 3 w^L a^{L-1} + b^L + 1: examples of class +1 beyond
    the margin (no cost, subgradient 0), others inside it, so the kink's two sides are tested."""
    net.weights[-1][...] *= 3
    net.biases[-1][...] += 1
    return net


def data(n=12, n_in=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, n_in)), rng.integers(0, 2, n)


def test_hinge_and_its_subgradient_by_hand():
    s = np.array([2.0, 0.5, -1.0, 0.3, 1.0, -1.0])
    y = np.array([1.0, 1.0, 1.0, -1.0, 1.0, -1.0])
    # 1 - y s = -1, 0.5, 2, 1.3, 0 (the kink), 0  ->  max(0, .)
    np.testing.assert_array_equal(hinge(s, y), [0.0, 0.5, 2.0, 1.3, 0.0, 0.0])
    # -y where y s < 1; at the kink y s = 1 the subgradient 0
    np.testing.assert_array_equal(hinge_subgradient(s, y), [0.0, -1.0, -1.0, 1.0, 0.0, 0.0])
    assert hinge_subgradient(s.astype(np.float32), y).dtype == np.float32


def test_cost_and_bp1_to_bp4_by_hand():
    net = Network([2, 1], cost="hinge", dtype=np.float64)
    assert net.output == "identity" and net.threshold == 0.0
    net.weights[0][...] = [[1.0, -2.0]]
    net.biases[0][...] = [0.5]
    X = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0], [1.0, -1.0]])
    y = np.array([1, 0, 1, 1])  # the labels 1/0 are +1/-1
    # a^1 = 1.5, -1.5, -1.5, 3.5; 1 - y a = -0.5, -0.5, 2.5, -2.5: only example 3 costs
    record = net.record(X, y)
    np.testing.assert_array_equal(record.y.ravel(), [1.0, -1.0, 1.0, 1.0])
    np.testing.assert_array_equal(record.a[1].ravel(), [1.5, -1.5, -1.5, 3.5])
    assert record.cost == 2.5 / 4
    np.testing.assert_array_equal(record.delta[1].ravel(), [0.0, 0.0, -1.0, 0.0])  # BP1
    np.testing.assert_array_equal(record.grad_b[1], [-0.25])  # BP3: (1/4) sum_x delta^x
    np.testing.assert_array_equal(record.grad_w[1], [[-0.5, -0.5]])  # BP4: -(1/4) (2, 2)
    assert net.cost(X, y) == 2.5 / 4
    np.testing.assert_array_equal(net.predict(X), [1, 0, 0, 1])  # the sign of a^L


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "linear"])
@pytest.mark.parametrize("sizes", [[3, 5, 4, 1], [3, 1]])
@pytest.mark.parametrize("signs", [False, True])
def test_bp1_to_bp4_and_the_cost_equal_the_graph_engines(activation, sizes, signs):
    net = spread(hinge_net(sizes, activation))
    X, y = data()
    y = 2 * y - 1 if signs else y  # labels +-1 or 1/0, as HingeLoss takes them
    seq = net.to_sequential()
    cost = HingeLoss()(seq(bp.Tensor(X)), y)
    cost.backward()
    record = net.record(X, y)
    assert record.cost == pytest.approx(float(cost.data), rel=1e-12)
    assert net.cost(X, y) == pytest.approx(float(cost.data), rel=1e-12)
    assert 0 < record.delta[-1].astype(bool).sum() < len(X)  # both sides of the kink
    for l in range(1, len(net.sizes)):
        np.testing.assert_allclose(record.grad_w[l], seq[2 * l - 2].weight.grad, 1e-12, 1e-15)
        np.testing.assert_allclose(record.grad_b[l], seq[2 * l - 2].bias.grad, 1e-12, 1e-15)


def test_gradients_equal_finite_differences_away_from_the_kink():
    net = spread(hinge_net([3, 4, 1]))
    X, y = data(8)
    record = net.record(X, y)
    margin = (record.y * record.a[-1]).ravel()
    assert np.abs(margin - 1).min() > 1e-3  # no example within 1e-3 of the kink y a = 1
    assert 0 < (margin < 1).sum() < len(X)
    eps = 1e-6
    for l, (W, b) in enumerate(zip(net.weights, net.biases, strict=True), 1):
        for param, grad in ((W, record.grad_w[l]), (b, record.grad_b[l])):
            numeric = np.zeros_like(param)
            for i in np.ndindex(param.shape):
                keep = param[i]
                param[i] = keep + eps
                up = net.cost(X, y)
                param[i] = keep - eps
                down = net.cost(X, y)
                param[i] = keep
                numeric[i] = (up - down) / (2 * eps)
            np.testing.assert_allclose(grad, numeric, rtol=0, atol=1e-8)


@pytest.mark.parametrize(
    "optimizer", [lambda p: optim.SGD(p, lr=0.1), lambda p: optim.SGD(p, lr=0.1, momentum=0.9)]
)
def test_fit_by_bp1_to_bp4_equals_the_graph_engine(optimizer):
    X, y = data(20)
    layered, twin = hinge_net([3, 4, 1], seed=5), hinge_net([3, 4, 1], seed=5)
    seq = twin.to_sequential()
    opt = optimizer(layered.parameters())
    step = layered.training_step(None, opt)
    assert isinstance(step, LayeredStep) and step.fused == (opt.momentum == 0.0)
    assert isinstance(layered.training_step(HingeLoss(), opt), LayeredStep)
    assert layered.training_step(HingeLoss("sum"), opt) is None
    history = bp.fit(layered, X, y, optimizer=opt, epochs=4, batch_size=6, seed=0, progress=False)
    graph = bp.fit(
        seq,
        X,
        y,
        loss="hinge",
        optimizer=optimizer(seq.parameters()),
        epochs=4,
        batch_size=6,
        seed=0,
        progress=False,
    )
    np.testing.assert_allclose(history.loss, graph.loss, rtol=1e-12)
    for mine, theirs in zip(layered.parameters(), twin.parameters(), strict=True):
        np.testing.assert_allclose(mine.data, theirs.data, rtol=0, atol=1e-12)


def test_a_recorded_step_in_phases_moves_each_weight_by_eta_times_its_gradient():
    net = hinge_net([3, 4, 1])
    X, y = data(6)
    before = [p.data.copy() for p in net.parameters()]
    step = net.training_step(None, optim.SGD(net.parameters(), lr=0.5), record=True)
    Y = step.prepare_targets(y, 1, net.dtype)
    np.testing.assert_array_equal(Y.ravel(), 2 * y - 1)
    assert step.forward(X, Y) == pytest.approx(HingeLoss()(net.feedforward(X), y).data, rel=1e-12)
    step.backward()
    grads = [*step.record.grad_w[1:], *step.record.grad_b[1:]]
    step.update()
    after = [p.data for p in net.parameters()]
    for i, g in enumerate([grads[0], grads[2], grads[1], grads[3]]):  # w^1, b^1, w^2, b^2
        np.testing.assert_allclose(after[i], before[i] - 0.5 * g, rtol=0, atol=1e-15)


def test_fit_separates_xor_at_the_corners():
    X, y = bp.data.xor()
    net = hinge_net([2, 4, 1], seed=0)
    bp.fit(
        net, X, y, optimizer=optim.SGD(net.parameters(), lr=0.1), epochs=300, seed=0, progress=False
    )
    np.testing.assert_array_equal(net.predict(X), y)
    assert net.cost(X, y) == 0.0  # every example beyond the margin


def test_save_and_load_keep_the_hinge(tmp_path):
    net = hinge_net([3, 4, 1])
    bp.save(net, tmp_path / "hinge.npz")
    loaded = bp.load(tmp_path / "hinge.npz")
    assert loaded.config() == net.config() and loaded.config()["cost"] == "hinge"
    assert loaded.threshold == 0.0
    X, y = data()
    assert loaded.cost(X, y) == net.cost(X, y)
    np.testing.assert_array_equal(loaded.record(X, y).delta[1], net.record(X, y).delta[1])


def test_the_walk_through_writes_the_hinges_cost_and_bp1():
    net = hinge_net([2, 2, 1])
    X, y = np.array([[0.5, -1.0]]), np.array([0])
    steps = {(s.equation, s.layer): s for s in network_steps(net, X, y)}
    record = net.record(X, y)
    cost, bp1 = steps["cost", 2], steps["BP1", 2]
    assert cost.formula == "C = max(0, 1 - y a^2), y = +1 or -1"
    assert cost.formula_latex == r"C = \max(0,\ 1 - y\, a^{2}),\ y = \pm 1"
    assert float(cost.value) == record.cost
    assert bp1.formula == (
        "delta^2 = grad_a C (.) id'(z^2) = -y [y a^2 < 1] (hinge subgradient; id'(z^2) = 1)"
    )
    assert bp1.formula_latex == (
        r"\delta^{2} = \nabla_a C \odot \mathrm{id}'(z^{2}) = -y\,[y\, a^{2} < 1]"
    )
    np.testing.assert_array_equal(bp1.value, record.delta[2][0])
    np.testing.assert_array_equal(steps["target", 2].value, [-1.0])


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"output": "sigmoid"}, "cost='hinge' needs output='identity'"),
        ({"output": "softmax"}, "cost='hinge' needs output='identity'"),
        ({"sizes": [2, 3, 2]}, "one output neuron"),
    ],
)
def test_other_outputs_are_refused(kwargs, message):
    kwargs = {"sizes": [2, 3, 1], **kwargs}
    with pytest.raises(ValueError, match=message):
        Network(cost="hinge", **kwargs)


def test_the_linear_alias_and_labels():
    assert Network([2, 1], cost="hinge", output="linear").output == "linear"
    net = hinge_net([2, 1])
    with pytest.raises(ValueError, match=r"labels must be \+1/-1 \(or 1/0\), got 2"):
        net.record(np.zeros((3, 2)), [1, 2, 0])
    linear = nn.Sequential(nn.Linear(2, 3), nn.Identity(), nn.Linear(3, 1), nn.Identity())
    assert Network.from_sequential(linear, cost="hinge").output == "identity"
    with pytest.raises(ValueError, match="needs output='identity'"):
        Network.from_sequential(nn.mlp([2, 3, 1], activation="tanh", output="tanh"), cost="hinge")
