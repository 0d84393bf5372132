"""Leaving backprop: networks to PyTorch and back, and to ONNX files that ONNX Runtime runs.

Every activation of the table (with non-default parameters too) and Softmax, in float32 and
float64: outputs and gradients against PyTorch, outputs against ONNX Runtime on batches of
several sizes, and the errors for what has no counterpart."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings

import numpy as np
import onnx
import onnxruntime
import pytest
import torch

import backprop as bp
from backprop import nn
from backprop.activations import ACTIVATIONS
from backprop.errors import ConversionError
from backprop.interop.onnx import OPSET, PrecisionWarning
from backprop.interop.torch import save_state_dict, torch_constructor
from backprop.layered import Network
from backprop.tensor import tensor

# Non-default parameters, so that a parameter lost on the way fails (the default would differ).
PARAMS = {"leaky_relu": [{}, {"negative_slope": 0.2}], "elu": [{}, {"alpha": 0.5}]}
CASES = [(name, p) for name in ACTIVATIONS for p in PARAMS.get(name, [{}])] + [("softmax", {})]
IDS = [f"{name}-{p}" if p else name for name, p in CASES]
TORCH_CASES = [case for case in CASES if case[0] != "step"]
TORCH_IDS = [i for i, case in zip(IDS, CASES, strict=True) if case[0] != "step"]
DTYPES = ["float32", "float64"]
TOL = {"float32": 1e-6, "float64": 1e-12}


def network(name: str, params: dict[str, float], dtype: str, seed: int = 0) -> nn.Sequential:
    """5 -> 7 -> 6 -> 3 with the activation after every hidden layer (softmax: at the output).

    Weights and biases are drawn from N(0, 1), so that biases are not zero and a good share of
    the pre-activations is negative."""
    rng = np.random.default_rng(seed)

    def linear(n_in: int, n_out: int) -> nn.Linear:
        return nn.Linear(n_in, n_out, init="normal", seed=rng, dtype=dtype)

    if name == "softmax":
        return nn.Sequential(linear(5, 7), nn.Tanh(), linear(7, 3), nn.Softmax())
    g = nn.activation_module
    return nn.Sequential(
        linear(5, 7), g(name, **params), linear(7, 6), g(name, **params), linear(6, 3)
    )


def batch(size: int, dtype: str, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(size, 5)).astype(dtype)


def ours(model, X):
    return model(X).data


# ---------------------------------------------------------------------- PyTorch
@pytest.mark.parametrize(("name", "params"), TORCH_CASES, ids=TORCH_IDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_through_torch_keeps_outputs_weights_and_parameters(name, params, dtype):
    model = network(name, params, dtype)
    X = batch(9, dtype)
    converted = bp.to_torch(model)
    assert isinstance(converted, torch.nn.Sequential) and len(converted) == len(model)
    for layer, module in zip(model, converted, strict=True):
        if isinstance(layer, nn.Linear):
            assert type(module) is torch.nn.Linear
            assert module.weight.dtype == getattr(torch, dtype)
            np.testing.assert_array_equal(module.weight.detach().numpy(), layer.weight.data)
            np.testing.assert_array_equal(module.bias.detach().numpy(), layer.bias.data)
        elif isinstance(layer, nn.Softmax):
            assert type(module) is torch.nn.Softmax and module.dim == -1
        else:
            assert type(module) is getattr(torch.nn, layer.row.torch)
            for key, value in layer.activation_parameters().items():
                assert getattr(module, key) == value
    with torch.no_grad():
        theirs = converted(torch.from_numpy(X)).numpy()
    assert theirs.dtype == dtype
    expected = ours(model, X)
    assert (expected < 0).any() or name in ("sigmoid", "softmax", "softplus")
    np.testing.assert_allclose(theirs, expected, rtol=TOL[dtype], atol=TOL[dtype])

    back = bp.from_torch(converted)
    assert [type(layer).__name__ for layer in back] == [type(layer).__name__ for layer in model]
    for (key, p), (key_back, p_back) in zip(
        model.named_parameters(), back.named_parameters(), strict=True
    ):
        assert key == key_back and p_back.data.dtype == dtype
        np.testing.assert_array_equal(p_back.data, p.data)
    for layer, layer_back in zip(model, back, strict=True):
        assert layer.config() | {"init": None} == layer_back.config() | {"init": None}
    np.testing.assert_allclose(ours(back, X), expected, rtol=TOL[dtype], atol=TOL[dtype])


@pytest.mark.parametrize(("name", "params"), TORCH_CASES, ids=TORCH_IDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_gradients_of_the_torch_model_equal_ours(name, params, dtype):
    model = network(name, params, dtype)
    converted = bp.to_torch(model)
    X = batch(11, dtype, seed=2)
    upstream = np.random.default_rng(3).normal(size=(11, 3)).astype(dtype)

    (model(X) * tensor(upstream, dtype=dtype)).sum().backward()
    (converted(torch.from_numpy(X)) * torch.from_numpy(upstream)).sum().backward()

    theirs = dict(converted.named_parameters())
    names = [key for key, _ in model.named_parameters()]
    assert [key.removeprefix("layers.") for key in names] == list(theirs)
    rtol, atol = (1e-5, 1e-6) if dtype == "float32" else (1e-10, 1e-12)
    for key, p in model.named_parameters():
        grad = theirs[key.removeprefix("layers.")].grad.numpy()
        assert np.abs(grad).max() > 1e-3  # a real gradient flows into every parameter
        np.testing.assert_allclose(p.grad, grad, rtol=rtol, atol=atol, err_msg=key)


def test_softplus_agrees_with_torch_across_its_range_including_torch_threshold():
    """torch's Softplus returns z itself above threshold = 20 (the table's torch_fixed): within
    e^-20 = 2.1e-9 of ln(1 + e^z); a lower threshold or another beta would not be."""
    linear = nn.Linear(1, 1, dtype="float64")
    linear.weight.data[...] = 1.0
    linear.bias.data[...] = 0.0
    model = nn.Sequential(linear, nn.activation_module("softplus"))
    z = np.linspace(-30.0, 40.0, 701)[:, None]
    with torch.no_grad():
        theirs = bp.to_torch(model)(torch.from_numpy(z)).numpy()
    np.testing.assert_allclose(theirs, ours(model, z), rtol=0, atol=2.1e-9)


def test_the_constructor_line_rebuilds_the_module_for_the_saved_state_dict(tmp_path):
    model = network("leaky_relu", {"negative_slope": 0.2}, "float64")
    assert torch_constructor(model) == (
        "torch.nn.Sequential("
        "torch.nn.Linear(in_features=5, out_features=7, bias=True, dtype=torch.float64), "
        "torch.nn.LeakyReLU(negative_slope=0.2), "
        "torch.nn.Linear(in_features=7, out_features=6, bias=True, dtype=torch.float64), "
        "torch.nn.LeakyReLU(negative_slope=0.2), "
        "torch.nn.Linear(in_features=6, out_features=3, bias=True, dtype=torch.float64))"
    )
    path = tmp_path / "model.pt"
    save_state_dict(model, path)
    rebuilt = eval(torch_constructor(model), {"torch": torch})
    rebuilt.load_state_dict(torch.load(path, weights_only=True))
    X = batch(4, "float64")
    with torch.no_grad():
        np.testing.assert_allclose(
            rebuilt(torch.from_numpy(X)).numpy(), ours(model, X), rtol=1e-12, atol=1e-12
        )
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]  # no temporary left behind


def test_softplus_and_softmax_constructors_carry_their_settings():
    model = nn.Sequential(nn.Linear(2, 3), nn.activation_module("softplus"), nn.Softmax(axis=1))
    assert torch_constructor(model).endswith(
        "torch.nn.Softplus(beta=1.0, threshold=20.0), torch.nn.Softmax(dim=1))"
    )


def test_a_layered_network_converts_through_to_sequential():
    net = Network([4, 6, 3], activation="tanh", seed=0, dtype=np.float64)
    X = np.random.default_rng(0).normal(size=(5, 4))
    with torch.no_grad():
        theirs = bp.to_torch(net)(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(theirs, net.feedforward(X), rtol=1e-12, atol=1e-12)
    softmax = Network([4, 6, 3], activation="sigmoid", cost="log_likelihood", seed=0)
    assert type(bp.to_torch(softmax)[-1]) is torch.nn.Softmax


def test_torch_gradients_of_a_layered_network_equal_its_bp1_to_bp4():
    net = Network([4, 6, 3], activation="tanh", output="sigmoid", seed=0, dtype=np.float64)
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(7, 4)), rng.random((7, 3))
    grad_w, grad_b = net.backprop(X, Y)
    converted = bp.to_torch(net)
    a = converted(torch.from_numpy(X))
    cost = 0.5 * ((a - torch.from_numpy(Y)) ** 2).sum() / len(X)  # the quadratic cost, mean
    assert cost.item() == pytest.approx(net.cost(X, Y), rel=1e-12)
    cost.backward()
    linears = [m for m in converted if isinstance(m, torch.nn.Linear)]
    for ours_w, ours_b, module in zip(grad_w, grad_b, linears, strict=True):
        np.testing.assert_allclose(module.weight.grad.numpy(), ours_w, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(module.bias.grad.numpy(), ours_b, rtol=1e-10, atol=1e-13)


class Custom(nn.Module):
    def forward(self, x):
        return x


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (
            nn.Sequential(nn.Linear(2, 3), nn.Step(), nn.Linear(3, 1)),
            "layer 1: Step(), the threshold (step) unit, has no PyTorch module with a gradient",
        ),
        (
            nn.Sequential(nn.Linear(2, 3), Custom()),
            "layer 1: Custom() has no PyTorch or ONNX counterpart here (Linear, the table's "
            "activations and Softmax convert)",
        ),
        (
            nn.Sequential(nn.Sequential(nn.Linear(2, 3))),
            "layer 0: Sequential() has no PyTorch or ONNX counterpart here (Linear, the table's "
            "activations and Softmax convert)",
        ),
        (nn.Linear(2, 3), "expected a backprop Sequential or layered.Network, got Linear"),
        (
            nn.Sequential(nn.Linear(2, 3, dtype="float16")),
            "layer 0: Linear(2, 3) holds float16 weights; float32 and float64 convert",
        ),
    ],
    ids=["step", "custom", "nested", "not-a-sequential", "float16"],
)
def test_to_torch_names_what_does_not_convert(model, message):
    with pytest.raises(ConversionError) as info:
        bp.to_torch(model)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("module", "message"),
    [
        (
            torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Dropout(0.5)),
            "layer 1: Dropout(p=0.5, inplace=False) has no backprop counterpart (Linear, Softmax "
            "and the activations Sigmoid, Tanh, ReLU, Identity, LeakyReLU, Softplus, ELU convert)",
        ),
        (
            torch.nn.Sequential(torch.nn.Sequential(torch.nn.Linear(2, 3))),
            "layer 0: Sequential() has no backprop counterpart",
        ),
        (torch.nn.Linear(2, 3), "expected a torch.nn.Sequential, got Linear(in_features=2, "),
        (
            torch.nn.Sequential(torch.nn.Softplus(beta=2.0)),
            "layer 0: Softplus(beta=2.0, threshold=20.0): backprop's softplus is torch's "
            "Softplus with beta=1.0",
        ),
        (
            torch.nn.Sequential(torch.nn.Softplus(threshold=5.0)),
            "layer 0: Softplus(beta=1.0, threshold=5.0): backprop's softplus is torch's "
            "Softplus with threshold=20.0",
        ),
        (
            torch.nn.Sequential(torch.nn.LeakyReLU(-0.1)),
            "layer 0: LeakyReLU(negative_slope=-0.1): leaky_relu: negative_slope must be >= 0",
        ),
        (
            torch.nn.Sequential(torch.nn.Linear(2, 3, dtype=torch.float16)),
            "layer 0: Linear(in_features=2, out_features=3, bias=True) holds torch.float16 "
            "weights; float32 and float64 convert",
        ),
        (torch.nn.Sequential(torch.nn.Softmax()), "layer 0: Softmax(dim=None) has no dim"),
    ],
    ids=["dropout", "nested", "not-a-sequential", "beta", "threshold", "slope", "float16", "dim"],
)
def test_from_torch_names_what_does_not_convert(module, message):
    with pytest.raises(ConversionError) as info:
        bp.from_torch(module)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_from_torch_keeps_a_linear_without_bias_and_the_softmax_dim():
    module = torch.nn.Sequential(
        torch.nn.Linear(3, 2, bias=False, dtype=torch.float64), torch.nn.Softmax(dim=0)
    )
    back = bp.from_torch(module)
    assert back[0].bias is None and back[1].axis == 0
    X = np.random.default_rng(0).normal(size=(4, 3))
    with torch.no_grad():
        expected = module(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(ours(back, X), expected, rtol=1e-12, atol=1e-15)
    assert bp.to_torch(back)[0].bias is None


# ---------------------------------------------------------------------- ONNX
def run_onnx(path, X: np.ndarray) -> np.ndarray:
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (output,) = session.run(None, {"input": X.astype(np.float32)})
    return output


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_onnx_runtime_runs_the_export_like_our_forward_pass(tmp_path, name, params, dtype):
    model = network(name, params, dtype)
    path = tmp_path / "model.onnx"
    if dtype == "float64":
        with pytest.warns(PrecisionWarning, match="computes in float64; the ONNX file holds "):
            bp.export_onnx(model, path)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            bp.export_onnx(model, path)
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    assert [(o.domain, o.version) for o in proto.opset_import] == [("", OPSET)]
    for value, width in ((proto.graph.input[0], 5), (proto.graph.output[0], 3)):
        dims = value.type.tensor_type.shape.dim
        assert value.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
        assert (dims[0].dim_param, dims[1].dim_value) == ("batch", width)
    assert [v.name for v in proto.graph.input] == ["input"]
    assert [v.name for v in proto.graph.output] == ["output"]
    for size in (1, 2, 17, 64):
        X = batch(size, dtype, seed=size)
        theirs = run_onnx(path, X)
        assert theirs.shape == (size, 3) and theirs.dtype == np.float32
        np.testing.assert_allclose(theirs, ours(model, X), rtol=1e-5, atol=1e-5)


def test_the_onnx_graph_is_gemm_and_the_tables_operators(tmp_path):
    model = nn.Sequential(
        nn.Linear(2, 3),
        nn.activation_module("leaky_relu", negative_slope=0.2),
        nn.Linear(3, 3, bias=False),
        nn.Step(),
        nn.Linear(3, 2),
        nn.Identity(),
        nn.activation_module("elu", alpha=0.5),
        nn.Softmax(axis=1),
    )
    bp.export_onnx(model, tmp_path / "m.onnx")
    graph = onnx.load(tmp_path / "m.onnx").graph
    nodes = [
        (node.op_type, list(node.input), list(node.output),
         {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute})
        for node in graph.node
    ]  # fmt: skip
    assert [n[:3] for n in nodes] == [
        ("Gemm", ["input", "layers.0.weight", "layers.0.bias"], ["layers.0"]),
        ("LeakyRelu", ["layers.0"], ["layers.1"]),
        ("Gemm", ["layers.1", "layers.2.weight"], ["layers.2"]),
        ("Greater", ["layers.2", "zero"], ["layers.3.positive"]),
        ("Cast", ["layers.3.positive"], ["layers.3"]),
        ("Gemm", ["layers.3", "layers.4.weight", "layers.4.bias"], ["layers.4"]),
        ("Elu", ["layers.4"], ["layers.6"]),
        ("Softmax", ["layers.6"], ["output"]),
    ]
    attributes = [n[3] for n in nodes]
    assert attributes[0] == attributes[2] == attributes[5] == {"transB": 1}
    assert attributes[1] == {"alpha": pytest.approx(0.2)}
    assert attributes[4] == {"to": onnx.TensorProto.FLOAT}
    assert attributes[6] == {"alpha": 0.5} and attributes[7] == {"axis": 1}
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer}
    np.testing.assert_array_equal(weights["layers.0.weight"], model[0].weight.data)
    assert weights["layers.0.weight"].shape == (3, 2) and weights["zero"] == 0
    X = np.random.default_rng(0).normal(size=(6, 2)).astype(np.float32)
    np.testing.assert_allclose(run_onnx(tmp_path / "m.onnx", X), ours(model, X), atol=1e-6)


def test_a_layered_network_exports_to_onnx(tmp_path):
    net = Network([4, 6, 3], activation="sigmoid", cost="log_likelihood", seed=0)
    bp.export_onnx(net, tmp_path / "net.onnx")
    X = np.random.default_rng(0).normal(size=(8, 4)).astype(np.float32)
    np.testing.assert_allclose(run_onnx(tmp_path / "net.onnx", X), net.feedforward(X), atol=1e-6)


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (
            nn.Sequential(nn.Linear(2, 3), Custom()),
            "layer 1: Custom() has no PyTorch or ONNX counterpart here",
        ),
        (
            nn.Sequential(nn.Tanh(), nn.Softmax()),
            "the model has no Linear layer, so the width of its input is unknown",
        ),
        (nn.Sequential(), "the model has no Linear layer, so the width of its input is unknown"),
        (
            nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(4, 1)),
            "layer 2: Linear(4, 1) takes 4 inputs, but the layer before gives 3",
        ),
    ],
    ids=["custom", "no-linear", "empty", "widths"],
)
def test_an_unsupported_model_exports_nothing(tmp_path, model, message):
    with pytest.raises(ConversionError, match="^" + re.escape(message)):
        bp.export_onnx(model, tmp_path / "model.onnx")
    assert list(tmp_path.iterdir()) == []
    existing = tmp_path / "old.onnx"
    existing.write_bytes(b"old")
    with pytest.raises(ConversionError):
        bp.export_onnx(model, existing)
    assert existing.read_bytes() == b"old" and list(tmp_path.iterdir()) == [existing]


def test_export_into_a_missing_folder_writes_nothing(tmp_path):
    with pytest.raises(FileNotFoundError, match="the folder does not exist"):
        bp.export_onnx(network("tanh", {}, "float32"), tmp_path / "no" / "model.onnx")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- optional dependencies
def python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )


def test_importing_backprop_imports_neither_torch_nor_onnx():
    result = python(
        "import sys, backprop as bp\n"
        "heavy = {'torch', 'onnx', 'onnxruntime'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
        "assert callable(bp.export_onnx) and 'onnx' in sys.modules and 'torch' not in sys.modules\n"
        "assert callable(bp.to_torch) and bp.from_torch.__module__ == 'backprop.interop.torch'\n"
        "assert 'torch' in sys.modules\n"
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("blocked", "name", "message"),
    [
        ("torch", "to_torch", "backprop's PyTorch conversion needs PyTorch: pip install torch"),
        ("onnx", "export_onnx", "backprop's ONNX export needs onnx: pip install 'backprop[onnx]'"),
    ],
)
def test_a_missing_optional_package_is_named_with_the_install_command(blocked, name, message):
    result = python(
        f"import sys; sys.modules[{blocked!r}] = None\n"
        "import backprop as bp\n"
        "try:\n"
        f"    bp.{name}\n"
        "except ModuleNotFoundError as exc:\n"
        "    print(exc)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == message + "\n"
