"""Optimizers and learning-rate schedules: what to do with the gradients once backprop found them.

The lectures train by gradient descent: with learning rate eta, every weight moves against its
partial derivative,

    w -> w - eta * dC/dw,        b -> b - eta * dC/db,

and stochastic gradient descent (SGD) estimates dC/dw on a mini-batch of m examples x,

    w^l -> w^l - (eta/m) sum_x delta^{x,l} (a^{x,l-1})^T,    b^l -> b^l - (eta/m) sum_x delta^{x,l}.

``SGD`` is that rule (with PyTorch's optional momentum and L2 weight decay); ``Adam`` is one of the
"other training methods" (Kingma & Ba, 2015). Both reproduce ``torch.optim.SGD`` and
``torch.optim.Adam`` step for step, including their conventions for the first momentum step and
the bias corrections.

Updates happen in place on ``p.data`` (other code holds references to those arrays) with NumPy
``out=`` ufuncs into per-parameter scratch arrays allocated on the first step, so later steps
allocate nothing (except plain SGD's one temporary, see ``SGD.step``); ``p.grad`` is only read,
never written. A parameter whose ``grad`` is None is skipped and its state left untouched.

Schedules (``StepLR``, ``ExponentialLR``, ``InverseScalingLR``) change ``optimizer.lr`` once per
epoch, like ``torch.optim.lr_scheduler``: call ``scheduler.step()`` after each epoch's training.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Real
from typing import Any

from .backend import xp
from .tensor import Tensor

__all__ = [
    "Adam",
    "ExponentialLR",
    "InverseScalingLR",
    "LRScheduler",
    "Optimizer",
    "SGD",
    "StepLR",
]


def _number(
    name: str, value: Any, *, low: float, strict: bool, below: float | None = None
) -> float:
    """``value`` as a float, checked finite and in [low, below) ((low, below) if ``strict``)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    x = float(value)
    ok = math.isfinite(x) and (x > low if strict else x >= low) and (below is None or x < below)
    if not ok:
        bound = f"> {low}" if strict else f">= {low}"
        if below is not None:
            bound += f" and < {below}"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return x


# ---------------------------------------------------------------------------------- optimizers
class Optimizer:
    """Base class: holds the parameters, the learning rate ``lr`` and per-parameter state.

    ``params`` is an iterable of Parameters (e.g. ``model.parameters()``); its order fixes the
    index i used in :meth:`state_dict`. ``lr`` is a plain attribute that schedules (or you) may
    change between steps. Subclasses implement :meth:`step` and list their per-parameter arrays
    in ``_BUFFERS`` and their hyperparameters in ``_HYPER``.
    """

    _BUFFERS: tuple[str, ...] = ()
    _HYPER: tuple[str, ...] = ("lr",)

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        self.params: list[Tensor] = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer parameter {i} is a {type(p).__name__}, not a Parameter")
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError("optimizer got the same parameter more than once")
        self.lr = _number("lr", lr, low=0.0, strict=True)
        self.step_count = 0
        # state[i]: the named arrays (and counters) kept for parameter i, created on its first step.
        self.state: list[dict[str, Any]] = [{} for _ in self.params]
        self._work: list[list[xp.ndarray]] = [[] for _ in self.params]

    def zero_grad(self) -> None:
        """Forget the gradients (``p.grad = None``); backward() accumulates into ``.grad``."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""
        raise NotImplementedError(f"{type(self).__name__} does not define step()")

    def _scratch(self, i: int, count: int) -> list[xp.ndarray]:
        """``count`` work arrays shaped like parameter i, allocated once and reused every step."""
        work = self._work[i]
        while len(work) < count:
            work.append(xp.empty_like(self.params[i].data))
        return work

    # ------------------------------------------------------------------ hyperparameters
    def hyperparameters(self) -> dict[str, Any]:
        """The hyperparameters as JSON-able data (tuples become lists)."""
        return {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in ((k, getattr(self, k)) for k in self._HYPER)
        }

    def _validated(self, hyper: dict[str, Any]) -> dict[str, Any]:
        """The hyperparameters in ``hyper`` checked and normalised (subclasses add theirs)."""
        return {"lr": _number("lr", hyper["lr"], low=0.0, strict=True)}

    def _set_hyperparameters(self, hyper: dict[str, Any]) -> None:
        for name, value in self._validated(hyper).items():
            setattr(self, name, value)

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """A copy of the optimizer's state.

        ``{"type": class name, "hyper": hyperparameters (JSON-able), "step": number of step()
        calls, "buffers": {"<i>.<name>": ndarray}}`` where i is the parameter's index in
        ``self.params``, e.g. "0.momentum_buffer" or "3.exp_avg". Counters (Adam's per-parameter
        "step") are stored as 0-d int64 arrays.
        """
        buffers = {
            f"{i}.{name}": xp.array(value, dtype=xp.int64 if isinstance(value, int) else None)
            for i, st in enumerate(self.state)
            for name, value in st.items()
        }
        return {
            "type": type(self).__name__,
            "hyper": self.hyperparameters(),
            "step": self.step_count,
            "buffers": buffers,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict` exactly (arrays are copied).

        Raises ValueError naming the problem if the state is for another optimizer type, lacks
        or has unknown entries, or holds arrays whose shapes do not match the parameters.
        """
        cls = type(self).__name__
        if not isinstance(state, dict):
            raise ValueError(f"load_state_dict: expected a dict, got {type(state).__name__}")
        missing = sorted({"type", "hyper", "step", "buffers"} - set(state))
        if missing:
            raise ValueError(f"load_state_dict: the state lacks {missing}")
        if state["type"] != cls:
            raise ValueError(f"load_state_dict: the state is for {state['type']!r}, not {cls!r}")
        hyper = state["hyper"]
        missing = sorted(set(self._HYPER) - set(hyper))
        unexpected = sorted(set(hyper) - set(self._HYPER))
        if missing or unexpected:
            raise ValueError(
                f"load_state_dict: {cls} hyperparameters missing {missing}, unexpected {unexpected}"
            )
        hyper = self._validated(hyper)
        step = state["step"]
        if isinstance(step, bool) or not isinstance(step, (int, xp.integer)) or step < 0:
            raise ValueError(f"load_state_dict: step must be an integer >= 0, got {step!r}")

        buffers = state["buffers"]
        if not isinstance(buffers, dict):
            raise ValueError(
                f"load_state_dict: buffers must be a dict, got {type(buffers).__name__}"
            )
        new_state: list[dict[str, Any]] = [{} for _ in self.params]
        for key, value in buffers.items():
            index, _, name = str(key).partition(".")
            if not index.isdigit() or int(index) >= len(self.params) or name not in self._BUFFERS:
                raise ValueError(
                    f"load_state_dict: unexpected buffer {key!r} for {cls} with "
                    f"{len(self.params)} parameters (expected <i>.<name>, name in {self._BUFFERS})"
                )
            i = int(index)
            p = self.params[i]
            value = xp.asarray(value)
            if name == "step":
                if value.shape != () or value.dtype.kind not in "iu" or value < 0:
                    raise ValueError(
                        f"load_state_dict: buffer {key!r} must be an integer >= 0, got {value!r}"
                    )
                new_state[i][name] = int(value)
            else:
                if value.shape != p.shape:
                    raise ValueError(
                        f"load_state_dict: buffer {key!r} has shape {value.shape}, "
                        f"but parameter {i} has shape {p.shape}"
                    )
                new_state[i][name] = xp.array(value, dtype=p.data.dtype, copy=True)
        for i, st in enumerate(new_state):
            if st and len(st) != len(self._BUFFERS):
                lacking = sorted(set(self._BUFFERS) - set(st))
                raise ValueError(f"load_state_dict: parameter {i} lacks buffers {lacking}")

        self._set_hyperparameters(hyper)
        self.step_count = int(step)
        self.state = new_state

    def __repr__(self) -> str:
        hyper = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({len(self.params)} parameters, {hyper})"


class SGD(Optimizer):
    """Stochastic gradient descent, exactly as ``torch.optim.SGD`` (dampening 0, no maximize).

    Plain SGD (the default) is the lectures' gradient descent step

        w -> w - eta * dC/dw        (eta = ``lr``, dC/dw = ``p.grad``);

    when the loss is the mean over a mini-batch of m examples, ``p.grad`` is
    (1/m) sum_x delta^{x,l} (a^{x,l-1})^T and this is the mini-batch rule
    w^l -> w^l - (eta/m) sum_x delta^{x,l} (a^{x,l-1})^T.

    With ``weight_decay`` lambda (L2 regularisation lambda/2 ||w||^2), ``momentum`` mu and
    velocity buffer v, one step is, per parameter:

        g = dC/dw + lambda * w
        v = g  on the parameter's first step,  else  v = mu * v + g
        g = g + mu * v  if nesterov  else  g = v        (only when mu > 0)
        w -> w - eta * g
    """

    _BUFFERS = ("momentum_buffer",)
    _HYPER = ("lr", "momentum", "nesterov", "weight_decay")

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self._set_hyperparameters(
            {
                "lr": self.lr,
                "momentum": momentum,
                "nesterov": nesterov,
                "weight_decay": weight_decay,
            }
        )

    def _validated(self, hyper: dict[str, Any]) -> dict[str, Any]:
        momentum = _number("momentum", hyper["momentum"], low=0.0, strict=False)
        nesterov = hyper["nesterov"]
        if not isinstance(nesterov, bool):
            raise TypeError(f"nesterov must be True or False, got {nesterov!r}")
        if nesterov and momentum == 0.0:
            raise ValueError(f"nesterov=True requires momentum > 0, got momentum={momentum!r}")
        return {
            **super()._validated(hyper),
            "momentum": momentum,
            "nesterov": nesterov,
            "weight_decay": _number("weight_decay", hyper["weight_decay"], low=0.0, strict=False),
        }

    def step(self) -> None:
        """One SGD step (see the class docstring) for every parameter with a gradient."""
        self.step_count += 1
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        if mu == 0.0 and wd == 0.0:
            # w -> w - eta * dC/dw. The temporary lr * grad measured faster than an out= scratch
            # array here (784-100-10 net: 37 vs 42 us per step), as it stays hot in cache. BLAS
            # axpy (one pass, 3x faster on that matrix) was tried and dropped: SciPy's OpenBLAS
            # brings a second thread pool that, beside NumPy's, made `make demo` 3x slower.
            for p in self.params:
                if p.grad is not None:
                    p.data -= lr * p.grad
            return
        nesterov = self.nesterov
        for i, p in enumerate(self.params):
            grad = p.grad
            if grad is None:
                continue
            w = p.data
            work = self._scratch(i, 2 if nesterov and wd != 0.0 else 1)
            g = grad
            if wd != 0.0:
                g = xp.multiply(w, wd, out=work[0])  # g = lambda * w + dC/dw
                g += grad
            if mu != 0.0:
                st = self.state[i]
                v = st.get("momentum_buffer")
                if v is None:
                    v = st["momentum_buffer"] = xp.array(g, dtype=w.dtype, copy=True)
                else:
                    xp.multiply(v, mu, out=v)  # v = mu * v + g
                    v += g
                if nesterov:
                    # g = g + mu * v, written to a work array other than the one g may occupy
                    g_next = xp.multiply(v, mu, out=work[1] if g is work[0] else work[0])
                    g_next += g
                    g = g_next
                else:
                    g = v
            step = xp.multiply(g, lr, out=work[0])  # w -> w - eta * g
            xp.subtract(w, step, out=w)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), exactly as ``torch.optim.Adam`` (L2 decay, no amsgrad).

    With gradient g = dC/dw + lambda * w (``weight_decay`` lambda), betas (beta1, beta2), and t
    the number of steps this parameter has taken (1 on its first), one step is

        m = beta1 * m + (1 - beta1) * g              (first moment, m = 0 initially)
        v = beta2 * v + (1 - beta2) * g * g          (second moment, v = 0 initially)
        w -> w - (eta / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    i.e. gradient descent w -> w - eta * m_hat / (sqrt(v_hat) + eps) on bias-corrected moments.
    ``state_dict`` buffers per parameter i: "i.exp_avg" (m), "i.exp_avg_sq" (v), "i.step" (t).
    """

    _BUFFERS = ("exp_avg", "exp_avg_sq", "step")
    _HYPER = ("lr", "betas", "eps", "weight_decay")

    def __init__(
        self,
        params: Iterable[Tensor],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self._set_hyperparameters(
            {"lr": self.lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        )

    def _validated(self, hyper: dict[str, Any]) -> dict[str, Any]:
        betas = hyper["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        return {
            **super()._validated(hyper),
            "betas": (
                _number("betas[0]", betas[0], low=0.0, strict=False, below=1.0),
                _number("betas[1]", betas[1], low=0.0, strict=False, below=1.0),
            ),
            "eps": _number("eps", hyper["eps"], low=0.0, strict=False),
            "weight_decay": _number("weight_decay", hyper["weight_decay"], low=0.0, strict=False),
        }

    def step(self) -> None:
        """One Adam step (see the class docstring) for every parameter with a gradient."""
        self.step_count += 1
        lr, eps, wd = self.lr, self.eps, self.weight_decay
        beta1, beta2 = self.betas
        for i, p in enumerate(self.params):
            grad = p.grad
            if grad is None:
                continue
            w = p.data
            st = self.state[i]
            if not st:
                st["exp_avg"] = xp.zeros_like(w)
                st["exp_avg_sq"] = xp.zeros_like(w)
                st["step"] = 0
            t = st["step"] = st["step"] + 1
            m, v = st["exp_avg"], st["exp_avg_sq"]
            work = self._scratch(i, 2 if wd != 0.0 else 1)
            tmp = work[-1]
            g = grad
            if wd != 0.0:
                g = xp.multiply(w, wd, out=work[0])  # g = lambda * w + dC/dw
                g += grad
            # m = m + (1 - beta1) * (g - m), torch's lerp form of beta1 * m + (1 - beta1) * g
            xp.subtract(g, m, out=tmp)
            tmp *= 1 - beta1
            m += tmp
            # v = beta2 * v + (1 - beta2) * g * g
            xp.multiply(g, g, out=tmp)
            tmp *= 1 - beta2
            v *= beta2
            v += tmp
            # w -> w - step_size * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
            step_size = lr / (1 - beta1**t)
            xp.sqrt(v, out=tmp)
            tmp /= (1 - beta2**t) ** 0.5
            tmp += eps
            xp.divide(m, tmp, out=tmp)
            tmp *= step_size
            xp.subtract(w, tmp, out=w)


#: Optimizers by name, as ``fit(optimizer="sgd", lr=0.1)`` takes them.
OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam}


def optimizer_by_name(
    name: str, params: Iterable[Tensor], lr: float | None, who: str = "optimizer_by_name"
) -> Optimizer:
    """The optimizer ``name`` ("sgd" or "adam") over ``params`` with learning rate ``lr``
    (Adam's default 1e-3 when None; plain SGD has no default and needs one). Mistakes raise
    ValueError naming ``who``."""
    key = name.lower()
    if key not in OPTIMIZERS:
        raise ValueError(
            f"{who}: unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}"
        )
    if lr is None:
        if key == "sgd":
            raise ValueError(
                f"{who}: optimizer {name!r} needs a learning rate: pass lr=, e.g. lr=0.1"
            )
        return OPTIMIZERS[key](params)
    return OPTIMIZERS[key](params, lr=lr)


# ---------------------------------------------------------------------------------- schedules
class LRScheduler:
    """Base class of learning-rate schedules, stepped once per epoch.

    Construction records ``base_lr`` = ``optimizer.lr`` as epoch 0's rate. Each :meth:`step`
    (call it after an epoch's training) advances ``last_epoch`` by one and sets ``optimizer.lr``
    to the rate for the next epoch; ``last_lr`` / :meth:`get_lr` is the rate now in force
    (torch's ``get_last_lr()[0]``).
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"a schedule needs a backprop Optimizer, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.base_lr: float = optimizer.lr
        self.last_epoch = 0
        self.last_lr: float = optimizer.lr

    def _next_lr(self) -> float:
        """The rate for epoch ``last_epoch`` (just advanced), from the optimizer's current one."""
        raise NotImplementedError

    def step(self) -> None:
        """End of an epoch: advance ``last_epoch`` and set ``optimizer.lr`` for the next one."""
        self.last_epoch += 1
        lr = self._next_lr()
        self.optimizer.lr = lr
        self.last_lr = lr

    def get_lr(self) -> float:
        """The learning rate set for the current epoch ``last_epoch``."""
        return self.last_lr

    def _hyper(self) -> dict[str, Any]:
        return {}

    def state_dict(self) -> dict[str, Any]:
        """JSON-able state: "type", "base_lr", "last_epoch", "last_lr" and the settings."""
        return {
            "type": type(self).__name__,
            "base_lr": self.base_lr,
            "last_epoch": self.last_epoch,
            "last_lr": self.last_lr,
            **self._hyper(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict`. As in torch, ``optimizer.lr`` is not touched (the
        optimizer's own state_dict carries it)."""
        cls = type(self).__name__
        if not isinstance(state, dict) or state.get("type") != cls:
            found = state.get("type") if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"load_state_dict: the state is for {found!r}, not {cls!r}")
        expected = {"type", "base_lr", "last_epoch", "last_lr", *self._hyper()}
        if set(state) != expected:
            raise ValueError(
                f"load_state_dict: {cls} state missing {sorted(expected - set(state))}, "
                f"unexpected {sorted(set(state) - expected)}"
            )
        epoch = state["last_epoch"]
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ValueError(f"load_state_dict: last_epoch must be an integer >= 0, got {epoch!r}")
        base_lr = _number("base_lr", state["base_lr"], low=0.0, strict=True)
        last_lr = _number("last_lr", state["last_lr"], low=0.0, strict=True)
        self._set_hyper(state)
        self.base_lr, self.last_lr, self.last_epoch = base_lr, last_lr, epoch

    def _validated(self, hyper: dict[str, Any]) -> dict[str, Any]:
        """The schedule's own settings in ``hyper``, checked (subclasses)."""
        return {}

    def _set_hyper(self, hyper: dict[str, Any]) -> None:
        for name, value in self._validated(hyper).items():
            setattr(self, name, value)

    def __repr__(self) -> str:
        settings = "".join(f", {k}={v!r}" for k, v in self._hyper().items())
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self.last_lr!r}{settings})"


class StepLR(LRScheduler):
    """Decay the rate by ``gamma`` every ``step_size`` epochs, as torch's ``StepLR``:

        eta_e = eta_{e-1} * gamma  if e is a multiple of step_size,  else eta_{e-1},

    i.e. eta_e = eta_0 * gamma^floor(e / step_size), computed recursively from ``optimizer.lr``
    exactly as torch does (so manual changes of ``optimizer.lr`` carry on).
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        self._set_hyper({"step_size": step_size, "gamma": gamma})

    def _validated(self, hyper: dict[str, Any]) -> dict[str, Any]:
        step_size = hyper["step_size"]
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"step_size must be an integer >= 1, got {step_size!r}")
        return {
            "step_size": step_size,
            "gamma": _number("gamma", hyper["gamma"], low=0.0, strict=True),
        }

    def _hyper(self) -> dict[str, Any]:
        return {"step_size": self.step_size, "gamma": self.gamma}

    def _next_lr(self) -> float:
        if self.last_epoch % self.step_size == 0:
            return self.optimizer.lr * self.gamma
        return self.optimizer.lr


class ExponentialLR(LRScheduler):
    """Decay the rate by ``gamma`` every epoch, as torch's ``ExponentialLR``:

    eta_e = eta_{e-1} * gamma      (eta_e = eta_0 * gamma^e, computed recursively like torch).
    """

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        super().__init__(optimizer)
        self._set_hyper({"gamma": gamma})

    def _validated(self, hyper: dict[str, Any]) -> dict[str, Any]:
        return {"gamma": _number("gamma", hyper["gamma"], low=0.0, strict=True)}

    def _hyper(self) -> dict[str, Any]:
        return {"gamma": self.gamma}

    def _next_lr(self) -> float:
        return self.optimizer.lr * self.gamma


class InverseScalingLR(LRScheduler):
    """scikit-learn's 'invscaling' rate, per epoch: eta = eta_0 / t^power_t.

    Convention: t counts epochs starting at 1, so the epoch with index e = ``last_epoch``
    (0 for the first epoch, before any ``step()``) trains with

        eta_e = eta_0 / (e + 1)^power_t          (eta_0 = ``base_lr``, the rate at construction):

    eta_0, eta_0 / 2^power_t, eta_0 / 3^power_t, ... It is computed in closed form from
    ``base_lr``, so it does not compound with other changes of ``optimizer.lr``. (scikit-learn
    counts t in samples for SGDClassifier; here t counts epochs.)
    """

    def __init__(self, optimizer: Optimizer, power_t: float = 0.5) -> None:
        super().__init__(optimizer)
        self._set_hyper({"power_t": power_t})

    def _validated(self, hyper: dict[str, Any]) -> dict[str, Any]:
        return {"power_t": _number("power_t", hyper["power_t"], low=0.0, strict=False)}

    def _hyper(self) -> dict[str, Any]:
        return {"power_t": self.power_t}

    def _next_lr(self) -> float:
        return self.base_lr / (self.last_epoch + 1) ** self.power_t
