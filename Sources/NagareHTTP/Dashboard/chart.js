// The time-series chart, drawn as SVG. Every point is a circle carrying its bucket time and
// value (data-t, data-v), so what the chart shows can be read back exactly, by a test or a
// curious user's inspector.

const SVG = "http://www.w3.org/2000/svg";
export const PALETTE = ["#2f6fdf", "#e0702a", "#2a9d5b", "#c23b6b", "#8a5cd0", "#b48a12", "#17a2b8", "#6c757d", "#d04a4a", "#4a7d2a"];

function el(name, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

export function formatValue(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  const a = Math.abs(v);
  if (a >= 1e9) return (v / 1e9).toFixed(2) + "G";
  if (a >= 1e6) return (v / 1e6).toFixed(2) + "M";
  if (a >= 1e4) return (v / 1e3).toFixed(1) + "k";
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

function niceStep(max, count) {
  const raw = max / count;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

const TIME_STEPS = [60e3, 5 * 60e3, 15 * 60e3, 30 * 60e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 86400e3, 2 * 86400e3, 7 * 86400e3];

function timeLabel(ms, step) {
  const d = new Date(ms).toISOString();
  if (step >= 86400e3) return d.slice(5, 10);
  if (ms % 86400e3 === 0) return d.slice(5, 10) + " 00:00";
  return d.slice(11, 16);
}

// Draws `data` into `container`:
//   data.series: [{name, color, role: "main"|"split"|"previous", points: [{t, v, incomplete}]}]
//   data.start, data.end: the interval (ms); data.bucketMs; data.markers: [{t, kind, detail}]
// Points flagged incomplete (the bucket still filling) are drawn hollow and reached by a dashed
// segment, so a partial bucket does not read as a dip.
export function drawChart(container, data) {
  container.textContent = "";
  const width = Math.max(280, container.clientWidth || 600);
  const height = width < 520 ? 220 : 300;
  const m = { left: 52, right: 12, top: 14, bottom: 26 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const svg = el("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img" }, container);
  svg.dataset.start = new Date(data.start).toISOString();
  svg.dataset.end = new Date(data.end).toISOString();
  svg.dataset.bucketMs = data.bucketMs;

  let max = 0;
  for (const s of data.series) for (const p of s.points) max = Math.max(max, p.v || 0);
  if (max <= 0) max = 1;
  const step = niceStep(max, 4);
  const top = Math.ceil(max / step) * step;
  const x = (t) => m.left + ((t - data.start) / (data.end - data.start)) * w;
  const y = (v) => m.top + h - (v / top) * h;

  const grid = el("g", { class: "grid" }, svg);
  for (let v = 0; v <= top + step / 2; v += step) {
    el("line", { x1: m.left, x2: m.left + w, y1: y(v), y2: y(v) }, grid);
    el("text", { x: m.left - 6, y: y(v) + 4, "text-anchor": "end" }, grid).textContent = formatValue(v);
  }
  const span = data.end - data.start;
  const tStep = TIME_STEPS.find((s) => span / s <= Math.max(2, Math.floor(w / 80))) || TIME_STEPS[TIME_STEPS.length - 1];
  for (let t = Math.ceil(data.start / tStep) * tStep; t <= data.end; t += tStep) {
    el("line", { x1: x(t), x2: x(t), y1: m.top + h, y2: m.top + h + 4 }, grid);
    // Labels at the edges are anchored inwards so that they are not cut off.
    const anchor = x(t) > m.left + w - 24 ? "end" : x(t) < m.left + 24 ? "start" : "middle";
    el("text", { x: x(t), y: height - 8, "text-anchor": anchor }, grid).textContent = timeLabel(t, tStep);
  }

  const markers = el("g", { class: "markers" }, svg);
  for (const marker of data.markers || []) {
    if (marker.t < data.start || marker.t > data.end) continue;
    const line = el("line", { class: `marker ${marker.kind}`, x1: x(marker.t), x2: x(marker.t), y1: m.top, y2: m.top + h }, markers);
    line.dataset.t = new Date(marker.t).toISOString();
    line.dataset.kind = marker.kind;
    el("title", {}, line).textContent = `${marker.kind}: ${marker.detail}`;
    el("text", { class: "marker-label", x: x(marker.t) + 3, y: m.top + 10 }, markers).textContent = marker.kind;
  }

  const showDots = data.series.every((s) => s.points.length <= 120);
  for (const s of data.series) {
    const g = el("g", { class: `series ${s.role}` }, svg);
    g.dataset.series = s.name;
    g.dataset.role = s.role;
    g.dataset.points = s.points.length;
    const complete = s.points.filter((p) => !p.incomplete);
    if (complete.length) {
      const d = complete.map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join("");
      el("path", { class: "line", d, stroke: s.color }, g);
    }
    const firstIncomplete = s.points.findIndex((p) => p.incomplete);
    if (firstIncomplete >= 0) {
      const from = s.points[firstIncomplete - 1] || s.points[firstIncomplete];
      const d = [from, ...s.points.slice(firstIncomplete)].map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join("");
      el("path", { class: "line incomplete", d, stroke: s.color }, g);
    }
    for (const p of s.points) {
      const dot = el("circle", { class: p.incomplete ? "point incomplete" : "point", cx: x(p.t).toFixed(1), cy: y(p.v).toFixed(1), r: showDots ? 2.5 : 0, stroke: s.color, fill: p.incomplete ? "var(--bg)" : s.color }, g);
      dot.dataset.t = new Date(p.t).toISOString();
      dot.dataset.v = String(p.v);
      if (p.incomplete) dot.dataset.incomplete = "true";
    }
  }

  // Hover read-out: the values of the bucket under the pointer.
  const cursor = el("line", { class: "cursor", x1: 0, x2: 0, y1: m.top, y2: m.top + h, visibility: "hidden" }, svg);
  const readout = container.parentElement && container.parentElement.querySelector(".readout");
  svg.addEventListener("pointermove", (event) => {
    const box = svg.getBoundingClientRect();
    const t = data.start + ((event.clientX - box.left - m.left) / w) * (data.end - data.start);
    const bucket = Math.floor(t / data.bucketMs) * data.bucketMs;
    if (bucket < data.start - data.bucketMs || bucket > data.end) return;
    cursor.setAttribute("x1", x(bucket));
    cursor.setAttribute("x2", x(bucket));
    cursor.setAttribute("visibility", "visible");
    if (readout) {
      const parts = data.series.map((s) => {
        const p = s.points.find((q) => q.t === bucket);
        return p ? `${s.name}: ${formatValue(p.v)}${p.incomplete ? " (filling)" : ""}` : null;
      }).filter(Boolean);
      readout.textContent = `${new Date(bucket).toISOString().slice(0, 16).replace("T", " ")} UTC  ${parts.join(" · ")}`;
    }
  });
  svg.addEventListener("pointerleave", () => cursor.setAttribute("visibility", "hidden"));
  return svg;
}

// A small line of one figure over time for the health panel.
export function drawSparkline(container, values, color = "#2f6fdf") {
  container.textContent = "";
  const width = 160, height = 28;
  const svg = el("svg", { class: "spark", viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none" }, container);
  const known = values.filter((v) => v !== null && v !== undefined);
  if (known.length < 2) return svg;
  const max = Math.max(...known, 1e-9);
  const d = values.map((v, i) => v === null || v === undefined ? null : `${(i / (values.length - 1)) * width},${height - 2 - (v / max) * (height - 4)}`)
    .filter(Boolean).map((p, i) => (i ? "L" : "M") + p).join("");
  el("path", { d, stroke: color, fill: "none", "stroke-width": 1.5, "vector-effect": "non-scaling-stroke" }, svg);
  return svg;
}
