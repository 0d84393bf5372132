"""The lecture demos (``backprop demo NAME``): each reproduces its slide's numbers.

Every demo runs in a temporary folder; trained demos get a small ``epochs`` so the whole file stays
quick. The asserted numbers are the seeds' own: the XOR tables of seed 000, the (x + y) * z
gradients of seed 002, the gates of seed 001, the output codings and "much slower" numerical
gradients of seed 003, Nielsen's network of seed 004.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from _figures import saved_name
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
    "learning-rate",
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


@pytest.fixture
def figures(monkeypatch):
    """{file name: every text the figure shows} for each figure saved during the test, each
    checked to lie wholly inside its figure (no title cut off)."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    texts: dict[str, list[str]] = {}
    savefig = Figure.savefig

    def recording_savefig(fig, fname, *args, **kwargs):
        savefig(fig, fname, *args, **kwargs)
        fig.canvas.draw()
        renderer, box = fig.canvas.get_renderer(), fig.bbox
        shown = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
        ticks = {  # matplotlib keeps the labels of ticks outside the view, undrawn
            id(label)
            for ax in fig.axes
            for axis in (ax.xaxis, ax.yaxis)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks()
            for label in (tick.label1, tick.label2)
        }
        for text in (t for t in shown if id(t) not in ticks):
            extent = text.get_window_extent(renderer)
            inside = extent.x0 >= box.x0 - 1 and extent.x1 <= box.x1 + 1
            assert inside and extent.y0 >= box.y0 - 1 and extent.y1 <= box.y1 + 1, (
                f"{Path(fname).name}: {text.get_text()!r} is cut off"
            )
        texts[saved_name(fname)] = [t.get_text() for t in shown]

    monkeypatch.setattr(Figure, "savefig", recording_savefig)
    return texts


def shows(texts: list[str], wanted: str) -> bool:
    """Whether one of a figure's texts contains ``wanted``."""
    return any(wanted in text for text in texts)


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
def test_neuron_pre_activation_and_activations(tmp_path, capsys, figures):
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
    # Seed 000's notation: z = g(a) of the pre-activation a.
    texts = figures["activations.png"]
    for wanted in ("g(a)", "g'(a)", "pre-activation a"):
        assert wanted in texts
    assert not shows(texts, "g(z)") and not shows(texts, "g'(z)")


# ---------------------------------------------------------------------- 2. gates
def test_gates_truth_tables_and_perceptron_rule(tmp_path, capsys, figures):
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
    assert "predicts 0 0 0 0 for the target 0 1 1 0" in out
    # The picture: every gate's line over the four inputs, XOR's failure and its two layers.
    assert r["files"] == [tmp_path / "gates" / "gates.png"]
    assert_png(r["files"][0])
    titles = [t for t in figures["gates.png"] if "wrong" in t]
    assert titles == [
        "AND, hand-set: 1 x1 + 1 x2 - 1.5 > 0\n0 of 4 wrong",
        "OR, hand-set: 1 x1 + 1 x2 - 0.5 > 0\n0 of 4 wrong",
        "NAND, hand-set: -1 x1 - 1 x2 + 1.5 > 0\n0 of 4 wrong",
        "XOR = AND(OR, NAND): two layers,\nthe OR and NAND lines\n0 of 4 wrong",
        "AND, rule: learned in 10 epochs\n2 x1 + 2 x2 - 3 > 0\n0 of 4 wrong",
        "OR, rule: learned in 5 epochs\n2 x1 + 2 x2 - 1 > 0\n0 of 4 wrong",
        "NAND, rule: learned in 10 epochs\n-2 x1 - 2 x2 + 3 > 0\n0 of 4 wrong",
        "XOR, rule: NOT learned in 100 epochs\n0 x1 + 0 x2 + 0 > 0\n2 of 4 wrong",
        "output wrong",
    ]
    assert "w = 0: no line,\nthe same output everywhere" in figures["gates.png"]


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
        "learning-rate",
    ],
)
def test_demos_print_tables_with_the_one_renderer(name):
    assert DEMOS[name].render_table is render_table


# ---------------------------------------------------------------------- 3. xor-hand
@pytest.fixture(scope="module")
def xor_hand(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demos")
    return run_demo("xor-hand", folder), folder / "xor-hand"


def test_xor_hand_colour_bar_shows_the_sum_it_thresholds(tmp_path, figures):
    run_demo("xor-hand", tmp_path)
    for name, threshold in (("xor_hand.png", "-1"), ("xor_hand_second.png", "1")):
        texts = figures[name]
        assert "network output z3 + z4" in texts  # the colour bar: the sum itself
        assert f"boundary: network output z3 + z4 = {threshold}" in texts
        assert not shows(texts, "P(class 1)")
        assert_png(tmp_path / "xor-hand" / name)


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
def test_xor_learned_different_seeds_give_different_solutions(tmp_path, figures):
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
    folder = tmp_path / "xor-learned"
    assert r["files"] == [folder / "xor_learned.png", folder / "xor_learned_loss.png"]
    for path in r["files"]:
        assert_png(path)
    regions, losses = figures["xor_learned.png"], figures["xor_learned_loss.png"]
    for seed in r["seeds"]:
        gates = " | ".join(r["hidden_gates"][seed])
        assert f"seed {seed}: {r['accuracy'][seed]:.0%} right\n{gates}" in regions
        assert f"seed {seed} ({r['accuracy'][seed]:.0%} right)" in losses
    assert "P(class 1) = σ(output)" in regions and "boundary: P(class 1) = 0.5" in regions
    assert "loss (log scale)" in losses
    # The stuck starts' losses level off far above the solved ones'.
    stuck = [r["runs"][seed]["losses"][-1] for seed in r["seeds"] if seed not in solved]
    assert min(stuck, default=1.0) > 10 * max(r["runs"][seed]["losses"][-1] for seed in solved)


# ---------------------------------------------------------------------- 5. linear
def test_linear_network_collapses_and_cannot_learn_xor(tmp_path, capsys, figures):
    r = run_demo("linear", tmp_path, epochs=300)
    assert r["max_abs_difference"] < 1e-12
    assert np.array(r["collapsed_W"]).shape == (1, 2)
    assert np.max(np.abs(r["collapsed_W"])) < 5e-7  # the logistic loss's best line: W = 0
    assert r["linear_accuracy"] <= 0.75
    assert r["tanh_accuracy"] == 1.0
    folder = tmp_path / "linear"
    assert r["files"] == [folder / "linear_xor.png", folder / "tanh_xor.png"]
    for path in r["files"]:
        assert_png(path)
    out = capsys.readouterr().out
    assert "[-0.000000 +0.000000]" not in out and "b3 = +0.000000" not in out
    assert "(W and b are zero to 6 decimals: W x + b = 0, P(class 1) = 1/2, for every x)" in out
    W = r["collapsed_W"][0]
    assert f"W = W3 W2 W1 = [{W[0]:+.6g} {W[1]:+.6g}]" in out
    # A constant output has no decision line; the tanh network's has one.
    linear, tanh = figures["linear_xor.png"], figures["tanh_xor.png"]
    assert "P(class 1) = σ(output) = 0.5 everywhere:\nno decision boundary" in linear
    assert not shows(linear, "boundary: ")
    assert "boundary: P(class 1) = 0.5" in tanh and not shows(tanh, "no decision boundary")


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
    for line in ("df/dx = df/dd · ∂d/∂x = 4 · 1 = 4", "df/dy = df/dd · ∂d/∂y = 4 · 1 = 4"):
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
def test_output_codings_one_hot_wins(tmp_path, figures):
    r = run_demo("output-codings", tmp_path, epochs=3)
    acc = r["accuracy"]
    assert set(acc) == {"one-hot", "binary", "regression"}
    assert acc["one-hot"] >= 0.85
    assert acc["one-hot"] > acc["binary"] > acc["regression"]
    assert acc["one-hot"] > acc["regression"] + 0.2
    assert [r["details"][c]["outputs"] for c in ("one-hot", "binary", "regression")] == [10, 4, 1]
    # The picture: each coding's test accuracy after every epoch, ending at the printed one.
    for coding, curve in r["curves"].items():
        assert len(curve) == 3 and curve[-1] == acc[coding]
    folder = tmp_path / "output-codings"
    assert r["files"] == [folder / "output_codings.png", folder / "regression_confusion.png"]
    for path in r["files"]:
        assert_png(path)
    texts = figures["output_codings.png"]
    assert f"one-hot: 10 neurons, softmax + NLL, argmax ({acc['one-hot']:.0%})" in texts
    assert f"regression: 1 linear neuron, squared error ({acc['regression']:.0%})" in texts
    assert "test accuracy" in texts and "epoch" in texts
    assert shows(figures["regression_confusion.png"], "errors are off by one")


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
def test_nielsen_layered_and_graph_engine_agree(tmp_path, capsys, figures):
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
    # Both cost columns are the mean of the epoch's mini-batch costs, and the caption says so.
    assert r["cost_difference"] < 1e-6
    assert "Both cost columns are the same quantity" in out
    assert "on the whole training set" not in out
    # The title fits (the figures fixture checks every text lies inside its figure).
    assert "784-30-10 sigmoid network on mnist-5k\nquadratic cost, m = 10, η = 3" in " ".join(
        figures["accuracy.png"]
    )
    assert "weight / the unit's largest |w|" in figures["hidden_units.png"]  # the colour bar


# ---------------------------------------------------------------------- 11. learning-rate
def test_learning_rate_sweep_finds_the_rate_between_crawling_and_diverging(
    tmp_path, capsys, figures
):
    r = run_demo("learning-rate", tmp_path, data="digits", epochs=2)
    assert r["best_lr"] == {10: 3.0, 100: 3.0}
    assert r["failed"] == 0
    for batch in (10, 100):  # both ends of the grid are worse than the best: crawl and overshoot
        best = r["final_loss"][batch, 3.0]
        assert r["final_loss"][batch, 0.01] > 1.5 * best
        assert r["final_loss"][batch, 100.0] > 30 * best
    assert r["final_loss"][10, 1.0] == pytest.approx(0.3050, abs=5e-4)
    folder = tmp_path / "learning-rate"
    assert r["files"] == [folder / "results.csv", folder / "results.md", folder / "final_loss.png"]
    assert len(list((folder / "runs").glob("*.json"))) == 36
    out = capsys.readouterr().out
    assert "With mini-batches of 10 the lowest final cost is at eta = 3 (0.3038)." in out
    assert shows(figures["final_loss.png"], "batch_size 100")
    assert shows(figures["final_loss.png"], "learning rate η (log scale)")


# ---------------------------------------------------------------------- the scripts in examples/
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_every_demo_has_an_example_script_in_lecture_order():
    scripts = sorted(p.name for p in EXAMPLES.glob("*.py"))
    assert [s[3:-3].replace("_", "-") for s in scripts] == LECTURE_ORDER
    assert [s[:2] for s in scripts] == [f"{i:02d}" for i in range(len(LECTURE_ORDER))]
    for script in scripts:
        text = (EXAMPLES / script).read_text()
        assert "import backprop as bp\n" in text
        # Public API only: no demo module, nothing private.
        assert "demos" not in text and "._" not in text and "from backprop" not in text


#: script: (arguments after FOLDER that keep it quick, the pictures it writes)
EXAMPLE_RUNS = {
    "00_mnist.py": (["1"], ["loss.png", "hidden_units.png", "misclassified.png", "confusion.png"]),
    "01_neuron.py": ([], ["activations.png"]),
    "02_gates.py": ([], ["gates.png"]),
    "03_xor_hand.py": ([], ["xor_hand.png"]),
    "04_xor_learned.py": (["20"], ["xor_learned.png", "xor_learned_loss.png"]),
    "05_linear.py": (["20"], ["linear_vs_tanh.png"]),
    "06_approximation.py": (["20"], ["approximation.png"]),
    "07_graph.py": ([], ["graph.png"] if shutil.which("dot") else []),
    "08_output_codings.py": (["1"], ["output_codings.png"]),
    "09_numerical_gradient.py": ([], ["timings.png"]),
    "10_nielsen.py": (["1"], ["accuracy.png", "hidden_units.png"]),
    "11_learning_rate.py": (["1"], ["final_loss.png"]),
}


def test_every_example_script_has_a_run_below():
    assert sorted(EXAMPLE_RUNS) == sorted(p.name for p in EXAMPLES.glob("*.py"))


@pytest.mark.parametrize("script", sorted(EXAMPLE_RUNS))
def test_example_scripts_run(script, tmp_path):
    arguments, pictures = EXAMPLE_RUNS[script]
    folder = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), str(folder), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in folder.glob("*.png")) == sorted(pictures)
    for picture in pictures:
        assert_png(folder / picture)
