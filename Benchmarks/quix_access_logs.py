"""The access-log pipeline of issue 5 written with quixstreams, for Benchmarks/pipeline_throughput.py.

Back of the envelope: quixstreams runs every record through Python: a JSON decode (orjson,
~2 µs), a timestamp parse, a RocksDB get and put for the dedup state (~5-10 µs with the
transaction and changelog bookkeeping), a few dict operations for the enrichment, a window
update (another RocksDB read-modify-write), and a JSON encode and produce per output. That is
some tens of µs per event on one core (one Python thread; librdkafka's threads beside it), so
expect 10,000-30,000 events/s.

The same job as examples/access-logs/pipeline.yml, as close as quixstreams allows:
- parse JSON (the topic's json deserializer), event time from `ts` (RFC 3339);
- validate event_id/site_id strings, ts timestamp, revenue number; failures go to the dead-letter
  topic with the event and the reason;
- dedup by event_id within 10 minutes of event time, in quixstreams state (RocksDB with a
  changelog topic). State is scoped per message key (site_id); the benchmark's duplicates keep
  their site, as real retries do. quixstreams state has no expiry, so keys are never evicted
  (nagare expires them after the window): this costs quixstreams memory, not time, here;
- enrich from the same sites.csv (site_id → site_name, category, account), geo.csv (IPv4 range
  → country) and user-agents.yml (first matching substring rule per field), "unknown" when
  nothing matches, with a cache of classified user agents like nagare's;
- a 1-minute tumbling window per site (the message key) on event time, count and revenue sum,
  emitted when it closes (grace 70 s ≈ nagare's maxDelay 10 s + allowedLateness 1 m);
- outputs to `<prefix>events.enriched`, `<prefix>metrics.site_minute`, `<prefix>events.dlq`.

processing_guarantee="exactly-once" with quixstreams' default commit interval (5 s, longer
than nagare's 100 ms; fewer transactions favour quixstreams).

Run: python quix_access_logs.py --brokers HOST:PORT --tables examples/access-logs
"""

import argparse
import bisect
import csv
import os
from datetime import datetime, timedelta

import yaml
from quixstreams import Application
from quixstreams.dataframe.windows import Count, Sum

DEDUP_WINDOW_MS = 10 * 60 * 1000
UNKNOWN = "unknown"
MAX_CACHED_USER_AGENTS = 10_000


def epoch_ms(text):
    """RFC 3339 text → epoch milliseconds, or None."""
    try:
        return int(datetime.fromisoformat(text).timestamp() * 1000)
    except (TypeError, ValueError):
        return None


def read_csv(path):
    with open(path, newline="") as f:
        rows = [line for line in f if not line.startswith("#")]
    return list(csv.DictReader(rows))


class Enricher:
    def __init__(self, tables):
        self.sites = {
            r["site_id"]: (r["site_name"], r["category"], r["account"])
            for r in read_csv(os.path.join(tables, "sites.csv"))
        }
        ranges = sorted(
            (self.address(r["start"]), self.address(r["end"]), r["country"])
            for r in read_csv(os.path.join(tables, "geo.csv"))
        )
        self.range_starts = [r[0] for r in ranges]
        self.ranges = ranges
        with open(os.path.join(tables, "user-agents.yml")) as f:
            self.ua_rules = list(yaml.safe_load(f).items())
        self.ua_cache = {}

    @staticmethod
    def address(text):
        parts = text.split(".")
        if len(parts) != 4:
            return None
        value = 0
        for p in parts:
            if not p.isdigit() or int(p) > 255:
                return None
            value = value << 8 | int(p)
        return value

    def country(self, ip):
        address = self.address(ip) if isinstance(ip, str) else None
        if address is None:
            return UNKNOWN
        i = bisect.bisect_right(self.range_starts, address) - 1
        if i >= 0 and address <= self.ranges[i][1]:
            return self.ranges[i][2]
        return UNKNOWN

    def user_agent(self, ua):
        cached = self.ua_cache.get(ua)
        if cached is not None:
            return cached
        values = []
        for _field, rules in self.ua_rules:
            value = UNKNOWN
            for rule in rules:
                if any(s in ua for s in rule["contains"]):
                    value = rule["value"]
                    break
            values.append(value)
        if len(self.ua_cache) >= MAX_CACHED_USER_AGENTS:
            self.ua_cache.clear()
        self.ua_cache[ua] = values
        return values

    def __call__(self, event):
        site = self.sites.get(event["site_id"])
        event["site_name"], event["category"], event["account"] = site or (UNKNOWN, UNKNOWN, UNKNOWN)
        event["country"] = self.country(event.get("ip"))
        ua = event.get("ua")
        values = self.user_agent(ua) if isinstance(ua, str) else [UNKNOWN] * len(self.ua_rules)
        for (name, _rules), value in zip(self.ua_rules, values):
            event[name] = value
        return event


def invalid_reason(event):
    if not isinstance(event, dict):
        return "not a JSON object"
    for name in ("event_id", "site_id"):
        if not isinstance(event.get(name), str):
            return f'field "{name}" must be a string'
    if epoch_ms(event.get("ts")) is None:
        return 'field "ts" must be an RFC 3339 timestamp'
    revenue = event.get("revenue")
    if isinstance(revenue, bool) or not isinstance(revenue, (int, float)):
        return 'field "revenue" must be a number'
    return None


def event_time(value, headers, timestamp, timestamp_type):
    ms = epoch_ms(value.get("ts")) if isinstance(value, dict) else None
    return timestamp if ms is None else ms


def first_occurrence(event, state):
    """Dedup: false for an event_id seen (in this key's state) within the window."""
    event_id = event["event_id"]
    time = epoch_ms(event["ts"])
    seen = state.get(event_id)
    if seen is not None and abs(seen - time) <= DEDUP_WINDOW_MS:
        return False
    if seen is None or time > seen:
        state.set(event_id, time)
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--group", default="quix.access-logs")
    parser.add_argument("--input", default="events.raw")
    parser.add_argument("--prefix", default="quix.")
    parser.add_argument("--tables", required=True, help="directory of sites.csv, geo.csv, user-agents.yml")
    parser.add_argument("--state-dir", default="quix-state")
    args = parser.parse_args()

    app = Application(
        broker_address=args.brokers,
        consumer_group=args.group,
        auto_offset_reset="earliest",
        processing_guarantee="exactly-once",
        state_dir=args.state_dir,
        loglevel="WARNING",
    )
    raw = app.topic(args.input, key_deserializer="str", value_deserializer="json",
                    timestamp_extractor=event_time)
    enriched_topic = app.topic(args.prefix + "events.enriched", key_serializer="str", value_serializer="json")
    windows_topic = app.topic(args.prefix + "metrics.site_minute", key_serializer="str", value_serializer="json")
    dlq_topic = app.topic(args.prefix + "events.dlq", key_serializer="str", value_serializer="json")
    enrich = Enricher(args.tables)

    sdf = app.dataframe(raw)
    sdf = sdf.apply(lambda event: {"event": event, "error": invalid_reason(event)})
    sdf[sdf["error"].notnull()].to_topic(dlq_topic)
    events = sdf[sdf["error"].isnull()].apply(lambda checked: checked["event"])
    events = events.filter(first_occurrence, stateful=True)
    events = events.apply(enrich)
    events.to_topic(enriched_topic)
    (
        events.tumbling_window(timedelta(minutes=1), grace_ms=timedelta(seconds=70))
        .agg(count=Count(), revenue_sum=Sum("revenue"))
        .final()
        .to_topic(windows_topic)
    )
    app.run()


if __name__ == "__main__":
    main()
