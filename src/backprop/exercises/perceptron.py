"""check_perceptron_rule: one step of seed 003's perceptron rule against ``backprop.Perceptron``.

    theta^(i) = theta^(i-1) + alpha sum_{x_n in M} y_n x_n,   M = {n : y_n theta^T x_n <= 0}

with the bias folded into theta (x_0 = 1) and labels y_n = -1 or +1. The reference is the
library's ``Perceptron(mode="batch")`` after 1, 2, 3 epochs from theta = 0.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..perceptron import Perceptron, PerceptronNotConverged
from .result import RTOL, CheckResult, Failure, as_array, call, close, passed, show, wrong

__all__ = ["check_perceptron_rule"]

RULE = "θ ← θ + α Σ_{x_n ∈ M} y_n x_n, M the misclassified examples (y_n θ^T x_n ≤ 0)"
ALPHA = 0.5
EPOCHS = 3


def _data(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Eight separable points in [0, 2]^2, labels ±1 by the side of the line x_1 − 2 x_2 = 1
    (with seed 0 the rule needs 11 epochs, 2 or 3 mistakes in each after the first)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 2, (8, 2))
    w = np.array([1.0, -2.0])
    X[np.abs(X @ w - 1.0) < 0.2] *= 1.5  # keep every point away from the line
    return X, np.where(X @ w - 1.0 > 0, 1.0, -1.0)


def _mistakes(theta: np.ndarray, Xb: np.ndarray, y: np.ndarray) -> list[tuple[np.ndarray, str]]:
    """What one step from theta would give with the usual mistakes."""
    M = y * (Xb @ theta) <= 0
    strict = y * (Xb @ theta) < 0
    online = theta.copy()
    for x_n, y_n in zip(Xb, y, strict=True):
        if y_n * (x_n @ online) <= 0:
            online += ALPHA * y_n * x_n
    return [
        (
            theta + ALPHA * (y[strict] @ Xb[strict]),
            "θ^T x = 0 counts as correct in your rule; the lecture counts the tie as a mistake "
            "(y_n θ^T x_n ≤ 0), so θ = 0 misclassifies every example and learning starts at once",
        ),
        (
            theta + ALPHA * (y @ Xb),
            "the step sums over every example; the rule sums only over M, the misclassified ones",
        ),
        (theta + ALPHA * Xb[M].sum(axis=0), "the step adds x_n without the label y_n"),
        (
            theta - ALPHA * (y[M] @ Xb[M]),
            "the step has the wrong sign: θ moves away from the misclassified examples",
        ),
        (theta + y[M] @ Xb[M], "the step forgets the learning rate α"),
        (
            online,
            "θ is updated after each example (the online rule); the lecture's batch rule "
            "sums over M, all examples misclassified by the same θ, then updates once",
        ),
    ]


def check_perceptron_rule(update_fn: Callable[..., Any], seed: int = 0) -> CheckResult:
    """Check ``update_fn(theta, X, y, alpha) -> new theta``: one step of the perceptron rule.

    ``X`` has one example per row with x_0 = 1 in column 0 (the bias), ``theta`` shape (d+1,)
    with the bias first, ``y`` labels ±1, ``alpha`` the step. Three steps from θ = 0 are compared
    with ``backprop.Perceptron(mode="batch", lr=alpha)`` after 1, 2 and 3 epochs.
    """
    X, y = _data(seed)
    Xb = np.hstack([np.ones((len(X), 1)), X])
    theta = np.zeros(Xb.shape[1])
    try:
        for epoch in range(1, EPOCHS + 1):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", PerceptronNotConverged)
                ref = Perceptron(lr=ALPHA, max_epochs=epoch, mode="batch").fit(X, y)
            got = as_array(
                call(update_fn, "your update", theta.copy(), Xb.copy(), y.copy(), ALPHA), "θ"
            )
            details = [
                f"step {epoch} from θ = {show(theta)} (α = {ALPHA}, 8 examples, x_0 = 1)",
                f"expected θ = {show(ref.theta_)}",
            ]
            if got.shape != ref.theta_.shape:
                raise wrong(
                    f"θ should have shape {ref.theta_.shape} (bias first); received {got.shape}",
                    details,
                    RULE,
                )
            details.append(f"received θ = {show(got)}")
            if not close(got, ref.theta_, RTOL):
                for candidate, message in _mistakes(theta, Xb, y):
                    if close(got, candidate, RTOL):
                        raise wrong(message, details, RULE)
                raise wrong(f"θ after step {epoch} is wrong", details, RULE)
            theta = ref.theta_
    except Failure as failure:
        return failure.result
    return passed(
        f"perceptron rule correct: {EPOCHS} steps from θ = 0 match backprop.Perceptron", [RULE]
    )
