"""scikit-learn estimators around backprop networks: ``MLPClassifier`` and ``MLPRegressor``.

They take the hyperparameters of ``sklearn.neural_network.MLPClassifier`` / ``MLPRegressor`` (same
names, same defaults) and train a ``backprop.nn.mlp`` network with ``backprop.fit``, the library's
one training loop, so they work in ``Pipeline``, ``GridSearchCV``, ``cross_val_score`` and pass
``sklearn.utils.estimator_checks.check_estimator``::

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from backprop.sklearn import MLPClassifier

    clf = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(64,), random_state=0))
    clf.fit(X_train, y_train).score(X_test, y_test)

How the estimators map onto the library (and where they differ from scikit-learn's):

* Network: ``nn.mlp([n_features, *hidden_layer_sizes, n_outputs], activation)`` returning scores;
  weights initialised by the library ("he" for ReLU, "xavier" otherwise), not sklearn's Glorot
  uniform variant. Computations in float32 by default (``dtype="float64"`` for double precision).
* Outputs and losses: multiclass uses softmax with ``nn.CrossEntropyLoss`` (the mean
  log-loss, sklearn's ``log_loss``); binary classification uses *one* logistic output unit with
  ``nn.BCEWithLogitsLoss`` (sklearn's ``binary_log_loss``, same coefficient shapes);
  regression uses identity outputs with ``nn.QuadraticLoss`` C = 1/(2B) sum_x ||y - a||^2, which
  is sklearn's ``squared_loss`` for one output and sums over the outputs (instead of averaging)
  for several.
* ``alpha`` (L2): sklearn adds alpha/(2 m) ||W||^2 to the cost of a mini-batch of m examples
  (biases not penalised). Here that is ``nn.L2(lmbda=alpha / m)`` with m the nominal batch size
  (so the last, smaller batch of an epoch is penalised like a full one). ``loss_`` and
  ``loss_curve_`` include the penalty, as in sklearn.
* Convergence: sklearn's test, run as a ``backprop.fit`` callback after every epoch: training
  stops once the epoch cost has failed to drop below (best cost so far) - ``tol`` for more than
  ``n_iter_no_change`` consecutive epochs (``history_.stop_reason == "tol"``). Reaching
  ``max_iter`` first emits sklearn's ``ConvergenceWarning``. With ``learning_rate="adaptive"``
  (solver "sgd") the same test divides the rate by 5 instead, and stops only once it is <= 1e-6.
  (``backprop.fit``'s own ``tol`` test, a single epoch with |C - C_prev| < tol, is not used: with
  mini-batch noise it fires by chance long before convergence, e.g. after 36 epochs on
  ``make_moons`` where sklearn's rule trains for 200 and cross-validates 7 points better.)
* Early stopping: a stratified (classifier) ``validation_fraction`` split as in sklearn; training
  stops after ``n_iter_no_change`` epochs without a lower validation *cost* (``fit``'s
  ``patience``) and the weights of the best epoch are restored. ``validation_scores_`` holds
  sklearn's score (accuracy, R^2) on the validation set per epoch.
* ``learning_rate="invscaling"`` is ``optim.InverseScalingLR``: eta_0 / t^power_t with t counting
  epochs (sklearn counts samples seen).
* Not supported: ``solver="lbfgs"``, ``sample_weight``, sparse input (pass ``X.toarray()``),
  multi-label classification.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from .activations import ACTIVATIONS, activation, log_softmax, softmax
from .nn.activations import mlp
from .nn.losses import BCEWithLogitsLoss, CrossEntropyLoss, Loss, QuadraticLoss
from .nn.module import Module
from .nn.regularization import L2
from .optim import SGD, Adam, InverseScalingLR, Optimizer
from .tensor import Tensor, no_grad
from .train import History
from .train import fit as train_fit

__all__ = ["MLPClassifier", "MLPRegressor"]

# Every name of the activation table ("logistic" is sklearn's alias of the sigmoid).
_ACTIVATIONS = {name: row.name for row in ACTIVATIONS.values() for name in row.names}
_SIGMOID = activation("sigmoid").function
_SOFTPLUS = activation("softplus").function
_SOLVERS = ("adam", "sgd")
_LEARNING_RATES = ("constant", "invscaling", "adaptive")
_PREDICT_CHUNK = 8192  # rows per forward pass at prediction time
_SEED_MAX = np.iinfo(np.int32).max


def _is_int(x: Any) -> bool:
    return isinstance(x, Integral) and not isinstance(x, bool)


def _is_real(x: Any) -> bool:
    return isinstance(x, Real) and not isinstance(x, bool) and math.isfinite(float(x))


class _BaseMLP(BaseEstimator):
    """Hyperparameters, validation and the training driver shared by both estimators."""

    def __init__(
        self,
        hidden_layer_sizes: int | tuple[int, ...] = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 1e-4,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 1e-3,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | None = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        dtype: str = "float32",
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.dtype = dtype

    # ------------------------------------------------------------------ subclass hooks
    def _targets(self, y: np.ndarray, first_pass: bool, classes: Any) -> tuple[np.ndarray, int]:
        """The targets as ``backprop.fit`` wants them, and the number of output units."""
        raise NotImplementedError

    def _loss(self) -> Loss:
        raise NotImplementedError

    def _validation_score(self, X: np.ndarray, y: np.ndarray) -> float:
        raise NotImplementedError

    def _validate_xy(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    # ------------------------------------------------------------------ hyperparameters
    def _check_params(self) -> tuple[list[int], np.dtype]:
        """Check every hyperparameter (sklearn convention: in fit, not in __init__)."""
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if _is_int(sizes) else sizes
        try:
            sizes = list(sizes)
        except TypeError:
            sizes = None
        if sizes is None or not all(_is_int(n) and n > 0 for n in sizes):
            raise ValueError(
                f"hidden_layer_sizes must be a positive integer or a sequence of positive "
                f"integers, got {self.hidden_layer_sizes!r}"
            )
        if self.activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(_ACTIVATIONS)}, got {self.activation!r}"
            )
        if self.solver not in _SOLVERS:
            hint = " (lbfgs is not available here)" if self.solver == "lbfgs" else ""
            raise ValueError(f"solver must be 'adam' or 'sgd', got {self.solver!r}{hint}")
        if self.learning_rate not in _LEARNING_RATES:
            raise ValueError(
                f"learning_rate must be one of {_LEARNING_RATES}, got {self.learning_rate!r}"
            )
        if not (self.batch_size == "auto" or (_is_int(self.batch_size) and self.batch_size >= 1)):
            raise ValueError(
                f"batch_size must be 'auto' or a positive integer, got {self.batch_size!r}"
            )
        for name, low, high, closed_low in (
            ("alpha", 0.0, None, True),
            ("learning_rate_init", 0.0, None, False),
            ("power_t", 0.0, None, True),
            ("tol", 0.0, None, True),
            ("momentum", 0.0, 1.0, True),
            ("validation_fraction", 0.0, 1.0, False),
            ("beta_1", 0.0, 1.0, True),
            ("beta_2", 0.0, 1.0, True),
            ("epsilon", 0.0, None, False),
        ):
            value = getattr(self, name)
            ok = _is_real(value) and (value >= low if closed_low else value > low)
            if ok and high is not None:
                ok = value <= high if name == "momentum" else value < high
            if not ok:
                lo = "[" if closed_low else "("
                hi = "inf)" if high is None else ("1]" if name == "momentum" else "1)")
                raise ValueError(f"{name} must be a number in {lo}{low:g}, {hi}, got {value!r}")
        for name in ("max_iter", "n_iter_no_change"):
            value = getattr(self, name)
            if not (_is_int(value) and value >= 1):
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")
        try:
            dtype = np.dtype(self.dtype)
        except TypeError:
            dtype = None
        if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}")
        return [int(n) for n in sizes], dtype

    # ------------------------------------------------------------------ building blocks
    def _new_optimizer(self) -> tuple[Optimizer, Any]:
        params = self.model_.parameters()
        if self.solver == "adam":
            opt: Optimizer = Adam(
                params,
                lr=float(self.learning_rate_init),
                betas=(float(self.beta_1), float(self.beta_2)),
                eps=float(self.epsilon),
            )
            return opt, None
        momentum = float(self.momentum)
        opt = SGD(
            params,
            lr=float(self.learning_rate_init),
            momentum=momentum,
            nesterov=bool(self.nesterovs_momentum) and momentum > 0,
        )
        if self.learning_rate == "invscaling":
            return opt, InverseScalingLR(opt, power_t=float(self.power_t))
        return opt, None

    def _batch(self, n: int) -> int:
        if self.batch_size == "auto":
            return min(200, n)
        if self.batch_size > n:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is going to be "
                "clipped",
                UserWarning,
                stacklevel=4,
            )
        return int(min(self.batch_size, n))

    def _convergence_callback(self, stop: bool) -> Callable[[int, dict[str, float]], bool]:
        """sklearn's convergence test as a ``backprop.fit`` callback.

        An epoch whose cost C is not below (best C so far) - tol counts as "no improvement".
        After more than ``n_iter_no_change`` such epochs in a row, learning_rate="adaptive"
        (solver "sgd") divides the rate by 5 and carries on while it is above 1e-6; otherwise
        training stops (returns True) if ``stop``.
        """
        adaptive = self.solver == "sgd" and self.learning_rate == "adaptive"

        def callback(epoch: int, logs: dict[str, float]) -> bool:
            loss = logs["loss"]
            if loss > self._best_train_loss - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            self._best_train_loss = min(self._best_train_loss, loss)
            if self._no_improvement_count <= self.n_iter_no_change:
                return False
            msg = (
                f"Training loss did not improve more than tol={self.tol:f} for "
                f"{self.n_iter_no_change} consecutive epochs."
            )
            if adaptive and self._optimizer.lr > 1e-6:
                self._optimizer.lr /= 5.0
                self._no_improvement_count = 0
                if self.verbose:
                    print(f"{msg} Setting learning rate to {self._optimizer.lr:f}")
                return False
            if not stop:
                self._no_improvement_count = 0
                return False
            if self.verbose:
                small = " Learning rate too small." if adaptive else ""
                print(f"{msg}{small} Stopping.")
            self._converged = True
            return True

        return callback

    def _forward(self, X: np.ndarray) -> np.ndarray:
        """The network's outputs (scores) for validated X, as float64, in chunks, no graph.

        The forward pass runs in float64 whatever the weights' dtype (NumPy promotes X W^T to
        float64): a float32 product's last bit depends on how many rows BLAS multiplies at once,
        so predictions would change when the same row is predicted inside another batch.
        """
        X = np.asarray(X, dtype=np.float64)
        model = self.model_
        model.eval()
        outs = []
        with no_grad():
            for start in range(0, len(X), _PREDICT_CHUNK):
                outs.append(model(Tensor(X[start : start + _PREDICT_CHUNK])).data)
        model.train()
        out = np.concatenate(outs) if outs else np.empty((0, self.n_outputs_), self._dtype)
        return out.astype(np.float64)

    # ------------------------------------------------------------------ training driver
    def _fit(self, X: Any, y: Any, *, incremental: bool, classes: Any = None) -> _BaseMLP:
        sizes, dtype = self._check_params()
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        fitted = hasattr(self, "model_")
        first_pass = not fitted or not (self.warm_start or incremental)
        X, y = self._validate_xy(X, y, reset=first_pass)
        y_fit, n_out = self._targets(y, first_pass, classes)
        if not first_pass and dtype != self._dtype:
            raise ValueError(
                f"dtype changed from {self._dtype} to {dtype}; refit with warm_start=False"
            )

        if first_pass:
            self._random = check_random_state(self.random_state)
            self._dtype = dtype
            self.n_outputs_ = n_out
            self.n_layers_ = len(sizes) + 2
            self.model_: Module = mlp(
                [X.shape[1], *sizes, n_out],
                activation=_ACTIVATIONS[self.activation],
                output="identity",
                seed=int(self._random.randint(_SEED_MAX)),
                dtype=dtype.name,
            )
            self.n_iter_ = 0
            self.t_ = 0
            self.loss_curve_: list[float] = []
            self.history_ = History()
            self.best_loss_: float | None = None if self.early_stopping else math.inf
            self.validation_scores_: list[float] | None = [] if self.early_stopping else None
            self.best_validation_score_: float | None = None
        elif not incremental:  # warm start: a fresh random stream, as a fresh fit would have
            self._random = check_random_state(self.random_state)
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer, self._scheduler = self._new_optimizer()
            self._rng = np.random.default_rng(int(self._random.randint(_SEED_MAX)))

        # Early stopping: sklearn's split, stratified for classifiers.
        X_val = y_val = y_val_raw = None
        if self.early_stopping:
            stratify = y if isinstance(self, ClassifierMixin) else None
            X, X_val, y_fit, y_val, _, y_val_raw = train_test_split(
                X,
                y_fit,
                y,
                random_state=self._random,
                test_size=self.validation_fraction,
                stratify=stratify,
            )
            if X_val.shape[0] < 2:
                raise ValueError(
                    "The validation set is too small. Increase 'validation_fraction' or the "
                    "size of your dataset."
                )

        n = X.shape[0]
        batch = self._batch(n)
        callbacks: list[Callable[[int, dict[str, float]], Any]] = []
        scores: list[float] = []
        if X_val is not None:

            def score_validation(epoch: int, logs: dict[str, float]) -> None:
                scores.append(self._validation_score(X_val, y_val_raw))

            callbacks.append(score_validation)
        if self.verbose:
            start = self.n_iter_

            def report(epoch: int, logs: dict[str, float]) -> None:
                print(f"Iteration {start + epoch}, loss = {logs['loss']:.8f}")
                if scores:
                    print(f"Validation score: {scores[-1]:f}")

            callbacks.append(report)
        # sklearn's tol / n_iter_no_change test on the training cost (its counters carry over
        # between partial_fit calls); with early stopping only the adaptive rate uses it.
        if not incremental or not hasattr(self, "_no_improvement_count"):
            self._best_train_loss, self._no_improvement_count = math.inf, 0
        self._converged = False
        callbacks.append(self._convergence_callback(stop=not self.early_stopping))

        history = train_fit(
            self.model_,
            X,
            y_fit,
            loss=self._loss(),
            optimizer=self._optimizer,
            epochs=1 if incremental else int(self.max_iter),
            batch_size=batch,
            validation=None if X_val is None else (X_val, y_val),
            patience=None if X_val is None else int(self.n_iter_no_change),
            shuffle=bool(self.shuffle),
            seed=self._rng,
            callbacks=callbacks,
            progress=False,
            regularization=L2(float(self.alpha) / batch) if self.alpha > 0 else None,
            scheduler=self._scheduler,
        )
        if history.stop_reason == "callback" and self._converged:
            history.stop_reason = "tol"
        self._record(history, scores, n)
        if not incremental and history.stop_reason == "epochs":
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                f"optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return self

    def _record(self, history: History, scores: list[float], n: int) -> None:
        """Fold one ``backprop.fit`` run into the fitted attributes (sklearn's names)."""
        self.n_iter_ += history.epochs_run
        self.t_ += n * history.epochs_run
        self.loss_curve_.extend(history.loss)
        self.loss_ = self.loss_curve_[-1]
        total = self.history_
        for f in dataclasses.fields(History):  # the per-epoch lists: loss, val_loss, lr, ...
            if isinstance(getattr(history, f.name), list):
                getattr(total, f.name).extend(getattr(history, f.name))
        if history.best_epoch is not None:
            total.best_epoch = total.epochs_run + history.best_epoch
        total.epochs_run += history.epochs_run
        total.seconds += history.seconds
        total.stop_reason = history.stop_reason
        if self.early_stopping and self.validation_scores_ is not None:
            self.validation_scores_.extend(scores)
            if history.best_epoch is not None:  # the epoch whose weights were kept
                self.best_validation_score_ = scores[history.best_epoch - 1]
        else:
            self.best_loss_ = min(self.loss_curve_)

    # ------------------------------------------------------------------ public
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weight matrices in sklearn's layout: ``coefs_[i]`` has shape (n_in_i, n_out_i)."""
        check_is_fitted(self, "model_")
        return [p.data.T.copy() for name, p in self.model_.named_parameters() if "weight" in name]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Bias vectors: ``intercepts_[i]`` has shape (n_out_i,)."""
        check_is_fitted(self, "model_")
        return [p.data.copy() for name, p in self.model_.named_parameters() if "bias" in name]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags


_PARAMETERS = """
    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Number of neurons of each hidden layer.
    activation : {"relu", "tanh", "logistic", "identity", ...}, default="relu"
        Hidden-unit nonlinearity: sklearn's four ("logistic" is the sigmoid) and every other name
        of ``backprop.activations`` (e.g. "leaky_relu", "softplus", "elu").
    solver : {"adam", "sgd"}, default="adam"
        ``backprop.optim.Adam`` or ``backprop.optim.SGD`` (with momentum, Nesterov).
    alpha : float, default=1e-4
        L2 penalty, sklearn's convention alpha/(2 m) ||W||^2 per mini-batch of m examples,
        i.e. ``nn.L2(alpha / batch_size)``; biases are not penalised.
    batch_size : int or "auto", default="auto"
        Mini-batch size; "auto" is min(200, n_samples). Larger values are clipped with a warning.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Schedule for solver="sgd" (see the module docstring).
    learning_rate_init : float, default=1e-3
        Initial step size eta.
    power_t : float, default=0.5
        Exponent of "invscaling": eta_0 / t^power_t, t = epoch number.
    max_iter : int, default=200
        Number of epochs (passes over the data) at most.
    shuffle : bool, default=True
        Shuffle the examples before every epoch.
    random_state : int, RandomState or None, default=None
        Seeds the initial weights, the shuffles and the early-stopping split.
    tol : float, default=1e-4
        Convergence tolerance: an epoch "improves" when its cost is below the best so far
        minus tol (see ``n_iter_no_change``).
    verbose : bool, default=False
        Print the cost of every epoch.
    warm_start : bool, default=False
        Continue from the previous fit's weights (with a fresh optimizer) instead of
        reinitialising.
    momentum : float, default=0.9
        Momentum of solver="sgd".
    nesterovs_momentum : bool, default=True
        Nesterov momentum for solver="sgd" (when momentum > 0).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop after ``n_iter_no_change`` epochs
        without a lower validation cost, keeping the best epoch's weights.
    validation_fraction : float, default=0.1
        Fraction held out for early stopping.
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's moment decay rates and denominator term.
    n_iter_no_change : int, default=10
        Training stops (or, with learning_rate="adaptive", the rate drops 5-fold) after more
        than this many epochs in a row without improvement by tol; with early stopping, the
        number of epochs without a lower validation cost before training stops.
    dtype : {"float32", "float64"}, default="float32"
        Precision of the network's weights and computations.
"""

_ATTRIBUTES = """
    Attributes
    ----------
    model_ : backprop.nn.Sequential
        The trained network (returns scores; save it with ``backprop.save``).
    coefs_, intercepts_ : list of ndarray
        Copies of the weights (shape (n_in, n_out), sklearn's layout) and biases per layer.
    n_features_in_ : int
        Number of input features; ``feature_names_in_`` too when X had string column names.
    n_outputs_ : int
        Number of output units.
    n_layers_ : int
        Number of layers, input and output included.
    n_iter_ : int
        Epochs run (accumulated over ``partial_fit`` calls and warm starts).
    t_ : int
        Training examples seen.
    loss_ : float
        Cost of the last epoch (penalty included).
    loss_curve_ : list of float
        Cost per epoch.
    best_loss_ : float or None
        Lowest epoch cost (None with early stopping, as in sklearn).
    validation_scores_ : list of float or None
        Score on the validation set per epoch with early stopping, else None.
    best_validation_score_ : float or None
        Validation score of the epoch whose weights were kept (early stopping), else None.
    history_ : backprop.History
        ``backprop.fit``'s record of the same epochs as ``loss_curve_`` (validation costs,
        accuracies, learning rates, why training stopped).
"""


class MLPClassifier(ClassifierMixin, _BaseMLP):
    __doc__ = (
        """A multilayer perceptron classifier trained by backpropagation (``backprop.fit``).

    Drop-in for ``sklearn.neural_network.MLPClassifier`` (solvers "adam" and "sgd"). Labels may be
    any values (strings too); they are kept in ``classes_``. Two classes use a single logistic
    output unit with ``BCEWithLogitsLoss`` (``predict_proba`` = [1 - sigmoid(s), sigmoid(s)]),
    more classes a softmax output with ``CrossEntropyLoss``.
"""
        + _PARAMETERS
        + _ATTRIBUTES
        + """    classes_ : ndarray
        The class labels, sorted.
    out_activation_ : str
        "logistic" (binary) or "softmax" (multiclass).

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> from backprop.sklearn import MLPClassifier
    >>> X, y = make_moons(200, noise=0.1, random_state=0)
    >>> clf = MLPClassifier((16, 16), learning_rate_init=0.01, random_state=0).fit(X, y)
    >>> clf.score(X, y), clf.n_iter_ < clf.max_iter
    (1.0, True)
    >>> clf.predict_proba(X[:2]).shape, clf.loss_curve_[-1] < clf.loss_curve_[0]
    ((2, 2), True)
"""
    )

    def _validate_xy(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        X, y = validate_data(self, X, y, reset=reset, dtype=(np.float64, np.float32))
        check_classification_targets(y)
        return X, y

    def _targets(self, y: np.ndarray, first_pass: bool, classes: Any) -> tuple[np.ndarray, int]:
        if classes is not None:
            classes = np.unique(np.asarray(classes))
        if first_pass:
            if classes is None:
                classes = np.unique(y)
            if type_of_target(classes) not in ("binary", "multiclass") and len(classes) > 1:
                raise ValueError(f"classes must be class labels, got {classes!r}")
            if len(classes) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs examples of at least 2 classes, got "
                    f"{len(classes)} class: {classes!r}"
                )
            self.classes_ = classes
            self.out_activation_ = "logistic" if len(classes) == 2 else "softmax"
        else:
            if classes is not None and not np.array_equal(classes, self.classes_):
                raise ValueError(
                    f"`classes={classes!r}` is not the same as on the first call to "
                    f"partial_fit, was: {self.classes_!r}"
                )
            if classes is None and not hasattr(self, "classes_"):
                raise ValueError("classes must be passed on the first call to partial_fit.")
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if unseen.size:
            if first_pass or classes is not None:
                raise ValueError(f"y has labels not in classes: {unseen!r}")
            raise ValueError(
                f"warm_start / partial_fit can only be used where `y` has the same classes as "
                f"in the first fit: {self.classes_!r}; `y` has the new labels {unseen!r}"
            )
        codes = np.searchsorted(self.classes_, y)
        if len(self.classes_) == 2:
            return codes.astype(np.float64), 1
        return codes.astype(np.int64), len(self.classes_)

    def _loss(self) -> Loss:
        return BCEWithLogitsLoss() if len(self.classes_) == 2 else CrossEntropyLoss()

    def _validation_score(self, X: np.ndarray, y: np.ndarray) -> float:
        return float(accuracy_score(y, self._predict(X)))

    def _proba(self, X: np.ndarray) -> np.ndarray:
        scores = self._forward(X)
        if scores.shape[1] == 1:
            p = _SIGMOID(scores[:, 0])
            return np.column_stack([1.0 - p, p])
        return softmax(scores, axis=1)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.classes_[np.argmax(self._proba(X), axis=1)]

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Train on X (n_samples, n_features) and class labels y (n_samples,); returns self.

        Runs up to ``max_iter`` epochs of ``backprop.fit`` from freshly initialised weights
        (or from the current ones with ``warm_start=True``).
        """
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> MLPClassifier:
        """One epoch over (X, y), continuing from the current weights and optimizer state.

        ``classes`` (all labels that will ever appear) is required on the first call, as in
        sklearn; later calls may omit it.
        """
        if not hasattr(self, "model_") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        return self._fit(X, y, incremental=True, classes=classes)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row of X (labels from ``classes_``)."""
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return self._predict(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order."""
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return self._proba(X)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """log of ``predict_proba``, computed stably from the scores."""
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        scores = self._forward(X)
        if scores.shape[1] == 1:
            s = scores[:, 0]
            # ln(1 - sigma(s)) = -softplus(s), ln sigma(s) = -softplus(-s): exact in both tails
            return np.column_stack([-_SOFTPLUS(s), -_SOFTPLUS(-s)])
        return log_softmax(scores, axis=1)


class MLPRegressor(RegressorMixin, _BaseMLP):
    __doc__ = (
        """A multilayer perceptron regressor trained by backpropagation (``backprop.fit``).

    Drop-in for ``sklearn.neural_network.MLPRegressor`` (solvers "adam" and "sgd"): identity
    outputs, quadratic cost 1/(2B) sum ||y - a||^2. y may have shape (n,) or (n, k); ``predict``
    returns shape (n,) when there is one output, (n, k) otherwise (as sklearn).
"""
        + _PARAMETERS
        + _ATTRIBUTES
        + """    out_activation_ : str
        "identity".
"""
    )

    def _validate_xy(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        return validate_data(
            self, X, y, reset=reset, multi_output=True, y_numeric=True,
            dtype=(np.float64, np.float32),
        )  # fmt: skip

    def _targets(self, y: np.ndarray, first_pass: bool, classes: Any) -> tuple[np.ndarray, int]:
        y = y.reshape(len(y), -1)
        if not first_pass and y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} outputs, but {type(self).__name__} was fitted with "
                f"{self.n_outputs_}"
            )
        self.out_activation_ = "identity"
        return y, y.shape[1]

    def _loss(self) -> Loss:
        return QuadraticLoss()

    def _validation_score(self, X: np.ndarray, y: np.ndarray) -> float:
        return float(r2_score(y, self._predict(X)))

    def _predict(self, X: np.ndarray) -> np.ndarray:
        out = self._forward(X)
        return out[:, 0] if out.shape[1] == 1 else out

    def fit(self, X: Any, y: Any) -> MLPRegressor:
        """Train on X (n_samples, n_features) and targets y (n_samples,) or (n_samples, k)."""
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X: Any, y: Any) -> MLPRegressor:
        """One epoch over (X, y), continuing from the current weights and optimizer state."""
        return self._fit(X, y, incremental=True)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets, shape (n_samples,) for one output or (n_samples, n_outputs_)."""
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return self._predict(X)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
