// The network as SVG: nodes show a and δ, edges w and ∂C/∂w, as text (always for small networks,
// on hover otherwise) and as colour (sign) and thickness (magnitude). Each element carries the
// engine's full-precision values in data-* attributes (for tests and screen readers). The
// elements are built once per architecture and then only updated, so that Play redraws cheaply;
// what a step changed is marked (dashed edges, ringed nodes) when stepping by hand.

import { fmt } from "./equations.js";

const SVG = "http://www.w3.org/2000/svg";
const POSITIVE = "#2b6cb0";
const NEGATIVE = "#dd6b20";

function el(name, attrs, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

/** The value of a per-layer quantity for the shown example (or the batch mean). */
export function pick(batch, key, l, j, example) {
  if (!batch || !batch[key] || batch[key][l] === null) return null;
  if (example === "mean") return batch[`${key}_mean`] ? batch[`${key}_mean`][l][j] : null;
  return batch[key][l][example][j];
}

const full = (v) => (v === null || v === undefined ? "" : String(v));

/** The SVG elements of one architecture: edges[l][j][k] and nodes[l][j], with their labels. */
function build(svg, sizes, onSelect) {
  svg.replaceChildren();
  const width = svg.clientWidth || 600;
  const height = svg.clientHeight || 420;
  const small = sizes.slice(1).reduce((s, n, i) => s + n * sizes[i], 0) <= 24;
  const xs = sizes.map((_, l) => 50 + (l * (width - 110)) / Math.max(1, sizes.length - 1));
  const ys = sizes.map((n) => [...Array(n).keys()].map((j) => (height * (j + 1)) / (n + 1)));
  const radius = Math.max(8, Math.min(20, height / (2.6 * Math.max(...sizes))));
  const edgeGroup = el("g", { class: "edges" }, svg);
  const labelGroup = el("g", { class: "labels" }, svg);
  const nodeGroup = el("g", { class: "nodes" }, svg);
  const label = (x, y, cls, parent) => el("text", { x, y, class: cls, "text-anchor": "middle" }, parent);
  const edges = [null];
  for (let l = 1; l < sizes.length; l++) {
    edges.push([]);
    for (let j = 0; j < sizes[l]; j++) {
      edges[l].push([]);
      for (let k = 0; k < sizes[l - 1]; k++) {
        const line = el("line", {
          class: "edge", x1: xs[l - 1], y1: ys[l - 1][k], x2: xs[l], y2: ys[l][j], "stroke-opacity": 0.75,
          "data-layer": l, "data-j": j, "data-k": k, tabindex: 0, role: "button",
        }, edgeGroup);
        const title = el("title", {}, line);
        line.addEventListener("click", () => onSelect({ kind: "edge", l, j, k }));
        const item = { line, title };
        if (small) {
          const t = 0.3 + 0.4 * ((j + k) % 2);
          const x = xs[l - 1] + t * (xs[l] - xs[l - 1]);
          const y = ys[l - 1][k] + t * (ys[l][j] - ys[l - 1][k]);
          item.w = label(x, y - 3, "value", labelGroup);
          item.g = label(x, y + 9, "value grad", labelGroup);
        }
        edges[l][j].push(item);
      }
    }
  }
  const nodes = [];
  for (let l = 0; l < sizes.length; l++) {
    nodes.push([]);
    for (let j = 0; j < sizes[l]; j++) {
      const g = el("g", { class: "node", "data-layer": l, "data-j": j, tabindex: 0, role: "button" }, nodeGroup);
      el("circle", { cx: xs[l], cy: ys[l][j], r: radius }, g);
      const item = { g, title: el("title", {}, g), inner: label(xs[l], ys[l][j] + 3, "", g) };
      g.addEventListener("click", () => onSelect({ kind: "node", l, j }));
      if (small || sizes[l] <= 4) {
        const below = ys[l][j] + radius + 10;
        item.a = label(xs[l], below, "value", g);
        item.d = label(xs[l], below + 11, "value grad", g);
        item.b = label(xs[l], ys[l][j] - radius - 4, "value", g);
      }
      nodes[l].push(item);
    }
  }
  return { key: `${sizes.join()}|${width}x${height}`, edges, nodes };
}

let drawn = null;

/**
 * Draw `view` into `svg`. `example` is an index into the batch or "mean"; `selected` the clicked
 * element ({kind, l, j, k}); `previous` the last view drawn, to mark what changed.
 */
export function drawNetwork(svg, view, example, selected, previous, onSelect) {
  const sizes = view.sizes;
  const key = `${sizes.join()}|${svg.clientWidth || 600}x${svg.clientHeight || 420}`;
  if (!drawn || drawn.svg !== svg || drawn.key !== key) drawn = { svg, ...build(svg, sizes, (s) => drawn.onSelect(s)) };
  drawn.onSelect = onSelect;
  const batch = view.batch;
  let maxW = 1e-9;
  for (let l = 1; l < sizes.length; l++) for (const r of view.weights[l]) for (const v of r) maxW = Math.max(maxW, Math.abs(v));
  const isSelected = (kind, l, j, k) => selected && selected.kind === kind && selected.l === l && selected.j === j && (kind === "node" || selected.k === k);
  for (let l = 1; l < sizes.length; l++) {
    for (let j = 0; j < sizes[l]; j++) {
      for (let k = 0; k < sizes[l - 1]; k++) {
        const { line, title, w, g } = drawn.edges[l][j][k];
        const weight = view.weights[l][j][k];
        const grad = batch && batch.total_w ? batch.total_w[l][j][k] : null;
        line.setAttribute("stroke", weight >= 0 ? POSITIVE : NEGATIVE);
        line.setAttribute("stroke-width", 0.6 + 5 * Math.sqrt(Math.abs(weight) / maxW));
        line.setAttribute("data-weight", full(weight));
        line.setAttribute("data-grad", full(grad));
        line.setAttribute("aria-label", `weight w${l} ${j + 1}${k + 1} = ${fmt(weight)}` + (grad === null ? "" : `, gradient ${fmt(grad)}`));
        title.textContent = `w^${l}_${j + 1}${k + 1} = ${fmt(weight)}` + (grad === null ? "" : `\n∂C/∂w = ${fmt(grad)}`);
        const old = previous && previous.weights[l] ? previous.weights[l][j][k] : weight;
        line.classList.toggle("changed", !view.playing && old !== weight);
        line.classList.toggle("selected", isSelected("edge", l, j, k));
        if (w) {
          w.textContent = `w ${fmt(weight)}`;
          g.textContent = grad === null ? "" : `∂ ${fmt(grad)}`;
        }
      }
    }
  }
  for (let l = 0; l < sizes.length; l++) {
    for (let j = 0; j < sizes[l]; j++) {
      const item = drawn.nodes[l][j];
      const a = pick(batch, "a", l, j, example);
      const d = pick(batch, "delta", l, j, example);
      const bias = l > 0 ? view.biases[l][j] : null;
      const gradB = l > 0 && batch && batch.total_b ? batch.total_b[l][j] : null;
      const g = item.g;
      g.setAttribute("data-activation", full(a));
      g.setAttribute("data-delta", full(d));
      g.setAttribute("data-bias", full(bias));
      g.setAttribute("data-bias-grad", full(gradB));
      g.setAttribute("aria-label", `neuron ${j + 1} of layer ${l}` + (a === null ? "" : `, a = ${fmt(a)}`) + (d === null ? "" : `, δ = ${fmt(d)}`));
      item.title.textContent = `a^${l}_${j + 1} = ${fmt(a)}` + (d === null ? "" : `\nδ = ${fmt(d)}`) + (bias === null ? "" : `\nb = ${fmt(bias)}` + (gradB === null ? "" : `, ∂C/∂b = ${fmt(gradB)}`));
      const old = previous && l > 0 && previous.biases[l] ? previous.biases[l][j] : bias;
      g.classList.toggle("changed", !view.playing && old !== bias);
      g.classList.toggle("selected", isSelected("node", l, j));
      item.inner.textContent = l === 0 ? `x${j + 1}` : fmt(a);
      if (item.a) {
        item.a.textContent = a === null ? "" : l === 0 ? fmt(a) : `a ${fmt(a)}`;
        item.d.textContent = d === null ? "" : `δ ${fmt(d)}`;
        item.b.textContent = bias === null ? "" : `b ${fmt(bias)}`;
      }
    }
  }
}
