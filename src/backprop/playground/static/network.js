// The network as SVG: nodes show a and δ, edges w and ∂C/∂w, as text (always for small networks,
// on hover otherwise) and as colour (sign) and thickness (magnitude). Each element carries the
// engine's full-precision values in data-* attributes (for tests and screen readers).

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

/**
 * Draw `view` into `svg`. `example` is an index into the batch or "mean"; `selected` the clicked
 * element ({kind, l, j, k}); `previous` the last view drawn, to mark what changed.
 */
export function drawNetwork(svg, view, example, selected, previous, onSelect) {
  svg.replaceChildren();
  const sizes = view.sizes;
  const width = svg.clientWidth || 600;
  const height = svg.clientHeight || 420;
  const maxNodes = Math.max(...sizes);
  const small = sizes.slice(1).reduce((s, n, i) => s + n * sizes[i], 0) <= 24;
  const xs = sizes.map((_, l) => 50 + (l * (width - 110)) / Math.max(1, sizes.length - 1));
  const ys = sizes.map((n) => [...Array(n).keys()].map((j) => (height * (j + 1)) / (n + 1)));
  const radius = Math.max(8, Math.min(20, height / (2.6 * maxNodes)));
  const batch = view.batch;
  let maxW = 1e-9;
  for (let l = 1; l < sizes.length; l++) for (const r of view.weights[l]) for (const v of r) maxW = Math.max(maxW, Math.abs(v));

  const edges = el("g", { class: "edges" }, svg);
  const labels = el("g", { class: "labels" }, svg);
  for (let l = 1; l < sizes.length; l++) {
    for (let j = 0; j < sizes[l]; j++) {
      for (let k = 0; k < sizes[l - 1]; k++) {
        const weight = view.weights[l][j][k];
        const grad = batch && batch.total_w ? batch.total_w[l][j][k] : null;
        const line = el("line", {
          class: "edge", x1: xs[l - 1], y1: ys[l - 1][k], x2: xs[l], y2: ys[l][j],
          stroke: weight >= 0 ? POSITIVE : NEGATIVE,
          "stroke-width": 0.6 + 5 * Math.sqrt(Math.abs(weight) / maxW),
          "stroke-opacity": 0.75,
          "data-layer": l, "data-j": j, "data-k": k, "data-weight": String(weight),
          "data-grad": grad === null ? "" : String(grad),
          tabindex: 0, role: "button",
          "aria-label": `weight w${l} ${j + 1}${k + 1} = ${fmt(weight)}` + (grad === null ? "" : `, gradient ${fmt(grad)}`),
        }, edges);
        el("title", {}, line).textContent = `w^${l}_${j + 1}${k + 1} = ${fmt(weight)}` + (grad === null ? "" : `\n∂C/∂w = ${fmt(grad)}`);
        if (previous && previous.weights[l] && previous.weights[l][j] && previous.weights[l][j][k] !== weight) line.classList.add("changed");
        if (selected && selected.kind === "edge" && selected.l === l && selected.j === j && selected.k === k) line.classList.add("selected");
        line.addEventListener("click", () => onSelect({ kind: "edge", l, j, k }));
        if (small) {
          const t = 0.3 + 0.4 * ((j + k) % 2);
          const x = xs[l - 1] + t * (xs[l] - xs[l - 1]);
          const y = ys[l - 1][k] + t * (ys[l][j] - ys[l - 1][k]);
          el("text", { x, y: y - 3, class: "value", "text-anchor": "middle" }, labels).textContent = `w ${fmt(weight)}`;
          if (grad !== null) el("text", { x, y: y + 9, class: "value grad", "text-anchor": "middle" }, labels).textContent = `∂ ${fmt(grad)}`;
        }
      }
    }
  }
  const nodes = el("g", { class: "nodes" }, svg);
  for (let l = 0; l < sizes.length; l++) {
    for (let j = 0; j < sizes[l]; j++) {
      const a = pick(batch, "a", l, j, example);
      const d = pick(batch, "delta", l, j, example);
      const bias = l > 0 ? view.biases[l][j] : null;
      const gradB = l > 0 && batch && batch.total_b ? batch.total_b[l][j] : null;
      const g = el("g", {
        class: "node", "data-layer": l, "data-j": j,
        "data-activation": a === null ? "" : String(a),
        "data-delta": d === null ? "" : String(d),
        "data-bias": bias === null ? "" : String(bias),
        "data-bias-grad": gradB === null ? "" : String(gradB),
        tabindex: 0, role: "button",
        "aria-label": `neuron ${j + 1} of layer ${l}` + (a === null ? "" : `, a = ${fmt(a)}`) + (d === null ? "" : `, δ = ${fmt(d)}`),
      }, nodes);
      el("circle", { cx: xs[l], cy: ys[l][j], r: radius }, g);
      el("title", {}, g).textContent = `a^${l}_${j + 1} = ${fmt(a)}` + (d === null ? "" : `\nδ = ${fmt(d)}`) + (bias === null ? "" : `\nb = ${fmt(bias)}` + (gradB === null ? "" : `, ∂C/∂b = ${fmt(gradB)}`));
      if (previous && l > 0 && previous.biases[l] && previous.biases[l][j] !== bias) g.classList.add("changed");
      if (selected && selected.kind === "node" && selected.l === l && selected.j === j) g.classList.add("selected");
      g.addEventListener("click", () => onSelect({ kind: "node", l, j }));
      el("text", { x: xs[l], y: ys[l][j] + 3, "text-anchor": "middle" }, g).textContent = l === 0 ? `x${j + 1}` : `${fmt(a)}`;
      if (small || sizes[l] <= 4) {
        const below = ys[l][j] + radius + 10;
        if (l > 0 && a !== null) el("text", { x: xs[l], y: below, class: "value", "text-anchor": "middle" }, g).textContent = `a ${fmt(a)}`;
        if (l === 0 && a !== null) el("text", { x: xs[l], y: below, class: "value", "text-anchor": "middle" }, g).textContent = fmt(a);
        if (d !== null) el("text", { x: xs[l], y: below + 11, class: "value grad", "text-anchor": "middle" }, g).textContent = `δ ${fmt(d)}`;
        if (bias !== null) el("text", { x: xs[l], y: ys[l][j] - radius - 4, class: "value", "text-anchor": "middle" }, g).textContent = `b ${fmt(bias)}`;
      }
    }
  }
}
