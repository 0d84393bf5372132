// The page: settings <-> address, buttons -> the server's API, and drawing what the server sends.
// It computes no forward or backward pass: every number comes from the backprop engine.

import * as E from "./equations.js";
import { drawNetwork, pick } from "./network.js";
import { drawBoundary, drawCurves } from "./plots.js";

/** Test and benchmark hooks: the session, the last view drawn, redraws while playing, and how
 * long the last drawing took (ms). */
const pg = (window.playground = { session: null, view: null, data: null, config: null, redraws: 0, ready: false });
let example = 0;
let selected = null;
let previous = null;
let playing = false;
let csvText = "";
let options = null;

const $ = (sel) => document.querySelector(sel);

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(path, init);
  const json = await response.json();
  if (!response.ok) {
    const error = new Error(json.error || response.statusText);
    error.field = json.field;
    throw error;
  }
  return json;
}

function showError(error) {
  $("#error").textContent = error ? `${error.field ? error.field + ": " : ""}${error.message}` : "";
}

async function run(action) {
  try {
    showError(null);
    await action();
  } catch (error) {
    showError(error);
  }
}

// --- settings ------------------------------------------------------------------------------

function fillSelect(name, choices) {
  const select = document.querySelector(`[name=${name}]`);
  const entries = Array.isArray(choices) ? choices.map((c) => [c, c]) : Object.entries(choices);
  select.replaceChildren(...entries.map(([value, label]) => {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = typeof label === "string" ? label : label.title;
    return option;
  }));
}

function setControls(config) {
  for (const input of document.querySelectorAll("#controls [name]")) {
    input.value = config[input.name];
  }
  drawLayers(config.layers);
}

function drawLayers(layers) {
  const box = $("#layers");
  const button = (label, name, onClick) => {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.setAttribute("aria-label", name);
    b.addEventListener("click", onClick);
    return b;
  };
  const change = (next) => run(() => reconfigure({ layers: next.join(",") }));
  const parts = [document.createTextNode("hidden layers")];
  layers.forEach((n, i) => {
    const span = document.createElement("span");
    span.className = "layer";
    span.append(
      button("\u2212", `remove a neuron from layer ${i + 1}`, () => change(layers.map((m, k) => (k === i ? Math.max(1, m - 1) : m)))),
      ` ${n} `,
      button("+", `add a neuron to layer ${i + 1}`, () => change(layers.map((m, k) => (k === i ? m + 1 : m)))),
    );
    parts.push(span);
  });
  parts.push(button("+ layer", "add a layer", () => change([...layers, 2])));
  if (layers.length) parts.push(button("\u2212 layer", "remove a layer", () => change(layers.slice(0, -1))));
  box.replaceChildren(...parts);
}

function settings(overrides = {}) {
  const config = {};
  for (const input of document.querySelectorAll("#controls [name]")) config[input.name] = input.value;
  config.layers = pg.config.layers.join(",");
  Object.assign(config, overrides);
  if (config.dataset === "csv") config.csv = csvText;
  return config;
}

function opened(response) {
  pg.session = response.session;
  pg.config = response.state.config;
  pg.data = response.data;
  history.replaceState(null, "", `?${response.state.query}`);
  setControls(pg.config);
  previous = null;
  selected = null;
  example = 0;
  show(response.view);
}

async function reconfigure(overrides) {
  await setPlaying(false);
  opened(await api("/api/config", { session: pg.session, config: settings(overrides) }));
}

// --- drawing -------------------------------------------------------------------------------

function exampleChoices(view) {
  const select = $("#example");
  const batch = view.batch;
  const choices = batch ? batch.indices.map((idx, x) => [String(x), `example ${x + 1} of the batch (point ${idx})`]) : [];
  if (batch && batch.m > 1) choices.push(["mean", "mean over the mini-batch"]);
  if (!choices.length) choices.push(["0", "no mini-batch yet: press Forward"]);
  const key = choices.map((c) => c[0]).join();
  if (select.dataset.key !== key) {
    select.dataset.key = key;
    select.replaceChildren(...choices.map(([value, label]) => Object.assign(document.createElement("option"), { value, textContent: label })));
  }
  if (batch && example !== "mean" && example >= batch.m) example = 0;
  select.value = String(example);
}

function show(view) {
  const started = performance.now();
  previous = pg.view && pg.view.sizes.join() === view.sizes.join() ? pg.view : null;
  pg.view = view;
  exampleChoices(view);
  drawNetwork($("#network"), view, example, selected, previous, (s) => { selected = s; show(view); });
  drawEquation(view);
  drawBoundary($("#boundary"), view.boundary, pg.data);
  drawCurves($("#curves"), view.curves);
  const c = view.curves;
  const last = (key) => E.fmt(c[key][c[key].length - 1]);
  const cost = view.batch ? ` · mini-batch cost C = ${E.fmt(view.batch.cost)}` : "";
  $("#status").textContent = `epoch ${view.epoch} · step ${view.steps}${cost} · training loss ${last("train")} · test loss ${last("test")}`;
  $("#notes").replaceChildren(...view.notes.map((note) => Object.assign(document.createElement("li"), { textContent: note })));
  $("#backward").disabled = view.phase !== "forward";
  $("#update").disabled = view.phase !== "backward";
  for (const id of ["forward", "backward", "update"]) $(`#${id}`).classList.toggle("changed", view.phase === id);
  $("#play").textContent = view.playing ? "Pause" : "Play";
  document.body.dataset.phase = view.phase || "";
  document.body.dataset.version = String(view.version);
  pg.drawMs = performance.now() - started;
}

function drawEquation(view) {
  const box = $("#equation");
  const batch = view.batch;
  if (!selected) {
    box.innerHTML = "<p>Click a neuron or a connection to see its equation with the numbers plugged in.</p>";
    return;
  }
  if (!batch) {
    const { l, j, k } = selected;
    box.innerHTML = selected.kind === "edge"
      ? `<p>w<sup>${l}</sup><sub>${j + 1}${k + 1}</sub> = ${E.fmt(view.weights[l][j][k])}. Press Forward, then Backward.</p>`
      : `<p>Press Forward to compute this neuron's activation.</p>`;
    return;
  }
  const x = example === "mean" ? 0 : example;
  const note = example === "mean" ? "<p>The drawing shows the batch means; the equations hold per example (example 1 here).</p>" : "";
  const L = view.sizes.length - 1;
  const backward = batch.delta !== undefined;
  const update = view.update;
  const derivativeText = (l) => {
    const name = l === L ? view.output : view.activation;
    const row = options.activations[name];
    return row ? `${row.title}: ${row.derivative}` : "";
  };
  let html = note;
  if (selected.kind === "node") {
    const { l, j } = selected;
    if (l === 0) {
      box.innerHTML = `${note}<p>Input x<sub>${j + 1}</sub> = a<sup>0</sup><sub>${j + 1}</sub> = ${E.fmt(batch.a[0][x][j])}</p>`;
      return;
    }
    const name = l === L ? view.output : view.activation;
    html += E.forward(l, j, {
      weights: view.update ? update.w_before[l][j] : view.weights[l][j],
      inputs: batch.a[l - 1][x], bias: view.update ? update.b_before[l][j] : view.biases[l][j],
      z: batch.z[l][x][j], a: batch.a[l][x][j], title: options.activations[name]?.title || name,
    });
    if (l === L && view.cost === "hinge") {
      html += E.hingeCost(L, j, { a: batch.a[L][x][j], y: batch.y[x][j], cost: batch.cost_x[x][j] });
    }
    if (backward && l === L) {
      html += E.bp1(L, j, {
        cost: view.cost, a: batch.a[L][x][j], y: batch.y[x][j], delta: batch.delta[L][x][j],
        derivative: batch.derivative[L] ? batch.derivative[L][x][j] : null, derivativeText: derivativeText(L),
        gradA: batch.grad_a ? batch.grad_a[x][j] : null,
      });
    } else if (backward) {
      const weightsNext = (view.update ? update.w_before : view.weights)[l + 1];
      html += E.bp2(l, j, {
        weights: weightsNext.map((r) => r[j]), deltas: batch.delta[l + 1][x],
        derivative: batch.derivative[l][x][j], delta: batch.delta[l][x][j], derivativeText: derivativeText(l),
      });
    }
    if (backward) {
      const shown = batch.terms.examples;
      html += `<p>BP3, the bias b<sup>${l}</sup><sub>${j + 1}</sub>:</p>` + E.bp3(l, j, {
        deltas: shown.map((e) => batch.delta[l][e][j]), m: batch.m, grad: batch.grad_b[l][j],
      });
    }
    if (update) {
      html += E.update(E.symbols.bias(l, j), updateNumbers(view, "b", l, [j]));
    }
  } else {
    const { l, j, k } = selected;
    if (!backward) {
      html += `<p>w<sup>${l}</sup><sub>${j + 1}${k + 1}</sub> = ${E.fmt(view.weights[l][j][k])}. Press Backward for ∂C/∂w.</p>`;
    } else {
      const terms = batch.terms.examples.map((e, i) => ({
        example: e + 1, a: batch.a[l - 1][e][k], d: batch.delta[l][e][j], term: batch.terms.w[i][l][j][k],
      }));
      html += E.bp4(l, j, k, {
        terms, m: batch.m, grad: batch.grad_w[l][j][k], total: batch.total_w[l][j][k],
        regularization: update ? update.regularization : pg.config.regularization,
        lmbda: pg.config.lmbda, weight: update ? update.w_before[l][j][k] : view.weights[l][j][k],
      });
    }
    if (update) html += E.update(E.symbols.weight(l, j, k), updateNumbers(view, "w", l, [j, k]));
  }
  box.innerHTML = html;
}

/** The numbers of the optimizer's rule for one weight ("w") or bias ("b"), as the server sent them. */
function updateNumbers(view, kind, l, index) {
  const u = view.update;
  const at = (arrays) => (arrays ? index.reduce((a, i) => a[i], arrays[l]) : null);
  const now = kind === "w" ? view.weights : view.biases;
  return {
    rule: u.rule, lr: u.lr, before: at(u[`${kind}_before`]), after: at(now),
    grad: at(view.batch[kind === "w" ? "total_w" : "total_b"]),
    v: at(u[`v_${kind}`]), m: at(u[`m_${kind}`]), mu: u.momentum,
    beta1: u.beta1, beta2: u.beta2, eps: u.eps, t: u.t,
  };
}

// --- buttons -------------------------------------------------------------------------------

async function phase(name) {
  playing = false;
  show(await api("/api/phase", { session: pg.session, phase: name, example: example === "mean" ? 0 : example }));
}

async function setPlaying(on) {
  if (!pg.session || playing === on) return;
  playing = on;
  show(await api("/api/play", { session: pg.session, playing: on }));
  if (on) loop().catch((error) => { playing = false; showError(error); });
}

async function loop() {
  const poll = () => api(`/api/view?session=${pg.session}`);
  let next = poll();
  while (playing) {
    const view = await next;
    if (!playing) break;
    next = poll(); // the server prepares the next picture while this one is drawn
    if (view.version !== pg.view.version) {
      show(view);
      pg.redraws += 1;
    }
    if (!view.playing) {
      playing = false;
      show(view);
    }
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
  next.catch(() => {}); // the picture asked for after Pause is not needed
}

function download(path) {
  const a = document.createElement("a");
  a.href = path;
  a.download = "";
  document.body.appendChild(a);
  a.click();
  a.remove();
}

function wire() {
  for (const id of ["forward", "backward", "update", "step"]) {
    $(`#${id}`).addEventListener("click", () => run(() => phase(id)));
  }
  $("#play").addEventListener("click", () => run(() => setPlaying(!playing)));
  $("#reset").addEventListener("click", () => run(async () => {
    await setPlaying(false);
    opened(await api("/api/reset", { session: pg.session }));
  }));
  $("#export-model").addEventListener("click", () => download(`/api/export/model?session=${pg.session}`));
  for (const fmt of ["markdown", "latex"]) {
    $(`#export-${fmt}`).addEventListener("click", () => download(`/api/export/example?session=${pg.session}&format=${fmt}&example=${example === "mean" ? 0 : example}`));
  }
  $("#share").addEventListener("click", () => run(async () => {
    $("#status").textContent = `link to this lesson: ${location.href}`;
    if (navigator.clipboard) await navigator.clipboard.writeText(location.href).catch(() => {});
  }));
  for (const input of document.querySelectorAll("#controls [name]")) {
    input.addEventListener("change", () => run(() => reconfigure({})));
  }
  $("#csv-file").addEventListener("change", (event) => run(async () => {
    const file = event.target.files[0];
    if (!file) return;
    csvText = await file.text();
    await reconfigure({ dataset: "csv" });
  }));
  $("#example").addEventListener("change", (event) => run(async () => {
    example = event.target.value === "mean" ? "mean" : Number(event.target.value);
    if (pg.view.batch && pg.view.batch.m > 16 && example !== "mean") {
      show(await api(`/api/view?session=${pg.session}&example=${example}`));
    } else {
      show(pg.view);
    }
  }));
}

async function start() {
  options = await api("/api/options");
  for (const name of ["dataset", "activation", "output", "loss", "init", "optimizer", "regularization", "preset"]) {
    const key = { dataset: "datasets", activation: "activations", output: "outputs", loss: "losses", init: "inits", optimizer: "optimizers", preset: "presets" }[name] || name;
    fillSelect(name, options[key]);
  }
  wire();
  const params = Object.fromEntries(new URLSearchParams(location.search));
  try {
    opened(await api("/api/session", { config: params }));
  } catch (error) {
    opened(await api("/api/session", { config: {} }));
    showError(error);
  }
  pg.ready = true;
}

run(start);
