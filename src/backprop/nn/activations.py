"""Activation functions g(a) as modules: z_j = g(a_j), applied elementwise (softmax per row)."""

from __future__ import annotations

from typing import Any

from .. import ops
from ..rng import get_rng
from ..tensor import Tensor
from .layers import Linear, Sequential, as_input
from .module import Module


class _Activation(Module):
    """An elementwise g(a); subclasses name the operation in ``op``."""

    op: Any = None

    def forward(self, x: Any) -> Tensor:
        return self.op(as_input(x, "float32"))


class Step(_Activation):
    """The threshold unit g(a) = [a > 0]: its derivative is 0 almost everywhere (see ops.step)."""

    op = staticmethod(ops.step)


class Sigmoid(_Activation):
    """g(a) = 1 / (1 + exp(-a)), g'(a) = g(a)(1 - g(a))."""

    op = staticmethod(ops.sigmoid)


class Tanh(_Activation):
    """g(a) = tanh(a), g'(a) = 1 - g(a)^2."""

    op = staticmethod(ops.tanh)


class ReLU(_Activation):
    """g(a) = max(0, a), g'(a) = [a > 0]."""

    op = staticmethod(ops.relu)


class Identity(Module):
    """The linear neuron g(a) = a: stacking these collapses to one linear map."""

    def forward(self, x: Any) -> Tensor:
        return as_input(x, "float32")


class LeakyReLU(Module):
    """g(a) = a if a > 0 else s·a (s = ``negative_slope``)."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, x: Any) -> Tensor:
        return ops.leaky_relu(as_input(x, "float32"), self.negative_slope)

    def config(self) -> dict[str, Any]:
        return {"type": "LeakyReLU", "negative_slope": self.negative_slope}

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Softmax(Module):
    """p_c = e^{z_c} / sum_c' e^{z_c'} along ``axis`` (the lectures' output probabilities)."""

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = int(axis)

    def forward(self, x: Any) -> Tensor:
        return ops.softmax(as_input(x, "float32"), self.axis)

    def config(self) -> dict[str, Any]:
        return {"type": "Softmax", "axis": self.axis}

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


ACTIVATIONS: dict[str, type[Module]] = {
    "step": Step,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "identity": Identity,
    "linear": Identity,
    "leaky_relu": LeakyReLU,
    "softmax": Softmax,
}


def activation_module(name: str) -> Module:
    """An activation module by name: step, sigmoid, tanh, relu, identity (= linear), leaky_relu,
    softmax."""
    try:
        return ACTIVATIONS[name.lower()]()
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}"
        ) from None


def mlp(
    sizes: list[int] | tuple[int, ...],
    activation: str = "relu",
    output: str = "identity",
    init: str | None = None,
    seed: int | None = None,
    dtype: str = "float32",
) -> Module:
    """A multilayer perceptron ``Sequential(Linear, g, Linear, g, ..., Linear, output)``.

    ``sizes`` = [n_in, hidden..., n_out]. The default init is "he" for ReLU-like hidden units and
    "xavier" otherwise. With ``output="identity"`` the network returns scores (logits), which is
    what ``CrossEntropyLoss`` and ``BCEWithLogitsLoss`` expect.
    """
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"mlp: sizes must list at least 2 positive layer sizes, got {sizes}")
    activation_module(activation)  # validate before building
    activation_module(output)
    if init is None:
        init = "he" if activation.lower() in ("relu", "leaky_relu") else "xavier"
    rng = get_rng(seed)
    layers: list[Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(Linear(n_in, n_out, init=init, seed=rng, dtype=dtype))
        last = i == len(sizes) - 2
        name = output if last else activation
        if not (last and name.lower() in ("identity", "linear")):
            layers.append(activation_module(name))
    return Sequential(*layers)
