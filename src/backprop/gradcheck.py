"""Numerical gradients: central finite differences against the engine's backprop.

    dE/dx_i  ~  (E(x + eps e_i) - E(x - eps e_i)) / (2 eps)

The lectures' point about cost: this needs two forward passes *per parameter* (one per parameter for
the one-sided version), while backprop gets every partial derivative from one forward and one
backward pass. So numerical gradients are for checking, never for training.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import GradcheckError
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
        numeric = np.empty_like(x.data)
        flat = x.data.reshape(-1)
        with no_grad():
            for j in range(flat.size):
                saved = flat[j]
                flat[j] = saved + eps
                plus = _projected(fn(*args), weights)
                flat[j] = saved - eps
                minus = _projected(fn(*args), weights)
                flat[j] = saved
                numeric.reshape(-1)[j] = (plus - minus) / (2 * eps)
        error = np.abs(analytic - numeric)
        allowed = atol + rtol * np.abs(numeric)
        if np.all(error <= allowed):
            continue
        # Elements within tolerance rank 0 (also when atol=0 makes 0/0); a NaN error ranks worst.
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(error <= allowed, 0.0, error / allowed)
        ratio = np.where(np.isnan(ratio), np.inf, ratio)
        flat_worst = int(np.argmax(ratio))
        worst = tuple(int(k) for k in np.unravel_index(flat_worst, x.shape)) if x.ndim else ()
        a, n = float(analytic[worst]), float(numeric[worst])
        relative = abs(a - n) / max(abs(n), 1e-12)
        name = f"input {i}" + (f" ({x.label!r})" if x.label else "") + f" of shape {x.shape}"
        raise GradcheckError(
            f"gradcheck failed for {name} at index {worst}: analytic {a:.8g}, "
            f"numeric {n:.8g}, relative error {relative:.3g} (atol={atol}, rtol={rtol})"
        )
    return True
