"""check_neuron and check_activation: the single neuron of seed 000 and the table of activations.

A neuron with inputs z_i, weights w_i and bias b computes the preactivation a = Σ_i z_i w_i + b
and the output g(a) (seed 000's notation). The references are the library's: ``Value`` for the
neuron, the activation table ``backprop.activations`` for g and g'.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..activations import ACTIVATIONS
from ..activations import activation as _activation
from ..scalar import Value
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

__all__ = ["check_activation", "check_neuron"]

NEURON = "the neuron: preactivation a = Σ_i z_i w_i + b, output g(a)"


def _neuron_cases(seed: int) -> list[tuple[np.ndarray, np.ndarray, float]]:
    rng = np.random.default_rng(seed)
    cases = [
        (rng.uniform(-1, 1, d), rng.normal(0, 1, d), float(rng.normal(0, 1))) for d in (3, 3, 5)
    ]
    return [*cases, (np.array([0.5]), np.array([2.0]), -1.0)]


def _reference(z: np.ndarray, w: np.ndarray, b: float, name: str) -> tuple[float, float]:
    """a and g(a), computed by the scalar graph engine."""
    a = sum((Value(float(zi)) * Value(float(wi)) for zi, wi in zip(z, w, strict=True)), Value(b))
    return a.data, a.activation(name).data


def _other_activation(out: float, a: float, name: str) -> str | None:
    """The table row (other than ``name``) whose g(a) equals ``out``."""
    for row in ACTIVATIONS.values():
        if row.name != name and close(float(row.function(np.array(a))), out, RTOL):
            return row.title
    return None


def check_neuron(fn: Callable[..., Any], activation: str = "sigmoid", seed: int = 0) -> CheckResult:
    """Check ``fn(z, w, b) -> (a, output)``: one neuron with inputs ``z`` (shape (d,)), weights
    ``w`` (d,) and bias ``b`` (a number); ``a`` = Σ_i z_i w_i + b and ``output`` = g(a) with g
    the ``activation`` (a name of the table, sigmoid by default)."""
    row = _activation(activation)
    try:
        for i, (z, w, b) in enumerate(_neuron_cases(seed)):
            out = call(fn, "your neuron", z.copy(), w.copy(), b)
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise wrong(
                    "your neuron should return two numbers: (a, g(a))",
                    [f"received: {show(as_array(out, 'the result'))}"],
                    NEURON,
                )
            a, g = (as_array(v, name) for v, name in zip(out, ("a", "g(a)"), strict=True))
            exp_a, exp_g = _reference(z, w, b, row.name)
            where = f"case {i}: z = {show(z)}, w = {show(w)}, b = {b:.4g}"
            if a.size != 1:
                raise wrong(
                    f"a should be one number, but it has shape {a.shape}",
                    [where, f"expected a = {exp_a:.6g}"],
                    "sum the products z_i w_i over the inputs i, then add b",
                )
            a = float(a.reshape(()))
            details = [where, f"expected a = {exp_a:.6g}, received a = {a:.6g}"]
            if not close(a, exp_a, RTOL):
                if close(a, exp_a - b, RTOL):
                    raise wrong("a is missing the bias b", details, NEURON)
                if close(a, exp_a - 2 * b, RTOL):
                    raise wrong("a subtracts the bias b instead of adding it", details, NEURON)
                raise wrong("the preactivation a is wrong", details, NEURON)
            if g.size != 1:
                raise wrong(
                    f"g(a) should be one number, but it has shape {g.shape}", [where], NEURON
                )
            g = float(g.reshape(()))
            details = [where, f"a = {exp_a:.6g}: expected g(a) = {exp_g:.6g}, received {g:.6g}"]
            if not close(g, exp_g, RTOL):
                if close(g, exp_a, RTOL) and row.name != "identity":
                    raise wrong(
                        "the output is a itself: no activation is applied",
                        details,
                        f"the output is g(a); here {row.text}",
                    )
                other = _other_activation(g, exp_a, row.name)
                if other is not None:
                    raise wrong(
                        f"the output applies {other}, but this neuron's g is the {row.title}",
                        details,
                        row.text,
                    )
                raise wrong("the output g(a) is wrong", details, row.text)
    except Failure as failure:
        return failure.result
    return passed(f"neuron correct: a = Σ_i z_i w_i + b and g(a) = {row.title}(a) on 4 cases")


GRID = np.array([[-3.0, -1.5, -0.5, -0.1], [0.1, 0.5, 1.5, 3.0]])


def _check_values(
    received: Any,
    expected: np.ndarray,
    what: str,
    hint: str,
    mistakes: list[tuple[np.ndarray, str]],
) -> None:
    got = as_array(received, what)
    details = [f"z = {show(GRID)}", f"expected {what} = {show(expected)}"]
    if got.shape != expected.shape:
        raise wrong(
            f"{what} should have the shape of z, {expected.shape}; received {got.shape}",
            details,
            "apply the function to every entry of the array (NumPy works entrywise)",
        )
    details.append(f"received {what} = {show(got)}")
    if close(got, expected, RTOL):
        return
    for candidate, message in mistakes:
        if close(got, candidate, RTOL):
            raise wrong(message, details, hint)
    bad = first_difference(got, expected, RTOL)
    raise wrong(
        f"{what} is wrong at z = {GRID[bad]:.4g}: expected {expected[bad]:.6g}, "
        f"received {got[bad]:.6g}",
        details,
        hint,
    )


def check_activation(
    name: str, fn: Callable[..., Any], derivative_fn: Callable[..., Any] | None = None
) -> CheckResult:
    """Check ``fn(z) -> g(z)`` and ``derivative_fn(z) -> g'(z)`` entrywise on an array z, for the
    activation ``name`` of the table (``"step"``, ``"sigmoid"``, ``"tanh"``, ``"relu"``, ...).
    Without ``derivative_fn`` only g is checked."""
    row = _activation(name)
    others = [r for r in ACTIVATIONS.values() if r.name != row.name]
    g = row.function(GRID)
    try:
        got = call(fn, f"your {row.title}", GRID.copy())
        _check_values(
            got,
            g,
            "g(z)",
            row.text,
            [
                (row.function(-GRID), f"g(z) is {row.title}(−z): check the sign inside"),
                *((r.function(GRID), f"g(z) is {r.title}, not {row.title}") for r in others),
            ],
        )
        if derivative_fn is not None:
            got = call(derivative_fn, f"your {row.title} derivative", GRID.copy())
            prime = row.derivative(g)
            _check_values(
                got,
                prime,
                "g'(z)",
                row.derivative_text,
                [
                    (
                        row.derivative(GRID),
                        f"g'(z) applies the output form "
                        f"({row.derivative_text.split('=')[-1].strip()}) "
                        f"to z itself: compute a = g(z) first",
                    ),
                    (g, "g'(z) returns g(z) itself, not its derivative"),
                    (-prime, "g'(z) has the wrong sign"),
                    *(
                        (
                            r.derivative(r.function(GRID)),
                            f"g'(z) is the derivative of {r.title}, not of {row.title}",
                        )
                        for r in others
                    ),
                ],
            )
    except Failure as failure:
        return failure.result
    what = "g(z) and g'(z)" if derivative_fn is not None else "g(z)"
    return passed(f"{row.title}: {what} correct at 8 points z in [−3, 3]")
