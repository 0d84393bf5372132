"""Regularizers Omega(theta) for the ERM objective (1/N) sum_n L(y_n, y_hat_n) + lambda Omega.

A regularizer is called on a model and returns the scalar Tensor lambda * Omega(theta), built from
``ops.abs`` / ``ops.mul`` / ``ops.sum`` so that its gradient comes from the graph like any other
term; add it to the loss before ``backward()``::

    cost = loss(model(x), y) + L2(1e-4)(model)

Conventions (chosen so that the gradients are the textbook weight-decay terms):

    L1   Omega(theta) = sum_w |w|           d(lambda Omega)/dw = lambda sign(w)   (0 at w = 0)
    L2   Omega(theta) = (1/2) sum_w w^2     d(lambda Omega)/dw = lambda w

The 1/2 in L2 makes gradient descent shrink each weight by eta lambda w per step ("weight decay").
Nielsen writes the regularized cost as C = C_0 + lambda_N/(2n) sum_w w^2 with n the size of the
training set: that is ``L2(lmbda=lambda_N / n)`` here, added to a loss whose reduction is the mean.

Only weights are penalized by default: a parameter whose name ends with "bias" (e.g. "0.bias",
from ``Module.named_parameters``) is left out unless ``include_bias=True``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Real
from typing import Any

from .. import ops
from ..backend import xp
from ..tensor import Tensor
from .module import Module


def _named(params: Module | Iterable[tuple[str, Tensor]], who: str) -> list[tuple[str, Tensor]]:
    if isinstance(params, Module):
        return list(params.named_parameters())
    items = []
    for item in params:
        if (
            not isinstance(item, tuple)
            or len(item) != 2
            or not isinstance(item[0], str)
            or not isinstance(item[1], Tensor)
        ):
            raise TypeError(
                f"{who}: expected a Module or (name, Parameter) pairs such as "
                f"model.named_parameters(), got an item of type {type(item).__name__} (names "
                f"are needed to tell weights from biases)"
            )
        items.append(item)
    return items


class Regularizer:
    """lambda * Omega(theta) over a model's weights (and biases if ``include_bias``)."""

    kind = ""
    factor = 1.0  # Omega = factor * sum_w omega(w)

    def __init__(self, lmbda: float, include_bias: bool = False) -> None:
        if isinstance(lmbda, bool) or not isinstance(lmbda, Real) or not math.isfinite(lmbda):
            raise ValueError(f"{self.kind}: lmbda must be a finite number >= 0, got {lmbda!r}")
        if lmbda < 0:
            raise ValueError(f"{self.kind}: lmbda must be >= 0, got {lmbda}")
        self.lmbda = float(lmbda)
        self.include_bias = bool(include_bias)

    def _omega(self, w: Tensor) -> Tensor:
        raise NotImplementedError

    def selected(self, params: Module | Iterable[tuple[str, Tensor]]) -> list[tuple[str, Tensor]]:
        """The (name, parameter) pairs that are penalized."""
        return [
            (name, p)
            for name, p in _named(params, self.kind)
            if self.include_bias or not name.endswith("bias")
        ]

    def __call__(self, params: Module | Iterable[tuple[str, Tensor]]) -> Tensor:
        """lambda * Omega(theta) as a scalar Tensor (a constant 0 if nothing is penalized)."""
        terms = [self._omega(p) for _, p in self.selected(params)]
        if not terms:
            return Tensor(xp.zeros((), dtype=xp.float32))
        total = terms[0]
        for term in terms[1:]:
            total = ops.add(total, term)
        return ops.mul(total, self.factor * self.lmbda)

    def config(self) -> dict[str, Any]:
        return {"type": self.kind, "lmbda": self.lmbda, "include_bias": self.include_bias}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Regularizer) and self.config() == other.config()

    def __hash__(self) -> int:
        return hash((self.kind, self.lmbda, self.include_bias))

    def __repr__(self) -> str:
        bias = ", include_bias=True" if self.include_bias else ""
        return f"{self.kind}(lmbda={self.lmbda}{bias})"


class L1(Regularizer):
    """lambda * Omega with Omega(theta) = sum_w |w|;  gradient lambda sign(w) (0 at w = 0)."""

    kind = "L1"

    def _omega(self, w: Tensor) -> Tensor:
        return ops.sum(ops.abs(w))


class L2(Regularizer):
    """lambda * Omega with Omega(theta) = (1/2) sum_w w^2;  gradient lambda w (weight decay)."""

    kind = "L2"
    factor = 0.5

    def _omega(self, w: Tensor) -> Tensor:
        return ops.sum(ops.mul(w, w))


REGULARIZERS: dict[str, type[Regularizer]] = {"L1": L1, "L2": L2}


def regularizer(spec: str | dict[str, Any], **kwargs: Any) -> Regularizer:
    """A regularizer from its ``config()`` dict or its name ("L1", "L2") plus ``lmbda=...``."""
    if isinstance(spec, dict):
        kwargs = {**{k: v for k, v in spec.items() if k != "type"}, **kwargs}
        spec = spec.get("type", "")
    cls = REGULARIZERS.get(str(spec).upper())
    if cls is None:
        raise ValueError(f"unknown regularizer {spec!r}; choose one of {', '.join(REGULARIZERS)}")
    return cls(**kwargs)


__all__ = ["L1", "L2", "REGULARIZERS", "Regularizer", "regularizer"]
