"""Leaving backprop: networks to PyTorch and back (:mod:`.torch`), and to ONNX (:mod:`.onnx`).

Both read every activation's counterpart from the one table, ``backprop.activations`` (its
``torch``, ``torch_fixed``, ``onnx`` and ``onnx_attributes`` fields). PyTorch and onnx stay
optional: ``import backprop`` imports neither, and ``bp.to_torch`` / ``bp.export_onnx`` load them
when first used.
"""

from __future__ import annotations

from ..errors import ConversionError
from ..layered import Network
from ..nn.activations import Softmax, TableActivation
from ..nn.layers import Linear, Sequential
from ..nn.module import Module

__all__ = ["describe", "layers_of"]

#: What converts: the layers of a Sequential.
Layer = Linear | TableActivation | Softmax


def layers_of(model: Module) -> list[Layer]:
    """The layers of ``model`` (a ``Sequential``, or a ``layered.Network`` through its
    ``to_sequential()``), each a Linear, an activation of the table or a Softmax.

    Anything else, or a Linear whose input width is not the previous one's output width,
    raises ConversionError naming the layer and its position.
    """
    if isinstance(model, Network):
        model = model.to_sequential()
    if not isinstance(model, Sequential):
        raise ConversionError(
            f"expected a backprop Sequential or layered.Network, got {type(model).__name__}"
        )
    width = None  # the width of the previous Linear's output
    for i, layer in enumerate(model):
        if not isinstance(layer, (Linear, TableActivation, Softmax)):
            raise ConversionError(
                f"layer {i}: {describe(layer)} has no PyTorch or ONNX counterpart here (Linear, "
                f"the table's activations and Softmax convert)"
            )
        if isinstance(layer, Linear):
            if width not in (None, layer.in_features):
                raise ConversionError(
                    f"layer {i}: {describe(layer)} takes {layer.in_features} inputs, but the "
                    f"layer before gives {width}"
                )
            width = layer.out_features
    return list(model)


def describe(layer: Module) -> str:
    """A layer on one line for a message, e.g. ``Linear(2, 3)`` or ``Sequential()``."""
    return f"{type(layer).__name__}({layer.extra_repr()})"
