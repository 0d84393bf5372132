// The decision boundary (the engine's a^L on a grid, as a heat map, with the data points) and the
// training and test loss curves.

const BLUE = [43, 108, 176];
const ORANGE = [221, 107, 32];

function colour(v, threshold, lo, hi, sign) {
  // -1 .. 1 around the threshold (class 1 on the side `sign` says); the output's range scales it.
  const span = v >= threshold ? hi - threshold : threshold - lo;
  const t = sign * Math.max(-1, Math.min(1, (v - threshold) / (span || 1)));
  const base = t >= 0 ? ORANGE : BLUE;
  const s = Math.abs(t) * 0.6;
  return base.map((c) => Math.round(255 + (c - 255) * s));
}

export function drawBoundary(canvas, boundary, data) {
  const ctx = canvas.getContext("2d");
  const { size, extent, values, threshold, sign } = boundary;
  const [x0, x1, y0, y1] = extent;
  let lo = Infinity, hi = -Infinity;
  for (const v of values) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const image = ctx.createImageData(size, size);
  values.forEach((v, i) => {
    const [r, g, b] = colour(v, threshold, Math.min(lo, threshold - 0.5), Math.max(hi, threshold + 0.5), sign);
    image.data.set([r, g, b, 255], 4 * i);
  });
  const tmp = document.createElement("canvas");
  tmp.width = tmp.height = size;
  tmp.getContext("2d").putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
  const px = (x) => ((x - x0) / (x1 - x0)) * canvas.width;
  const py = (y) => ((y1 - y) / (y1 - y0)) * canvas.height;
  for (const [set, filled] of [[data.train, true], [data.test, false]]) {
    set.x.forEach(([x, y], i) => {
      const c = set.y[i] === 1 ? ORANGE : BLUE;
      ctx.beginPath();
      ctx.arc(px(x), py(y), 3.5, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${c})`;
      ctx.strokeStyle = filled ? "#fff" : `rgb(${c})`;
      if (filled) ctx.fill();
      ctx.lineWidth = filled ? 1 : 1.5;
      ctx.stroke();
    });
  }
}

export function drawCurves(canvas, curves) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const all = [...curves.train, ...curves.test].filter((v) => v !== null && Number.isFinite(v));
  if (!all.length) return;
  const top = Math.max(...all) || 1;
  const n = curves.epoch.length;
  const last = curves.epoch[n - 1] || 1;
  for (const [key, style] of [["test", "#999"], ["train", "#222"]]) {
    ctx.beginPath();
    curves[key].forEach((v, i) => {
      const x = (curves.epoch[i] / last) * (canvas.width - 4) + 2;
      const y = canvas.height - 4 - ((v ?? top) / top) * (canvas.height - 16);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.strokeStyle = style;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  }
  ctx.fillStyle = "#555";
  ctx.font = "11px sans-serif";
  ctx.fillText(`loss (max ${top.toPrecision(3)}), epoch ${last}`, 6, 12);
}
