"""Rosenblatt's perceptron: one threshold unit and its learning rule (seed 003).

With the bias folded into the weights (``x_0 = 1``, ``theta_0`` = bias) the unit predicts

    y_hat = f(theta^T x),    f(s) = 1 if s > 0 else 0      (Heaviside step)

The tie ``theta^T x = 0`` goes to class 0, exactly as the lecture's ``output = 0 if w.x + b <= 0``
(seed 004), so the all-zero starting ``theta`` misclassifies every example and learning starts at
once. Inside, the two classes are ``y = -1`` and ``y = +1``; an example is misclassified when
``y theta^T x <= 0``, and the perceptron rule moves ``theta`` towards it:

    theta^(i) = theta^(i-1) + alpha * sum_{x_n in M} y_n x_n,     M = misclassified examples

``mode="batch"`` applies that rule literally: one update per epoch, summed over every example the
current ``theta`` misclassifies. ``mode="online"`` is Rosenblatt's original form: visit the
examples one at a time and update at once, ``theta <- theta + alpha y_n x_n``, on each mistake.
Both stop after an epoch with no mistakes and both reach one on linearly separable data (the
perceptron convergence theorem); on data that no hyperplane separates, such as XOR, they cannot.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .data._checks import check_inputs, label_vector
from .rng import get_rng

__all__ = ["Perceptron", "PerceptronNotConverged"]


class PerceptronNotConverged(UserWarning):
    """The perceptron still misclassified examples after ``max_epochs`` epochs."""


class Perceptron:
    """A single threshold unit trained with the perceptron rule, in the scikit-learn style.

    Parameters (stored as given; ``fit`` does the work):

    - ``lr``: the step ``alpha`` of the rule ``theta <- theta + alpha sum_{x_n in M} y_n x_n``.
    - ``max_epochs``: passes over the data before giving up (with a ``PerceptronNotConverged``
      warning).
    - ``labels``: ``"auto"`` takes the two distinct values in ``y``, sorted; the first is the
      negative class (0 or -1), the second the positive class. A pair ``(negative, positive)``
      fixes them instead (then ``y`` may hold only one of them).
    - ``seed``: int, Generator or None (library-wide generator), used only when ``shuffle``.
    - ``shuffle``: visit the examples in a fresh random order each epoch (online mode; the batch
      sum does not depend on order).
    - ``mode``: ``"batch"`` (seed 003's sum over the misclassified set) or ``"online"``.

    Learned attributes: ``theta_`` (d+1,) with the bias first, ``coef_`` = ``theta_[1:]``,
    ``intercept_`` = ``theta_[0]``, ``classes_`` (negative, positive), ``n_epochs_``,
    ``converged_`` and ``errors_`` (the number of misclassified examples in each epoch).
    """

    def __init__(
        self,
        lr: float = 1.0,
        max_epochs: int = 100,
        labels: str | Sequence[Any] = "auto",
        seed: int | np.random.Generator | None = None,
        shuffle: bool = False,
        mode: str = "batch",
    ) -> None:
        self.lr = lr
        self.max_epochs = max_epochs
        self.labels = labels
        self.seed = seed
        self.shuffle = shuffle
        self.mode = mode

    def __repr__(self) -> str:
        return (
            f"Perceptron(lr={self.lr!r}, max_epochs={self.max_epochs!r}, labels={self.labels!r}, "
            f"seed={self.seed!r}, shuffle={self.shuffle!r}, mode={self.mode!r})"
        )

    # --- checking -------------------------------------------------------------------------------

    def _check_params(self) -> None:
        if self.mode not in ("batch", "online"):
            raise ValueError(f"unknown mode {self.mode!r}; valid names: 'batch', 'online'")
        if not self.lr > 0:
            raise ValueError(f"lr (the step alpha) must be positive; got {self.lr!r}")
        if not isinstance(self.max_epochs, (int, np.integer)) or self.max_epochs < 1:
            raise ValueError(f"max_epochs must be a positive integer; got {self.max_epochs!r}")

    def _classes(self, y: np.ndarray) -> np.ndarray:
        found = np.unique(y)
        if isinstance(self.labels, str):
            if self.labels != "auto":
                raise ValueError(
                    f"labels must be 'auto' or a pair (negative, positive); got {self.labels!r}"
                )
            if len(found) != 2:
                raise ValueError(
                    f"the perceptron separates two classes, but y holds {len(found)} distinct "
                    f"label(s): {found.tolist()}"
                )
            return found
        classes = np.asarray(self.labels)
        if classes.shape != (2,) or classes[0] == classes[1]:
            raise ValueError(
                f"labels must be two distinct values (negative, positive); got {self.labels!r}"
            )
        unknown = np.setdiff1d(found, classes)
        if len(unknown):
            raise ValueError(
                f"y holds labels {found.tolist()}, but labels={self.labels!r} allows only "
                f"{classes.tolist()}"
            )
        return classes

    # --- learning -------------------------------------------------------------------------------

    def fit(self, X: ArrayLike, y: ArrayLike) -> Perceptron:
        """Learn theta with the perceptron rule until an epoch has no mistakes or ``max_epochs``."""
        self._check_params()
        X = check_inputs(X, np.float64, "Perceptron")
        y = label_vector(y, len(X), "Perceptron")
        self.classes_ = self._classes(y)
        t = np.where(y == self.classes_[1], 1.0, -1.0)  # y_n in {-1, +1}
        Xb = np.hstack([np.ones((len(X), 1)), X])  # x_0 = 1 carries the bias theta_0
        theta = np.zeros(Xb.shape[1])
        rng = get_rng(self.seed) if self.shuffle else None
        self.errors_: list[int] = []
        self.converged_ = False
        for _ in range(self.max_epochs):
            if self.mode == "batch":
                wrong = t * (Xb @ theta) <= 0  # M: misclassified by the current theta
                theta += self.lr * (t[wrong] @ Xb[wrong])  # theta += alpha sum_{x_n in M} y_n x_n
                mistakes = int(wrong.sum())
            else:
                mistakes = 0
                order = rng.permutation(len(Xb)) if rng is not None else range(len(Xb))
                for n in order:
                    if t[n] * (Xb[n] @ theta) <= 0:
                        theta += self.lr * t[n] * Xb[n]  # theta += alpha y_n x_n
                        mistakes += 1
            self.errors_.append(mistakes)
            if mistakes == 0:
                self.converged_ = True
                break
        self.n_epochs_ = len(self.errors_)
        self.theta_ = theta
        self.coef_ = theta[1:]
        self.intercept_ = float(theta[0])
        if not self.converged_:
            warnings.warn(
                f"the perceptron did not converge in {self.max_epochs} epochs ({self.errors_[-1]} "
                f"of {len(X)} examples misclassified in the last one): the data is probably not "
                f"linearly separable, so no threshold unit classifies it perfectly (XOR is the "
                f"classic case; a network with a hidden layer can learn it)",
                PerceptronNotConverged,
                stacklevel=2,
            )
        return self

    # --- using ----------------------------------------------------------------------------------

    def _fitted(self) -> None:
        if not hasattr(self, "theta_"):
            raise ValueError("this Perceptron is not fitted yet; call fit(X, y) first")

    def decision_function(self, X: ArrayLike) -> np.ndarray:
        """theta^T x = w . x + b for each row of X (positive means the positive class)."""
        self._fitted()
        X = check_inputs(X, np.float64, "Perceptron", n_features=len(self.coef_))
        return X @ self.coef_ + self.intercept_

    def predict(self, X: ArrayLike) -> np.ndarray:
        """f(theta^T x) in the labels of the training data: positive class where theta^T x > 0."""
        return np.where(self.decision_function(X) > 0, self.classes_[1], self.classes_[0])

    def score(self, X: ArrayLike, y: ArrayLike) -> float:
        """Accuracy: the fraction of examples whose predicted label equals y."""
        return float(np.mean(self.predict(X) == np.asarray(y)))
