"""The lecture demos (``backprop demo NAME``): each reproduces its slide's numbers.

Every demo runs in a temporary folder; trained demos get a small ``epochs`` so the whole file stays
quick. The asserted numbers are the seeds' own: the XOR tables of seed 000, the (x + y) * z
gradients of seed 002, the gates of seed 001, the output codings and "much slower" numerical
gradients of seed 003, Nielsen's network of seed 004.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from backprop.data import GATES
from backprop.data.real import FASHION_MNIST_DIR
from backprop.demos import DEMOS, NAMES
from backprop.explain.tables import render_table

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
LECTURE_ORDER = [
    "mnist",
    "neuron",
    "gates",
    "xor-hand",
    "xor-learned",
    "linear",
    "approximation",
    "graph",
    "output-codings",
    "numerical-gradient",
    "nielsen",
]


def run_demo(name: str, folder: Path, **kwargs):
    """Run one demo the way ``backprop demo NAME`` does: into an existing folder."""
    out = folder / name
    out.mkdir(parents=True, exist_ok=True)
    return DEMOS[name].run(out, **kwargs)


def assert_png(path: Path) -> None:
    path = Path(path)
    assert path.is_file(), path
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 1000, path


# ---------------------------------------------------------------------- the command line
def test_demo_list_names_the_lectures_in_order():
    result = subprocess.run(
        [sys.executable, "-m", "backprop.cli", "demo", "--list"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    names = [line.split()[0] for line in result.stdout.splitlines() if line.strip()]
    assert names == LECTURE_ORDER
    assert list(NAMES) == LECTURE_ORDER
    for name in LECTURE_ORDER[1:]:
        title = DEMOS[name].TITLE
        assert isinstance(title, str) and title and title in result.stdout


# ---------------------------------------------------------------------- 1. neuron
def test_neuron_pre_activation_and_activations(tmp_path, capsys):
    r = run_demo("neuron", tmp_path)
    a = sum(z * w for z, w in zip(r["inputs"], r["weights"], strict=True)) + r["bias"]
    assert r["a"] == pytest.approx(a) == pytest.approx(0.5)
    s = 1 / (1 + math.exp(-0.5))
    expected = {
        "threshold": (1.0, 0.0),
        "sigmoid": (s, s * (1 - s)),
        "tanh": (math.tanh(0.5), 1 - math.tanh(0.5) ** 2),
        "ReLU": (0.5, 1.0),
        "linear": (0.5, 1.0),
    }
    for name, (g, dg) in expected.items():
        assert r["outputs"][name]["g"] == pytest.approx(g)
        assert r["outputs"][name]["dg"] == pytest.approx(dg)
    # The table: threshold [a > 0] with derivative 0, ReLU max(0, a), linear a.
    for a_value, (step, dstep), (relu, _), (lin, dlin) in zip(
        r["table_a"],
        r["table"]["threshold"],
        r["table"]["ReLU"],
        r["table"]["linear"],
        strict=True,
    ):
        assert step == float(a_value > 0) and dstep == 0.0
        assert relu == max(0.0, a_value)
        assert lin == a_value and dlin == 1.0
    out = capsys.readouterr().out
    assert "a = (1)(0.8) + (-2)(0.3) + (0.5)(-1.2) + 0.9 = 0.5" in out
    assert_png(tmp_path / "neuron" / "activations.png")


# ---------------------------------------------------------------------- 2. gates
def test_gates_truth_tables_and_perceptron_rule(tmp_path, capsys):
    r = run_demo("gates", tmp_path)
    for gate in ("and", "or", "nand", "xor"):
        assert tuple(r["hand"][gate]) == GATES[gate]
    for gate in ("and", "or", "nand", "not"):
        learned = r["learned"][gate]
        assert learned["converged"] and learned["accuracy"] == 1.0
        assert tuple(learned["predictions"]) == GATES[gate]
        assert learned["errors"][-1] == 0 and learned["warning"] is None
    xor = r["learned"]["xor"]
    assert xor["converged"] is False and xor["accuracy"] < 1.0
    assert xor["epochs"] == 100 and xor["errors"][-1] > 0
    assert "did not converge" in xor["warning"]
    out = capsys.readouterr().out
    assert "PerceptronNotConverged" in out
    assert " 0   1    0   1     1    1" in out  # the XOR row (0, 1) of the truth table


def test_gates_prints_its_truth_table_exactly_through_the_shared_renderer(tmp_path, capsys):
    run_demo("gates", tmp_path)
    truth_table = (
        "x1  x2  AND  OR  NAND  XOR\n"
        "--  --  ---  --  ----  ---\n"
        " 0   0    0   0     1    0\n"
        " 0   1    0   1     1    1\n"
        " 1   0    0   1     1    1\n"
        " 1   1    1   1     0    0\n"
    )
    assert truth_table in capsys.readouterr().out
    corners = [(0, 0), (0, 1), (1, 0), (1, 1)]
    rows = [
        [*x, *(GATES[g][i] for g in ("and", "or", "nand", "xor"))] for i, x in enumerate(corners)
    ]
    headers = ["x1", "x2", "AND", "OR", "NAND", "XOR"]
    assert render_table(headers, rows, align="r" * 6) + "\n" == truth_table


@pytest.mark.parametrize(
    "name",
    [
        "neuron",
        "gates",
        "xor-hand",
        "xor-learned",
        "approximation",
        "output-codings",
        "numerical-gradient",
    ],
)
def test_demos_print_tables_with_the_one_renderer(name):
    assert DEMOS[name].render_table is render_table


# ---------------------------------------------------------------------- 3. xor-hand
@pytest.fixture(scope="module")
def xor_hand(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demos")
    return run_demo("xor-hand", folder), folder / "xor-hand"


def _column(rows, key):
    return [row["rounded"][key] for row in rows]


def test_xor_hand_first_table_matches_the_notes(xor_hand):
    rows = xor_hand[0]["tables"]["first"]
    assert [(r["rounded"]["z1"], r["rounded"]["z2"]) for r in rows] == [
        (-1, -1),
        (1, 1),
        (-1, 1),
        (1, -1),
    ]
    assert [r["colour"] for r in rows] == ["blue", "blue", "red", "red"]
    assert _column(rows, "pre3") == [-3, 1, -1, -1]
    assert _column(rows, "z3") == [-1, 1, -1, -1]
    assert _column(rows, "pre4") == [1, -3, -1, -1]
    assert _column(rows, "z4") == [1, -1, -1, -1]
    # The exact values behind the rounding: z1 = tanh(+-10), z3 = tanh(pre3), ...
    for r in rows:
        assert abs(r["z1"]) == pytest.approx(math.tanh(10), abs=1e-15)
        assert r["pre3"] == pytest.approx(r["z1"] + r["z2"] - 1, abs=1e-15)
        assert r["z3"] == pytest.approx(math.tanh(r["pre3"]), abs=1e-15)
        assert r["pre4"] == pytest.approx(-(r["z1"] + r["z2"]) - 1, abs=1e-15)
        assert r["z4"] == pytest.approx(math.tanh(r["pre4"]), abs=1e-15)
    assert rows[0]["pre3"] == pytest.approx(-3, abs=1e-7)
    assert rows[0]["z3"] == pytest.approx(math.tanh(-3), abs=1e-8)


def test_xor_hand_second_table_matches_the_notes(xor_hand):
    rows = xor_hand[0]["tables"]["second"]
    assert _column(rows, "pre3") == [1, 1, -1, 3]
    assert _column(rows, "z3") == [1, 1, -1, 1]
    assert _column(rows, "pre4") == [1, 1, 3, -1]
    assert _column(rows, "z4") == [1, 1, 1, -1]
    for r in rows:
        assert r["z3"] == pytest.approx(math.tanh(1 + (r["z1"] - r["z2"])), abs=1e-15)
        assert r["z4"] == pytest.approx(math.tanh(1 - (r["z1"] - r["z2"])), abs=1e-15)


def test_xor_hand_layered_network_has_the_notes_weights():
    from backprop.demos.xor_hand import CORNERS, layered_network, seed_table

    for solution in ("first", "second"):
        record = layered_network(solution).record(np.array(CORNERS), np.zeros(4))
        for i, row in enumerate(seed_table(solution)):
            assert record.a[1][i] == pytest.approx([row["z1"], row["z2"]], abs=1e-15)
            assert record.z[2][i] == pytest.approx([row["pre3"], row["pre4"]], abs=1e-15)
            assert record.a[2][i] == pytest.approx([row["z3"], row["z4"]], abs=1e-15)
            assert record.a[3][i, 0] == pytest.approx(row["sum"], abs=1e-15)


def test_xor_hand_sums_separate_the_classes(xor_hand):
    r = xor_hand[0]
    first, second = r["sums"]["first"], r["sums"]["second"]
    # z3 + z4 ~ 0 (blue) and ~ -2 (red) for the first solution, ~ 2 and ~ 0 for the second.
    assert [round(v) for v in first["blue"]] == [0, 0]
    assert [round(v) for v in first["red"]] == [-2, -2]
    assert [round(v) for v in second["blue"]] == [2, 2]
    assert [round(v) for v in second["red"]] == [0, 0]
    # The thresholds halfway between, -1 and 1, separate the corners.
    assert min(first["blue"]) > -1 > max(first["red"])
    assert min(second["blue"]) > 1 > max(second["red"])
    assert r["accuracy"]["first"] >= 0.99 and r["accuracy"]["second"] >= 0.99


def test_xor_hand_draws_both_solutions(xor_hand):
    folder = xor_hand[1]
    assert_png(folder / "xor_hand.png")
    assert_png(folder / "xor_hand_second.png")


def test_xor_hand_prints_the_seed_tables(tmp_path, capsys):
    run_demo("xor-hand", tmp_path)
    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    first = [
        "blue (-1, -1) -3 -1 +1 +1 ~ 0",
        "blue (+1, +1) +1 +1 -3 -1 ~ 0",
        "red (-1, +1) -1 -1 -1 -1 ~ -2",
        "red (+1, -1) -1 -1 -1 -1 ~ -2",
    ]
    second = [
        "blue (-1, -1) +1 +1 +1 +1 ~ 2",
        "blue (+1, +1) +1 +1 +1 +1 ~ 2",
        "red (-1, +1) -1 -1 +3 +1 ~ 0",
        "red (+1, -1) +3 +1 -1 -1 ~ 0",
    ]
    start = lines.index(first[0])
    assert lines[start : start + 4] == first
    start = lines.index(second[0], start + 4)
    assert lines[start : start + 4] == second
    assert any("-2.99999999" in line for line in lines)  # the exact value behind the -3


# ---------------------------------------------------------------------- 4. xor-learned
def test_xor_learned_different_seeds_give_different_solutions(tmp_path):
    r = run_demo("xor-learned", tmp_path)
    solved = [seed for seed, acc in r["accuracy"].items() if acc == 1.0]
    assert len(solved) >= 3
    assert len(r["solutions"]) >= 2  # different hidden gates, not just relabelled neurons
    weights = [np.array(r["hidden_weights"][seed]) for seed in solved]
    for i in range(len(weights)):
        for j in range(i + 1, len(weights)):
            assert not np.allclose(weights[i], weights[j], atol=0.1)
    for seed in solved:
        # Each hidden neuron computes a linearly separable gate, never XOR itself.
        assert not set(r["hidden_gates"][seed]) & {"XOR", "XNOR"}


# ---------------------------------------------------------------------- 5. linear
def test_linear_network_collapses_and_cannot_learn_xor(tmp_path):
    r = run_demo("linear", tmp_path, epochs=300)
    assert r["max_abs_difference"] < 1e-12
    assert np.array(r["collapsed_W"]).shape == (1, 2)
    assert r["linear_accuracy"] <= 0.75
    assert r["tanh_accuracy"] == 1.0
    for path in r["files"]:
        assert_png(path)


# ---------------------------------------------------------------------- 6. approximation
def test_approximation_error_falls_with_hidden_units(tmp_path):
    r = run_demo("approximation", tmp_path, epochs=300)
    assert r["hidden"] == [1, 2, 4, 8, 16, 32]
    for name, errors in r["mse"].items():
        assert errors[32] < errors[1] / 5, name
        assert errors[32] < errors[4], name
    assert_png(tmp_path / "approximation" / "approximation.png")


# ---------------------------------------------------------------------- 7. graph
def test_graph_forward_and_backward_values(tmp_path, capsys):
    r = run_demo("graph", tmp_path)
    assert r["d"] == -2 and r["f"] == -8
    assert r["grads"] == {"x": 4, "y": 4, "z": -2, "d": 4}
    assert r["tensor_grads"] == {"x": 4, "y": 4, "z": -2}
    out = capsys.readouterr().out
    for line in ("df/dx = df/dd · dd/dx = 4 · 1 = 4", "df/dy = df/dd · dd/dy = 4 · 1 = 4"):
        assert line in out
    folder = tmp_path / "graph"
    dot = (folder / "graph.dot").read_text()
    assert dot.startswith("digraph") and "d = x + y" in dot
    if any(p.suffix == ".png" for p in r["files"]):
        assert_png(folder / "graph.png")
    else:
        assert "apt-get install graphviz" in out


# ---------------------------------------------------------------------- 8. output-codings
@pytest.mark.slow
def test_output_codings_one_hot_wins(tmp_path):
    r = run_demo("output-codings", tmp_path, epochs=5)
    acc = r["accuracy"]
    assert set(acc) == {"one-hot", "binary", "regression"}
    assert acc["one-hot"] >= 0.85
    assert acc["one-hot"] > acc["binary"] > acc["regression"]
    assert acc["one-hot"] > acc["regression"] + 0.2
    assert [r["details"][c]["outputs"] for c in ("one-hot", "binary", "regression")] == [10, 4, 1]


# ---------------------------------------------------------------------- 9. numerical-gradient
def test_numerical_gradient_costs_two_forward_passes_per_parameter_and_agrees(tmp_path):
    r = run_demo("numerical-gradient", tmp_path)
    rows = r["rows"]
    counts = [row["parameters"] for row in rows]
    assert counts == [4 * h + 1 for h in (2, 8, 32, 128, 512)]
    # The cost, counted rather than timed: two forward passes per parameter, against one
    # forward and one backward pass for backprop (the timings are printed, never asserted).
    assert [row["forward_passes"] for row in rows] == [2 * n for n in counts]
    assert all(row["max_abs_difference"] < 1e-6 for row in rows)
    assert_png(tmp_path / "numerical-gradient" / "timings.png")


# ---------------------------------------------------------------------- 10. nielsen
@pytest.mark.slow
def test_nielsen_layered_and_graph_engine_agree(tmp_path, capsys):
    r = run_demo("nielsen", tmp_path, epochs=3)
    layered, graph = r["layered_accuracy"], r["graph_accuracy"]
    assert len(layered) == len(graph) == 3
    assert layered[-1] >= 0.88 and r["accuracy"] == layered[-1]
    # Same start, same mini-batches, same update: the two engines agree epoch by epoch.
    np.testing.assert_allclose(graph, layered, atol=0.005)
    assert r["weight_difference"] < 1e-3
    out = capsys.readouterr().out
    if (FASHION_MNIST_DIR / "train-images-idx3-ubyte.gz").exists():
        assert len(r["fashion_accuracy"]) == 3 and r["fashion_accuracy"][-1] > 0.75
    else:
        assert r["fashion_accuracy"] is None and "apt-get install dataset-fashion-mnist" in out
    for path in r["files"]:
        assert_png(path)


# ---------------------------------------------------------------------- the scripts in examples/
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_every_demo_has_an_example_script_in_lecture_order():
    scripts = sorted(p.name for p in EXAMPLES.glob("*.py"))
    assert [s[3:-3].replace("_", "-") for s in scripts] == LECTURE_ORDER[1:]
    for script in scripts:
        assert f'main("{script[3:-3].replace("_", "-")}")' in (EXAMPLES / script).read_text()


@pytest.mark.parametrize("script", ["03_xor_hand.py", "07_graph.py"])
def test_example_scripts_run(script, tmp_path):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    name = script[3:-3].replace("_", "-")
    pictures = list((tmp_path / name).glob("*.png"))
    assert pictures
    for picture in pictures:
        assert_png(picture)
