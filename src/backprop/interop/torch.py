"""backprop networks as PyTorch modules and back.

A ``Sequential`` of ``Linear`` layers and activations becomes a ``torch.nn.Sequential`` with the
same weights (copied) and dtype, and back. Each activation's torch module, its parameters and
the settings it needs come from its row of ``backprop.activations``; Softmax(axis) is
``torch.nn.Softmax(dim=axis)``. The threshold unit has no torch module with a gradient, so it
does not convert.
"""

from __future__ import annotations

from typing import Any

try:
    import torch
except ModuleNotFoundError as exc:
    raise ModuleNotFoundError(
        "backprop's PyTorch conversion needs PyTorch: pip install torch", name="torch"
    ) from exc

from ..activations import ACTIVATIONS
from ..errors import ConversionError
from ..io import StrPath, _atomic_file
from ..nn.activations import MODULES, Softmax
from ..nn.layers import Linear, Sequential
from ..nn.module import Module
from . import Layer, describe, layers_of

__all__ = ["from_torch", "save_state_dict", "to_torch", "torch_constructor"]

#: The dtypes backprop computes in, and torch's names for them.
_DTYPES = {"float32": torch.float32, "float64": torch.float64}


def to_torch(model: Module) -> torch.nn.Sequential:
    """``model`` (a ``Sequential`` or a ``layered.Network``) as a ``torch.nn.Sequential`` with a
    copy of its weights, in its dtype (float32 or float64).

    Raises ConversionError naming the layer and its position for a layer without a PyTorch
    counterpart (the threshold unit, a nested container, a module of your own).
    """
    modules = []
    for i, layer in enumerate(layers_of(model)):
        name, kwargs = _torch_spec(layer, i)
        cls = getattr(torch.nn, name)
        if isinstance(layer, Linear):
            module = torch.nn.utils.skip_init(cls, **kwargs)  # no draw from torch's generator
            with torch.no_grad():
                module.weight.copy_(torch.from_numpy(layer.weight.data))  # any layout: a copy
                if layer.bias is not None:
                    module.bias.copy_(torch.from_numpy(layer.bias.data))
        else:
            module = cls(**kwargs)
        modules.append(module)
    return torch.nn.Sequential(*modules)


def torch_constructor(model: Module) -> str:
    """The one line of Python that builds ``to_torch(model)``'s architecture, e.g.
    ``torch.nn.Sequential(torch.nn.Linear(in_features=2, out_features=3, bias=True,
    dtype=torch.float32), torch.nn.Tanh())``; its ``load_state_dict`` takes the weights."""
    parts = []
    for i, layer in enumerate(layers_of(model)):
        name, kwargs = _torch_spec(layer, i)
        args = ", ".join(f"{key}={value!r}" for key, value in kwargs.items())
        parts.append(f"torch.nn.{name}({args})")
    return f"torch.nn.Sequential({', '.join(parts)})"


def save_state_dict(model: Module, path: StrPath) -> None:
    """Write ``to_torch(model).state_dict()`` to ``path`` with ``torch.save``, atomically (a
    temporary file renamed over ``path``, so a failure leaves no file). ``torch.load(path,
    weights_only=True)`` reads it; ``torch_constructor(model)`` builds the module it fits."""
    state = to_torch(model).state_dict()
    with _atomic_file(path) as file:
        torch.save(state, file)


def _torch_spec(layer: Layer, position: int) -> tuple[str, dict[str, Any]]:
    """The ``torch.nn`` class name and keyword arguments of ``layer``'s counterpart."""
    if isinstance(layer, Linear):
        dtype = str(layer.weight.data.dtype)
        if dtype not in _DTYPES:
            raise ConversionError(
                f"layer {position}: {describe(layer)} holds {dtype} weights; float32 and float64 "
                f"convert"
            )
        return "Linear", {
            "in_features": layer.in_features,
            "out_features": layer.out_features,
            "bias": layer.bias is not None,
            "dtype": _DTYPES[dtype],
        }
    if isinstance(layer, Softmax):
        return "Softmax", {"dim": layer.axis}
    row = layer.row
    if row.torch is None:
        raise ConversionError(
            f"layer {position}: {describe(layer)}, the {row.title} unit, has no PyTorch module "
            f"with a gradient"
        )
    return row.torch, {**layer.activation_parameters(), **dict(row.torch_fixed)}


def from_torch(module: torch.nn.Module) -> Sequential:
    """A backprop ``Sequential`` with a copy of the weights of ``module``, a
    ``torch.nn.Sequential`` of ``Linear`` (float32 or float64), ``Softmax`` and the activation
    modules of the table (ReLU, LeakyReLU with its slope, ...).

    Raises ConversionError naming the module and its position for anything else (Dropout, a
    nested Sequential, a Softplus with beta != 1, ...).
    """
    if not isinstance(module, torch.nn.Sequential):
        raise ConversionError(f"expected a torch.nn.Sequential, got {_describe(module)}")
    return Sequential(*(_from_torch_layer(child, i) for i, child in enumerate(module)))


def _from_torch_layer(module: torch.nn.Module, position: int) -> Module:
    where = f"layer {position}: {_describe(module)}"
    kind = type(module)
    if kind is torch.nn.Linear:
        weight = module.weight.detach().cpu()
        dtype = {value: key for key, value in _DTYPES.items()}.get(weight.dtype)
        if dtype is None:
            raise ConversionError(
                f"{where} holds {weight.dtype} weights; float32 and float64 convert"
            )
        layer = Linear(
            module.in_features,
            module.out_features,
            bias=module.bias is not None,
            init="zeros",
            seed=0,
            dtype=dtype,
        )
        layer.weight.data[...] = weight.numpy()  # into backprop's own layout
        if module.bias is not None:
            layer.bias.data[...] = module.bias.detach().cpu().numpy()
        return layer
    if kind is torch.nn.Softmax:
        if module.dim is None:
            raise ConversionError(f"{where} has no dim; give torch.nn.Softmax(dim=1)")
        return Softmax(axis=module.dim)
    for row in ACTIVATIONS.values():
        if row.torch is None or kind is not getattr(torch.nn, row.torch):
            continue
        for attr, value in row.torch_fixed:
            if getattr(module, attr) != value:
                raise ConversionError(
                    f"{where}: backprop's {row.name} is torch's {row.torch} with {attr}={value}"
                )
        try:
            return MODULES[row.name](**{key: getattr(module, key) for key, _ in row.parameters})
        except ValueError as exc:
            raise ConversionError(f"{where}: {exc}") from None
    raise ConversionError(
        f"{where} has no backprop counterpart (Linear, Softmax and the activations "
        f"{', '.join(row.torch for row in ACTIVATIONS.values() if row.torch)} convert)"
    )


def _describe(module: Any) -> str:
    """A torch module on one line, e.g. ``Dropout(p=0.5, inplace=False)``."""
    if isinstance(module, torch.nn.Module):
        return f"{type(module).__name__}({module.extra_repr()})"
    return type(module).__name__
