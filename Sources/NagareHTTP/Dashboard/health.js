// The pipeline health panel: what `nagare serve --pipeline-status URL` polled from each running
// pipeline (GET /api/pipeline), and the restart markers it saw.
import { drawSparkline, formatValue } from "./chart.js";

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function figure(label, value, unit, values, name) {
  const spark = h("span", { class: "spark-box" });
  drawSparkline(spark, values);
  const row = h("div", { class: "figure", "data-figure": name },
    h("span", { class: "label" }, label),
    h("span", { class: "value" }, value === null || value === undefined ? "–" : `${formatValue(value)}${unit}`),
    spark);
  return row;
}

function pipelineCard(p) {
  const current = p.current;
  const title = current ? `${current.pipeline} · ${current.instance}` : p.url;
  const card = h("section", { class: "pipeline" + (p.reachable ? "" : " unreachable"), "data-url": p.url },
    h("h3", {}, title, " ", h("span", { class: "state" }, p.reachable ? (current ? current.state : "") : "unreachable")));
  if (!p.reachable) {
    card.append(h("p", { class: "error" }, p.error || "pipeline unreachable: no answer yet"));
  }
  if (!current) return card;
  const history = p.history || [];
  const last = history.length ? history[history.length - 1] : {};
  const lagTotals = history.map((s) => Object.values(s.lag || {}).reduce((a, b) => a + b, 0));
  const lastRate = [...history].reverse().find((s) => s.inputRate !== undefined && s.inputRate !== null);
  card.append(
    figure("input rate", lastRate ? lastRate.inputRate : null, " ev/s", history.map((s) => s.inputRate), "inputRate"),
    figure("batch time", last.processingTimeMs, " ms", history.map((s) => s.processingTimeMs), "processingTime"),
    figure("batch delay", last.delayMs, " ms", history.map((s) => s.delayMs), "delay"),
    figure("total lag", lagTotals.length ? lagTotals[lagTotals.length - 1] : null, "", lagTotals, "lag"),
    figure("dead letters", current.totals.deadLetters, "", history.map((s) => s.deadLetters), "deadLetters"),
  );
  const table = h("table", { class: "lag" }, h("thead", {}, h("tr", {}, h("th", {}, "partition"), h("th", {}, "committed"), h("th", {}, "end"), h("th", {}, "lag"))));
  const body = h("tbody");
  for (const part of current.partitions) {
    body.append(h("tr", {}, h("td", {}, `${part.topic}-${part.partition}`), h("td", {}, part.committedOffset ?? "–"), h("td", {}, part.endOffset ?? "–"), h("td", {}, part.lag ?? "–")));
  }
  table.append(body);
  card.append(table);
  return card;
}

export function drawHealth(container, data) {
  container.textContent = "";
  container.append(h("h2", {}, "Pipeline health"));
  if (!data) {
    container.append(h("p", { class: "error" }, "pipeline health unavailable: the store did not answer"));
    return;
  }
  if (!data.pipelines.length) {
    container.append(h("p", { class: "hint" }, "No pipeline is watched. Start the store with --pipeline-status http://HOST:PORT (the address of nagare run --status)."));
    return;
  }
  for (const p of data.pipelines) container.append(pipelineCard(p));
  if (data.markers.length) {
    const list = h("ul", { class: "marker-list" });
    for (const m of data.markers.slice(-10).reverse()) {
      list.append(h("li", {}, `${new Date(m.t).toISOString().slice(0, 19).replace("T", " ")} UTC ${m.kind} of ${m.pipeline}: ${m.detail}`));
    }
    container.append(h("h3", {}, "Restarts"), list);
  }
}
