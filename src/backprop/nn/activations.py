"""Activation functions a = g(z) as modules, applied elementwise (softmax per row).

Every elementwise module is made from a row of the one table, ``backprop.activations``: the class
name is the row's ``module`` (Step, Sigmoid, Tanh, ReLU, Identity, LeakyReLU, Softplus, ELU), the
constructor takes the row's parameters, and ``config()`` records them for save/load.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from .. import activations as table
from .. import ops
from ..limits import check_parameters, layer_sizes, network_parameters
from ..rng import get_rng
from ..tensor import Tensor
from .layers import Linear, Sequential, as_input
from .module import Module


class TableActivation(Module):
    """An elementwise a = g(z) from the activation table; subclasses set ``row``."""

    row: ClassVar[table.Activation]

    def __init__(self, *args: float, **params: float) -> None:
        super().__init__()
        keys = [key for key, _ in self.row.parameters]
        if len(args) > len(keys):
            raise TypeError(
                f"{type(self).__name__} takes at most {len(keys)} positional argument(s)"
            )
        given = dict(zip(keys, args, strict=False))
        for key in params:
            if key in given:
                raise TypeError(f"{type(self).__name__} got multiple values for {key!r}")
        for key, value in self.row.check_parameters(**given, **params).items():
            setattr(self, key, value)

    def activation_parameters(self) -> dict[str, float]:
        """The row's parameters as this module holds them, e.g. {"negative_slope": 0.01}."""
        return {key: getattr(self, key) for key, _ in self.row.parameters}

    def forward(self, x: Any) -> Tensor:
        x = as_input(x, "float32", self)
        return ops.activation(x, self.row.name, **self.activation_parameters())

    def config(self) -> dict[str, Any]:
        return {"type": type(self).__name__, **self.activation_parameters()}

    def extra_repr(self) -> str:
        return ", ".join(f"{key}={value}" for key, value in self.activation_parameters().items())


def _module_class(row: table.Activation) -> type[TableActivation]:
    doc = f"{row.text};  {row.derivative_text}  ({row.source})."
    attrs = {"row": row, "__doc__": doc, "__module__": __name__, "__qualname__": row.module}
    return type(row.module, (TableActivation,), attrs)


#: canonical activation name -> its module class, one per row of the table.
MODULES: dict[str, type[TableActivation]] = {
    row.name: _module_class(row) for row in table.ACTIVATIONS.values()
}
Step = MODULES["step"]
Sigmoid = MODULES["sigmoid"]
Tanh = MODULES["tanh"]
ReLU = MODULES["relu"]
Identity = MODULES["identity"]
LeakyReLU = MODULES["leaky_relu"]


def __getattr__(name: str) -> type[TableActivation]:
    """Module classes of rows without a name of their own here, e.g. ``Softplus``, ``ELU``."""
    for cls in MODULES.values():
        if cls.__name__ == name:
            return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Softmax(Module):
    """p_c = e^{z_c} / sum_c' e^{z_c'} along ``axis`` (the lectures' output probabilities)."""

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = int(axis)

    def forward(self, x: Any) -> Tensor:
        return ops.softmax(as_input(x, "float32", self), self.axis)

    def config(self) -> dict[str, Any]:
        return {"type": "Softmax", "axis": self.axis}

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


#: every accepted activation name (aliases included) -> module class; softmax beside the table.
ACTIVATIONS: dict[str, type[Module]] = {
    **{alias: MODULES[row.name] for row in table.ACTIVATIONS.values() for alias in row.names},
    "softmax": Softmax,
}


def activation_module(name: str, **params: float) -> Module:
    """An activation module by name: any row of ``backprop.activations`` (step, sigmoid, tanh,
    relu, identity = linear, leaky_relu, ...) with its parameters, or softmax."""
    if isinstance(name, str) and name.lower() == "softmax":
        return Softmax(**params)
    try:
        row = table.activation(name)
    except ValueError:
        raise ValueError(
            f"unknown activation {name!r}; choose one of {', '.join((*table.NAMES, 'softmax'))}"
        ) from None
    return MODULES[row.name](**params)


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
    sizes = layer_sizes("mlp", sizes)
    for what, name in (("activation", activation), ("output", output)):
        if not isinstance(name, str):
            raise TypeError(f"mlp: {what} must be a name such as 'relu', got {name!r}")
        activation_module(name)  # validate before building
    check_parameters(network_parameters(sizes), np.dtype(dtype).itemsize, "mlp")
    if init is None:
        init = "xavier" if activation.lower() == "softmax" else table.activation(activation).init
    rng = get_rng(seed)
    layers: list[Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(Linear(n_in, n_out, init=init, seed=rng, dtype=dtype))
        last = i == len(sizes) - 2
        name = output if last else activation
        if not (last and name.lower() in table.activation("identity").names):
            layers.append(activation_module(name))
    return Sequential(*layers)
