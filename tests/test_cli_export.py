"""`backprop export MODEL --format onnx|torch --out PATH`: the files, the printed lines, and one
line with exit code 2 for every bad input."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import onnxruntime
import pytest
import torch

import backprop as bp
from backprop import nn
from backprop.cli import main


@pytest.fixture
def saved(tmp_path):
    """A saved 2-8-3 ELU network (N(0, 1) weights and biases) and a batch for it."""
    model = nn.mlp([2, 8, 3], activation="elu", init="normal", seed=0)
    path = tmp_path / "model.npz"
    bp.save(model, path)
    return path, model, np.random.default_rng(1).normal(size=(10, 2)).astype(np.float32)


def test_torch_export_writes_a_state_dict_and_the_lines_that_rebuild_the_module(
    saved, tmp_path, capsys
):
    path, model, X = saved
    out = tmp_path / "model.pt"
    assert main(["export", str(path), "--format", "torch", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    lines = captured.out.splitlines()
    assert lines == [
        f"wrote {out}, a PyTorch state_dict; rebuild the module with (after import torch):",
        "model = torch.nn.Sequential("
        "torch.nn.Linear(in_features=2, out_features=8, bias=True, dtype=torch.float32), "
        "torch.nn.ELU(alpha=1.0), "
        "torch.nn.Linear(in_features=8, out_features=3, bias=True, dtype=torch.float32))",
        f"model.load_state_dict(torch.load({str(out)!r}, weights_only=True))",
    ]
    state = torch.load(out, weights_only=True)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    np.testing.assert_array_equal(state["2.bias"].numpy(), model[2].bias.data)
    namespace = {"torch": torch}
    exec("\n".join(lines[1:]), namespace)
    with torch.no_grad():
        theirs = namespace["model"](torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(theirs, model(X).data, rtol=1e-6, atol=1e-6)


def test_onnx_export_writes_a_file_onnx_runtime_runs(saved, tmp_path, capsys):
    path, model, X = saved
    out = tmp_path / "model.onnx"
    assert main(["export", str(path), "--format", "onnx", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out == (
        f"wrote {out} (ONNX opset 17, float32): input 'input' and output 'output', one example "
        f"per row, any batch size\n"
    )
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(
        session.run(["output"], {"input": X})[0], model(X).data, rtol=1e-5, atol=1e-5
    )


def test_a_float64_model_exports_as_float32_with_a_note(tmp_path, capsys):
    path = tmp_path / "model64.npz"
    bp.save(nn.mlp([2, 4, 1], activation="tanh", seed=0, dtype="float64"), path)
    out = tmp_path / "model.onnx"
    assert main(["export", str(path), "--format", "onnx", "--out", str(out)]) == 0
    assert capsys.readouterr().err == (
        "backprop: note: the model computes in float64; the ONNX file holds float32 weights and "
        "computes in float32 (ONNX Runtime lacks float64 kernels for several activations)\n"
    )
    assert out.is_file()


def bad_inputs(tmp_path, saved_path):
    """(arguments, expected stderr) for each bad input; none may leave a file."""
    step = tmp_path / "step.npz"
    bp.save(nn.mlp([2, 3, 1], activation="step", seed=0), step)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a model")
    out = tmp_path / "out.file"
    return {
        "unsupported": (
            [str(step), "--format", "torch", "--out", str(out)],
            "layer 1: Step(), the threshold (step) unit, has no PyTorch module with a gradient",
        ),
        "folder": ([str(tmp_path), "--format", "onnx", "--out", str(out)],
                   f"{tmp_path}: is a folder, not a backprop model file"),
        "missing": ([str(tmp_path / "nope.npz"), "--format", "onnx", "--out", str(out)],
                    f"cannot read {tmp_path / 'nope.npz'}: no such backprop file"),
        "corrupt": ([str(junk), "--format", "torch", "--out", str(out)],
                    f"{junk}: not a backprop model file (not an .npz archive)"),
        "no-folder": ([str(saved_path), "--format", "onnx", "--out", str(tmp_path / "a" / "m")],
                      f"cannot save {tmp_path / 'a' / 'm'}: the folder does not exist: "
                      f"{tmp_path / 'a'}"),
    }  # fmt: skip


@pytest.mark.parametrize("case", ["unsupported", "folder", "missing", "corrupt", "no-folder"])
def test_bad_input_is_one_line_and_exit_code_2(saved, tmp_path, capsys, case):
    args, message = bad_inputs(tmp_path, saved[0])[case]
    before = sorted(tmp_path.iterdir())
    assert main(["export", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == f"backprop: error: {message}\n"
    assert sorted(tmp_path.iterdir()) == before


@pytest.mark.parametrize("fmt", ["onnx", "torch"])
def test_an_existing_target_is_left_alone(saved, tmp_path, capsys, fmt):
    out = tmp_path / "taken"
    out.write_bytes(b"keep me")
    assert main(["export", str(saved[0]), "--format", fmt, "--out", str(out)]) == 2
    assert capsys.readouterr().err == (
        f"backprop: error: --out {out} already exists; export writes a new file only\n"
    )
    assert out.read_bytes() == b"keep me"


def test_an_unknown_format_is_a_usage_error(saved, capsys):
    with pytest.raises(SystemExit) as info:
        main(["export", str(saved[0]), "--format", "pdf", "--out", "x"])
    assert info.value.code == 2
    err = capsys.readouterr().err  # argparse quotes the choices or not, by Python version
    assert err.startswith("backprop export: error: argument --format: invalid choice: 'pdf' ")
    assert err.replace("'", "").endswith(
        "(choose from onnx, torch) (see backprop export --help)\n"
    )
    assert err.count("\n") == 1


def test_the_command_runs_as_a_process_without_a_traceback(saved, tmp_path):
    """The real process: exit codes 0 and 2, and a missing onnx package named in one line."""
    path = saved[0]
    ok = subprocess.run(
        [sys.executable, "-m", "backprop", "export", str(path), "--format", "onnx",
         "--out", str(tmp_path / "m.onnx")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ok.returncode == 0 and ok.stderr == "", ok.stderr
    blocked = subprocess.run(
        [sys.executable, "-c",
         "import sys; sys.modules['onnx'] = None\n"
         "from backprop.cli import main\n"
         f"sys.exit(main(['export', {str(path)!r}, '--format', 'onnx', '--out', "
         f"{str(tmp_path / 'n.onnx')!r}]))"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert blocked.returncode == 2
    assert blocked.stderr == (
        "backprop: error: backprop's ONNX export needs onnx: pip install 'backprop[onnx]'\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx", "model.npz"]
