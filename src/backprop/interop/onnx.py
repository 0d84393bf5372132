"""backprop networks as ONNX files, for ONNX Runtime and every other ONNX consumer.

Each ``Linear`` is a ``Gemm`` node (Y = X W^T + b: ``transB=1``, W kept in its (out, in) shape);
each activation is the operator its row of ``backprop.activations`` names, with the row's
parameters as the operator's attributes (identity layers are left out); the threshold unit is the
comparison ``Greater(z, 0)`` cast back to float; ``Softmax(axis)`` is ONNX ``Softmax(axis)``.
The graph has one input named ``input`` and one output named ``output``, both of shape
("batch", width) with a dynamic batch dimension, in float32: ONNX Runtime lacks float64 kernels
for several activations, so a float64 model exports as float32 and says so with a
:class:`PrecisionWarning`.
"""

from __future__ import annotations

import warnings

import numpy as np

try:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ModuleNotFoundError as exc:
    raise ModuleNotFoundError(
        "backprop's ONNX export needs onnx: pip install 'backprop[onnx]'", name="onnx"
    ) from exc

from .. import __version__
from ..errors import ConversionError
from ..io import StrPath, _atomic_file
from ..nn.activations import Softmax
from ..nn.layers import Linear
from ..nn.module import Module
from . import Layer, layers_of

__all__ = ["INPUT", "OPSET", "OUTPUT", "PrecisionWarning", "export_onnx"]

#: The ONNX operator set the files declare (ONNX Runtime has read it since 1.14).
OPSET = 17
#: The names of the graph's input and output.
INPUT, OUTPUT = "input", "output"


class PrecisionWarning(UserWarning):
    """A float64 model was exported in float32."""


def export_onnx(model: Module, path: StrPath) -> None:
    """Write ``model`` (a ``Sequential`` or a ``layered.Network``) to ``path`` as an ONNX file.

    The graph is built and passes ``onnx.checker.check_model(full_check=True)`` before anything
    is written; the file is then written atomically (a temporary file renamed over ``path``), so
    a failure leaves no file and an existing one untouched. A model in float64 is exported in
    float32 with a :class:`PrecisionWarning`. Raises ConversionError naming the layer for a
    layer without an ONNX counterpart, or when there is no Linear layer (the input's width is
    then unknown).
    """
    layers = layers_of(model)
    linears = [layer for layer in layers if isinstance(layer, Linear)]
    if not linears:
        raise ConversionError("the model has no Linear layer, so the width of its input is unknown")
    dtypes = sorted({str(layer.weight.data.dtype) for layer in linears} - {"float32"})
    proto = _model_proto(layers, linears[0].in_features, linears[-1].out_features)
    onnx.checker.check_model(proto, full_check=True)
    if dtypes:
        warnings.warn(
            f"the model computes in {', '.join(dtypes)}; the ONNX file holds float32 weights and "
            f"computes in float32 (ONNX Runtime lacks float64 kernels for several activations)",
            PrecisionWarning,
            stacklevel=2,
        )
    with _atomic_file(path) as file:
        file.write(proto.SerializeToString())


def _model_proto(layers: list[Layer], n_in: int, n_out: int) -> onnx.ModelProto:
    nodes: list[onnx.NodeProto] = []
    initializers: list[onnx.TensorProto] = []
    current = INPUT
    for i, layer in enumerate(layers):
        name = f"layers.{i}"  # the prefix of the layer's parameters in named_parameters()
        if isinstance(layer, Linear):
            inputs = [current]
            for key, p in (("weight", layer.weight), ("bias", layer.bias)):
                if p is not None:
                    array = np.ascontiguousarray(p.data, dtype=np.float32)
                    initializers.append(numpy_helper.from_array(array, f"{name}.{key}"))
                    inputs.append(f"{name}.{key}")
            nodes.append(helper.make_node("Gemm", inputs, [name], name=name, transB=1))
        elif isinstance(layer, Softmax):
            nodes.append(helper.make_node("Softmax", [current], [name], name=name, axis=layer.axis))
        elif layer.row.onnx is None:  # the identity
            continue
        elif layer.row.onnx == "Greater":  # the step unit: [z > 0] as a float
            if not any(t.name == "zero" for t in initializers):
                initializers.append(numpy_helper.from_array(np.zeros((), np.float32), "zero"))
            nodes += [
                helper.make_node("Greater", [current, "zero"], [f"{name}.positive"], name=name),
                helper.make_node(
                    "Cast", [f"{name}.positive"], [name], name=f"{name}.cast", to=TensorProto.FLOAT
                ),
            ]
        else:
            params = layer.activation_parameters()
            attributes = {attr: params[key] for attr, key in layer.row.onnx_attributes}
            nodes.append(
                helper.make_node(layer.row.onnx, [current], [name], name=name, **attributes)
            )
        current = name
    nodes[-1].output[0] = OUTPUT
    graph = helper.make_graph(
        nodes,
        "backprop",
        [helper.make_tensor_value_info(INPUT, TensorProto.FLOAT, ["batch", n_in])],
        [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["batch", n_out])],
        initializer=initializers,
    )
    opset = helper.make_opsetid("", OPSET)
    return helper.make_model(
        graph,
        opset_imports=[opset],
        ir_version=helper.find_min_ir_version_for([opset]),
        producer_name="backprop",
        producer_version=__version__,
    )
