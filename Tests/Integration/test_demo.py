"""`nagare demo`: the broker, the example pipeline, the store and the generator as real processes.

The main test runs the demo for about 70 s with the pipeline restarted every 10 s, then checks,
by querying the store itself, that every event-time minute holds exactly the generator's count of
distinct valid events (no dip from a lost batch, no spike from a duplicate or a batch applied
twice). The generator sends ~3% duplicates, so a pipeline or store that counted a record twice
would fail it, as would one that lost the batch in flight at a restart.
"""
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from conftest import ROOT

EXAMPLE_DIR = os.path.join(ROOT, "examples", "access-logs")


class Demo:
    """A `nagare demo` process whose standard output goes to a file that is read as it grows."""

    def __init__(self, nagare_bin, data_dir, *args):
        self.data_dir = str(data_dir)
        self.out_path = self.data_dir + "-demo.out"
        self.out = open(self.out_path, "w")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [nagare_bin, "demo", "--data-dir", self.data_dir, "--http", "127.0.0.1:0",
             "--broker-listen", "127.0.0.1:0", "--example-dir", EXAMPLE_DIR, *args],
            stdout=self.out, stderr=subprocess.STDOUT, text=True)

    def output(self):
        with open(self.out_path) as f:
            return f.read()

    def wait_for(self, pattern, timeout):
        """The first match of `pattern` in the output; fails if the demo exits first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.output(), re.M)
            if m:
                return m
            if self.proc.poll() is not None:
                pytest.fail(f"demo exited with {self.proc.returncode} before /{pattern}/:\n{self.output()}")
            time.sleep(0.2)
        pytest.fail(f"no /{pattern}/ within {timeout} s:\n{self.output()}")

    def stop(self, sig=signal.SIGINT, timeout=90):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                pytest.fail(f"demo did not stop within {timeout} s of {sig!r}:\n{self.output()}")
        self.out.close()
        return self.proc.returncode


def druid(url, query):
    request = urllib.request.Request(url + "/druid/v2", data=json.dumps(query).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


ALL_TIME = ["2000-01-01T00:00:00Z/2100-01-01T00:00:00Z"]
EVENTS = [{"type": "longSum", "name": "events", "fieldName": "count"}]


def store_minutes(url):
    rows = druid(url, {"queryType": "timeseries", "dataSource": "access-logs", "granularity": "minute",
                       "intervals": ALL_TIME, "aggregations": EVENTS})
    return {r["timestamp"]: r["result"]["events"] for r in rows if r["result"]["events"]}


def top_values(url, dimension):
    rows = druid(url, {"queryType": "topN", "dataSource": "access-logs", "granularity": "all",
                       "intervals": ALL_TIME, "dimension": dimension, "metric": "events",
                       "threshold": 100, "aggregations": EVENTS})
    return {r[dimension] for r in rows[0]["result"]} if rows else set()


def assert_store_equals_generator(url, counts):
    stored = store_minutes(url)
    differing = {m: (stored.get(m, 0), counts["minutes"].get(m, 0))
                 for m in set(stored) | set(counts["minutes"]) if stored.get(m) != counts["minutes"].get(m)}
    assert not differing, f"minute: (store, generator) differ: {sorted(differing.items())}"


@pytest.fixture
def demo_processes():
    demos = []
    yield demos
    for d in demos:
        if d.proc.poll() is None:
            d.stop(signal.SIGTERM)


def test_demo_shows_live_data_and_exact_minutes_across_restarts(nagare_bin, tmp_path, demo_processes):
    demo = Demo(nagare_bin, tmp_path / "demo", "--rate", "500", "--restart-every", "10",
                "--duration", "70", "--keep-running")
    demo_processes.append(demo)
    url = demo.wait_for(r"^dashboard (http://\S+)/$", 30).group(1)

    # Live data within 30 s of the start.
    total = 0
    while time.monotonic() - demo.started < 30:
        rows = druid(url, {"queryType": "timeseries", "dataSource": "access-logs", "granularity": "all",
                           "intervals": ALL_TIME, "aggregations": EVENTS})
        total = rows[0]["result"]["events"] if rows else 0
        if total > 0:
            break
        time.sleep(0.5)
    assert total > 0, f"no events in the store 30 s after start:\n{demo.output()}"
    # The printed dashboard URL serves the dashboard page.
    with urllib.request.urlopen(url + "/", timeout=10) as response:
        assert response.status == 200
        assert "text/html" in response.headers.get("Content-Type", "")

    # The generator stops after --duration; the demo then waits for the store to catch up and
    # keeps everything running (--keep-running) so that this test can ask the store itself.
    demo.wait_for(r"keep running; Ctrl-C to stop", 70 + 150)
    with open(tmp_path / "demo" / "generator-counts.json") as f:
        counts = json.load(f)
    assert counts["running"] is False
    assert len(counts["minutes"]) >= 2
    assert sum(counts["minutes"].values()) == counts["events"]
    # The generator really sent what the check is about: duplicates, late and malformed records.
    assert counts["duplicates"] > 100 and counts["late"] > 50 and counts["malformed"] > 5, counts
    assert counts["records"] == counts["events"] + counts["duplicates"] + counts["malformed"]

    assert_store_equals_generator(url, counts)
    assert "store matches the generator" in demo.output()

    restarts = re.findall(r"^restart (\d+): pipeline stopped with SIGTERM \(exit (\d+)", demo.output(), re.M)
    assert len(restarts) >= 5, demo.output()
    assert all(code == "0" for _, code in restarts), restarts

    # The events are spread the way the generator says: many countries, every kind of device,
    # known and unknown sites.
    assert len(top_values(url, "country") - {"unknown"}) >= 10
    assert {"mobile", "desktop", "tablet", "bot"} <= top_values(url, "device")
    sites = top_values(url, "site_name")
    assert "unknown" in sites and len(sites) >= 15

    assert demo.stop(signal.SIGINT) == 0, demo.output()
    assert "stopped pipeline (exit 0), store (exit 0), broker (exit 0)" in demo.output()


def test_demo_counts_stay_exact_when_restarts_alternate_sigterm_and_sigkill(nagare_bin, tmp_path, demo_processes):
    demo = Demo(nagare_bin, tmp_path / "demo", "--rate", "400", "--restart-every", "8",
                "--restart-signal", "alternate", "--duration", "45", "--keep-running")
    demo_processes.append(demo)
    url = demo.wait_for(r"^dashboard (http://\S+)/$", 30).group(1)
    demo.wait_for(r"keep running; Ctrl-C to stop", 45 + 150)
    with open(tmp_path / "demo" / "generator-counts.json") as f:
        counts = json.load(f)
    assert counts["running"] is False and counts["duplicates"] > 50
    assert_store_equals_generator(url, counts)
    restarts = re.findall(r"^restart \d+: pipeline stopped with (SIGTERM|SIGKILL) \(exit (\d+)", demo.output(), re.M)
    assert ("SIGTERM", "0") in restarts and ("SIGKILL", "137") in restarts, demo.output()
    assert len(restarts) >= 4 and set(restarts) <= {("SIGTERM", "0"), ("SIGKILL", "137")}, restarts
    assert demo.stop(signal.SIGINT) == 0, demo.output()


def test_demo_stops_everything_on_ctrl_c(nagare_bin, tmp_path, demo_processes):
    demo = Demo(nagare_bin, tmp_path / "demo", "--rate", "200", "--restart-every", "0")
    demo_processes.append(demo)
    broker = demo.wait_for(r"^broker +(\S+):(\d+)", 30)
    url = demo.wait_for(r"^dashboard (http://\S+)/$", 30).group(1)
    port = int(broker.group(2))
    time.sleep(3)
    assert demo.stop(signal.SIGINT, timeout=60) == 0, demo.output()
    out = demo.output()
    assert "stopped pipeline (exit 0), store (exit 0), broker (exit 0)" in out, out
    assert re.search(r"^generator stopped: \d+ distinct events", out, re.M), out
    # Nothing is left listening: the children are gone, not orphaned.
    for address in [("127.0.0.1", port), ("127.0.0.1", int(url.rsplit(":", 1)[1]))]:
        with pytest.raises(OSError):
            socket.create_connection(address, timeout=2).close()


def test_children_stop_themselves_when_the_demo_is_killed(nagare_bin, tmp_path, demo_processes):
    # SIGKILL gives the demo no chance to stop its children; each child notices that its parent
    # is gone and stops as on SIGTERM, so nothing keeps running or listening.
    demo = Demo(nagare_bin, tmp_path / "demo", "--rate", "200", "--restart-every", "0")
    demo_processes.append(demo)
    broker = demo.wait_for(r"^broker +(\S+):(\d+)", 30)
    url = demo.wait_for(r"^dashboard (http://\S+)/$", 30).group(1)
    time.sleep(2)
    children = subprocess.run(["pgrep", "-P", str(demo.proc.pid)], capture_output=True, text=True).stdout.split()
    assert len(children) >= 3, children
    demo.proc.kill()
    demo.proc.wait()
    deadline = time.monotonic() + 30
    alive = children
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if os.path.exists(f"/proc/{pid}") and
                 open(f"/proc/{pid}/stat").read().split()[2] != "Z"]
        time.sleep(0.2)
    assert not alive, "children still running 30 s after the demo was killed: " + "; ".join(
        open(f"/proc/{pid}/cmdline").read().replace("\0", " ") for pid in alive)
    for address in [("127.0.0.1", int(broker.group(2))), ("127.0.0.1", int(url.rsplit(":", 1)[1]))]:
        with pytest.raises(OSError):
            socket.create_connection(address, timeout=2).close()


@pytest.mark.parametrize("args, message", [
    (["--example-dir", "/nonexistent/example"], "/nonexistent/example/pipeline.yml does not exist"),
    (["--rate=-5"], "--rate: must be between"),
    (["--restart-every", "0.5"], "--restart-every: must be 0 (never) or at least 1 second"),
    (["--keep-running"], "--keep-running needs --duration"),
    (["--restart-signal", "hup"], "--restart-signal: 'hup' is not one of terminate, kill, alternate"),
    (["--broker-listen", "10.1.2.3:9092"], "--broker-listen: 10.1.2.3 is not a loopback address"),
])
def test_demo_bad_options_name_what_is_wrong(nagare_bin, tmp_path, args, message):
    result = subprocess.run([nagare_bin, "demo", "--data-dir", str(tmp_path / "d"), "--http", "127.0.0.1:0",
                             "--broker-listen", "127.0.0.1:0", *args],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert "Fatal error" not in result.stderr


def test_demo_names_the_child_that_could_not_start(nagare_bin, tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    try:
        result = subprocess.run([nagare_bin, "demo", "--data-dir", str(tmp_path / "d"), "--http", f"127.0.0.1:{port}",
                                 "--broker-listen", "127.0.0.1:0", "--example-dir", EXAMPLE_DIR],
                                capture_output=True, text=True, timeout=120)
    finally:
        busy.close()
    assert result.returncode == 1
    assert "nagare serve exited with status 1" in result.stderr and "Address already in use" in result.stderr, result.stderr
    # What had started is stopped again, in order.
    assert "stopped pipeline (exit 0), store (exit 1), broker (exit 0)" in result.stdout, result.stdout
