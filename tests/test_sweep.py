"""Sweeps on the local process pool: the grid, the per-run files, the tables and the picture,
a failing run reported without stopping the others, resuming an interrupted sweep, and the
``backprop sweep`` command (its bad input is one line with exit code 2)."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest

import backprop as bp
from backprop.cli import main
from backprop.runs import OPTIONS
from backprop.sweeps import options
from backprop.sweeps.grid import RunSpec, expand
from backprop.sweeps.worker import run_one

TINY = {"data": "moons", "layers": [2, 4, 2], "epochs": 3}


def in_this_process(config: dict, seed: int) -> dict:
    return run_one({**options.defaults(), **config, "seed": seed})


def test_a_grid_on_the_local_pool_trains_every_run_as_one_process_would(tmp_path):
    result = bp.sweep(
        {"lr": [0.1, 1.0], "batch_size": [10, 50]}, seeds=[0, 1], out=tmp_path, workers=2, **TINY
    )
    assert (result.ran, result.reused, result.failed) == (8, 0, 0)
    assert result.swept == ["lr", "batch_size"]
    assert [(r["config"]["lr"], r["config"]["batch_size"], r["seed"]) for r in result.records] == [
        (lr, b, s) for lr in (0.1, 1.0) for b in (10, 50) for s in (0, 1)
    ]
    for record in result.records[:3]:
        alone = in_this_process(record["config"], record["seed"])
        assert record["final_loss"] == alone["final_loss"]
        for name in ("loss", "val_loss", "val_accuracy"):
            assert record["history"][name] == alone["history"][name]
        assert record["best_loss"] == min(alone["history"]["loss"])
        assert record["epochs"] == 3
    assert sorted(p.stem for p in (tmp_path / "runs").iterdir()) == sorted(
        r["key"] for r in result.records
    )
    rows = list(csv.DictReader(open(tmp_path / "results.csv")))
    assert len(rows) == 8
    assert [float(row["final_loss"]) for row in rows] == pytest.approx(
        [r["final_loss"] for r in result.records], rel=1e-5
    )
    assert (tmp_path / "final_loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_markdown_table_gives_mean_and_std_over_seeds(tmp_path):
    result = bp.sweep({"lr": [0.1, 1.0]}, seeds=[0, 1, 2], out=tmp_path, workers=2, **TINY)
    losses = [r["final_loss"] for r in result.records if r["config"]["lr"] == 1.0]
    mean = sum(losses) / 3
    std = (sum((x - mean) ** 2 for x in losses) / 2) ** 0.5
    table = (tmp_path / "results.md").read_text()
    assert "| lr | runs | failed | final loss |" in table
    assert f"| 1 | 3 | 0 | {mean:.4g} ± {std:.2g} |" in table
    assert "Fixed options: activation=relu, batch_size=32, data=moons, epochs=3" in table


def test_a_failing_run_is_reported_counted_and_left_out_of_the_means(tmp_path):
    result = bp.sweep(
        {"layers": [[2, 4, 2], [3, 4, 2]], "lr": [0.1, 1e4]},
        data="moons",
        epochs=3,
        seeds=[0],
        out=tmp_path,
        workers=2,
    )
    status = {(tuple(r["config"]["layers"]), r["config"]["lr"]): r for r in result.records}
    assert status[(2, 4, 2), 0.1]["status"] == "ok"
    assert status[(2, 4, 2), 1e4]["status"] == "diverged"
    assert "training diverged" in status[(2, 4, 2), 1e4]["error"]
    for lr in (0.1, 1e4):
        assert status[(3, 4, 2), lr]["status"] == "failed"
        assert status[(3, 4, 2), lr]["error"] == (
            "UsageError: --layers starts with 3 inputs but moons has 2 features"
        )
    assert result.failed == 3
    table = (tmp_path / "results.md").read_text()
    assert "# Sweep: 4 runs, 1 trained, 3 failed or diverged" in table
    assert "| 3,4,2 | 10000 | 1 | 1 | - | - | - | - | - | - |" in table
    assert "- layers=3,4,2, lr=0.1, seed 0: failed: UsageError: --layers starts with 3" in table
    rows = {row["key"]: row for row in csv.DictReader(open(tmp_path / "results.csv"))}
    assert rows[status[(2, 4, 2), 1e4]["key"]]["status"] == "diverged"
    assert rows[status[(2, 4, 2), 1e4]["key"]]["final_loss"] == ""


def test_an_interrupted_sweep_resumes_without_repeating_finished_runs(tmp_path):
    grid = {"lr": [0.1, 0.3, 1.0]}
    kept = []

    def interrupt_after_two(record):
        kept.append(record["key"])
        if len(kept) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        bp.sweep(grid, seeds=[0, 1], out=tmp_path, workers=2, on_run=interrupt_after_two, **TINY)
    files = {p.stem: p.stat().st_mtime_ns for p in (tmp_path / "runs").glob("*.json")}
    assert sorted(files) == sorted(kept)
    assert not list((tmp_path / "runs").glob(".*"))  # no temporaries left

    again = []
    result = bp.sweep(grid, seeds=[0, 1], out=tmp_path, workers=2, on_run=again.append, **TINY)
    assert (result.ran, result.reused) == (4, 2)
    assert not set(kept) & {r["key"] for r in again}
    assert {k: (tmp_path / "runs" / f"{k}.json").stat().st_mtime_ns for k in kept} == files
    fresh = bp.sweep(grid, seeds=[0, 1], out=tmp_path / "fresh", workers=2, **TINY)
    assert [r["final_loss"] for r in result.records] == [r["final_loss"] for r in fresh.records]


def test_a_run_is_keyed_by_its_whole_configuration_and_seed():
    a, b = expand({"lr": [0.1]}, {"data": "moons", "epochs": 3}, [0, 1])
    assert a.key != b.key
    assert a.key == RunSpec({"epochs": 3, "lr": 0.1, "data": "moons"}, 0).key
    assert a.key != RunSpec({"epochs": 4, "lr": 0.1, "data": "moons"}, 0).key


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"grid": {"learning_rate": [0.1]}, "data": "moons"}, "cannot sweep learning_rate"),
        ({"grid": {"lr": [0.1]}}, "a sweep needs data"),
        ({"grid": {"lr": []}, "data": "moons"}, "option 'lr' of the sweep has no values"),
        ({"grid": {"lr": [0.1]}, "lr": 1.0, "data": "moons"}, "lr given both"),
        ({"grid": {"lr": [0.1]}, "data": "moons", "executor": "dask"}, "unknown executor"),
    ],
)
def test_bp_sweep_refuses_what_is_not_a_sweep(tmp_path, kwargs, message):
    grid = kwargs.pop("grid")
    with pytest.raises(ValueError, match=message):
        bp.sweep(grid, out=tmp_path, **kwargs)


def test_each_word_is_a_comma_list_unless_it_is_one_value_as_a_whole():
    actions = {a.dest: a for a in options.sweepable(options.train_parser())}
    assert options.parse_values(actions["lr"], ["0.01,0.1", "1", "0.1"]) == [0.01, 0.1, 1.0]
    assert options.parse_values(actions["layers"], ["784,30,10", "784,100,10"]) == [
        [784, 30, 10],
        [784, 100, 10],
    ]
    assert options.parse_values(actions["data"], ["moons,xor"]) == ["moons", "xor"]
    assert sorted(actions) == [
        "activation", "batch_size", "data", "epochs", "init", "layers", "loss", "lr",
        "momentum", "optimizer", "output_activation", "tol",
    ]  # fmt: skip


def test_every_option_train_gains_is_one_build_run_reads():
    """sweep takes train's options as they come: a new one must be built into a run, not
    silently ignored (add it to backprop.runs.build_run and OPTIONS)."""
    assert set(options.defaults()) | {"seed"} == OPTIONS


def test_backprop_sweep_prints_each_run_as_it_ends_and_resumes(tmp_path, capsys):
    argv = ["sweep", "--data", "moons", "--layers", "2,4,2", "2,8,2", "--lr", "0.1,1e4"]
    argv += ["--epochs", "2", "--seeds", "0", "--workers", "2", "--out", str(tmp_path)]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        f"sweep of 4 runs on a local pool of 2 processes; each run is written to "
        f"{tmp_path / 'runs'} as it ends"
    )
    assert sorted(line.split("] ")[1].split(": ")[0] for line in lines[1:5]) == [
        "layers=2,4,2 lr=0.1 seed 0",
        "layers=2,4,2 lr=10000.0 seed 0",
        "layers=2,8,2 lr=0.1 seed 0",
        "layers=2,8,2 lr=10000.0 seed 0",
    ]
    assert sum("diverged: training diverged" in line for line in lines) == 2
    assert lines[-1] == (
        f"4 runs, 2 failed or diverged; wrote results.csv, results.md, final_loss.png in {tmp_path}"
    )
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == f"4 runs were already done in {tmp_path / 'runs'} and were not repeated"
    record = json.loads(next((tmp_path / "runs").glob("*.json")).read_text())
    assert record["config"]["epochs"] == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["--lr", "0.1,x"], "backprop: error: --lr: expected a number, got 'x'"),
        (["--activation", "relu,foo"], "backprop: error: --activation: invalid choice 'foo' ("),
        (["--layers", "2,x"], "backprop: error: --layers: layers must be comma-separated"),
        (["--seeds", "0,-1"], "backprop sweep: error: argument --seeds: a seed must be"),
        (["--ray", "--ray-address", "1.2.3.4:6379"], "backprop sweep: error: argument"),
        (["--workers", "0"], "backprop sweep: error: argument --workers: must be positive"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(tmp_path, args, message):
    command = [sys.executable, "-m", "backprop", "sweep", "--data", "moons", *args]
    done = subprocess.run(
        [*command, "--out", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.startswith(message)
    assert len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "runs").exists()


def test_importing_backprop_imports_neither_ray_nor_the_sweeps():
    code = "import sys, backprop; print('ray' in sys.modules, 'backprop.sweeps' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


def test_without_ray_installed_ray_is_one_line_and_exit_code_2(tmp_path):
    code = (
        "import sys; sys.modules['ray'] = None; from backprop.cli import main; "
        f"sys.exit(main(['sweep', '--data', 'moons', '--ray', '--out', {str(tmp_path)!r}]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == (
        "backprop: error: Ray is not installed; pip install 'backprop[ray]' to sweep on Ray\n"
    )


def test_ctrl_c_keeps_the_finished_runs_and_the_same_command_resumes(tmp_path):
    command = [sys.executable, "-m", "backprop", "sweep", "--data", "moons", "--epochs", "200"]
    command += ["--lr", "0.05,0.1,0.2,0.3", "--workers", "2", "--out", str(tmp_path)]
    sweep = subprocess.Popen(
        command,
        start_new_session=True,  # Ctrl-C reaches the whole group: the command and its workers
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    runs = tmp_path / "runs"
    deadline = time.monotonic() + 60
    while not list(runs.glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(sweep.pid, signal.SIGINT)
    out, err = sweep.communicate(timeout=30)
    kept = {p.name: p.stat().st_mtime_ns for p in runs.glob("*.json")}
    assert sweep.returncode == 130
    assert 1 <= len(kept) < 4
    assert err.splitlines() == [
        f"backprop: {len(kept)} finished runs are kept in {runs}; the same command resumes the "
        "sweep",
        "backprop: interrupted",
    ]
    assert not list(runs.glob(".*"))  # no temporaries left
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    lines = done.stdout.splitlines()
    assert f"{len(kept)} runs were already done in {runs} and were not repeated" in lines
    assert len(lines) == 1 + (4 - len(kept)) + 2
    assert {p.name: p.stat().st_mtime_ns for p in runs.glob("*.json") if p.name in kept} == kept
    assert len(list(runs.glob("*.json"))) == 4


def test_a_lost_worker_stops_the_sweep_with_one_line_and_keeps_the_finished_runs(
    tmp_path, monkeypatch, capsys
):
    from concurrent.futures.process import BrokenProcessPool

    import backprop.sweeps

    def broken(grid, *, out, on_run, **kwargs):
        on_run({"config": {"lr": 0.1}, "seed": 0, "status": "ok", "final_loss": 0.5,
                "final_accuracy": 0.75, "seconds": 1.0})  # fmt: skip
        raise BrokenProcessPool("A process in the process pool was terminated abruptly\nmore")

    monkeypatch.setattr(backprop.sweeps, "sweep", broken)
    assert main(["sweep", "--data", "moons", "--lr", "0.1,1", "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        "backprop: the sweep stopped: A process in the process pool was terminated abruptly; "
        f"1 finished runs are kept in {tmp_path / 'runs'}, the same command resumes it\n"
    )
