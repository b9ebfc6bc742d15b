"""Deterministic access-log events for the example pipeline (examples/access-logs), and the
reference results computed independently of Nagare.

    events = generate(200_000, seed=5)             # what to produce, in order
    placed = produce(bootstrap, events)            # where each landed (partition, offset)
    ref = reference(placed, EXAMPLE_DIR)           # what the pipeline must write

Events look like issue 5's example, keyed by `site_id`:
  - ~20 sites of sites.csv plus one unknown site (enriched as "unknown");
  - IPs in geo.csv ranges and outside all of them; a few real user agents and one unknown;
  - 5% duplicates: an earlier valid event produced again (same key and value) a little later;
  - late events: event time 30 s to 100 s behind the stream (mostly still within the window's
    allowed lateness) and 150 s to 300 s behind (mostly beyond it);
  - malformed records: invalid JSON, a missing required field, a wrong type.
Every record carries a header `gen.seq` (its index in the generated list), which dead letters
keep, so the test can name exactly which records went where.

The reference follows docs/pipeline-yaml.md and the engine's operators (Validator, Deduplicator,
WindowAggregator), re-implemented here in plain Python per input partition in offset order:
validate → dedup (10 min window, keys forgotten behind the newest event time − window) →
enrich → window (tumbling 1 min, watermark = newest event time − 10 s, a window closes when the
watermark reaches its end + 1 min; an event whose window closed is late: still output, not
counted, copied to the dead-letter topic). Windows still open at the end are not emitted.
"""
import csv
import heapq
import json
import os
import random
from dataclasses import dataclass, field
from datetime import datetime, timezone

T0_MS = int(datetime(2026, 11, 21, 0, 0, tzinfo=timezone.utc).timestamp() * 1000)
TOPIC = "events.raw"
PARTITIONS = 6

# Pipeline settings of examples/access-logs/pipeline.yml the reference depends on.
DEDUP_WINDOW_MS = 10 * 60_000
WINDOW_MS = 60_000
MAX_DELAY_MS = 10_000
ALLOWED_LATENESS_MS = 60_000
REQUIRED = {"event_id": "string", "ts": "timestamp", "site_id": "string", "revenue": "number"}

USER_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
    "Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
    "Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
    "Safari/537.36 Edg/120.0.2210.91",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl/8.5.0",
    "NagareTestAgent/0.1 (no rule matches this)",
]
SPORTS = ["football", "tennis", "cycling", "athletics", "motorsport"]
# First octets inside geo.csv ranges, and addresses in none of them.
GEO_OCTETS = [10, 17, 24, 31, 38, 45, 52, 59, 66, 73, 80, 87, 94, 101, 108, 115, 122, 129, 136, 143]
NO_GEO_PREFIXES = ["11.", "200.", "250.", "203.0.114."]


@dataclass
class GenRecord:
    seq: int
    key: bytes
    value: bytes
    kind: str  # "event", "duplicate", "bad_json", "missing_field", "wrong_type"
    event_id: str = None  # for events and duplicates
    partition: int = None
    offset: int = None


def format_ts(ms):
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_ts(text):
    """RFC 3339 with optional fraction and offset → epoch ms (None if unparsable)."""
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    if dt.tzinfo is None:
        return None
    return int(round(dt.timestamp() * 1000))


def generate(n, seed=5, duration_ms=60 * 60_000, sites=None):
    """`n` records over `duration_ms` of event time, deterministic for a seed."""
    rng = random.Random(seed)
    sites = sites or [f"s{i}" for i in range(1, 21)]
    out = []
    recent = []  # (stream time, GenRecord) of valid, non-late events, for duplicates
    serial = 0
    for seq in range(n):
        stream = T0_MS + seq * duration_ms // n
        r = rng.random()
        if r < 0.05 and recent:
            # A duplicate of an event from the last two minutes of stream time, same bytes.
            while recent and recent[0][0] < stream - 120_000:
                recent.pop(0)
            if recent:
                orig = recent[rng.randrange(len(recent))][1]
                out.append(GenRecord(seq, orig.key, orig.value, "duplicate", orig.event_id))
                continue
        site = "s99" if rng.random() < 0.02 else rng.choice(sites)
        ts = stream + rng.randrange(0, 5000)  # a little disorder, within maxDelay
        late = False
        x = rng.random()
        if x < 0.01:
            ts = stream - rng.randrange(30_000, 100_000)
            late = True
        elif x < 0.02:
            ts = stream - rng.randrange(150_000, 300_000)
            late = True
        serial += 1
        event_id = f"e-{seed:02d}-{serial:09d}"
        if rng.random() < 0.7:
            ip = f"{rng.choice(GEO_OCTETS)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        elif rng.random() < 0.5:
            ip = f"203.0.113.{rng.randrange(256)}"
        else:
            p = rng.choice(NO_GEO_PREFIXES)
            ip = p + ".".join(str(rng.randrange(256)) for _ in range(4 - p.count(".")))
        sport = rng.choice(SPORTS)
        event = {
            "event_id": event_id, "ts": format_ts(ts), "site_id": site,
            "user_id": f"u{rng.randrange(5000)}", "ip": ip, "ua": rng.choice(USER_AGENTS),
            "path": f"/{sport}/live/{rng.randrange(1000)}", "sport": sport,
            "revenue": round(rng.random() * 0.5, 2) if rng.random() < 0.8 else rng.randrange(0, 3),
        }
        m = rng.random()
        kind = "event"
        if m < 0.004:
            kind = "bad_json"
            text = json.dumps(event, separators=(",", ":"))
            value = text[: rng.randrange(10, len(text) - 1)].encode()  # truncated
        elif m < 0.008:
            kind = "missing_field"
            del event[rng.choice(list(REQUIRED))]
            value = json.dumps(event, separators=(",", ":")).encode()
        elif m < 0.012:
            kind = "wrong_type"
            which = rng.choice(["revenue", "ts", "site_id", "event_id"])
            event[which] = {"revenue": "0.12", "ts": "yesterday", "site_id": 17, "event_id": True}[which]
            value = json.dumps(event, separators=(",", ":")).encode()
        else:
            value = json.dumps(event, separators=(",", ":")).encode()
        rec = GenRecord(seq, site.encode(), value, kind, event_id if kind == "event" else None)
        out.append(rec)
        if kind == "event" and not late:
            recent.append((stream, rec))
    return out


def produce(bootstrap, records, topic=TOPIC, create=True, partitions=PARTITIONS):
    """Produces `records` in order (idempotent producer); fills in partition and offset."""
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    if create:
        admin = AdminClient({"bootstrap.servers": bootstrap})
        for f in admin.create_topics([NewTopic(topic, partitions, 1)]).values():
            f.result(30)
    p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all",
                  "linger.ms": 20, "batch.num.messages": 5000, "message.timeout.ms": 300_000})
    errors = []

    def delivered(err, msg, rec):
        if err is not None:
            errors.append(err)
        else:
            rec.partition, rec.offset = msg.partition(), msg.offset()

    for rec in records:
        while True:
            try:
                p.produce(topic, key=rec.key, value=rec.value, headers=[("gen.seq", str(rec.seq).encode())],
                          on_delivery=lambda err, msg, rec=rec: delivered(err, msg, rec))
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
    left = p.flush(120)
    assert left == 0 and not errors, f"produce failed: {left} undelivered, errors {errors[:3]}"
    return records


# ---------------------------------------------------------------------------------------------
# Dimension tables, read and applied here without Nagare's code.

def _csv_rows(path):
    with open(path, newline="") as f:
        lines = [line for line in f if line.strip() and not line.lstrip().startswith("#")]
    rows = list(csv.reader(lines))
    return rows[0], rows[1:]


def _ip_number(text):
    parts = text.split(".") if isinstance(text, str) else []
    if len(parts) != 4 or not all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts):
        return None
    n = 0
    for p in parts:
        n = n * 256 + int(p)
    return n


def _user_agent_rules(path):
    """The rules file's shape: `field:` then `- contains: [..]` / `value: ..` items."""
    rules, current, item = {}, None, None
    with open(path) as f:
        for raw in f:
            line = raw.split("#", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
            if not line.strip():
                continue
            if not line.startswith(" "):
                current = line.rstrip(":").strip()
                rules[current] = []
                continue
            body = line.strip()
            if body.startswith("- "):
                item = {}
                rules[current].append(item)
                body = body[2:]
            k, v = body.split(":", 1)
            v = v.strip()
            if k.strip() == "contains":
                item["contains"] = [s.strip().strip('"') for s in v.strip("[]").split(",")]
            else:
                item["value"] = v.strip('"')
    return rules


class Tables:
    def __init__(self, example_dir):
        header, rows = _csv_rows(os.path.join(example_dir, "sites.csv"))
        self.site_fields = header[1:]
        self.sites = {r[0]: r[1:] for r in rows}
        header, rows = _csv_rows(os.path.join(example_dir, "geo.csv"))
        self.geo_fields = header[2:]
        self.geo = [(_ip_number(r[0]), _ip_number(r[1]), r[2:]) for r in rows]
        self.ua_rules = _user_agent_rules(os.path.join(example_dir, "user-agents.yml"))

    def enriched(self, event, unknown="unknown"):
        out = dict(event)
        site = self.sites.get(event.get("site_id")) if isinstance(event.get("site_id"), str) else None
        for i, name in enumerate(self.site_fields):
            out[name] = site[i] if site else unknown
        n = _ip_number(event.get("ip"))
        geo = next((values for lo, hi, values in self.geo if n is not None and lo <= n <= hi), None)
        for i, name in enumerate(self.geo_fields):
            out[name] = geo[i] if geo else unknown
        ua = event.get("ua")
        for name, rules in self.ua_rules.items():
            value = unknown
            if isinstance(ua, str):
                for rule in rules:
                    if any(s in ua for s in rule["contains"]):
                        value = rule["value"]
                        break
            out[name] = value
        return out


# ---------------------------------------------------------------------------------------------
# The reference.

def _invalid_reason(value):
    try:
        event = json.loads(value)
    except (ValueError, UnicodeDecodeError):
        return "invalid JSON"
    if not isinstance(event, dict):
        return "not an object"
    for name, kind in REQUIRED.items():
        v = event.get(name)
        if v is None:
            return f"missing {name}"
        if kind == "string" and not isinstance(v, str):
            return f"{name} not a string"
        if kind == "number" and (isinstance(v, bool) or not isinstance(v, (int, float))):
            return f"{name} not a number"
        if kind == "timestamp":
            ok = parse_ts(v) is not None if isinstance(v, str) else (
                isinstance(v, (int, float)) and not isinstance(v, bool))
            if not ok:
                return f"{name} not a timestamp"
    return None


@dataclass
class Reference:
    enriched: dict = field(default_factory=dict)       # event_id → expected enriched event
    order: dict = field(default_factory=dict)          # site_id → event_ids in output order
    windows: dict = field(default_factory=dict)        # (site_id, window_start_ms) → (count, revenue_sum)
    malformed: set = field(default_factory=set)        # gen.seq of records the validator rejects
    late: set = field(default_factory=set)             # gen.seq of valid events beyond lateness
    per_minute: dict = field(default_factory=dict)     # event-time minute start ms → distinct valid events
    duplicates_dropped: int = 0
    late_within_lateness: int = 0


def reference(records, example_dir):
    """The expected outputs, from the records as placed (partition, offset) by `produce`."""
    tables = Tables(example_dir)
    ref = Reference()
    by_partition = {}
    for rec in records:
        by_partition.setdefault(rec.partition, []).append(rec)
    for partition, recs in sorted(by_partition.items()):
        recs.sort(key=lambda r: r.offset)
        seen = {}           # dedup: event_id → event time
        expiry = []         # heap of (event time, event_id)
        dedup_max = None
        win_max = None
        open_windows = {}   # (start, site) → [count, revenue]
        for rec in recs:
            if _invalid_reason(rec.value) is not None:
                ref.malformed.add(rec.seq)
                continue
            event = json.loads(rec.value)
            t = parse_ts(event["ts"]) if isinstance(event["ts"], str) else int(event["ts"])
            # dedup
            if dedup_max is None or t > dedup_max:
                dedup_max = t
                while expiry and expiry[0][0] < dedup_max - DEDUP_WINDOW_MS:
                    old_t, old_key = heapq.heappop(expiry)
                    if seen.get(old_key) == old_t:
                        del seen[old_key]
            key = event["event_id"]
            if key in seen and abs(seen[key] - t) <= DEDUP_WINDOW_MS:
                ref.duplicates_dropped += 1
                continue
            if key in seen and seen[key] > t:
                pass  # an older far-away occurrence: not a duplicate, keep the newer time
            elif t >= dedup_max - DEDUP_WINDOW_MS:
                seen[key] = t
                heapq.heappush(expiry, (t, key))
            assert key not in ref.enriched, f"{key} would be output twice by the engine's dedup semantics"
            ref.enriched[key] = tables.enriched(event)
            ref.order.setdefault(event["site_id"], []).append(key)
            minute = t - t % WINDOW_MS
            ref.per_minute[minute] = ref.per_minute.get(minute, 0) + 1
            # window
            if win_max is None or t > win_max:
                win_max = t
                mark = win_max - MAX_DELAY_MS
                for slot in [s for s in open_windows if mark >= s[0] + WINDOW_MS + ALLOWED_LATENESS_MS]:
                    ref.windows[(slot[1], slot[0])] = tuple(open_windows.pop(slot))
            mark = win_max - MAX_DELAY_MS
            start = t - t % WINDOW_MS
            if mark >= start + WINDOW_MS + ALLOWED_LATENESS_MS:
                ref.late.add(rec.seq)
                continue
            if mark >= start + WINDOW_MS:
                ref.late_within_lateness += 1
            revenue = event["revenue"]
            slot = open_windows.setdefault((start, event["site_id"]), [0, 0.0])
            slot[0] += 1
            slot[1] += float(revenue)
    return ref


def distinct_valid_ids(records):
    """Event ids of the generated valid events, by construction (not by simulation)."""
    return {r.event_id for r in records if r.kind == "event"}
