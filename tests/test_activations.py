"""The activation table: every row against finite differences, PyTorch and its own fast forms,
and every consumer (Value, ops, nn, save/load, CLI, expressions, scikit-learn) reading it."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch

from backprop import activations as table
from backprop import nn, ops
from backprop.activations import ACTIVATIONS, NAMES, activation
from backprop.cli import build_parser
from backprop.expression import FUNCTIONS, evaluate_expression
from backprop.gradcheck import gradcheck
from backprop.io import load, save
from backprop.nn.activations import MODULES
from backprop.nn.losses import binary_cross_entropy_with_logits
from backprop.scalar import Value
from backprop.tensor import tensor

ROWS = list(ACTIVATIONS.values())
IDS = [row.name for row in ROWS]
# Away from the kink at 0 (step, ReLU, leaky ReLU, ELU), both sides of it, tails included.
GRID = np.concatenate([np.linspace(-6.0, -0.05, 60), np.linspace(0.05, 6.0, 60)])
# Non-default parameters as well, so a constant that only matters for them is covered too.
PARAMS = {"leaky_relu": [{}, {"negative_slope": 0.2}], "elu": [{}, {"alpha": 0.5}]}
CASES = [(row, p) for row in ROWS for p in PARAMS.get(row.name, [{}])]
CASE_IDS = [f"{row.name}-{p}" if p else row.name for row, p in CASES]


def _torch_module(row: table.Activation, params: dict[str, float]) -> torch.nn.Module:
    return getattr(torch.nn, row.torch)(**params)


def test_the_table_holds_the_lectures_activations_and_two_more():
    assert NAMES == (
        "step", "sigmoid", "tanh", "relu", "identity", "leaky_relu", "softplus", "elu"
    )  # fmt: skip
    assert table.LECTURE_ACTIVATIONS == ("step", "sigmoid", "tanh", "relu", "identity")
    assert activation("linear") is activation("identity")
    assert activation("logistic") is activation("sigmoid")
    assert activation("threshold") is activation("step")
    assert activation("ReLU") is activation("relu")


def test_unknown_name_is_refused_with_the_choices():
    with pytest.raises(ValueError) as info:
        activation("swish")
    assert str(info.value) == (
        "unknown activation 'swish'; choose one of step, sigmoid, tanh, relu, identity, "
        "leaky_relu, softplus, elu"
    )
    with pytest.raises(ValueError, match="unknown activation 'swish'; choose one of"):
        nn.activation_module("swish")


def test_parameters_are_checked():
    row = activation("leaky_relu")
    assert row.check_parameters() == {"negative_slope": 0.01}
    assert row.check_parameters(negative_slope=0.2) == {"negative_slope": 0.2}
    with pytest.raises(TypeError, match="unexpected parameter.*alpha.*negative_slope"):
        row.check_parameters(alpha=1.0)
    with pytest.raises(ValueError, match="negative_slope must be >= 0"):
        row.check_parameters(negative_slope=-0.1)
    with pytest.raises(TypeError, match="its parameters: none"):
        activation("tanh").check_parameters(alpha=1.0)


@pytest.mark.parametrize(("row", "params"), CASES, ids=CASE_IDS)
def test_derivative_from_the_output_matches_central_differences(row, params):
    h = 1e-6
    a = row.function(GRID, **params)
    numeric = (row.function(GRID + h, **params) - row.function(GRID - h, **params)) / (2 * h)
    np.testing.assert_allclose(row.derivative(a, **params), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("row", "params"), CASES, ids=CASE_IDS)
def test_function_and_derivative_match_torch(row, params):
    z = torch.tensor(GRID, requires_grad=True)
    if row.torch is None:  # the step unit: no torch module with a gradient
        assert row.name == "step"
        expected = (z > 0).double()
        expected_grad = torch.zeros_like(z)
    else:
        expected = _torch_module(row, params)(z)
        (expected_grad,) = torch.autograd.grad(expected.sum(), z)
    a = row.function(GRID, **params)
    np.testing.assert_allclose(a, expected.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        row.derivative(a, **params), expected_grad.numpy(), rtol=1e-9, atol=1e-15
    )


@pytest.mark.parametrize(("row", "params"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_in_place_forms_equal_the_reference(row, params, dtype):
    rng = np.random.default_rng(0)
    z = np.concatenate([GRID, [-100.0, -30.0, 0.0, 30.0, 100.0]]).astype(dtype)
    a = row.function(z, **params)
    assert a.dtype == dtype and row.derivative(a, **params).dtype == dtype
    inplace = z.copy()
    assert row.apply_(inplace, **params) is None
    np.testing.assert_array_equal(inplace, a)
    delta = rng.normal(size=z.shape).astype(dtype)
    expected = delta * row.derivative(a, **params)
    row.mul_derivative_(delta, a, **params)
    np.testing.assert_allclose(delta, expected, rtol=2e-7 if dtype == np.float32 else 1e-15)
    # 0-d arrays (a Tensor of one number) work in place too
    scalar = np.array(z[3])
    row.apply_(scalar, **params)
    assert scalar.shape == () and scalar == a[3]


@pytest.mark.parametrize(("row", "params"), CASES, ids=CASE_IDS)
def test_scalar_form_agrees_with_the_array_form(row, params):
    for z in [*GRID, 0.0, -800.0, 800.0]:
        a, da = row.scalar(float(z), **params)
        arr = np.array([z])
        with np.errstate(over="ignore"):
            ref = row.function(arr, **params)
        assert math.isclose(a, float(ref[0]), rel_tol=1e-14, abs_tol=1e-300), (z, a, ref)
        d_ref = float(row.derivative(ref, **params)[0])
        assert math.isclose(da, d_ref, rel_tol=1e-12, abs_tol=1e-15), (z, da, d_ref)
        assert type(a) is float and type(da) is float


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_formulas_and_names_are_filled_in(row):
    assert row.text.startswith("g(z) = ") and row.derivative_text.startswith("g'(z) = ")
    assert row.latex.startswith("g(z) = ") and row.derivative_latex.startswith("g'(z) = ")
    for tex in (row.latex, row.derivative_latex, row.symbol_latex):
        assert tex and tex.count("{") == tex.count("}")
        assert tex.count(r"\begin{") == tex.count(r"\end{")
        assert tex.count(r"\left") == tex.count(r"\right")
    assert row.symbol_latex.startswith("\\") and row.title and row.source
    assert row.symbol_text.isidentifier()  # one word, written before "(z^l)" and "'(z^l)"
    assert row.module.isidentifier() and row.init in ("he", "xavier")
    if row.torch is not None:
        assert issubclass(getattr(torch.nn, row.torch), torch.nn.Module)
    assert row.onnx is None or re.fullmatch(r"[A-Z][A-Za-z]+", row.onnx)
    assert {row.name: row.onnx for row in ROWS} == {
        "step": "Greater", "sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu", "identity": None,
        "leaky_relu": "LeakyRelu", "softplus": "Softplus", "elu": "Elu",
    }  # fmt: skip


def test_the_checks_catch_a_wrong_constant_or_sign():
    """The comparisons above are tight enough that a derivative with one constant or sign
    changed fails them (every such mutation of activations.py was tried; see the commit)."""
    for row, params in CASES:
        a = row.function(GRID, **params)
        h = 1e-6
        numeric = (row.function(GRID + h, **params) - row.function(GRID - h, **params)) / (2 * h)
        right = row.derivative(a, **params)
        for wrong in (right + 0.01, 1.01 * right, -right, right + (a < 0) * 0.01):
            if np.array_equal(wrong, right):
                continue  # e.g. -0 = 0 for the step unit; covered by +0.01
            assert not np.allclose(wrong, numeric, rtol=1e-6, atol=1e-8), row.name


# ---------------------------------------------------------------------- consumers of the table
@pytest.mark.parametrize(("row", "params"), CASES, ids=CASE_IDS)
def test_value_applies_every_row(row, params):
    for z in (-1.3, 0.7):
        x = Value(z)
        y = x.activation(row.name, **params)
        y.backward()
        a, da = row.scalar(z, **params)
        assert (y.data, x.grad, y.op) == (a, da, row.name)
    for name in ("tanh", "sigmoid", "relu", "step"):
        assert getattr(Value(0.7), name)().data == Value(0.7).activation(name).data


@pytest.mark.parametrize(("row", "params"), CASES, ids=CASE_IDS)
def test_tensor_op_matches_torch_and_gradcheck(row, params):
    rng = np.random.default_rng(1)
    z = rng.normal(size=(4, 5)) * 3
    z[np.abs(z) < 0.05] = 0.5  # away from the kinks
    upstream = rng.normal(size=z.shape)
    x = tensor(z, requires_grad=True, dtype="float64")
    y = ops.activation(x, row.name, **params)
    (y * tensor(upstream, dtype="float64")).sum().backward()
    zt = torch.tensor(z, requires_grad=True)
    if row.torch is None:
        expected = (zt > 0).double()
        expected_grad = np.zeros_like(z)
    else:
        expected = _torch_module(row, params)(zt)
        (g,) = torch.autograd.grad(expected, zt, torch.tensor(upstream))
        expected_grad = g.numpy()
    np.testing.assert_allclose(y.data, expected.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(x.grad, expected_grad, rtol=1e-9, atol=1e-15)
    assert gradcheck(lambda t: ops.activation(t, row.name, **params), x)
    # float32 stays float32; a float64 upstream gradient on a float32 node is promoted
    x32 = tensor(z, requires_grad=True, dtype="float32")
    y32 = x32.activation(row.name, **params)
    assert y32.dtype == np.float32
    y32.backward(upstream)
    np.testing.assert_allclose(x32.grad, expected_grad, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("row", "params"), CASES, ids=CASE_IDS)
def test_module_of_every_row_round_trips_through_save_and_load(row, params, tmp_path):
    cls = MODULES[row.name]
    assert cls.__name__ == row.module and cls.row is row
    module = nn.activation_module(row.name, **params)
    assert type(module) is cls and module.config() == {
        "type": row.module, **row.check_parameters(**params)
    }
    model = nn.Sequential(nn.Linear(3, 4, seed=0), module, nn.Linear(4, 2, seed=1))
    save(model, tmp_path / "m.npz")
    loaded = load(tmp_path / "m.npz")
    assert loaded.config() == model.config()
    x = np.random.default_rng(2).normal(size=(5, 3)).astype(np.float32)
    np.testing.assert_array_equal(loaded(x).data, model(x).data)


def test_module_classes_keep_their_names_and_take_parameters_positionally():
    assert [nn.Step, nn.Sigmoid, nn.Tanh, nn.ReLU, nn.Identity, nn.LeakyReLU] == [
        MODULES[n] for n in ("step", "sigmoid", "tanh", "relu", "identity", "leaky_relu")
    ]
    from backprop.nn.activations import ELU, Softplus

    assert ELU is MODULES["elu"] and Softplus is MODULES["softplus"]
    assert nn.LeakyReLU(0.2).negative_slope == 0.2 and repr(ELU(0.5)) == "ELU(alpha=0.5)"
    with pytest.raises(TypeError, match="at most 1 positional"):
        nn.LeakyReLU(0.1, 0.2)
    with pytest.raises(TypeError, match="multiple values"):
        nn.LeakyReLU(0.1, negative_slope=0.2)
    assert nn.mlp([2, 3, 1], activation="elu")[0].init == "he"


def test_cli_offers_every_row():
    parser = build_parser()
    for name in NAMES:
        args = parser.parse_args(["train", "--data", "xor", "--activation", name])
        assert args.activation == name
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "--data", "xor", "--activation", "swish"])


@pytest.mark.parametrize("name", ["softplus", "elu", "logistic", "linear"])
def test_expressions_accept_every_name(name):
    assert name in FUNCTIONS
    out = evaluate_expression(f"{name}(2 * x)", {"x": -0.4})
    out.backward()
    row = activation(name)
    a, da = row.scalar(-0.8)
    assert out.data == a
    assert math.isclose(out._parents[0]._parents[0].grad, 2 * da)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("name", ["softplus", "elu"])
def test_sklearn_wrapper_trains_with_a_new_row(name):
    from sklearn.datasets import make_moons

    from backprop.sklearn import MLPClassifier

    X, y = make_moons(n_samples=80, noise=0.1, random_state=0)
    clf = MLPClassifier(
        hidden_layer_sizes=(8,), activation=name, learning_rate_init=0.05, max_iter=100,
        random_state=0,
    )  # fmt: skip
    clf.fit(X, y)
    assert type(clf.model_[1]) is MODULES[name]
    assert clf.score(X, y) > 0.8
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1, rtol=1e-6)


# ---------------------------------------------------------------------- softmax family and BCE
def test_softmax_log_softmax_logsumexp_match_torch_at_extremes():
    z = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0], [-1e4, -1e4, -1e4]])
    zt = torch.tensor(z)
    np.testing.assert_allclose(table.softmax(z, 1), torch.softmax(zt, 1).numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        table.log_softmax(z, 1), torch.log_softmax(zt, 1).numpy(), rtol=1e-12
    )
    np.testing.assert_allclose(
        table.logsumexp(z, 1), torch.logsumexp(zt, 1).numpy(), rtol=1e-12
    )
    assert table.logsumexp(z, (0, 1)).shape == () and table.logsumexp(z, 0, True).shape == (1, 3)
    parts = table.shifted_exp(z, 1)
    assert parts.e.max() == 1 and parts.total.shape == (3, 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_row_without_a_finite_max_is_shifted_by_zero_as_torch_does(dtype):
    """A row of -inf has ln sum e^z = -inf (not NaN); the other rows keep their values, also
    when large finite maxima make the one-sum test overflow and take the guarded route."""
    big = np.finfo(dtype).max / 2
    for z in (
        np.array([[-np.inf, -np.inf, -np.inf], [1.0, 2.0, 3.0]], dtype),
        np.array([[big, 0.0, -1.0], [big, big, 0.0], [1.0, 2.0, 3.0]], dtype),
    ):
        zt = torch.tensor(z)
        got, expected = table.logsumexp(z, 1), torch.logsumexp(zt, 1).numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-6)
        np.testing.assert_allclose(
            table.log_softmax(z, 1), torch.log_softmax(zt, 1).numpy(), rtol=1e-6
        )
    assert table.logsumexp(np.array([[-np.inf, -np.inf]]), 1)[0] == -np.inf
    assert np.isnan(table.logsumexp(np.array([[np.nan, 1.0]]), 1)[0])


def test_the_one_stable_bce_on_logits_matches_torch():
    s = np.array([-800.0, -30.0, -1.0, 0.0, 2.0, 40.0, 800.0])
    t = np.array([0.0, 1.0, 0.3, 1.0, 0.0, 1.0, 0.0])
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(s), torch.tensor(t), reduction="none"
    )
    np.testing.assert_allclose(
        binary_cross_entropy_with_logits(s, t), expected.numpy(), rtol=1e-12
    )
