"""Module and Parameter: the PyTorch-style containers that hold a network's weights.

A ``Module`` maps inputs to outputs with ``forward`` and owns ``Parameter``s (the weights w_ij and
biases b_j of the lectures' neurons) directly or through child modules. ``parameters()`` lists them
in a fixed order, which optimizers, ``state_dict`` and the save format rely on.
"""

from __future__ import annotations

from collections.abc import Iterator
from os import PathLike
from typing import Any

from ..backend import xp
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor that always requires grad. ``.data`` is a NumPy array, writable in place."""

    __slots__ = ()

    def __init__(self, data: Any, *, label: str | None = None) -> None:
        super().__init__(xp.asarray(data), requires_grad=True, label=label)

    def __repr__(self) -> str:
        return "Parameter" + super().__repr__()[len("tensor"):]


class Module:
    """Base class of layers and networks.

    Subclasses set parameters and child modules as attributes in ``__init__`` and implement
    ``forward``; ``config()`` returns the constructor arguments so a saved file can rebuild the
    architecture without pickle.
    """

    def __init__(self) -> None:
        self.training = True
        self.name = ""  # set by the parent container, e.g. "layer 0"

    # ------------------------------------------------------------------ computing
    def forward(self, x: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, x: Any) -> Tensor:
        return self.forward(x)

    # ------------------------------------------------------------------ structure
    def children(self) -> Iterator[Module]:
        for value in vars(self).values():
            if isinstance(value, Module):
                yield value
            elif isinstance(value, (list, tuple)):
                yield from (v for v in value if isinstance(v, Module))

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs, e.g. ("0.weight", W), in a fixed order."""
        for key, value in vars(self).items():
            if isinstance(value, Parameter):
                yield prefix + key, value
            elif isinstance(value, Module):
                yield from value.named_parameters(f"{prefix}{key}.")
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield from item.named_parameters(f"{prefix}{i}.")

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        return sum(p.size for p in self.parameters())

    def zero_grad(self) -> None:
        """Forget accumulated gradients (backward() adds to ``.grad``)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        return self.train(False)

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, xp.ndarray]:
        """A copy of every parameter's array, keyed by its dotted name."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> None:
        """Copy arrays into the parameters in place; names and shapes must match."""
        params = dict(self.named_parameters())
        if strict:
            missing = sorted(set(params) - set(state))
            unexpected = sorted(set(state) - set(params))
            if missing or unexpected:
                raise KeyError(
                    f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}"
                )
        for name, value in state.items():
            if name not in params:
                continue
            value = xp.asarray(value)
            target = params[name]
            if value.shape != target.shape:
                raise ValueError(
                    f"load_state_dict: {name} has shape {target.shape} in the model but "
                    f"{value.shape} in the state"
                )
            target.data[...] = value

    def config(self) -> dict[str, Any]:
        """The architecture as JSON-able data: {"type": class name, **constructor arguments}."""
        return {"type": type(self).__name__}

    def save(self, path: str | PathLike[str]) -> None:
        """Write the architecture and weights to one file (see ``backprop.save``)."""
        from ..io import save  # io builds modules, so it is imported when first needed

        save(self, path)

    # ------------------------------------------------------------------ display
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"
