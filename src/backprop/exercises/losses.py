"""check_loss: a student's loss E(output, target) and its gradient dE/d(output).

Each loss is written as the lecture that introduces it writes it (mean or sum over the examples,
the seed's target codes); the reference value and gradient come from ``backprop.nn.losses``
through the graph engine (one backward pass).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..activations import activation, softmax
from ..nn.losses import BCELoss, CrossEntropyLoss, HingeLoss, QuadraticLoss
from ..tensor import Tensor
from .result import (
    RTOL,
    CheckResult,
    Failure,
    as_array,
    call,
    close,
    first_difference,
    passed,
    show,
    wrong,
)

__all__ = ["LOSSES", "check_loss"]

_SIGMOID = activation("sigmoid").function
B, K = 4, 3  # examples (rows) and outputs of the generated case


def _cross_entropy(p: Tensor, y: np.ndarray) -> Tensor:
    """Seed 003: L = -(1/N) sum_n sum_k y_nk ln p_nk, on the graph engine."""
    return (p.log() * y).sum() * (-1.0 / len(y))


@dataclass(frozen=True)
class LossSpec:
    """One loss of the course: its formula in the seed's notation, what its arguments hold, a
    generated case and the library's computation of E."""

    formula: str
    gradient: str
    arguments: str
    make: Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]]
    reference: Callable[[Tensor, np.ndarray], Tensor]


def _probabilities(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return _SIGMOID(rng.normal(0, 1.5, (B, K))), rng.integers(0, 2, (B, K)).astype(float)


def _softmax_rows(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return softmax(rng.normal(0, 1.5, (B, K)), axis=1), np.eye(K)[rng.integers(0, K, B)]


def _codes(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(0, 1.5, (B, K)), 2 * np.eye(K)[rng.integers(0, K, B)] - 1


def _margins(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Scores whose margins y_i s_i are 2, 0.5, -1 and 1.5: two met, two not."""
    y = rng.choice([-1.0, 1.0], B)
    return y * np.array([2.0, 0.5, -1.0, 1.5]), y


LOSSES: dict[str, LossSpec] = {
    "quadratic": LossSpec(
        "C = 1/(2n) Σ_x ‖y(x) − a(x)‖² (seed 003/004; n examples, one per row)",
        "∂C/∂a = (a − y)/n",
        "outputs a (n, K), targets y (n, K)",
        lambda rng: (_SIGMOID(rng.normal(0, 1.5, (B, K))), rng.uniform(0, 1, (B, K))),
        lambda a, y: QuadraticLoss()(a, y),
    ),
    "cross_entropy": LossSpec(
        "L = −(1/N) Σ_n Σ_k y_nk ln ŷ_nk (seed 003; ŷ the softmax probabilities, y one-hot)",
        "∂L/∂ŷ_nk = −y_nk / (N ŷ_nk)",
        "probabilities ŷ (N, K), one-hot targets y (N, K)",
        _softmax_rows,
        _cross_entropy,
    ),
    "softmax_nll": LossSpec(
        "E = −Σ_i Σ_c ln p_c(x_i) (y_ci + 1)/2, p_c = e^{z_c} / Σ_c' e^{z_c'} (seed 000; codes "
        "y_ci = +1 for the class of x_i, −1 else)",
        "∂E/∂z_c = p_c − (y_c + 1)/2",
        "scores z (n, K), codes y = ±1 (n, K)",
        _codes,
        lambda z, y: CrossEntropyLoss(reduction="sum")(z, (y + 1) / 2),
    ),
    "bce": LossSpec(
        "E = −Σ_i (t_i ln y_i + (1 − t_i) ln(1 − y_i)) (seed 002; y = σ(s) the outputs, t targets)",
        "∂E/∂y_i = −t_i/y_i + (1 − t_i)/(1 − y_i) = (y_i − t_i) / (y_i (1 − y_i))",
        "probabilities y (n, K), targets t in {0, 1} (n, K)",
        _probabilities,
        lambda p, t: BCELoss(reduction="sum")(p, t),
    ),
    "hinge": LossSpec(
        "E = Σ_i max(0, 1 − y_i s_i) (labels y_i = ±1, scores s_i)",
        "∂E/∂s_i = −y_i where y_i s_i < 1, else 0",
        "scores s (n,), labels y = ±1 (n,)",
        _margins,
        lambda s, y: HingeLoss(reduction="sum")(s, y),
    ),
}


def _value_mistakes(
    name: str, out: np.ndarray, target: np.ndarray, E: float
) -> list[tuple[float, str]]:
    n = len(out)
    found = [
        (
            -E,
            "E has the wrong sign: the loss is the *negative* log-likelihood, ≥ 0"
            if name != "quadratic" and name != "hinge"
            else "E has the wrong sign",
        ),
        (E * n, f"E is n = {n} times too large: a sum over the examples where the mean was meant"),
        (E / n, f"E is n = {n} times too small: a mean over the examples where the sum was meant"),
    ]
    if name == "quadratic":
        found.append((2 * E, "E is twice the quadratic cost: C_x = ½‖y − a‖² keeps the ½"))
    if name == "softmax_nll":
        p = softmax(out, axis=1)
        found.append(
            (
                float(-(np.log(p) * target).sum()),
                "E weights ln p_c by the codes y_c = ±1; the lecture weights by (y_c + 1)/2",
            )
        )
    return found


def _gradient_mistakes(
    name: str, out: np.ndarray, target: np.ndarray, grad: np.ndarray
) -> list[tuple[np.ndarray, str]]:
    n = len(out)
    found = [
        (-grad, "the gradient has the wrong sign (it points uphill)"),
        (
            grad * n,
            f"the gradient is n = {n} times too large: the loss averages over the "
            f"examples, so its gradient carries the 1/n too",
        ),
        (
            grad / n,
            f"the gradient is n = {n} times too small: the loss sums over the examples, no 1/n",
        ),
        (
            2 * grad,
            "the gradient is twice too large: the ½ of the loss cancels the 2 of the square",
        ),
    ]
    if name == "bce":
        found.append(
            (
                out - target,
                "the gradient is y − t, the derivative with respect to the "
                "score s (y = σ(s)), not with respect to the output y",
            )
        )
    if name == "softmax_nll":
        found.append(
            (
                softmax(out, axis=1) - target,
                "the gradient uses the codes y_c = ±1 directly; the one-hot weights are "
                "(y_c + 1)/2, so ∂E/∂z_c = p_c − (y_c + 1)/2",
            )
        )
    if name == "hinge":
        found.append(
            (
                -target,
                "the gradient is −y_i everywhere; max(0, ·) makes it 0 where the "
                "margin is met, y_i s_i ≥ 1",
            )
        )
    return found


def check_loss(
    name: str, fn: Callable[..., Any], grad_fn: Callable[..., Any] | None = None, seed: int = 0
) -> CheckResult:
    """Check ``fn(output, target) -> E`` and ``grad_fn(output, target) -> ∂E/∂output`` for a
    loss of ``LOSSES``: "quadratic", "cross_entropy", "softmax_nll", "bce" or "hinge" (each
    entry gives its formula and what ``output`` and ``target`` hold). Without ``grad_fn`` only E
    is checked."""
    try:
        spec = LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}") from None
    out, target = spec.make(np.random.default_rng(seed))
    node = Tensor(out.copy(), requires_grad=True)
    E_node = spec.reference(node, target)
    E_node.backward()
    E, grad = float(E_node.data), node.grad
    base = [f"output = {show(out)}", f"target = {show(target)}"]
    try:
        got = as_array(call(fn, f"your {name} loss", out.copy(), target.copy()), "E")
        if got.size != 1:
            raise wrong(
                f"E should be one number (the loss of the whole batch); received shape {got.shape}",
                base,
                spec.formula,
            )
        value = float(got.reshape(()))
        details = [*base, f"expected E = {E:.6g}, received E = {value:.6g}"]
        if not close(value, E, RTOL):
            for candidate, message in _value_mistakes(name, out, target, E):
                if close(value, candidate, RTOL):
                    raise wrong(message, details, spec.formula)
            raise wrong("the loss E is wrong", details, spec.formula)
        if grad_fn is not None:
            got = as_array(
                call(grad_fn, f"your {name} gradient", out.copy(), target.copy()), "the gradient"
            )
            details = [*base, f"expected gradient = {show(grad)}"]
            if got.shape != grad.shape:
                raise wrong(
                    f"the gradient should have the output's shape {grad.shape}; received "
                    f"{got.shape}",
                    details,
                    spec.gradient,
                )
            details.append(f"received gradient = {show(got)}")
            if not close(got, grad, RTOL):
                for candidate, message in _gradient_mistakes(name, out, target, grad):
                    if close(got, candidate, RTOL):
                        raise wrong(message, details, spec.gradient)
                at = first_difference(got, grad, RTOL)
                raise wrong(
                    f"the gradient is wrong at entry {at}: expected {grad[at]:.6g}, "
                    f"received {got[at]:.6g}",
                    details,
                    spec.gradient,
                )
    except Failure as failure:
        return failure.result
    what = "E and its gradient" if grad_fn is not None else "E"
    return passed(f"{name} loss: {what} correct", [spec.formula])
