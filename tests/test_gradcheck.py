"""backprop.gradcheck: passes correct gradients, catches wrong ones and says where."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import backprop
from backprop import GradcheckError, nn, tensor
from backprop.gradcheck import _compare, check_model_gradients
from backprop.tensor import make_node


def _scaled_op(x, factor=1.0, at=None):
    """Y = 2 X with a VJP multiplied by ``factor`` (everywhere, or only at index ``at``)."""

    def vjp(g):
        gx = np.array(g * 2.0, dtype=x.data.dtype)
        if at is None:
            gx *= factor
        else:
            gx[at] *= factor
        return (gx,)

    return make_node(x.data * 2.0, (x,), vjp, "scaled")


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda x: (x * x).sum(), [(3,)]),
        (lambda x: x.tanh(), [(2, 3)]),  # a non-scalar output
        (lambda x, w: (x @ w).sigmoid(), [(4, 3), (3, 2)]),
        (lambda x, b: (x + b).softmax(-1), [(4, 3), (3,)]),
        (lambda x: x.log_softmax(0)[np.array([1, 1, 0])], [(3, 2)]),
        (lambda a, b: (a * a + 1) ** b, [(2, 2), (2,)]),
        (lambda x: x.logsumexp(axis=1, keepdims=True) - x.mean(), [(2, 5)]),
        (lambda x: backprop.stack([x, x.exp()], axis=1).reshape(-1), [(3,)]),
        (lambda x: x.step() * 3.0, [(4,)]),
        (lambda x: x.max(), [(5,)]),
        (lambda x: x @ x, [(3,)]),  # a 0-d output from vector @ vector
        (lambda x: x, [(2, 2)]),  # the input itself
    ],
)
def test_correct_functions_pass(fn, shapes):
    rng = np.random.default_rng(len(shapes) * 10 + shapes[0][0])
    inputs = [tensor(rng.uniform(0.2, 1.5, s), requires_grad=True) for s in shapes]
    assert backprop.gradcheck(fn, *inputs) is True


def test_tighter_tolerances_still_pass_in_float64():
    x = tensor(np.linspace(-1, 1, 7), requires_grad=True)
    assert backprop.gradcheck(lambda x: (x.sigmoid() * x).sum(), x, atol=1e-8, rtol=1e-6)


def test_float32_inputs_are_checked_in_float64():
    x = tensor([0.3, -0.7, 1.1], requires_grad=True)  # float32
    assert backprop.gradcheck(lambda x: (x.exp() * x.tanh()).sum(), x, atol=1e-8, rtol=1e-7)
    assert x.dtype == np.float32 and x.grad is None


def test_non_tensor_and_constant_inputs_are_passed_through():
    rng = np.random.default_rng(1)
    x = tensor(rng.standard_normal((3, 2)), requires_grad=True)
    c = tensor(rng.standard_normal((3, 2)))  # not checked
    w = rng.standard_normal(2)
    assert backprop.gradcheck(lambda x, c, w, k: ((x * c) @ w).tanh() * k, x, c, w, 3.0)


@pytest.mark.parametrize("factor", [1.5, 0.5, 1.01, -1.0])
def test_wrong_vjp_is_caught(factor):
    x = tensor(np.linspace(0.5, 1.5, 6).reshape(2, 3), requires_grad=True)
    with pytest.raises(GradcheckError):
        backprop.gradcheck(lambda x: _scaled_op(x, factor).sum(), x)


def test_message_names_input_index_worst_element_and_values():
    a = tensor(np.ones((2,)), requires_grad=True)
    x = tensor(np.arange(12.0).reshape(3, 4) / 10, requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        backprop.gradcheck(lambda a, x: (a * 3.0).sum() + _scaled_op(x, 1.5, at=(1, 2)).sum(), a, x)
    msg = str(info.value)
    assert "input 1" in msg
    assert "(3, 4)" in msg
    assert "(1, 2)" in msg and "np.int64" not in msg
    assert "analytic" in msg and "numeric" in msg and "relative error" in msg
    analytic = float(re.search(r"analytic (\S+?),", msg).group(1))
    numeric = float(re.search(r"numeric (\S+?),", msg).group(1))
    relative = float(re.search(r"relative error (\S+)", msg).group(1))
    assert analytic == pytest.approx(3.0, rel=1e-9)
    assert numeric == pytest.approx(2.0, rel=1e-6)
    assert relative == pytest.approx(0.5, rel=1e-3)
    assert isinstance(info.value, AssertionError)


def test_message_names_the_label():
    x = tensor([1.0, 2.0], requires_grad=True)
    x.label = "w1"
    with pytest.raises(GradcheckError, match="'w1'"):
        backprop.gradcheck(lambda x: _scaled_op(x, 2.0).sum(), x)


def test_worst_element_is_chosen_even_with_atol_zero():
    # Elements with zero gradient agree exactly (0 / 0 in the error ratio must not win).
    x = tensor([0.0, 1.0, 2.0, 3.0], requires_grad=True)
    mask = np.array([0.0, 0.0, 1.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(GradcheckError, match=r"index \(3,\)"):
            backprop.gradcheck(lambda x: _scaled_op(x * mask, 1.5, at=3).sum(), x, atol=0.0)


def test_scalar_input_index():
    x = tensor(0.7, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 0.*index \(\)"):
        backprop.gradcheck(lambda x: _scaled_op(x, 3.0), x)


def test_wrong_vjp_of_non_scalar_output_is_caught():
    """A VJP that is right for G = ones (the gradient of .sum()) but wrong for other G: a check
    that only summed the output would miss it; the random projection does not."""

    def sum_only(x):
        return make_node(x.data * 2.0, (x,), lambda g: (np.full(x.shape, 2.0 * g.mean()),), "bad")

    x = tensor(np.linspace(0.1, 1.0, 6).reshape(2, 3), requires_grad=True)
    assert backprop.gradcheck(lambda x: sum_only(x).sum(), x)  # invisible through a sum
    with pytest.raises(GradcheckError):
        backprop.gradcheck(sum_only, x)


def test_missing_gradient_path_is_caught():
    x = tensor([0.5, 1.5], requires_grad=True)
    with pytest.raises(GradcheckError):
        backprop.gradcheck(lambda x: x.detach() * x.detach(), x)


def test_nan_gradient_is_caught():
    x = tensor([0.5, 1.5], requires_grad=True)

    def nan_op(x):
        return make_node(x.data * 1.0, (x,), lambda g: (g * np.nan,), "nan")

    with pytest.raises(GradcheckError, match="nan"):
        backprop.gradcheck(lambda x: nan_op(x).sum(), x)


def test_inputs_are_not_modified():
    x_np = np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], dtype=np.float32)
    x = tensor(x_np.copy(), requires_grad=True)
    w = tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    before = x.data
    backprop.gradcheck(lambda x, w: (x * w).tanh(), x, w)
    assert x.data is before and x.dtype == np.float32
    np.testing.assert_array_equal(x.data, x_np)
    np.testing.assert_array_equal(w.data, [1.0, 2.0, 3.0])
    assert x.grad is None and w.grad is None
    assert x.requires_grad and w.requires_grad
    with pytest.raises(GradcheckError):
        backprop.gradcheck(lambda x: _scaled_op(x, 2.0).sum(), x)
    np.testing.assert_array_equal(x.data, x_np)
    assert x.grad is None


def test_grad_mode_is_on_after_gradcheck():
    x = tensor([1.0], requires_grad=True)
    backprop.gradcheck(lambda x: x * 2, x)
    assert backprop.is_grad_enabled()
    with pytest.raises(GradcheckError):
        backprop.gradcheck(lambda x: _scaled_op(x, 2.0), x)
    assert backprop.is_grad_enabled()


def test_usage_errors():
    with pytest.raises(ValueError, match="requires_grad"):
        backprop.gradcheck(lambda x: x * 2, tensor([1.0]))
    with pytest.raises(TypeError, match="Tensor"):
        backprop.gradcheck(lambda x: 3.0, tensor([1.0], requires_grad=True))


# ---------------------------------------------------------------------------- the report


def test_agreement_counts_each_element_by_the_bound_it_passes():
    """|a - n| <= rtol |n| (n != 0) first, else |a - n| <= atol, else only their sum."""
    analytic = np.array([1.0, 0.0, 1e-7, 0.5, 1.0, 0.0])
    numeric = np.array([1.0000001, 1e-9, 0.0, 0.5004, 1.0015, 0.0])
    flat = np.arange(6)
    agree = _compare("w", analytic, numeric, flat, (6,), atol=1e-3, rtol=1e-3)
    # 1.0 and 0.5 by rtol; 1e-9, the numeric 0 and the exact 0 by atol; 1.0015 only by the sum
    assert (agree.checked, agree.by_rtol, agree.by_atol, agree.by_both) == (6, 2, 3, 1)
    assert agree.largest_relative == pytest.approx(4e-4 / 0.5004, rel=1e-6)
    assert agree.largest_absolute == pytest.approx(1.5e-3, rel=1e-6)
    assert agree.describe() == (
        "2 by relative tolerance, 3 by absolute tolerance, 1 only by the two together "
        "(largest relative error 8.0e-04, largest absolute error 1.5e-03)"
    )
    tight = _compare("w", analytic[:1], numeric[:1], flat[:1], (1,), atol=0.0, rtol=1e-6)
    assert (tight.by_rtol, tight.by_atol, tight.by_both) == (1, 0, 0)
    with pytest.raises(GradcheckError):  # 1.0015 fails when atol alone is smaller
        _compare("w", analytic, numeric, flat, (6,), atol=1e-4, rtol=1e-3)


def test_model_report_counts_relative_and_absolute_agreements():
    """A weight whose input column is 0 has gradient exactly 0: it agrees by atol, not rtol."""
    model = nn.Linear(2, 1, seed=0)
    X = np.array([[0.0, 1.0], [0.0, 2.0]])
    y = np.array([[1.0], [0.0]])
    report = check_model_gradients(model, X, y, lambda out, t: ((out - tensor(t)) ** 2).sum())
    lines = report.splitlines()
    assert lines[0] == "backprop vs central differences (eps=1e-06, float64) on 2 examples:"
    assert re.fullmatch(
        r"weight +\(1, 2\) +2 of 2 +elements agree: 1 by relative tolerance, 1 by absolute "
        r"tolerance \(largest relative error \S+, largest absolute error \S+\)",
        lines[1],
    )
    assert re.fullmatch(
        r"bias +\(1,\) +1 of 1 +elements agree: 1 by relative tolerance, 0 by absolute "
        r"tolerance \(largest relative error \S+, largest absolute error \S+\)",
        lines[2],
    )
    assert lines[3] == (
        "3 of 3 elements checked, all within |analytic - numeric| <= atol + rtol |numeric| "
        "(atol=1e-05, rtol=0.001): 2 by relative tolerance, 1 by absolute tolerance"
    )
    partial = check_model_gradients(
        nn.Linear(3, 2, seed=0), np.ones((2, 3)), y, lambda out, t: out.sum(), 2
    ).splitlines()
    assert partial[-1].startswith("4 of 8 elements checked, all within ")  # 2 of 6, 2 of 2
    assert partial[-1].endswith("; the other 4 elements were not checked")
