"""Toy datasets and preprocessing helpers of backprop.data."""

import numpy as np
import pytest

import backprop
from backprop import data

# ---------------------------------------------------------------- logic gates


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("and", [0, 0, 0, 1]),
        ("or", [0, 1, 1, 1]),
        ("nand", [1, 1, 1, 0]),
        ("nor", [1, 0, 0, 0]),
        ("xor", [0, 1, 1, 0]),
        ("XOR", [0, 1, 1, 0]),
    ],
)
def test_two_input_gates(name, expected):
    X, y = data.gates(name)
    assert X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, expected)


def test_not_gate_has_one_input():
    X, y = data.gates("not")
    assert X.shape == (2, 1) and X.dtype == np.float32
    np.testing.assert_array_equal(X[:, 0], [0, 1])
    np.testing.assert_array_equal(y, [1, 0])


def test_xor_shortcut_and_unknown_gate():
    X, y = data.xor()
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    assert X.shape == (4, 2)
    with pytest.raises(ValueError, match="unknown gate 'xnor'.*and, or, nand, nor, xor, not"):
        data.gates("xnor")


# ---------------------------------------------------------------- XOR quadrants


def test_xor_quadrants_labels_follow_the_lecture_convention():
    X, y = data.xor_quadrants(n=400, noise=0.1, seed=0)
    assert X.shape == (400, 2) and X.dtype == np.float32 and y.dtype == np.int64
    # red (1) where the coordinates have opposite signs, blue (0) where they agree
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(np.int64))
    quadrant_counts = np.unique(np.sign(X), axis=0, return_counts=True)[1]
    np.testing.assert_array_equal(quadrant_counts, [100, 100, 100, 100])
    # each point lies near its centre (+-1, +-1)
    assert np.abs(np.abs(X) - 1).max() < 0.5


def test_xor_quadrants_default_noise_and_balance():
    X, y = data.xor_quadrants(seed=1)
    assert X.shape == (200, 2)
    np.testing.assert_array_equal(np.bincount(y), [100, 100])
    assert np.mean(y == (X[:, 0] * X[:, 1] < 0)) > 0.97
    assert 0.25 < np.std(np.abs(X) - 1) < 0.35
    np.testing.assert_array_equal(np.bincount(data.xor_quadrants(n=6, seed=0)[1]), [3, 3])


# ---------------------------------------------------------------- other toy sets


def test_circles_radii_and_balance():
    X, y = data.circles(n=101, noise=0.0, factor=0.3, seed=0)
    assert X.shape == (101, 2) and X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [51, 50])
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0, rtol=1e-6)
    np.testing.assert_allclose(radius[y == 1], 0.3, rtol=1e-6)
    with pytest.raises(ValueError, match=r"factor must be in \(0, 1\), got 1.5"):
        data.circles(factor=1.5)


def test_moons_lie_on_their_half_circles():
    X, y = data.moons(n=200, noise=0.0, seed=0)
    np.testing.assert_array_equal(np.bincount(y), [100, 100])
    upper, lower = X[y == 0].astype(np.float64), X[y == 1].astype(np.float64)
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, rtol=1e-6)
    assert upper[:, 1].min() >= 0
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, rtol=1e-6)
    assert lower[:, 1].max() <= 0.5


def test_spirals_arms():
    X, y = data.spirals(n=300, n_classes=3, noise=0.0, turns=1.5, seed=0)
    assert X.shape == (300, 2) and X.dtype == np.float32
    np.testing.assert_array_equal(np.bincount(y), [100, 100, 100])
    radius = np.hypot(X[:, 0], X[:, 1]).astype(np.float64)
    assert radius.min() >= 0.1 - 1e-6 and radius.max() <= 1 + 1e-6
    # rebuild each point from its radius and class: angle = 2 pi (turns t + k / K)
    t = (radius - 0.1) / 0.9
    angle = 2 * np.pi * (1.5 * t + y / 3)
    expected = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    np.testing.assert_allclose(X, expected, atol=1e-5)
    with pytest.raises(ValueError, match="n_classes must be an integer >= 2, got 1"):
        data.spirals(n_classes=1)


def test_blobs_given_and_random_centres():
    centres = [[0.0, 0.0], [10.0, 10.0], [-10.0, 5.0]]
    X, y = data.blobs(n=3000, centers=centres, std=0.5, seed=0)
    np.testing.assert_array_equal(np.bincount(y), [1000, 1000, 1000])
    for k, centre in enumerate(centres):
        np.testing.assert_allclose(X[y == k].mean(axis=0), centre, atol=0.05)
        np.testing.assert_allclose(X[y == k].std(axis=0), 0.5, atol=0.05)
    X, y = data.blobs(n=10, centers=4, std=0.0, seed=0)
    assert X.shape == (10, 2) and X.dtype == np.float32
    assert len(np.unique(X, axis=0)) == 4 and np.abs(X).max() <= 10
    X, _ = data.blobs(n=5, centers=np.zeros((2, 3)), seed=0)
    assert X.shape == (5, 3)


@pytest.mark.parametrize(
    ("name", "low", "high", "f"),
    [
        ("sin", -np.pi, np.pi, np.sin),
        ("abs", -1, 1, np.abs),
        ("step", -1, 1, lambda x: (x > 0).astype(np.float32)),
    ],
)
def test_function_1d_targets(name, low, high, f):
    X, y = data.function_1d(name, n=500, seed=0)
    assert X.shape == (500, 1) and y.shape == (500, 1)
    assert X.dtype == np.float32 and y.dtype == np.float32
    assert low <= X.min() and X.max() <= high and X.max() - X.min() > 0.95 * (high - low)
    assert np.all(np.diff(X[:, 0]) >= 0)
    np.testing.assert_allclose(y, f(X), atol=1e-6)


def test_function_1d_noise_and_unknown_name():
    X, y = data.function_1d("sin", n=4000, seed=0, noise=0.2)
    assert abs(np.std(y - np.sin(X)) - 0.2) < 0.01
    with pytest.raises(ValueError, match="unknown function 'cos'; choose one of sin, abs, step"):
        data.function_1d("cos")


# ---------------------------------------------------------------- seeding and validation

GENERATORS = {
    "xor_quadrants": data.xor_quadrants,
    "circles": data.circles,
    "moons": data.moons,
    "spirals": data.spirals,
    "blobs": data.blobs,
    "sin": lambda seed: data.function_1d("sin", seed=seed),
}


@pytest.mark.parametrize("make", GENERATORS.values(), ids=GENERATORS.keys())
def test_toy_sets_are_deterministic_from_a_seed(make):
    X1, y1 = make(seed=7)
    X2, y2 = make(seed=7)
    X3, _ = make(seed=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    backprop.manual_seed(3)
    X4, _ = make(seed=None)
    backprop.manual_seed(3)
    X5, _ = make(seed=None)
    np.testing.assert_array_equal(X4, X5)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: data.xor_quadrants(n=0), "n must be an integer >= 1, got 0"),
        (lambda: data.moons(n=2.5), "n must be an integer >= 1, got 2.5"),
        (lambda: data.circles(noise=-0.1), "noise must be a finite number >= 0, got -0.1"),
        (lambda: data.blobs(std=float("nan")), "std must be a finite number >= 0, got nan"),
        (lambda: data.blobs(centers=[1, 2]), r"array of shape \(k, d\), got \(2,\)"),
        (lambda: data.spirals(turns=0), "turns must be a finite number > 0, got 0"),
    ],
)
def test_toy_sets_reject_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------- train_test_split


def test_train_test_split_partitions_the_rows():
    X = np.arange(200, dtype=np.float32).reshape(100, 2)
    y = np.arange(100, dtype=np.int64)
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, seed=0)
    assert X_train.shape == (75, 2) and X_test.shape == (25, 2)
    assert X_train.dtype == np.float32 and y_test.dtype == np.int64
    np.testing.assert_array_equal(X_train[:, 0], 2 * y_train)  # rows stay paired
    np.testing.assert_array_equal(X_test[:, 0], 2 * y_test)
    np.testing.assert_array_equal(np.sort(np.concatenate([y_train, y_test])), y)
    assert not np.array_equal(y_test, np.sort(y_test))  # shuffled
    again = data.train_test_split(X, y, seed=0)
    np.testing.assert_array_equal(again[3], y_test)
    assert len(data.train_test_split(X, y, test_size=0.3, seed=0)[1]) == 30


def test_train_test_split_stratified_keeps_class_proportions():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    X = np.arange(100, dtype=np.float32)[:, None]
    _, X_test, y_train, y_test = data.train_test_split(X, y, test_size=0.2, seed=1, stratify=True)
    np.testing.assert_array_equal(np.bincount(y_test), [12, 6, 2])
    np.testing.assert_array_equal(np.bincount(y_train), [48, 24, 8])
    np.testing.assert_array_equal(y[X_test[:, 0].astype(int)], y_test)
    # rounding remainders go to the classes with the largest fractional parts
    _, _, _, y_test = data.train_test_split(X, y, test_size=0.25, seed=1, stratify=True)
    np.testing.assert_array_equal(np.bincount(y_test), [15, 8, 2])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y": np.zeros(99)}, "X has 100 rows, y has 99"),
        ({"test_size": 1.5}, r"test_size must be a fraction in \(0, 1\), got 1.5"),
        ({"test_size": 0}, r"test_size must be a fraction in \(0, 1\), got 0"),
        ({"test_size": 0.999}, "test_size=0.999 of 100 samples leaves no training samples"),
        (
            {"y": np.zeros((100, 2)), "stratify": True},
            r"1-D class labels, got y of shape \(100, 2\)",
        ),
    ],
)
def test_train_test_split_rejects_bad_input(kwargs, message):
    arguments = {"X": np.zeros((100, 3)), "y": np.zeros(100)} | kwargs
    with pytest.raises(ValueError, match=message):
        data.train_test_split(**arguments)


# ---------------------------------------------------------------- Standardizer


def test_standardizer_round_trip():
    rng = np.random.default_rng(0)
    X = (rng.standard_normal((500, 3)) * [1, 10, 0.1] + [5, -3, 100]).astype(np.float32)
    scaler = data.Standardizer()
    Z = scaler.fit_transform(X)
    assert Z.dtype == np.float32 and scaler.mean_.dtype == np.float32
    assert scaler.std_.dtype == np.float32
    np.testing.assert_allclose(scaler.mean_, X.astype(np.float64).mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(scaler.std_, X.astype(np.float64).std(axis=0), rtol=1e-5)
    # float32 resolves 100 to ~1e-5, i.e. 1e-4 of the third column's std of 0.1
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=2e-4)
    np.testing.assert_allclose(Z.std(axis=0), 1, atol=1e-5)
    np.testing.assert_allclose(scaler.inverse_transform(Z), X, rtol=1e-5, atol=1e-4)


def test_standardizer_constant_feature_and_errors():
    X = np.array([[1.0, 0.1], [2.0, 0.1], [3.0, 0.1]])
    scaler = data.Standardizer().fit(X)
    np.testing.assert_array_equal(scaler.std_[1], 1.0)
    Z = scaler.transform(X)
    np.testing.assert_array_equal(Z[:, 1], 0.0)
    np.testing.assert_allclose(Z[:, 0], [-np.sqrt(1.5), 0, np.sqrt(1.5)], rtol=1e-6)
    with pytest.raises(ValueError, match=r"fitted on samples of shape \(2,\), got X of shape"):
        scaler.transform(np.zeros((4, 3)))
    with pytest.raises(RuntimeError, match="not fitted"):
        data.Standardizer().transform(X)
    with pytest.raises(ValueError, match="empty array"):
        data.Standardizer().fit(np.zeros((0, 2)))


# ---------------------------------------------------------------- one_hot


def test_one_hot():
    encoded = data.one_hot(np.array([2, 0, 1, 2]))
    assert encoded.dtype == np.float32
    np.testing.assert_array_equal(encoded, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert data.one_hot([1], n_classes=10).shape == (1, 10)
    assert data.one_hot(np.array([], dtype=np.int64)).shape == (0, 0)


@pytest.mark.parametrize(
    ("labels", "n_classes", "message"),
    [
        ([0, 3, -1], None, "labels must be non-negative, got -1 at index 2"),
        ([0, 10, 1], 10, "label 10 at index 1 is out of range for n_classes=10"),
        ([0.0, 1.0], None, "integer class labels, got dtype float64"),
        ([[0, 1]], None, r"1-D array of labels, got shape \(1, 2\)"),
    ],
)
def test_one_hot_rejects_bad_labels(labels, n_classes, message):
    with pytest.raises(ValueError, match=message):
        data.one_hot(labels, n_classes)


# ---------------------------------------------------------------- batches


def test_batches_in_order_are_slices_and_views():
    parts = list(data.batches(10, 4, shuffle=False))
    assert parts == [slice(0, 4), slice(4, 8), slice(8, 10)]
    assert list(data.batches(10, 4, shuffle=False, drop_last=True)) == [slice(0, 4), slice(4, 8)]
    X = np.zeros((10, 3), dtype=np.float32)
    assert np.shares_memory(X[parts[0]], X)


def test_batches_shuffled_cover_every_index_once():
    parts = list(data.batches(10, 4, seed=0))
    assert [len(p) for p in parts] == [4, 4, 2]
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(10))
    assert not np.array_equal(np.concatenate(parts), np.arange(10))
    np.testing.assert_array_equal(
        np.concatenate(list(data.batches(10, 4, seed=0))), np.concatenate(parts)
    )
    assert [len(p) for p in data.batches(10, 4, seed=0, drop_last=True)] == [4, 4]
    # one Generator across epochs gives a new order each epoch
    rng = np.random.default_rng(0)
    epoch1 = np.concatenate(list(data.batches(50, 8, seed=rng)))
    epoch2 = np.concatenate(list(data.batches(50, 8, seed=rng)))
    assert not np.array_equal(epoch1, epoch2)


def test_batches_reject_bad_sizes_immediately():
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1, got 0"):
        data.batches(10, 0)
    with pytest.raises(ValueError, match="n must be an integer >= 0, got -1"):
        data.batches(-1, 4)
