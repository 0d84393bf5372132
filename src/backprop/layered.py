"""The textbook network: an MLP trained with the four backpropagation equations, written out.

This is Nielsen's sigmoid network from the lecture (seed 004), in plain NumPy, and a gradient source
for ``backprop.fit``, the library's one training loop. Notation follows the slides: ``w^l_{jk}``
connects neuron ``k`` of layer ``l-1`` to neuron ``j`` of layer ``l``, so

    z^l = w^l a^{l-1} + b^l,        a^l = sigma(z^l),

and with the error ``delta^l = dC/dz^l`` the gradient of the cost comes from

    delta^L = grad_a C (.) sigma'(z^L)                      (BP1)
    delta^l = ((w^{l+1})^T delta^{l+1}) (.) sigma'(z^l)     (BP2)
    dC/db^l_j = delta^l_j                                   (BP3)
    dC/dw^l_jk = a^{l-1}_k delta^l_j                        (BP4)

Layers are numbered by their weights: layer 0 is the input, layer ``l`` (1 <= l <= L) holds ``w^l``
(``weights[l - 1]``, shape ``(n_l, n_{l-1})``) and ``b^l`` (``biases[l - 1]``, shape ``(n_l,)``).

**Batches are rows.** The slides apply the equations to one column vector ``x`` at a time. Here a
mini-batch of ``m`` examples is a matrix with one row per example: ``A^{l-1}`` has shape
``(m, n_{l-1})`` and row ``x`` is ``(a^{x,l-1})^T``. Transposing each equation row by row gives its
matrix form, which computes the whole batch in one matrix product (no per-example Python loop):

    Z^l = A^{l-1} (w^l)^T + b^l                 (row x is (z^{x,l})^T; b^l broadcast over rows)
    Delta^l = (Delta^{l+1} w^{l+1}) (.) sigma'(Z^l)               (BP2, row x is (delta^{x,l})^T)
    dC/db^l = (1/m) sum_x delta^{x,l}      = (1/m) column sums of Delta^l             (BP3)
    dC/dw^l = (1/m) sum_x delta^{x,l} (a^{x,l-1})^T = (1/m) (Delta^l)^T A^{l-1}       (BP4)

where ``C = (1/m) sum_x C_x`` is the mean cost over the batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from . import ops
from .activations import ACTIVATIONS as _TABLE
from .activations import activation as _row
from .activations import shifted_exp, softmax_of
from .backend import matmul_into_layout
from .data._checks import check_inputs
from .limits import check_parameters, network_parameters
from .nn.activations import activation_module
from .nn.init import INITIALIZERS, initialize
from .nn.layers import Linear, Sequential
from .nn.losses import (
    HingeLoss,
    Loss,
    QuadraticLoss,
    accuracy,
    binary_cross_entropy_with_logits,
    hinge,
    hinge_subgradient,
    log_likelihood,
    predict_classes,
    prepare_targets,
    sign_labels,
    sum_of_squares,
)
from .nn.module import Module, Parameter
from .optim import SGD
from .rng import get_rng
from .tensor import Tensor

__all__ = [
    "ACTIVATIONS",
    "COSTS",
    "OUTPUTS",
    "Intermediates",
    "LayeredStep",
    "Network",
    "StepRecord",
]


# Hidden and output activations come from the one table, ``backprop.activations``: each row's
# ``apply_`` computes a = g(z) in place and ``mul_derivative_`` multiplies delta by g'(z) written
# from a = g(z) alone, so the training loop keeps no z.

#: Names a layer's activation may take: every row of the table and its aliases ("linear", ...).
ACTIVATIONS = tuple(name for row in _TABLE.values() for name in row.names)
COSTS = ("quadratic", "cross_entropy", "log_likelihood", "hinge")
#: The output layer a cost goes with, and why (the quadratic cost takes any activation).
_PAIRED_OUTPUT = {
    "cross_entropy": ("sigmoid", "BP1 becomes delta^L = a^L - y only with that output layer"),
    "log_likelihood": ("softmax", "BP1 becomes delta^L = a^L - y only with that output layer"),
    "hinge": (
        "identity",
        "the hinge max(0, 1 - y a^L) reads a^L as a score whose sign is the class: seed 002's "
        "linear activation node + hinge loss",
    ),
}
#: Output layers: an activation of ``ACTIVATIONS``, or the softmax e^{z^L_j} / sum_k e^{z^L_k}.
OUTPUTS = (*ACTIVATIONS, "softmax")


def _graph_module(name: str) -> Module:
    """The graph engine's module for a layer's activation (or the softmax output)."""
    return activation_module(name if name == "softmax" else _row(name).name)


def _choose(kind: str, name: str, valid: Sequence[str]) -> str:
    if name not in valid:
        raise ValueError(f"unknown {kind} {name!r}; valid names: {', '.join(map(repr, valid))}")
    return name


@dataclass
class StepRecord:
    """Every quantity of one backpropagation pass on a mini-batch, indexed by layer (0 = input).

    ``a[l]`` is ``A^l`` (shape ``(m, n_l)``, ``a[0]`` the input X), ``z[l]`` is ``Z^l`` and
    ``delta[l]`` is ``Delta^l``, whose row x is the per-example error
    ``delta^{x,l} = dC_x/dz^{x,l}``; ``grad_w[l]`` and ``grad_b[l]`` are the batch means
    ``dC/dw^l = (1/m) sum_x delta^{x,l} (a^{x,l-1})^T`` and ``dC/db^l = (1/m) sum_x delta^{x,l}``
    (the input layer has no z, delta or gradients: index 0 holds None). ``y`` holds the targets
    (one row per example; +1/-1 for the hinge) and ``cost`` the batch cost C. The per-example
    terms of the means are ``example_grad_w`` and ``example_grad_b``.
    """

    z: list[np.ndarray | None]
    a: list[np.ndarray]
    delta: list[np.ndarray | None]
    grad_w: list[np.ndarray | None] = field(default_factory=list)
    grad_b: list[np.ndarray | None] = field(default_factory=list)
    y: np.ndarray | None = None
    cost: float = math.nan

    def example_grad_w(self, l: int, x: int) -> np.ndarray:
        """BP4 for example x: dC_x/dw^l_jk = a^{x,l-1}_k delta^{x,l}_j."""
        return np.outer(self.delta[l][x], self.a[l - 1][x])

    def example_grad_b(self, l: int, x: int) -> np.ndarray:
        """BP3 for example x: dC_x/db^l_j = delta^{x,l}_j."""
        return self.delta[l][x]


#: The name this record had before it also held the gradients and the cost.
Intermediates = StepRecord


class Network(Module):
    """A fully connected network: hidden neurons apply ``activation``, output neurons ``output``.

    ``Network([784, 30, 10])`` is Nielsen's digit classifier: 784 inputs, 30 sigmoid hidden neurons,
    10 sigmoid outputs. ``cost`` is the quadratic cost ``C = 1/(2n) sum_x ||y(x) - a^L(x)||^2``,
    Nielsen's cross-entropy ``C = -(1/n) sum_x sum_j [y_j ln a^L_j + (1 - y_j) ln(1 - a^L_j)]``
    (sigmoid outputs, which turn BP1 into ``delta^L = a^L - y``), the log-likelihood
    ``C = -(1/n) sum_x ln a^L_{y(x)}`` of a softmax output layer (seed 003; again
    ``delta^L = a^L - y``), the same mathematics as ``nn.CrossEntropyLoss`` on the scores z^L, or
    the hinge loss ``C = (1/n) sum_x max(0, 1 - y(x) a^L(x))`` of one linear output neuron (the
    lectures' "linear activation node + hinge loss", seed 002; labels y = +1/-1, or 1/0 with 0
    read as -1; BP1 ``delta^L = -y`` where ``y a^L < 1``, else 0), the same as ``nn.HingeLoss``;
    its classes are read off the sign of a^L (``threshold`` 0). ``output`` defaults to
    ``activation`` (every neuron alike, as in network.py), to ``"softmax"`` for the
    log-likelihood and to ``"identity"`` for the hinge.

    ``init`` draws the weights with ``backprop.nn.init``: ``"uniform"`` (Unif[-1, 1], seed 001),
    ``"normal"`` (N(0, 1), network.py), ``"normal_scaled"`` (w ~ N(0, 1/n_in), network2),
    ``"xavier"``, ``"he"`` or ``"zeros"``.
    ``seed`` (int, Generator or None for the library-wide generator of ``backprop.manual_seed``)
    drives the initialization and, unless ``sgd`` gets its own, the shuffling.

    The network is a ``Module``: ``parameters()`` lists w^1, b^1, w^2, ... as ``Parameter``s
    (``state_dict`` names them "1.weight", "1.bias", ...), ``bp.save``/``bp.load`` and
    checkpoints handle it like any model, and ``bp.fit`` trains it by BP1-BP4 (see
    ``training_step``). ``weights[l-1]`` and ``biases[l-1]`` are the arrays of w^l and b^l.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "sigmoid",
        cost: str = "quadratic",
        init: str = "normal_scaled",
        seed: int | np.random.Generator | None = None,
        dtype: DTypeLike = np.float32,
        output: str | None = None,
    ) -> None:
        super().__init__()
        sizes = list(sizes)
        if len(sizes) < 2 or not all(isinstance(n, (int, np.integer)) and n > 0 for n in sizes):
            raise ValueError(
                f"sizes must list at least two positive layer widths (input, ..., output); "
                f"got {sizes}"
            )
        self.sizes = [int(n) for n in sizes]
        self._hidden = _row(activation)
        self.activation = activation
        self.cost_name = _choose("cost", cost, COSTS)
        needs, why = _PAIRED_OUTPUT.get(cost, (None, ""))
        if output is None:
            output = needs if cost in ("log_likelihood", "hinge") else activation
        self._out = None if output == "softmax" else _row(output)
        self.output = output
        self.init = _choose("init", init, list(INITIALIZERS))
        if needs is not None and (self._out.name if self._out else output) != needs:
            raise ValueError(f"cost={cost!r} needs output={needs!r} ({why}); got output={output!r}")
        if self.output == "softmax" and cost != "log_likelihood":
            raise ValueError(
                f"output='softmax' goes with cost='log_likelihood' (seed 003); got cost={cost!r}"
            )
        if cost == "hinge":
            if self.sizes[-1] != 1:
                raise ValueError(
                    f"cost='hinge' is the binary hinge loss of one output neuron (labels +1/-1 "
                    f"or 1/0); got {self.sizes[-1]} output neurons (for several classes use "
                    f"cost='log_likelihood')"
                )
            self.threshold = HingeLoss.threshold
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise ValueError(f"dtype must be a floating type such as float32; got {self.dtype}")
        check_parameters(network_parameters(self.sizes), self.dtype.itemsize, "Network")
        self._rng = get_rng(seed)
        self._params: list[Parameter] = []
        for l, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True), 1):
            W, b = initialize(init, n_in, n_out, self._rng, self.dtype)
            self._params += [Parameter(W, label=f"w^{l}"), Parameter(b, label=f"b^{l}")]
        self._graph = [_graph_module(activation) for _ in sizes[2:]] + [_graph_module(output)]

    # --- the Module side --------------------------------------------------------------------------

    @property
    def weights(self) -> list[np.ndarray]:
        """[w^1, ..., w^L], the arrays of the weight Parameters (writable in place)."""
        return [p.data for p in self._params[0::2]]

    @property
    def biases(self) -> list[np.ndarray]:
        """[b^1, ..., b^L], the arrays of the bias Parameters (writable in place)."""
        return [p.data for p in self._params[1::2]]

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """("1.weight", w^1), ("1.bias", b^1), ("2.weight", w^2), ...: layers by their number l."""
        for i, p in enumerate(self._params):
            yield f"{prefix}{i // 2 + 1}.{'bias' if i % 2 else 'weight'}", p

    def children(self) -> Iterator[Module]:
        yield from self._graph

    def config(self) -> dict[str, Any]:
        return {
            "type": "Network",
            "sizes": self.sizes,
            "activation": self.activation,
            "output": self.output,
            "cost": self.cost_name,
            "init": self.init,
            "dtype": self.dtype.name,
        }

    def forward(self, x: Any) -> Tensor:
        """a^L through the graph engine (z^l = w^l a^{l-1} + b^l, a^l = sigma(z^l)), for losses
        other than the network's own cost; ``feedforward`` is the same without a graph."""
        a = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=self.dtype))
        layers = zip(self._params[0::2], self._params[1::2], self._graph, strict=True)
        for W, b, g in layers:
            a = g(ops.linear(a, W, b))
        return a

    # --- description ------------------------------------------------------------------------------

    @property
    def num_layers(self) -> int:
        """L + 1: the number of layers counting the input layer (Nielsen's ``num_layers``)."""
        return len(self.sizes)

    def parameter_count(self) -> int:
        """Number of weights and biases: sum over layers of n_l * n_{l-1} + n_l."""
        return self.num_parameters()

    def __repr__(self) -> str:
        layers = ", ".join(
            f"layer {l}: {n_out}·{n_in}+{n_out}"
            for l, (n_in, n_out) in enumerate(
                zip(self.sizes[:-1], self.sizes[1:], strict=True), start=1
            )
        )
        output = "" if self.output == self.activation else f", output={self.output!r}"
        return (
            f"Network({self.sizes}, activation={self.activation!r}{output}, "
            f"cost={self.cost_name!r}): {self.parameter_count()} parameters ({layers})"
        )

    # --- input checking ---------------------------------------------------------------------------

    def _inputs(self, X: ArrayLike) -> np.ndarray:
        """X as a (m, n_0) array of the network's dtype (a view, never modified, when possible)."""
        X = np.asarray(X, dtype=self.dtype)
        X = X.reshape(1, -1) if X.ndim == 1 else X
        return check_inputs(X, self.dtype, "Network", "X", self.sizes[0])

    def _targets(self, Y: ArrayLike, m: int) -> np.ndarray:
        """Y as (m, n_L) targets from one-hot rows, integer labels or (if n_L = 1) a vector,
        checked and converted by the losses' one target preparation."""
        n_out = self.sizes[-1]
        Y = np.asarray(Y)
        if len(Y) != m:
            raise ValueError(f"X has {m} examples but Y has {len(Y)}")
        if self.cost_name == "hinge":  # labels 1/0 become +1/-1 here, once per dataset
            prepared = prepare_targets(Y, HingeLoss.targets, n_out, self.dtype, "Network")
            prepared = sign_labels(prepared, self.dtype, "Network")
        else:
            prepared = prepare_targets(Y, "values", n_out, self.dtype, "Network")
        if prepared.shape != (m, n_out):
            raise ValueError(
                f"Y must be ({m}, {n_out}) targets or ({m},) integer labels; got shape {Y.shape}"
            )
        return prepared

    # --- forward and backward ---------------------------------------------------------------------

    def _forward(
        self, X: np.ndarray, Y: np.ndarray | None = None, keep_z: bool = False
    ) -> tuple[list[np.ndarray], list[np.ndarray], float]:
        """A^0 = X, then Z^l = A^{l-1} (w^l)^T + b^l and A^l = sigma(Z^l) for l = 1..L.

        Returns the activations [A^0, ..., A^L], copies of [Z^1, ..., Z^L] if ``keep_z`` (else
        []), and for targets ``Y`` the cost summed over the examples, sum_x C_x (else NaN).
        """
        activations = [X]
        zs = []
        weights, biases = self.weights, self.biases
        for l, (W, b) in enumerate(zip(weights, biases, strict=True), 1):
            z = activations[-1] @ W.T
            z += b
            if keep_z:
                zs.append(z.copy())
            if l < len(weights):
                self._hidden.apply_(z)
                activations.append(z)
        a_L, cost = self._output_layer(z, Y)
        activations.append(a_L)
        return activations, zs, cost

    def _output_layer(self, z: np.ndarray, Y: np.ndarray | None) -> tuple[np.ndarray, float]:
        """a^L from z^L (overwritten) and, for targets Y, the cost summed over the examples.

        The costs are the loss module's: the quadratic 1/2 ||a^L - y||^2 (``QuadraticLoss.coef``
        times ``sum_of_squares``), Nielsen's cross-entropy on the logits z^L (the one stable
        BCE, taken before sigma overwrites z^L), the log-likelihood from the softmax's own
        pieces (``log_likelihood``: no logarithm of a probability that underflowed), and the
        hinge max(0, 1 - y a^L) (``hinge``).
        """
        cost = math.nan
        if self._out is None:  # the softmax output layer, with the log-likelihood
            # Classes-major (n_L, m), as in CrossEntropyLoss: the max and the sum over each
            # example's classes run across rows, several times faster than along m short rows.
            parts = shifted_exp(np.ascontiguousarray(z.T), axis=0)
            if Y is not None:
                cost = log_likelihood(parts, Y.T)
            return softmax_of(parts).T, cost
        if Y is not None and self.cost_name == "cross_entropy":
            per_entry = binary_cross_entropy_with_logits(z, Y)
            cost = float(np.add.reduce(per_entry, axis=None, dtype=np.float64))
        self._out.apply_(z)
        if Y is not None and self.cost_name == "quadratic":
            cost = QuadraticLoss.coef * sum_of_squares(z - Y)
        elif Y is not None and self.cost_name == "hinge":
            cost = float(np.add.reduce(hinge(z, Y), axis=None, dtype=np.float64))
        return z, cost

    def _output_error(self, a_L: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """BP1, delta^L = grad_a C (.) sigma'(z^L), per example (row x is delta^{x,L}).

        Quadratic cost: grad_a C_x = a^L - y, times sigma'(z^L) of the output activation. Nielsen's
        cross-entropy with sigmoid outputs, and the log-likelihood with a softmax output layer:
        sigma'(z^L) cancels against grad_a C and delta^L = a^L - y (no division). Hinge: grad_a
        C_x is the subgradient -y where y a^L < 1, else 0 (``hinge_subgradient``), and the
        linear output's g'(z^L) = 1 leaves it as it is.
        """
        if self.cost_name == "hinge":
            return hinge_subgradient(a_L, Y)
        delta = a_L - Y
        if self.cost_name == "quadratic":
            self._out.mul_derivative_(delta, a_L)
        return delta

    def _backward(
        self,
        activations: list[np.ndarray],
        delta: np.ndarray,
        scale: float,
        keep_deltas: bool = False,
    ) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
        """BP2-BP4 on a batch from Delta^L (overwritten): ``scale`` times the sums over x of the
        per-example gradients.

        ``scale = 1/m`` gives the batch mean; the fused SGD step passes ``scale = eta/m`` to get
        its step ``(eta/m) sum_x delta^{x,l} (a^{x,l-1})^T`` directly: BP2 is linear in delta, so
        scaling delta^L once scales every later delta and gradient. With ``keep_deltas`` it also
        returns [Delta^1, ..., Delta^L] unscaled (a record asks for them with ``scale`` = 1).
        """
        if scale != 1.0:
            delta *= scale
        deltas = [delta]
        grad_W: list[np.ndarray] = []
        grad_b: list[np.ndarray] = []
        weights = self.weights
        for l in range(len(weights), 0, -1):  # layer l: w^l is weights[l - 1], a^{l-1} input
            grad_b.append(np.add.reduce(delta, axis=0))  # BP3: dC/db^l = sum_x delta^{x,l}
            # BP4: sum_x delta^{x,l} (a^{x,l-1})^T, laid out like w^l for a one-pass update
            grad_W.append(matmul_into_layout(delta.T, activations[l - 1], weights[l - 1]))
            if l > 1:
                # BP2: delta^{l-1} = ((w^l)^T delta^l) (.) sigma'(z^{l-1}), in row form Delta^l w^l.
                delta = delta @ weights[l - 1]
                self._hidden.mul_derivative_(delta, activations[l - 1])
                if keep_deltas:
                    deltas.append(delta)
        grad_W.reverse()
        grad_b.reverse()
        deltas.reverse()
        return grad_W, grad_b, deltas

    @np.errstate(over="ignore")
    def feedforward(self, X: ArrayLike) -> np.ndarray:
        """a^L: apply a^l = sigma(w^l a^{l-1} + b^l) layer by layer; (m, n_L) for (m, n_0) input.

        A single example of shape (n_0,) gives its output vector (n_L,).
        """
        single = np.ndim(X) == 1
        out = self._forward(self._inputs(X))[0][-1]
        return out[0] if single else out

    @np.errstate(over="ignore")
    def backprop(
        self, X: ArrayLike, Y: ArrayLike, return_intermediates: bool = False
    ) -> tuple[list[np.ndarray], list[np.ndarray]] | tuple[list, list, StepRecord]:
        """Gradients of the batch mean cost C = (1/m) sum_x C_x by BP1-BP4 in matrix form.

        Returns ``(grad_W, grad_b)`` with ``grad_W[l-1] = dC/dw^l = (1/m) sum_x delta^{x,l}
        (a^{x,l-1})^T`` (shape of ``weights[l-1]``) and ``grad_b[l-1] = dC/db^l = (1/m) sum_x
        delta^{x,l}``. With ``return_intermediates=True`` also returns the ``StepRecord`` holding
        every layer's z, a and per-example delta. ``Y`` holds (m, n_L) targets or (m,) integer
        labels (one-hot encoded here).
        """
        record = self.record(X, Y)
        if not return_intermediates:
            return record.grad_w[1:], record.grad_b[1:]
        return record.grad_w[1:], record.grad_b[1:], record

    @np.errstate(over="ignore")
    def record(self, X: ArrayLike, Y: ArrayLike) -> StepRecord:
        """The step record of one forward and backward pass on a batch (nothing is updated):
        what ``explain``, the pictures and the step-by-step views read."""
        X = self._inputs(X)
        return self._record(X, self._targets(Y, len(X)))

    def _record(self, X: np.ndarray, Y: np.ndarray) -> StepRecord:
        """One forward and backward pass on checked arrays, with every quantity kept."""
        m = len(X)
        activations, zs, cost = self._forward(X, Y, keep_z=True)
        delta = self._output_error(activations[-1], Y)
        grad_W, grad_b, deltas = self._backward(activations, delta, 1.0, keep_deltas=True)
        for g in (*grad_W, *grad_b):
            g /= m
        return StepRecord(
            z=[None, *zs],
            a=[X.copy(), *activations[1:]],
            delta=[None, *deltas],
            grad_w=[None, *grad_W],
            grad_b=[None, *grad_b],
            y=Y,
            cost=cost / m,
        )

    # --- cost and evaluation ----------------------------------------------------------------------

    def _mean_cost(self, X: np.ndarray, Y: np.ndarray) -> float:
        return self._forward(X, Y)[2] / len(X)

    @np.errstate(over="ignore")
    def cost(self, X: ArrayLike, Y: ArrayLike) -> float:
        """The mean cost C = (1/n) sum_x C_x over the examples (without a regularization term)."""
        X = self._inputs(X)
        return self._mean_cost(X, self._targets(Y, len(X)))

    #: A single output neuron is a binary classifier: class 1 where a^L > 1/2 (targets 0 and 1);
    #: a hinge network's is 0, the score's sign (``HingeLoss.threshold``, set in ``__init__``).
    threshold = 0.5

    @np.errstate(over="ignore")
    def predict(self, X: ArrayLike) -> np.ndarray:
        """The class of each example: the output neuron that fires most, argmax_j a^L_j.

        A network with a single output neuron is a binary classifier: class 1 where a^L > 1/2.
        """
        labels = predict_classes(self._forward(self._inputs(X))[0][-1], self.threshold)
        return labels[0] if np.ndim(X) == 1 else labels

    def evaluate(self, X: ArrayLike, y: ArrayLike) -> int:
        """Number of examples whose predicted class equals y (labels, or one-hot rows via argmax).

        Divide by ``len(y)`` for the fraction correct.
        """
        X = self._inputs(X)
        y = np.asarray(y)
        if len(y) != len(X):
            raise ValueError(f"X has {len(X)} examples but y has {len(y)}")
        with np.errstate(over="ignore"):
            out = self._forward(X)[0][-1]
        return int(round(accuracy(out, y, self.threshold) * len(X)))

    # --- training ---------------------------------------------------------------------------------

    def training_step(
        self,
        loss: Loss | None,
        optimizer: Any,
        regularization: Callable[[Module], Tensor] | None = None,
        record: bool = False,
    ) -> LayeredStep | None:
        """The textbook step for ``fit``: BP1-BP4 when the loss is the network's own cost
        (``loss`` None, or the same cost as a loss module); None otherwise, and ``fit`` runs the
        graph engine through ``forward``. ``record=True`` keeps a ``StepRecord`` of each step."""
        same = {"quadratic": QuadraticLoss, "hinge": HingeLoss}.get(self.cost_name)
        if loss is not None and not (type(loss) is same and loss.reduction == "mean"):
            return None
        return LayeredStep(self, optimizer, regularization, record)

    def sgd(
        self,
        X: ArrayLike,
        Y: ArrayLike,
        epochs: int,
        mini_batch_size: int,
        eta: float,
        lmbda: float = 0.0,
        test_data: tuple[ArrayLike, ArrayLike] | None = None,
        seed: int | np.random.Generator | None = None,
        tol: float | None = None,
        verbose: bool = False,
    ) -> list[dict[str, Any]]:
        """Nielsen's ``SGD`` with his argument names: ``backprop.fit`` with plain SGD, one line.

        The update for each mini-batch of m (fused: eta/m is folded into delta^L):

            w^l -> (1 - eta lmbda / n) w^l - (eta/m) sum_x delta^{x,l} (a^{x,l-1})^T
            b^l -> b^l - (eta/m) sum_x delta^{x,l}

        ``lmbda`` keeps network2's meaning, C = C_0 + lmbda/(2n) sum_w w^2, which is the lectures'
        ERM term lambda Omega(theta) with ``nn.L2(lmbda / n)`` (Omega = (1/2) sum_w w^2). Each
        epoch shuffles the n examples (generator from ``seed``, else the network's). The epoch's
        cost C is the mean of the mini-batch costs, penalty included; training stops when
        ``|C - C_prev| < tol``. Returns one dict per epoch: ``epoch``, ``cost`` and, with
        ``test_data=(X_test, y_test)``, ``test_accuracy``. Raises ``TrainingDiverged`` like
        ``fit``.
        """
        from .nn.regularization import L2
        from .train import fit

        n = len(self._inputs(X))
        if not isinstance(mini_batch_size, (int, np.integer)) or not 0 < mini_batch_size <= n:
            raise ValueError(
                f"mini_batch_size must be an integer in 1..{n} (the number of examples); "
                f"got {mini_batch_size!r}"
            )
        if not eta > 0 or not np.isfinite(eta):
            raise ValueError(f"eta (the learning rate) must be positive and finite; got {eta!r}")
        if not lmbda >= 0 or not np.isfinite(lmbda):
            raise ValueError(f"lmbda (L2 regularization) must be >= 0; got {lmbda!r}")
        records: list[dict[str, Any]] = []

        def log(epoch: int, logs: dict[str, float]) -> None:
            records.append({"epoch": epoch, "cost": logs["loss"]})
            if test_data is not None:
                records[-1]["test_accuracy"] = self.evaluate(*test_data) / len(test_data[1])
            if verbose:
                acc = f", test accuracy {records[-1]['test_accuracy']:.4f}" if test_data else ""
                print(f"Epoch {epoch}/{epochs}: cost {logs['loss']:.6f}{acc}")

        fit(
            self,
            X,
            Y,
            optimizer=SGD(self.parameters(), lr=eta),
            epochs=epochs,
            batch_size=int(mini_batch_size),
            tol=tol,
            seed=self._rng if seed is None else seed,
            callbacks=[log],
            progress=False,
            regularization=L2(lmbda / n) if lmbda else None,
        )
        return records

    # --- conversions to and from the graph engine ------------------------------------------------

    def to_sequential(self) -> Sequential:
        """The same network as ``nn.Sequential(Linear, g, Linear, g, ...)``, sharing memory.

        The Sequential's parameters *are* this network's arrays (no copy): training either one
        with ``backprop.fit`` trains both. With the quadratic cost, ``nn.QuadraticLoss`` on its
        output equals ``cost``; Nielsen's cross-entropy equals ``nn.BCELoss(reduction="sum")``
        divided by the number of examples; the log-likelihood equals ``nn.CrossEntropyLoss`` on
        the scores z^L, i.e. without the final Softmax; the hinge equals ``nn.HingeLoss``.
        """
        layers: list[Module] = []
        for W, b, g in zip(self.weights, self.biases, self._graph, strict=True):
            linear = Linear(W.shape[1], W.shape[0], init="zeros", dtype=self.dtype)
            linear.weight.data, linear.bias.data = W, b
            layers += [linear, type(g)()]
        return Sequential(*layers)

    @classmethod
    def from_sequential(cls, model: Sequential, cost: str = "quadratic") -> Network:
        """A Network with a copy of the weights of ``Sequential(Linear, g, ..., Linear, g)``.

        Every Linear must be followed by the same activation of the table (Sigmoid, Tanh, ...),
        the structure this class implements; anything else raises ValueError naming the layer.
        """
        layers = list(model)
        names = [getattr(getattr(layer, "row", None), "name", None) for layer in layers[1::2]]
        if (
            len(layers) % 2
            or not layers
            or not all(
                isinstance(layer, Linear) and layer.bias is not None for layer in layers[::2]
            )
            or len(set(names)) != 1
            or names[0] is None
        ):
            described = ", ".join(f"layer {i}: {layer!r}" for i, layer in enumerate(layers))
            raise ValueError(
                "from_sequential needs Linear (with bias) and one elementwise activation (Sigmoid, "
                f"Tanh, ReLU, Identity, ...) alternating, the same after every Linear; got "
                f"{described}"
            )
        sizes = [layers[0].in_features] + [layer.out_features for layer in layers[::2]]
        net = cls(
            sizes,
            activation=names[0],
            output=None if cost == "log_likelihood" else names[0],
            cost=cost,
            init="zeros",
            dtype=layers[0].weight.data.dtype,
        )
        for W, b, linear in zip(net.weights, net.biases, layers[::2], strict=True):
            W[...] = linear.weight.data
            b[...] = linear.bias.data
        return net


def _by_parameter(grad_W: list[np.ndarray], grad_b: list[np.ndarray]) -> list[np.ndarray]:
    """[dC/dw^1, dC/db^1, dC/dw^2, ...], the order of ``Network.parameters()``."""
    return [g for pair in zip(grad_W, grad_b, strict=True) for g in pair]


class LayeredStep:
    """A training step of a ``Network`` by BP1-BP4, in three phases (``train.TrainingStep``).

    ``forward`` computes A^1..A^L and the batch cost, ``backward`` the gradients by BP1-BP4,
    ``update`` moves the weights. Under plain SGD (no momentum, no weight decay in the optimizer;
    any learning-rate schedule) the step is fused: BP1 scales delta^L by eta/m, so BP3/BP4
    produce the update itself and ``update`` subtracts it, with no separate pass for
    w -> w - eta dC/dw. A regularization term lambda Omega(theta) adds its gradient through the
    graph engine (for L2, eta lambda w: Nielsen's weight decay). Any other optimizer gets
    ``p.grad`` = dC/dp and steps as usual. With ``record=True`` (never fused) each step keeps a
    ``StepRecord`` in ``self.record`` after ``backward``.
    """

    def __init__(
        self,
        net: Network,
        optimizer: Any,
        regularization: Callable[[Module], Tensor] | None = None,
        record: bool = False,
    ) -> None:
        self.net, self.optimizer, self.regularization = net, optimizer, regularization
        self.keep_record = record
        self.record: StepRecord | None = None
        self.threshold = net.threshold
        params = net.parameters()
        self.fused = (
            not record
            and type(optimizer) is SGD
            and optimizer.momentum == 0.0
            and optimizer.weight_decay == 0.0
            and [id(p) for p in optimizer.params] == [id(p) for p in params]
        )
        self._params = params
        self._batch: tuple[list[np.ndarray], np.ndarray] | None = None
        self._steps: tuple[list[np.ndarray], list[np.ndarray]] | None = None
        self._penalty: Tensor | None = None

    def prepare_targets(self, y: Any, out_width: int, dtype: Any) -> np.ndarray:
        """(n, n_L) targets: one-hot rows for labels, as BP1's a^L - y needs them."""
        return self.net._targets(y, len(y))

    def forward(self, x: np.ndarray, y: np.ndarray) -> float:
        """A^l for every layer and the batch cost C = (1/m) sum_x C_x (+ lambda Omega(theta))."""
        net = self.net
        if self.keep_record:
            self.record = net._record(x, y)
            cost = self.record.cost
        else:
            activations, _, cost_sum = net._forward(x, y)
            self._batch = (activations, y)
            cost = cost_sum / len(x)
        if self.regularization is not None:
            self._penalty = self.regularization(net)
            cost += float(self._penalty.data)
        return cost

    def backward(self) -> None:
        """BP1-BP4: the fused step (eta/m) sum_x delta^{x,l} (a^{x,l-1})^T, or p.grad = dC/dp."""
        net, params = self.net, self._params
        for p in params:
            p.grad = None
        if self.keep_record:
            grads = _by_parameter(self.record.grad_w[1:], self.record.grad_b[1:])
            for p, g in zip(params, grads, strict=True):
                p.grad = g.copy()
        else:
            activations, y = self._batch
            m = len(y)
            scale = self.optimizer.lr / m if self.fused else 1.0 / m
            delta = net._output_error(activations[-1], y)
            grad_W, grad_b, _ = net._backward(activations, delta, scale)
            self._batch = None
            if self.fused:
                self._steps = (grad_W, grad_b)
            else:
                for p, g in zip(params, _by_parameter(grad_W, grad_b), strict=True):
                    p.grad = g
        if self._penalty is not None:
            self._penalty.backward()  # adds lambda dOmega/dw to p.grad (nothing to the biases)

    def update(self) -> None:
        """w -> w - eta dC/dw: the fused step's arrays subtracted, or the optimizer's step."""
        if not self.fused:
            self.optimizer.step()
            return
        params, lr = self._params, self.optimizer.lr
        for p in params:
            if p.grad is not None:  # the regularization's part: w -> w - eta lambda dOmega/dw
                p.data -= lr * p.grad
        grad_W, grad_b = self._steps
        for W, b, dW, db in zip(params[0::2], params[1::2], grad_W, grad_b, strict=True):
            W.data -= dW
            b.data -= db
        self._steps = None
        self.optimizer.step_count += 1

    @np.errstate(over="ignore")
    def evaluate(self, X: np.ndarray, y: np.ndarray, batch: int = 4096) -> tuple[float, np.ndarray]:
        """Mean cost (without the regularization term) and a^L over a dataset, in chunks."""
        net, total, outputs = self.net, 0.0, []
        for start in range(0, len(X), batch):
            xb, yb = X[start : start + batch], y[start : start + batch]
            activations, _, cost_sum = net._forward(xb, yb)
            total += cost_sum
            outputs.append(activations[-1])
        return total / len(X), np.concatenate(outputs)
