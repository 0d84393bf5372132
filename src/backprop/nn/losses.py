"""Loss functions E(output, target): each forward next to its gradient dE/d(output), one graph node.

Every loss is a ``Module`` called as ``loss(output, target)`` and returns a scalar Tensor. It is one
fused node of the computational graph (``make_node``): the forward computes E from the arrays and
the VJP returns dE/d(output) in closed form, so the training loop pays for one node, not for the
dozen elementwise operations the formula is made of. ``output`` may be a Tensor (the network's
last node) or an array; ``target`` is a *constant*: an array or a Tensor whose gradient is never
computed (its ``requires_grad`` is ignored).

``reduction="mean"`` (default) or ``"sum"``; what "mean" averages over follows PyTorch, see each
class. ``config()`` gives {"type": class name, "reduction": ...} (plus ``margin`` for
``MultiMarginLoss``) and ``loss_function(config)`` rebuilds the loss.

Three squared-error losses, and how they differ (a = output, y = target, B examples of K outputs):

    QuadraticLoss     C = 1/(2B) sum_x ||y(x) - a(x)||^2   Nielsen's quadratic cost: factor 1/2,
                                                           mean over the B *examples*, sum over
                                                           the K outputs.  dC/da = (a - y) / B
    MSELoss           E = 1/(B K) sum (a - y)^2            PyTorch's mean squared error: no 1/2,
                                                           mean over all B*K *elements*.
                                                           dE/da = 2 (a - y) / (B K)
    SumOfSquaresLoss  L = sum_i (y_i - t_i)^2 (/ B)        the computational-graph lecture's "L2
                                                           loss: simply sum up squares": no 1/2;
                                                           "mean" divides by the B examples.
                                                           dL/dy_i = 2 (y_i - t_i) (/ B)

So with reduction="mean", QuadraticLoss = MSELoss * K / 2 = SumOfSquaresLoss / 2. With
reduction="sum", QuadraticLoss keeps its 1/2 (C = 1/2 sum ||y - a||^2, Nielsen's C_x summed) and
MSELoss and SumOfSquaresLoss coincide.

Classification losses:

    CrossEntropyLoss  logits z (B, C); the lectures' softmax p_c = e^{z_c} / sum_c' e^{z_c'} and
                      negative log-likelihood E = -sum_i sum_c ln p_c(x_i) (y_ci + 1)/2, fused:
                      dE/dz_c = p_c - (y_c + 1)/2 (the seed's -((y_c+1)/2 - p_c)).
    NLLLoss           log-probabilities t_c = ln p_c (B, C) and labels: E = -sum_i t_{y_i}.
    BCELoss           probabilities p: E = -(y ln p + (1 - y) ln(1 - p)), dE/dp = (p-y)/(p(1-p)).
    BCEWithLogitsLoss scores s, p = sigma(s): same E, computed stably; dE/ds = sigma(s) - y.
    HingeLoss         binary scores s, labels +-1: E = max(0, 1 - y s).
    MultiMarginLoss   multiclass hinge: E = sum_{j != y} max(0, margin - s_y + s_j) / C.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..activations import Shifted, activation, shifted_exp
from ..backend import xp
from ..data._checks import class_labels
from ..data.preprocessing import one_hot
from ..tensor import Tensor, make_node
from .module import Module

_REDUCTIONS = ("mean", "sum")
_UNSIGNED = {1: xp.uint8, 2: xp.uint16, 4: xp.uint32, 8: xp.uint64}
_BCE_EPS = float(xp.float32(1e-12))  # PyTorch's clamp of p (1 - p) in the BCE gradient (a float)


# ---------------------------------------------------------------------- helpers
def _output(x: Any) -> Tensor:
    """The network output as a floating-point Tensor (arrays and lists become constants)."""
    if isinstance(x, Tensor):
        if x.data.dtype.kind == "f":
            return x
        return Tensor(x.data.astype(xp.float64))
    arr = xp.asarray(x)
    if arr.dtype.kind != "f":
        try:
            arr = arr.astype(xp.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"loss: output must be a Tensor or an array of numbers, got {type(x).__name__}"
            ) from None
    return Tensor(arr)


def _raw(target: Any) -> xp.ndarray:
    """The target's array (a Tensor's data; no gradient is ever sent to a target)."""
    return target.data if isinstance(target, Tensor) else xp.asarray(target)


def _same_shape_target(who: str, target: Any, out: Tensor) -> xp.ndarray:
    """A float target of exactly the output's shape, in the output's dtype (no copy if it is)."""
    y = _raw(target)
    if y.shape != out.shape:
        raise ValueError(
            f"{who}: target of shape {y.shape} does not match output of shape {out.shape}; "
            f"they must be equal (reshape one of them, e.g. labels (B,) vs outputs (B, 1))"
        )
    return xp.asarray(y, dtype=out.data.dtype)


def _labels(who: str, target: Any, out: Tensor) -> xp.ndarray:
    """Integer class labels y_i in [0, C) of shape (B,) for outputs of shape (B, C)."""
    y = _raw(target)
    batch, classes = out.shape
    if y.shape != (batch,):
        raise ValueError(
            f"{who}: target of shape {y.shape} does not match output of shape {out.shape}; "
            f"expected integer labels of shape ({batch},)"
        )
    if y.dtype.kind not in "iu":
        if y.dtype.kind == "f" and xp.all(xp.floor(y) == y):
            y = y.astype(xp.intp)
        else:
            raise ValueError(f"{who}: class labels must be integers, got dtype {y.dtype}")
    # One reduction checks both ends: seen as unsigned, a negative label is huge.
    unsigned = y if y.dtype.kind == "u" else y.view(_UNSIGNED[y.dtype.itemsize])
    if batch and xp.maximum.reduce(unsigned) >= classes:
        class_labels(y, classes, who)  # raises, naming the first label out of range
    return y


def _scores_2d(who: str, out: Tensor, what: str) -> None:
    if out.ndim != 2:
        raise ValueError(f"{who} expects {what} of shape (batch, classes), got shape {out.shape}")


# ---------------------------------------------------------------------- base class
#: What a loss's target holds, by ``Loss.targets`` (``Loss.prepare_targets`` converts to it).
TARGETS = {
    "labels": "integer class labels of shape (B,)",
    "values": "real targets shaped like the output; class labels become one-hot rows",
    "probabilities": "probabilities (0/1 labels) shaped like the output; class labels become "
    "one-hot rows",
    "signs": "labels +1/-1 (or 1/0) of a single output",
}


class Loss(Module):
    """Base of the losses: ``loss(output, target)`` -> scalar Tensor E (see module docstring).

    Each loss also says what it needs from a training loop: ``targets`` (a key of ``TARGETS``)
    is what its target holds, and ``threshold`` how a single output becomes a class (class 1
    where output > threshold: 0.5 for probabilities, 0 for scores; None for a regression loss).
    Several outputs are always read by argmax.
    """

    targets: ClassVar[str] = "values"
    threshold: ClassVar[float | None] = None

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}: reduction must be 'mean' or 'sum', got {reduction!r}"
            )
        self.reduction = reduction

    def forward(self, output: Any, target: Any) -> Tensor:  # type: ignore[override]
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, output: Any, target: Any) -> Tensor:  # type: ignore[override]
        return self.forward(output, target)

    def _scale(self, n: int) -> float:
        """1/n for reduction="mean", 1 for "sum"."""
        if self.reduction == "sum":
            return 1.0
        if n == 0:
            raise ValueError(f"{type(self).__name__}: the mean over an empty batch is undefined")
        return 1.0 / n

    def prepare_targets(self, y: Any, out_width: int, dtype: Any, who: str = "fit") -> xp.ndarray:
        """Targets of a whole dataset as this loss takes them (``prepare_targets``)."""
        return prepare_targets(y, self.targets, out_width, dtype, who)

    def predict(self, output: Any) -> xp.ndarray | None:
        """Classes read off outputs by this loss's ``threshold`` (see ``predict_classes``)."""
        return predict_classes(output, self.threshold)

    def _node(self, value: Any, out: Tensor, vjp: Any, op: str) -> Tensor:
        return make_node(xp.asarray(value, dtype=out.data.dtype), (out,), vjp, op)

    def config(self) -> dict[str, Any]:
        return {"type": type(self).__name__, "reduction": self.reduction}

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


def prepare_targets(y: Any, targets: str, out_width: int, dtype: Any, who: str) -> xp.ndarray:
    """Targets of a whole dataset as a loss taking ``targets`` (a key of ``TARGETS``) needs
    them, checked once before training.

    Labels stay labels for a "labels" loss; for the others class labels (a vector against
    several outputs) become one-hot rows, and a vector against one output a column.
    """
    y = xp.asarray(_raw(y))
    if y.dtype.kind not in "fiub":
        raise TypeError(f"{who}: targets must be numbers, got dtype {y.dtype}")
    if y.dtype.kind == "f" and not xp.all(xp.isfinite(y)):
        raise ValueError(f"{who}: the targets contain NaN or infinite values")
    if targets == "labels":
        return class_labels(y, out_width, who) if y.ndim == 1 else y.astype(dtype)
    if y.ndim == 1 and out_width > 1:
        return one_hot(class_labels(y, out_width, who), out_width).astype(dtype, copy=False)
    if y.ndim == 1 and out_width == 1:
        y = y.reshape(-1, 1)
    return y.astype(dtype)


# ---------------------------------------------------------------------- squared errors
class _SquaredError(Loss):
    """E = coef * sum (a - y)^2 / n;  dE/da = 2 coef (a - y) / n  (n set by the subclass)."""

    coef = 1.0
    op = ""

    def _count(self, a: Tensor) -> int:
        return a.shape[0] if a.ndim else 1  # examples: one per row

    def forward(self, output: Any, target: Any) -> Tensor:
        a = _output(output)
        y = _same_shape_target(type(self).__name__, target, a)
        diff = a.data - y
        k = self.coef * self._scale(self._count(a))
        value = k * sum_of_squares(diff)

        def vjp(g: Any) -> tuple[Any]:
            return (diff * (2 * k * g),)

        return self._node(value, a, vjp, self.op)


def sum_of_squares(residual: Any) -> float:
    """sum_k r_k^2 over every element of the residual r = a - y, summed in float64 (a float32
    sum overflows to inf near 3.4e38): ``QuadraticLoss`` takes ``coef`` = 1/2 of it, Nielsen's
    C_x = 1/2 ||y(x) - a^L(x)||^2 summed over the examples."""
    flat = residual.reshape(-1).astype(xp.float64, copy=False)
    return float(flat @ flat)


class QuadraticLoss(_SquaredError):
    """Nielsen's quadratic cost C = 1/(2n) sum_x ||y(x) - a(x)||^2 (the lectures' C; C_x = 1/2 ||y -
    a^L||^2 averaged over the n examples of the batch, summed over the outputs j).

    Gradient: dC/da_j(x) = (a_j(x) - y_j(x)) / n, the lectures' nabla_a C = (a^L - y) per example.
    Output and target of equal shape (B, K) or (B,). ``reduction="sum"`` drops the 1/n and keeps
    the 1/2: C = 1/2 sum_x ||y(x) - a(x)||^2.
    """

    coef = 0.5
    op = "quadratic_loss"


class MSELoss(_SquaredError):
    """PyTorch's mean squared error E = (1/N) sum_k (a_k - y_k)^2 over all N = B*K elements.

    Gradient: dE/da_k = 2 (a_k - y_k) / N. ``reduction="sum"``: E = sum_k (a_k - y_k)^2.
    Shapes (B, K) or (B,), equal.
    """

    op = "mse_loss"

    def _count(self, a: Tensor) -> int:
        return a.size  # elements


class SumOfSquaresLoss(_SquaredError):
    """The computational-graph lecture's L2 loss L = sum_i L_i, L_i = (y_i - t_i)^2 ("simply sum up
    squares"), y the computed outputs and t the targets.

    Gradient: dL/dy_i = 2 (y_i - t_i) (the lecture's dL_i/dy_i). With ``reduction="mean"`` (the
    default) L is divided by the batch size B (the sum over outputs stays); ``"sum"`` is the
    lecture's L exactly.
    """

    op = "sum_of_squares_loss"


# ---------------------------------------------------------------------- binary cross-entropy
_SIGMOID = activation("sigmoid").function


def binary_cross_entropy_with_logits(s: Any, t: Any) -> Any:
    """Per element -(t ln sigma(s) + (1 - t) ln(1 - sigma(s))) = softplus(s) - t s, an array.

    ln sigma(s) = -softplus(-s) and ln(1 - sigma(s)) = -softplus(s), softplus(z) = ln(1 + e^z).
    Computed as max(s, 0) - t s + ln(1 + e^{-|s|}): e^{-|s|} <= 1 never overflows, and taking
    max(s, 0) - t s first keeps the small remainder exact where sigma(s) rounds to 0 or 1 (at
    s = 40, t = 1 the loss is e^{-40}, not 0). The derivative in s is sigma(s) - t. The library's
    one stable cross-entropy on logits (``BCEWithLogitsLoss``; the textbook network's cost).
    """
    out = xp.maximum(s, 0) - t * s
    out += xp.log1p(xp.exp(-xp.abs(s)))
    return out


class BCELoss(Loss):
    """Binary cross-entropy on probabilities p in [0, 1] (e.g. sigmoid outputs):

        E = -sum_i (t_i ln y_i + (1 - t_i) ln(1 - y_i))    (computational-graph lecture, y = p)

    averaged over all elements with ``reduction="mean"``. As in PyTorch each logarithm is clamped at
    -100, so p = 0 or 1 gives a finite loss (at most 100 per element), and the gradient

        dE/dp = (p - t) / max(p (1 - p), 1e-12)

    stays finite. Targets t may be soft (any value in [0, 1]). Probabilities outside [0, 1] raise
    ``ValueError`` (scores belong in ``BCEWithLogitsLoss``). Shapes equal, (B, K) or (B,).
    """

    targets = "probabilities"
    threshold = 0.5


    def forward(self, output: Any, target: Any) -> Tensor:
        a = _output(output)
        t = _same_shape_target("BCELoss", target, a)
        p = a.data
        if p.size and not (p.min() >= 0 and p.max() <= 1):
            raise ValueError(
                f"BCELoss: outputs must be probabilities in [0, 1], got values in "
                f"[{p.min():.4g}, {p.max():.4g}]; for scores (logits) use BCEWithLogitsLoss"
            )
        with xp.errstate(divide="ignore"):
            log_p = xp.maximum(xp.log(p), -100)
            log_q = xp.maximum(xp.log1p(-p), -100)
        k = self._scale(p.size)
        value = -k * float((log_q + t * (log_p - log_q)).sum())

        def vjp(g: Any) -> tuple[Any]:
            return ((p - t) / xp.maximum(p * (1 - p), _BCE_EPS) * (k * g),)

        return self._node(value, a, vjp, "bce_loss")


class BCEWithLogitsLoss(Loss):
    """Binary cross-entropy on scores s, with p = sigma(s) = 1 / (1 + e^{-s}) fused in:

        E = -(t ln sigma(s) + (1 - t) ln(1 - sigma(s))) = softplus(s) - s t

    (:func:`binary_cross_entropy_with_logits`), which never overflows. Gradient:
    dE/ds = sigma(s) - t, the lecture's dE/dw_ji = (y_i - t_i) h_j before the factor h_j.
    Averaged over all elements with ``reduction="mean"``. Shapes equal, (B, K) or (B,).
    """

    targets = "probabilities"
    threshold = 0.0


    def forward(self, output: Any, target: Any) -> Tensor:
        a = _output(output)
        t = _same_shape_target("BCEWithLogitsLoss", target, a)
        s = a.data
        k = self._scale(s.size)
        value = k * float(binary_cross_entropy_with_logits(s, t).sum())

        def vjp(g: Any) -> tuple[Any]:
            return ((_SIGMOID(s) - t) * (k * g),)

        return self._node(value, a, vjp, "bce_with_logits_loss")


# ---------------------------------------------------------------------- softmax cross-entropy
def log_likelihood(parts: Shifted, q: Any) -> float:
    """-sum_x sum_c q_c(x) ln p_c(x), the log-likelihood cost summed over the examples (seed 003),
    from ``shifted_exp(z, axis)``'s pieces and targets q laid out like z (one-hot rows give the
    lectures' -sum_x ln p_{y(x)}(x)), with

        ln p_c = (z_c - m) - ln sum_c' e^{z_c' - m}

    never the logarithm of a probability that underflowed to 0."""
    return -float(xp.vdot(q, parts.shifted - xp.log(parts.total)))


class CrossEntropyLoss(Loss):
    """Softmax + negative log-likelihood on logits z of shape (B, C), as one graph node.

    With the lectures' p_c = e^{z_c} / sum_c' e^{z_c'} and one-hot codes (y_c + 1)/2 (y_c = +1 for
    the class of x_i, -1 otherwise):

        E = -sum_i sum_c ln p_c(x_i) (y_ci + 1)/2 = sum_i (logsumexp(z(x_i)) - z_{label_i}(x_i))

        dE/dz_c = -((y_c + 1)/2 - p_c) = p_c - (y_c + 1)/2

    ``reduction="mean"`` divides by B. The target is either integer labels of shape (B,) in
    [0, C) (an int array or Tensor; integral floats are accepted) or a float (B, C) array of
    probabilities q (one-hot rows, soft labels): E = -sum_i sum_c q_ic ln p_ic and
    dE/dz = p sum_c q_c - q (= p - q when the rows sum to 1; this matches PyTorch otherwise too).
    The lectures' +-1 codes are turned into one-hot rows by (y + 1) / 2; negative targets raise
    ``ValueError``. Computed with z - max(z), so logits of +-1000 give finite values and gradients.
    """

    targets = "labels"


    def forward(self, output: Any, target: Any) -> Tensor:
        z = _output(output)
        _scores_2d("CrossEntropyLoss", z, "logits")
        batch, classes = z.shape
        # Classes-major (C, B): the max and the sum over each example's C classes become
        # elementwise operations across C rows, which NumPy vectorises; reducing each of B short
        # rows of C = 10 costs 3-7x more at batch 64-256.
        parts = shifted_exp(xp.ascontiguousarray(z.data.T), axis=0)
        shifted, e, s = parts.shifted, parts.e, parts.total[0]  # s = sum_c e^{z_c - max z}
        k = self._scale(batch)
        y = _raw(target)
        if y.ndim == 2:
            q = _same_shape_target("CrossEntropyLoss", y, z)
            if q.size and q.min() < 0:
                raise ValueError(
                    "CrossEntropyLoss: probability targets must be >= 0; for the lectures' "
                    "+-1 codes y pass the one-hot rows (y + 1) / 2"
                )
            value = k * log_likelihood(parts, q.T)

            def vjp(g: Any) -> tuple[Any]:
                grad = e / s  # the softmax p, classes-major
                grad *= xp.add.reduce(q, axis=1)  # times sum_c q_c, per example
                grad = grad.T  # (B, C), a view
                grad -= q
                grad *= k * g
                return (grad,)

        else:
            # The same cost with one-hot q, its product with z - m written as indexing.
            labels = _labels("CrossEntropyLoss", y, z)
            rows = xp.arange(batch)
            value = k * float(xp.add.reduce(xp.log(s) - shifted[labels, rows]))

            def vjp(g: Any) -> tuple[Any]:
                grad = (e / s).T  # the softmax p as (B, C), a view of a fresh array
                grad[rows, labels] -= 1  # p - one-hot, without building the one-hot matrix
                grad *= k * g
                return (grad,)

        return self._node(value, z, vjp, "cross_entropy_loss")


class NLLLoss(Loss):
    """Negative log-likelihood on log-probabilities t_c = ln p_c (e.g. ``ops.log_softmax``):

        E = -sum_i t_{y_i}(x_i),    dE/dt_c(x_i) = -[c = y_i]

    Output (B, C), integer labels (B,) in [0, C); ``reduction="mean"`` divides by B.
    ``CrossEntropyLoss`` = log-softmax followed by this loss, fused.
    """

    targets = "labels"


    def forward(self, output: Any, target: Any) -> Tensor:
        t = _output(output)
        _scores_2d("NLLLoss", t, "log-probabilities")
        labels = _labels("NLLLoss", target, t)
        rows = xp.arange(t.shape[0])
        k = self._scale(t.shape[0])
        value = -k * float(t.data[rows, labels].sum())

        def vjp(g: Any) -> tuple[Any]:
            grad = xp.zeros_like(t.data)
            grad[rows, labels] = -k * g
            return (grad,)

        return self._node(value, t, vjp, "nll_loss")


# ---------------------------------------------------------------------- hinge losses
def sign_labels(y: Any, dtype: Any, who: str) -> xp.ndarray:
    """Labels y = +1 or -1 of the two classes as the hinge takes them, in ``dtype``: labels
    1/0 are accepted too, 0 read as -1; any other value raises ``ValueError`` naming it."""
    raw = xp.asarray(y)
    signs = xp.where(raw == 0, -1, raw).astype(dtype, copy=False)
    bad = xp.abs(signs) != 1
    if bad.any():
        raise ValueError(
            f"{who}: labels must be +1/-1 (or 1/0), got {raw.reshape(-1)[xp.argmax(bad)]}"
        )
    return signs


def hinge(s: Any, y: Any) -> Any:
    """Per element the hinge loss max(0, 1 - y s) of a score s with label y = +1 or -1, an array:
    0 once the example is on its side of the boundary with margin 1 (y s >= 1), and growing
    linearly with the violation. The lectures' "linear activation node + hinge loss" (seed 002),
    ``HingeLoss`` and the textbook network's hinge cost C_x = max(0, 1 - y a^L)."""
    out = 1 - y * s
    xp.maximum(out, 0, out=out)
    return out


def hinge_subgradient(s: Any, y: Any) -> Any:
    """Per element the subgradient of ``hinge`` in the score s, an array of s's dtype:

        d max(0, 1 - y s) / ds = -y where y s < 1 (the margin is violated), else 0

    (at the kink y s = 1 the subgradient 0 is used). ``HingeLoss``'s gradient and the textbook
    network's grad_a C in BP1."""
    return xp.where(y * s < 1, -y, 0).astype(s.dtype, copy=False)


class HingeLoss(Loss):
    """Binary hinge loss on scores s (shape (B,) or (B, 1)) with labels y = +1 or -1:

        E = sum_i max(0, 1 - y_i s_i),   dE/ds_i = -y_i if y_i s_i < 1 else 0

    (``hinge`` and ``hinge_subgradient``; at y s = 1 exactly the subgradient 0 is used). Labels
    0/1 are accepted too: 0 is read as -1, so the two classes are {0, 1} or {-1, +1}; other
    values raise ``ValueError`` (``sign_labels``). The target may have shape (B,) or (B, 1).
    ``reduction="mean"`` divides by B.
    """

    targets = "signs"
    threshold = 0.0


    def forward(self, output: Any, target: Any) -> Tensor:
        a = _output(output)
        if not (a.ndim == 1 or (a.ndim == 2 and a.shape[1] == 1)):
            raise ValueError(
                f"HingeLoss expects scores of shape (batch,) or (batch, 1), got {a.shape}"
            )
        raw = _raw(target)
        if raw.ndim not in (1, 2) or raw.size != a.shape[0] or raw.shape[0] != a.shape[0]:
            raise ValueError(
                f"HingeLoss: target of shape {raw.shape} does not match output of shape "
                f"{a.shape}; expected labels of shape ({a.shape[0]},) or ({a.shape[0]}, 1)"
            )
        y = sign_labels(raw, a.data.dtype, "HingeLoss").reshape(a.shape)
        s = a.data
        k = self._scale(a.shape[0])
        value = k * float(hinge(s, y).sum())

        def vjp(g: Any) -> tuple[Any]:
            return (hinge_subgradient(s, y) * (k * g),)

        return self._node(value, a, vjp, "hinge_loss")


class MultiMarginLoss(Loss):
    """Multiclass hinge loss (Weston-Watkins; PyTorch's ``MultiMarginLoss`` with p=1) on scores s
    of shape (B, C) and integer labels y (B,):

        E_i = (1/C) sum_{j != y_i} max(0, margin - s_{y_i} + s_j)

        dE_i/ds_j = [margin - s_y + s_j > 0] / C (j != y),   dE_i/ds_y = -sum_{j != y} of those

    ``margin`` defaults to 1; ``reduction="mean"`` divides by B.
    """

    targets = "labels"


    def __init__(self, reduction: str = "mean", margin: float = 1.0) -> None:
        super().__init__(reduction)
        self.margin = float(margin)

    def forward(self, output: Any, target: Any) -> Tensor:
        s = _output(output)
        _scores_2d("MultiMarginLoss", s, "scores")
        labels = _labels("MultiMarginLoss", target, s)
        batch, classes = s.shape
        rows = xp.arange(batch)
        m = (self.margin - s.data[rows, labels])[:, None] + s.data
        m[rows, labels] = 0
        active = m > 0
        k = self._scale(batch) / classes
        value = k * float(m[active].sum())

        def vjp(g: Any) -> tuple[Any]:
            grad = active.astype(s.data.dtype)
            grad[rows, labels] = -active.sum(axis=1)
            grad *= k * g
            return (grad,)

        return self._node(value, s, vjp, "multi_margin_loss")

    def config(self) -> dict[str, Any]:
        return {**super().config(), "margin": self.margin}

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, margin={self.margin}"


# ---------------------------------------------------------------------- accuracy
def predict_classes(output: Any, threshold: float | None) -> xp.ndarray | None:
    """Classes read off outputs: argmax over several, ``output > threshold`` for a single one
    (0.5 for probabilities, 0 for scores); None for one output without a threshold (regression)."""
    output = xp.asarray(_raw(output))
    if output.ndim == 2 and output.shape[1] > 1:
        return output.argmax(axis=1)
    if threshold is None:
        return None
    return (output.reshape(-1) > threshold).astype(xp.int64)


#: The output activations a classifier's last layer may have, for ``decision_threshold``.
OUTPUT_ACTIVATIONS = ("sigmoid", "softmax", "none")


def decision_threshold(loss: Loss | None, output_activation: str = "none") -> float:
    """How a single output of a classifier trained with ``loss`` becomes a class (class 1 where
    output > this), given the network's output activation (one of ``OUTPUT_ACTIVATIONS``).

    A probability, from a sigmoid output, is read at 0.5; so is the output of a squared error
    fitted to the labels 0 and 1 (the midpoint between them); a score without an output
    activation is read at its loss's own threshold (0 for ``BCEWithLogitsLoss`` and
    ``HingeLoss``, 0.5 for ``BCELoss``). Several outputs are read by argmax whatever this says
    (``predict_classes``). ``backprop train`` and ``backprop evaluate`` both read a model this
    way, from the loss and output activation saved in its file. Without a loss (a model saved
    by ``backprop.save`` alone) a single output is a probability after a sigmoid, else a score
    read at 0.
    """
    if output_activation not in OUTPUT_ACTIVATIONS:
        raise ValueError(
            f"unknown output activation {output_activation!r}; choose one of "
            f"{', '.join(OUTPUT_ACTIVATIONS)}"
        )
    if output_activation == "sigmoid":
        return 0.5
    if loss is None:
        return 0.0
    return 0.5 if loss.threshold is None else loss.threshold


def accuracy(output: Any, target: Any, threshold: float | None) -> float | None:
    """The fraction of examples classified correctly; the library's one accuracy.

    Predictions come from ``predict_classes`` (a loss's or a network's ``threshold``). The true
    class: the label itself, the argmax of a target row shaped like the output, or for a single
    output ``target > 0.5`` (labels 0/1, -1/+1 and probabilities alike). None when there is no
    class to compare (regression).
    """
    predicted = predict_classes(output, threshold)
    target = xp.asarray(_raw(target))
    if predicted is None:
        return None
    if predicted.size != len(target):
        raise ValueError(f"accuracy: {predicted.size} outputs but {len(target)} targets")
    if target.ndim == 2 and target.shape[1] > 1:
        truth = target.argmax(axis=1)
    elif xp.ndim(output) == 2 and xp.shape(output)[1] > 1:
        truth = target.reshape(-1)
    else:
        truth = target.reshape(-1) > 0.5
    return float(xp.mean(predicted == truth))


# ---------------------------------------------------------------------- registry
LOSSES: dict[str, type[Loss]] = {
    "quadratic": QuadraticLoss,
    "mse": MSELoss,
    "sum_of_squares": SumOfSquaresLoss,
    "bce": BCELoss,
    "bce_with_logits": BCEWithLogitsLoss,
    "cross_entropy": CrossEntropyLoss,
    "nll": NLLLoss,
    "hinge": HingeLoss,
    "multi_margin": MultiMarginLoss,
}

_BY_CLASS_NAME = {cls.__name__.lower(): cls for cls in LOSSES.values()}


def loss_function(name: str | dict[str, Any] | Loss, **kwargs: Any) -> Loss:
    """A loss by name ("cross_entropy", ...; the class name "CrossEntropyLoss" works too), or
    rebuilt from its ``config()`` dict. Keyword arguments go to the constructor (``reduction``,
    ``margin``). A ``Loss`` instance is returned as it is.
    """
    if isinstance(name, Loss):
        return name
    if isinstance(name, dict):
        kwargs = {**{k: v for k, v in name.items() if k != "type"}, **kwargs}
        name = name.get("type", "")
    if not isinstance(name, str):
        raise TypeError(f"loss_function: expected a loss name, got {type(name).__name__}")
    key = name.strip().lower().replace("-", "_")
    cls = LOSSES.get(key) or _BY_CLASS_NAME.get(key)
    if cls is None:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}")
    return cls(**kwargs)


__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "HingeLoss",
    "LOSSES",
    "Loss",
    "MSELoss",
    "MultiMarginLoss",
    "NLLLoss",
    "QuadraticLoss",
    "SumOfSquaresLoss",
    "TARGETS",
    "OUTPUT_ACTIVATIONS",
    "accuracy",
    "binary_cross_entropy_with_logits",
    "decision_threshold",
    "hinge",
    "hinge_subgradient",
    "log_likelihood",
    "loss_function",
    "predict_classes",
    "prepare_targets",
    "sign_labels",
    "sum_of_squares",
]
