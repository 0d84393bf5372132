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
from .losses import (
    LOSSES,
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HingeLoss,
    Loss,
    MSELoss,
    MultiMarginLoss,
    NLLLoss,
    QuadraticLoss,
    SumOfSquaresLoss,
    loss_function,
)
from .module import Module, Parameter
from .regularization import L1, L2, REGULARIZERS, Regularizer, regularizer

__all__ = [
    "ACTIVATIONS",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "HingeLoss",
    "INITIALIZERS",
    "Identity",
    "L1",
    "L2",
    "LOSSES",
    "LeakyReLU",
    "Linear",
    "Loss",
    "MSELoss",
    "Module",
    "MultiMarginLoss",
    "NLLLoss",
    "Parameter",
    "QuadraticLoss",
    "REGULARIZERS",
    "ReLU",
    "Regularizer",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Step",
    "SumOfSquaresLoss",
    "Tanh",
    "activation_module",
    "initialize",
    "loss_function",
    "mlp",
    "regularizer",
]
