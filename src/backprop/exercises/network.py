"""check_backprop: a student's batched BP1-BP4 against the textbook network's step record.

The student writes ``fn(weights, biases, X, Y) -> (nabla_w, nabla_b)`` for the mean cost
C = (1/m) sum_x C_x over a batch X of m rows. Only the gradients come back, so the checker reads
the errors delta^l through BP3: called with one example, ``nabla_b[l-1]`` *is* delta^{x,l}. It then
walks the layers top-down, as backpropagation does (BP1 for delta^L, BP3 and BP4 for layer L,
BP2 for delta^{L-1}, ...), and stops at the first quantity that differs from
``layered.Network.record``. Known mistakes are recognised by comparing the student's numbers with
what the mistake would give, computed from the same record: sigma' forgotten or applied twice,
sigma' evaluated at a^l, w^{l+1} not transposed, the batch sum for the mean, a^l or z^{l-1} in BP4,
a sign error, a constant factor.

Layers are numbered as in ``layered``: layer 0 is the input, w^l and b^l (l = 1..L) are
``weights[l-1]`` and ``biases[l-1]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..activations import activation as _activation
from ..layered import Network, StepRecord
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

__all__ = ["check_backprop"]

BP1 = "BP1: δ^L = ∇_a C ⊙ σ'(z^L); for the quadratic cost ∇_a C = a^L − y"
BP1_CANCELS = "BP1 with this cost: σ'(z^L) cancels against ∇_a C, so δ^L = a^L − y"
BP2 = "BP2: δ^l = ((w^{l+1})^T δ^{l+1}) ⊙ σ'(z^l); in batch form Δ^l = (Δ^{l+1} w^{l+1}) ⊙ σ'(Z^l)"
BP3 = "BP3: ∂C/∂b^l = δ^l, averaged over the batch: (1/m) Σ_x δ^{x,l}"
BP4 = "BP4: ∂C/∂w^l_jk = a^{l-1}_k δ^l_j, averaged over the batch: (1/m) (Δ^l)^T A^{l-1}"
MEAN = "C = (1/m) Σ_x C_x is the mean over the m examples of the batch, so BP3 and BP4 average"
EACH = {"b": "∂C/∂b^l = (1/m) Σ_x δ^{x,l}", "w": "∂C/∂w^l = (1/m) Σ_x δ^{x,l} (a^{x,l-1})^T"}

#: The generated cases: all-square layers first (every mistake then gives numbers the checker
#: can name), then a network whose layers differ in width (shapes must be right).
CASES = (((3, 3, 3, 3), 4), ((4, 5, 3, 2), 5))


@dataclass
class _Case:
    net: Network
    X: np.ndarray
    Y: np.ndarray
    record: StepRecord
    bias: str

    @property
    def L(self) -> int:
        return len(self.net.sizes) - 1

    @property
    def m(self) -> int:
        return len(self.X)

    def arguments(self, rows: slice = slice(None)) -> tuple[Any, ...]:
        """Fresh copies of (weights, biases, X, Y) for the student (rows of the batch)."""
        shape = (lambda b: b.reshape(-1, 1)) if self.bias == "column" else (lambda b: b)
        return (
            [np.array(w) for w in self.net.weights],
            [shape(np.array(b)) for b in self.net.biases],
            self.X[rows].copy(),
            self.Y[rows].copy(),
        )


def _case(
    sizes: tuple[int, ...], m: int, activation: str, cost: str, bias: str, seed: int, onehot: bool
) -> _Case:
    rng = np.random.default_rng(seed)
    net = Network(
        sizes, activation=activation, cost=cost, init="normal", seed=rng, dtype=np.float64
    )
    X = rng.uniform(-1.0, 1.0, (m, sizes[0]))
    if onehot or cost == "log_likelihood":
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], m)]
    else:
        Y = rng.uniform(0.0, 1.0, (m, sizes[-1]))
    return _Case(net, X, Y, net.record(X, Y), bias)


def _gradients(out: Any, case: _Case, who: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The student's (nabla_w, nabla_b) checked for structure and shapes; biases flattened."""
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise wrong(
            f"{who} should return (nabla_w, nabla_b), two lists with one array per layer",
            [
                f"received: {type(out).__name__}"
                + (f" of length {len(out)}" if hasattr(out, "__len__") else "")
            ],
        )
    L, sizes = case.L, case.net.sizes
    nabla_w, nabla_b = out
    for name, grads in (("nabla_w", nabla_w), ("nabla_b", nabla_b)):
        if not hasattr(grads, "__len__") or len(grads) != L:
            got = len(grads) if hasattr(grads, "__len__") else type(grads).__name__
            raise wrong(
                f"{name} should hold L = {L} arrays, one per layer l = 1..{L}; received {got}",
                hint="layer 0 is the input and has no weights; w^l connects layer l−1 to layer l",
            )
    expected = [(sizes[l], sizes[l - 1]) for l in range(1, L + 1)]
    shapes = [np.shape(g) for g in nabla_w]
    if shapes != expected and shapes[::-1] == expected:
        raise _reversed([f"shapes received: {shapes}", f"shapes of w^1 ... w^{L}: {expected}"])
    ws: list[np.ndarray] = [np.empty(0)] * L
    bs: list[np.ndarray] = [np.empty(0)] * L
    for l in range(L, 0, -1):  # top-down, the order of backpropagation
        n_out, n_in = sizes[l], sizes[l - 1]
        b = as_array(nabla_b[l - 1], f"∂C/∂b^{l}")
        if b.shape not in ((n_out,), (n_out, 1)):
            per_example = b.shape == (case.m, n_out)
            raise wrong(
                f"∂C/∂b^{l} has shape {b.shape}, but b^{l} has {n_out} entries "
                f"(shape ({n_out},) or ({n_out}, 1))",
                [f"layer {l}: expected shape ({n_out},), received {b.shape}"],
                (BP3 + ": one row per example is δ^{x,l}; average the rows")
                if per_example
                else BP3,
            )
        w = as_array(nabla_w[l - 1], f"∂C/∂w^{l}")
        if w.shape != (n_out, n_in):
            transposed = w.shape == (n_in, n_out)
            raise wrong(
                f"∂C/∂w^{l} has shape {w.shape}, "
                + (
                    f"the transpose of w^{l}'s {(n_out, n_in)}"
                    if transposed
                    else f"but w^{l} has shape {(n_out, n_in)}"
                ),
                [f"layer {l}: expected shape {(n_out, n_in)}, received {w.shape}"],
                BP4 + " (row j is a neuron of layer l, column k one of layer l−1)",
            )
        ws[l - 1] = np.asarray(nabla_w[l - 1])
        bs[l - 1] = np.asarray(nabla_b[l - 1]).reshape(n_out)
    return ws, bs


def _reversed(details: list[str]) -> Failure:
    return wrong(
        "nabla_w and nabla_b run from layer L down to layer 1; nabla_w[0] should be ∂C/∂w^1",
        details,
        "backpropagation visits the layers top-down: insert each layer's gradients at the front "
        "of the lists, or reverse them at the end",
    )


def _rows(received: np.ndarray, expected: np.ndarray, rtol: float) -> str:
    """'every row' or 'row 0' / 'rows 0, 2': the examples whose row differs."""
    bad = [x for x in range(len(expected)) if not close(received[x], expected[x], rtol)]
    if len(bad) == len(expected):
        return "every row"
    return ("row " if len(bad) == 1 else "rows ") + ", ".join(map(str, bad))


def _located(
    name: str,
    l: int,
    received: np.ndarray,
    expected: np.ndarray,
    rtol: float,
    row_word: str = "example",
) -> list[str]:
    """Lines naming the first differing entry, both values and both shapes."""
    at = first_difference(received, expected, rtol)
    if len(at) == 2 and row_word:
        where = f"layer {l}, {row_word} (row) {at[0]}, entry {at[1]}"
    else:
        where = f"layer {l}, entry {at}"
    return [
        f"first difference: {where}: expected {float(expected[at]):.6g}, received "
        f"{float(received[at]):.6g}",
        f"expected {name} = {show(expected)} (shape {expected.shape})",
        f"received {name} = {show(received)} (shape {received.shape})",
    ]


def _factor(received: np.ndarray, expected: np.ndarray, rtol: float) -> float | None:
    """The constant k with received = k * expected, if there is one (k != 1)."""
    big = np.abs(expected) > 1e-3 * np.max(np.abs(expected), initial=0.0)
    if not big.any():
        return None
    k = float(np.median(received[big] / expected[big]))
    if abs(k - 1.0) > rtol * 10 and close(received, k * expected, max(rtol, 1e-6)):
        return k
    return None


def _delta_mistakes(case: _Case, l: int) -> list[tuple[np.ndarray, str, str]]:
    """(what delta^l would be, message, hint) for the usual mistakes in BP1 (l = L) or BP2."""
    rec, net, L = case.record, case.net, case.L
    delta = rec.delta[l]
    hidden = l < L
    name = net.activation if hidden else net.output
    out: list[tuple[np.ndarray, str, str]] = [
        (
            -delta,
            f"δ^{l} has the wrong sign in every row",
            BP2
            if hidden
            else "BP1 starts from ∇_a C = a^L − y; (y − a^L) flips every δ^l and every gradient",
        ),
    ]
    if name == "softmax":
        return out
    row = _activation(name)
    prime = row.derivative(rec.a[l])  # sigma'(z^l), from a^l = sigma(z^l)
    eq = "BP2" if hidden else "BP1"
    cancels = not hidden and net.cost_name != "quadratic"
    safe = np.where(prime == 0, 1.0, prime)
    if cancels:
        out.append(
            (
                delta * prime,
                f"δ^{l} is wrong in every row by an extra factor of σ'(z^{l})",
                BP1_CANCELS,
            )
        )
        return out
    out += [
        (
            delta / safe,
            f"δ^{l} is wrong in every row by a factor of σ'(z^{l}): "
            f"{eq} multiplies by σ'(z^{'l' if hidden else 'L'})",
            BP2 if hidden else BP1,
        ),
        (
            delta * prime,
            f"δ^{l} has an extra factor of σ'(z^{l}) in every row: σ' is applied twice",
            BP2 if hidden else BP1,
        ),
        (
            delta / safe * row.derivative(row.function(rec.a[l])),
            f"δ^{l} uses σ'(a^{l}) where {eq} takes σ'(z^{l}): "
            f"σ' is evaluated at the weighted input "
            f"z^{l}, or written from the output as a^{l}(1 − a^{l}) for the sigmoid",
            BP2 if hidden else BP1,
        ),
    ]
    if hidden and net.sizes[l + 1] == net.sizes[l]:
        w = net.weights[l]  # w^{l+1}
        out.append(
            (
                (rec.delta[l + 1] @ w.T) * prime,
                f"δ^{l} uses w^{l + 1} δ^{l + 1} where BP2 takes (w^{l + 1})^T δ^{l + 1}: "
                f"the error flows back through the transposed weights",
                BP2,
            )
        )
    return out


def _check_delta(
    case: _Case, l: int, probe: np.ndarray, probe_w: list[np.ndarray], rtol: float
) -> None:
    """delta^l read through BP3 from single-example calls, against the record."""
    rec = case.record
    expected = rec.delta[l]
    if close(probe, expected, rtol):
        return
    # BP4 per example right but the bias gradient wrong: the mistake is in BP3, not in delta^l.
    if all(close(probe_w[x], rec.example_grad_w(l, x), rtol) for x in range(case.m)):
        raise wrong(
            f"∂C/∂b^{l} is wrong although ∂C/∂w^{l} is right (one example at a time)",
            _located(f"∂C_x/∂b^{l} per example", l, probe, expected, rtol),
            BP3,
        )
    details = _located(f"δ^{l}", l, probe, expected, rtol)
    details.append(
        f"δ^{l} is read through BP3 (∂C/∂b^{l} = δ^{l}) from calls with one example each"
    )
    for candidate, message, hint in _delta_mistakes(case, l):
        if close(probe, candidate, rtol):
            raise wrong(message, details, hint)
    k = _factor(probe, expected, rtol)
    eq = BP1 if l == case.L else BP2
    if k is not None:
        extra = ""
        if l == case.L and case.net.cost_name == "quadratic" and abs(k - 2) < 1e-3:
            extra = (
                ": the quadratic cost C_x = ½‖y − a^L‖² has ∇_a C = a^L − y (the ½ cancels the 2)"
            )
        raise wrong(f"δ^{l} is {k:.4g} times the expected value in every row{extra}", details, eq)
    raise wrong(f"δ^{l} is wrong in {_rows(probe, expected, rtol)}", details, eq)


def _check_batch(case: _Case, l: int, grad_w: np.ndarray, grad_b: np.ndarray, rtol: float) -> None:
    """The batch gradients of layer l (its delta^l being right), BP3 then BP4."""
    rec, m = case.record, case.m
    exp_b, exp_w = rec.grad_b[l], rec.grad_w[l]
    for name, got, exp, eq in (("b", grad_b, exp_b, BP3), ("w", grad_w, exp_w, BP4)):
        if close(got, exp, rtol):
            continue
        details = _located(f"∂C/∂{name}^{l}", l, got, exp, rtol, row_word="")
        k = _factor(got, exp, rtol)
        if k is not None and abs(k - m) < 1e-6 * m:
            raise wrong(
                f"∂C/∂{name}^{l} is m = {m} times too large: a sum over the batch where the mean "
                f"was meant",
                details,
                MEAN + ": " + EACH[name],
            )
        if name == "w":
            mistakes = []
            if case.net.sizes[l] == case.net.sizes[l - 1]:
                mistakes += [
                    (
                        rec.delta[l].T @ rec.a[l] / m,
                        f"∂C/∂w^{l} uses a^{l} where BP4 takes a^{l - 1}, "
                        f"the activation of the layer below",
                    ),
                    (exp.T, f"∂C/∂w^{l} is transposed: BP4's entry (j, k) is a^{l - 1}_k δ^{l}_j"),
                ]
            if l > 1:
                mistakes.append(
                    (
                        rec.delta[l].T @ rec.z[l - 1] / m,
                        f"∂C/∂w^{l} uses z^{l - 1} where BP4 takes "
                        f"the activation a^{l - 1} = σ(z^{l - 1})",
                    )
                )
            for candidate, message in mistakes:
                if close(got, candidate, rtol):
                    raise wrong(message, details, BP4)
        if k is not None:
            raise wrong(f"∂C/∂{name}^{l} is {k:.4g} times the expected value", details, eq)
        raise wrong(f"∂C/∂{name}^{l} is wrong", details, eq)


def _check_case(fn: Callable[..., Any], case: _Case) -> None:
    who = "your backprop"
    grads_w, grads_b = _gradients(call(fn, who, *case.arguments()), case, who)
    rtol = RTOL
    rec = case.record
    if all(
        close(grads_w[l - 1], rec.grad_w[l], rtol) and close(grads_b[l - 1], rec.grad_b[l], rtol)
        for l in range(1, case.L + 1)
    ):
        return
    if all(
        close(grads_w[case.L - l], rec.grad_w[l], rtol)
        and close(grads_b[case.L - l], rec.grad_b[l], rtol)
        for l in range(1, case.L + 1)
    ):
        raise _reversed([f"received nabla_w[0] = ∂C/∂w^{case.L}"])
    # Per example: nabla_b^l is delta^{x,l} (BP3), nabla_w^l is delta^{x,l} (a^{x,l-1})^T (BP4).
    singles = [
        _gradients(call(fn, f"{who} (one example)", *case.arguments(slice(x, x + 1))), case, who)
        for x in range(case.m)
    ]
    for l in range(case.L, 0, -1):
        probe = np.stack([bs[l - 1] for _, bs in singles]).astype(np.float64)
        probe_w = [np.asarray(ws[l - 1], dtype=np.float64) for ws, _ in singles]
        _check_delta(case, l, probe, probe_w, rtol)
        _check_batch(
            case,
            l,
            np.asarray(grads_w[l - 1], np.float64),
            np.asarray(grads_b[l - 1], np.float64),
            rtol,
        )


def check_backprop(
    fn: Callable[..., Any],
    *,
    activation: str = "sigmoid",
    cost: str = "quadratic",
    bias: str = "vector",
    seed: int = 0,
) -> CheckResult:
    """Check ``fn(weights, biases, X, Y) -> (nabla_w, nabla_b)``, batched BP1-BP4.

    ``weights[l-1]`` is w^l of shape (n_l, n_{l-1}); ``biases[l-1]`` is b^l of shape (n_l,), or
    Nielsen's (n_l, 1) with ``bias="column"``; ``X`` holds one example per row and ``Y`` the
    targets (real values or one-hot rows). Hidden and output neurons apply ``activation``
    (sigmoid by default); ``cost`` is the mean quadratic cost C = 1/(2m) Σ_x ‖y − a^L‖² (default),
    Nielsen's ``"cross_entropy"`` or the softmax ``"log_likelihood"``. The function returns the
    gradients of C, ``nabla_w[l-1]`` = ∂C/∂w^l and ``nabla_b[l-1]`` = ∂C/∂b^l (shape (n_l,) or
    (n_l, 1)); float32 or float64 are both fine.

    Returns a ``CheckResult``: truthy when every gradient matches ``layered.Network``'s, else it
    names the first wrong δ^l, ∂C/∂b^l or ∂C/∂w^l (top-down), where, and the usual mistake.
    """
    if bias not in ("vector", "column"):
        raise ValueError(
            f"bias must be 'vector' (shape (n,)) or 'column' (shape (n, 1)); got {bias!r}"
        )
    try:
        for i, (sizes, m) in enumerate(CASES):
            case = _case(sizes, m, activation, cost, bias, seed + i, onehot=i == 1)
            _check_case(fn, case)
    except Failure as failure:
        return failure.result
    shapes = " and ".join("-".join(map(str, s)) for s, _ in CASES)
    return passed(
        f"BP1–BP4 correct: every δ^l, ∂C/∂b^l and ∂C/∂w^l matches on networks {shapes}",
        [f"{activation} neurons, {cost} cost averaged over the batch"],
    )
