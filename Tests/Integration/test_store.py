"""The analytics store (`nagare serve`, issue 6) against a real `nagare broker`.

Enriched access-log events are produced transactionally with confluent-kafka (some transactions
committed, some aborted); the store must count exactly the committed ones. pydruid, Druid's own
Python client, queries it, and every answer is compared with a reference computed here in plain
Python from the raw events: exact for counts and sums, within 3% for HyperLogLog distincts.

The crash test kills `nagare serve` with SIGKILL five times while 200,000 events arrive and checks
that afterwards every per-minute count equals the reference: nothing lost, nothing counted twice.
"""
import datetime
import json
import os
import random
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from pydruid.client import PyDruid
from pydruid.utils.aggregators import doublesum, hyperunique, longsum
from pydruid.utils.filters import Dimension, Filter

from conftest import ROOT

DATASOURCE_YML = os.path.join(ROOT, "examples", "access-logs", "datasource.yml")
TOPIC = "events.enriched"
DATASOURCE = "access-logs"
GROUP = "nagare.store.access-logs"
DAY = datetime.datetime(2024, 5, 1, tzinfo=datetime.timezone.utc)
INTERVAL = "2024-05-01T00:00:00Z/2024-05-02T00:00:00Z"

SITES = ["news.example", "shop.example", "sport.example", "video.example", "blog.example"]
SITE_WEIGHTS = [40, 25, 17, 11, 7]  # distinct weights, so top-N ranks are not ties
CATEGORIES = ["news", "retail", "sports", "media"]
COUNTRIES = ["US", "DE", "JP", "FR", "BR", "IN"]
DEVICES = ["desktop", "mobile", "tablet"]
BROWSERS = ["chrome", "firefox", "safari"]
OSES = ["linux", "macos", "windows", "android", "ios"]
SPORTS = ["football", "tennis", "golf", ""]


def make_events(count, seed, minutes=60):
    """Enriched access-log events with the datasource's fields, over `minutes` minutes of DAY."""
    rng = random.Random(seed)
    events = []
    for _ in range(count):
        ms = rng.randrange(minutes * 60_000)
        t = DAY + datetime.timedelta(milliseconds=ms)
        events.append({
            "ts": t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z",
            "site_name": rng.choices(SITES, SITE_WEIGHTS)[0],
            "category": rng.choice(CATEGORIES),
            "account": f"acct-{rng.randrange(50)}",
            "country": rng.choice(COUNTRIES),
            "device": rng.choice(DEVICES),
            "browser": rng.choice(BROWSERS),
            "os": rng.choice(OSES),
            "sport": rng.choice(SPORTS),
            # Whole cents, so sums in any order are exact in binary floating point up to rounding
            # well below the comparison tolerance.
            "revenue": rng.randrange(0, 10_000) / 100,
            "user_id": f"user-{rng.randrange(5_000)}",
        })
    return events


def minute_of(event):
    return event["ts"][:16] + ":00.000Z"


def produce_transactions(bootstrap, transactions, transactional_id, pause=0.0):
    """Produces each (events, commit?) pair as one transaction, `pause` seconds apart; returns
    the committed events."""
    producer = Producer({
        "bootstrap.servers": bootstrap,
        "transactional.id": transactional_id,
        "linger.ms": 5,
    })
    producer.init_transactions(30)
    committed = []
    for events, commit in transactions:
        producer.begin_transaction()
        for e in events:
            producer.produce(TOPIC, key=e["user_id"].encode(), value=json.dumps(e).encode())
            producer.poll(0)
        if commit:
            producer.commit_transaction(60)
            committed.extend(events)
        else:
            producer.flush(60)  # the aborted records really are in the log
            producer.abort_transaction(60)
        time.sleep(pause)
    producer.flush(30)
    return committed


class Serve:
    """`nagare serve` over a data directory that outlives restarts and kills."""

    def __init__(self, nagare_bin, broker, data_dir, extra_args=()):
        self.nagare_bin = nagare_bin
        self.broker = broker
        self.data_dir = str(data_dir)
        self.extra_args = list(extra_args)
        self.log_path = self.data_dir + "-serve.log"
        self.process = None
        self.url = None

    def start(self):
        self.log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [self.nagare_bin, "serve", "--config", DATASOURCE_YML, "--brokers", self.broker.bootstrap,
             "--http", "127.0.0.1:0", "--data-dir", self.data_dir, "--log-level", "info"] + self.extra_args,
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.process.stdout.readline().strip()
        assert line.startswith("serving http://127.0.0.1:"), f"serve did not start: {line!r}; see {self.log_path}"
        self.url = line.split(" ", 1)[1]
        return self

    def stop(self):
        """SIGTERM; returns the exit code."""
        self.process.terminate()
        code = self.process.wait(timeout=30)
        self.process = None
        self.log.close()
        return code

    def kill(self):
        """SIGKILL: a crash."""
        self.process.kill()
        self.process.wait()
        self.process = None
        self.log.close()

    def logs(self):
        with open(self.log_path) as f:
            return f.read()

    def client(self):
        return PyDruid(self.url, "druid/v2")

    def post(self, body, content_type="application/json"):
        """POSTs raw bytes to /druid/v2; returns (status, parsed JSON body)."""
        request = urllib.request.Request(self.url + "/druid/v2", data=body, headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def get(self, path):
        with urllib.request.urlopen(self.url + path, timeout=30) as response:
            return response.status, response.headers["Content-Type"], json.loads(response.read())

    def total_events(self):
        status, body = self.post(json.dumps({
            "queryType": "timeseries", "dataSource": DATASOURCE, "granularity": "all", "intervals": [INTERVAL],
            "aggregations": [{"type": "longSum", "name": "events", "fieldName": "count"}],
        }).encode())
        assert status == 200, body
        return body[0]["result"]["events"] if body else 0

    def wait_for_total(self, expected, timeout=180):
        deadline = time.time() + timeout
        total = None
        while time.time() < deadline:
            total = self.total_events()
            if total >= expected:
                return total
            time.sleep(0.2)
        raise AssertionError(f"store has {total} events after {timeout}s, expected {expected}; see {self.log_path}")


@pytest.fixture
def serve(nagare_bin, broker, tmp_path):
    s = Serve(nagare_bin, broker, tmp_path / "store", ["--max-body-bytes", "65536"])
    yield s
    if s.process is not None:
        assert s.stop() == 0, s.logs()


def group_offsets_reach_log_end(bootstrap):
    """The store's group offsets (mirrored for lag tools) equal each partition's end offset: past
    the last transaction marker, so a lag tool shows zero."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP, "enable.auto.commit": False})
    try:
        partitions = consumer.list_topics(TOPIC, timeout=10).topics[TOPIC].partitions
        tps = [TopicPartition(TOPIC, p) for p in partitions]
        committed = {tp.partition: tp.offset for tp in consumer.committed(tps, timeout=10)}
        ends = {tp.partition: consumer.get_watermark_offsets(tp, timeout=10)[1] for tp in tps}
        return committed, ends
    finally:
        consumer.close()


def test_pydruid_queries_equal_reference(broker, serve):
    events = make_events(6_000, seed=6)
    # Eight transactions; the 3rd and 6th are aborted and must never be counted.
    chunks = [events[i:i + 750] for i in range(0, len(events), 750)]
    transactions = [(chunk, i not in (2, 5)) for i, chunk in enumerate(chunks)]
    # The topic does not exist yet: serve must wait for it, then read it.
    serve.start()
    committed = produce_transactions(broker.bootstrap, transactions, "test-store-pydruid")
    assert len(committed) == 4_500

    # Malformed records (committed) are counted and skipped, not fatal.
    p = Producer({"bootstrap.servers": broker.bootstrap})
    for value in [b"not json", b"[1,2]", json.dumps({"site_name": "no timestamp"}).encode()]:
        p.produce(TOPIC, value=value)
    p.flush(30)
    # One more good event after the bad ones proves ingestion went on.
    tail = make_events(1, seed=99)
    p.produce(TOPIC, value=json.dumps(tail[0]).encode())
    p.flush(30)
    committed += tail

    assert serve.wait_for_total(len(committed)) == len(committed)
    time.sleep(1)  # nothing more arrives: aborted records are not counted late
    assert serve.total_events() == len(committed)
    assert "topic 'events.enriched' does not exist yet; waiting for it" in serve.logs()
    assert "malformed" in serve.logs()

    client = serve.client()

    # timeseries per minute, filtered on country, with sums and distinct users.
    us = [e for e in committed if e["country"] == "US"]
    ref_count, ref_revenue, ref_users = Counter(), defaultdict(float), defaultdict(set)
    for e in us:
        m = minute_of(e)
        ref_count[m] += 1
        ref_revenue[m] += e["revenue"]
        ref_users[m].add(e["user_id"])
    ts = client.timeseries(
        datasource=DATASOURCE, granularity="minute", intervals=INTERVAL,
        filter=Dimension("country") == "US",
        aggregations={"events": longsum("count"), "revenue": doublesum("revenue"), "users": hyperunique("users")},
        context={"skipEmptyBuckets": True})
    got = {row["timestamp"]: row["result"] for row in ts.result}
    assert set(got) == set(ref_count)
    for minute, result in got.items():
        assert result["events"] == ref_count[minute], minute
        assert result["revenue"] == pytest.approx(ref_revenue[minute], rel=1e-9, abs=1e-6), minute
        assert abs(result["users"] - len(ref_users[minute])) <= 0.03 * len(ref_users[minute]) + 1, minute

    # topN: sites by events among mobile or tablet users, top 3.
    subset = [e for e in committed if e["device"] in ("mobile", "tablet")]
    ref_sites = Counter(e["site_name"] for e in subset)
    topn = client.topn(
        datasource=DATASOURCE, granularity="all", intervals=INTERVAL, dimension="site_name",
        metric="events", threshold=3,
        filter=(Dimension("device") == "mobile") | (Dimension("device") == "tablet"),
        aggregations={"events": longsum("count"), "revenue": doublesum("revenue")})
    rows = topn.result[0]["result"]
    assert [(r["site_name"], r["events"]) for r in rows] == ref_sites.most_common(3)
    for r in rows:
        expected = sum(e["revenue"] for e in subset if e["site_name"] == r["site_name"])
        assert r["revenue"] == pytest.approx(expected, rel=1e-9)

    # groupBy country × device, filtered with and/not/in, with distinct users overall.
    subset = [e for e in committed if e["category"] == "sports" and e["country"] != "FR"
              and e["browser"] in ("chrome", "safari")]
    ref_groups = Counter((e["country"], e["device"]) for e in subset)
    ref_group_revenue = defaultdict(float)
    for e in subset:
        ref_group_revenue[(e["country"], e["device"])] += e["revenue"]
    group = client.groupby(
        datasource=DATASOURCE, granularity="all", intervals=INTERVAL, dimensions=["country", "device"],
        filter=(Dimension("category") == "sports") & ~(Dimension("country") == "FR")
        & Filter(type="in", dimension="browser", values=["chrome", "safari"]),
        aggregations={"events": longsum("count"), "revenue": doublesum("revenue"), "users": hyperunique("users")})
    got = {(r["event"]["country"], r["event"]["device"]): r["event"] for r in group.result}
    assert set(got) == set(ref_groups)
    for key, event in got.items():
        assert event["events"] == ref_groups[key], key
        assert event["revenue"] == pytest.approx(ref_group_revenue[key], rel=1e-9), key
        distinct = len({e["user_id"] for e in subset if (e["country"], e["device"]) == key})
        assert abs(event["users"] - distinct) <= 0.03 * distinct + 1, key

    # Distinct users over everything: thousands of values, within HLL's error.
    total = client.timeseries(datasource=DATASOURCE, granularity="all", intervals=INTERVAL,
                              aggregations={"users": hyperunique("users")})
    distinct = len({e["user_id"] for e in committed})
    assert abs(total.result[0]["result"]["users"] - distinct) <= 0.03 * distinct

    # Offsets: the group mirrors the store's and reaches the end of each partition's log.
    deadline = time.time() + 15
    while True:
        committed_offsets, ends = group_offsets_reach_log_end(broker.bootstrap)
        if committed_offsets == ends or time.time() > deadline:
            break
        time.sleep(0.3)
    assert committed_offsets == ends


def test_metadata_routes(broker, serve):
    serve.start()
    assert serve.get("/status/health") == (200, "application/json", True)
    assert serve.get("/druid/v2/datasources") == (200, "application/json", [DATASOURCE])
    status, content_type, body = serve.get("/druid/v2/datasources/" + DATASOURCE)
    assert (status, content_type) == (200, "application/json")
    assert body == {
        "dimensions": ["site_name", "category", "account", "country", "device", "browser", "os", "sport"],
        "metrics": ["count", "revenue", "users"],
    }


def test_bad_requests_are_clear_and_server_keeps_serving(broker, serve):
    serve.start()
    good = json.dumps({"queryType": "timeseries", "dataSource": DATASOURCE, "granularity": "all",
                       "intervals": [INTERVAL], "aggregations": [{"type": "count", "name": "rows"}]}).encode()
    cases = [
        (b'{"queryType": "timeseries", "dataSource": ', 400, "Invalid query", "not valid JSON"),
        (json.dumps({"queryType": "timeseries", "dataSource": "clicks", "granularity": "all",
                     "intervals": [INTERVAL], "aggregations": []}).encode(), 400, "Unknown datasource", "clicks"),
        (json.dumps({"queryType": "groupBy", "dataSource": DATASOURCE, "granularity": "all", "intervals": [INTERVAL],
                     "dimensions": ["planet"], "aggregations": [{"type": "count", "name": "rows"}]}).encode(),
         400, "Invalid query", "planet"),
        (json.dumps({"queryType": "timeseries", "dataSource": DATASOURCE, "granularity": "all",
                     "intervals": [INTERVAL], "filter": {"type": "selector", "dimension": "colour", "value": "red"},
                     "aggregations": [{"type": "count", "name": "rows"}]}).encode(), 400, "Invalid query", "colour"),
        (b'{"pad": "' + b"x" * 70_000 + b'"}', 413, "Request too large", "65536 bytes"),
    ]
    for body, status, error, mention in cases:
        got_status, got = serve.post(body)
        assert got_status == status, got
        assert got["error"] == error
        assert mention in got["errorMessage"], got["errorMessage"]
        # The server keeps serving after each.
        assert serve.post(good) == (200, [])
    assert serve.process.poll() is None
    # pydruid surfaces the message too.
    with pytest.raises(IOError, match="planet"):
        serve.client().groupby(datasource=DATASOURCE, granularity="all", intervals=INTERVAL,
                               dimensions=["planet"], aggregations={"events": longsum("count")})


def test_sigkill_during_ingestion_neither_loses_nor_double_counts(nagare_bin, broker, tmp_path):
    events = make_events(200_000, seed=2024, minutes=120)
    chunks = [events[i:i + 4_000] for i in range(0, len(events), 4_000)]
    # Every 5th transaction is aborted.
    transactions = [(chunk, i % 5 != 3) for i, chunk in enumerate(chunks)]
    reference = Counter(minute_of(e) for e, ok in
                        ((e, ok) for chunk, ok in transactions for e in chunk) if ok)
    expected_total = sum(reference.values())

    result = {}

    def produce():
        # Paced (~15 s in all), so that ingestion is still going on when the kills come, however
        # fast the machine is.
        result["committed"] = produce_transactions(broker.bootstrap, transactions, "test-store-crash", pause=0.3)

    producer = threading.Thread(target=produce)
    producer.start()
    serve = Serve(nagare_bin, broker, tmp_path / "store")
    rng = random.Random(5)
    seen_at_kill = []
    try:
        for _ in range(5):
            serve.start()
            before = serve.total_events()
            # Kill while ingestion is moving: after it has made some progress since the start.
            deadline = time.time() + 60
            while serve.total_events() <= before and time.time() < deadline:
                time.sleep(0.05)
            time.sleep(rng.uniform(0.3, 2.0))
            total = serve.total_events()
            serve.kill()
            seen_at_kill.append(total)
        producer.join(timeout=600)
        assert not producer.is_alive()
        assert len(result["committed"]) == expected_total
        serve.start()
        serve.wait_for_total(expected_total, timeout=300)
        time.sleep(1)
        # At least three kills came while ingestion was in progress (pacing normally gives five),
        # and ingestion progressed between kills.
        assert sum(t < expected_total for t in seen_at_kill) >= 3, seen_at_kill
        assert seen_at_kill == sorted(seen_at_kill)
        status, body = serve.post(json.dumps({
            "queryType": "timeseries", "dataSource": DATASOURCE, "granularity": "minute", "intervals": [INTERVAL],
            "aggregations": [{"type": "longSum", "name": "events", "fieldName": "count"}],
            "context": {"skipEmptyBuckets": True}}).encode())
        assert status == 200, body
        got = {row["timestamp"]: row["result"]["events"] for row in body}
        assert got == dict(reference)
        assert sum(got.values()) == expected_total
        assert serve.stop() == 0, serve.logs()
    finally:
        if serve.process is not None:
            serve.kill()
        producer.join(timeout=60)


def test_druid_spec_is_json_with_read_committed(nagare_bin):
    out = subprocess.run([nagare_bin, "druid-spec", "--config", DATASOURCE_YML, "--brokers", "kafka:9092"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    spec = json.loads(out.stdout)
    assert spec["type"] == "kafka"
    io = spec["spec"]["ioConfig"]
    assert io["topic"] == TOPIC
    assert io["consumerProperties"] == {"bootstrap.servers": "kafka:9092", "isolation.level": "read_committed"}
    schema = spec["spec"]["dataSchema"]
    assert schema["dataSource"] == DATASOURCE
    assert schema["dimensionsSpec"]["dimensions"][0] == "site_name"
    assert schema["granularitySpec"]["queryGranularity"] == "minute"
    assert {m["type"] for m in schema["metricsSpec"]} == {"count", "doubleSum", "hyperUnique"}


def test_serve_refuses_remote_address_without_a_token(nagare_bin, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NAGARE_AUTH_TOKEN"}
    out = subprocess.run([nagare_bin, "serve", "--config", DATASOURCE_YML, "--http", "0.0.0.0:8080",
                          "--data-dir", str(tmp_path / "s")], capture_output=True, text=True, timeout=30, env=env)
    assert out.returncode != 0
    assert "--http 0.0.0.0:8080 is not loopback: set --auth-token or NAGARE_AUTH_TOKEN" in out.stderr
