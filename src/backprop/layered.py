"""The textbook network: an MLP trained with the four backpropagation equations, written out.

This is Nielsen's sigmoid network from the lecture (seed 004), in plain NumPy. Notation follows the
slides: ``w^l_{jk}`` connects neuron ``k`` of layer ``l-1`` to neuron ``j`` of layer ``l``, so

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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from .backend import matmul_into_layout
from .data._checks import all_finite
from .data.preprocessing import one_hot
from .errors import TrainingDiverged
from .nn.activations import activation_module
from .nn.init import INITIALIZERS, initialize
from .nn.layers import Linear, Sequential
from .nn.module import Module
from .rng import get_rng

__all__ = ["ACTIVATIONS", "COSTS", "Intermediates", "Network"]


# --- activations: sigma applied in place, and delta *= sigma'(z) computed from a = sigma(z) -------
# Every sigma' here can be written with a = sigma(z) alone, so the training loop keeps no z.


def _sigmoid_(z: np.ndarray) -> None:
    """sigma(z) = 1 / (1 + e^{-z}), in place (e^{-z} may overflow to inf, giving exactly 0)."""
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1
    np.reciprocal(z, out=z)


def _tanh_(z: np.ndarray) -> None:
    np.tanh(z, out=z)


def _relu_(z: np.ndarray) -> None:
    np.maximum(z, 0, out=z)


def _linear_(z: np.ndarray) -> None:
    """The seeds' linear neuron sigma(z) = z: nothing to do."""


def _sigmoid_prime_(delta: np.ndarray, a: np.ndarray) -> None:
    """delta *= sigma'(z) = sigma(z) (1 - sigma(z)) = a (1 - a)."""
    delta *= a
    delta *= 1 - a


def _tanh_prime_(delta: np.ndarray, a: np.ndarray) -> None:
    """delta *= tanh'(z) = 1 - tanh(z)^2 = 1 - a^2."""
    delta *= 1 - a * a


def _relu_prime_(delta: np.ndarray, a: np.ndarray) -> None:
    """delta *= relu'(z) = [z > 0] = [a > 0] (0 at the kink z = 0)."""
    np.multiply(delta, a > 0, out=delta)


def _linear_prime_(delta: np.ndarray, a: np.ndarray) -> None:
    """sigma'(z) = 1 for the linear neuron sigma(z) = z: delta is unchanged."""


_Activate = Callable[[np.ndarray], None]
_MulPrime = Callable[[np.ndarray, np.ndarray], None]

ACTIVATIONS: dict[str, tuple[_Activate, _MulPrime]] = {
    "sigmoid": (_sigmoid_, _sigmoid_prime_),
    "tanh": (_tanh_, _tanh_prime_),
    "relu": (_relu_, _relu_prime_),
    "linear": (_linear_, _linear_prime_),
}

COSTS = ("quadratic", "cross_entropy")


def _choose(kind: str, name: str, valid: Sequence[str]) -> str:
    if name not in valid:
        raise ValueError(f"unknown {kind} {name!r}; valid names: {', '.join(map(repr, valid))}")
    return name


@dataclass
class Intermediates:
    """Every quantity of one backpropagation pass, indexed by layer (0 = input, L = output).

    ``a[l]`` is ``A^l`` (shape ``(m, n_l)``, ``a[0]`` is the input X); ``z[l]`` is ``Z^l`` and
    ``delta[l]`` is ``Delta^l``, whose row x is the per-example error
    ``delta^{x,l} = dC_x/dz^{x,l}`` (``z[0]`` and ``delta[0]`` are None: the input has neither).
    """

    z: list[np.ndarray | None]
    a: list[np.ndarray]
    delta: list[np.ndarray | None]


class Network:
    """A fully connected network in which every neuron, output included, applies ``activation``.

    ``Network([784, 30, 10])`` is Nielsen's digit classifier: 784 inputs, 30 sigmoid hidden neurons,
    10 sigmoid outputs. ``cost`` is the quadratic cost ``C = 1/(2n) sum_x ||y(x) - a^L(x)||^2`` or
    the cross-entropy ``C = -(1/n) sum_x sum_j [y_j ln a^L_j + (1 - y_j) ln(1 - a^L_j)]``, which
    needs sigmoid outputs in (0, 1) and turns BP1 into ``delta^L = a^L - y``.

    ``init`` draws the weights with ``backprop.nn.init``: ``"uniform"`` (Unif[-1, 1], seed 001),
    ``"normal"`` (N(0, 1), network.py), ``"normal_scaled"`` (w ~ N(0, 1/n_in), network2),
    ``"xavier"``, ``"he"`` or ``"zeros"``.
    ``seed`` (int, Generator or None for the library-wide generator of ``backprop.manual_seed``)
    drives the initialization and, unless ``sgd`` gets its own, the shuffling.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "sigmoid",
        cost: str = "quadratic",
        init: str = "normal_scaled",
        seed: int | np.random.Generator | None = None,
        dtype: DTypeLike = np.float32,
    ) -> None:
        sizes = list(sizes)
        if len(sizes) < 2 or not all(isinstance(n, (int, np.integer)) and n > 0 for n in sizes):
            raise ValueError(
                f"sizes must list at least two positive layer widths (input, ..., output); "
                f"got {sizes}"
            )
        self.sizes = [int(n) for n in sizes]
        self.activation = _choose("activation", activation, list(ACTIVATIONS))
        self.cost_name = _choose("cost", cost, COSTS)
        self.init = _choose("init", init, list(INITIALIZERS))
        if cost == "cross_entropy" and activation != "sigmoid":
            raise ValueError(
                f"cost='cross_entropy' needs activation='sigmoid' (outputs in (0, 1) for ln a and "
                f"ln(1 - a)); got activation={activation!r}"
            )
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise ValueError(f"dtype must be a floating type such as float32; got {self.dtype}")
        self._activate, self._mul_prime = ACTIVATIONS[activation]
        self._rng = get_rng(seed)
        self.weights: list[np.ndarray] = []
        self.biases: list[np.ndarray] = []
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            W, b = initialize(init, n_in, n_out, self._rng, self.dtype)
            self.weights.append(W)
            self.biases.append(b)

    # --- description ------------------------------------------------------------------------------

    @property
    def num_layers(self) -> int:
        """L + 1: the number of layers counting the input layer (Nielsen's ``num_layers``)."""
        return len(self.sizes)

    def parameter_count(self) -> int:
        """Number of weights and biases: sum over layers of n_l * n_{l-1} + n_l."""
        return sum(W.size + b.size for W, b in zip(self.weights, self.biases, strict=True))

    def __repr__(self) -> str:
        layers = ", ".join(
            f"layer {l}: {n_out}·{n_in}+{n_out}"
            for l, (n_in, n_out) in enumerate(
                zip(self.sizes[:-1], self.sizes[1:], strict=True), start=1
            )
        )
        return (
            f"Network({self.sizes}, activation={self.activation!r}, cost={self.cost_name!r}): "
            f"{self.parameter_count()} parameters ({layers})"
        )

    # --- input checking ---------------------------------------------------------------------------

    def _inputs(self, X: ArrayLike) -> np.ndarray:
        """X as a (m, n_0) array of the network's dtype (a view, never modified, when possible)."""
        X = np.asarray(X, dtype=self.dtype)
        shape = X.shape
        if X.ndim == 1:
            X = X.reshape(1, -1)
        if X.ndim != 2:
            raise ValueError(f"X must be one example (n_0,) or a batch (m, n_0); got shape {shape}")
        if X.shape[1] != self.sizes[0]:
            raise ValueError(
                f"layer 1 expects {self.sizes[0]} features, got {X.shape[1]}; X has shape {shape}"
            )
        if not all_finite(X):
            bad = np.argwhere(~np.isfinite(X))[0]
            raise ValueError(
                f"X contains NaN or infinite values (first at row {bad[0]}, column {bad[1]})"
            )
        return X

    def _targets(self, Y: ArrayLike, m: int) -> np.ndarray:
        """Y as (m, n_L) targets from one-hot rows, integer labels or (if n_L = 1) a vector."""
        n_out = self.sizes[-1]
        Y = np.asarray(Y)
        if len(Y) != m:
            raise ValueError(f"X has {m} examples but Y has {len(Y)}")
        if Y.ndim == 1 and n_out == 1:
            Y = Y.reshape(-1, 1)
        elif Y.ndim == 1:
            labels = Y.astype(np.int64)
            if not np.array_equal(labels, Y) or labels.min() < 0 or labels.max() >= n_out:
                found = np.unique(Y)[:10]
                raise ValueError(
                    f"integer labels must lie in 0..{n_out - 1} (one per output neuron); "
                    f"found {found.tolist()}"
                )
            return one_hot(labels, n_out).astype(self.dtype, copy=False)
        if Y.ndim != 2 or Y.shape[1] != n_out:
            raise ValueError(
                f"Y must be ({m}, {n_out}) targets or ({m},) integer labels; got shape {Y.shape}"
            )
        Y = Y.astype(self.dtype, copy=False)
        if not all_finite(Y):
            raise ValueError("Y contains NaN or infinite values")
        return Y

    # --- forward and backward ---------------------------------------------------------------------

    def _forward(
        self, X: np.ndarray, keep_z: bool = False, keep_last_z: bool = False
    ) -> tuple[list[np.ndarray], list]:
        """A^0 = X, then Z^l = A^{l-1} (w^l)^T + b^l and A^l = sigma(Z^l) for l = 1..L.

        Returns the activations [A^0, ..., A^L] and copies of [Z^1, ..., Z^L] if ``keep_z``
        ([Z^L] alone if ``keep_last_z``, what the cross-entropy cost needs).
        """
        activations = [X]
        zs = []
        last = len(self.weights) - 1
        for l, (W, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = activations[-1] @ W.T
            z += b
            if keep_z or (keep_last_z and l == last):
                zs.append(z.copy())
            self._activate(z)
            activations.append(z)
        return activations, zs

    def _backward(
        self,
        activations: list[np.ndarray],
        error: np.ndarray,
        scale: float,
        keep_deltas: bool = False,
    ) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
        """BP1-BP4 on a batch: ``scale`` times the sums over x of the per-example gradients.

        ``error`` is the output error A^L - Y, which this overwrites (it becomes Delta^L).
        ``sgd`` passes ``scale = eta/m`` to get its step ``(eta/m) sum_x delta^{x,l}
        (a^{x,l-1})^T`` directly: BP2 is linear in delta, so scaling delta^L once scales every
        later delta and gradient. With ``keep_deltas`` it also returns [Delta^1, ..., Delta^L]
        (times ``scale``).
        """
        a_L = activations[-1]
        delta = error
        if self.cost_name == "quadratic":
            # BP1: delta^L = grad_a C (.) sigma'(z^L), with grad_a C_x = a^L - y for the quadratic.
            self._mul_prime(delta, a_L)
        # else BP1 for cross-entropy with sigmoid: grad_a C_x = (a - y) / (a (1 - a)) and
        # sigma'(z^L) = a (1 - a), so delta^L = a^L - y (computed above, no division).
        if scale != 1.0:
            delta *= scale
        deltas = [delta]
        grad_W: list[np.ndarray] = []
        grad_b: list[np.ndarray] = []
        for l in range(len(self.weights), 0, -1):  # layer l: w^l is weights[l - 1], a^{l-1} input
            grad_b.append(np.add.reduce(delta, axis=0))  # BP3: dC/db^l = sum_x delta^{x,l}
            # BP4: sum_x delta^{x,l} (a^{x,l-1})^T, laid out like w^l for a one-pass update
            grad_W.append(matmul_into_layout(delta.T, activations[l - 1], self.weights[l - 1]))
            if l > 1:
                # BP2: delta^{l-1} = ((w^l)^T delta^l) (.) sigma'(z^{l-1}), in row form Delta^l w^l.
                delta = delta @ self.weights[l - 1]
                self._mul_prime(delta, activations[l - 1])
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
    ) -> tuple[list[np.ndarray], list[np.ndarray]] | tuple[list, list, Intermediates]:
        """Gradients of the batch mean cost C = (1/m) sum_x C_x by BP1-BP4 in matrix form.

        Returns ``(grad_W, grad_b)`` with ``grad_W[l-1] = dC/dw^l = (1/m) sum_x delta^{x,l}
        (a^{x,l-1})^T`` (shape of ``weights[l-1]``) and ``grad_b[l-1] = dC/db^l = (1/m) sum_x
        delta^{x,l}``. With ``return_intermediates=True`` also returns an ``Intermediates`` record
        holding every layer's z, a and per-example delta. ``Y`` holds (m, n_L) targets or (m,)
        integer labels (one-hot encoded here).
        """
        X = self._inputs(X)
        m = len(X)
        Y = self._targets(Y, m)
        activations, zs = self._forward(X, keep_z=return_intermediates)
        grad_W, grad_b, deltas = self._backward(
            activations, activations[-1] - Y, scale=1.0, keep_deltas=return_intermediates
        )
        for g in (*grad_W, *grad_b):
            g /= m
        if not return_intermediates:
            return grad_W, grad_b
        record = Intermediates(z=[None, *zs], a=[X.copy(), *activations[1:]], delta=[None, *deltas])
        return grad_W, grad_b, record

    # --- cost and evaluation ----------------------------------------------------------------------

    def _mean_cost(self, X: np.ndarray, Y: np.ndarray) -> float:
        cross_entropy = self.cost_name == "cross_entropy"
        activations, zs = self._forward(X, keep_last_z=cross_entropy)
        error = None if cross_entropy else activations[-1] - Y
        return self._cost_sum(error, zs, Y) / len(X)

    def _cost_sum(self, error: np.ndarray | None, zs: list, Y: np.ndarray) -> float:
        """sum_x C_x over a batch: from the output error A^L - Y for the quadratic cost, from
        z^L (the last of ``zs``) and Y for cross-entropy (which needs no ``error``)."""
        if self.cost_name == "quadratic":
            diff = error.astype(np.float64, copy=False)
            return 0.5 * float(np.vdot(diff, diff))
        # -[y ln a + (1-y) ln(1-a)] with a = sigma(z) equals softplus(z) - y z, and
        # softplus(z) = ln(1 + e^z) = logaddexp(0, z) never overflows, even where a rounds to 0, 1.
        z_L = zs[-1]
        per_entry = np.logaddexp(0, z_L)
        per_entry -= Y * z_L
        return float(np.add.reduce(per_entry, axis=None, dtype=np.float64))

    @staticmethod
    def _diverged(
        layers: list, saved: list, cost: float, epoch: int, eta: float, batch: int | None
    ) -> None:
        """Restore the weights the epoch started with and raise TrainingDiverged."""
        for (W, b), (W_ok, b_ok) in zip(layers, saved, strict=True):
            W[...] = W_ok
            b[...] = b_ok
        where = f"mini-batch {batch} of epoch {epoch}" if batch else f"the weights of epoch {epoch}"
        raise TrainingDiverged(
            f"the cost became {cost} in {where} (eta={eta}); the weights are restored to their "
            f"values before epoch {epoch}. Try a smaller learning rate, e.g. eta={eta / 10:g}."
        )

    def _l2_penalty(self, lmbda: float, n: int) -> float:
        """(lmbda / 2n) sum_w w^2, the L2 term of Nielsen's network2 (biases are not decayed)."""
        if not lmbda:
            return 0.0
        return 0.5 * lmbda / n * sum(float(np.vdot(W, W)) for W in self.weights)

    @np.errstate(over="ignore")
    def cost(self, X: ArrayLike, Y: ArrayLike) -> float:
        """The mean cost C = (1/n) sum_x C_x over the examples (quadratic or cross-entropy)."""
        X = self._inputs(X)
        return self._mean_cost(X, self._targets(Y, len(X)))

    @np.errstate(over="ignore")
    def predict(self, X: ArrayLike) -> np.ndarray:
        """The class of each example: the output neuron that fires most, argmax_j a^L_j.

        A network with a single output neuron is a binary classifier: class 1 where a^L > 1/2.
        """
        out = self._forward(self._inputs(X))[0][-1]
        labels = (out[:, 0] > 0.5).astype(np.int64) if out.shape[1] == 1 else out.argmax(axis=1)
        return labels[0] if np.ndim(X) == 1 else labels

    def _labels(self, y: ArrayLike) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim == 2 and self.sizes[-1] > 1:
            return y.argmax(axis=1)
        return y.reshape(len(y)).round().astype(np.int64)

    def evaluate(self, X: ArrayLike, y: ArrayLike) -> int:
        """Number of examples whose predicted class equals y (labels, or one-hot rows via argmax).

        Divide by ``len(y)`` for the fraction correct.
        """
        pred = np.atleast_1d(self.predict(X))
        y = self._labels(y)
        if len(y) != len(pred):
            raise ValueError(f"X has {len(pred)} examples but y has {len(y)}")
        return int(np.sum(pred == y))

    # --- training ---------------------------------------------------------------------------------

    @np.errstate(over="ignore", invalid="ignore")
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
        """Mini-batch stochastic gradient descent, the seed's update for each mini-batch of m:

            w^l -> (1 - eta lmbda / n) w^l - (eta/m) sum_x delta^{x,l} (a^{x,l-1})^T
            b^l -> b^l - (eta/m) sum_x delta^{x,l}

        (``lmbda`` > 0 adds network2's L2 weight decay; n is the training set size). Each epoch
        shuffles the n examples (generator from ``seed``, else the network's) and cuts the
        shuffled order into consecutive mini-batches (the last may be smaller). The epoch's cost
        C is the mean of the mini-batch costs met on the way (each measured by the forward pass
        its update needed, so C costs no extra pass over the data; ``backprop.fit`` does the
        same), plus
        ``(lmbda/2n) sum w^2`` when ``lmbda`` > 0. Training stops early when ``|C - C_prev| < tol``.

        Returns one dict per epoch: ``epoch``, ``cost`` and, with ``test_data=(X_test, y_test)``,
        ``test_accuracy`` (fraction correct). Raises ``TrainingDiverged`` when a mini-batch cost
        or a weight becomes NaN or infinite, after restoring the weights the epoch started with.
        """
        X = self._inputs(X)
        n = len(X)
        Y = self._targets(Y, n)
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise ValueError(f"epochs must be a positive integer; got {epochs!r}")
        if not isinstance(mini_batch_size, (int, np.integer)) or not 0 < mini_batch_size <= n:
            raise ValueError(
                f"mini_batch_size must be an integer in 1..{n} (the number of examples); "
                f"got {mini_batch_size!r}"
            )
        if not eta > 0 or not np.isfinite(eta):
            raise ValueError(f"eta (the learning rate) must be positive and finite; got {eta!r}")
        if not lmbda >= 0 or not np.isfinite(lmbda):
            raise ValueError(f"lmbda (L2 regularization) must be >= 0; got {lmbda!r}")
        if tol is not None and not tol > 0:
            raise ValueError(f"tol must be positive; got {tol!r}")
        if test_data is not None:
            X_test = self._inputs(test_data[0])
            y_test = self._labels(test_data[1])
            if len(y_test) != len(X_test):
                raise ValueError(f"test_data: X has {len(X_test)} examples but y has {len(y_test)}")
        rng = self._rng if seed is None else get_rng(seed)
        decay = 1.0 - eta * lmbda / n
        layers = list(zip(self.weights, self.biases, strict=True))
        keep_last_z = self.cost_name == "cross_entropy"
        c_prev = None
        history: list[dict[str, Any]] = []
        for epoch in range(1, epochs + 1):
            last_finite = [(W.copy(), b.copy()) for W, b in layers]
            perm = rng.permutation(n)
            total = 0.0
            for k in range(0, n, mini_batch_size):
                # Gathering each mini-batch copies the data once per epoch, like shuffling a copy
                # of X, but stays in cache (a 60,000 x 784 copy does not).
                rows = perm[k : k + mini_batch_size]
                x_batch, y_batch = X[rows], Y[rows]
                activations, zs = self._forward(x_batch, keep_last_z=keep_last_z)
                # A^L - Y: the quadratic cost's and BP1's starting point, computed once.
                error = activations[-1] - y_batch
                total += self._cost_sum(error, zs, y_batch)
                if not math.isfinite(total):
                    self._diverged(layers, last_finite, total, epoch, eta, k // mini_batch_size + 1)
                step_W, step_b, _ = self._backward(activations, error, scale=eta / len(x_batch))
                for (W, b), dW, db in zip(layers, step_W, step_b, strict=True):
                    if lmbda:
                        W *= decay
                    W -= dW
                    b -= db
            if not all(np.isfinite(W).all() and np.isfinite(b).all() for W, b in layers):
                self._diverged(layers, last_finite, float("nan"), epoch, eta, None)
            c = total / n + self._l2_penalty(lmbda, n)
            record: dict[str, Any] = {"epoch": epoch, "cost": c}
            if test_data is not None:
                record["test_accuracy"] = self.evaluate(X_test, y_test) / len(X_test)
            history.append(record)
            if verbose:
                acc = f", test accuracy {record['test_accuracy']:.4f}" if test_data else ""
                print(f"Epoch {epoch}/{epochs}: cost {c:.6f}{acc}")
            if tol is not None and c_prev is not None and abs(c - c_prev) < tol:
                if verbose:
                    print(f"Converged: |C - C_prev| = {abs(c - c_prev):.3g} < tol = {tol:g}")
                break
            c_prev = c
        return history

    # --- conversions to and from the graph engine ------------------------------------------------

    def to_sequential(self) -> Sequential:
        """The same network as ``nn.Sequential(Linear, g, Linear, g, ...)``, sharing memory.

        The Sequential's parameters *are* this network's arrays (no copy): training either one
        with ``backprop.fit`` or ``sgd`` trains both. With the quadratic cost, ``nn.QuadraticLoss``
        on its output equals ``cost``; Nielsen's cross-entropy equals
        ``nn.BCELoss(reduction="sum")`` divided by the number of examples.
        """
        layers: list[Module] = []
        for W, b in zip(self.weights, self.biases, strict=True):
            linear = Linear(W.shape[1], W.shape[0], init="zeros", dtype=self.dtype)
            linear.weight.data, linear.bias.data = W, b
            layers += [linear, activation_module(_GRAPH_ACTIVATIONS[self.activation])]
        return Sequential(*layers)

    @classmethod
    def from_sequential(cls, model: Sequential, cost: str = "quadratic") -> Network:
        """A Network with a copy of the weights of ``Sequential(Linear, g, ..., Linear, g)``.

        Every Linear must be followed by the same activation (sigmoid, tanh, ReLU or Identity),
        the structure this class implements; anything else raises ValueError naming the layer.
        """
        layers = list(model)
        kinds = {v: k for k, v in _GRAPH_ACTIVATIONS.items()}
        names = [type(layer).__name__.lower() for layer in layers[1::2]]
        if (
            len(layers) % 2
            or not layers
            or not all(
                isinstance(layer, Linear) and layer.bias is not None for layer in layers[::2]
            )
            or len(set(names)) != 1
            or names[0] not in kinds
        ):
            described = ", ".join(f"layer {i}: {layer!r}" for i, layer in enumerate(layers))
            raise ValueError(
                "from_sequential needs Linear (with bias) and one activation (Sigmoid, Tanh, ReLU "
                f"or Identity) alternating, the same after every Linear; got {described}"
            )
        sizes = [layers[0].in_features] + [layer.out_features for layer in layers[::2]]
        net = cls(
            sizes,
            activation=kinds[names[0]],
            cost=cost,
            init="zeros",
            dtype=layers[0].weight.data.dtype,
        )
        for W, b, linear in zip(net.weights, net.biases, layers[::2], strict=True):
            W[...] = linear.weight.data
            b[...] = linear.bias.data
        return net


# Network activation name -> name of the equivalent graph-engine activation module.
_GRAPH_ACTIVATIONS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu", "linear": "identity"}
