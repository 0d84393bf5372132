"""Exceptions that speak the user's language."""


class GradcheckError(AssertionError):
    """Analytic gradients disagree with central finite differences (see ``backprop.gradcheck``)."""


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite during training; the model keeps its last finite weights."""


class ModelFileError(ValueError):
    """A model or checkpoint file is truncated, corrupted or not a backprop file."""


class DataFileError(ValueError):
    """A dataset file (IDX, CSV) is missing, truncated or malformed."""


class LimitError(ValueError):
    """A network, expression or file beyond what backprop accepts (see ``backprop.limits``)."""


class ConversionError(ValueError):
    """A model that cannot be carried to PyTorch or ONNX or back: a layer without a counterpart."""
