"""The playground in a real browser: Debian's Chromium (/usr/bin/chromium) driven by Playwright.

The tests click the buttons by their accessible names and read the numbers the page shows from
the ``data-*`` attributes of the SVG (full precision), comparing them with the engine's own
computation. A screenshot of each state is written to the folder ``screenshots`` names:
``$BACKPROP_SCREENSHOTS`` if set, else ``playground-screenshots`` in pytest's base temporary
folder (e.g. /tmp/pytest-of-$USER/pytest-N/playground-screenshots).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pytest
from playwright.sync_api import sync_playwright

import backprop as bp
from _playground import close, engine_record, launch_chromium, request, running_server
from backprop.demos.xor_hand import seed_table

SMALL = {"dataset": "moons", "points": "40", "layers": "3", "seed": "2", "batch": "4", "lr": "0.5"}


@pytest.fixture(scope="module")
def server():
    with running_server() as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = launch_chromium(p)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    folder = Path(
        os.environ.get("BACKPROP_SCREENSHOTS")
        or tmp_path_factory.getbasetemp() / "playground-screenshots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser, server):
    """A fresh tab; afterwards: no script error, and nothing was fetched from elsewhere (the page
    works offline)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    urls: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda req: urls.append(req.url))
    yield page
    context.close()
    assert not errors, errors
    assert urls and all(u.startswith((server.url, "data:")) for u in urls), urls


def load(page, server, config):
    page.goto(server.url + "?" + urlencode(config))
    page.wait_for_function("window.playground && window.playground.ready")
    assert page.locator("#error").inner_text() == ""


def click(page, name):
    version = page.evaluate("window.playground.view.version")
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_function(f"window.playground.view.version !== {version}")


def values(page, selector, attribute):
    """{(layer, j[, k]): float} of every element's attribute (empty ones left out)."""
    found = page.eval_on_selector_all(
        selector,
        f"""els => els.map(e => [e.dataset.layer, e.dataset.j, e.dataset.k ?? null,
                                e.getAttribute("{attribute}")])""",
    )
    out = {}
    for layer, j, k, value in found:
        if value:
            key = (int(layer), int(j)) if k is None else (int(layer), int(j), int(k))
            out[key] = float(value)
    return out


def test_forward_backward_update_show_the_engines_numbers(page, server, screenshots):
    load(page, server, SMALL)
    page.screenshot(path=screenshots / "0-opened.png", full_page=True)
    click(page, "Forward")
    page.screenshot(path=screenshots / "1-forward.png", full_page=True)
    indices = page.evaluate("window.playground.view.batch.indices")
    net, record = engine_record(SMALL, indices)
    shown = values(page, "#network .node", "data-activation")
    assert len(shown) == sum(net.sizes)
    for (l, j), a in shown.items():  # the first example of the batch is shown
        assert a == pytest.approx(record.a[l][0, j], abs=1e-6)
    assert values(page, "#network .node", "data-delta") == {}  # no delta before Backward

    click(page, "Backward")
    page.locator("#network .node[data-layer='2'][data-j='0']").dispatch_event("click")
    page.screenshot(path=screenshots / "2-backward-bp1.png", full_page=True)
    assert "BP1" in page.locator("#equation").inner_text()
    for (l, j), d in values(page, "#network .node", "data-delta").items():
        assert d == pytest.approx(record.delta[l][0, j], abs=1e-6)
    grads = values(page, "#network .edge", "data-grad")
    assert len(grads) == sum(a * b for a, b in zip(net.sizes[:-1], net.sizes[1:], strict=True))
    for (l, j, k), g in grads.items():
        assert g == pytest.approx(record.grad_w[l][j, k], abs=1e-6)
    page.locator("#network .node[data-layer='1'][data-j='0']").dispatch_event("click")
    assert "BP2" in page.locator("#equation").inner_text()
    page.locator("#network .edge[data-layer='1'][data-j='0'][data-k='1']").dispatch_event("click")
    equation = page.locator("#equation").inner_text()
    assert "BP4" in equation and "example 4" in equation  # every term of the batch of 4

    weights = values(page, "#network .edge", "data-weight")
    click(page, "Update")
    page.screenshot(path=screenshots / "3-update.png", full_page=True)
    assert "Gradient descent" in page.locator("#equation").inner_text()
    eta = float(SMALL["lr"])
    for key, w in values(page, "#network .edge", "data-weight").items():
        assert w == pytest.approx(weights[key] - eta * grads[key], abs=1e-12)
    biases = values(page, "#network .node", "data-bias")
    for (l, j), b in biases.items():
        assert b == pytest.approx(net.biases[l - 1][j] - eta * record.grad_b[l][j], abs=1e-12)


def test_the_hinge_loss_in_phases_with_bp1s_numbers(page, server, screenshots):
    config = {**SMALL, "loss": "hinge"}
    load(page, server, config)
    assert page.locator("select[name='loss']").input_value() == "hinge"
    click(page, "Forward")
    indices = page.evaluate("window.playground.view.batch.indices")
    net, record = engine_record(config, indices)
    assert net.cost_name == "hinge"
    output = page.locator("#network .node[data-layer='2'][data-j='0']")
    output.dispatch_event("click")
    assert "Hinge loss of this example" in page.locator("#equation").inner_text()
    assert float(output.get_attribute("data-activation")) == pytest.approx(
        record.a[2][0, 0], abs=1e-6
    )

    click(page, "Backward")
    page.screenshot(path=screenshots / "2-hinge-backward-bp1.png", full_page=True)
    equation = page.locator("#equation").inner_text()
    assert "BP1, hinge loss" in equation and "margin" in equation
    deltas = values(page, "#network .node", "data-delta")
    assert len(deltas) == sum(net.sizes[1:])
    for (l, j), d in deltas.items():
        assert d == pytest.approx(record.delta[l][0, j], abs=1e-6)
    grads = values(page, "#network .edge", "data-grad")
    for (l, j, k), g in grads.items():
        assert g == pytest.approx(record.grad_w[l][j, k], abs=1e-6)

    weights = values(page, "#network .edge", "data-weight")
    click(page, "Update")
    page.screenshot(path=screenshots / "3-hinge-update.png", full_page=True)
    eta = float(SMALL["lr"])
    for key, w in values(page, "#network .edge", "data-weight").items():
        assert w == pytest.approx(weights[key] - eta * grads[key], abs=1e-12)


def test_the_xor_preset_reproduces_the_notes_table(page, server, screenshots):
    load(page, server, {"preset": "xor-hand", "batch": "0"})
    click(page, "Forward")
    table = seed_table("first")
    for x, row in enumerate(table):
        page.select_option("#example", str(x))
        shown = values(page, "#network .node", "data-activation")
        expected = [row["z1"], row["z2"], row["z3"], row["z4"], row["sum"]]
        got = [shown[1, 0], shown[1, 1], shown[2, 0], shown[2, 1], shown[3, 0]]
        assert close(got, expected, 1e-6)
        assert [round(v) for v in got[:4]] == [row["rounded"][k] for k in ("z1", "z2", "z3", "z4")]
    page.locator("#network .node[data-layer='2'][data-j='0']").dispatch_event("click")
    page.screenshot(path=screenshots / "4-xor-preset.png", full_page=True)
    assert "tanh" in page.locator("#equation").inner_text()


def test_play_lowers_the_loss_on_xor_and_redraws(page, server, screenshots):
    load(page, server, {"dataset": "xor-quadrants", "layers": "4", "seed": "3", "batch": "10"})
    first = page.evaluate("window.playground.view.curves.train[0]")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(
        "window.playground.redraws >= 10 && window.playground.view.epoch >= 30", timeout=30000
    )
    page.get_by_role("button", name="Pause", exact=True).click()
    page.wait_for_function("!window.playground.view.playing")
    page.screenshot(path=screenshots / "5-played.png", full_page=True)
    train = page.evaluate("window.playground.view.curves.train")
    assert train[-1] < 0.5 * first


def test_a_shared_address_reopens_the_same_lesson(page, server, browser, screenshots):
    load(page, server, SMALL)
    page.select_option("[name=activation]", "relu")
    page.wait_for_function("window.playground.config.activation === 'relu'")
    page.fill("[name=seed]", "11")
    page.locator("[name=seed]").dispatch_event("change")
    page.wait_for_function("window.playground.config.seed === 11")
    address = page.url
    assert "activation=relu" in address and "seed=11" in address
    weights = page.evaluate("window.playground.view.weights")
    other = browser.new_context().new_page()
    other.goto(address)
    other.wait_for_function("window.playground && window.playground.ready")
    other.screenshot(path=screenshots / "6-shared.png", full_page=True)
    assert other.evaluate("window.playground.config") == page.evaluate("window.playground.config")
    assert other.evaluate("window.playground.view.weights") == weights
    session = other.evaluate("window.playground.session")
    state = request(server, f"/api/state?session={session}")[1]
    assert np.allclose(state["weights"][0], weights[1], atol=0)
    other.context.close()


def test_the_threshold_unit_says_why_it_stalls(page, server, screenshots):
    load(page, server, {**SMALL, "activation": "step"})
    click(page, "Step")
    notes = page.locator("#notes").inner_text()
    page.screenshot(path=screenshots / "7-threshold.png", full_page=True)
    assert "g'(z) = 0" in notes
    grads = values(page, "#network .edge", "data-grad")
    assert all(g == 0 for (l, _, _), g in grads.items() if l == 1)


def test_layers_csv_and_export_from_the_page(page, server, screenshots, tmp_path):
    load(page, server, SMALL)
    page.get_by_role("button", name="add a layer").click()
    page.wait_for_function("window.playground.config.layers.length === 2")
    page.get_by_role("button", name="add a neuron to layer 2").click()
    page.wait_for_function("window.playground.config.layers.join() === '3,3'")
    assert page.locator("#network .node").count() == 2 + 3 + 3 + 1
    assert "layers=3%2C3" in page.url
    page.get_by_role("button", name="remove a layer").click()
    page.wait_for_function("window.playground.config.layers.join() === '3'")
    csv = tmp_path / "points.csv"
    csv.write_text("x1,x2,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(12)))
    page.set_input_files("#csv-file", csv)
    page.wait_for_function("window.playground.config.dataset === 'csv'")
    assert (
        page.evaluate(
            "window.playground.data.train.x.length + window.playground.data.test.x.length"
        )
        == 12
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3\n4,5\n")
    page.set_input_files("#csv-file", bad)
    page.wait_for_function("document.querySelector('#error').textContent !== ''")
    assert page.locator("#error").inner_text().startswith("csv: CSV data row 1")
    page.screenshot(path=screenshots / "8-csv-error.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export model").click()
    saved = tmp_path / "exported.npz"
    download.value.save_as(saved)
    model = bp.load(saved)
    assert close(model.weights[0], page.evaluate("window.playground.view.weights[1]"), 0)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export Markdown").click()
    assert "BP1" in Path(download.value.path()).read_text()
