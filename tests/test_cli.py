"""The `backprop` command, run as a subprocess: exit codes, key output, files written."""

import json
import subprocess
import sys

import numpy as np
import pytest

import backprop as bp


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "backprop", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "moons"
    result = run("train", "--data", "moons", "--layers", "2,16,2", "--epochs", "60",
                 "--lr", "0.3", "--seed", "1", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out, result


def test_main_demo_trains_mnist_and_writes_pictures(tmp_path):
    result = run("demo", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    accuracy = float(result.stdout.split("test accuracy ")[1].split("%")[0])
    assert accuracy >= 88.0
    assert "confusion matrix" in result.stdout
    folder = tmp_path / "mnist"
    for name in ("loss.png", "hidden_units.png", "misclassified.png", "confusion.png"):
        content = (folder / name).read_bytes()
        assert content.startswith(b"\x89PNG") and len(content) > 1000
    assert f"to {folder}/" in result.stdout
    model = bp.load(folder / "model.npz")
    assert model[0].weight.shape == (30, 784)


def test_train_writes_model_history_and_reports_accuracy(trained):
    out, result = trained
    assert "test accuracy" in result.stdout
    accuracy = float(result.stdout.split("test accuracy ")[1].split("%")[0])
    assert accuracy >= 90.0
    history = json.loads((out / "history.json").read_text())
    assert len(history["loss"]) == 60 and history["stop_reason"] == "epochs"
    header = (out / "history.csv").read_text().splitlines()[0]
    assert header == "epoch,loss,accuracy,val_loss,val_accuracy,lr"  # training accuracy too
    assert len(history["accuracy"]) == 60 and history["accuracy"][-1] >= 0.9
    assert (out / "loss.png").read_bytes().startswith(b"\x89PNG")


def test_evaluate_prints_accuracy_and_confusion_matrix(trained):
    out, _ = trained
    result = run("evaluate", str(out / "model.npz"), "--data", "moons", "--seed", "1")
    assert result.returncode == 0, result.stderr
    assert "% of 100 test examples of moons" in result.stdout
    assert "true \\ pred" in result.stdout


def test_gradcheck_of_a_saved_model(trained):
    out, _ = trained
    result = run("gradcheck", str(out / "model.npz"), "--data", "moons")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert result.stdout.count("elements agree: ") == 4
    assert all(" by relative tolerance, " in line for line in lines[1:])
    assert lines[-1].startswith("58 of 82 elements checked, all within ")  # 20 per parameter
    assert lines[-1].endswith(" by absolute tolerance; the other 24 elements were not checked")


def test_explain_default_is_the_lecture_graph():
    result = run("explain")
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()
    assert any(r.startswith("x ") and r.rstrip().endswith("df/dx = 4") for r in rows)
    assert any(r.startswith("z ") and r.rstrip().endswith("df/dz = -2") for r in rows)
    assert "f = -8" in result.stdout


def test_explain_latex_and_network():
    latex = run("explain", "(x + y) * z", "--values", "x=1,y=-3,z=4", "--format", "latex")
    assert latex.returncode == 0 and "\\begin{tabular}" in latex.stdout
    net = run("explain", "--network", "2,2,1", "--input", "1,0", "--target", "1")
    assert net.returncode == 0, net.stderr
    for equation in ("BP1", "BP2", "BP3", "BP4"):
        assert equation in net.stdout


def test_demo_list_names_the_lecture_examples_in_order():
    result = run("demo", "--list")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == ["mnist", "neuron", "gates", "xor-hand", "xor-learned", "linear",
                     "approximation", "graph", "output-codings", "numerical-gradient", "nielsen",
                     "learning-rate"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--bogus"], "backprop train: error: "),
        (["train", "--data", "moons", "--layers", "2,0,2"], "all positive, got '2,0,2'"),
        (["train", "--data", "moons", "--layers", "3,4,2"],
         "--layers starts with 3 inputs but moons has 2 features"),
        (["train", "--data", "nope"], "unknown dataset 'nope'; choose one of"),
        (["evaluate", "missing.npz", "--data", "moons"], "missing.npz"),
        (["explain", "x +* 2"], "cannot parse expression"),
        (["explain", "__import__('os')"], "unsupported syntax"),
        (["demo", "nope"], "unknown demo 'nope'"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_usage_errors_are_one_line_with_exit_code_2(args, message, tmp_path):
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_corrupt_model_file_is_a_clear_error(tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(b"not a model")
    result = run("evaluate", str(path), "--data", "moons")
    assert result.returncode == 2
    assert str(path) in result.stderr and "not a backprop model file" in result.stderr


def test_help_everywhere_has_examples():
    for command in ([], ["demo"], ["train"], ["evaluate"], ["explain"], ["gradcheck"]):
        result = run(*command, "--help")
        assert result.returncode == 0
        assert "example" in result.stdout


def test_train_on_idx_folder(tmp_path):
    """--data idx:PATH reads the four MNIST-format files in a folder."""
    rng = np.random.default_rng(0)

    def write(name, array, magic):
        header = bytes([0, 0, magic, array.ndim]) + b"".join(
            int(n).to_bytes(4, "big") for n in array.shape
        )
        (tmp_path / name).write_bytes(header + array.tobytes())

    for prefix, n in (("train", 60), ("t10k", 20)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = (rng.random((n, 28, 28)) * 50).astype(np.uint8)
        images[np.arange(n), labels, :] = 255  # row `label` lit: learnable
        write(f"{prefix}-images-idx3-ubyte", images, 0x08)
        write(f"{prefix}-labels-idx1-ubyte", labels, 0x08)
    result = run("train", "--data", f"idx:{tmp_path}", "--layers", "784,16,10", "--epochs", "30",
                 "--batch-size", "10", "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    assert float(result.stdout.split("test accuracy ")[1].split("%")[0]) >= 80


def test_gradcheck_uses_the_loss_saved_with_a_single_output_model(tmp_path):
    out = tmp_path / "xor"
    trained = run("train", "--data", "xor", "--layers", "2,4,1", "--epochs", "2", "--out", str(out))
    assert trained.returncode == 0, trained.stderr
    model = str(out / "model.npz")
    result = run("gradcheck", model, "--data", "xor")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("elements agree: ") == 4
    # Cross-entropy over classes cannot read one output neuron: the saved loss is what works.
    wrong = run("gradcheck", model, "--data", "xor", "--loss", "cross_entropy")
    assert wrong.returncode == 2 and "outside the class range 0..0" in wrong.stderr
