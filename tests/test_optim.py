"""backprop.optim against torch.optim (float64): SGD (plain, momentum, Nesterov, weight decay) and
Adam step for step, learning-rate schedules epoch for epoch, checkpoints bit for bit, in-place
updates, skipped parameters and error messages."""

from __future__ import annotations

import json
import math
import re
import zlib

import numpy as np
import pytest
import torch

from backprop import ops
from backprop.nn import Linear, Module, Parameter, Sequential, Tanh
from backprop.optim import SGD, Adam, ExponentialLR, InverseScalingLR, Optimizer, StepLR

RTOL, ATOL = 1e-12, 1e-15  # relative agreement with torch; ATOL only matters for entries near 0

CONFIGS: dict[str, tuple[type[Optimizer], type[torch.optim.Optimizer], dict]] = {
    "sgd": (SGD, torch.optim.SGD, {"lr": 0.1}),
    "sgd-momentum": (SGD, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    "sgd-nesterov": (SGD, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    "sgd-weight-decay": (SGD, torch.optim.SGD, {"lr": 0.1, "weight_decay": 0.05}),
    "sgd-momentum-weight-decay": (
        SGD,
        torch.optim.SGD,
        {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.05},
    ),
    "sgd-nesterov-weight-decay": (
        SGD,
        torch.optim.SGD,
        {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05},
    ),
    "adam": (Adam, torch.optim.Adam, {"lr": 0.05}),
    "adam-weight-decay": (Adam, torch.optim.Adam, {"lr": 0.05, "weight_decay": 0.05}),
    "adam-other-betas": (Adam, torch.optim.Adam, {"lr": 0.05, "betas": (0.3, 0.99), "eps": 1e-6}),
}


def _rng(name: str) -> np.random.Generator:
    """A generator seeded from a test's name: deterministic, whatever order tests run in."""
    return np.random.default_rng(zlib.crc32(name.encode()))


class _Problem:
    """A linear model Y ~ X W^T + b on a fixed mini-batch of m = 10 examples (mean squared error,
    so dC/dW = (1/m) sum_x delta^x (x)^T with delta^x = W x + b - y) and a quadratic bowl
    0.5 c^T Q c for a third parameter C.

    ``layout`` stores W and dC/dW row-major ("C"), both column-major as ``nn.Linear`` does ("F"),
    or W column-major with a row-major gradient ("mixed"): the update must not depend on it."""

    def __init__(self, name: str, layout: str = "C") -> None:
        self.layout = layout
        rng = _rng(name)
        self.X = rng.standard_normal((10, 4))
        self.Y = rng.standard_normal((10, 3))
        a = rng.standard_normal((6, 6))
        self.Q = a @ a.T / 6 + np.eye(6)
        self.init = [
            rng.standard_normal((3, 4)),
            rng.standard_normal(3),
            rng.standard_normal((2, 3)),
        ]

    def grads(self, arrays: list[np.ndarray]) -> list[np.ndarray]:
        w, b, c = arrays
        delta = self.X @ w.T + b - self.Y
        m = len(self.X)
        grad_w = np.matmul(delta.T, self.X, order="F" if self.layout == "F" else "C") / m
        return [grad_w, delta.mean(axis=0), (self.Q @ c.reshape(-1)).reshape(c.shape)]

    def params(self) -> list[Parameter]:
        w, b, c = (a.copy() for a in self.init)
        if self.layout != "C":
            w = np.asfortranarray(w)
        return [Parameter(w), Parameter(b), Parameter(c)]


def _feed(prob: _Problem, params: list[Parameter], skip: bool) -> list[np.ndarray | None]:
    """Set every parameter's grad from the problem (parameter 2's to None when ``skip``)."""
    grads: list[np.ndarray | None] = list(prob.grads([p.data for p in params]))
    if skip:
        grads[2] = None
    for p, g in zip(params, grads, strict=True):
        p.grad = g
    return grads


# ---------------------------------------------------------------------------------- vs torch
@pytest.mark.parametrize("layout", ["C", "F", "mixed"])
@pytest.mark.parametrize("name", CONFIGS)
def test_matches_torch_step_for_step(name: str, layout: str) -> None:
    ours_cls, torch_cls, kwargs = CONFIGS[name]
    prob = _Problem(name, layout)
    params = prob.params()
    assert params[0].data.flags.f_contiguous == (layout != "C")
    tparams = [torch.tensor(a.copy(), requires_grad=True) for a in prob.init]
    opt, topt = ours_cls(params, **kwargs), torch_cls(tparams, **kwargs)
    arrays = [p.data for p in params]
    skipped = {3, 7, 8}  # parameter 2 has no gradient on these steps (torch skips it too)
    for k in range(1, 21):
        if k == 11:  # a schedule halving the rate mid-run
            opt.lr /= 2
            for group in topt.param_groups:
                group["lr"] /= 2
        grads = _feed(prob, params, skip=k in skipped)
        for tp, g in zip(tparams, grads, strict=True):
            tp.grad = None if g is None else torch.tensor(g.copy())
        copies = [None if g is None else g.copy() for g in grads]
        opt.step()
        topt.step()
        for i, (p, tp) in enumerate(zip(params, tparams, strict=True)):
            assert p.data is arrays[i], "step() must update p.data in place"
            assert p.grad is grads[i], "step() must not rebind p.grad"
            if grads[i] is not None:
                assert np.array_equal(p.grad, copies[i]), "step() must not modify p.grad"
            np.testing.assert_allclose(
                p.data, tp.detach().numpy(), rtol=RTOL, atol=ATOL, err_msg=f"step {k}, param {i}"
            )
    assert not np.allclose(params[0].data, prob.init[0], atol=1e-3), "the parameters barely moved"

    # The state agrees with torch's too, including Adam's per-parameter step count (17 for C).
    buffers = opt.state_dict()["buffers"]
    for i, tp in enumerate(tparams):
        for key, value in topt.state[tp].items():
            ours = buffers[f"{i}.{key}"]
            expected = value.detach().numpy()
            if key == "step":
                assert ours.dtype == np.int64 and ours == expected == (17 if i == 2 else 20)
            else:
                np.testing.assert_allclose(ours, expected, rtol=RTOL, atol=ATOL)
        assert len([k for k in buffers if k.startswith(f"{i}.")]) == len(topt.state[tp])


@pytest.mark.parametrize("name", CONFIGS)
def test_parameter_without_grad_is_unchanged_and_gets_no_state(name: str) -> None:
    ours_cls, _, kwargs = CONFIGS[name]
    prob = _Problem(name)
    params = prob.params()
    opt = ours_cls(params, **kwargs)
    before = params[2].data.copy()
    for _ in range(4):
        _feed(prob, params, skip=True)
        opt.step()
    assert np.array_equal(params[2].data, before)
    assert not any(key.startswith("2.") for key in opt.state_dict()["buffers"])
    assert not np.array_equal(params[0].data, prob.init[0])


def test_momentum_does_not_coast_on_a_step_without_grad() -> None:
    """As in torch, a parameter with grad None is not updated even if it has a velocity."""
    prob = _Problem("coast")
    params = prob.params()
    opt = SGD(params, lr=0.1, momentum=0.9)
    _feed(prob, params, skip=False)
    opt.step()
    before = params[2].data.copy()
    velocity = opt.state_dict()["buffers"]["2.momentum_buffer"]
    _feed(prob, params, skip=True)
    opt.step()
    assert np.array_equal(params[2].data, before)
    assert np.array_equal(opt.state_dict()["buffers"]["2.momentum_buffer"], velocity)


def test_plain_sgd_is_gradient_descent_on_a_module() -> None:
    """w -> w - eta * dC/dw on a real network's parameters after backward()."""
    rng = _rng("module")
    model = Sequential(
        Linear(4, 5, seed=1, dtype="float64"), Tanh(), Linear(5, 2, seed=2, dtype="float64")
    )
    x, y = rng.standard_normal((10, 4)), rng.standard_normal((10, 2))
    loss = ops.mean((model(x) - y) ** 2)
    loss.backward()
    params = model.parameters()
    expected = [p.data - 0.5 * p.grad for p in params]
    opt = SGD(model.parameters(), lr=0.5)
    opt.step()
    for p, e in zip(params, expected, strict=True):
        assert np.array_equal(p.data, e)
    grads = [p.grad for p in params]
    opt.zero_grad()
    assert all(p.grad is None for p in params)
    assert all(g is not None and np.any(g != 0) for g in grads), "zero_grad must not clear in place"


@pytest.mark.parametrize("name", ["sgd-nesterov-weight-decay", "adam-weight-decay"])
def test_float32_parameters_stay_float32(name: str) -> None:
    ours_cls, torch_cls, kwargs = CONFIGS[name]
    prob = _Problem(name)
    params = [Parameter(a.astype(np.float32)) for a in prob.init]
    tparams = [torch.tensor(a.astype(np.float32), requires_grad=True) for a in prob.init]
    opt, topt = ours_cls(params, **kwargs), torch_cls(tparams, **kwargs)
    for _ in range(5):
        grads = prob.grads([p.data.astype(np.float64) for p in params])
        for p, tp, g in zip(params, tparams, grads, strict=True):
            p.grad = g.astype(np.float32)
            tp.grad = torch.tensor(p.grad.copy())
        opt.step()
        topt.step()
    for p, tp in zip(params, tparams, strict=True):
        assert p.data.dtype == np.float32
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert all(
        v.dtype == np.float32 for k, v in opt.state_dict()["buffers"].items() if "step" not in k
    )


# ---------------------------------------------------------------------------------- checkpoints
@pytest.mark.parametrize("name", CONFIGS)
def test_state_dict_round_trip_is_bit_identical(name: str) -> None:
    ours_cls, _, kwargs = CONFIGS[name]
    prob = _Problem(name)
    skipped = {1, 2, 7}  # parameter 2 starts late, so its state (and Adam's step) lags the others

    def run(opt: Optimizer, params: list[Parameter], steps: range) -> None:
        for k in steps:
            _feed(prob, params, skip=k in skipped)
            opt.step()

    whole = prob.params()
    opt = ours_cls(whole, **kwargs)
    run(opt, whole, range(1, 11))

    first = prob.params()
    opt1 = ours_cls(first, **kwargs)
    run(opt1, first, range(1, 6))
    state = opt1.state_dict()
    json.dumps({k: v for k, v in state.items() if k != "buffers"})  # everything but arrays is JSON
    assert state["type"] == ours_cls.__name__ and state["step"] == 5
    assert state["hyper"]["lr"] == kwargs["lr"]

    resumed = [Parameter(p.data.copy()) for p in first]
    opt2 = ours_cls(resumed, **{**kwargs, "lr": 3 * kwargs["lr"]})  # load restores lr
    opt2.load_state_dict(state)
    assert opt2.lr == kwargs["lr"]
    run(opt2, resumed, range(6, 11))

    for p, q in zip(resumed, whole, strict=True):
        assert np.array_equal(p.data, q.data)
    full, restored = opt.state_dict(), opt2.state_dict()
    assert full["step"] == restored["step"] == 10 and full["hyper"] == restored["hyper"]
    assert full["buffers"].keys() == restored["buffers"].keys()
    for key, value in full["buffers"].items():
        assert np.array_equal(restored["buffers"][key], value), key


def test_state_dict_buffer_names() -> None:
    prob = _Problem("names")
    params = prob.params()
    sgd, adam = SGD(params, lr=0.1, momentum=0.9), Adam(params)
    _feed(prob, params, skip=False)
    sgd.step()
    adam.step()
    assert set(sgd.state_dict()["buffers"]) == {
        "0.momentum_buffer",
        "1.momentum_buffer",
        "2.momentum_buffer",
    }
    assert set(adam.state_dict()["buffers"]) == {
        f"{i}.{name}" for i in range(3) for name in ("exp_avg", "exp_avg_sq", "step")
    }
    assert adam.state_dict()["hyper"] == {
        "lr": 1e-3,
        "betas": [0.9, 0.999],
        "eps": 1e-8,
        "weight_decay": 0.0,
    }
    assert SGD(params, lr=0.1).state_dict()["buffers"] == {}  # plain SGD keeps no state


def test_state_dict_arrays_are_copies() -> None:
    prob = _Problem("copies")
    params = prob.params()
    opt = SGD(params, lr=0.1, momentum=0.9)
    _feed(prob, params, skip=False)
    opt.step()
    saved = opt.state_dict()
    reference = saved["buffers"]["0.momentum_buffer"].copy()
    saved["buffers"]["0.momentum_buffer"][...] = 123.0  # does not reach the optimizer
    assert np.array_equal(opt.state_dict()["buffers"]["0.momentum_buffer"], reference)

    other = SGD(prob.params(), lr=0.1, momentum=0.9)
    state = opt.state_dict()
    other.load_state_dict(state)
    state["buffers"]["0.momentum_buffer"][...] = 456.0  # the loaded state is a copy too
    assert np.array_equal(other.state_dict()["buffers"]["0.momentum_buffer"], reference)


# ---------------------------------------------------------------------------------- schedules
def _lrs_ours(make, epochs: int = 12) -> tuple[list[float], list[float]]:
    opt = SGD([Parameter(np.zeros(1))], lr=0.1)
    sched = make(opt)
    lrs, opt_lrs = [sched.get_lr()], [opt.lr]
    for _ in range(epochs):
        opt.step()
        sched.step()
        lrs.append(sched.get_lr())
        opt_lrs.append(opt.lr)
        assert sched.last_lr == sched.get_lr()
    return lrs, opt_lrs


def _lrs_torch(make, epochs: int = 12) -> list[float]:
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    sched = make(opt)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(epochs):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    return lrs


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (lambda o: StepLR(o, step_size=3), lambda o: torch.optim.lr_scheduler.StepLR(o, 3)),
        (
            lambda o: StepLR(o, step_size=1, gamma=0.7),
            lambda o: torch.optim.lr_scheduler.StepLR(o, 1, gamma=0.7),
        ),
        (
            lambda o: StepLR(o, step_size=5, gamma=0.5),
            lambda o: torch.optim.lr_scheduler.StepLR(o, 5, gamma=0.5),
        ),
        (
            lambda o: ExponentialLR(o, gamma=0.9),
            lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9),
        ),
        (
            lambda o: ExponentialLR(o, gamma=0.37),
            lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.37),
        ),
    ],
)
def test_schedules_match_torch(ours, theirs) -> None:
    lrs, opt_lrs = _lrs_ours(ours)
    expected = _lrs_torch(theirs)
    assert len(lrs) == 13
    assert lrs == expected  # exactly: the same recursive products as torch
    assert opt_lrs == lrs
    assert len(set(lrs)) > 2


@pytest.mark.parametrize("power_t", [0.5, 0.25, 1.0])
def test_inverse_scaling_follows_the_formula(power_t: float) -> None:
    lrs, opt_lrs = _lrs_ours(lambda o: InverseScalingLR(o, power_t=power_t))
    assert lrs == [0.1 / t**power_t for t in range(1, 14)]  # epoch e uses t = e + 1
    assert opt_lrs == lrs
    assert lrs[0] == 0.1  # the first epoch trains at the initial rate
    if power_t == 0.5:
        assert math.isclose(lrs[3], 0.05, rel_tol=1e-15)  # the fourth epoch: t = 4, 0.1 / sqrt(4)


@pytest.mark.parametrize(
    "make",
    [
        lambda o: StepLR(o, step_size=3, gamma=0.5),
        lambda o: ExponentialLR(o, gamma=0.9),
        lambda o: InverseScalingLR(o, power_t=0.5),
    ],
)
def test_schedule_state_round_trip(make) -> None:
    whole, _ = _lrs_ours(make)
    opt = SGD([Parameter(np.zeros(1))], lr=0.1)
    sched = make(opt)
    for _ in range(5):
        sched.step()
    saved_opt, saved_sched = opt.state_dict(), json.loads(json.dumps(sched.state_dict()))
    opt2 = SGD([Parameter(np.zeros(1))], lr=0.1)
    opt2.load_state_dict(saved_opt)
    sched2 = make(opt2)
    sched2.load_state_dict(saved_sched)
    assert sched2.last_epoch == 5 and sched2.get_lr() == whole[5] == opt2.lr
    rest = []
    for _ in range(7):
        sched2.step()
        rest.append(sched2.get_lr())
    assert rest == whole[6:]


# ---------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("cls", [SGD, Adam])
@pytest.mark.parametrize("lr", [0, 0.0, -0.1, float("nan"), float("inf")])
def test_bad_learning_rate(cls, lr) -> None:
    with pytest.raises(
        ValueError, match=rf"lr must be a finite number > 0\.0, got {re.escape(repr(lr))}"
    ):
        cls([Parameter(np.zeros(2))], lr=lr)


def test_bad_hyperparameters() -> None:
    p = [Parameter(np.zeros(2))]
    with pytest.raises(ValueError, match=r"nesterov=True requires momentum > 0, got momentum=0\.0"):
        SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"momentum must be a finite number >= 0\.0, got -0\.5"):
        SGD(p, lr=0.1, momentum=-0.5)
    with pytest.raises(ValueError, match=r"weight_decay must be .* got -1"):
        SGD(p, lr=0.1, weight_decay=-1)
    with pytest.raises(ValueError, match=r"betas\[1\] must be .*< 1\.0, got 1\.0"):
        Adam(p, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match=r"betas must be a pair"):
        Adam(p, betas=(0.9,))
    with pytest.raises(ValueError, match=r"eps must be .* got -1e-08"):
        Adam(p, eps=-1e-8)
    with pytest.raises(TypeError, match=r"lr must be a real number, got '0\.1'"):
        SGD(p, lr="0.1")


def test_bad_parameter_lists() -> None:
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        Adam(Module().parameters())
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        SGD(iter([]), lr=0.1)
    p = Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="the same parameter more than once"):
        SGD([p, p], lr=0.1)
    with pytest.raises(TypeError, match="optimizer parameter 1 is a ndarray, not a Parameter"):
        SGD([p, np.zeros(2)], lr=0.1)


def _trained(cls, **kwargs) -> tuple[Optimizer, dict]:
    prob = _Problem("bad-state")
    params = prob.params()
    opt = cls(params, **kwargs)
    _feed(prob, params, skip=False)
    opt.step()
    return opt, opt.state_dict()


def test_bad_optimizer_state() -> None:
    sgd, state = _trained(SGD, lr=0.1, momentum=0.9)
    adam, adam_state = _trained(Adam)
    with pytest.raises(ValueError, match=r"the state is for 'SGD', not 'Adam'"):
        adam.load_state_dict(state)
    with pytest.raises(ValueError, match=r"the state lacks \['step'\]"):
        sgd.load_state_dict({k: v for k, v in state.items() if k != "step"})
    with pytest.raises(
        ValueError, match=r"hyperparameters missing \['momentum'\], unexpected \[\]"
    ):
        sgd.load_state_dict(
            {**state, "hyper": {k: v for k, v in state["hyper"].items() if k != "momentum"}}
        )
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0\.0, got -1"):
        sgd.load_state_dict({**state, "hyper": {**state["hyper"], "lr": -1}})
    with pytest.raises(ValueError, match=r"step must be an integer >= 0, got -3"):
        sgd.load_state_dict({**state, "step": -3})
    with pytest.raises(
        ValueError, match=r"unexpected buffer '3\.momentum_buffer' for SGD with 3 parameters"
    ):
        sgd.load_state_dict(
            {**state, "buffers": {**state["buffers"], "3.momentum_buffer": np.zeros(2)}}
        )
    with pytest.raises(ValueError, match=r"unexpected buffer '0\.exp_avg' for SGD"):
        sgd.load_state_dict({**state, "buffers": {"0.exp_avg": np.zeros((3, 4))}})
    wrong = {**state["buffers"], "1.momentum_buffer": np.zeros((2, 2))}
    with pytest.raises(
        ValueError,
        match=r"buffer '1\.momentum_buffer' has shape \(2, 2\), but parameter 1 has shape \(3,\)",
    ):
        sgd.load_state_dict({**state, "buffers": wrong})
    partial = {k: v for k, v in adam_state["buffers"].items() if k != "0.exp_avg_sq"}
    with pytest.raises(ValueError, match=r"parameter 0 lacks buffers \['exp_avg_sq'\]"):
        adam.load_state_dict({**adam_state, "buffers": partial})
    bad_step = {**adam_state["buffers"], "2.step": np.array(1.5)}
    with pytest.raises(ValueError, match=r"buffer '2\.step' must be an integer >= 0"):
        adam.load_state_dict({**adam_state, "buffers": bad_step})

    # A failed load leaves the optimizer as it was.
    assert sgd.lr == 0.1 and sgd.step_count == 1
    after = sgd.state_dict()
    assert after["hyper"] == state["hyper"] and after["buffers"].keys() == state["buffers"].keys()
    for key, value in state["buffers"].items():
        assert np.array_equal(after["buffers"][key], value)


def test_bad_schedules() -> None:
    opt = SGD([Parameter(np.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match=r"step_size must be an integer >= 1, got 0"):
        StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match=r"gamma must be a finite number > 0\.0, got 0"):
        ExponentialLR(opt, gamma=0)
    with pytest.raises(ValueError, match=r"power_t must be a finite number >= 0\.0, got -1"):
        InverseScalingLR(opt, power_t=-1)
    with pytest.raises(TypeError, match=r"a schedule needs a backprop Optimizer, got SGD"):
        StepLR(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1), step_size=1)
    sched = ExponentialLR(opt, gamma=0.5)
    with pytest.raises(ValueError, match=r"the state is for 'StepLR', not 'ExponentialLR'"):
        sched.load_state_dict(StepLR(opt, step_size=2).state_dict())
    with pytest.raises(ValueError, match=r"state missing \['gamma'\], unexpected \[\]"):
        sched.load_state_dict({k: v for k, v in sched.state_dict().items() if k != "gamma"})
    with pytest.raises(ValueError, match=r"last_epoch must be an integer >= 0, got -1"):
        sched.load_state_dict({**sched.state_dict(), "last_epoch": -1})
