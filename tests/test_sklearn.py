"""backprop.sklearn: MLPClassifier / MLPRegressor pass scikit-learn's estimator checks, learn real
data sets inside Pipeline and cross_val_score, and keep sklearn's conventions (probabilities,
partial_fit, alpha, convergence warning, validation messages)."""

from __future__ import annotations

import doctest
import re
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits, make_blobs, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import backprop.sklearn
from backprop.sklearn import MLPClassifier, MLPRegressor
from backprop.tensor import Tensor

# scikit-learn's estimator checks, with no expected failures.
#
# The instances use learning_rate_init=0.01 rather than the default 1e-3: check_classifiers_train
# and check_regressors_train demand accuracy > 0.83 / R^2 > 0.5 after training on 300 examples,
# and with max_iter=50 (kept small for speed) that is only 100 mini-batch steps. At lr=1e-3
# neither these estimators nor sklearn's own MLPClassifier/MLPRegressor (same max_iter and hidden
# layer) reach those scores; a step size of 0.01 does, so nothing has to be marked as failing.
# Not checked here: early_stopping=True, which (exactly like sklearn's MLP) fails the checks that
# call partial_fit ("partial_fit does not support early_stopping=True") or fit a handful of rows
# ("The validation set is too small").
CHECKED = [
    MLPClassifier(max_iter=50, hidden_layer_sizes=(8,), learning_rate_init=0.01, random_state=0),
    MLPRegressor(max_iter=50, hidden_layer_sizes=(8,), learning_rate_init=0.01, random_state=0),
    MLPClassifier(
        max_iter=50, hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=0.1, random_state=0
    ),
    MLPRegressor(
        max_iter=50,
        hidden_layer_sizes=(8, 8),
        activation="tanh",
        dtype="float64",
        learning_rate_init=0.01,
        random_state=0,
    ),
]
EXPECTED_FAILED_CHECKS: dict[str, str] = {}

# Runs that hit max_iter warn, as they should; test_convergence_warning_* checks that warning.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@parametrize_with_checks(CHECKED, expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# ---------------------------------------------------------------------------------- data
def _noisy_sin(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3, 3, size=(n, 1))
    return X, np.sin(X[:, 0]) + 0.1 * rng.normal(size=n)


@pytest.fixture(scope="module")
def blobs() -> tuple[np.ndarray, np.ndarray]:
    """Three blobs a linear classifier separates to about 95%."""
    X, y = make_blobs(
        n_samples=300, centers=[[-3, 0], [3, 0], [0, 4]], cluster_std=1.2, random_state=0
    )
    return StandardScaler().fit_transform(X), y


# ---------------------------------------------------------------------------------- learning
def test_digits_pipeline_reaches_95_percent():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    pipe = make_pipeline(StandardScaler(), MLPClassifier(random_state=0))
    pipe.fit(X_train, y_train)
    clf = pipe[-1]
    assert pipe.score(X_test, y_test) >= 0.95
    assert clf.n_features_in_ == 64 and clf.n_outputs_ == 10
    assert clf.out_activation_ == "softmax"
    assert clf.history_.stop_reason == "tol" and clf.n_iter_ < clf.max_iter
    assert clf.loss_ < 0.05 and clf.loss_curve_[-1] == clf.loss_
    assert clf.n_iter_ == len(clf.loss_curve_) == clf.history_.epochs_run


def test_cross_val_score_on_moons():
    X, y = make_moons(n_samples=300, noise=0.2, random_state=0)
    clf = MLPClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01, random_state=0)
    scores = cross_val_score(clf, X, y, cv=5)
    assert len(scores) == 5
    assert scores.mean() >= 0.9


def test_regression_on_noisy_sin():
    X, y = _noisy_sin(600, seed=0)
    X_test, y_test = _noisy_sin(300, seed=1)
    reg = MLPRegressor(
        hidden_layer_sizes=(32, 32), activation="tanh", learning_rate_init=0.01, random_state=0
    )
    reg.fit(X, y)
    assert reg.score(X_test, y_test) >= 0.9
    pred = reg.predict(X_test)
    assert pred.shape == (300,) and pred.dtype == np.float64
    assert reg.n_outputs_ == 1 and reg.out_activation_ == "identity"


def test_regressor_multi_output():
    X, y = _noisy_sin(400, seed=2)
    Y = np.column_stack([y, np.cos(X[:, 0])])
    reg = MLPRegressor(
        hidden_layer_sizes=(32,), activation="tanh", learning_rate_init=0.01, random_state=0
    ).fit(X, Y)
    assert reg.n_outputs_ == 2
    assert reg.predict(X[:7]).shape == (7, 2)
    assert reg.score(X, Y) >= 0.9


# ---------------------------------------------------------------------------------- probabilities
@pytest.mark.parametrize("n_classes", [2, 3])
def test_predict_proba_is_a_distribution_consistent_with_predict(n_classes):
    X, y = make_blobs(n_samples=200, centers=n_classes, cluster_std=3.0, random_state=1)
    clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=20, random_state=0)
    clf.fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (200, n_classes)
    assert np.all(proba >= 0) and np.all(proba <= 1)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-12, atol=1e-15)
    # Against torch on the network's own scores, with the output layer scaled up so that some
    # probabilities saturate to 0 or 1.
    for p in clf.model_[-1].parameters():
        p.data *= 50
    inputs = Tensor(X.astype(np.float64))  # predict runs the forward pass in float64
    scores = torch.from_numpy(clf.model_(inputs).data.astype(np.float64))
    if n_classes == 2:
        p1 = torch.sigmoid(scores[:, 0])
        expected = torch.stack([1 - p1, p1], dim=1)
        logsigmoid = torch.nn.functional.logsigmoid
        expected_log = torch.stack([logsigmoid(-scores[:, 0]), logsigmoid(scores[:, 0])], 1)
    else:
        expected = torch.softmax(scores, dim=1)
        expected_log = torch.log_softmax(scores, dim=1)
    np.testing.assert_allclose(clf.predict_proba(X), expected.numpy(), rtol=1e-12, atol=1e-300)
    # atol: subnormal log-probabilities (about -3e-315) carry fewer than 12 significant digits.
    np.testing.assert_allclose(
        clf.predict_log_proba(X), expected_log.numpy(), rtol=1e-12, atol=1e-300
    )
    assert np.isfinite(clf.predict_log_proba(X)).all()
    # Binary: one logistic output unit (sklearn's layout), multiclass: one unit per class.
    assert clf.n_outputs_ == (1 if n_classes == 2 else n_classes)
    assert clf.coefs_[-1].shape == (16, clf.n_outputs_)
    assert clf.out_activation_ == ("logistic" if n_classes == 2 else "softmax")


def test_string_labels_round_trip(blobs):
    X, y = blobs
    names = np.array(["setosa", "versicolor", "virginica"])
    clf = MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
    clf.fit(X, names[y])
    np.testing.assert_array_equal(clf.classes_, names)
    pred = clf.predict(X)
    assert pred.dtype == names.dtype and set(pred) == set(names)
    assert clf.score(X, names[y]) >= 0.9
    # Same labels, as codes: the same network makes the same predictions.
    codes = clone(clf).fit(X, y)
    np.testing.assert_array_equal(names[codes.predict(X)], pred)


def test_binary_string_labels(blobs):
    X, y = blobs
    labels = np.where(y == 0, "no", "yes")
    clf = MLPClassifier(hidden_layer_sizes=(8,), learning_rate_init=0.01, random_state=0)
    clf.fit(X, labels)
    assert list(clf.classes_) == ["no", "yes"] and clf.n_outputs_ == 1
    assert set(clf.predict(X)) == {"no", "yes"}
    assert clf.score(X, labels) >= 0.95


# ---------------------------------------------------------------------------------- partial_fit
def test_partial_fit_improves_the_loss_and_keeps_optimizer_state(blobs):
    X, y = blobs
    clf = MLPClassifier(hidden_layer_sizes=(16,), batch_size=50, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    for call in range(8):
        clf.partial_fit(X, y, classes=np.unique(y) if call == 0 else None)
        # one epoch per call: 300 / 50 = 6 steps each, one optimizer over all of them
        assert clf.n_iter_ == call + 1 and clf._optimizer.step_count == 6 * (call + 1)
    assert len(clf.loss_curve_) == 8
    assert clf.loss_curve_[-1] < 0.8 * clf.loss_curve_[0]
    assert all(b < a for a, b in zip(clf.loss_curve_[:-1], clf.loss_curve_[1:], strict=True))
    assert clf.t_ == 8 * 300
    # labels outside the classes given on the first call are refused
    with pytest.raises(ValueError, match="same classes"):
        clf.partial_fit(X[:3], np.array([0, 1, 7]))


def test_partial_fit_batches_of_a_stream(blobs):
    X, y = blobs
    clf = MLPClassifier(
        hidden_layer_sizes=(16,), learning_rate_init=0.01, batch_size=10, random_state=0
    )
    for _ in range(3):  # three passes over a stream of 10 chunks of 30 examples
        for start in range(0, 300, 30):
            sl = slice(start, start + 30)
            clf.partial_fit(X[sl], y[sl], classes=[0, 1, 2])
    assert clf.n_iter_ == 30 and clf._optimizer.step_count == 90
    assert clf.score(X, y) >= 0.9


def test_partial_fit_regressor():
    X, y = _noisy_sin(300, seed=3)
    reg = MLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0)
    for _ in range(5):
        reg.partial_fit(X, y)
    assert reg.n_iter_ == 5 and reg.loss_curve_[-1] < reg.loss_curve_[0]


def test_partial_fit_refuses_early_stopping(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])


# ---------------------------------------------------------------------------------- reproducibility
def test_random_state_makes_fits_identical(blobs):
    X, y = blobs
    params = dict(hidden_layer_sizes=(16, 8), max_iter=15, random_state=42)
    a = MLPClassifier(**params).fit(X, y)
    b = MLPClassifier(**params).fit(X, y)
    c = MLPClassifier(**{**params, "random_state": 7}).fit(X, y)
    a_again = a.fit(X, y)  # refitting the same estimator starts over identically
    for wa, wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert a.loss_curve_ == b.loss_curve_ == a_again.loss_curve_
    assert not np.array_equal(a.coefs_[0], c.coefs_[0])
    assert [w.shape for w in a.coefs_] == [(2, 16), (16, 8), (8, 3)]
    assert a.coefs_[0].dtype == np.float32


# ---------------------------------------------------------------------------------- conventions
def test_convergence_warning_when_max_iter_is_reached(blobs):
    X, y = blobs
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\) reached"):
        clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0).fit(X, y)
    assert clf.n_iter_ == 3 and clf.history_.stop_reason == "epochs"


def test_tol_stops_without_a_warning(blobs):
    X, y = blobs
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = MLPClassifier(
            hidden_layer_sizes=(8,), tol=10.0, n_iter_no_change=2, random_state=0
        ).fit(X, y)
    # no epoch beats the first by 10: epochs 2, 3, 4 make 3 > n_iter_no_change failures
    assert clf.n_iter_ == 4 and clf.history_.stop_reason == "tol"
    assert clf.best_loss_ == min(clf.loss_curve_)


def test_alpha_follows_sklearns_scaling(blobs):
    """loss_ includes alpha / (2 m) * sum ||W||^2 for mini-batches of m examples (biases free)."""
    X, y = blobs
    params = dict(
        hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=1e-12, momentum=0.0,
        batch_size=300, shuffle=False, max_iter=1, random_state=0,
    )  # fmt: skip
    plain = MLPClassifier(alpha=0.0, **params).fit(X, y)
    penalised = MLPClassifier(alpha=3.0, **params).fit(X, y)
    squares = sum(float(np.sum(w.astype(np.float64) ** 2)) for w in plain.coefs_)
    np.testing.assert_allclose(penalised.loss_ - plain.loss_, 3.0 / (2 * 300) * squares, rtol=1e-5)


def test_early_stopping_keeps_the_best_epoch(blobs):
    X, y = blobs
    clf = MLPClassifier(
        hidden_layer_sizes=(16,), early_stopping=True, learning_rate_init=0.05,
        n_iter_no_change=5, random_state=0,
    )  # fmt: skip
    clf.fit(X, y)
    history = clf.history_
    assert history.stop_reason == "early_stopping"
    assert len(clf.validation_scores_) == clf.n_iter_ == len(history.val_loss)
    best = history.best_epoch
    assert history.val_loss[best - 1] == min(history.val_loss)
    assert clf.best_validation_score_ == clf.validation_scores_[best - 1]
    assert all(0 <= s <= 1 for s in clf.validation_scores_)
    assert clf.best_loss_ is None  # as in sklearn when early stopping
    assert clf.score(X, y) >= 0.9


def test_warm_start_continues(blobs):
    X, y = blobs
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, warm_start=True, random_state=0)
    clf.fit(X, y)
    first = clf.loss_
    clf.fit(X, y)
    assert clf.n_iter_ == 10 and len(clf.loss_curve_) == 10
    assert clf.loss_ < first


def test_sgd_learning_rate_schedules(blobs):
    X, y = blobs
    base = dict(hidden_layer_sizes=(8,), solver="sgd", learning_rate_init=0.1, random_state=0)
    inv = MLPClassifier(learning_rate="invscaling", power_t=0.5, max_iter=4, **base)
    inv.fit(X, y)
    np.testing.assert_allclose(inv.history_.lr, [0.1 / np.sqrt(t) for t in (1, 2, 3, 4)])
    # adaptive: every epoch fails tol=10, so the rate drops 5-fold after each 2 such epochs
    # and training stops once it is <= 1e-6.
    ada = MLPClassifier(learning_rate="adaptive", tol=10.0, n_iter_no_change=1, **base)
    ada.fit(X, y)
    assert ada.history_.stop_reason == "tol"
    rates = sorted(set(ada.history_.lr), reverse=True)
    np.testing.assert_allclose(rates, [0.1 / 5**k for k in range(len(rates))])
    assert rates[-1] <= 1e-6 < rates[-2]


def test_verbose_prints_the_epoch_costs(blobs, capsys):
    X, y = blobs
    MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, verbose=True, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and re.fullmatch(r"Iteration 2, loss = \d+\.\d{8}", lines[1])


# ---------------------------------------------------------------------------------- errors
def test_validation_messages_match_sklearn(blobs):
    X, y = blobs
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=200, random_state=0).fit(X, y)
    X4 = np.ones((3, 4))
    clf4 = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    clf4.fit(np.random.default_rng(0).normal(size=(30, 4)), np.arange(30) % 2)
    msg = "X has 3 features, but MLPClassifier is expecting 4 features as input"
    with pytest.raises(ValueError, match=msg):
        clf4.predict(X4[:, :3])
    with pytest.raises(ValueError, match="X has 4 features, but MLPClassifier is expecting 2"):
        clf.predict_proba(X4)
    bad = X.copy()
    bad[5, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        MLPClassifier().fit(bad, y)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clf.predict(bad)
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier().fit(X, X[:, 0])
    with pytest.raises(ValueError, match="at least 2 classes, got 1 class"):
        MLPClassifier().fit(X, np.zeros(len(X)))


def test_unfitted_estimator_raises_not_fitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MLPRegressor().predict(np.ones((2, 2)))
    with pytest.raises(NotFittedError):
        MLPClassifier().coefs_  # noqa: B018


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"solver": "lbfgs"}, "solver must be 'adam' or 'sgd'"),
        ({"hidden_layer_sizes": (10, 0)}, "hidden_layer_sizes must be"),
        ({"activation": "swish"}, "activation must be one of"),
        ({"alpha": -1.0}, "alpha must be"),
        ({"batch_size": 0}, "batch_size must be"),
        ({"learning_rate_init": 0.0}, "learning_rate_init must be"),
        ({"momentum": 1.5}, "momentum must be"),
        ({"max_iter": 0}, "max_iter must be"),
        ({"dtype": "int8"}, "dtype must be"),
    ],
)
def test_bad_hyperparameters_raise_at_fit_not_init(params, message):
    reg = MLPRegressor(**params)  # construction only stores them
    assert reg.get_params()[next(iter(params))] == next(iter(params.values()))
    with pytest.raises(ValueError, match=message):
        reg.fit(np.ones((4, 2)), np.ones(4))


def test_activations_train(blobs):
    X, y = blobs
    for activation in ("relu", "tanh", "sigmoid", "logistic", "identity"):
        clf = MLPClassifier(
            hidden_layer_sizes=(8,), activation=activation, learning_rate_init=0.01,
            random_state=0,
        )  # fmt: skip
        assert clf.fit(X, y).score(X, y) >= 0.9, activation


def test_docstring_example():
    result = doctest.testmod(backprop.sklearn, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
