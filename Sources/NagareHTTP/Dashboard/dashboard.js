// The dashboard page: reads the view from the URL, queries the store (POST /druid/v2), draws the
// chart and the split table, refetches when the store commits new data (GET /api/live) and
// shows pipeline health (GET /api/pipeline). Every choice goes back into the URL.
import { GRANULARITIES, MAX_TOP, parseView, resolveInterval, viewQuery } from "./view-state.js";
import { apiFetch, authToken, liveURL, runQuery, splitQuery, timeseriesQuery, topNQuery, valueSearchQuery } from "./queries.js";
import { PALETTE, drawChart, formatValue } from "./chart.js";
import { drawHealth } from "./health.js";

const $ = (id) => document.getElementById(id);
const page = {
  schema: [], view: null, sequence: 0, chartData: null, rows: [], markers: [],
  refreshing: false, pending: false, debounce: null, liveEvents: 0, refreshes: 0,
};

function datasource() {
  return page.schema.find((d) => d.name === page.view.ds);
}

function metricOf(name) {
  return datasource().metrics.find((m) => m.name === name);
}

function setStatus(text) {
  $("status").textContent = text || "";
}

// Brings a view parsed from a URL in line with what the store has; says what it changed.
function normalise(view, problems) {
  if (!page.schema.length) return view;
  if (!page.schema.some((d) => d.name === view.ds)) {
    if (view.ds) problems.push(`datasource '${view.ds}' is not served here`);
    view.ds = page.schema[0].name;
  }
  const ds = page.schema.find((d) => d.name === view.ds);
  if (!ds.metrics.some((m) => m.name === view.measure)) {
    if (view.measure) problems.push(`measure '${view.measure}' is not a metric of ${ds.name}`);
    view.measure = (ds.metrics.find((m) => m.kind === "count") || ds.metrics[0]).name;
  }
  if (view.split && !ds.dimensions.includes(view.split)) {
    problems.push(`split dimension '${view.split}' is not a dimension of ${ds.name}`);
    view.split = "";
  }
  view.filters = view.filters.filter((f) => {
    const known = ds.dimensions.includes(f.dim);
    if (!known) problems.push(`filter dimension '${f.dim}' is not a dimension of ${ds.name}`);
    return known;
  });
  if (view.gran !== "auto" && GRANULARITIES[view.gran] < ds.granularityMilliseconds) {
    problems.push(`granularity ${view.gran} is finer than the rollup (${ds.granularity})`);
    view.gran = "auto";
  }
  return view;
}

function option(value, label) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = label;
  return o;
}

// Puts the view into the form controls.
function syncControls() {
  const v = page.view;
  const ds = datasource();
  $("ds").replaceChildren(...page.schema.map((d) => option(d.name, d.name)));
  $("ds").value = v.ds;
  $("measure").replaceChildren(...ds.metrics.map((m) => option(m.name, m.kind === "hyperUnique" ? `${m.name} (distinct)` : m.name)));
  $("measure").value = v.measure;
  $("range").value = v.range;
  $("custom").classList.toggle("shown", v.range === "custom");
  $("from").value = v.from;
  $("to").value = v.to;
  const grans = Object.entries(GRANULARITIES).filter(([, ms]) => ms >= ds.granularityMilliseconds);
  $("gran").replaceChildren(option("auto", "auto"), ...grans.map(([name]) => option(name, name.replace("_", " "))));
  $("gran").value = v.gran;
  $("split").replaceChildren(option("", "(none)"), ...ds.dimensions.map((d) => option(d, d)));
  $("split").value = v.split;
  $("top").value = v.top;
  $("top").disabled = !v.split;
  $("compare").checked = v.compare;
  const dim = $("filter-dim").value;
  $("filter-dim").replaceChildren(...ds.dimensions.map((d) => option(d, d)));
  if (ds.dimensions.includes(dim)) $("filter-dim").value = dim;
  drawChips();
}

function drawChips() {
  const chips = page.view.filters.map((f, index) => {
    const chip = document.createElement("span");
    chip.className = `chip ${f.mode}`;
    chip.dataset.dim = f.dim;
    chip.dataset.mode = f.mode;
    chip.append(`${f.dim} ${f.mode === "in" ? "is" : "is not"} ${f.values.map((x) => x === "" ? "(empty)" : x).join(", ")}`);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "×";
    remove.title = "remove this filter";
    remove.addEventListener("click", () => {
      const filters = page.view.filters.filter((_, i) => i !== index);
      change({ filters });
    });
    chip.append(remove);
    return chip;
  });
  $("filter-chips").replaceChildren(...chips);
}

// The page's URL for the view; the access token, if the page was opened with one, stays.
function pageURL() {
  const query = viewQuery(page.view);
  return authToken ? `${query}&token=${encodeURIComponent(authToken)}` : query;
}

// Applies a change to the view: new URL (a history entry), controls, data.
function change(changes) {
  Object.assign(page.view, changes);
  history.pushState(null, "", pageURL());
  syncControls();
  refresh();
}

function addFilter(dim, mode, value) {
  const filters = page.view.filters.map((f) => ({ ...f, values: [...f.values] }));
  // A value is either included or excluded: adding it to one side takes it off the other.
  for (const f of filters) if (f.dim === dim && f.mode !== mode) f.values = f.values.filter((x) => x !== value);
  let target = filters.find((f) => f.dim === dim && f.mode === mode);
  if (!target) filters.push(target = { dim, mode, values: [] });
  if (!target.values.includes(value)) target.values.push(value);
  change({ filters: filters.filter((f) => f.values.length) });
}

function bucketsOf(result) {
  return result.map((r) => ({ t: Date.parse(r.timestamp), v: r.result.value ?? 0 }));
}

function markIncomplete(points, bucketMs, now) {
  for (const p of points) p.incomplete = p.t <= now && now < p.t + bucketMs;
  return points;
}

// Runs the view's queries and redraws; a newer refresh supersedes an older one still running.
async function refresh() {
  if (!page.view || !datasource()) return;
  if (page.refreshing) {
    page.pending = true;
    return;
  }
  page.refreshing = true;
  document.body.dataset.state = "loading";
  try {
    await load();
  } finally {
    page.refreshing = false;
    if (page.pending) {
      page.pending = false;
      refresh();
    }
  }
}

async function load() {
  const v = page.view;
  const ds = datasource();
  const metric = metricOf(v.measure);
  const now = Date.now();
  const span = resolveInterval(v, now, ds.granularityMilliseconds);
  if (span.error) {
    setStatus(span.error);
    document.body.dataset.state = "error";
    return;
  }
  const { start, end, gran, bucketMs } = span;
  const length = end - start;
  const queries = { chart: timeseriesQuery(v.ds, metric, v.filters, gran, start, end) };
  // Split, the comparison is per value, in the table; unsplit, it is a second line.
  if (v.compare && !v.split) queries.previous = timeseriesQuery(v.ds, metric, v.filters, gran, start - length, end - length);
  if (v.split) {
    queries.top = topNQuery(v.ds, metric, v.split, v.top, v.filters, start, end);
    queries.total = timeseriesQuery(v.ds, metric, v.filters, "all", start, end);
  }
  try {
    const [chart, previous, top, total] = await Promise.all([
      runQuery(queries.chart),
      queries.previous ? runQuery(queries.previous) : null,
      queries.top ? runQuery(queries.top) : null,
      queries.total ? runQuery(queries.total) : null,
    ]);
    const series = [];
    const main = markIncomplete(bucketsOf(chart), bucketMs, now);
    let rows = [];
    if (v.split) {
      const ranked = (top[0] ? top[0].result : []).map((r) => ({ value: r[v.split], measure: r.value ?? 0 }));
      const totalValue = total[0] ? total[0].result.value ?? 0 : 0;
      const values = ranked.map((r) => r.value);
      const lines = new Map(values.map((x) => [x, new Map()]));
      if (values.length) {
        queries.split = splitQuery(v.ds, metric, v.split, values, v.filters, gran, start, end);
        if (v.compare) queries.previousTop = topNQuery(v.ds, metric, v.split, v.top, v.filters, start - length, end - length, [{ type: "in", dimension: v.split, values }]);
        const [split, previousTop] = await Promise.all([
          runQuery(queries.split),
          queries.previousTop ? runQuery(queries.previousTop) : null,
        ]);
        for (const row of split) {
          const line = lines.get(row.event[v.split]);
          if (line) line.set(Date.parse(row.timestamp), row.event.value ?? 0);
        }
        const before = new Map(previousTop && previousTop[0] ? previousTop[0].result.map((r) => [r[v.split], r.value ?? 0]) : []);
        rows = ranked.map((r) => {
          const prev = v.compare ? (before.get(r.value) ?? 0) : null;
          return {
            ...r,
            share: totalValue ? r.measure / totalValue : null,
            previous: prev,
            change: v.compare && prev ? (r.measure - prev) / prev : null,
          };
        });
      }
      values.forEach((value, i) => {
        // Buckets without a row for this value are zero: the x axis is the timeseries' buckets.
        const points = main.map((p) => ({ t: p.t, v: lines.get(value).get(p.t) ?? 0, incomplete: p.incomplete }));
        series.push({ name: value === "" ? "(empty)" : value, color: PALETTE[i % PALETTE.length], role: "split", points });
      });
    } else {
      series.push({ name: v.measure, color: PALETTE[0], role: "main", points: main });
    }
    if (previous) {
      const points = bucketsOf(previous).map((p) => ({ t: p.t + length, v: p.v, incomplete: false }));
      series.push({ name: "previous period", color: "#9aa1ad", role: "previous", points });
    }
    page.chartData = { series, start, end, bucketMs };
    page.rows = rows;
    page.lastQueries = queries;
    draw();
    setStatus("");
    page.refreshes += 1;
    document.body.dataset.refreshes = page.refreshes;
    document.body.dataset.state = "ready";
  } catch (error) {
    setStatus(`query failed: ${error.message}`);
    document.body.dataset.state = "error";
  }
}

function draw() {
  if (!page.chartData) return;
  drawChart($("chart"), { ...page.chartData, markers: page.markers });
  $("legend").replaceChildren(...page.chartData.series.map((s) => {
    const item = document.createElement("span");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = s.color;
    item.append(swatch, s.name);
    return item;
  }));
  drawTable();
  $("last-query").textContent = JSON.stringify(page.lastQueries, null, 1);
  $("last-query").dataset.query = JSON.stringify(page.lastQueries);
}

function drawTable() {
  const v = page.view;
  const table = $("split-table");
  table.replaceChildren();
  table.dataset.rows = page.rows.length;
  if (!v.split) return;
  const columns = [["value", v.split], ["measure", v.measure], ["share", "share"]];
  if (v.compare) columns.push(["previous", "previous"], ["change", "change"]);
  const head = table.createTHead().insertRow();
  for (const [key, label] of columns) {
    const th = document.createElement("th");
    th.className = "sortable";
    th.dataset.key = key;
    th.textContent = label;
    if (v.sort === key) th.setAttribute("aria-sort", v.dir === "asc" ? "ascending" : "descending");
    th.addEventListener("click", () => change({ sort: key, dir: v.sort === key && v.dir === "desc" ? "asc" : "desc" }));
    head.append(th);
  }
  head.append(document.createElement("th"));
  const sign = v.dir === "asc" ? 1 : -1;
  const key = columns.some(([k]) => k === v.sort) ? v.sort : "measure";
  const rows = [...page.rows].sort((a, b) => {
    const x = a[key], y = b[key];
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return (typeof x === "string" ? x.localeCompare(y) : x - y) * sign;
  });
  const body = table.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    tr.dataset.value = r.value;
    tr.dataset.measure = r.measure;
    if (v.compare) tr.dataset.previous = r.previous;
    tr.insertCell().textContent = r.value === "" ? "(empty)" : r.value;
    tr.insertCell().textContent = formatValue(r.measure);
    tr.insertCell().textContent = r.share === null ? "–" : (r.share * 100).toFixed(1) + "%";
    if (v.compare) {
      tr.insertCell().textContent = formatValue(r.previous);
      const c = tr.insertCell();
      c.textContent = r.change === null ? "–" : `${r.change >= 0 ? "+" : ""}${(r.change * 100).toFixed(1)}%`;
      if (r.change !== null) c.className = r.change >= 0 ? "up" : "down";
    }
    const actions = tr.insertCell();
    for (const [mode, label, title] of [["in", "+", "only this value"], ["ex", "−", "exclude this value"]]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = `act ${mode}`;
      button.textContent = label;
      button.title = title;
      button.addEventListener("click", () => addFilter(v.split, mode, r.value));
      actions.append(button);
    }
  }
}

// The filter editor's value list: the most frequent values of the chosen dimension matching
// the search text, over the view's interval.
async function searchValues() {
  const ds = datasource();
  const dim = $("filter-dim").value;
  if (!dim) return;
  const span = resolveInterval(page.view, Date.now(), ds.granularityMilliseconds);
  if (span.error) return;
  const counter = ds.metrics.find((m) => m.kind === "count") || metricOf(page.view.measure);
  const query = valueSearchQuery(ds.name, counter, dim, $("filter-search").value.trim(), span.start, span.end);
  const list = $("filter-values");
  try {
    const result = await runQuery(query);
    const items = (result[0] ? result[0].result : []).map((r) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.value = r[dim];
      const count = document.createElement("span");
      count.className = "count";
      count.textContent = formatValue(r.value);
      button.append(r[dim] === "" ? "(empty)" : r[dim], count);
      button.addEventListener("click", () => addFilter(dim, $("filter-mode").value, r[dim]));
      li.append(button);
      return li;
    });
    list.replaceChildren(...items);
    list.dataset.dim = dim;
  } catch (error) {
    list.replaceChildren(`value search failed: ${error.message}`);
  }
}

function scheduleRefresh() {
  clearTimeout(page.debounce);
  page.debounce = setTimeout(refresh, 250);
}

function connectLive() {
  const live = $("live");
  const source = new EventSource(liveURL());
  source.addEventListener("open", () => {
    live.dataset.state = "open";
    live.textContent = "live";
  });
  source.addEventListener("error", () => {
    live.dataset.state = "reconnecting";
    live.textContent = "reconnecting…";
  });
  source.addEventListener("commit", (event) => {
    const commit = JSON.parse(event.data);
    if (commit.datasource !== page.view.ds) return;
    page.liveEvents += 1;
    live.dataset.events = page.liveEvents;
    scheduleRefresh();
  });
}

async function pollPipelines() {
  let data = null;
  try {
    const response = await apiFetch("/api/pipeline");
    if (response.ok) data = await response.json();
  } catch (_) {
    data = null;
  }
  drawHealth($("health"), data);
  const markers = data ? data.markers : [];
  if (JSON.stringify(markers) !== JSON.stringify(page.markers)) {
    page.markers = markers;
    draw();
  }
}

function bindControls() {
  $("controls").addEventListener("submit", (e) => e.preventDefault());
  $("ds").addEventListener("change", () => change({ ds: $("ds").value, measure: "", split: "", filters: [] }));
  $("measure").addEventListener("change", () => change({ measure: $("measure").value }));
  $("range").addEventListener("change", () => {
    const range = $("range").value;
    if (range === "custom" && (!page.view.from || !page.view.to) && page.chartData) {
      // Start from what is on screen, so "custom" is an edit of the current view.
      change({ range, from: new Date(page.chartData.start).toISOString().slice(0, 16) + "Z", to: new Date(page.chartData.end).toISOString().slice(0, 16) + "Z" });
    } else {
      change({ range });
    }
  });
  $("apply-custom").addEventListener("click", () => change({ from: $("from").value.trim(), to: $("to").value.trim() }));
  $("gran").addEventListener("change", () => change({ gran: $("gran").value }));
  $("split").addEventListener("change", () => change({ split: $("split").value }));
  $("top").addEventListener("change", () => {
    const n = Number($("top").value);
    if (Number.isInteger(n) && n >= 1 && n <= MAX_TOP) change({ top: n });
    else setStatus(`top-N must be a whole number from 1 to ${MAX_TOP}`);
  });
  $("compare").addEventListener("change", () => change({ compare: $("compare").checked }));
  let searchTimer = null;
  $("filter-search").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(searchValues, 200);
  });
  $("filter-dim").addEventListener("change", searchValues);
  $("filter-editor").addEventListener("toggle", () => { if ($("filter-editor").open) searchValues(); });
  window.addEventListener("popstate", () => loadView());
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(draw, 100);
  });
}

function loadView() {
  const { view, problems } = parseView(location.search);
  page.view = normalise(view, problems);
  // The normalised view is what is shown, so it is what the URL says.
  history.replaceState(null, "", pageURL());
  syncControls();
  setStatus(problems.length ? `ignored: ${problems.join("; ")}` : "");
  refresh().then(() => { if (problems.length) setStatus(`ignored: ${problems.join("; ")}`); });
}

async function main() {
  try {
    const response = await apiFetch("/api/datasources");
    page.schema = await response.json();
  } catch (error) {
    setStatus(`cannot read the store's datasources: ${error.message}`);
    return;
  }
  if (!page.schema.length) {
    setStatus("the store serves no datasource");
    return;
  }
  bindControls();
  loadView();
  connectLive();
  pollPipelines();
  setInterval(pollPipelines, 2000);
  // A relative range moves with time even when nothing is committed.
  setInterval(() => { if (page.view.range !== "custom") refresh(); }, 10000);
}

main();
