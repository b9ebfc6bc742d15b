"""Prometheus `/metrics` and the HTTP auth token (issue 7), against `nagare broker`:

- `nagare serve` and `nagare run --status` serve `/metrics` that prometheus_client's parser
  reads, with the expected families, and whose counters match the events that flowed (and the
  JSON `/status` of the same run);
- bound to 0.0.0.0 with a token, every request but `GET /status/health` needs it (header or
  `?token=`): without it or with a wrong one the answer is 401 with `WWW-Authenticate: Bearer`;
- bound to 0.0.0.0 without a token, both commands refuse to start and name the flag.
"""
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

from confluent_kafka import Producer
from prometheus_client.parser import text_string_to_metric_families

from test_pipeline_exactly_once import PIPELINE
from test_run_status import StatusRun, drained
from test_store import DATASOURCE, DATASOURCE_YML, TOPIC as ENRICHED, Serve, make_events, produce_transactions

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "clients"))
import access_log_events as gen  # noqa: E402

TOKEN = "t0k-3n_for.tests"


def get(url, headers=None):
    """(status, headers, body text) of a GET, also for 4xx answers."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def scrape(url, headers=None):
    """The families of `url`/metrics by name, as Prometheus's Python parser reads them."""
    status, response_headers, text = get(url + "/metrics", headers)
    assert status == 200, text
    assert response_headers["Content-Type"].startswith("text/plain; version=0.0.4"), response_headers["Content-Type"]
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert families, text
    return families, text


def value(families, family, sample=None, **labels):
    """The value of the one sample of `family` named `sample` (default: the family's own name,
    or `_total` for a counter) whose labels include `labels`."""
    f = families[family]
    name = sample or (family + "_total" if f.type == "counter" else family)
    found = [s.value for s in f.samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    assert len(found) == 1, (family, name, labels, f.samples)
    return found[0]


def check_histogram(families, family, **labels):
    """Cumulative buckets ending at +Inf == _count; returns the count."""
    f = families[family]
    assert f.type == "histogram", f.type
    buckets = [(float(s.labels["le"]), s.value) for s in f.samples
               if s.name == family + "_bucket" and all(s.labels.get(k) == v for k, v in labels.items())]
    assert buckets and buckets[-1][0] == float("inf"), buckets
    assert [b for b, _ in buckets] == sorted(b for b, _ in buckets)
    counts = [c for _, c in buckets]
    assert counts == sorted(counts), f"buckets are not cumulative: {buckets}"
    count = value(families, family, family + "_count", **labels)
    assert counts[-1] == count
    assert value(families, family, family + "_sum", **labels) >= 0
    return count


def without_token_env():
    return {k: v for k, v in os.environ.items() if k != "NAGARE_AUTH_TOKEN"}


def test_serve_metrics_count_the_events_that_flowed(nagare_bin, broker, tmp_path):
    serve = Serve(nagare_bin, broker, tmp_path / "store").start()
    try:
        families, text = scrape(serve.url)
        assert "# TYPE nagare_store_events_ingested_total counter" in text
        for name, kind in [
            ("nagare_store_events_ingested", "counter"), ("nagare_store_events_malformed", "counter"),
            ("nagare_store_rows_written", "counter"), ("nagare_store_ingest_batches", "counter"),
            ("nagare_store_ingest_retries", "counter"), ("nagare_store_batch_duration_seconds", "histogram"),
            ("nagare_store_commit_duration_seconds", "histogram"), ("nagare_store_consumer_lag_events", "gauge"),
            ("nagare_store_waiting_for_topic", "gauge"), ("nagare_process_start_time_seconds", "gauge"),
        ]:
            assert families[name].type == kind, (name, families[name].type)
        assert value(families, "nagare_store_events_ingested", datasource=DATASOURCE) == 0
        started = value(families, "nagare_process_start_time_seconds")
        assert time.time() - 120 < started <= time.time()

        events = make_events(3000, seed=71)
        committed = produce_transactions(broker.bootstrap, [(events[:1500], True), (events[1500:], True)], "metrics-test")
        # One malformed record, outside any transaction.
        p = Producer({"bootstrap.servers": broker.bootstrap})
        p.produce(ENRICHED, value=b"{not json")
        p.flush(30)
        assert serve.wait_for_total(len(committed)) == len(committed)

        deadline = time.time() + 60
        while True:
            families, _ = scrape(serve.url)
            lag = [s for s in families["nagare_store_consumer_lag_events"].samples if s.labels["datasource"] == DATASOURCE]
            malformed = value(families, "nagare_store_events_malformed", datasource=DATASOURCE)
            if lag and all(s.value == 0 for s in lag) and malformed == 1:
                break
            assert time.time() < deadline, (lag, malformed)
            time.sleep(0.5)
        assert {s.labels["topic"] for s in lag} == {ENRICHED}
        assert value(families, "nagare_store_events_ingested", datasource=DATASOURCE) == len(committed)
        assert 0 < value(families, "nagare_store_rows_written", datasource=DATASOURCE) <= len(committed)
        batches = value(families, "nagare_store_ingest_batches", datasource=DATASOURCE)
        assert batches >= 1
        assert check_histogram(families, "nagare_store_batch_duration_seconds", datasource=DATASOURCE) == batches
        assert check_histogram(families, "nagare_store_commit_duration_seconds", datasource=DATASOURCE) == batches
        assert value(families, "nagare_store_waiting_for_topic", datasource=DATASOURCE) == 0
        assert value(families, "nagare_process_start_time_seconds") == started
    finally:
        assert serve.stop() == 0, serve.logs()[-3000:]


def test_run_metrics_match_status_and_events(nagare_bin, broker, tmp_path):
    b = broker.bootstrap
    records = gen.produce(b, gen.generate(3000, seed=72))
    run = StatusRun(nagare_bin, b, tmp_path)
    url = "http://" + run.address
    try:
        s = run.wait_status(lambda s: drained(s) and s["totals"]["inputRecords"] == len(records))
        families, text = scrape(url)
        labels = {"pipeline": "access-logs", "instance": "1"}
        totals = s["totals"]
        for family, expected in [
            ("nagare_pipeline_events_in", len(records)),
            ("nagare_pipeline_events_out", totals["outputRecords"]),
            ("nagare_pipeline_duplicates", totals["duplicates"]),
            ("nagare_pipeline_filtered", totals["filtered"]),
            ("nagare_pipeline_dead_letters", totals["deadLetters"]),
            ("nagare_pipeline_late_events", totals["lateEvents"]),
            ("nagare_pipeline_window_results", totals["windowResults"]),
            ("nagare_pipeline_batches", totals["batches"]),
            ("nagare_pipeline_aborted_batches", 0),
        ]:
            assert families[family].type == "counter", family
            assert value(families, family, **labels) == expected, (family, expected, text)
        # The generator writes duplicates and invalid events, so those counters moved.
        assert totals["duplicates"] > 0 and totals["deadLetters"] > 0 and totals["outputRecords"] > 0, totals
        batches = totals["batches"]
        assert check_histogram(families, "nagare_pipeline_batch_duration_seconds", **labels) == batches
        # Every committed batch called commit once; an idle poll commits nothing.
        assert check_histogram(families, "nagare_pipeline_commit_duration_seconds", **labels) == batches
        # One task restored per assigned partition at start; at least one assignment.
        assert value(families, "nagare_pipeline_task_restores", **labels) == gen.PARTITIONS
        assert value(families, "nagare_pipeline_rebalances", **labels) >= 1
        assert value(families, "nagare_pipeline_assigned_partitions", **labels) == gen.PARTITIONS
        lag = families["nagare_pipeline_consumer_lag_events"].samples
        assert sorted(int(x.labels["partition"]) for x in lag) == list(range(gen.PARTITIONS))
        assert all(x.value == 0 and x.labels["topic"] == gen.TOPIC for x in lag), lag
        assert time.time() - 300 < value(families, "nagare_process_start_time_seconds") <= time.time()

        # More events: the counters move by exactly that many.
        more = gen.produce(b, gen.generate(500, seed=73), create=False)
        run.wait_status(lambda s: drained(s) and s["totals"]["inputRecords"] == len(records) + len(more))
        families, _ = scrape(url)
        assert value(families, "nagare_pipeline_events_in", **labels) == len(records) + len(more)
        assert value(families, "nagare_pipeline_batches", **labels) > batches
    finally:
        run.kill()


def assert_refused(url, headers=None):
    status, response_headers, body = get(url, headers)
    assert status == 401, (url, headers, status, body)
    assert response_headers["WWW-Authenticate"].startswith("Bearer"), response_headers
    assert response_headers["Content-Type"] == "application/json"
    assert json.loads(body)["error"] == "Unauthorized"


def test_serve_on_all_interfaces_needs_the_token(nagare_bin, broker, tmp_path):
    log = open(tmp_path / "serve.log", "w")
    p = subprocess.Popen(
        [nagare_bin, "serve", "--config", DATASOURCE_YML, "--brokers", broker.bootstrap, "--http", "0.0.0.0:0",
         "--data-dir", str(tmp_path / "store"), "--auth-token", TOKEN],
        stdout=subprocess.PIPE, stderr=log, text=True, env=without_token_env())
    try:
        line = p.stdout.readline().strip()
        assert line.startswith("serving http://0.0.0.0:"), line
        base = "http://127.0.0.1:" + line.rsplit(":", 1)[1]
        bearer = {"Authorization": "Bearer " + TOKEN}
        for path in ["/metrics", "/druid/v2/datasources", "/", "/api/live", "/no-such-page"]:
            assert_refused(base + path)
            assert_refused(base + path, {"Authorization": "Bearer wrong"})
            assert_refused(base + path + "?token=wrong")
            assert_refused(base + path, {"Authorization": "Bearer " + TOKEN[:-1]})
        # A Druid query without the token is refused before it is read.
        request = urllib.request.Request(base + "/druid/v2", data=b"{}", headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(request, timeout=30)
            raise AssertionError("POST /druid/v2 without a token was answered")
        except urllib.error.HTTPError as e:
            assert e.code == 401
        # With the token in the header or the query: answered.
        status, _, body = get(base + "/druid/v2/datasources", bearer)
        assert (status, json.loads(body)) == (200, [DATASOURCE])
        status, headers, body = get(base + "/druid/v2/datasources?token=" + TOKEN)
        assert (status, json.loads(body)) == (200, [DATASOURCE])
        # The link's token becomes a cookie, so the page's own requests carry it.
        cookie = headers["Set-Cookie"]
        assert cookie.startswith(f"nagare_token={TOKEN};") and "HttpOnly" in cookie and "SameSite=Strict" in cookie, cookie
        status, _, body = get(base + "/druid/v2/datasources", {"Cookie": f"nagare_token={TOKEN}"})
        assert (status, json.loads(body)) == (200, [DATASOURCE])
        assert_refused(base + "/druid/v2/datasources", {"Cookie": "nagare_token=wrong"})
        assert "Set-Cookie" not in get(base + "/druid/v2/datasources", bearer)[1]
        families, _ = scrape(base, bearer)
        assert "nagare_store_events_ingested" in families
        status, _, _ = get(base + "/", bearer)
        assert status == 200
        # Health needs nothing.
        status, _, body = get(base + "/status/health")
        assert (status, body) == (200, "true")
    finally:
        p.terminate()
        assert p.wait(timeout=30) == 0
        log.close()


def test_run_status_on_all_interfaces_needs_the_token(nagare_bin, broker, tmp_path):
    env = without_token_env()
    env["NAGARE_AUTH_TOKEN"] = TOKEN
    log = open(tmp_path / "run.log", "w")
    p = subprocess.Popen(
        [nagare_bin, "run", PIPELINE, "--brokers", broker.bootstrap,
         "--status", "0.0.0.0:0"],
        stdout=subprocess.PIPE, stderr=log, text=True, env=env)
    try:
        line = p.stdout.readline().strip()
        assert line.startswith("status http://0.0.0.0:"), line
        base = "http://127.0.0.1:" + line.rsplit(":", 1)[1]
        for path in ["/status", "/metrics"]:
            assert_refused(base + path)
            assert_refused(base + path, {"Authorization": "Bearer wrong"})
        # POST /stop without the token is refused and the run goes on.
        request = urllib.request.Request(base + "/stop", data=b"", method="POST")
        try:
            urllib.request.urlopen(request, timeout=30)
            raise AssertionError("POST /stop without a token was answered")
        except urllib.error.HTTPError as e:
            assert e.code == 401
        time.sleep(1)
        assert p.poll() is None
        status, _, body = get(base + "/status", {"Authorization": "Bearer " + TOKEN})
        assert status == 200 and json.loads(body)["pipeline"] == "access-logs"
        status, _, body = get(base + "/metrics?token=" + TOKEN)
        assert status == 200 and "nagare_pipeline_events_in_total" in body
        assert get(base + "/status/health")[0] == 200
        # `nagare stop` sends the token from NAGARE_AUTH_TOKEN; without it, it says what is missing.
        address = base.removeprefix("http://")
        out = subprocess.run([nagare_bin, "stop", "--status", address], capture_output=True, text=True, timeout=30,
                             env=without_token_env())
        assert out.returncode != 0 and "refused POST /stop without its token" in out.stderr, out.stderr
        assert p.poll() is None
        out = subprocess.run([nagare_bin, "stop", "--status", address], capture_output=True, text=True, timeout=30,
                             env=env)
        assert out.returncode == 0, out.stderr
        assert p.wait(timeout=60) == 0
    finally:
        if p.poll() is None:
            p.terminate()
            p.wait(timeout=60)
        log.close()


def test_all_interfaces_without_a_token_refuse_to_start(nagare_bin, tmp_path):
    env = without_token_env()
    out = subprocess.run([nagare_bin, "serve", "--config", DATASOURCE_YML, "--http", "0.0.0.0:8080",
                          "--data-dir", str(tmp_path / "s")], capture_output=True, text=True, timeout=30, env=env)
    assert out.returncode != 0
    assert "--http 0.0.0.0:8080 is not loopback: set --auth-token or NAGARE_AUTH_TOKEN" in out.stderr, out.stderr
    out = subprocess.run([nagare_bin, "run", PIPELINE, "--status", "0.0.0.0:0"],
                         capture_output=True, text=True, timeout=30, env=env)
    assert out.returncode != 0
    assert "--status 0.0.0.0:0 is not loopback: set --auth-token or NAGARE_AUTH_TOKEN" in out.stderr, out.stderr
    # An empty NAGARE_AUTH_TOKEN is no token.
    env["NAGARE_AUTH_TOKEN"] = ""
    out = subprocess.run([nagare_bin, "serve", "--config", DATASOURCE_YML, "--http", "0.0.0.0:8080",
                          "--data-dir", str(tmp_path / "s")], capture_output=True, text=True, timeout=30, env=env)
    assert out.returncode != 0 and "is not loopback" in out.stderr, out.stderr
    for bad in ["has space", "semi;colon", "quote\""]:
        out = subprocess.run([nagare_bin, "serve", "--config", DATASOURCE_YML, "--auth-token", bad,
                              "--data-dir", str(tmp_path / "s")], capture_output=True, text=True, timeout=30, env=env)
        assert out.returncode != 0 and "--auth-token may only hold letters, digits and -._~+/=" in out.stderr, out.stderr
