"""backprop.viz: DOT text and Graphviz rendering, every plot as PNG and SVG, confusion matrices."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from _figures import saved_name
from backprop import nn, tensor, viz
from backprop.layered import Network
from backprop.scalar import Value
from backprop.train import History

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HAVE_DOT = shutil.which("dot") is not None


def seed_graph() -> tuple[Value, list[Value]]:
    x, y, z = Value(1.0, "x"), Value(-3.0, "y"), Value(4.0, "z")
    d = x + y
    d.label = "d"
    f = d * z
    f.label = "f"
    return f, [x, y, z, d]


def assert_image(path: Path, returned: Path) -> None:
    """``path`` holds a real PNG or SVG, and the function returned that path."""
    assert Path(returned) == path
    data = path.read_bytes()
    if path.suffix == ".png":
        assert data.startswith(PNG_MAGIC) and len(data) > 1000
        from matplotlib.image import imread

        pixels = imread(path)
        assert pixels.ndim == 3 and pixels.std() > 0.01  # not a blank canvas
    else:
        text = data.decode("utf-8")
        assert (
            text.lstrip().startswith("<?xml")
            and "<svg" in text
            and text.rstrip().endswith("</svg>")
        )
        assert len(data) > 1000


# ---------------------------------------------------------------------------- graphs


def test_graph_dot_has_nodes_values_gradients_and_edges() -> None:
    f, _ = seed_graph()
    dot = viz.graph_dot(f)
    assert dot.startswith("digraph backprop {") and dot.rstrip().endswith("}")
    for record in (
        '"{ x | data 1 | grad 4 }"',
        '"{ y | data -3 | grad 4 }"',
        '"{ z | data 4 | grad -2 }"',
        '"{ d | d = x + y | data -2 | grad 4 }"',
        '"{ f | f = d * z | data -8 | grad 1 }"',
    ):
        assert record in dot
    # x, y -> (+) -> d;  d, z -> (*) -> f
    for edge in ("n0 -> n3_op", "n1 -> n3_op", "n3_op -> n3", "n3 -> n4_op", "n2 -> n4_op",
                 "n4_op -> n4"):  # fmt: skip
        assert f"  {edge};" in dot
    assert 'n3_op [shape=circle, label="+"]' in dot and 'n4_op [shape=circle, label="*"]' in dot
    assert dot.count("->") == 6


def test_graph_dot_tensor_and_constants_and_escaping() -> None:
    x = tensor(2.0, requires_grad=True)
    x.label = "x{1}"
    out = (x * 3).tanh()
    dot = viz.graph_dot(out)
    assert r'"{ x\{1\} | data 2 | grad ' in dot  # record characters are escaped
    assert 'c1_1 [shape=plaintext, label="3"]' in dot and "c1_1 -> n1_op;" in dot
    assert 'n2_op [shape=ellipse, label="tanh"]' in dot
    assert x.grad is None


def test_graph_dot_leaves_grad_untouched() -> None:
    f, nodes = seed_graph()
    nodes[0].grad = 0.25
    viz.graph_dot(f)
    assert [n.grad for n in nodes] == [0.25, 0.0, 0.0, 0.0]


@pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's dot is not installed")
@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_render_graph_writes_an_image(tmp_path: Path, suffix: str) -> None:
    f, _ = seed_graph()
    path = tmp_path / "sub" / f"graph{suffix}"
    returned = viz.render_graph(f, path)
    assert Path(returned) == path
    data = path.read_bytes()
    if suffix == ".png":
        assert data.startswith(PNG_MAGIC) and len(data) > 1000
    else:
        assert b"<svg" in data and b"d = x + y" in data and b"grad" in data


def test_render_graph_without_dot_explains_how_to_install(tmp_path, monkeypatch) -> None:
    import backprop.viz.graph as graph_module

    monkeypatch.setattr(graph_module.shutil, "which", lambda name: None)
    f, _ = seed_graph()
    with pytest.raises(RuntimeError, match=r"sudo apt-get install graphviz.*graph_dot"):
        viz.render_graph(f, tmp_path / "g.png")
    assert not (tmp_path / "g.png").exists()


# ---------------------------------------------------------------------------- plots


def history() -> History:
    return History(
        loss=[1.0, 0.6, 0.4, 0.3], val_loss=[1.1, 0.7, 0.5, 0.45],
        val_accuracy=[0.45, 0.65, 0.75, 0.8],
    )  # fmt: skip


def blobs(n: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.normal(size=(n, 2)) * 0.6 + np.where(y[:, None] == 1, 1.0, -1.0)
    return X, y


GATE_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def digits(n: int = 12, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 64))


PLOTS = {
    "history": lambda p: viz.plot_history(history(), p),
    "history_sgd_records": lambda p: viz.plot_history(
        [{"epoch": 1, "cost": 0.3, "test_accuracy": 0.8}, {"epoch": 2, "cost": 0.2,
                                                            "test_accuracy": 0.9}], p
    ),  # fmt: skip
    "boundary_callable_scores": lambda p: viz.plot_decision_boundary(
        lambda g: g[:, 0] + g[:, 1], *blobs(), p, resolution=40
    ),
    "boundary_module_3_classes": lambda p: viz.plot_decision_boundary(
        nn.Sequential(nn.Linear(2, 8, seed=0), nn.Tanh(), nn.Linear(8, 3, seed=1)), *blobs(), p,
        resolution=40,
    ),
    "boundary_module_1_output": lambda p: viz.plot_decision_boundary(
        nn.Sequential(nn.Linear(2, 4, seed=0), nn.ReLU(), nn.Linear(4, 1, seed=1)), *blobs(), p,
        resolution=40,
    ),
    "boundary_layered_network": lambda p: viz.plot_decision_boundary(
        Network([2, 3, 1], seed=0), *blobs(), p, resolution=40
    ),
    "boundary_named_score": lambda p: viz.plot_decision_boundary(
        lambda g: g[:, 0] * g[:, 1], *blobs(), p, resolution=40, score="x1 x2", threshold=0.5
    ),
    "boundaries_side_by_side": lambda p: viz.plot_decision_boundaries(
        {"scores": lambda g: g[:, 0] - g[:, 1], "constant": lambda g: 0.0 * g[:, 0] + 0.3},
        *blobs(), p, resolution=40, title="two models",
    ),
    "threshold_units": lambda p: viz.plot_threshold_units(
        {"AND": viz.ThresholdUnits(GATE_INPUTS, [0, 0, 0, 1], [(1.0, 1.0, -1.5)]),
         "none": viz.ThresholdUnits(GATE_INPUTS, [0, 1, 1, 0], [(0.0, 0.0, 0.0)])}, p,
    ),
    "activations": lambda p: viz.plot_activations(p, z=np.linspace(-3, 3, 61)),
    "hidden_units": lambda p: viz.plot_hidden_units(
        np.random.default_rng(0).normal(size=(5, 64)), p, shape=(8, 8)
    ),
    "confusion_matrix": lambda p: viz.plot_confusion_matrix(
        [0, 0, 1, 1, 2, 2, 2], [0, 1, 1, 1, 2, 0, 2], p, labels=["zero", "one", "two"]
    ),
    "misclassified": lambda p: viz.plot_misclassified(
        digits(), np.arange(12) % 3, np.r_[np.arange(6) % 3, (np.arange(6) + 1) % 3], p,
        shape=(8, 8),
    ),
    "misclassified_none": lambda p: viz.plot_misclassified(
        digits(3), [0, 1, 2], [0, 1, 2], p, shape=(8, 8)
    ),
    "functions": lambda p: viz.plot_functions(
        np.linspace(0, 1, 50),
        {"target": np.sin(np.linspace(0, 6, 50)), "fit": np.cos(np.linspace(0, 6, 50))}, p,
        title="curves",
    ),
    "approximation": lambda p: viz.plot_approximation(
        np.linspace(0, 1, 50), np.linspace(0, 1, 50) ** 2,
        {1: np.linspace(0, 1, 50), 5: np.linspace(0, 1, 50) ** 1.8}, p,
    ),
}  # fmt: skip


@pytest.mark.parametrize("suffix", [".png", ".svg"])
@pytest.mark.parametrize("name", PLOTS)
def test_every_plot_writes_png_and_svg(tmp_path: Path, name: str, suffix: str) -> None:
    path = tmp_path / f"{name}{suffix}"
    assert_image(path, PLOTS[name](path))


@pytest.mark.parametrize("name", ["history", "activations", "confusion_matrix", "functions"])
def test_plots_reject_other_formats(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        PLOTS[name](tmp_path / "figure.jpg")
    assert not (tmp_path / "figure.jpg").exists()


def test_render_graph_rejects_other_formats(tmp_path: Path) -> None:
    f, _ = seed_graph()
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        viz.render_graph(f, tmp_path / "graph.pdf")


def test_plots_do_not_touch_pyplot(tmp_path: Path) -> None:
    """In a fresh interpreter: no pyplot import, no backend switch, nothing left open."""
    code = f"""
import sys, numpy as np, matplotlib
backend = dict.__getitem__(matplotlib.rcParams, "backend")  # get_backend() would import pyplot
from backprop import viz
viz.plot_activations({str(tmp_path / "a.png")!r}, z=np.linspace(-1, 1, 5))
viz.plot_confusion_matrix([0, 1], [1, 1], {str(tmp_path / "c.svg")!r})
assert "matplotlib.pyplot" not in sys.modules, "pyplot was imported"
assert dict.__getitem__(matplotlib.rcParams, "backend") is backend, "the backend was changed"
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_activation_curves_come_from_the_engine() -> None:
    z, curves = viz.activation_curves(np.array([-2.0, -0.5, 0.0, 0.5, 2.0]))
    assert list(curves) == ["threshold (step)", "sigmoid", "tanh", "ReLU", "linear"]
    s = 1 / (1 + np.exp(-z))
    expected = {
        "threshold (step)": ((z > 0).astype(float), np.zeros_like(z)),
        "sigmoid": (s, s * (1 - s)),
        "tanh": (np.tanh(z), 1 - np.tanh(z) ** 2),
        "ReLU": (np.maximum(z, 0), (z > 0).astype(float)),
        "linear": (z, np.ones_like(z)),
    }
    for name, (g, dg) in expected.items():
        assert np.allclose(curves[name][0], g, atol=1e-12), name
        assert np.allclose(curves[name][1], dg, atol=1e-12), name


def test_decision_boundary_input_checks(tmp_path: Path) -> None:
    X, y = blobs()
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        viz.plot_decision_boundary(lambda g: g[:, 0], np.ones((5, 3)), np.zeros(5),
                                   tmp_path / "b.png")  # fmt: skip
    with pytest.raises(ValueError, match="labels"):
        viz.plot_decision_boundary(lambda g: g[:, 0], X, y[:-1], tmp_path / "b.png")
    with pytest.raises(TypeError, match="Module"):
        viz.plot_decision_boundary("not a model", X, y, tmp_path / "b.png")


def test_animated_boundaries_have_one_frame_per_model(tmp_path: Path) -> None:
    """A looping GIF, one frame per model at a modest size, and nothing else in its folder."""
    from PIL import Image

    X, y = blobs()
    models = {f"epoch {k}": (lambda g, k=k: g[:, 0] - k * g[:, 1]) for k in range(3)}
    path = tmp_path / "b.gif"
    assert viz.animate_decision_boundaries(models, X, y, path, resolution=40, title="t") == path
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 3 and gif.info["loop"] == 0
        assert gif.size == (390, 312) and gif.info["duration"] == 1000
    assert 1000 < path.stat().st_size < 200_000
    assert [p.name for p in tmp_path.iterdir()] == ["b.gif"]  # no temporary left behind
    with pytest.raises(ValueError, match="give a path ending in .gif"):
        viz.animate_decision_boundaries(models, X, y, tmp_path / "b.png", resolution=20)


def figure_texts(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """{file name: the texts of the figure} for every figure saved from now on."""
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    texts: dict[str, list[str]] = {}
    savefig = Figure.savefig

    def recording_savefig(fig, fname, *args, **kwargs):
        texts[saved_name(fname)] = [t.get_text() for t in fig.findobj(Text) if t.get_text()]
        return savefig(fig, fname, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", recording_savefig)
    return texts


def test_decision_boundary_labels_what_it_draws(tmp_path: Path, monkeypatch) -> None:
    texts = figure_texts(monkeypatch)
    X, y = blobs()
    viz.plot_decision_boundary(lambda g: g[:, 0], X, y, tmp_path / "logit.png", resolution=20)
    assert "P(class 1) = σ(output)" in texts["logit.png"]
    assert "boundary: P(class 1) = 0.5" in texts["logit.png"]
    viz.plot_decision_boundary(lambda g: g[:, 0] * 0 + 0.5, X, y, tmp_path / "flat.png")
    assert "P(class 1) = 0.5 everywhere:\nno decision boundary" in texts["flat.png"]
    assert not any(t.startswith("boundary") for t in texts["flat.png"])
    viz.plot_decision_boundary(lambda g: g[:, 0] + 3.0, X, y, tmp_path / "score.png",
                               score="z3 + z4", threshold=-1.0)  # fmt: skip
    assert "z3 + z4" in texts["score.png"] and "boundary: z3 + z4 = -1" in texts["score.png"]
    assert not any("P(class 1)" in t for t in texts["score.png"])


def test_threshold_units_count_the_wrong_inputs(tmp_path: Path, monkeypatch) -> None:
    texts = figure_texts(monkeypatch)
    xor = [0, 1, 1, 0]
    panels = {
        "OR on XOR": viz.ThresholdUnits(GATE_INPUTS, xor, [(1.0, 1.0, -0.5)]),
        "two layers": viz.ThresholdUnits(
            GATE_INPUTS, xor, [(1.0, 1.0, -0.5), (-1.0, -1.0, 1.5)],
            predict=lambda x: (x.sum(axis=1) > 0.5) & (x.sum(axis=1) < 1.5),
        ),
    }  # fmt: skip
    assert_image(tmp_path / "t.png", viz.plot_threshold_units(panels, tmp_path / "t.png"))
    assert "OR on XOR\n1 of 4 wrong" in texts["t.png"]
    assert "two layers\n0 of 4 wrong" in texts["t.png"]
    with pytest.raises(ValueError, match="predict="):
        two_lines = [(1.0, 1.0, 0.0), (1.0, 1.0, 1.0)]
        viz.ThresholdUnits(GATE_INPUTS, xor, two_lines).outputs(GATE_INPUTS)


def test_hidden_units_have_an_honest_colour_bar(tmp_path: Path, monkeypatch) -> None:
    texts = figure_texts(monkeypatch)
    weight = np.array([np.linspace(-2.0, 1.0, 16), np.linspace(0.0, 0.5, 16)])
    viz.plot_hidden_units(weight, tmp_path / "h.png", shape=(4, 4))
    assert "weight / the unit's largest |w|" in texts["h.png"]
    assert "unit 0: |w| ≤ 2" in texts["h.png"] and "unit 1: |w| ≤ 0.5" in texts["h.png"]


def test_hidden_units_accepts_layers_and_checks_shape(tmp_path: Path) -> None:
    layer = nn.Linear(16, 3, seed=0)
    assert_image(tmp_path / "h.png", viz.plot_hidden_units(layer, tmp_path / "h.png", shape=(4, 4)))
    weight = layer.weight
    path = tmp_path / "w.svg"
    assert_image(path, viz.plot_hidden_units(weight, path, shape=(4, 4), max_units=2))
    with pytest.raises(ValueError, match="4x5 image"):
        viz.plot_hidden_units(weight, tmp_path / "x.png", shape=(4, 5))


def test_history_input_checks(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no loss or accuracy"):
        viz.plot_history(History(), tmp_path / "h.png")
    with pytest.raises(TypeError, match="History"):
        viz.plot_history(42, tmp_path / "h.png")
    dict_history = {"loss": [0.5, 0.4], "val_loss": [0.6, 0.5]}
    assert_image(tmp_path / "d.png", viz.plot_history(dict_history, tmp_path / "d.png"))


def test_plot_history_of_a_real_network_run(tmp_path: Path) -> None:
    X, y = blobs(40)
    records = Network([2, 3, 1], seed=0).sgd(X, y, epochs=3, mini_batch_size=8, eta=1.0,
                                             test_data=(X, y))  # fmt: skip
    assert_image(tmp_path / "r.png", viz.plot_history(records, tmp_path / "r.png"))


def test_functions_check_lengths(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'fit' has 3 values but x has 4"):
        viz.plot_functions([0, 1, 2, 3], {"fit": [1, 2, 3]}, tmp_path / "f.png")
    with pytest.raises(ValueError, match="no curves"):
        viz.plot_functions([0, 1], {}, tmp_path / "f.png")


# ---------------------------------------------------------------------------- confusion matrix


def test_confusion_matrix_counts_a_hand_example() -> None:
    y_true = [0, 0, 1, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 0, 2]
    cm = viz.confusion_matrix(y_true, y_pred)
    assert cm.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 2]]  # rows: truth, columns: prediction
    assert cm.sum() == 7 and np.trace(cm) == 5
    padded = viz.confusion_matrix(y_true, y_pred, n_classes=4)
    assert (
        padded.shape == (4, 4) and padded[:3, :3].tolist() == cm.tolist() and padded[3].sum() == 0
    )
    one_hot = np.eye(3)[y_true]
    scores = np.eye(3)[y_pred] * 0.9 + 0.01
    assert viz.confusion_matrix(one_hot, scores).tolist() == cm.tolist()


def test_confusion_matrix_errors() -> None:
    with pytest.raises(ValueError, match="3 labels but y_pred has 2"):
        viz.confusion_matrix([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match=r"label 3 is outside 0\.\.2"):
        viz.confusion_matrix([0, 3], [0, 1], n_classes=3)
    with pytest.raises(ValueError, match="negative"):
        viz.confusion_matrix([0, -1], [0, 1])
    with pytest.raises(ValueError, match="integer class labels"):
        viz.confusion_matrix([0.5, 1.0], [0, 1])


def test_format_confusion_matrix() -> None:
    cm = viz.confusion_matrix([0, 0, 1, 1, 2, 2, 2], [0, 1, 1, 1, 2, 0, 2])
    text = viz.format_confusion_matrix(cm)
    lines = text.splitlines()
    assert lines[0].split() == ["true", "\\", "pred", "0", "1", "2"]
    assert lines[1].split() == ["0", "1", "1", "0"]
    assert lines[3].split() == ["2", "1", "0", "2"]
    assert lines[-1] == "accuracy: 5/7 = 71.43%"
    named = viz.format_confusion_matrix(cm, labels=["cat", "dog", "emu"])
    assert named.splitlines()[2].split() == ["dog", "0", "2", "0"]
    with pytest.raises(ValueError, match="2 names for 3 classes"):
        viz.format_confusion_matrix(cm, labels=["a", "b"])
