// The dashboard's view: everything a user chooses, kept in the page's query string so that a
// link reproduces the view. parseView and viewQuery are inverses for every valid view.

export const RANGES = {
  "15m": 15 * 60e3,
  "1h": 3600e3,
  "6h": 6 * 3600e3,
  "24h": 24 * 3600e3,
  "7d": 7 * 86400e3,
};

// Druid granularity names the store answers, with their bucket lengths.
export const GRANULARITIES = {
  second: 1e3,
  minute: 60e3,
  five_minute: 5 * 60e3,
  fifteen_minute: 15 * 60e3,
  thirty_minute: 30 * 60e3,
  hour: 3600e3,
  six_hour: 6 * 3600e3,
  day: 86400e3,
};

// More buckets than this make an unreadable chart and a slow query: the user is asked for a
// coarser granularity instead.
export const MAX_BUCKETS = 2000;
export const MAX_TOP = 20;

export function defaultView() {
  return {
    ds: "", measure: "", range: "1h", from: "", to: "", gran: "auto",
    split: "", top: 5, filters: [], compare: false, sort: "measure", dir: "desc",
  };
}

// One filter per (dimension, mode): values of `dim` to include ("in") or exclude ("ex").
// In the URL: f=MODE:DIM:V1,V2 with each part URI-encoded, so any value survives.
function parseFilter(text) {
  const parts = text.split(":");
  if (parts.length !== 3 || !["in", "ex"].includes(parts[0])) return null;
  const dim = decodeURIComponent(parts[1]);
  const values = parts[2] === "" ? [] : parts[2].split(",").map(decodeURIComponent);
  if (!dim || values.length === 0) return null;
  return { mode: parts[0], dim, values };
}

function filterText(f) {
  return `${f.mode}:${encodeURIComponent(f.dim)}:${f.values.map(encodeURIComponent).join(",")}`;
}

// Reads a view from a query string; unknown or malformed parameters fall back to defaults and
// are reported in `problems` so the page can say what it ignored.
export function parseView(search) {
  const params = new URLSearchParams(search);
  const view = defaultView();
  const problems = [];
  view.ds = params.get("ds") || "";
  view.measure = params.get("m") || "";
  const range = params.get("r");
  if (range) {
    if (range === "custom" || RANGES[range]) view.range = range;
    else problems.push(`range '${range}' is not one of ${Object.keys(RANGES).join(", ")}, custom`);
  }
  view.from = params.get("from") || "";
  view.to = params.get("to") || "";
  const gran = params.get("g");
  if (gran) {
    if (gran === "auto" || GRANULARITIES[gran]) view.gran = gran;
    else problems.push(`granularity '${gran}' is unknown`);
  }
  view.split = params.get("split") || "";
  const top = params.get("n");
  if (top) {
    const n = Number(top);
    if (Number.isInteger(n) && n >= 1 && n <= MAX_TOP) view.top = n;
    else problems.push(`top-N '${top}' must be a whole number from 1 to ${MAX_TOP}`);
  }
  for (const text of params.getAll("f")) {
    const f = parseFilter(text);
    if (f) view.filters.push(f);
    else problems.push(`filter '${text}' is not MODE:DIMENSION:VALUES`);
  }
  view.compare = params.get("cmp") === "1";
  const sort = params.get("sort");
  if (sort) {
    const [key, dir] = sort.split(":");
    if (["value", "measure", "share", "previous", "change"].includes(key)) view.sort = key;
    if (dir === "asc" || dir === "desc") view.dir = dir;
  }
  return { view, problems };
}

// The query string of a view; defaults are left out to keep links short.
export function viewQuery(view) {
  const d = defaultView();
  const params = new URLSearchParams();
  if (view.ds) params.set("ds", view.ds);
  if (view.measure) params.set("m", view.measure);
  params.set("r", view.range);
  if (view.range === "custom") {
    params.set("from", view.from);
    params.set("to", view.to);
  }
  if (view.gran !== d.gran) params.set("g", view.gran);
  if (view.split) params.set("split", view.split);
  if (view.split && view.top !== d.top) params.set("n", String(view.top));
  const query = [params.toString()];
  for (const f of view.filters) query.push("f=" + encodeURIComponent(filterText(f)));
  if (view.compare) query.push("cmp=1");
  if (view.sort !== d.sort || view.dir !== d.dir) query.push(`sort=${view.sort}:${view.dir}`);
  return "?" + query.filter(Boolean).join("&");
}

// Parses an ISO 8601 time in UTC ("2024-05-01T00:00Z", seconds optional); NaN if malformed.
export function parseTime(text) {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:\d{2})?$/.test(text || "")) return NaN;
  const withZone = /Z|[+-]\d{2}:\d{2}$/.test(text) ? text : text + (text.includes("T") ? "Z" : "T00:00Z");
  return Date.parse(withZone);
}

// The granularity "auto" picks: the finest giving at most ~200 buckets, never finer than the
// datasource's rollup.
export function autoGranularity(lengthMs, rollupMs) {
  for (const [name, ms] of Object.entries(GRANULARITIES)) {
    if (ms >= rollupMs && lengthMs / ms <= 200) return name;
  }
  return "day";
}

// The interval a view shows at `now`, as {start, end, gran, bucketMs} or {error}. A relative
// range ends at the end of the bucket holding `now`: that bucket is still filling.
export function resolveInterval(view, now, rollupMs) {
  let start, end;
  if (view.range === "custom") {
    start = parseTime(view.from);
    end = parseTime(view.to);
    if (Number.isNaN(start)) return { error: `custom range: 'from' (${view.from || "empty"}) is not a time like 2024-05-01T00:00Z` };
    if (Number.isNaN(end)) return { error: `custom range: 'to' (${view.to || "empty"}) is not a time like 2024-05-01T01:00Z` };
    if (end <= start) return { error: "custom range: 'to' must be after 'from'" };
  }
  const length = view.range === "custom" ? end - start : RANGES[view.range];
  const gran = view.gran === "auto" ? autoGranularity(length, rollupMs) : view.gran;
  const bucketMs = GRANULARITIES[gran];
  if (bucketMs < rollupMs) return { error: `granularity ${gran} is finer than the datasource's rollup; choose a coarser one` };
  if (view.range !== "custom") {
    end = Math.floor(now / bucketMs) * bucketMs + bucketMs;
    start = end - length;
  }
  const buckets = Math.ceil((end - start) / bucketMs);
  if (buckets > MAX_BUCKETS) return { error: `${buckets} buckets of ${gran} is too many (at most ${MAX_BUCKETS}); choose a coarser granularity` };
  return { start, end, gran, bucketMs };
}
