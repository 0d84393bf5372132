"""backprop: neural networks and the backpropagation algorithm, real, fast and transparent."""

from .errors import DataFileError, GradcheckError, ModelFileError, TrainingDiverged
from . import data
from . import ops
from .gradcheck import gradcheck
from .ops import concatenate, stack
from .rng import manual_seed
from .tensor import Tensor, is_grad_enabled, no_grad, tensor

__version__ = "0.1.0"

__all__ = [
    "DataFileError",
    "GradcheckError",
    "ModelFileError",
    "TrainingDiverged",
    "Tensor",
    "concatenate",
    "gradcheck",
    "is_grad_enabled",
    "manual_seed",
    "no_grad",
    "ops",
    "stack",
    "tensor",
]
