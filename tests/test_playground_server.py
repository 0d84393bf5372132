"""The playground's server: every endpoint, bad requests, session isolation, limits, and that the
numbers it sends are the engine's (BP1-BP4 from layered.Network, the optimizers' rules)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl

import numpy as np
import pytest

import backprop as bp
from _playground import close, engine_record, request, running_server
from backprop.demos.xor_hand import seed_table
from backprop.playground import ConfigError, Session, parse_config
from backprop.playground import session as session_module
from backprop.playground.datasets import make_data
from backprop.playground.server import MAX_BODY, Sessions

SMALL = {"dataset": "moons", "points": "40", "layers": "3", "seed": "2", "batch": "5", "lr": "0.5"}


@pytest.fixture(scope="module")
def server():
    with running_server() as srv:
        yield srv


def open_session(server, config):
    status, body = request(server, "/api/session", {"config": config})
    assert status == 200, body
    return body


def phase(server, key, name):
    status, body = request(server, "/api/phase", {"session": key, "phase": name})
    assert status == 200, body
    return body


def test_page_and_static_files_are_served_from_the_package(server):
    status, html = request(server, "/")
    assert status == 200 and b'src="/static/app.js"' in html
    for name in ("app.js", "network.js", "equations.js", "plots.js", "style.css"):
        assert request(server, f"/static/{name}")[0] == 200
    # a path is never opened: anything not shipped is a 404
    assert request(server, "/static/../../pyproject.toml")[0] == 404
    assert request(server, "/etc/passwd")[1]["field"] == "path"
    status, options = request(server, "/api/options")
    assert options["limits"]["hidden_layers"] == 8 and options["limits"]["neurons"] == 16
    assert set(options["activations"]) == {"step", "sigmoid", "tanh", "relu", "identity"}


def test_forward_backward_numbers_are_the_engines(server):
    opened = open_session(server, SMALL)
    key = opened["session"]
    view = phase(server, key, "forward")
    batch = view["batch"]
    assert "delta" not in batch  # Backward has not run yet
    net, record = engine_record(SMALL, batch["indices"])
    for l in range(len(net.sizes)):
        assert close(batch["a"][l], record.a[l], 1e-12)
    assert batch["cost"] == pytest.approx(record.cost, abs=1e-12)
    batch = phase(server, key, "backward")["batch"]
    for l in range(1, len(net.sizes)):
        assert close(batch["delta"][l], record.delta[l], 1e-12)
        assert close(batch["grad_w"][l], record.grad_w[l], 1e-12)
        assert close(batch["grad_b"][l], record.grad_b[l], 1e-12)
        for i, x in enumerate(batch["terms"]["examples"]):
            assert close(batch["terms"]["w"][i][l], record.example_grad_w(l, x), 1e-12)
        # the mean of the per-example terms is the gradient (mini-batch averaging)
        assert close(np.mean([t[l] for t in batch["terms"]["w"]], axis=0), record.grad_w[l])


def test_a_large_batch_sends_the_selected_examples_terms(server):
    config = {**SMALL, "points": "60", "batch": "30"}
    key = open_session(server, config)["session"]
    phase(server, key, "forward")
    status, view = request(
        server, "/api/phase", {"session": key, "phase": "backward", "example": 20}
    )
    batch = view["batch"]
    assert batch["m"] == 30 and batch["terms"]["examples"] == [20]
    _, record = engine_record(config, batch["indices"])
    assert close(batch["terms"]["w"][0][2], record.example_grad_w(2, 20), 1e-12)
    view = request(server, f"/api/view?session={key}&example=3")[1]
    assert view["batch"]["terms"]["examples"] == [3]


def test_update_moves_every_weight_by_eta_times_its_gradient(server):
    key = open_session(server, SMALL)["session"]
    phase(server, key, "forward")
    grads = phase(server, key, "backward")["batch"]
    before = request(server, f"/api/state?session={key}")[1]
    view = phase(server, key, "update")
    after = request(server, f"/api/state?session={key}")[1]
    eta = before["lr"]
    for l in range(1, len(before["sizes"])):
        w, b = np.array(before["weights"][l - 1]), np.array(before["biases"][l - 1])
        assert np.allclose(
            after["weights"][l - 1], w - eta * np.array(grads["total_w"][l]), 0, 1e-12
        )
        assert np.allclose(
            after["biases"][l - 1], b - eta * np.array(grads["total_b"][l]), 0, 1e-12
        )
        assert np.allclose(view["update"]["w_before"][l], w)
    assert view["steps"] == 1


def test_l2_momentum_and_adam_show_their_terms(server):
    config = {**SMALL, "regularization": "L2", "lmbda": "0.1", "optimizer": "momentum"}
    key = open_session(server, config)["session"]
    view = phase(server, key, "step")
    batch, update = view["batch"], view["update"]
    for l in range(1, 3):
        w0 = np.array(update["w_before"][l])
        # dC/dw = dC0/dw + lambda w; the first momentum step has v = dC/dw
        assert close(batch["total_w"][l], np.array(batch["grad_w"][l]) + 0.1 * w0, 1e-12)
        assert close(update["v_w"][l], batch["total_w"][l], 1e-12)
        assert close(view["weights"][l], w0 - 0.5 * np.array(update["v_w"][l]), 1e-12)
    key = open_session(server, {**SMALL, "optimizer": "adam", "lr": "0.01"})["session"]
    update = phase(server, key, "step")["update"]
    assert update["t"] == 1 and update["beta1"] == 0.9 and len(update["m_w"]) == 3


def test_hinge_steps_in_phases_with_the_engines_numbers(server, tmp_path):
    config = {**SMALL, "loss": "hinge", "output": "sigmoid"}  # the hinge takes a linear output
    opened = open_session(server, config)
    assert opened["state"]["config"]["output"] == "identity"
    assert "hinge" in request(server, "/api/options")[1]["losses"]
    key = opened["session"]
    batch = phase(server, key, "forward")["batch"]
    net, record = engine_record(config, batch["indices"])
    assert net.cost_name == "hinge" and net.output == "identity"
    y, a_L = record.y, record.a[2]
    labels = make_data(parse_config(config)).y_train[batch["indices"]]
    assert close(y.ravel(), 2 * labels - 1, 0)  # the data's labels 1/0 as +1/-1
    assert close(batch["y"], y, 0) and close(batch["a"][2], a_L, 1e-12)
    # C_x = max(0, 1 - y a^L) and their mean, the batch cost
    assert close(batch["cost_x"], np.maximum(0.0, 1.0 - y * a_L), 1e-12)
    assert batch["cost"] == pytest.approx(np.mean(batch["cost_x"]), abs=1e-12)
    assert batch["cost"] == pytest.approx(record.cost, abs=1e-12)
    assert "grad_a" not in batch and batch["derivative"][2] == [[1.0]] * 5  # linear: g' = 1
    batch = phase(server, key, "backward")["batch"]
    # BP1: dC/da^L = -y inside the margin (y a^L < 1), else 0; times g'(z^L) = 1
    assert close(batch["grad_a"], np.where(y * a_L < 1, -y, 0.0), 0)
    assert close(batch["delta"][2], batch["grad_a"], 0)
    for l in (1, 2):
        assert close(batch["delta"][l], record.delta[l], 1e-12)
        assert close(batch["grad_w"][l], record.grad_w[l], 1e-12)
        assert close(batch["grad_b"][l], record.grad_b[l], 1e-12)
    before = request(server, f"/api/state?session={key}")[1]
    view = phase(server, key, "update")
    for l in (1, 2):
        w = np.array(before["weights"][l - 1])
        assert close(view["weights"][l], w - 0.5 * np.array(batch["total_w"][l]), 1e-12)
        assert close(view["update"]["w_before"][l], w, 0)
    status, text = request(server, f"/api/export/example?session={key}&format=markdown")
    assert status == 200 and b"max(0, 1 - y a^2)" in text and b"-y [y a^2 < 1]" in text
    status, model = request(server, f"/api/export/model?session={key}")
    path = tmp_path / "hinge.npz"
    path.write_bytes(model)
    loaded = bp.load(path)
    assert loaded.cost_name == "hinge" and close(loaded.weights[0], view["weights"][1], 0)


def test_xor_preset_reproduces_the_notes_table(server):
    key = open_session(server, {"preset": "xor-hand", "batch": "0"})["session"]
    batch = phase(server, key, "forward")["batch"]
    assert batch["indices"] == [0, 1, 2, 3]
    for x, row in enumerate(seed_table("first")):
        assert close(batch["a"][1][x], [row["z1"], row["z2"]], 1e-12)
        assert close(batch["z"][2][x], [row["pre3"], row["pre4"]], 1e-12)
        assert close(batch["a"][2][x], [row["z3"], row["z4"]], 1e-12)
        assert batch["a"][3][x][0] == pytest.approx(row["sum"], abs=1e-12)


def test_bad_requests_get_a_400_naming_the_field_and_the_server_keeps_serving(server):
    cases = [
        ({"config": {"layers": "16,16,16,16,16,16,16,16,16"}}, "layers"),
        ({"config": {"layers": "17"}}, "layers"),
        ({"config": {"points": "100000"}}, "points"),
        ({"config": {"activation": "swish"}}, "activation"),
        ({"config": {"lr": "fast"}}, "lr"),
        ({"config": {"colour": "red"}}, "colour"),
        ({"config": {"dataset": "csv"}}, "csv"),
        ({"config": "xor"}, "config"),
    ]
    for body, field in cases:
        status, error = request(server, "/api/session", body)
        assert (status, error["field"]) == (400, field), error
    assert request(server, "/api/session", raw=b"{not json")[1]["field"] == "body"
    assert request(server, "/api/phase", {"session": "nope", "phase": "forward"})[0] == 404
    key = open_session(server, SMALL)["session"]
    status, error = request(server, "/api/phase", {"session": key, "phase": "update"})
    assert (status, error["field"]) == (400, "phase")
    assert request(server, "/api/phase", {"session": key, "phase": "jump"})[1]["field"] == "phase"
    assert request(server, "/api/play", {"session": key, "playing": "yes"})[1]["field"] == "playing"
    status, error = request(server, "/api/session", raw=b" " * (MAX_BODY + 1))
    assert (status, error["field"]) == (413, "body")
    assert request(server, "/api/export/example?session=" + key + "&format=pdf")[0] == 400
    assert request(server, "/api/options")[0] == 200


def test_sessions_are_isolated(server):
    a = open_session(server, SMALL)["session"]
    b = open_session(server, SMALL)["session"]
    before = request(server, f"/api/state?session={b}")[1]
    for _ in range(3):
        phase(server, a, "step")
    assert request(server, f"/api/state?session={a}")[1]["steps"] == 3
    assert request(server, f"/api/state?session={b}")[1] == before


def test_the_least_recently_used_session_makes_room():
    sessions = Sessions(limit=2)
    config = parse_config(SMALL)
    first = sessions.create(Session(config))
    time.sleep(0.01)
    second = sessions.create(Session(config))
    sessions.get(first)  # used again: the second is now the oldest
    sessions.create(Session(config))
    assert len(sessions) == 2
    sessions.get(first)
    with pytest.raises(ConfigError, match="unknown or expired"):
        sessions.get(second)
    sessions.close()


def test_play_trains_through_fit_and_lowers_the_loss(server):
    config = {"dataset": "xor-quadrants", "layers": "4", "seed": "3", "lr": "0.5", "batch": "10"}
    key = open_session(server, config)["session"]
    assert request(server, "/api/play", {"session": key, "playing": True})[1]["playing"]
    deadline = time.monotonic() + 20
    while request(server, f"/api/view?session={key}")[1]["epoch"] < 30:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    view = request(server, "/api/play", {"session": key, "playing": False})[1]
    assert not view["playing"] and view["steps"] >= 30
    train = view["curves"]["train"]
    assert train[-1] < 0.5 * train[0]


def test_play_stops_when_nobody_watches(monkeypatch):
    monkeypatch.setattr(session_module, "ABANDONED_SECONDS", 0.2)
    session = Session(parse_config(SMALL))
    session.play()
    deadline = time.monotonic() + 10
    while session.playing:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert session.steps > 0
    session.close()


def test_shared_query_reopens_the_same_lesson(server):
    config = parse_config({**SMALL, "activation": "relu", "init": "uniform", "seed": "7"})
    again = parse_config(dict(parse_qsl(config.query())))
    assert again == config
    a = open_session(server, dict(parse_qsl(config.query())))
    b = open_session(server, dict(parse_qsl(a["state"]["query"])))
    assert a["state"]["weights"] == b["state"]["weights"]
    assert a["data"] == b["data"]


def test_export_model_and_worked_example(server, tmp_path):
    key = open_session(server, SMALL)["session"]
    phase(server, key, "step")
    status, blob = request(server, f"/api/export/model?session={key}")
    assert status == 200
    (tmp_path / "model.npz").write_bytes(blob)
    model = bp.load(tmp_path / "model.npz")
    state = request(server, f"/api/state?session={key}")[1]
    assert close(model.weights[0], state["weights"][0], 0)
    status, text = request(server, f"/api/export/example?session={key}&format=markdown")
    assert status == 200 and b"BP1" in text and b"BP4" in text
    status, text = request(server, f"/api/export/example?session={key}&format=latex")
    assert b"\\delta" in text


def test_csv_data_is_checked(server):
    good = "x1,x2,label\n0,0,0\n1,1,1\n0,1,1\n1,0,0\n0.5,0.5,1\n"
    view = open_session(server, {"dataset": "csv", "csv": good, "test": "0"})
    assert len(view["data"]["train"]["x"]) == 5
    bad = "x1,x2,label\n0,0,0\n1,1,banana\n"
    status, error = request(server, "/api/session", {"config": {"dataset": "csv", "csv": bad}})
    assert status == 400 and error["field"] == "csv" and "row 2" in error["error"]


def test_threshold_units_say_why_nothing_learns(server):
    key = open_session(server, {**SMALL, "activation": "step"})["session"]
    view = phase(server, key, "step")
    assert any("g'(z) = 0" in note for note in view["notes"])
    assert not np.any(view["batch"]["total_w"][1])  # delta^1 = 0: no gradient reaches w^1


def test_the_command_prints_the_address_and_stops_on_ctrl_c():
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "backprop", "playground", "--no-browser"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("backprop playground: http://127.0.0.1:")
        assert request(line.split()[2], "/api/options")[0] == 200
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
        assert "stopped" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
