"""check_numerical_gradient and check_chain_rule: derivatives without and with backpropagation.

The numerical gradient is checked against ``gradcheck.central_differences`` at the same step h,
and its error against the engine's exact gradient is shown for a range of h (the step-size
lesson: too large an h leaves truncation error, too small a one loses digits to rounding). The
chain rule is checked on a graph with fan-out, h = tanh(w x) feeding three outputs, against the
scalar engine ``Value``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..gradcheck import central_differences
from ..scalar import Value
from ..tensor import Tensor
from .result import RTOL, CheckResult, Failure, as_array, call, close, passed, show, wrong

__all__ = ["check_chain_rule", "check_numerical_gradient"]

CENTRAL = "central differences: ∂f/∂x_i ≈ (f(x + h e_i) − f(x − h e_i)) / (2h), one x_i at a time"
STEPS = (1e-1, 1e-3, 1e-5, 1e-8, 1e-11)
#: Same step h, same formula: float64 results agree far closer than a wrong formula would.
NUMERIC_RTOL = 1e-6


def _f(x: Tensor) -> Tensor:
    """The test function f(x) = Σ tanh(x) x² + x_00 x_01 (x of shape (2, 3))."""
    return (x.tanh() * x * x).sum() + x[0, 0] * x[0, 1]


def _f_value(x: np.ndarray) -> float:
    """The test function on an array, a plain float (what the student's code differentiates)."""
    return float(_f(Tensor(np.asarray(x, dtype=np.float64))).data)


def _central(x: np.ndarray, h: float) -> np.ndarray:
    """The library's central differences of the test function at x, shaped like x."""
    work = x.copy()
    return central_differences(lambda: _f_value(work), work, np.arange(x.size), h).reshape(x.shape)


def _exact(x: np.ndarray) -> np.ndarray:
    t = Tensor(x.copy(), requires_grad=True)
    _f(t).backward()
    return t.grad


def _numeric_mistakes(x: np.ndarray, h: float) -> list[tuple[np.ndarray, str]]:
    f = _f_value
    f0 = f(x)
    forward = np.empty_like(x)
    for i in np.ndindex(x.shape):
        shifted = x.copy()
        shifted[i] += h
        forward[i] = (f(shifted) - f0) / h
    at_once = (f(x + h) - f(x - h)) / (2 * h)
    return [
        (
            forward,
            "this is the one-sided difference (f(x + h e_i) − f(x)) / h; the central "
            "difference steps both ways and is exact up to O(h²), not O(h)",
        ),
        (
            _central(x, h) * 2,
            "the difference is divided by h, but the two points x ± h e_i are 2h apart",
        ),
        (
            np.full_like(x, at_once),
            "every entry is the same number: x moved in all coordinates "
            "at once; perturb one x_i at a time (x + h e_i)",
        ),
    ]


def check_numerical_gradient(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(f, x, h) -> gradient``: the numerical gradient of a scalar function ``f`` at
    the array ``x`` (any shape) by central differences with step ``h``, same shape as ``x``;
    ``x`` must be left as it was. On success the result shows the error against the exact
    (backpropagated) gradient for h from 1e-1 to 1e-11."""
    x = np.random.default_rng(0).uniform(-1, 1, (2, 3))
    try:
        for h in (1e-3, 1e-5):
            given = x.copy()
            got = as_array(call(fn, "your numerical gradient", _f_value, given, h), "the gradient")
            expected = _central(x, h)
            details = [
                f"f(x) = Σ tanh(x) x² + x_00 x_01 at x = {show(x)}, h = {h:g}",
                f"expected {show(expected)}",
            ]
            if not np.array_equal(given, x):
                raise wrong(
                    "your function changed x: put each x_i back after perturbing it",
                    details,
                    CENTRAL,
                )
            if got.shape != x.shape:
                raise wrong(
                    f"the gradient should have the shape of x, {x.shape}; received {got.shape}",
                    details,
                    CENTRAL,
                )
            details.append(f"received {show(got)}")
            if not close(got, expected, NUMERIC_RTOL):
                for candidate, message in _numeric_mistakes(x, h):
                    if close(got, candidate, NUMERIC_RTOL):
                        raise wrong(message, details, CENTRAL)
                raise wrong(f"the numerical gradient at h = {h:g} is wrong", details, CENTRAL)
        exact = _exact(x)
        errors = []
        for h in STEPS:
            got = as_array(call(fn, "your numerical gradient", _f_value, x.copy(), h), "gradient")
            errors.append(f"h = {h:g}: largest error {np.max(np.abs(got - exact)):.1e}")
    except Failure as failure:
        return failure.result
    return passed(
        "numerical gradient correct (central differences); its error against backprop's exact "
        "gradient by step size:",
        [*errors, "too large an h: truncation error O(h²); too small: rounding error ~ ε/h"],
    )


CHAIN = (
    "fan-out: h feeds o_1, o_2, o_3, so ∂E/∂h = Σ_k ∂E/∂o_k ∂o_k/∂h = Σ_k (o_k − t_k) v_k, "
    "then ∂E/∂w = ∂E/∂h · (1 − h²) · x"
)


def _graph(x: float, w: float, v: np.ndarray, t: np.ndarray, paths: range) -> tuple[float, float]:
    """∂E/∂h and ∂E/∂w for E = ½ Σ_{k in paths} (v_k h − t_k)², h = tanh(w x), by ``Value``."""
    W = Value(w, label="w")
    h = (W * Value(x, label="x")).tanh()
    E = sum((0.5 * (Value(float(v[k])) * h - float(t[k])) ** 2 for k in paths), Value(0.0))
    E.backward()
    return h.grad, W.grad


def check_chain_rule(fn: Callable[..., Any]) -> CheckResult:
    """Check ``fn(x, w, v, t) -> (dE_dh, dE_dw)`` on a graph with fan-out: h = tanh(w x) feeds
    three outputs o_k = v_k h (k = 1, 2, 3) and E = ½ Σ_k (o_k − t_k)²; ``x``, ``w`` numbers,
    ``v`` and ``t`` arrays of 3. ∂E/∂h sums over the three paths from h to E."""
    rng = np.random.default_rng(0)
    try:
        for case in range(3):
            x, w = float(rng.uniform(-1, 1)), float(rng.normal())
            v, t = rng.normal(size=3), rng.normal(size=3)
            out = call(fn, "your chain rule", x, w, v.copy(), t.copy())
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise wrong("your function should return two numbers, (∂E/∂h, ∂E/∂w)", [], CHAIN)
            dh, dw = (
                float(as_array(g, name).reshape(-1)[0])
                for g, name in zip(out, ("∂E/∂h", "∂E/∂w"), strict=True)
            )
            exp_h, exp_w = _graph(x, w, v, t, range(3))
            details = [
                f"case {case}: x = {x:.4g}, w = {w:.4g}, v = {show(v)}, t = {show(t)}",
                f"expected ∂E/∂h = {exp_h:.6g}, ∂E/∂w = {exp_w:.6g}",
                f"received ∂E/∂h = {dh:.6g}, ∂E/∂w = {dw:.6g}",
            ]
            if not close(dh, exp_h, RTOL):
                for k in range(3):
                    if close(dh, _graph(x, w, v, t, range(k, k + 1))[0], RTOL):
                        raise wrong(f"∂E/∂h counts only the path through o_{k + 1}", details, CHAIN)
                if close(dh, exp_h / 3, RTOL):
                    raise wrong(
                        "∂E/∂h averages the three paths; the chain rule sums them", details, CHAIN
                    )
                raise wrong("∂E/∂h is wrong", details, CHAIN)
            if not close(dw, exp_w, RTOL):
                hv = np.tanh(w * x)
                if close(dw, exp_h * x, RTOL):
                    raise wrong("∂E/∂w is missing the factor tanh'(w x) = 1 − h²", details, CHAIN)
                if close(dw, exp_h * (1 - hv**2), RTOL):
                    raise wrong("∂E/∂w is missing the factor x = ∂(w x)/∂w", details, CHAIN)
                raise wrong("∂E/∂w is wrong although ∂E/∂h is right", details, CHAIN)
    except Failure as failure:
        return failure.result
    return passed("chain rule correct: ∂E/∂h sums the three paths, ∂E/∂w follows", [CHAIN])
