"""`nagare run --status` (issue 5, operations), `nagare stop` and `nagare run --allow-reset`,
against `nagare broker` with the example pipeline:

- GET /status shows the pipeline, instance, state, start time, every assigned partition with its
  committed offset, end offset and lag (0 once drained), the last batch's input count,
  processing time and delay, and totals;
- `nagare stop --status` (POST /stop) and `nagare stop --stop-file` stop the run after its current
  batch: exit 0, the group's offsets at the end of the log; with nothing listening `nagare stop`
  fails with a clear message; a non-loopback --status needs an auth token;
- a committed offset beyond the log stops the run without --allow-reset; with it the partition
  starts at the log end, one warning says how far it moved, and the run catches up.
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "clients"))
import access_log_events as gen  # noqa: E402
from test_offsets_tool import commit_as_group, committed, ends  # noqa: E402
from test_pipeline_exactly_once import GROUP, PIPELINE  # noqa: E402

TOPIC = gen.TOPIC


class StatusRun:
    """`nagare run --status 127.0.0.1:0` of the example pipeline; stdout gives the address."""

    def __init__(self, nagare_bin, bootstrap, workdir, *extra):
        self.stop_file = os.path.join(str(workdir), "stop")
        self.log_path = os.path.join(str(workdir), "run.log")
        self.log_file = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [nagare_bin, "run", PIPELINE, "--brokers", bootstrap, "--instance", "1", "--status", "127.0.0.1:0",
             "--stop-file", self.stop_file, "--log-level", "info", *extra],
            stdout=subprocess.PIPE, stderr=self.log_file, text=True)
        line = self.process.stdout.readline().strip()
        assert line.startswith("status http://127.0.0.1:"), f"{line!r}\n{self.log()[-3000:]}"
        self.address = line.removeprefix("status http://")

    def status(self):
        with urllib.request.urlopen(f"http://{self.address}/status", timeout=10) as r:
            assert r.status == 200 and r.headers["Content-Type"] == "application/json"
            return json.load(r)

    def wait_status(self, predicate, timeout=120):
        deadline = time.time() + timeout
        while True:
            assert self.process.poll() is None, f"run exited {self.process.returncode}:\n{self.log()[-3000:]}"
            s = self.status()
            if predicate(s):
                return s
            assert time.time() < deadline, f"status never matched: {json.dumps(s, indent=1)}"
            time.sleep(0.3)

    def wait(self, timeout=60):
        code = self.process.wait(timeout=timeout)
        self.log_file.close()
        return code

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def log(self):
        with open(self.log_path) as f:
            return f.read()


def drained(s):
    parts = s["partitions"]
    return len(parts) == gen.PARTITIONS and all(p["lag"] == 0 for p in parts)


def stop(nagare_bin, *args):
    return subprocess.run([nagare_bin, "stop", *args], capture_output=True, text=True, timeout=30)


def test_status_reports_partitions_lag_and_batches_then_stop_over_http(nagare_bin, broker, tmp_path):
    b = broker.bootstrap
    records = gen.produce(b, gen.generate(4000, seed=21))
    before = time.time()
    run = StatusRun(nagare_bin, b, tmp_path)
    try:
        s = run.wait_status(drained)
        assert s["pipeline"] == "access-logs" and s["instance"] == "1" and s["group"] == GROUP
        assert s["state"] == "running"
        started = time.mktime(time.strptime(s["startedAt"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
        assert before - 5 < started < time.time() + 1, s["startedAt"]
        assert s["uptimeSeconds"] > 0
        assert sorted((p["topic"], p["partition"]) for p in s["partitions"]) == \
            [(TOPIC, p) for p in range(gen.PARTITIONS)]
        end = ends(b)
        for p in s["partitions"]:
            assert p["committedOffset"] == p["endOffset"] == end[p["partition"]], p
        assert sum(p["endOffset"] for p in s["partitions"]) == len(records)
        last = s["lastBatch"]
        assert last["inputRecords"] > 0 and last["processingTimeMs"] > 0 and last["delayMs"] > 0, last
        totals = s["totals"]
        assert totals["inputRecords"] == len(records) and totals["batches"] > 0, totals
        assert totals["outputRecords"] > 0 and totals["deadLetters"] >= 0 and totals["abortedBatches"] == 0, totals

        # More input: lag shows it, then goes back to 0.
        gen.produce(b, gen.generate(2000, seed=22), create=False)
        s = run.wait_status(lambda s: drained(s) and s["totals"]["inputRecords"] == len(records) + 2000)

        p = stop(nagare_bin, "--status", run.address)
        assert p.returncode == 0, p.stderr
        assert "stop requested" in p.stdout, p.stdout
        assert run.wait() == 0, run.log()[-3000:]
        assert committed(b) == ends(b)
        assert "stop requested over HTTP" in run.log()
    finally:
        run.kill()


def test_stop_with_stop_file(nagare_bin, broker, tmp_path):
    b = broker.bootstrap
    gen.produce(b, gen.generate(3000, seed=23))
    run = StatusRun(nagare_bin, b, tmp_path)
    try:
        run.wait_status(drained)
        p = stop(nagare_bin, "--stop-file", run.stop_file)
        assert p.returncode == 0, p.stderr
        assert run.wait() == 0, run.log()[-3000:]
        assert committed(b) == ends(b)
        assert not os.path.exists(run.stop_file)
    finally:
        run.kill()


def test_stop_with_nothing_listening_fails_clearly(nagare_bin):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = stop(nagare_bin, "--status", f"127.0.0.1:{port}")
    assert p.returncode != 0
    assert "nothing answered" in p.stderr, p.stderr


def test_status_on_a_remote_address_needs_a_token(nagare_bin, broker):
    env = {k: v for k, v in os.environ.items() if k != "NAGARE_AUTH_TOKEN"}
    p = subprocess.run([nagare_bin, "run", PIPELINE, "--brokers", broker.bootstrap, "--status", "0.0.0.0:0"],
                       capture_output=True, text=True, timeout=30, env=env)
    assert p.returncode != 0, p.stderr
    assert "--status 0.0.0.0:0 is not loopback: set --auth-token or NAGARE_AUTH_TOKEN" in p.stderr, p.stderr


def test_allow_reset_starts_out_of_range_partition_at_log_end(nagare_bin, broker, tmp_path):
    b = broker.bootstrap
    gen.produce(b, gen.generate(2000, seed=24))
    os.makedirs(tmp_path / "first", exist_ok=True)
    run = StatusRun(nagare_bin, b, tmp_path / "first")
    try:
        run.wait_status(drained)
        assert stop(nagare_bin, "--status", run.address).returncode == 0
        assert run.wait() == 0
    finally:
        run.kill()
    end = ends(b)
    bad = dict(end)
    bad[2] = end[2] + 5000
    commit_as_group(b, bad)

    # Without the flag: an error naming the partition, nothing committed.
    p = subprocess.run([nagare_bin, "run", PIPELINE, "--brokers", b, "--instance", "1"],
                       capture_output=True, text=True, timeout=90)
    assert p.returncode != 0 and f"{TOPIC}[2]" in p.stderr and "outside the log" in p.stderr, p.stderr[-3000:]
    assert committed(b) == bad

    # With it: one warning for partition 2, the run goes on and reads what comes next.
    os.makedirs(tmp_path / "second", exist_ok=True)
    run = StatusRun(nagare_bin, b, tmp_path / "second", "--allow-reset")
    try:
        # Partition 2 starts at the log end as it is at assignment: produce after that.
        run.wait_status(lambda s: len(s["partitions"]) == gen.PARTITIONS)
        gen.produce(b, gen.generate(600, seed=25), create=False)
        s = run.wait_status(lambda s: drained(s) and s["totals"]["inputRecords"] == 600)
        assert {p["partition"]: p["committedOffset"] for p in s["partitions"]} == ends(b)
        assert stop(nagare_bin, "--status", run.address).returncode == 0
        assert run.wait() == 0, run.log()[-3000:]
    finally:
        run.kill()
    log = run.log()
    warnings = [line for line in log.splitlines() if "--allow-reset" in line]
    assert len(warnings) == 1, log[-3000:]
    assert f"{TOPIC}[2]" in warnings[0] and f"beyond the log end {end[2]}" in warnings[0] \
        and "5000 offsets back" in warnings[0] and "skipping 0 events" in warnings[0], warnings[0]
    assert committed(b) == ends(b)
