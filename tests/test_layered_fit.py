"""The textbook network trained by the one loop: fit's BP1-BP4 step, fused or not, its record."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import backprop as bp
from backprop import nn, optim
from backprop.layered import LayeredStep, Network
from backprop.nn.losses import BCELoss, BCEWithLogitsLoss, HingeLoss, QuadraticLoss, accuracy


def problem(n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    return X, (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int) + (X[:, 2] > 1)


def graph_copy(net: Network) -> nn.Sequential:
    """An independent Sequential with the network's weights (a copy, not shared memory)."""
    twin = Network(net.sizes, activation=net.activation, output=net.output, cost=net.cost_name,
                   dtype=net.dtype, seed=0)
    twin.load_state_dict(net.state_dict())
    layers = list(twin.to_sequential())
    return nn.Sequential(*(layers[:-1] if net.output == "softmax" else layers))


@pytest.mark.parametrize(
    "cost,loss", [("quadratic", "quadratic"), ("log_likelihood", "cross_entropy")]
)
@pytest.mark.parametrize("make_optimizer", [
    lambda p: optim.SGD(p, lr=0.5),  # the fused step
    lambda p: optim.SGD(p, lr=0.5, momentum=0.9),  # p.grad and the optimizer
    lambda p: optim.Adam(p, lr=0.01),
])
@pytest.mark.parametrize("lmbda", [0.0, 0.05])
def test_fit_on_the_network_equals_fit_on_the_graph_engine(cost, loss, make_optimizer, lmbda):
    X, y = problem()
    net = Network([3, 5, 3], activation="tanh", cost=cost, seed=1, dtype=np.float64,
                  output="sigmoid" if cost == "quadratic" else None)
    model = graph_copy(net)
    reg = nn.L2(lmbda) if lmbda else None
    a = bp.fit(net, X, y, optimizer=make_optimizer(net.parameters()), epochs=4, batch_size=7,
               seed=3, regularization=reg, progress=False)
    b = bp.fit(model, X, y, loss=loss, optimizer=make_optimizer(model.parameters()), epochs=4,
               batch_size=7, seed=3, regularization=reg, progress=False)
    np.testing.assert_allclose(a.loss, b.loss, rtol=1e-10)
    for ours, theirs in zip(net.parameters(), model.parameters(), strict=True):
        np.testing.assert_allclose(ours.data, theirs.data, rtol=1e-9, atol=1e-12)


def test_the_fused_step_is_taken_only_under_plain_sgd():
    net = Network([2, 3, 1], seed=0)
    assert LayeredStep(net, optim.SGD(net.parameters(), lr=1.0)).fused
    assert not LayeredStep(net, optim.SGD(net.parameters(), lr=1.0, momentum=0.5)).fused
    assert not LayeredStep(net, optim.SGD(net.parameters(), lr=1.0, weight_decay=0.1)).fused
    assert not LayeredStep(net, optim.Adam(net.parameters(), lr=1.0)).fused
    assert not LayeredStep(net, optim.SGD(net.parameters(), lr=1.0), record=True).fused
    assert not LayeredStep(net, optim.SGD(net.parameters()[:2], lr=1.0)).fused


def test_a_learning_rate_schedule_reaches_the_fused_step():
    X, y = problem()
    runs = []
    for record in (False, True):  # fused, and the unfused step that keeps a record
        net = Network([3, 4, 3], seed=2, dtype=np.float64)
        opt = optim.SGD(net.parameters(), lr=2.0)
        step = net.training_step(None, opt, record=record)
        sched = optim.StepLR(opt, step_size=1, gamma=0.5)
        for _ in range(3):
            for start in range(0, 40, 10):
                Y = net._targets(y[start:start + 10], 10)
                step.forward(X[start:start + 10], Y)
                step.backward()
                step.update()
            sched.step()
        runs.append(net.state_dict())
    for key in runs[0]:
        np.testing.assert_allclose(runs[0][key], runs[1][key], rtol=1e-12, atol=1e-14)


def test_nielsens_lmbda_is_in_the_reported_cost_as_lambda_over_2n():
    """One full-batch epoch reports C_0 + lmbda/(2n) sum_w w^2 at the starting weights."""
    X, y = problem()
    net = Network([3, 4, 3], seed=5, dtype=np.float64)
    lmbda, n = 3.0, len(X)
    expected = net.cost(X, y) + lmbda / (2 * n) * sum(float((W**2).sum()) for W in net.weights)
    history = net.sgd(X, y, epochs=1, mini_batch_size=n, eta=0.1, lmbda=lmbda, seed=0)
    assert history[0]["cost"] == pytest.approx(expected, rel=1e-12)
    assert expected > net.cost(X, y) * 1.01  # the penalty is a visible part of it


def test_the_step_record_holds_every_quantity_and_the_per_example_terms():
    X, y = problem(12)
    net = Network([3, 4, 3], cost="log_likelihood", seed=0, dtype=np.float64)
    rec = net.record(X, y)
    grad_W, grad_b = net.backprop(X, y)
    for l in (1, 2):
        per_example_w = np.mean([rec.example_grad_w(l, x) for x in range(12)], axis=0)
        per_example_b = np.mean([rec.example_grad_b(l, x) for x in range(12)], axis=0)
        np.testing.assert_allclose(per_example_w, grad_W[l - 1], rtol=1e-12)
        np.testing.assert_allclose(per_example_b, grad_b[l - 1], rtol=1e-12)
        np.testing.assert_array_equal(rec.grad_w[l], grad_W[l - 1])
    assert rec.cost == pytest.approx(net.cost(X, y), rel=1e-14)
    np.testing.assert_allclose(rec.a[2].sum(axis=1), 1.0)  # softmax outputs
    np.testing.assert_allclose(rec.delta[2], rec.a[2] - np.eye(3)[y], rtol=1e-14)  # BP1


def test_a_step_runs_one_phase_at_a_time():
    X, y = problem(8)
    net = Network([3, 4, 3], seed=0, dtype=np.float64)
    before = net.state_dict()
    step = net.training_step(None, optim.SGD(net.parameters(), lr=0.3), record=True)
    Y = net._targets(y, 8)
    cost = step.forward(X, Y)
    assert cost == pytest.approx(net.cost(X, y)) and step.record.cost == cost
    for key, value in net.state_dict().items():  # forward and backward change no weight
        np.testing.assert_array_equal(value, before[key])
    step.backward()
    grads = [p.grad.copy() for p in net.parameters()]
    step.update()
    for p, g, key in zip(net.parameters(), grads, before, strict=True):
        np.testing.assert_allclose(p.data, before[key] - 0.3 * g, rtol=1e-14)


def test_the_log_likelihood_network_equals_cross_entropy_on_the_scores():
    X, y = problem(10)
    net = Network([3, 4, 3], cost="log_likelihood", seed=0, dtype=np.float64)
    model = graph_copy(net)
    cost = nn.CrossEntropyLoss()(model(bp.tensor(X, dtype="float64")), y)
    cost.backward()
    assert net.cost(X, y) == pytest.approx(float(cost.data), rel=1e-12)
    grad_W, grad_b = net.backprop(X, y)
    theirs = [p.grad for p in model.parameters()]
    ours = [g for pair in zip(grad_W, grad_b, strict=True) for g in pair]
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-14)


def test_the_network_saves_loads_and_resumes_like_any_model(tmp_path):
    X, y = problem()
    net = Network([3, 5, 3], activation="relu", cost="log_likelihood", seed=0)
    bp.fit(net, X, y, optimizer=optim.SGD(net.parameters(), lr=0.2), epochs=2, batch_size=8,
           seed=0, progress=False)
    bp.save(net, tmp_path / "net.npz")
    again = bp.load(tmp_path / "net.npz")
    assert isinstance(again, Network) and again.config() == net.config()
    np.testing.assert_array_equal(again.feedforward(X), net.feedforward(X))

    def run(epochs, resume):
        model = Network([3, 5, 3], activation="relu", cost="log_likelihood", seed=0)
        history = bp.fit(model, X, y, optimizer=optim.SGD(model.parameters(), lr=0.2),
                         epochs=epochs, batch_size=8, seed=0, progress=False,
                         checkpoint=tmp_path / "ck.npz", resume=resume)
        return model, history

    whole, h_whole = run(6, resume=False)
    (tmp_path / "ck.npz").unlink()
    run(3, resume=False)
    resumed, h_resumed = run(6, resume=True)
    assert h_resumed.loss == h_whole.loss
    for key, value in whole.state_dict().items():
        np.testing.assert_array_equal(resumed.state_dict()[key], value)


def test_stop_and_step_callbacks_end_training_after_the_current_step():
    X, y = problem()
    net = Network([3, 4, 3], seed=0)
    stop, seen = threading.Event(), []

    def on_step(end):
        seen.append((end.epoch, end.step))
        if (end.epoch, end.step) == (2, 3):
            stop.set()

    history = bp.fit(net, X, y, optimizer=optim.SGD(net.parameters(), lr=0.5), epochs=5,
                     batch_size=10, seed=0, step_callbacks=[on_step], stop=stop, progress=False)
    assert seen[-1] == (2, 3) and len(seen) == 7
    assert history.stop_reason == "stop_requested"
    assert history.epochs_run == 2 and history.steps_in_last_epoch == 3 and len(history.loss) == 2
    history = bp.fit(net, X, y, optimizer=optim.SGD(net.parameters(), lr=0.5), epochs=5,
                     batch_size=10, seed=0, step_callbacks=[lambda end: end.step == 2],
                     progress=False)
    assert history.stop_reason == "callback" and history.steps_in_last_epoch == 2


def test_a_network_with_another_loss_trains_through_the_graph_engine():
    X, y = problem()
    net = Network([3, 4, 3], seed=0, dtype=np.float64)
    assert net.training_step(nn.MSELoss(), optim.SGD(net.parameters(), lr=1.0)) is None
    assert isinstance(net.training_step(QuadraticLoss(), optim.SGD(net.parameters(), lr=1.0)),
                      LayeredStep)
    history = bp.fit(net, X, y, loss="mse", optimizer=optim.SGD(net.parameters(), lr=1.0),
                     epochs=3, batch_size=10, seed=0, progress=False)
    assert history.loss[-1] < history.loss[0]


def test_single_output_thresholds_come_from_the_loss():
    scores = np.array([[0.3], [-0.2], [0.7]])
    truth = np.array([1, 0, 0])
    assert BCEWithLogitsLoss().predict(scores).tolist() == [1, 0, 1]  # scores: threshold 0
    assert BCELoss().predict(scores).tolist() == [0, 0, 1]  # probabilities: threshold 0.5
    assert HingeLoss().predict(scores).tolist() == [1, 0, 1]
    assert QuadraticLoss().predict(scores) is None  # regression: no class
    assert accuracy(scores, truth, BCEWithLogitsLoss.threshold) == pytest.approx(2 / 3)
    assert accuracy(scores, truth, BCELoss.threshold) == pytest.approx(1 / 3)
    assert accuracy(scores, np.array([1, 0, 1]), BCELoss.threshold) == pytest.approx(2 / 3)
    assert accuracy(scores, np.array([1, 0, 1]), BCEWithLogitsLoss.threshold) == 1.0
    # through fit: validation accuracy of a logit model uses threshold 0
    model = nn.mlp([1, 1], output="identity", seed=0, dtype="float64")
    model[0].weight.data[...] = 1.0
    model[0].bias.data[...] = 0.0
    X = np.array([[0.3], [-0.2], [0.4], [-0.1]])
    history = bp.fit(model, X, np.array([1, 0, 1, 0]), loss="bce_with_logits",
                     optimizer=optim.SGD(model.parameters(), lr=1e-9), epochs=1,
                     validation=(X, np.array([1, 0, 1, 0])), progress=False)
    assert history.val_accuracy == [1.0]


@pytest.mark.parametrize("activation", ["softplus", "elu", "leaky_relu", "linear"])
def test_every_row_of_the_activation_table_trains_in_the_textbook_network(activation):
    X, y = problem()
    net = Network([3, 5, 3], activation=activation, cost="log_likelihood", seed=1,
                  dtype=np.float64)
    model = graph_copy(net)
    a = bp.fit(net, X, y, optimizer=optim.SGD(net.parameters(), lr=0.3), epochs=2,
               batch_size=8, seed=0, progress=False)
    b = bp.fit(model, X, y, loss="cross_entropy", optimizer=optim.SGD(model.parameters(), lr=0.3),
               epochs=2, batch_size=8, seed=0, progress=False)
    np.testing.assert_allclose(a.loss, b.loss, rtol=1e-10)
