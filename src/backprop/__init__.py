"""backprop: neural networks and the backpropagation algorithm, real, fast and transparent."""

from .errors import DataFileError, GradcheckError, ModelFileError, TrainingDiverged
from .rng import manual_seed

__version__ = "0.1.0"

__all__ = [
    "DataFileError",
    "GradcheckError",
    "ModelFileError",
    "TrainingDiverged",
    "manual_seed",
]
