"""bench/train.py's JAX contenders compute the NumPy reference step's mathematics.

jax is in the ``bench`` extras only, so this is skipped where it is not installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("jax")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import jax_contenders as jx  # noqa: E402
import train  # noqa: E402


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_jax_step_and_scan_match_the_numpy_step(activation):
    rng = np.random.default_rng(0)
    X = rng.random((30, 784), dtype=np.float32)
    y = rng.integers(0, 10, 30)
    initial = [p.data.copy() for p in train.nn.mlp(list(train.SIZES), activation=activation,
                                                   seed=0).parameters()]
    diff = jx.max_difference_from(train.numpy_step, X, y, initial, activation, train.LR)
    assert diff <= 1e-5


def test_jax_contenders_train_on_every_example():
    """An epoch of 25 examples in batches of 10: two full batches and a short one, the same
    weights through the jit step and through the scan."""
    rng = np.random.default_rng(1)
    X = rng.random((25, 784), dtype=np.float32)
    y = rng.integers(0, 10, 25)
    initial = [p.data.copy() for p in train.nn.mlp(list(train.SIZES), seed=0).parameters()]
    stepped = jx.JaxJit(X, y, initial, "sigmoid", 10, train.LR)
    scanned = jx.JaxScan(X, y, initial, "sigmoid", 10, train.LR)
    stepped(0)
    scanned(0)
    ref = [p.copy() for p in initial]
    order = np.random.default_rng(0).permutation(25)
    for start in range(0, 25, 10):
        idx = order[start : start + 10]
        train.numpy_step(X[idx], y[idx], ref, "sigmoid", train.LR)
    for result in (stepped.params, scanned.params):
        for q, r in zip(result, ref, strict=True):
            np.testing.assert_allclose(np.asarray(q), r, atol=1e-5)
