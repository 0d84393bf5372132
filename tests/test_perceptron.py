"""Rosenblatt's perceptron: the logic gates it can learn, XOR that it cannot, the rule itself."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop import Perceptron
from backprop.perceptron import PerceptronNotConverged

X2 = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
GATES = {
    "AND": (X2, np.array([0, 0, 0, 1])),
    "OR": (X2, np.array([0, 1, 1, 1])),
    "NAND": (X2, np.array([1, 1, 1, 0])),
    "NOT": (np.array([[0.0], [1.0]]), np.array([1, 0])),
}


@pytest.mark.parametrize("gate", list(GATES))
@pytest.mark.parametrize("mode", ["batch", "online"])
@pytest.mark.parametrize("signed", [False, True], ids=["0/1", "-1/+1"])
def test_logic_gates_are_learned(gate, mode, signed):
    X, y = GATES[gate]
    if signed:
        y = 2 * y - 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerceptronNotConverged)
        p = Perceptron(mode=mode).fit(X, y)
    assert p.converged_
    assert p.score(X, y) == 1.0
    np.testing.assert_array_equal(p.predict(X), y)
    assert p.n_epochs_ == len(p.errors_) <= 20
    assert p.errors_[-1] == 0 and all(e > 0 for e in p.errors_[:-1])
    assert p.theta_.shape == (X.shape[1] + 1,)
    np.testing.assert_array_equal(p.coef_, p.theta_[1:])
    assert p.intercept_ == p.theta_[0] and isinstance(p.intercept_, float)
    np.testing.assert_allclose(p.decision_function(X), X @ p.coef_ + p.intercept_)


@pytest.mark.parametrize("mode", ["batch", "online"])
@pytest.mark.parametrize("signed", [False, True], ids=["0/1", "-1/+1"])
def test_xor_is_not_linearly_separable(mode, signed):
    y = np.array([0, 1, 1, 0])
    if signed:
        y = 2 * y - 1
    with pytest.warns(PerceptronNotConverged, match="not linearly separable"):
        p = Perceptron(mode=mode, max_epochs=50).fit(X2, y)
    assert not p.converged_
    assert p.n_epochs_ == 50 and len(p.errors_) == 50
    assert min(p.errors_) > 0
    assert p.score(X2, y) < 1.0


def test_batch_rule_sums_over_the_misclassified_set():
    """From theta = 0 every example is misclassified (tie -> class 0), so the first update is
    theta = alpha * sum_n y_n x_n with x_0 = 1."""
    X, y = GATES["AND"]
    with pytest.warns(PerceptronNotConverged):
        p = Perceptron(lr=0.5, max_epochs=1).fit(X, y)
    signs = 2 * y - 1
    expected = 0.5 * signs @ np.hstack([np.ones((4, 1)), X])
    np.testing.assert_array_equal(p.theta_, expected)  # [-1, 0, 0]
    assert p.errors_ == [4]
    with pytest.warns(PerceptronNotConverged):
        p2 = Perceptron(lr=0.5, max_epochs=2).fit(X, y)
    # theta = [-1, 0, 0] now misclassifies only (1, 1): theta += 0.5 * (+1) * (1, 1, 1)
    np.testing.assert_array_equal(p2.theta_, [-0.5, 0.5, 0.5])
    assert p2.errors_ == [4, 1]


def test_online_rule_updates_after_each_mistake():
    X, y = GATES["AND"]
    with pytest.warns(PerceptronNotConverged):
        p = Perceptron(mode="online", max_epochs=1).fit(X, y)
    # (0,0), y=-1: theta.x = 0 is a mistake -> theta = -(1, 0, 0)
    # (0,1) and (1,0), y=-1: theta.x = -1, correct
    # (1,1), y=+1: theta.x = -1, mistake -> theta = (-1, 0, 0) + (1, 1, 1) = (0, 1, 1)
    np.testing.assert_array_equal(p.theta_, [0.0, 1.0, 1.0])
    assert p.errors_ == [2]


def test_the_tie_at_zero_is_the_negative_class():
    X, y = GATES["OR"]
    p = Perceptron().fit(X, y)
    p.theta_ = np.zeros(3)
    p.coef_, p.intercept_ = p.theta_[1:], 0.0
    np.testing.assert_array_equal(p.predict(X), [0, 0, 0, 0])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), mode=st.sampled_from(["batch", "online"]))
def test_converges_on_random_linearly_separable_data(seed, mode):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(3)
    X = rng.uniform(-1, 1, (60, 3))
    margin = X @ w + 0.2
    keep = np.abs(margin) > 0.1 * np.linalg.norm(w)  # a margin gamma keeps the epochs bounded
    X, y = X[keep], (margin[keep] > 0).astype(int)
    if len(np.unique(y)) < 2:
        return
    p = Perceptron(mode=mode, max_epochs=2000, shuffle=True, seed=seed).fit(X, y)
    assert p.converged_
    assert p.score(X, y) == 1.0


def test_shuffle_is_reproducible_with_a_seed():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 2))
    y = (X[:, 0] - 0.5 * X[:, 1] > 0.1).astype(int)
    a = Perceptron(mode="online", shuffle=True, seed=3).fit(X, y)
    b = Perceptron(mode="online", shuffle=True, seed=3).fit(X, y)
    np.testing.assert_array_equal(a.theta_, b.theta_)
    assert a.errors_ == b.errors_


def test_any_two_labels_and_an_explicit_pair():
    X, y = GATES["AND"]
    words = np.array(["no", "yes"])[y]
    p = Perceptron().fit(X, words)
    np.testing.assert_array_equal(p.predict(X), words)
    np.testing.assert_array_equal(p.classes_, ["no", "yes"])
    flipped = Perceptron(labels=(1, 0)).fit(X, y)  # 1 is now the negative class
    np.testing.assert_array_equal(flipped.predict(X), y)
    assert (flipped.decision_function(X) > 0).tolist() == (y == 0).tolist()


def test_labels_other_than_two_classes_are_refused():
    X, _ = GATES["AND"]
    with pytest.raises(ValueError, match=r"3 distinct label\(s\): \[0, 1, 2\]"):
        Perceptron().fit(X, [0, 1, 2, 1])
    with pytest.raises(ValueError, match=r"1 distinct label\(s\): \[1\]"):
        Perceptron().fit(X, [1, 1, 1, 1])
    with pytest.raises(ValueError, match=r"y holds labels \[0, 1, 2\]"):
        Perceptron(labels=(0, 1)).fit(X, [0, 1, 2, 1])
    assert Perceptron(labels=(0, 1)).fit(X, [1, 1, 1, 1]).converged_


def test_sklearn_style_construction_and_bad_input():
    p = Perceptron(lr=0.1, max_epochs=5, mode="online")
    assert not hasattr(p, "theta_") and p.lr == 0.1 and p.max_epochs == 5
    assert "mode='online'" in repr(p)
    with pytest.raises(ValueError, match="not fitted"):
        p.predict(X2)
    with pytest.raises(ValueError, match="mode"):
        Perceptron(mode="minibatch").fit(X2, [0, 0, 0, 1])
    with pytest.raises(ValueError, match="lr"):
        Perceptron(lr=0).fit(X2, [0, 0, 0, 1])
    # the library's one input and label checks, with their messages
    with pytest.raises(ValueError, match=r"^Perceptron: X has 4 examples but y has 2$"):
        Perceptron().fit(X2, [0, 1])
    with pytest.raises(
        ValueError,
        match=r"^Perceptron: y must be 1-D \(one label per example\), got shape \(4, 1\)$",
    ):
        Perceptron().fit(X2, [[0], [0], [0], [1]])
    with pytest.raises(
        ValueError,
        match=r"^Perceptron: X contains NaN or infinite values \(first at row 0, column 1; "
        r"1 rows affected\)$",
    ):
        Perceptron().fit(np.array([[0.0, np.nan], [1.0, 1.0]]), [0, 1])
    with pytest.raises(
        ValueError, match=r"^Perceptron: X must be 2-D \(examples, features\), got shape \(4,\)$"
    ):
        Perceptron().fit(np.zeros(4), [0, 0, 0, 1])
    with pytest.raises(TypeError, match=r"^Perceptron: X must be numeric: "):
        Perceptron().fit([["a", "b"]], [0])
    fitted = Perceptron().fit(X2, [0, 0, 0, 1])
    with pytest.raises(
        ValueError,
        match=r"^Perceptron: layer 1 expects 2 features, got 3; X has shape \(2, 3\)$",
    ):
        fitted.predict(np.zeros((2, 3)))
    assert fitted.fit(X2, [0, 1, 1, 1]) is fitted
    np.testing.assert_array_equal(fitted.predict(X2), [0, 1, 1, 1])
