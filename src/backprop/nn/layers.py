"""Linear (fully connected) layers and the Sequential container."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .. import ops
from ..backend import xp
from ..data._checks import numeric_array
from ..limits import check_parameters, positive_size
from ..tensor import Tensor
from .init import initialize
from .module import Module, Parameter


def as_input(x: Any, dtype: xp.dtype, module: Module) -> Tensor:
    """A network input as a Tensor; arrays and lists of numbers are converted to the layer's
    dtype, anything else (strings, objects, ragged lists) raises TypeError naming ``module``."""
    if isinstance(x, Tensor):
        return x
    return Tensor(numeric_array(x, dtype, repr(module), "the input"))


class Linear(Module):
    """A layer of ``out_features`` neurons, each seeing all ``in_features`` inputs.

    For one example a = x, the neurons compute the pre-activations z = W a + b, i.e. the lectures'
    a_j = sum_i z_i w_ij + b_j for every neuron j at once. A batch is given one example per row,
    X of shape (B, in_features), and gives Z = X W^T + b of shape (B, out_features). W has shape
    (out_features, in_features), as Nielsen's W^l and PyTorch's ``nn.Linear``
    (laid out in memory by ``backend.parameter_array``; any layout works). The layer has
    out·in + out parameters (the lectures' count "hidden 4·3+4").
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        init: str = "xavier",
        seed: int | xp.random.Generator | None = None,
        dtype: str | xp.dtype | type = "float32",
    ) -> None:
        super().__init__()
        self.in_features = positive_size("Linear", "in_features", in_features)
        self.out_features = positive_size("Linear", "out_features", out_features)
        count = self.in_features * self.out_features + (self.out_features if bias else 0)
        check_parameters(count, xp.dtype(dtype).itemsize, f"Linear({in_features}, {out_features})")
        self.init = init
        w, b = initialize(init, self.in_features, self.out_features, seed, xp.dtype(dtype))
        self.weight = Parameter(w, label="W")
        self.bias = Parameter(b, label="b") if bias else None

    def forward(self, x: Any) -> Tensor:
        x = as_input(x, self.weight.data.dtype, self)
        shape = x.data.shape
        if not shape or shape[-1] != self.in_features:
            where = f" at {self.name}" if self.name else ""
            raise ValueError(
                f"{self!r}{where} expects input of shape (batch, {self.in_features}), "
                f"got shape {shape}"
            )
        return ops.linear(x, self.weight, self.bias)

    def config(self) -> dict[str, Any]:
        return {
            "type": "Linear",
            "in_features": self.in_features,
            "out_features": self.out_features,
            "bias": self.bias is not None,
            "init": self.init,
            "dtype": str(self.weight.data.dtype),
        }

    def extra_repr(self) -> str:
        bias = "" if self.bias is not None else ", bias=False"
        return f"{self.in_features}, {self.out_features}{bias}"


class Sequential(Module):
    """Layers applied in order: a^l = layer_l(a^{l-1}), a feedforward (acyclic) network."""

    def __init__(self, *layers: Module) -> None:
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(
                    f"Sequential: layer {i} is a {type(layer).__name__}, not a Module"
                )
            layer.name = f"layer {i}"
        self.layers = list(layers)

    def forward(self, x: Any) -> Tensor:
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    def config(self) -> dict[str, Any]:
        return {"type": "Sequential", "layers": [layer.config() for layer in self.layers]}

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}("]
        for i, layer in enumerate(self.layers):
            line = f"  ({i}): {layer!r}"
            if isinstance(layer, Linear):
                n_out, n_in = layer.weight.shape
                count = f"{n_out}·{n_in}" + (f"+{n_out}" if layer.bias is not None else "")
                line = f"{line:<40} {layer.num_parameters():>8,} parameters ({count})"
            lines.append(line)
        lines.append(f")  total {self.num_parameters():,} parameters")
        return "\n".join(lines)
