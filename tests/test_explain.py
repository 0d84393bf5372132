"""explain(): the lecture's graph f = (x + y) * z in both engines, and BP1-BP4 of a Network."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from backprop import nn, ops, tensor
from backprop.activations import ACTIVATIONS
from backprop.explain import FORMATS, explain, format_number, network_steps, trace_graph
from backprop.expression import evaluate_expression
from backprop.layered import Network
from backprop.scalar import Value

# ---------------------------------------------------------------------------- helpers


def seed_value_graph() -> tuple[Value, dict[str, Value]]:
    """Seed 002: f(x, y, z) = (x + y) * z at x = 1, y = -3, z = 4."""
    x, y, z = Value(1.0, "x"), Value(-3.0, "y"), Value(4.0, "z")
    d = x + y
    d.label = "d"
    f = d * z
    f.label = "f"
    return f, {"x": x, "y": y, "z": z, "d": d, "f": f}


def seed_tensor_graph() -> tuple[object, dict[str, object]]:
    x, y, z = (tensor(v, requires_grad=True) for v in (1.0, -3.0, 4.0))
    x.label, y.label, z.label = "x", "y", "z"
    d = x + y
    d.label = "d"
    f = d * z
    f.label = "f"
    return f, {"x": x, "y": y, "z": z, "d": d, "f": f}


ENGINES = {"Value": seed_value_graph, "Tensor": seed_tensor_graph}


def text_rows(text: str) -> dict[str, list[str]]:
    """The rows of the first text table, keyed by their first cell (columns: 2+ spaces apart)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if re.fullmatch(r"-+(  -+)+", line))
    rows = {}
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        cells = re.split(r"\s{2,}", line.strip())
        rows[cells[0]] = cells
    return rows


def numbers(cell: str) -> np.ndarray:
    return np.array([float(s) for s in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", cell)])


# ---------------------------------------------------------------------------- the seed's graph


@pytest.mark.parametrize("engine", ENGINES)
def test_text_table_shows_the_seed_numbers(engine: str) -> None:
    f, _ = ENGINES[engine]()
    text = explain(f)
    rows = text_rows(text)
    assert list(rows) == ["x", "y", "z", "d", "f"]  # topological order, leaves first
    # columns: node, operation, value, local derivatives, df/d(node), gradient
    assert rows["d"][1:3] == ["d = x + y", "-2"]
    assert rows["f"][1:3] == ["f = d * z", "-8"]
    # local partials with the lecture's formulas: ∂d/∂x = 1, ∂f/∂d = z, ∂f/∂z = d
    assert rows["d"][3] == "∂d/∂x = 1, ∂d/∂y = 1"
    assert rows["f"][3] == "∂f/∂d = z = 4, ∂f/∂z = d = -2"
    assert [rows[n][4] for n in "xyzdf"] == ["4", "4", "-2", "4", "1"]
    assert rows["x"][5] == "df/dx = 4"
    assert rows["y"][5] == "df/dy = 4"
    assert rows["z"][5] == "df/dz = -2"
    assert rows["x"][1] == "(leaf)"
    assert "f = -8" in text
    # the chain rule as on the slide: the total df/dx = df/dd * the local ∂d/∂x = 4 * 1 = 4
    assert text.splitlines()[-5:] == [
        "Chain rule, from the output down (a node used several times sums one term per path):",
        "  df/dd = ∂f/∂d = 4",
        "  df/dz = ∂f/∂z = -2",
        "  df/dy = df/dd · ∂d/∂y = 4 · 1 = 4",
        "  df/dx = df/dd · ∂d/∂x = 4 · 1 = 4",
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_markdown_is_a_pipe_table(engine: str) -> None:
    f, _ = ENGINES[engine]()
    md = explain(f, format="markdown")
    lines = md.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| node |"))
    assert lines[header] == (
        "| node | operation | value | local derivatives | df/d(node) | gradient |"
    )
    assert re.fullmatch(r"\|(---\|){6}", lines[header + 1])
    assert "| f | f = d * z | -8 | ∂f/∂d = z = 4, ∂f/∂z = d = -2 | 1 | — |" in lines
    assert "| x | (leaf) | 1 | — | 4 | df/dx = 4 |" in lines
    assert lines[-2:] == [
        "- df/dy = df/dd · ∂d/∂y = 4 · 1 = 4",
        "- df/dx = df/dd · ∂d/∂x = 4 · 1 = 4",
    ]
    assert "| z | (leaf) | 4 | — | -2 | df/dz = -2 |" in lines


SEED_LATEX = r"""% backprop explain: needs \usepackage{amsmath,longtable} in the preamble
Backpropagation through $f = -8$ (ENGINE graph, 5 nodes, leaves first).

{\small\setlength{\tabcolsep}{4pt}
\begin{longtable}{llrlr}
\hline
Node $v$ & Operation & Value & Local derivatives & $\frac{\mathrm{d} f}{\mathrm{d} v}$ \\
\hline
\endhead
$x$ & (leaf) & $1$ & --- & $4$ \\
$y$ & (leaf) & $-3$ & --- & $4$ \\
$z$ & (leaf) & $4$ & --- & $-2$ \\
$d$ & $d = x + y$ & $-2$ & \begin{tabular}[t]{@{}l@{}}$\frac{\partial d}{\partial x} = 1$ \\ $\frac{\partial d}{\partial y} = 1$\end{tabular} & $4$ \\
$f$ & $f = d \cdot z$ & $-8$ & \begin{tabular}[t]{@{}l@{}}$\frac{\partial f}{\partial d} = z = 4$ \\ $\frac{\partial f}{\partial z} = d = -2$\end{tabular} & $1$ \\
\hline
\end{longtable}
}

Chain rule, from the output down (a node used several times sums one term per path):
{\allowdisplaybreaks
\begin{align*}
\frac{\mathrm{d} f}{\mathrm{d} d} &= \frac{\partial f}{\partial d} = 4 \\
\frac{\mathrm{d} f}{\mathrm{d} z} &= \frac{\partial f}{\partial z} = -2 \\
\frac{\mathrm{d} f}{\mathrm{d} y} &= \frac{\mathrm{d} f}{\mathrm{d} d} \cdot \frac{\partial d}{\partial y} = 4 \cdot 1 = 4 \\
\frac{\mathrm{d} f}{\mathrm{d} x} &= \frac{\mathrm{d} f}{\mathrm{d} d} \cdot \frac{\partial d}{\partial x} = 4 \cdot 1 = 4
\end{align*}}"""  # noqa: E501


@pytest.mark.parametrize("engine", ENGINES)
def test_latex_is_an_ascii_fragment_with_table_and_chain_rule(engine: str) -> None:
    """Total derivatives d f / d v, local partials with the lecture's formulas (∂f/∂d = z),
    the chain rule in an align*; plain ASCII, its preamble named in a comment."""
    f, _ = ENGINES[engine]()
    tex = explain(f, format="latex")
    assert tex == SEED_LATEX.replace("ENGINE", engine)
    assert tex.isascii()


def test_latex_escapes_special_characters_in_names() -> None:
    a = Value(2.0, "my_var")
    b = Value(3.0, "w#1")
    out = a * b
    out.label = "loss_%"
    tex = explain(out, format="latex")
    assert r"\mathrm{my\_var}" in tex and r"\mathrm{w\#1}" in tex and r"\mathrm{loss\_\%}" in tex
    assert "my_var" not in tex and "loss_%" not in tex


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_explain_leaves_grad_untouched(engine: str, fmt: str) -> None:
    f, nodes = ENGINES[engine]()
    before = {k: (None if v.grad is None else np.array(v.grad)) for k, v in nodes.items()}
    explain(f, format=fmt)
    for k, v in nodes.items():
        if before[k] is None:
            assert v.grad is None, k
        else:
            assert np.array_equal(v.grad, before[k]), k
    # after a real backward pass, explain still changes nothing (and leaves keep accumulating)
    f.backward()
    after = {k: np.array(nodes[k].grad) for k in "xyz"}
    assert explain(f, format=fmt) == explain(f, format=fmt)
    for k in "xyz":
        assert np.array_equal(nodes[k].grad, after[k])
    assert float(nodes["x"].grad) == 4.0 and float(nodes["z"].grad) == -2.0


def test_value_leaf_grad_that_was_set_survives() -> None:
    f, nodes = seed_value_graph()
    nodes["x"].grad = 0.5
    nodes["d"].grad = 7.0
    rows = text_rows(explain(f))
    assert rows["x"][5] == "df/dx = 4"  # the table shows this output's gradient ...
    assert nodes["x"].grad == 0.5 and nodes["d"].grad == 7.0  # ... and .grad is left alone


def test_trace_matches_backward_in_both_engines() -> None:
    a, b = Value(0.7, "a"), Value(-1.3, "b")
    out = ((a * b).tanh() + a.exp() * 2 - b / 3 + (a**2).sigmoid()) * a
    trace = trace_graph(out)
    out.backward()
    for node in trace.nodes:
        assert node.grad == pytest.approx(node.node.grad, rel=1e-12), node.name
    ta = tensor(0.7, requires_grad=True, dtype="float64")
    tb = tensor(-1.3, requires_grad=True, dtype="float64")
    tout = ((ta * tb).tanh() + ta.exp() * 2 - tb / 3 + (ta**2).sigmoid()) * ta
    ttrace = trace_graph(tout)
    tout.backward()
    leaves = [n for n in ttrace.nodes if n.is_leaf and n.requires_grad]
    assert len(leaves) == 2
    for node in leaves:
        assert np.allclose(node.grad, node.node.grad)
    assert float(leaves[0].grad) == pytest.approx(trace.nodes[0].grad, rel=1e-12)


def test_automatic_names_and_inline_constants() -> None:
    a, b = Value(2.0), Value(3.0)
    text = explain(a * b + 1)
    rows = text_rows(text)
    assert list(rows) == ["n1", "n2", "n3", "f"]
    assert rows["n3"][1] == "n3 = n1 * n2"
    assert rows["f"][1:3] == ["f = n3 + 1", "7"]
    assert rows["n1"][5] == "df/dn1 = 3" and rows["n2"][5] == "df/dn2 = 2"


@pytest.mark.parametrize(
    ("make", "formula", "value", "local"),
    [
        (lambda x: 2 - x, "f = 2 - x", "-1", "∂f/∂x = -1"),
        (lambda x: x - 2, "f = x - 2", "1", "∂f/∂x = 1"),
        (lambda x: x * 2.5, "f = x * 2.5", "7.5", "∂f/∂x = 2.5"),
        (lambda x: x / 4, "f = x / 4", "0.75", "∂f/∂x = 1/4 = 0.25"),
        (lambda x: 6 / x, "f = 6 / x", "2", "∂f/∂x = -6/x ** 2 = -0.6667"),
        (lambda x: x**2, "f = x ** 2", "9", "∂f/∂x = 2 · x = 6"),
        (lambda x: x**3, "f = x ** 3", "27", "∂f/∂x = 3 · x ** 2 = 27"),
        (lambda x: x**-1, "f = x ** (-1)", "0.3333", "∂f/∂x = -1 · x ** (-2) = -0.1111"),
        (lambda x: x**1, "f = x ** 1", "3", "∂f/∂x = 1"),
        (lambda x: 2**x, "f = 2 ** x", "8", "∂f/∂x = 2 ** x · ln 2 = 5.545"),
        (lambda x: -x, "f = -x", "-3", "∂f/∂x = -1"),
        (lambda x: x.exp(), "f = exp(x)", "20.09", "∂f/∂x = exp(x) = 20.09"),
        (lambda x: x.log(), "f = log(x)", "1.099", "∂f/∂x = 1/x = 0.3333"),
        (lambda x: x.tanh(), "f = tanh(x)", "0.9951", "∂f/∂x = tanh'(x) = 0.009866"),
        (lambda x: x.relu(), "f = relu(x)", "3", "∂f/∂x = ReLU'(x) = 1"),
    ],
)
def test_value_formulas_recover_folded_constants(make, formula, value, local) -> None:
    x = Value(3.0, "x")
    rows = text_rows(explain(make(x)))
    assert rows["f"][1:4] == [formula, value, local]


def test_fan_out_sums_over_consumers() -> None:
    x = Value(3.0, "x")
    sq = x * x
    sq.label = "s"
    out = sq + x
    out.label = "g"
    text = explain(out)
    rows = text_rows(text)
    # one local derivative per use of x, each labelled with its side
    assert rows["s"][3] == "∂s/∂x (left) = x = 3, ∂s/∂x (right) = x = 3"
    assert rows["g"][3] == "∂g/∂s = 1, ∂g/∂x = 1"  # the local ∂g/∂x ...
    assert rows["x"][5] == "dg/dx = 7"  # ... is not the total dg/dx = 2x + 1
    # the total as the sum over the three paths from x to g
    assert text.splitlines()[-1] == (
        "  dg/dx = dg/ds · ∂s/∂x (left) + dg/ds · ∂s/∂x (right) + ∂g/∂x"
        " = 1 · 3 + 1 · 3 + 1 = 3 + 3 + 1 = 7"
    )


def test_expression_x_times_x_plus_x_sums_the_paths() -> None:
    """The issue's example: df/dx = 3 + 3 + 1 = 7 at x = 3, in every format."""
    out = evaluate_expression("x * x + x", {"x": 3})
    text = explain(out)
    assert text_rows(text)["n1"][3] == "∂n1/∂x (left) = x = 3, ∂n1/∂x (right) = x = 3"
    assert text.splitlines()[-2:] == [
        "  df/dn1 = ∂f/∂n1 = 1",
        "  df/dx = df/dn1 · ∂n1/∂x (left) + df/dn1 · ∂n1/∂x (right) + ∂f/∂x"
        " = 1 · 3 + 1 · 3 + 1 = 3 + 3 + 1 = 7",
    ]
    md = explain(out, format="markdown").splitlines()
    assert "| n1 | n1 = x * x | 9 | ∂n1/∂x (left) = x = 3, ∂n1/∂x (right) = x = 3 | 1 | — |" in md
    assert md[-1] == "- " + text.splitlines()[-1].strip()
    tex = explain(out, format="latex").splitlines()
    # in LaTeX one stage of the sum per line of the align*, one path per line of symbols
    assert tex[-8:] == [
        r"\frac{\mathrm{d} f}{\mathrm{d} \mathrm{n1}} &= \frac{\partial f}{\partial \mathrm{n1}}"
        r" = 1 \\",
        r"\frac{\mathrm{d} f}{\mathrm{d} x} &= \frac{\mathrm{d} f}{\mathrm{d} \mathrm{n1}} \cdot "
        r"\frac{\partial \mathrm{n1}}{\partial x}\,(\text{left}) \\",
        r"&\quad + \frac{\mathrm{d} f}{\mathrm{d} \mathrm{n1}} \cdot "
        r"\frac{\partial \mathrm{n1}}{\partial x}\,(\text{right}) \\",
        r"&\quad + \frac{\partial f}{\partial x} \\",
        r"&= 1 \cdot 3 + 1 \cdot 3 + 1 \\",
        r"&= 3 + 3 + 1 \\",
        r"&= 7",
        r"\end{align*}}",
    ]


@pytest.mark.parametrize(
    ("expression", "values", "text", "latex"),
    [
        ("x / y", {"x": 3, "y": 2}, "∂f/∂x = 1/y = 0.5, ∂f/∂y = -x/y ** 2 = -0.75",
         [r"\frac{\partial f}{\partial x} = \frac{1}{y} = 0.5",
          r"\frac{\partial f}{\partial y} = -\frac{x}{y^{2}} = -0.75"]),
        ("x ** y", {"x": 3, "y": 2}, "∂f/∂x = y · x ** (y - 1) = 6, ∂f/∂y = x ** y · ln x = 9.888",
         [r"\frac{\partial f}{\partial x} = y \cdot x^{y - 1} = 6",
          r"\frac{\partial f}{\partial y} = x^{y} \ln x = 9.888"]),
        ("x - y", {"x": 3, "y": 2}, "∂f/∂x = 1, ∂f/∂y = -1",
         [r"\frac{\partial f}{\partial x} = 1", r"\frac{\partial f}{\partial y} = -1"]),
        ("sigmoid(x)", {"x": 0}, "∂f/∂x = sigma'(x) = 0.25",
         [r"\frac{\partial f}{\partial x} = \sigma'\left(x\right) = 0.25"]),
        ("exp(x) * 2", {"x": 0}, "∂f/∂n1 = 2",
         [r"\frac{\partial f}{\partial \mathrm{n1}} = 2"]),
    ],
)  # fmt: skip
def test_local_derivative_formulas_in_text_and_latex(expression, values, text, latex) -> None:
    out = evaluate_expression(expression, values)
    assert text_rows(explain(out))["f"][3] == text
    tex = explain(out, format="latex")
    for part in latex:
        assert f"${part}$" in tex


def test_tensor_vector_graph_shows_elementwise_local_derivatives() -> None:
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.label = "x"
    sq = x * x
    sq.label = "s"
    out = sq.sum()
    rows = text_rows(explain(out))
    assert rows["s"][1:4] == [
        "s = x * x",
        "[1, 4, 9]",
        "∂s/∂x (left) = x = [1, 2, 3], ∂s/∂x (right) = x = [1, 2, 3]",
    ]
    assert rows["f"][1:5] == ["f = sum(s)", "14", "∂f/∂s = [1, 1, 1]", "1"]
    assert rows["x"][5] == "df/dx = [2, 4, 6]"
    assert x.grad is None


def test_tensor_network_graph_unique_labels_and_summed_output() -> None:
    model = nn.Sequential(nn.Linear(2, 3, seed=0), nn.Tanh(), nn.Linear(3, 2, seed=1))
    out = model(np.array([[0.5, -1.0]], dtype=np.float32))
    text = explain(out)
    rows = text_rows(text)
    assert {"W", "b", "W#2", "b#2"} <= set(rows)
    assert "E = sum of the entries of f" in text
    assert "dE/d(node)" in text.splitlines()[2]
    assert rows["n1"][1:3] == ["(constant)", "[[0.5, -1]]"]  # the input: no gradient
    assert rows["n1"][4:] == ["—", "—"]
    assert rows["n2"][1] == "n2 = linear(n1, W, b)"
    assert rows["n2"][3] == "—"  # linear: a full Jacobian, not shown
    # tanh acts elementwise: its local derivative 1 - tanh^2 is shown entry by entry
    n3 = numbers(rows["n3"][2])
    assert rows["n3"][3].startswith("∂n3/∂n2 = tanh'(n2) = [[")
    local = numbers(rows["n3"][3].rsplit("=", 1)[1])
    assert np.allclose(local, 1 - n3**2, rtol=1e-3, atol=1e-3)
    # the upstream gradient of a non-scalar output is a seed of ones
    assert rows["f"][4] == "[[1, 1]]"
    assert rows["b#2"][5] == "dE/db#2 = [1, 1]"
    trace = trace_graph(out)
    out.backward(np.ones_like(out.data))
    for node in trace.nodes:
        if node.is_leaf and node.requires_grad:
            assert np.allclose(node.grad, node.node.grad, rtol=1e-6)
    constant = [n for n in trace.nodes if n.is_leaf and not n.requires_grad]
    assert len(constant) == 1 and constant[0].grad is None  # the input x: no gradient


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_every_activation_of_the_table_is_traced_with_its_symbol_and_derivative(name) -> None:
    row = ACTIVATIONS[name]
    # Value: the LaTeX operation writes the table's symbol, the local derivative is g'(z)
    v = Value(0.5, "z").activation(name)
    v.label = "a"
    assert rf"$a = {row.symbol_latex}\left(z\right)$" in explain(v, format="latex")
    # Tensor: elementwise, so d a / d z is shown entry by entry, equal to g'(z) from a = g(z)
    z = tensor([-1.5, 0.25, 2.0], requires_grad=True, dtype="float64")
    z.label = "z"
    a = ops.activation(z, name)
    a.label = "a"
    rows = text_rows(explain(a))
    assert rows["a"][1] == f"a = {name}(z)"
    assert rows["a"][3].startswith(f"∂a/∂z = {row.symbol_text}'(z) = [")
    local = numbers(rows["a"][3].rsplit("=", 1)[1])
    assert np.allclose(local, row.derivative(row.function(z.data)), rtol=1e-3, atol=1e-12)


# ---------------------------------------------------------------------------- errors


def test_unknown_format_lists_the_valid_ones() -> None:
    f, _ = seed_value_graph()
    with pytest.raises(ValueError, match=r"unknown format 'html'.*'text', 'markdown', 'latex'"):
        explain(f, format="html")
    with pytest.raises(ValueError, match="valid formats"):
        explain(Network([2, 1], seed=0), [1.0, 2.0], [1.0], format="md")


@pytest.mark.parametrize("obj", [3.0, "f", np.ones(3), None, nn.Linear(2, 1)])
def test_unsupported_objects_raise_type_error(obj) -> None:
    with pytest.raises(TypeError, match="explain"):
        explain(obj)


def test_argument_mistakes_raise_type_error() -> None:
    f, _ = seed_value_graph()
    with pytest.raises(TypeError, match="no x, y"):
        explain(f, 1.0, 2.0)
    with pytest.raises(TypeError, match="example x and its target y"):
        explain(Network([2, 1], seed=0))


# ---------------------------------------------------------------------------- networks


def net_and_example() -> tuple[Network, np.ndarray, int]:
    return Network([2, 3, 2], seed=0), np.array([0.5, -1.0]), 1


def test_network_text_lists_bp1_to_bp4() -> None:
    net, x, y = net_and_example()
    text = explain(net, x, y)
    cells = [re.split(r"\s{2,}", line) for line in text.splitlines()]
    rows = {(r[0], r[1]): r for r in cells if len(r) == 4}
    assert rows[("2", "delta^2")][2].startswith("BP1: delta^2 = ")
    assert rows[("1", "delta^1")][2].startswith("BP2: delta^1 = ((w^2)^T delta^2) (.) sigma'(z^1)")
    for layer in ("1", "2"):
        assert rows[(layer, f"dC/db^{layer}")][2].startswith("BP3: ")
        assert rows[(layer, f"dC/dw^{layer}")][2].startswith("BP4: ")
    # the order of the algorithm: forward pass, then delta^L, its gradients, delta^{L-1}, ...
    order = [key[1] for key in rows if key[0] in "012" and key[1] != "quantity"]
    assert order == [
        "a^0", "w^1", "b^1", "z^1", "a^1", "w^2", "b^2", "z^2", "a^2", "y", "C",
        "delta^2", "dC/db^2", "dC/dw^2", "delta^1", "dC/db^1", "dC/dw^1",
    ]  # fmt: skip


@pytest.mark.parametrize("batch", [False, True])
def test_network_numbers_equal_backprop(batch: bool) -> None:
    net, x, y = net_and_example()
    if batch:
        x = np.array([[0.5, -1.0], [1.0, 2.0], [-0.3, 0.1]])
        y = np.array([1, 0, 1])
    weights = [w.copy() for w in net.weights]
    text = explain(net, x, y)
    assert all(np.array_equal(a, b) for a, b in zip(weights, net.weights, strict=True))
    grad_W, grad_b, rec = net.backprop(np.atleast_2d(x), np.atleast_1d(y), True)
    expected = {"C": np.array([net.cost(np.atleast_2d(x), np.atleast_1d(y))])}
    for l in (1, 2):
        expected[f"z^{l}"] = rec.z[l]
        expected[f"a^{l}"] = rec.a[l]
        expected[f"delta^{l}"] = rec.delta[l]
        expected[f"dC/db^{l}"] = grad_b[l - 1]
        expected[f"dC/dw^{l}"] = grad_W[l - 1]
        expected[f"w^{l}"] = net.weights[l - 1]  # the parameters, to check z^l by hand
        expected[f"b^{l}"] = net.biases[l - 1]
    seen = set()
    for line in text.splitlines():
        cells = re.split(r"\s{2,}", line)
        if len(cells) == 4 and cells[1] in expected:
            got = numbers(cells[3])
            want = np.ravel(expected[cells[1]])
            assert got.shape == want.shape, cells[1]
            assert np.allclose(got, want, rtol=1e-3, atol=1e-6), cells[1]
            seen.add(cells[1])
    assert seen == set(expected)
    # and the structured steps carry Network.backprop's arrays themselves
    steps = {s.quantity: s for s in network_steps(net, x, y)}
    for key, want in expected.items():
        assert np.allclose(steps[key].value, want.reshape(steps[key].value.shape), rtol=1e-6)
    assert np.array_equal(steps["dC/dw^1"].value, grad_W[0])
    assert [s.equation for s in steps.values() if s.equation.startswith("BP")] == [
        "BP1", "BP3", "BP4", "BP2", "BP3", "BP4",
    ]  # fmt: skip
    if batch:
        assert "a batch of 3 examples" in text and "(1/m) sum_x" in text


def test_network_label_and_one_hot_targets_agree() -> None:
    net, x, _ = net_and_example()
    assert explain(net, x, 1) == explain(net, x, [0.0, 1.0])


def test_network_cross_entropy_bp1_and_other_formats() -> None:
    net = Network([2, 2, 1], cost="cross_entropy", seed=1)
    text = explain(net, [0.5, -1.0], 1.0)
    assert "BP1: delta^2 = grad_a C (.) sigma'(z^2) = a^2 - y" in text
    md = explain(net, [0.5, -1.0], 1.0, format="markdown")
    assert md.splitlines()[2] == "| layer | quantity | equation | value |"
    assert re.fullmatch(r"\|(---\|){4}", md.splitlines()[3])
    tex = explain(net, [0.5, -1.0], 1.0, format="latex")
    lines = tex.splitlines()
    assert lines[:4] == [
        r"% backprop explain: needs \usepackage{amsmath,longtable} in the preamble",
        "Backpropagation in Network([2, 2, 1]), every layer sigmoid, cross\\_entropy cost, one "
        "example: forward pass, then BP1--BP4 from layer 2 down.",
        "",
        r"{\small\setlength{\tabcolsep}{4pt}",
    ]
    assert lines[4:9] == [
        r"\begin{longtable}{lll}",
        r"\hline",
        r" & Equation & Value \\",
        r"\hline",
        r"\endhead",
    ]
    assert lines[-3:] == [r"\hline", r"\end{longtable}", "}"] and tex.isascii()
    for tag in ("BP1", "BP2", "BP3", "BP4"):
        assert f"\n{tag} & $" in tex
    assert r"\frac{\partial C}{\partial w^{1}_{jk}}" in tex and r"\begin{bmatrix}" in tex
    w1 = net.weights[0]
    assert (
        r" & $w^{1}\ (2 \times 2)$ & $\begin{bmatrix} "
        + " & ".join(format_number(v) for v in w1[0])
        + r" \\ "
        in tex
    )
    bp1 = r"BP1 & $\delta^{2} = \nabla_a C \odot \sigma'(z^{2}) = a^{2} - y$ & $"
    assert bp1 in tex
    cost = (
        r" & \begin{tabular}[t]{@{}l@{}}$C = -\sum_j [y_j \ln a^{2}_j$ \\ "
        r"$\quad + (1 - y_j) \ln(1 - a^{2}_j)]$\end{tabular} & $"
    )
    assert cost in tex


def test_large_arrays_are_summarised() -> None:
    net = Network([784, 30, 10], seed=0)
    text = explain(net, np.zeros(784), 3)
    rows = {
        r[1]: r for r in (re.split(r"\s{2,}", line) for line in text.splitlines()) if len(r) > 3
    }
    assert rows["dC/dw^1"][3].startswith("<30×784 array, min ")
    assert len(max(text.splitlines(), key=len)) < 400


def test_tensor_without_grad_is_a_constant_and_summed_output_is_named() -> None:
    from backprop import no_grad

    with no_grad():
        t = tensor(2.0) * 3
    rows = text_rows(explain(t))
    assert rows == {"f": ["f", "(constant)", "6", "—", "—", "—"]}
    v = tensor([1.0, 2.0], requires_grad=True)
    v.label = "v"
    text = explain(v * 2)
    assert text.splitlines()[0].startswith("Backpropagation through f = [2, 4] (Tensor graph")
    assert text_rows(text)["v"][4:] == ["[2, 2]", "dE/dv = [2, 2]"]


# ---------------------------------------------------------------------------- per-layer activations

#: (hidden activation, output layer, cost): every kind of BP1 the layered network computes.
COMBINATIONS = [
    ("sigmoid", "sigmoid", "quadratic"),
    ("tanh", "sigmoid", "quadratic"),
    ("relu", "identity", "quadratic"),
    ("softplus", "tanh", "quadratic"),
    ("elu", "sigmoid", "cross_entropy"),
    ("tanh", "sigmoid", "cross_entropy"),
    ("leaky_relu", "softmax", "log_likelihood"),
    ("sigmoid", "softmax", "log_likelihood"),
]
X3 = np.array([[0.5, -1.0, 0.25], [1.5, 0.3, -0.7]])
Y3 = np.array([1, 0])


def combination_net(hidden: str, output: str, cost: str) -> Network:
    return Network([3, 4, 3, 2], activation=hidden, output=output, cost=cost, seed=5,
                   dtype=np.float64)  # fmt: skip


def expected_bp1(output: str, cost: str) -> tuple[str, str]:
    if cost == "log_likelihood":
        return (
            "delta^3 = dC/dz^3 = a^3 - y (softmax, log-likelihood)",
            r"\delta^{3} = \frac{\partial C}{\partial z^{3}} = a^{3} - y",
        )
    g, tex = ACTIVATIONS[output].symbol_text, ACTIVATIONS[output].symbol_latex
    if cost == "cross_entropy":
        return (
            "delta^3 = grad_a C (.) sigma'(z^3) = a^3 - y (cross-entropy)",
            r"\delta^{3} = \nabla_a C \odot \sigma'(z^{3}) = a^{3} - y",
        )
    return (
        f"delta^3 = grad_a C (.) {g}'(z^3) = (a^3 - y) (.) {g}'(z^3)",
        rf"\delta^{{3}} = \nabla_a C \odot {tex}'(z^{{3}}) = (a^{{3}} - y) \odot {tex}'(z^{{3}})",
    )


def finite_difference_derivative(name: str, z: np.ndarray) -> np.ndarray:
    """g'(z) by central differences of the table's g alone (not its derivative)."""
    g, h = ACTIVATIONS[name].function, 1e-6
    return (g(z + h) - g(z - h)) / (2 * h)


def check_bp1_bp2(net: Network, steps: dict[str, object]) -> None:
    """The deltas shown satisfy BP1 and BP2 as the lectures write them, with g' computed
    independently of the network and of the table's derivative."""
    a3, y = steps["a^3"].value, steps["y"].value
    g_out = net.output
    if net.cost_name == "quadratic":
        want = (a3 - y) * finite_difference_derivative(g_out, steps["z^3"].value)
    else:
        want = a3 - y
    np.testing.assert_allclose(steps["delta^3"].value, want, rtol=1e-6, atol=1e-9)
    for l in (2, 1):
        back = steps[f"delta^{l + 1}"].value @ net.weights[l]  # ((w^{l+1})^T delta^{l+1})^T
        want = back * finite_difference_derivative(net.activation, steps[f"z^{l}"].value)
        np.testing.assert_allclose(steps[f"delta^{l}"].value, want, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(("hidden", "output", "cost"), COMBINATIONS)
@pytest.mark.parametrize("batch", [False, True])
def test_network_walk_through_per_layer_activations(hidden, output, cost, batch) -> None:
    net = combination_net(hidden, output, cost)
    x, y = (X3, Y3) if batch else (X3[0], Y3[0])
    steps = {s.quantity: s for s in network_steps(net, x, y)}
    # the numbers are the step record's, unchanged
    record = net.record(np.atleast_2d(x), np.atleast_1d(y))
    for l in (1, 2, 3):
        for name, arrays in (("z", record.z), ("a", record.a), ("delta", record.delta)):
            got = steps[f"{name}^{l}"].value
            assert np.array_equal(got, arrays[l] if batch else arrays[l][0]), (name, l)
        assert np.array_equal(steps[f"dC/dw^{l}"].value, record.grad_w[l])
        assert np.array_equal(steps[f"dC/db^{l}"].value, record.grad_b[l])
    assert float(steps["C"].value) == record.cost
    # the equations name each layer's own activation
    h = ACTIVATIONS[hidden]
    for l in (1, 2):
        assert steps[f"a^{l}"].formula == f"a^{l} = {h.symbol_text}(z^{l})"
        assert steps[f"a^{l}"].formula_latex == rf"a^{{{l}}} = {h.symbol_latex}(z^{{{l}}})"
        assert steps[f"delta^{l}"].equation == "BP2"
        assert steps[f"delta^{l}"].formula == (
            f"delta^{l} = ((w^{l + 1})^T delta^{l + 1}) (.) {h.symbol_text}'(z^{l})"
        )
        assert steps[f"delta^{l}"].formula_latex == (
            rf"\delta^{{{l}}} = ((w^{{{l + 1}}})^\top \delta^{{{l + 1}}}) \odot "
            rf"{h.symbol_latex}'(z^{{{l}}})"
        )
    if output == "softmax":
        assert steps["a^3"].formula == "a^3_j = e^(z^3_j) / sum_k e^(z^3_k) (softmax)"
        assert steps["a^3"].formula_latex == r"a^{3}_j = \frac{e^{z^{3}_j}}{\sum_k e^{z^{3}_k}}"
    else:
        g = ACTIVATIONS[output]
        assert steps["a^3"].formula == f"a^3 = {g.symbol_text}(z^3)"
        assert steps["a^3"].formula_latex == rf"a^{{3}} = {g.symbol_latex}(z^{{3}})"
    assert steps["delta^3"].equation == "BP1"
    assert (steps["delta^3"].formula, steps["delta^3"].formula_latex) == expected_bp1(output, cost)
    cost_text = {
        "quadratic": "C = 1/2 ||y - a^3||^2",
        "cross_entropy": "C = -sum_j [y_j ln a^3_j + (1 - y_j) ln(1 - a^3_j)]",
        "log_likelihood": "C = -sum_j y_j ln a^3_j",
    }[cost]
    cost_latex = {
        "quadratic": r"C = \tfrac12 \|y - a^{3}\|^2",
        "cross_entropy": r"C = -\sum_j [y_j \ln a^{3}_j + (1 - y_j) \ln(1 - a^{3}_j)]",
        "log_likelihood": r"C = -\sum_j y_j \ln a^{3}_j",
    }[cost]
    if batch:
        cost_text = f"C = (1/m) sum_x C_x, C_x: {cost_text[4:]}"
        cost_latex = r"C = \frac{1}{m}\sum_x C_x,\ C_x = " + cost_latex[4:]
    assert (steps["C"].formula, steps["C"].formula_latex) == (cost_text, cost_latex)
    # and those numbers satisfy the equations written beside them
    check_bp1_bp2(net, steps)
    text = explain(net, x, y)
    assert f"BP1: {expected_bp1(output, cost)[0]}" in text
    described = {
        name: f"{name} ({ACTIVATIONS[name].derivative_text})" if name != "softmax" else name
        for name in (hidden, output)
    }
    layers = (
        f"every layer {described[output]}"
        if hidden == output
        else f"hidden layers {described[hidden]}, output layer {described[output]}"
    )
    assert text.startswith(f"Backpropagation in Network([3, 4, 3, 2]), {layers}, {cost} cost, ")


def test_network_title_names_the_layers_activations_once() -> None:
    sigmoid = f"sigmoid ({ACTIVATIONS['sigmoid'].derivative_text})"
    both = Network([2, 3, 1], activation="logistic", output="sigmoid", seed=0)
    assert f"), every layer {sigmoid}, quadratic cost, " in explain(both, [0.5, 1.0], 1.0)
    single = Network([2, 2], activation="tanh", output="sigmoid", seed=0)
    assert f"), output layer {sigmoid}, quadratic cost, " in explain(single, [0.5, 1.0], 1)


@pytest.mark.parametrize("layer", ["hidden", "output"])
def test_a_wrong_derivative_in_the_record_is_caught(layer, monkeypatch) -> None:
    """The check above fails when BP2 (hidden) or BP1 (quadratic output) uses another g'."""
    net = combination_net("tanh", "sigmoid", "quadratic")
    attribute = "_hidden" if layer == "hidden" else "_out"
    row = getattr(net, attribute)

    def wrong(delta: np.ndarray, a: np.ndarray) -> None:
        delta *= 1.01 - a * a if layer == "hidden" else a * (1.01 - a)

    monkeypatch.setattr(net, attribute, dataclasses.replace(row, mul_derivative_=wrong))
    steps = {s.quantity: s for s in network_steps(net, X3, Y3)}
    with pytest.raises(AssertionError):
        check_bp1_bp2(net, steps)


# ---------------------------------------------------------------------------- the command


X_TIMES_X_PLUS_X = """\
Backpropagation through f = 12 (Value graph, 3 nodes, leaves first)

node  operation   value  local derivatives                              df/d(node)  gradient
----  ----------  -----  ---------------------------------------------  ----------  ---------
x     (leaf)      3      —                                              7           df/dx = 7
n1    n1 = x * x  9      ∂n1/∂x (left) = x = 3, ∂n1/∂x (right) = x = 3  1           —
f     f = n1 + x  12     ∂f/∂n1 = 1, ∂f/∂x = 1                          1           —

Chain rule, from the output down (a node used several times sums one term per path):
  df/dn1 = ∂f/∂n1 = 1
  df/dx = df/dn1 · ∂n1/∂x (left) + df/dn1 · ∂n1/∂x (right) + ∂f/∂x = 1 · 3 + 1 · 3 + 1 = 3 + 3 + 1 = 7
"""  # noqa: E501


def test_command_x_times_x_plus_x(capsys) -> None:
    from backprop.cli import main

    assert main(["explain", "x * x + x", "--values", "x=3"]) == 0
    assert capsys.readouterr().out == X_TIMES_X_PLUS_X


def test_command_network_prints_its_defaults_and_takes_output_and_cost(capsys) -> None:
    from backprop.cli import main

    assert main(["explain", "--network", "2,2,1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "no --input given: x = [0.5, 0.5] (the default)\n"
        "no --target given: y = [1] (the default, class 0)\n\n"
        "Backpropagation in Network([2, 2, 1]), every layer sigmoid"
    )
    assert main(["explain", "--network", "2,2", "--input", "1,0", "--target", "0,1"]) == 0
    assert capsys.readouterr().out.startswith("Backpropagation in Network([2, 2])")
    assert main(["explain", "--network", "2,2", "--format", "latex"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [
        "% no --input given: x = [0.5, 0.5] (the default)",
        "% no --target given: y = [1, 0] (the default, class 0)",
        "",
    ]
    args = ["explain", "--network", "2,3,2", "--activation", "tanh", "--input", "1,0"]
    assert main([*args, "--target", "0,1", "--output-activation", "softmax",
                 "--cost", "log_likelihood"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert ", hidden layers tanh (g'(z) = 1 - tanh(z)^2 = 1 - a^2), output layer softmax, " in out
    assert "log_likelihood cost" in out and "(softmax, log-likelihood)" in out
    # a cost that needs another output layer is refused, with Network's reason
    assert main([*args, "--target", "0,1", "--cost", "cross_entropy"]) == 2
    assert "cost='cross_entropy' needs output='sigmoid'" in capsys.readouterr().err


def test_command_standalone_needs_latex(capsys) -> None:
    from backprop.cli import main

    assert main(["explain", "--standalone"]) == 2
    assert "--standalone writes a LaTeX document: add --format latex" in capsys.readouterr().err


def test_the_package_docstring_example_is_what_explain_prints() -> None:
    import doctest
    import importlib

    package = importlib.import_module("backprop.explain")  # backprop.explain is the function
    result = doctest.testmod(package, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted == 5 and result.failed == 0  # the 5 statements of the example
