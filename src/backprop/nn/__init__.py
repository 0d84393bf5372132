"""Networks in the conventions PyTorch users know: modules, layers, activations, losses."""

from .activations import (
    ACTIVATIONS,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Step,
    Tanh,
    activation_module,
    mlp,
)
from .init import INITIALIZERS, initialize
from .layers import Linear, Sequential
from .module import Module, Parameter

__all__ = [
    "ACTIVATIONS",
    "INITIALIZERS",
    "Identity",
    "LeakyReLU",
    "Linear",
    "Module",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Step",
    "Tanh",
    "activation_module",
    "initialize",
    "mlp",
]
