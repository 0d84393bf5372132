"""backprop: neural networks and the backpropagation algorithm, real, fast and transparent.

Two differentiation engines (``Value`` for one number per node, ``Tensor`` for arrays), the layered
textbook algorithm (``layered``), networks and losses (``nn``), optimizers (``optim``), the one
training loop (``fit``), persistence without pickle (``save``/``load``), data (``data``),
worked-example tables (``explain``), pictures (``viz``; matplotlib loads on the first plot),
scikit-learn estimators (``sklearn``, imported on first use) and the way out to PyTorch and ONNX
(``to_torch``, ``from_torch``, ``export_onnx``; torch and onnx are imported on first use), and
sweeps of many trainings in parallel (``sweep``; on a process pool, or on Ray when asked).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from . import data, layered, nn, ops, optim, viz
from .errors import (
    ConversionError,
    DataFileError,
    GradcheckError,
    ModelFileError,
    TrainingDiverged,
)
from .explain import explain
from .gradcheck import gradcheck
from .io import load, load_checkpoint, save, save_checkpoint
from .ops import concatenate, stack
from .perceptron import Perceptron
from .rng import manual_seed
from .scalar import Value
from .tensor import Tensor, is_grad_enabled, no_grad, tensor
from .train import History, fit

__version__ = "0.1.0"



#: Names imported on first use, with the module that defines them (it imports torch or onnx).
_LAZY = {
    "to_torch": ".interop.torch",
    "from_torch": ".interop.torch",
    "export_onnx": ".interop.onnx",
    "sweep": ".sweeps",
}


def __getattr__(name: str) -> Any:
    """Import the scikit-learn estimators (and scikit-learn itself), and the PyTorch and ONNX
    conversions (and torch or onnx), only when first used."""
    if name == "sklearn":
        return import_module(".sklearn", __name__)
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'backprop' has no attribute {name!r}")


__all__ = [
    "ConversionError",
    "DataFileError",
    "GradcheckError",
    "History",
    "ModelFileError",
    "Perceptron",
    "Tensor",
    "TrainingDiverged",
    "Value",
    "concatenate",
    "data",
    "explain",
    "export_onnx",
    "fit",
    "from_torch",
    "gradcheck",
    "is_grad_enabled",
    "layered",
    "load",
    "load_checkpoint",
    "manual_seed",
    "nn",
    "no_grad",
    "ops",
    "optim",
    "save",
    "save_checkpoint",
    "sklearn",
    "stack",
    "sweep",
    "tensor",
    "to_torch",
    "viz",
]
