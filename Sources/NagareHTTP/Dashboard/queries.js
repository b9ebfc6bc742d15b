// Druid native queries the dashboard sends to POST /druid/v2. Every query names the chosen
// measure's result "value".

export function iso(ms) {
  return new Date(ms).toISOString();
}

// The query-time aggregator that reads a stored metric: counts and sums add up, min/max stay
// min/max, a HyperLogLog metric is merged into a distinct count.
export function aggregator(metric, name = "value") {
  switch (metric.kind) {
    case "count":
    case "longSum": return { type: "longSum", name, fieldName: metric.name };
    case "doubleSum": return { type: "doubleSum", name, fieldName: metric.name };
    case "min": return { type: "doubleMin", name, fieldName: metric.name };
    case "max": return { type: "doubleMax", name, fieldName: metric.name };
    case "hyperUnique": return { type: "hyperUnique", name, fieldName: metric.name, round: true };
    default: throw new Error(`metric '${metric.name}' has an unknown kind '${metric.kind}'`);
  }
}

// The view's include/exclude filters as one Druid filter, or null.
export function druidFilter(filters, extra = []) {
  const parts = filters.map((f) => {
    const values = { type: "in", dimension: f.dim, values: f.values };
    return f.mode === "in" ? values : { type: "not", field: values };
  }).concat(extra);
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0] : { type: "and", fields: parts };
}

function withFilter(query, filter) {
  if (filter) query.filter = filter;
  return query;
}

export function timeseriesQuery(ds, metric, filters, gran, start, end) {
  return withFilter({
    queryType: "timeseries", dataSource: ds, granularity: gran,
    intervals: [`${iso(start)}/${iso(end)}`], aggregations: [aggregator(metric)],
  }, druidFilter(filters));
}

export function topNQuery(ds, metric, dim, threshold, filters, start, end, extra = []) {
  return withFilter({
    queryType: "topN", dataSource: ds, granularity: "all", dimension: dim, metric: "value", threshold,
    intervals: [`${iso(start)}/${iso(end)}`], aggregations: [aggregator(metric)],
  }, druidFilter(filters, extra));
}

// One row per (bucket, value) for the split lines: only the top values, so the answer is small.
export function splitQuery(ds, metric, dim, values, filters, gran, start, end) {
  return withFilter({
    queryType: "groupBy", dataSource: ds, granularity: gran, dimensions: [dim],
    intervals: [`${iso(start)}/${iso(end)}`], aggregations: [aggregator(metric)],
  }, druidFilter(filters, [{ type: "in", dimension: dim, values }]));
}

// The most frequent values of `dim` containing `text` (any case), for the filter's value search.
export function valueSearchQuery(ds, countMetric, dim, text, start, end) {
  const extra = text ? [{ type: "search", dimension: dim, query: { type: "insensitive_contains", value: text } }] : [];
  return topNQuery(ds, countMetric, dim, 20, [], start, end, extra);
}

// A store started with --auth-token is opened as /?token=…: every request of the page then
// carries the token (a header for fetch; EventSource cannot set headers, so the query string).
export const authToken = new URLSearchParams(location.search).get("token");

export function apiFetch(url, init = {}) {
  if (!authToken) return fetch(url, init);
  return fetch(url, { ...init, headers: { ...(init.headers || {}), Authorization: `Bearer ${authToken}` } });
}

export function liveURL() {
  return authToken ? `/api/live?token=${encodeURIComponent(authToken)}` : "/api/live";
}

export async function runQuery(query) {
  const response = await apiFetch("/druid/v2", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(query),
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error(body && body.errorMessage ? body.errorMessage : `query failed with HTTP ${response.status}`);
  }
  return body;
}
