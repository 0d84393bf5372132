"""Sweeps on Ray: a local instance started for the sweep (and shut down after it), and an
existing cluster joined with ``--ray-address``: a head node this test starts on 127.0.0.1 and
stops. Equal seeds give the local pool's results, loss for loss."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import ray

import backprop as bp
from backprop.cli import main
from backprop.sweeps.results import read_runs

TINY = {"data": "moons", "layers": [2, 4, 2], "epochs": 3}
GRID = {"lr": [0.1, 1.0], "batch_size": [10, 50]}


@pytest.fixture(autouse=True)
def no_ray_left_behind():
    """Whatever a test does, this process leaves no Ray connection or local instance behind."""
    yield
    ray.shutdown()


def losses(records):
    return {r["key"]: (r["final_loss"], r["history"]["loss"]) for r in records}


def test_a_local_ray_instance_gives_the_local_pool_s_results(tmp_path):
    on_ray = bp.sweep(GRID, seeds=[0, 1], out=tmp_path / "ray", executor="ray", workers=2, **TINY)
    assert not ray.is_initialized()  # the instance started for the sweep is shut down
    on_pool = bp.sweep(GRID, seeds=[0, 1], out=tmp_path / "pool", workers=2, **TINY)
    assert (on_ray.ran, on_ray.failed) == (8, 0)
    assert losses(on_ray.records) == losses(on_pool.records)
    assert (tmp_path / "ray" / "results.md").read_text().split("| seconds |")[0] == (
        tmp_path / "pool" / "results.md"
    ).read_text().split("| seconds |")[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def head_node(monkeypatch):
    """``ray start --head`` on 127.0.0.1 (2 CPUs, no dashboard, no token: a throwaway local
    cluster), in a session of its own so that all its processes stop with it; its address."""
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")  # the driver, like the head, uses no token
    src = str(Path(bp.__file__).parents[1])  # the workers import this backprop
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")])),
    }
    port = _free_port()
    command = [str(Path(sys.executable).parent / "ray"), "start", "--head", "--block"]
    command += [f"--port={port}", "--num-cpus=2", "--node-ip-address=127.0.0.1"]
    command += ["--include-dashboard=false", "--disable-usage-stats"]
    head = subprocess.Popen(
        command, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 90
        for line in head.stdout:
            if b"Ray runtime started" in line or time.monotonic() > deadline:
                break
        assert head.poll() is None, "ray start --head exited"
        yield f"127.0.0.1:{port}"
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        try:
            head.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        os.killpg(head.pid, signal.SIGKILL)  # raylet, GCS and workers, whatever is left
        head.wait()
        head.stdout.close()


def test_ray_address_joins_an_existing_cluster(head_node, tmp_path, capsys):
    argv = ["sweep", "--data", "moons", "--layers", "2,4,2", "--epochs", "3"]
    argv += ["--lr", "0.1,1", "--batch-size", "10,50", "--seeds", "0,1"]
    assert main([*argv, "--out", str(tmp_path / "ray"), "--ray-address", head_node]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"sweep of 8 runs on the Ray cluster at {head_node};")
    assert not ray.is_initialized()
    on_pool = bp.sweep(GRID, seeds=[0, 1], out=tmp_path / "pool", workers=2, **TINY)
    assert losses(read_runs(tmp_path / "ray").values()) == losses(on_pool.records)
