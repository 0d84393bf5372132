// Every equation the page shows, in MathML, with the engine's numbers plugged in: the one home
// of each equation's rendering. Nothing here computes a number: each value comes from the server.

const MINUS = "\u2212";

/** A number as the page shows it: 4 significant digits (full precision is in data-* attributes). */
export function fmt(v) {
  if (v === null || v === undefined) return "\u2013";
  const x = Number(v);
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const s = Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? x.toPrecision(4) : x.toExponential(3);
  return s.replace(/(\.\d*?)0+(e|$)/, "$1$2").replace(/\.(e|$)/, "$1").replaceAll("-", MINUS);
}

const n = (v) => (Number(v) < 0 ? `<mo>(</mo><mn>${fmt(v)}</mn><mo>)</mo>` : `<mn>${fmt(v)}</mn>`);
const mo = (s) => `<mo>${s}</mo>`;
const mi = (s) => `<mi>${s}</mi>`;
const text = (s) => `<mtext>${s}</mtext>`;
const row = (...parts) => `<mrow>${parts.join("")}</mrow>`;
/** A script's content as MathML: markup as is, digits as <mn>, letters as <mi>. */
const script = (s) => (String(s).startsWith("<") ? s : /^\d+$/.test(String(s)) ? `<mn>${s}</mn>` : `<mi>${s}</mi>`);
/** x^{sup}_{sub}, e.g. w^l_jk (an empty sup gives x_{sub}). */
const ss = (base, sup, sub) =>
  sup === ""
    ? `<msub>${mi(base)}<mrow>${script(sub)}</mrow></msub>`
    : `<msubsup>${mi(base)}<mrow>${script(sub)}</mrow><mrow>${script(sup)}</mrow></msubsup>`;
/** The sum sign with its index below: sum_k. */
const sum = (index) => `<munder><mo>\u2211</mo>${mi(index)}</munder>`;
const sup = (base, s) => `<msup>${base}<mrow>${s}</mrow></msup>`;
const frac = (a, b) => `<mfrac><mrow>${a}</mrow><mrow>${b}</mrow></mfrac>`;
const partial = (num, den) => frac(`<mo>\u2202</mo>${num}`, `<mo>\u2202</mo>${den}`);
const math = (...parts) => `<math display="block">${row(...parts)}</math>`;
const p = (s) => `<p>${s}</p>`;
const times = mo("\u00d7");
const eq = mo("=");
const plus = mo("+");
const sumOf = (terms, op = plus) => terms.join(op);
const delta = (l, j) => ss("\u03b4", l, j);
const act = (l, j) => ss("a", l, j);
const zz = (l, j) => ss("z", l, j);
const w = (l, jk) => ss("w", l, jk);
const b = (l, j) => ss("b", l, j);
const gprime = (arg) => row(sup(mi("g"), mo("\u2032")), mo("("), arg, mo(")"));

/** Forward: z^l_j = sum_k w^l_jk a^{l-1}_k + b^l_j and a^l_j = g(z^l_j) (or the softmax). */
export function forward(l, j, { weights, inputs, bias, z, a, title }) {
  const terms = weights.map((wk, k) => row(n(wk), times, n(inputs[k])));
  return (
    math(zz(l, j + 1), eq, sum("k"), w(l, `${j + 1}k`), act(l - 1, "k"), plus,
      b(l, j + 1), eq, sumOf(terms), plus, n(bias), eq, n(z)) +
    (title === "softmax"
      ? math(act(l, j + 1), eq, frac(sup(mi("e"), zz(l, j + 1)), row(sum("k"), sup(mi("e"), zz(l, "k")))),
        eq, n(a), mo("\u2003"), text("(softmax)"))
      : math(act(l, j + 1), eq, mi("g"), mo("("), zz(l, j + 1), mo(")"), eq, n(a), mo("\u2003"),
        text(`(${title})`)))
  );
}

/** The hinge loss of one example: C_x = max(0, 1 - y a^L_j), labels y = +1 or -1. */
export function hingeCost(L, j, { a, y, cost }) {
  const J = j + 1;
  return (
    p("Hinge loss of this example (labels y = \u00b11): zero once y a \u2265 1, the margin") +
    math(ss("C", "", "x"), eq, mi("max"), mo("("), mn0(), mo(","), mn1(), mo(MINUS), ss("y", "", J),
      act(L, J), mo(")"), eq, mi("max"), mo("("), mn0(), mo(","), mn1(), mo(MINUS), n(y), times, n(a),
      mo(")"), eq, n(cost))
  );
}

/** BP1: delta^L_j = dC/da^L_j g'(z^L_j); cross-entropy and log-likelihood: delta^L_j = a^L_j - y_j;
 * hinge: dC/da^L_j = -y_j where y_j a^L_j < 1, else 0 (its subgradient). */
export function bp1(L, j, { cost, a, y, derivative, delta: d, derivativeText, gradA }) {
  const J = j + 1;
  if (cost === "hinge") {
    const inside = Number(gradA) !== 0;
    return (
      p(`BP1, hinge loss (\u2202C/\u2202a = \u2212y where y a &lt; 1, else 0); ${derivativeText}`) +
      math(delta(L, J), eq, partial("<mi>C</mi>", act(L, J)), gprime(zz(L, J)), eq,
        mo("("), mo(MINUS), ss("y", "", J), mo("["), ss("y", "", J), act(L, J), mo("&lt;"), mn1(),
        mo("]"), mo(")"), gprime(zz(L, J)), eq, n(gradA), times, n(derivative), eq, n(d)) +
      math(text(inside ? "inside the margin:" : "beyond the margin:"), mo("\u2003"), ss("y", "", J), act(L, J),
        eq, n(y), times, n(a), mo(inside ? "&lt;" : "\u2265"), mn1())
    );
  }
  if (cost !== "quadratic") {
    return (
      p(`BP1 with the ${cost === "log_likelihood" ? "log-likelihood (softmax)" : "cross-entropy"} cost: g\u2032(z) cancels.`) +
      math(delta(L, J), eq, act(L, J), mo(MINUS), ss("y", "", J), eq, n(a), mo(MINUS), n(y), eq, n(d))
    );
  }
  return (
    p(`BP1, quadratic cost (\u2202C/\u2202a = a \u2212 y); ${derivativeText}`) +
    math(delta(L, J), eq, partial("<mi>C</mi>", act(L, J)), gprime(zz(L, J)), eq,
      mo("("), act(L, J), mo(MINUS), ss("y", "", J), mo(")"), gprime(zz(L, J)), eq,
      mo("("), n(a), mo(MINUS), n(y), mo(")"), times, n(derivative), eq, n(d))
  );
}

/** BP2: delta^l_j = (sum_k w^{l+1}_kj delta^{l+1}_k) g'(z^l_j). */
export function bp2(l, j, { weights, deltas, derivative, delta: d, derivativeText }) {
  const J = j + 1;
  const terms = weights.map((wk, k) => row(n(wk), times, n(deltas[k])));
  return (
    p(`BP2; ${derivativeText}`) +
    math(delta(l, J), eq, mo("("), sum("k"), w(l + 1, `k${J}`), delta(l + 1, "k"),
      mo(")"), gprime(zz(l, J)), eq, mo("("), sumOf(terms), mo(")"), times, n(derivative), eq, n(d))
  );
}

/** BP3 over the batch: dC/db^l_j = (1/m) sum_x delta^{x,l}_j. */
export function bp3(l, j, { deltas, m, grad }) {
  const J = j + 1;
  const shown = deltas.length < m ? [...deltas.map(n), mo("\u2026")] : deltas.map(n);
  return math(partial("<mi>C</mi>", b(l, J)), eq, frac("<mn>1</mn>", "<mi>m</mi>"), sum("x"), ss("\u03b4", `<mi>x</mi><mo>,</mo><mi>${l}</mi>`, J), eq,
    frac("<mn>1</mn>", `<mn>${m}</mn>`), mo("("), sumOf(shown), mo(")"), eq, n(grad));
}

/** BP4, per example and as the batch mean, plus the regularization term when there is one. */
export function bp4(l, j, k, { terms, m, grad, total, regularization, lmbda, weight }) {
  const jk = `${j + 1}${k + 1}`;
  const x = `<mi>x</mi><mo>,</mo><mn>${l}</mn>`;
  const xPrev = `<mi>x</mi><mo>,</mo><mn>${l - 1}</mn>`;
  const rows = terms.map(({ example, a, d, term }) =>
    math(text(`example ${example}: `), partial("<msub><mi>C</mi><mi>x</mi></msub>", w(l, jk)),
      eq, ss("a", xPrev, k + 1), ss("\u03b4", x, j + 1), eq, n(a), times, n(d), eq, n(term)));
  const shown = terms.length < m ? [...terms.map((t) => n(t.term)), mo("\u2026")] : terms.map((t) => n(t.term));
  let out = p("BP4: \u2202C/\u2202w is a\u00b7\u03b4 for each example, averaged over the mini-batch") +
    rows.join("") +
    math(partial("<msub><mi>C</mi><mn>0</mn></msub>", w(l, jk)), eq, frac("<mn>1</mn>", "<mi>m</mi>"),
      sum("x"), ss("a", xPrev, k + 1), ss("\u03b4", x, j + 1), eq,
      frac("<mn>1</mn>", `<mn>${m}</mn>`), mo("("), sumOf(shown), mo(")"), eq, n(grad));
  if (regularization === "L2") {
    out += math(partial("<mi>C</mi>", w(l, jk)), eq, partial("<msub><mi>C</mi><mn>0</mn></msub>", w(l, jk)),
      plus, mi("\u03bb"), w(l, jk), eq, n(grad), plus, n(lmbda), times, n(weight), eq, n(total));
  } else if (regularization === "L1") {
    out += math(partial("<mi>C</mi>", w(l, jk)), eq, partial("<msub><mi>C</mi><mn>0</mn></msub>", w(l, jk)),
      plus, mi("\u03bb"), mi("sign"), mo("("), w(l, jk), mo(")"), eq, n(grad), plus, n(lmbda),
      times, mi("sign"), mo("("), n(weight), mo(")"), eq, n(total));
  }
  return out;
}

/** The optimizer's rule for one parameter (symbol, e.g. w^2_11), numbers from the engine. */
export function update(symbol, { rule, lr, before, after, grad, v, m, beta1, beta2, eps, t, mu }) {
  const g = row(mo("\u2202"), mi("C"), mo("/"), mo("\u2202"), symbol);
  const eta = mi("\u03b7");
  if (rule === "sgd") {
    return p("Gradient descent: w \u2190 w \u2212 \u03b7 \u2202C/\u2202w") +
      math(symbol, mo("\u2190"), symbol, mo(MINUS), eta, g, eq, n(before), mo(MINUS), n(lr), times,
        n(grad), eq, n(after));
  }
  if (rule === "momentum") {
    return p("Momentum: v \u2190 \u03bc v + \u2202C/\u2202w (v = \u2202C/\u2202w on the first step), then w \u2190 w \u2212 \u03b7 v") +
      math(mi("v"), mo("\u2190"), mi("\u03bc"), mi("v"), plus, g, eq, n(v), mo("\u2003"),
        text(`(\u03bc = ${fmt(mu)}, \u2202C/\u2202w = ${fmt(grad)})`)) +
      math(symbol, mo("\u2190"), symbol, mo(MINUS), eta, mi("v"), eq, n(before), mo(MINUS), n(lr),
        times, n(v), eq, n(after));
  }
  const hat = (s) => `<mover><mi>${s}</mi><mo>^</mo></mover>`;
  return p(`Adam, step t = ${t}: moments of \u2202C/\u2202w = ${fmt(grad)}`) +
    math(mi("m"), mo("\u2190"), mi("\u03b2\u2081"), mi("m"), plus, mo("("), mn1(), mo(MINUS),
      mi("\u03b2\u2081"), mo(")"), g, eq, n(m), mo("\u2003"), text(`(\u03b2\u2081 = ${fmt(beta1)})`)) +
    math(mi("v"), mo("\u2190"), mi("\u03b2\u2082"), mi("v"), plus, mo("("), mn1(), mo(MINUS),
      mi("\u03b2\u2082"), mo(")"), sup(mo("("), ""), g, sup(mo(")"), "<mn>2</mn>"), eq, n(v),
      mo("\u2003"), text(`(\u03b2\u2082 = ${fmt(beta2)})`)) +
    math(symbol, mo("\u2190"), symbol, mo(MINUS), eta,
      frac(hat("m"), row(`<msqrt>${hat("v")}</msqrt>`, plus, mi("\u03b5"))), eq, n(before),
      mo(MINUS), n(lr), times, frac(row(n(m), mo("/"), mo("("), mn1(), mo(MINUS),
        sup(n(beta1), `<mn>${t}</mn>`), mo(")")),
      row(`<msqrt>${row(n(v), mo("/"), mo("("), mn1(), mo(MINUS), sup(n(beta2), `<mn>${t}</mn>`), mo(")"))}</msqrt>`,
        plus, n(eps))), eq, n(after));
}

function mn1() {
  return "<mn>1</mn>";
}

function mn0() {
  return "<mn>0</mn>";
}

/** Symbols for the update rule's left-hand side. */
export const symbols = { weight: (l, j, k) => w(l, `${j + 1}${k + 1}`), bias: (l, j) => b(l, j + 1) };
