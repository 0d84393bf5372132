"""Losses and regularizers of backprop.nn: values and gradients against PyTorch and hand work."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import backprop
from backprop import ops
from backprop.nn.layers import Linear, Sequential
from backprop.nn.losses import (
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
from backprop.nn.regularization import L1, L2, REGULARIZERS, regularizer

RTOL = 1e-10
ATOL = 1e-14


def ours(loss, output, target):
    """(E, dE/d output) from backprop, in float64."""
    out = backprop.tensor(np.array(output, dtype=np.float64), requires_grad=True)
    value = loss(out, target)
    assert value.shape == ()
    value.backward()
    return value.item(), out.grad


def theirs(fn, output, target):
    """(E, dE/d output) from torch autograd, in float64."""
    out = torch.tensor(np.array(output, dtype=np.float64), requires_grad=True)
    value = fn(out, target)
    value.backward()
    return value.item(), out.grad.numpy()


def softmax_rows(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------- references, case by case
def _case(name, reduction, rng):
    """(our loss, output, our target, torch function of (output tensor, _) -> loss)."""
    B, C = 7, 5
    z = rng.standard_normal((B, C))
    labels = rng.integers(0, C, B)
    tl = torch.tensor(labels)
    red = reduction
    if name == "quadratic":
        y = rng.standard_normal((B, C))
        n = B if red == "mean" else 1
        return (
            QuadraticLoss(red),
            z,
            y,
            lambda o, _: 0.5 * F.mse_loss(o, torch.tensor(y), reduction="sum") / n,
        )
    if name == "quadratic_1d":
        a, y = rng.standard_normal(B), rng.standard_normal(B)
        n = B if red == "mean" else 1
        return (
            QuadraticLoss(red),
            a,
            y,
            lambda o, _: 0.5 * F.mse_loss(o, torch.tensor(y), reduction="sum") / n,
        )
    if name == "mse":
        y = rng.standard_normal((B, C))
        return MSELoss(red), z, y, lambda o, _: F.mse_loss(o, torch.tensor(y), reduction=red)
    if name == "mse_1d":
        a, y = rng.standard_normal(B), rng.standard_normal(B)
        return MSELoss(red), a, y, lambda o, _: F.mse_loss(o, torch.tensor(y), reduction=red)
    if name == "sum_of_squares":
        y = rng.standard_normal((B, C))
        n = B if red == "mean" else 1
        return (
            SumOfSquaresLoss(red),
            z,
            y,
            lambda o, _: F.mse_loss(o, torch.tensor(y), reduction="sum") / n,
        )
    if name == "bce_soft":
        p, y = rng.uniform(0.02, 0.98, (B, C)), rng.uniform(0, 1, (B, C))
        return (
            BCELoss(red),
            p,
            y,
            lambda o, _: F.binary_cross_entropy(o, torch.tensor(y), reduction=red),
        )
    if name == "bce_1d":
        p, y = rng.uniform(0.02, 0.98, B), rng.integers(0, 2, B).astype(np.float64)
        return (
            BCELoss(red),
            p,
            y,
            lambda o, _: F.binary_cross_entropy(o, torch.tensor(y), reduction=red),
        )
    if name == "bce_with_logits":
        s, y = 3 * z, rng.integers(0, 2, (B, C)).astype(np.float64)
        return (
            BCEWithLogitsLoss(red),
            s,
            y,
            lambda o, _: F.binary_cross_entropy_with_logits(o, torch.tensor(y), reduction=red),
        )
    if name == "cross_entropy_labels":
        return (
            CrossEntropyLoss(red),
            3 * z,
            labels,
            lambda o, _: F.cross_entropy(o, tl, reduction=red),
        )
    if name == "cross_entropy_label_tensor":
        return (
            CrossEntropyLoss(red),
            z,
            backprop.tensor(labels),
            lambda o, _: F.cross_entropy(o, tl, reduction=red),
        )
    if name == "cross_entropy_probs":
        q = softmax_rows(rng.standard_normal((B, C)))
        return (
            CrossEntropyLoss(red),
            z,
            q,
            lambda o, _: F.cross_entropy(o, torch.tensor(q), reduction=red),
        )
    if name == "cross_entropy_one_hot":
        q = np.eye(C)[labels]
        return (
            CrossEntropyLoss(red),
            z,
            q,
            lambda o, _: F.cross_entropy(o, torch.tensor(q), reduction=red),
        )
    if name == "cross_entropy_unnormalized":  # rows not summing to 1: dE/dz = p sum(q) - q
        q = rng.uniform(0, 1, (B, C))
        return (
            CrossEntropyLoss(red),
            z,
            q,
            lambda o, _: F.cross_entropy(o, torch.tensor(q), reduction=red),
        )
    if name == "nll":
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return NLLLoss(red), logp, labels, lambda o, _: F.nll_loss(o, tl, reduction=red)
    if name == "multi_margin":
        return (
            MultiMarginLoss(red),
            z,
            labels,
            lambda o, _: F.multi_margin_loss(o, tl, reduction=red),
        )
    if name == "multi_margin_0.3":
        return (
            MultiMarginLoss(red, margin=0.3),
            z,
            labels,
            lambda o, _: F.multi_margin_loss(o, tl, margin=0.3, reduction=red),
        )
    if name in ("hinge", "hinge_column"):
        s = rng.standard_normal(B)
        y = rng.choice([-1.0, 1.0], B)
        if name == "hinge_column":
            s, y = s[:, None], y[:, None]
        ty = torch.tensor(y)

        def ref(o, _):
            e = torch.clamp(1 - ty * o, min=0)
            return e.mean() if red == "mean" else e.sum()

        return HingeLoss(red), s, y, ref
    raise AssertionError(name)


CASES = [
    "quadratic",
    "quadratic_1d",
    "mse",
    "mse_1d",
    "sum_of_squares",
    "bce_soft",
    "bce_1d",
    "bce_with_logits",
    "cross_entropy_labels",
    "cross_entropy_label_tensor",
    "cross_entropy_probs",
    "cross_entropy_one_hot",
    "cross_entropy_unnormalized",
    "nll",
    "multi_margin",
    "multi_margin_0.3",
    "hinge",
    "hinge_column",
]


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("name", CASES)
def test_value_and_gradient_match_torch(name, reduction):
    rng = np.random.default_rng([CASES.index(name), reduction == "sum"])
    loss, output, target, ref = _case(name, reduction, rng)
    value, grad = ours(loss, output, target)
    ref_value, ref_grad = theirs(ref, output, target)
    assert grad.shape == np.shape(output)
    np.testing.assert_allclose(value, ref_value, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(grad, ref_grad, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", CASES)
def test_output_arrays_are_never_modified_whatever_their_layout(name):
    """A loss may work on a rearranged copy of the output (cross-entropy goes classes-major), but
    never on the caller's array: a column-major output must come back untouched."""
    rng = np.random.default_rng([CASES.index(name), 7])
    loss, output, target, _ = _case(name, "mean", rng)
    expected = ours(loss, output, target)
    for layout in (np.ascontiguousarray, np.asfortranarray):
        z = backprop.tensor(layout(np.array(output, dtype=np.float64)), requires_grad=True)
        before = z.data.copy()
        value = loss(z, target)
        value.backward()
        np.testing.assert_array_equal(z.data, before)
        np.testing.assert_allclose(value.item(), expected[0], rtol=1e-14)
        np.testing.assert_allclose(z.grad, expected[1], rtol=1e-14, atol=1e-17)


def test_sum_is_batch_size_times_mean():
    for name in CASES:
        mean_loss, output, target, _ = _case(name, "mean", np.random.default_rng(2))
        sum_loss, *_ = _case(name, "sum", np.random.default_rng(2))
        n = np.size(output) if name.startswith(("mse", "bce")) else np.shape(output)[0]
        vm, gm = ours(mean_loss, output, target)
        vs, gs = ours(sum_loss, output, target)
        np.testing.assert_allclose(vs, n * vm, rtol=1e-12)
        np.testing.assert_allclose(gs, n * gm, rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- squared errors by hand
def test_quadratic_cost_two_examples_by_hand():
    # a(x1) = (0.5, 0), y(x1) = (1, 0): ||y - a||^2 = 0.25; a(x2) = (1, 1), y(x2) = (0, 1): 1.
    a = np.array([[0.5, 0.0], [1.0, 1.0]])
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    value, grad = ours(QuadraticLoss(), a, y)
    assert value == pytest.approx((0.25 + 1.0) / (2 * 2), abs=1e-15)  # C = 1/(2n) sum ||y-a||^2
    np.testing.assert_allclose(grad, [[-0.25, 0.0], [0.5, 0.0]], atol=1e-15)  # (a - y) / n
    value, grad = ours(QuadraticLoss("sum"), a, y)
    assert value == pytest.approx(0.625, abs=1e-15)
    np.testing.assert_allclose(grad, a - y, atol=1e-15)


def test_sum_of_squares_by_hand():
    # The lecture's L = sum_i (y_i - t_i)^2 with dL/dy_i = 2 (y_i - t_i).
    y, t = np.array([[1.0, 2.0, 3.0]]), np.array([[0.0, 2.0, 5.0]])
    value, grad = ours(SumOfSquaresLoss("sum"), y, t)
    assert value == pytest.approx(1.0 + 0.0 + 4.0)
    np.testing.assert_allclose(grad, [[2.0, 0.0, -4.0]])


def test_the_three_squared_errors_differ_as_documented():
    rng = np.random.default_rng(3)
    B, K = 6, 4
    a, y = rng.standard_normal((B, K)), rng.standard_normal((B, K))
    quad = ours(QuadraticLoss(), a, y)[0]
    mse = ours(MSELoss(), a, y)[0]
    sos = ours(SumOfSquaresLoss(), a, y)[0]
    assert quad == pytest.approx(mse * K / 2, rel=1e-12)
    assert quad == pytest.approx(sos / 2, rel=1e-12)
    assert ours(MSELoss("sum"), a, y)[0] == pytest.approx(ours(SumOfSquaresLoss("sum"), a, y)[0])


# ---------------------------------------------------------------- hinge by hand
@pytest.mark.parametrize("labels", [[1, 1, 1, -1], [1, 1, 1, 0]])
def test_hinge_by_hand(labels):
    s = np.array([2.0, 0.5, -1.0, 0.3])
    # margins 1 - y s = -1, 0.5, 2, 1.3  ->  max(0, .) = 0, 0.5, 2, 1.3
    value, grad = ours(HingeLoss(), s, np.array(labels))
    assert value == pytest.approx(3.8 / 4, abs=1e-15)
    np.testing.assert_allclose(grad, [0.0, -0.25, -0.25, 0.25], atol=1e-15)
    value, grad = ours(HingeLoss("sum"), s[:, None], np.array(labels)[:, None])
    assert value == pytest.approx(3.8, abs=1e-15)
    np.testing.assert_allclose(grad, [[0.0], [-1.0], [-1.0], [1.0]], atol=1e-15)


def test_multi_margin_by_hand():
    # s = (1, 2, 0.5), label 0: terms j=1: max(0, 1 - 1 + 2) = 2, j=2: max(0, 1 - 1 + 0.5) = 0.5
    value, grad = ours(MultiMarginLoss(), [[1.0, 2.0, 0.5]], [0])
    assert value == pytest.approx(2.5 / 3)
    np.testing.assert_allclose(grad, [[-2 / 3, 1 / 3, 1 / 3]])


# ---------------------------------------------------------------- the seed's NLL formulas
def test_seed_nll_formula_and_gradient_three_classes():
    z = np.array([[1.0, 2.0, 0.5], [0.2, -0.3, 1.1]])
    codes = np.array([[-1, 1, -1], [1, -1, -1]])  # y_c = +1 for the class, -1 otherwise
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    E = -np.sum(np.log(p) * (codes + 1) / 2)  # E = -sum_i sum_c log p_c(x_i) (y_ci + 1)/2
    dE_dz = -((codes + 1) / 2 - p)  # dE/dz_c = -((y_c + 1)/2 - p_c)
    for target in (np.array([1, 0]), (codes + 1) / 2):
        value, grad = ours(CrossEntropyLoss("sum"), z, target)
        assert value == pytest.approx(E, rel=1e-13)
        np.testing.assert_allclose(grad, dE_dz, rtol=1e-13, atol=1e-15)
    # and through NLLLoss on t(z_c) = log softmax
    out = backprop.tensor(z, requires_grad=True)
    NLLLoss("sum")(ops.log_softmax(out), [1, 0]).backward()
    np.testing.assert_allclose(out.grad, dE_dz, rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- numerical stability
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_stable_at_huge_logits(reduction):
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0], [1000.0, 1000.0, -1000.0]])
    labels = np.array([1, 0, 0])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        value, grad = ours(CrossEntropyLoss(reduction), z, labels)
        value_q, grad_q = ours(CrossEntropyLoss(reduction), z, np.eye(3)[labels])
        value_32 = CrossEntropyLoss(reduction)(z.astype(np.float32), labels).item()
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    n = 3 if reduction == "mean" else 1
    assert value == pytest.approx((2000 + 2000 + np.log(2)) / n)
    assert value_q == pytest.approx(value) and value_32 == pytest.approx(value)
    np.testing.assert_allclose(grad_q, grad, atol=1e-15)
    ref_value, ref_grad = theirs(
        lambda o, _: F.cross_entropy(o, torch.tensor(labels), reduction=reduction), z, None
    )
    assert value == pytest.approx(ref_value, rel=RTOL)
    np.testing.assert_allclose(grad, ref_grad, rtol=RTOL, atol=ATOL)


def test_bce_with_logits_stable_at_huge_scores():
    s = np.array([1000.0, -1000.0, 1000.0, -1000.0])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        value, grad = ours(BCEWithLogitsLoss("sum"), s, y)
    assert value == pytest.approx(2000.0)
    np.testing.assert_allclose(grad, [0.0, 0.0, 1.0, -1.0])


def test_bce_finite_at_zero_and_one_like_torch():
    p = np.array([0.0, 1.0, 0.0, 1.0])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grad = ours(BCELoss(), p, y)
    assert value == pytest.approx((0 + 0 + 100 + 100) / 4)  # logs clamped at -100
    assert np.all(np.isfinite(grad))
    ref_value, ref_grad = theirs(lambda o, _: F.binary_cross_entropy(o, torch.tensor(y)), p, y)
    assert value == pytest.approx(ref_value, rel=RTOL)
    np.testing.assert_allclose(grad, ref_grad, rtol=RTOL)


# ---------------------------------------------------------------- errors, by their text
@pytest.mark.parametrize("cls", [CrossEntropyLoss, NLLLoss, MultiMarginLoss])
def test_bad_labels_are_named(cls):
    z = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"label 7 .*4 classes.*\[0, 4\)"):
        cls()(z, np.array([0, 7, 1]))
    with pytest.raises(ValueError, match=r"label -1 .*4 classes"):
        cls()(z, np.array([0, 1, -1]))
    with pytest.raises(ValueError, match=r"integers"):
        cls()(z, np.array([0.5, 1.0, 2.0]))


def test_shape_mismatches_name_both_shapes():
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 4\)"):
        CrossEntropyLoss()(np.zeros((2, 4)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 4\)"):
        CrossEntropyLoss()(np.zeros((2, 4)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"\(4,\).*\(4, 1\)"):
        QuadraticLoss()(np.zeros((4, 1)), np.zeros(4))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 2\)"):
        MSELoss()(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"\(5,\).*\(4,\)"):
        HingeLoss()(np.zeros(4), np.ones(5))
    with pytest.raises(ValueError, match=r"shape \(batch, classes\), got shape \(4,\)"):
        CrossEntropyLoss()(np.zeros(4), np.zeros(4, dtype=int))


def test_unknown_loss_name_lists_the_names():
    with pytest.raises(ValueError, match=r"unknown loss 'crossentropy2'.*cross_entropy.*hinge"):
        loss_function("crossentropy2")


@pytest.mark.parametrize("cls", list(LOSSES.values()))
def test_bad_reduction(cls):
    with pytest.raises(ValueError, match=r"reduction must be 'mean' or 'sum', got 'avg'"):
        cls(reduction="avg")


def test_other_input_errors():
    with pytest.raises(ValueError, match="BCEWithLogitsLoss"):
        BCELoss()(np.array([0.5, 1.5]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"\+1/-1.*got 2"):
        HingeLoss()(np.zeros(3), np.array([1, 2, -1]))
    with pytest.raises(ValueError, match=r"\(y \+ 1\) / 2"):
        CrossEntropyLoss()(np.zeros((2, 3)), np.array([[1, -1, -1], [-1, 1, -1]]))


# ---------------------------------------------------------------- registry and config
def test_registry_names_and_config_round_trip():
    assert set(LOSSES) == {
        "quadratic", "mse", "sum_of_squares", "bce", "bce_with_logits",
        "cross_entropy", "nll", "hinge", "multi_margin",
    }  # fmt: skip
    for name, cls in LOSSES.items():
        loss = loss_function(name, reduction="sum")
        assert type(loss) is cls and isinstance(loss, Loss)
        cfg = loss.config()
        assert cfg["type"] == cls.__name__ and cfg["reduction"] == "sum"
        again = loss_function(cfg)
        assert type(again) is cls and again.config() == cfg
        assert type(loss_function(cls.__name__)) is cls
    assert MultiMarginLoss(margin=0.5).config() == {
        "type": "MultiMarginLoss", "reduction": "mean", "margin": 0.5,
    }  # fmt: skip
    assert loss_function(MultiMarginLoss(margin=0.5).config()).margin == 0.5
    assert QuadraticLoss().config() == {"type": "QuadraticLoss", "reduction": "mean"}
    assert repr(CrossEntropyLoss("sum")) == "CrossEntropyLoss(reduction='sum')"


# ---------------------------------------------------------------- graph behaviour
def test_cross_entropy_and_quadratic_are_single_fused_nodes():
    z = backprop.tensor(np.ones((4, 3)), requires_grad=True)
    ce = CrossEntropyLoss()(z, [0, 1, 2, 0])
    quad = QuadraticLoss()(z, np.zeros((4, 3)))
    assert ce.parents == (z,) and ce.op == "cross_entropy_loss"
    assert quad.parents == (z,) and quad.op == "quadratic_loss"


def test_target_is_a_constant_and_dtype_follows_output():
    a = backprop.tensor(np.ones((2, 2), dtype=np.float32), requires_grad=True)
    y = backprop.tensor(np.zeros((2, 2)), requires_grad=True)
    value = MSELoss()(a, y)
    assert value.dtype == np.float32
    value.backward()
    assert y.grad is None and a.grad.dtype == np.float32
    np.testing.assert_allclose(a.grad, 0.5 * np.ones((2, 2)))
    z32 = backprop.tensor(np.zeros((2, 3), dtype=np.float32), requires_grad=True)
    CrossEntropyLoss()(z32, np.array([0, 2])).backward()
    assert z32.grad.dtype == np.float32
    plain = CrossEntropyLoss()(np.zeros((2, 3)), [0, 1])  # arrays in: a constant comes out
    assert not plain.requires_grad and plain.item() == pytest.approx(np.log(3))


def test_backward_twice_gives_the_same_gradient():
    z = backprop.tensor(np.random.default_rng(4).standard_normal((3, 4)), requires_grad=True)
    loss = CrossEntropyLoss()(z, [0, 1, 3])
    loss.backward()
    first = z.grad.copy()
    z.zero_grad()
    loss.backward()
    np.testing.assert_array_equal(z.grad, first)


# ---------------------------------------------------------------- gradcheck through a Linear layer
def _gradcheck_case(name, rng):
    B, n_in, C = 5, 4, 3
    labels = rng.integers(0, C, B)
    head = {
        "quadratic": (lambda z: z, rng.standard_normal((B, C))),
        "mse": (lambda z: z, rng.standard_normal((B, C))),
        "sum_of_squares": (lambda z: z, rng.standard_normal((B, C))),
        "bce": (ops.sigmoid, rng.uniform(0, 1, (B, C))),
        "bce_with_logits": (lambda z: z, rng.integers(0, 2, (B, C)).astype(float)),
        "cross_entropy": (lambda z: z, labels),
        "nll": (ops.log_softmax, labels),
        "hinge": (lambda z: z, rng.choice([-1.0, 1.0], (B, 1))),
        "multi_margin": (lambda z: z, labels),
    }
    activation, target = head[name]
    n_out = 1 if name == "hinge" else C
    return activation, target, n_in, n_out, B


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_gradcheck_loss_after_linear(name, reduction):
    rng = np.random.default_rng(sorted(LOSSES).index(name))
    activation, target, n_in, n_out, B = _gradcheck_case(name, rng)
    layer = Linear(n_in, n_out, seed=rng, dtype="float64")
    layer.bias.data[:] = rng.standard_normal(n_out) * 0.1
    x = backprop.tensor(rng.standard_normal((B, n_in)), requires_grad=True, dtype="float64")
    loss = loss_function(name, reduction=reduction)

    def fn(x, w, b):
        return loss(activation(ops.linear(x, w, b)), target)

    assert backprop.gradcheck(fn, x, layer.weight, layer.bias, atol=1e-7, rtol=1e-5)


def test_gradcheck_cross_entropy_probability_targets():
    rng = np.random.default_rng(5)
    layer = Linear(4, 3, seed=rng, dtype="float64")
    x = backprop.tensor(rng.standard_normal((6, 4)), requires_grad=True, dtype="float64")
    q = softmax_rows(rng.standard_normal((6, 3)))

    def fn(x, w, b):
        return CrossEntropyLoss()(ops.linear(x, w, b), q)

    assert backprop.gradcheck(fn, x, layer.weight, layer.bias, atol=1e-7, rtol=1e-5)


def test_gradcheck_catches_a_wrong_gradient():
    class Wrong(QuadraticLoss):  # quadratic value, MSE gradient (differ for K != 2)
        def forward(self, output, target):
            value = super().forward(output, target)
            mse = MSELoss().forward(output, target)
            value._vjp = mse._vjp
            return value

    x = backprop.tensor(np.ones((3, 4)) * 0.3, requires_grad=True, dtype="float64")
    with pytest.raises(backprop.GradcheckError):
        backprop.gradcheck(lambda a: Wrong()(a, np.zeros((3, 4))), x)


# ---------------------------------------------------------------- regularization
def _model(seed=0):
    rng = np.random.default_rng(seed)
    model = Sequential(
        Linear(3, 4, seed=rng, dtype="float64"), Linear(4, 2, seed=rng, dtype="float64")
    )
    for p in (model[0].bias, model[1].bias):
        p.data[:] = rng.standard_normal(p.shape)
    return model


def test_l2_value_and_gradient_is_lambda_w_on_weights_only():
    model = _model()
    lmbda = 0.3
    penalty = L2(lmbda)(model)
    weights = [model[0].weight.data, model[1].weight.data]
    assert penalty.item() == pytest.approx(lmbda * 0.5 * sum(np.sum(w**2) for w in weights))
    penalty.backward()
    for layer in model:
        np.testing.assert_allclose(layer.weight.grad, lmbda * layer.weight.data, rtol=1e-14)
        assert layer.bias.grad is None or not np.any(layer.bias.grad)


def test_l1_value_and_gradient_is_lambda_sign_w():
    model = _model(1)
    model[0].weight.data[0, 0] = 0.0  # sign(0) = 0
    lmbda = 0.05
    penalty = L1(lmbda)(model)
    weights = [model[0].weight.data, model[1].weight.data]
    assert penalty.item() == pytest.approx(lmbda * sum(np.abs(w).sum() for w in weights))
    penalty.backward()
    for layer in model:
        np.testing.assert_allclose(layer.weight.grad, lmbda * np.sign(layer.weight.data))
        assert layer.bias.grad is None or not np.any(layer.bias.grad)
    assert model[0].weight.grad[0, 0] == 0


@pytest.mark.parametrize(("cls", "local"), [(L1, np.sign), (L2, lambda w: w)])
def test_include_bias(cls, local):
    model = _model(2)
    lmbda = 0.2
    cls(lmbda, include_bias=True)(model.named_parameters()).backward()
    for _, p in model.named_parameters():
        np.testing.assert_allclose(p.grad, lmbda * local(p.data), rtol=1e-14)


def test_regularized_objective_matches_torch():
    # ERM: (1/N) sum L + lambda Omega, Omega = 1/2 sum w^2, on the weights only.
    rng = np.random.default_rng(6)
    model = _model(3)
    x, labels = rng.standard_normal((8, 3)), rng.integers(0, 2, 8)
    lmbda = 0.1
    cost = CrossEntropyLoss()(model(x), labels) + L2(lmbda)(model)
    cost.backward()
    tp = {n: torch.tensor(p.data, requires_grad=True) for n, p in model.named_parameters()}
    h = F.linear(torch.tensor(x), tp["0.weight"], tp["0.bias"])
    out = F.linear(h, tp["1.weight"], tp["1.bias"])
    ref = F.cross_entropy(out, torch.tensor(labels)) + lmbda / 2 * (
        tp["0.weight"].pow(2).sum() + tp["1.weight"].pow(2).sum()
    )
    ref.backward()
    assert cost.item() == pytest.approx(ref.item(), rel=RTOL)
    for n, p in model.named_parameters():
        np.testing.assert_allclose(p.grad, tp[n].grad.numpy(), rtol=RTOL, atol=ATOL)


def test_regularizer_validation_and_config():
    for cls in (L1, L2):
        with pytest.raises(ValueError, match="lmbda must be >= 0"):
            cls(-0.1)
        with pytest.raises(ValueError, match="finite"):
            cls(float("nan"))
    assert L2(0.01).config() == {"type": "L2", "lmbda": 0.01, "include_bias": False}
    assert L1(0.5, include_bias=True).config() == {"type": "L1", "lmbda": 0.5, "include_bias": True}
    for reg in (L1(0.5, include_bias=True), L2(0.01)):
        assert regularizer(reg.config()) == reg
    assert regularizer("l2", lmbda=0.1) == L2(0.1)
    assert set(REGULARIZERS) == {"L1", "L2"}
    with pytest.raises(ValueError, match="unknown regularizer 'L3'"):
        regularizer("L3", lmbda=1.0)
    with pytest.raises(TypeError, match="named_parameters"):
        L2(0.1)(_model().parameters())
    assert repr(L2(0.1, include_bias=True)) == "L2(lmbda=0.1, include_bias=True)"


def test_regularizer_with_nothing_to_penalize_is_zero():
    layer = Linear(2, 2, dtype="float64")
    only_bias = [("bias", layer.bias)]
    assert L2(1.0)(only_bias).item() == 0.0
    assert L1(0.0)(layer).item() == 0.0
