"""The one table of activation functions a = g(z) and their derivatives g'(z).

Every part of the library that applies an activation reads it from here: ``Value`` (scalar.py),
the Tensor operations (ops.py), the modules (nn/activations.py), the expression parser, the CLI,
the scikit-learn wrapper and the plots. Each row (an :class:`Activation`) holds

* ``function(z)``: g(z) on a NumPy array, a new array (the plain reference form);
* ``derivative(a)``: g'(z) written from the output a = g(z), as the lectures do for the sigmoid,
  g'(z) = g(z)(1 - g(z)) (seed 001), so a backward pass needs to keep only a, never z;
* ``apply_(z)`` and ``mul_derivative_(delta, a)``: the same two equations in place, for the
  textbook network's hot path (z <- g(z); delta <- delta * g'(z), BP1/BP2), tested equal to the
  plain forms;
* ``scalar(z)``: (g(z), g'(z)) on one Python float, for ``Value``;
* the formulas as plain text and LaTeX, and the names of the matching PyTorch module and ONNX
  operator (``None`` where there is none) with the settings they need to compute the same g(z),
  which ``backprop.interop`` reads to convert networks.

Parameters (the leaky ReLU's slope s, the ELU's alpha) are keyword arguments of every callable,
with the defaults in ``parameters``.

Softmax is a vector function (each output depends on the whole row), so it sits beside the
table: :func:`softmax`, :func:`log_softmax` and :func:`logsumexp` are the library's only
implementations of p_c = e^{z_c} / sum_c' e^{z_c'} and its logarithm, all built on
:func:`shifted_exp`. (The one stable binary cross-entropy on logits,
``nn.losses.binary_cross_entropy_with_logits``, is built on the table's softplus.)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "LECTURE_ACTIVATIONS",
    "NAMES",
    "Activation",
    "Shifted",
    "activation",
    "log_softmax",
    "logsumexp",
    "shifted_exp",
    "softmax",
    "softmax_of",
]

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    """One row of the table: an elementwise activation a = g(z) and its derivative g'(z).

    Attributes:
        name: the canonical name, e.g. ``"sigmoid"``.
        aliases: other accepted names, e.g. ``("logistic",)`` (scikit-learn's word).
        title: the lectures' word for it, used as a label in plots, e.g. ``"threshold (step)"``.
        module: the name of the ``backprop.nn`` module class, e.g. ``"LeakyReLU"``.
        torch: the matching ``torch.nn`` module name, or None (the step unit has none with a
            gradient). The module takes the row's parameters under the same names.
        torch_fixed: (attribute, value) pairs the torch module must hold to compute this g(z),
            e.g. Softplus's beta = 1 (torch's Softplus also returns z itself where z > threshold
            = 20, which differs from ln(1 + e^z) by less than e^-20 = 2.1e-9).
        onnx: the matching ONNX operator, or None (identity layers are simply left out). For the
            step unit it is the comparison "Greater" (z > 0), whose boolean result is cast back
            to the input's type.
        onnx_attributes: (ONNX attribute, parameter) pairs, e.g. LeakyRelu's ``alpha`` is the
            slope ``negative_slope``.
        function: g(z) on an array, returning a new array (the plain reference form).
        derivative: g'(z) computed from the output a = g(z) alone, a new array.
        apply_: z <- g(z) in place.
        mul_derivative_: delta <- delta * g'(z) in place, g'(z) computed from a = g(z).
        scalar: (g(z), g'(z)) for one Python float z (``Value``'s fast path).
        text, derivative_text: "g(z) = ..." and "g'(z) = ..." in plain text.
        latex, derivative_latex: the same two equations in LaTeX.
        symbol_latex: the function's symbol in LaTeX, e.g. ``r"\\sigma"``.
        symbol_text: the same symbol in plain text, e.g. ``"sigma"`` (as in ``sigma'(z^l)``).
        parameters: (name, default) pairs of its keyword parameters, e.g. the leaky slope.
        init: the weight initialisation that suits it: "he" for ReLU-like units (which zero
            about half their inputs), "xavier" otherwise.
        source: where the lectures introduce it.
    """

    name: str
    aliases: tuple[str, ...]
    title: str
    module: str
    torch: str | None
    onnx: str | None
    function: Callable[..., Array]
    derivative: Callable[..., Array]
    apply_: Callable[..., None]
    mul_derivative_: Callable[..., None]
    scalar: Callable[..., tuple[float, float]]
    text: str
    derivative_text: str
    latex: str
    derivative_latex: str
    symbol_latex: str
    symbol_text: str
    parameters: tuple[tuple[str, float], ...] = ()
    init: str = "xavier"
    source: str = ""
    torch_fixed: tuple[tuple[str, float], ...] = ()
    onnx_attributes: tuple[tuple[str, str], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name followed by the aliases."""
        return (self.name, *self.aliases)

    def check_parameters(self, **params: Any) -> dict[str, float]:
        """The keyword parameters, defaults filled in, as floats; unknown names raise TypeError
        and negative values ValueError (each derivative here is read off a = g(z), which needs
        s >= 0 for the leaky ReLU and alpha >= 0 for the ELU: then a > 0 exactly when z > 0)."""
        defaults = dict(self.parameters)
        unknown = set(params) - set(defaults)
        if unknown:
            allowed = ", ".join(defaults) or "none"
            raise TypeError(
                f"activation {self.name!r} got unexpected parameter(s) "
                f"{', '.join(sorted(unknown))}; its parameters: {allowed}"
            )
        out = {key: float(params.get(key, value)) for key, value in defaults.items()}
        for key, value in out.items():
            if not value >= 0:
                raise ValueError(f"{self.name}: {key} must be >= 0, got {value}")
        return out


# ------------------------------------------------------------------------------ threshold (step)
def _step(z: Array) -> Array:
    return (z > 0).astype(z.dtype)


def _step_prime(a: Array) -> Array:
    return np.zeros_like(a)


def _step_(z: Array) -> None:
    np.greater(z, 0, out=z)


def _step_mul_prime_(delta: Array, a: Array) -> None:
    delta[...] = 0


def _step_scalar(z: float) -> tuple[float, float]:
    return (1.0 if z > 0.0 else 0.0), 0.0


# ------------------------------------------------------------------------------ sigmoid
def _sigmoid(z: Array) -> Array:
    with np.errstate(over="ignore"):  # e^{-z} = inf for z < -88 (float32): 1 / inf = 0, exact
        return 1 / (1 + np.exp(-z))


def _sigmoid_prime(a: Array) -> Array:
    return a * (1 - a)


def _sigmoid_(z: Array) -> None:
    np.negative(z, out=z)
    with np.errstate(over="ignore"):
        np.exp(z, out=z)
    z += 1
    np.reciprocal(z, out=z)


def _sigmoid_mul_prime_(delta: Array, a: Array) -> None:
    delta *= a
    delta *= 1 - a


def _sigmoid_scalar(z: float) -> tuple[float, float]:
    # exp is only taken of -|z|, so it cannot overflow: for z < 0, g(z) = e^z / (1 + e^z).
    if z >= 0.0:
        a = 1.0 / (1.0 + math.exp(-z))
    else:
        e = math.exp(z)
        a = e / (1.0 + e)
    return a, a * (1.0 - a)


# ------------------------------------------------------------------------------ tanh
def _tanh_prime(a: Array) -> Array:
    return 1 - a * a


def _tanh_(z: Array) -> None:
    np.tanh(z, out=z)


def _tanh_mul_prime_(delta: Array, a: Array) -> None:
    delta *= 1 - a * a


def _tanh_scalar(z: float) -> tuple[float, float]:
    a = math.tanh(z)
    return a, 1.0 - a * a


# ------------------------------------------------------------------------------ ReLU
def _relu(z: Array) -> Array:
    return np.maximum(z, 0)


def _relu_prime(a: Array) -> Array:
    return (a > 0).astype(a.dtype)


def _relu_(z: Array) -> None:
    np.maximum(z, 0, out=z)


def _relu_mul_prime_(delta: Array, a: Array) -> None:
    np.multiply(delta, a > 0, out=delta)


def _relu_scalar(z: float) -> tuple[float, float]:
    if z > 0.0:
        return z, 1.0
    return (0.0 if z == z else z), 0.0  # nan stays nan, as in NumPy and PyTorch


# ------------------------------------------------------------------------------ identity
def _identity(z: Array) -> Array:
    return z.copy()


def _identity_prime(a: Array) -> Array:
    return np.ones_like(a)


def _identity_(z: Array) -> None:
    """g(z) = z: nothing to do."""


def _identity_mul_prime_(delta: Array, a: Array) -> None:
    """g'(z) = 1: delta is unchanged."""


def _identity_scalar(z: float) -> tuple[float, float]:
    return z, 1.0


# ------------------------------------------------------------------------------ leaky ReLU
def _leaky(z: Array, negative_slope: float = 0.01) -> Array:
    return np.where(z > 0, z, z * z.dtype.type(negative_slope))


def _leaky_prime(a: Array, negative_slope: float = 0.01) -> Array:
    d = np.full_like(a, negative_slope)
    d[a > 0] = 1
    return d


def _leaky_(z: Array, negative_slope: float = 0.01) -> None:
    np.multiply(z, z.dtype.type(negative_slope), out=z, where=z <= 0)


def _leaky_mul_prime_(delta: Array, a: Array, negative_slope: float = 0.01) -> None:
    np.multiply(delta, delta.dtype.type(negative_slope), out=delta, where=a <= 0)


def _leaky_scalar(z: float, negative_slope: float = 0.01) -> tuple[float, float]:
    if z > 0.0:
        return z, 1.0
    return negative_slope * z, negative_slope


# ------------------------------------------------------------------------------ softplus
def _softplus(z: Array) -> Array:
    return np.logaddexp(0, z)  # max(z, 0) + ln(1 + e^{-|z|}): never overflows


def _softplus_prime(a: Array) -> Array:
    return -np.expm1(-a)  # 1 - e^{-a}, accurate also where a is tiny (z << 0)


def _softplus_(z: Array) -> None:
    np.logaddexp(0, z, out=z)


def _softplus_mul_prime_(delta: Array, a: Array) -> None:
    delta *= -np.expm1(-a)


def _softplus_scalar(z: float) -> tuple[float, float]:
    a = max(z, 0.0) + math.log1p(math.exp(-abs(z)))
    return a, -math.expm1(-a)


# ------------------------------------------------------------------------------ ELU
def _elu(z: Array, alpha: float = 1.0) -> Array:
    with np.errstate(over="ignore"):  # e^z of a large z is not used
        return np.where(z > 0, z, np.expm1(z) * z.dtype.type(alpha))


def _elu_prime(a: Array, alpha: float = 1.0) -> Array:
    d = a + a.dtype.type(alpha)
    d[a > 0] = 1
    return d


def _elu_(z: Array, alpha: float = 1.0) -> None:
    negative = z <= 0
    np.expm1(z, out=z, where=negative)
    np.multiply(z, z.dtype.type(alpha), out=z, where=negative)


def _elu_mul_prime_(delta: Array, a: Array, alpha: float = 1.0) -> None:
    np.multiply(delta, a + a.dtype.type(alpha), out=delta, where=a <= 0)


def _elu_scalar(z: float, alpha: float = 1.0) -> tuple[float, float]:
    if z > 0.0:
        return z, 1.0
    a = alpha * math.expm1(z)
    return a, a + alpha


# ------------------------------------------------------------------------------ the table
_TABLE = (
    Activation(
        name="step",
        aliases=("threshold",),
        title="threshold (step)",
        module="Step",
        torch=None,
        onnx="Greater",
        function=_step,
        derivative=_step_prime,
        apply_=_step_,
        mul_derivative_=_step_mul_prime_,
        scalar=_step_scalar,
        text="g(z) = [z > 0]  (1 if z > 0 else 0)",
        derivative_text="g'(z) = 0  (undefined at z = 0, taken as 0)",
        latex=r"g(z) = \begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}",
        derivative_latex=r"g'(z) = 0",
        symbol_latex=r"\mathrm{step}",
        symbol_text="step",
        source="seed 000: the threshold unit; no gradient flows through it",
    ),
    Activation(
        name="sigmoid",
        aliases=("logistic",),
        title="sigmoid",
        module="Sigmoid",
        torch="Sigmoid",
        onnx="Sigmoid",
        function=_sigmoid,
        derivative=_sigmoid_prime,
        apply_=_sigmoid_,
        mul_derivative_=_sigmoid_mul_prime_,
        scalar=_sigmoid_scalar,
        text="g(z) = 1 / (1 + e^(-z))",
        derivative_text="g'(z) = g(z) (1 - g(z)) = a (1 - a)",
        latex=r"g(z) = \frac{1}{1 + e^{-z}}",
        derivative_latex=r"g'(z) = g(z)\,(1 - g(z)) = a\,(1 - a)",
        symbol_latex=r"\sigma",
        symbol_text="sigma",
        source="seed 001 (g'(z) = g(z)(1 - g(z))), seed 004 (the sigmoid neuron)",
    ),
    Activation(
        name="tanh",
        aliases=(),
        title="tanh",
        module="Tanh",
        torch="Tanh",
        onnx="Tanh",
        function=np.tanh,
        derivative=_tanh_prime,
        apply_=_tanh_,
        mul_derivative_=_tanh_mul_prime_,
        scalar=_tanh_scalar,
        text="g(z) = tanh z = (e^(2z) - 1) / (e^(2z) + 1)",
        derivative_text="g'(z) = 1 - tanh(z)^2 = 1 - a^2",
        latex=r"g(z) = \tanh z = \frac{e^{2z} - 1}{e^{2z} + 1}",
        derivative_latex=r"g'(z) = 1 - \tanh^2 z = 1 - a^2",
        symbol_latex=r"\tanh",
        symbol_text="tanh",
        source="seed 000 (the hand-set XOR network), seed 003",
    ),
    Activation(
        name="relu",
        aliases=(),
        title="ReLU",
        module="ReLU",
        torch="ReLU",
        onnx="Relu",
        function=_relu,
        derivative=_relu_prime,
        apply_=_relu_,
        mul_derivative_=_relu_mul_prime_,
        scalar=_relu_scalar,
        text="g(z) = max(0, z)",
        derivative_text="g'(z) = [z > 0] = [a > 0]  (0 at the kink z = 0)",
        latex=r"g(z) = \max(0, z)",
        derivative_latex=r"g'(z) = [z > 0] = [a > 0]",
        symbol_latex=r"\mathrm{ReLU}",
        symbol_text="ReLU",
        init="he",
        source="seed 000 (ReLU: better than sigmoid), seed 002",
    ),
    Activation(
        name="identity",
        aliases=("linear",),
        title="linear",
        module="Identity",
        torch="Identity",
        onnx=None,
        function=_identity,
        derivative=_identity_prime,
        apply_=_identity_,
        mul_derivative_=_identity_mul_prime_,
        scalar=_identity_scalar,
        text="g(z) = z",
        derivative_text="g'(z) = 1",
        latex=r"g(z) = z",
        derivative_latex=r"g'(z) = 1",
        symbol_latex=r"\mathrm{id}",
        symbol_text="id",
        source="seed 000: the linear neuron (stacked, it collapses to one linear map)",
    ),
    Activation(
        name="leaky_relu",
        aliases=(),
        title="leaky ReLU",
        module="LeakyReLU",
        torch="LeakyReLU",
        onnx="LeakyRelu",
        onnx_attributes=(("alpha", "negative_slope"),),
        function=_leaky,
        derivative=_leaky_prime,
        apply_=_leaky_,
        mul_derivative_=_leaky_mul_prime_,
        scalar=_leaky_scalar,
        text="g(z) = z if z > 0 else s z",
        derivative_text="g'(z) = 1 if a > 0 else s",
        latex=r"g(z) = \begin{cases} z & z > 0 \\ s\,z & z \le 0 \end{cases}",
        derivative_latex=r"g'(z) = \begin{cases} 1 & a > 0 \\ s & a \le 0 \end{cases}",
        symbol_latex=r"\mathrm{LeakyReLU}",
        symbol_text="LeakyReLU",
        parameters=(("negative_slope", 0.01),),
        init="he",
        source="a ReLU whose negative side keeps the slope s",
    ),
    Activation(
        name="softplus",
        aliases=(),
        title="softplus",
        module="Softplus",
        torch="Softplus",
        torch_fixed=(("beta", 1.0), ("threshold", 20.0)),
        onnx="Softplus",
        function=_softplus,
        derivative=_softplus_prime,
        apply_=_softplus_,
        mul_derivative_=_softplus_mul_prime_,
        scalar=_softplus_scalar,
        text="g(z) = ln(1 + e^z)",
        derivative_text="g'(z) = sigma(z) = 1 - e^(-a)",
        latex=r"g(z) = \ln(1 + e^{z})",
        derivative_latex=r"g'(z) = \sigma(z) = 1 - e^{-a}",
        symbol_latex=r"\mathrm{softplus}",
        symbol_text="softplus",
        source="a smooth ReLU whose derivative is the sigmoid of seed 004",
    ),
    Activation(
        name="elu",
        aliases=(),
        title="ELU",
        module="ELU",
        torch="ELU",
        onnx="Elu",
        onnx_attributes=(("alpha", "alpha"),),
        function=_elu,
        derivative=_elu_prime,
        apply_=_elu_,
        mul_derivative_=_elu_mul_prime_,
        scalar=_elu_scalar,
        text="g(z) = z if z > 0 else alpha (e^z - 1)",
        derivative_text="g'(z) = 1 if a > 0 else a + alpha",
        latex=r"g(z) = \begin{cases} z & z > 0 \\ \alpha\,(e^{z} - 1) & z \le 0 \end{cases}",
        derivative_latex=r"g'(z) = \begin{cases} 1 & a > 0 \\ a + \alpha & a \le 0 \end{cases}",
        symbol_latex=r"\mathrm{ELU}",
        symbol_text="ELU",
        parameters=(("alpha", 1.0),),
        init="he",
        source="the exponential linear unit: smooth and negative for z < 0",
    ),
)

#: canonical name -> row, in the table's order.
ACTIVATIONS: dict[str, Activation] = {row.name: row for row in _TABLE}
#: The canonical names, e.g. for a command line's ``choices``.
NAMES: tuple[str, ...] = tuple(ACTIVATIONS)
#: The activations the lectures draw side by side (seed 000).
LECTURE_ACTIVATIONS: tuple[str, ...] = ("step", "sigmoid", "tanh", "relu", "identity")
_LOOKUP: dict[str, Activation] = {alias: row for row in _TABLE for alias in row.names}


def activation(name: str) -> Activation:
    """The table's row for ``name`` (any case; an alias such as "linear" or "logistic" works).

    Raises ValueError "unknown activation 'x'; choose one of step, sigmoid, ..." otherwise.
    """
    row = _LOOKUP.get(name.lower()) if isinstance(name, str) else None
    if row is None:
        choices = ", ".join(NAMES)
        raise ValueError(f"unknown activation {name!r}; choose one of {choices}")
    return row


# ------------------------------------------------------------------------------ softmax family
class Shifted(NamedTuple):
    """The stable pieces of p_c = e^{z_c} / sum_c' e^{z_c'} along one axis (keepdims shapes):
    m = max_c z_c (0 where it is not finite), shifted = z - m, e = e^{z - m}, total = sum_c e."""

    m: Array
    shifted: Array
    e: Array
    total: Array


def shifted_exp(z: Array, axis: int | tuple[int, ...] | None = -1) -> Shifted:
    """z - max z and its exponentials: e^{z_c - m} <= 1 never overflows, and at least one term
    of the sum is 1, so ln sum never sees 0 (for finite z). The one route to softmax, log-softmax
    and log-sum-exp; ``CrossEntropyLoss`` uses it directly on its classes-major copy."""
    m = np.maximum.reduce(z, axis=axis, keepdims=True)
    if not math.isfinite(np.add.reduce(m, axis=None)):  # one sum tests every max at once
        m = np.where(np.isfinite(m), m, 0)
    shifted = z - m
    e = np.exp(shifted)
    return Shifted(m, shifted, e, np.add.reduce(e, axis=axis, keepdims=True))


def softmax(z: Array, axis: int = -1) -> Array:
    """p_c = e^{z_c} / sum_c' e^{z_c'} (the lectures' output probabilities), via z - max z."""
    return softmax_of(shifted_exp(z, axis))


def softmax_of(parts: Shifted) -> Array:
    """The softmax p = e^{z - m} / sum e^{z - m} from ``shifted_exp``'s pieces, in place of
    ``parts.e``: for callers that also need the pieces (the log-likelihood cost of p)."""
    return np.divide(parts.e, parts.total, out=parts.e)


def log_softmax(z: Array, axis: int = -1) -> Array:
    """t_c = ln p_c = z_c - ln sum_c' e^{z_c'} = (z_c - m) - ln sum_c' e^{z_c' - m} (a row of
    -inf gives NaN, as in PyTorch)."""
    parts = shifted_exp(z, axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.subtract(parts.shifted, np.log(parts.total), out=parts.shifted)


def logsumexp(
    z: Array, axis: int | tuple[int, ...] | None = None, keepdims: bool = False
) -> Array:
    """ln sum_i e^{z_i} = m + ln sum_i e^{z_i - m}, m = max z (no overflow)."""
    parts = shifted_exp(z, axis)
    with np.errstate(divide="ignore"):
        full = parts.m + np.log(parts.total)
    if keepdims:
        return full
    return full.reshape(()) if axis is None else np.squeeze(full, axis)
