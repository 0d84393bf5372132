"""Numerical gradients: central finite differences against the engine's backprop.

    dE/dx_i  ~  (E(x + eps e_i) - E(x - eps e_i)) / (2 eps)

The lectures' point about cost: this needs two forward passes *per parameter* (one per parameter for
the one-sided version), while backprop gets every partial derivative from one forward and one
backward pass. So numerical gradients are for checking, never for training.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import GradcheckError
from .nn.losses import Loss
from .tensor import Tensor, no_grad


def _projected(out: Any, weights: np.ndarray) -> float:
    """E = sum(out * v): a scalar whose gradient is the VJP of ``out`` with v."""
    data = out.data if isinstance(out, Tensor) else np.asarray(out)
    return float(np.sum(data.astype(np.float64) * weights))


def gradcheck(
    fn: Callable[..., Tensor],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check ``fn``'s backprop gradients against central finite differences in float64.

    ``fn(*inputs)`` must return a Tensor. Inputs that are Tensors requiring grad are checked
    (converted to float64 copies; the originals are not touched); other inputs are passed as they
    are. A non-scalar output is reduced to E = sum(out * v) with a fixed random v, which checks
    the full vector-Jacobian product. Each element costs two forward passes, so the check takes
    2 * (number of checked elements) forward passes, against one forward and one backward pass
    for backprop.

    An element passes when |analytic - numeric| <= atol + rtol * |numeric|. Returns True, or raises
    ``GradcheckError`` naming the input, the worst element's index, both values and the relative
    error.
    """
    args = [
        Tensor(np.array(x.data, dtype=np.float64), requires_grad=x.requires_grad, label=x.label)
        if isinstance(x, Tensor)
        else x
        for x in inputs
    ]
    checked = [i for i, x in enumerate(args) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input is a Tensor with requires_grad=True")

    out = fn(*args)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    weights = np.random.default_rng(0).standard_normal(out.shape) if out.size > 1 else 1.0
    weights = np.broadcast_to(np.asarray(weights, dtype=np.float64), out.shape)
    if out.requires_grad:
        out.backward(weights)

    for i in checked:
        x = args[i]
        analytic = np.zeros_like(x.data) if x.grad is None else x.grad
        flat = np.arange(x.size)
        numeric = central_differences(lambda: _projected(fn(*args), weights), x.data, flat, eps)
        name = f"input {i}" + (f" ({x.label!r})" if x.label else "") + f" of shape {x.shape}"
        _compare(name, analytic.reshape(-1), numeric, flat, x.shape, atol, rtol)
    return True


def central_differences(
    f: Callable[[], float], array: np.ndarray, elements: np.ndarray, eps: float
) -> np.ndarray:
    """(f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for the flat indices ``elements`` of ``array``.

    ``array`` is perturbed in place (and restored) while ``f`` is evaluated without a graph:
    two forward passes per element.
    """
    numeric = np.empty(len(elements))
    with no_grad():
        for k, j in enumerate(elements):
            # Element j in row-major numbering, whatever the array's memory layout.
            at = np.unravel_index(int(j), array.shape)
            saved = array[at]
            array[at] = saved + eps
            plus = f()
            array[at] = saved - eps
            minus = f()
            array[at] = saved
            numeric[k] = (plus - minus) / (2 * eps)
    return numeric


@dataclass(frozen=True)
class Agreement:
    """How the checked elements of one array agree with central differences, by which bound.

    An element passes when |analytic - numeric| <= atol + rtol |numeric|. It is counted under
    the first of these that holds: ``by_rtol`` (|a - n| <= rtol |n| and n != 0: the relative
    tolerance alone), ``by_atol`` (|a - n| <= atol: the absolute tolerance alone, typically a
    gradient near 0, where a relative error means little) or ``by_both`` (only their sum).
    """

    checked: int
    by_rtol: int
    by_atol: int
    by_both: int
    largest_relative: float  # max |a - n| / |n| over the elements that pass by rtol
    largest_absolute: float  # max |a - n| over all checked elements

    def describe(self) -> str:
        """``14 by relative tolerance, 6 by absolute tolerance (largest relative error 3.1e-09,
        largest absolute error 2.0e-11)``; the relative error over the elements passing by
        rtol."""
        text = f"{self.by_rtol} by relative tolerance, {self.by_atol} by absolute tolerance"
        if self.by_both:
            text += f", {self.by_both} only by the two together"
        relative = f"largest relative error {self.largest_relative:.1e}, " if self.by_rtol else ""
        return text + f" ({relative}largest absolute error {self.largest_absolute:.1e})"


def _compare(
    name: str,
    analytic: np.ndarray,
    numeric: np.ndarray,
    elements: np.ndarray,
    shape: tuple[int, ...],
    atol: float,
    rtol: float,
) -> Agreement:
    """Raise GradcheckError at the worst element unless |a - n| <= atol + rtol |n| everywhere;
    return how the elements agree (see :class:`Agreement`)."""
    analytic = analytic[elements]
    error = np.abs(analytic - numeric)
    allowed = atol + rtol * np.abs(numeric)
    relative = error / np.maximum(np.abs(numeric), 1e-12)
    if np.all(error <= allowed):
        # A numeric 0 has no relative error to speak of: an exact 0 agrees by atol.
        by_rtol = (error <= rtol * np.abs(numeric)) & (numeric != 0)
        by_atol = ~by_rtol & (error <= atol)
        return Agreement(
            checked=len(elements),
            by_rtol=int(by_rtol.sum()),
            by_atol=int(by_atol.sum()),
            by_both=int((~by_rtol & ~by_atol).sum()),
            largest_relative=float(relative[by_rtol].max(initial=0.0)),
            largest_absolute=float(error.max(initial=0.0)),
        )
    # Elements within tolerance rank 0 (also when atol=0 makes 0/0); a NaN error ranks worst.
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(error <= allowed, 0.0, error / allowed)
    ratio = np.where(np.isnan(ratio), np.inf, ratio)
    k = int(np.argmax(ratio))
    worst = tuple(int(i) for i in np.unravel_index(int(elements[k]), shape)) if shape else ()
    a, n = float(analytic[k]), float(numeric[k])
    raise GradcheckError(
        f"gradcheck failed for {name} at index {worst}: analytic {a:.8g}, "
        f"numeric {n:.8g}, relative error {relative[k]:.3g} (atol={atol}, rtol={rtol})"
    )


def check_model_gradients(
    model: Any,
    X: Any,
    y: Any,
    loss: Callable[[Tensor, Any], Tensor],
    elements_per_parameter: int | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> str:
    """Check a model's backprop gradients of ``loss(model(X), y)`` against finite differences.

    A ``Loss`` takes ``y`` as ``fit`` does (``Loss.prepare_targets``: class labels become one-hot
    rows or a column where the loss needs them).

    The check runs in float64 on copies of the parameters (the model is left as it was). Each
    parameter is checked at ``elements_per_parameter`` randomly chosen elements (all when None):
    2 forward passes per element. Returns a report, one line per parameter, saying how many
    elements pass by the relative and how many by the absolute tolerance (see
    :class:`Agreement`), and a last line with the totals and how many elements were not
    checked; raises ``GradcheckError`` on the first disagreement.
    """
    params = list(model.named_parameters())
    originals = [p.data for _, p in params]
    rng = np.random.default_rng(seed)
    X = np.asarray(X, dtype=np.float64)
    lines = []
    checked = total = by_rtol = by_atol = by_both = 0
    try:
        for _, p in params:
            p.data = p.data.astype(np.float64)
            p.grad = None
        out = model(Tensor(X))
        if isinstance(loss, Loss):  # a dataset's class labels, as this loss takes them
            y = loss.prepare_targets(y, int(np.prod(out.shape[1:])), np.float64, "gradcheck")
        loss(out, y).backward()

        def cost() -> float:
            return float(loss(model(Tensor(X)), y).data)

        for name, p in params:
            n = p.size if elements_per_parameter is None else min(elements_per_parameter, p.size)
            elements = np.sort(rng.choice(p.size, size=n, replace=False))
            numeric = central_differences(cost, p.data, elements, eps)
            agree = _compare(name, p.grad.reshape(-1), numeric, elements, p.shape, atol, rtol)
            lines.append(
                f"{name:<12} {str(p.shape):<12} {n:>6} of {p.size:<8} elements agree: "
                + agree.describe()
            )
            checked, total = checked + n, total + p.size
            by_rtol, by_atol = by_rtol + agree.by_rtol, by_atol + agree.by_atol
            by_both += agree.by_both
    finally:
        for (_, p), data in zip(params, originals, strict=True):
            p.data, p.grad = data, None
    summary = (
        f"{checked} of {total} elements checked, all within |analytic - numeric| <= atol + rtol "
        f"|numeric| (atol={atol:g}, rtol={rtol:g}): {by_rtol} by relative tolerance, {by_atol} "
        f"by absolute tolerance"
    )
    if by_both:
        summary += f", {by_both} only by the two together"
    if checked < total:
        summary += f"; the other {total - checked} elements were not checked"
    return "\n".join(
        [f"backprop vs central differences (eps={eps:g}, float64) on {len(X)} examples:"]
        + lines
        + [summary]
    )
