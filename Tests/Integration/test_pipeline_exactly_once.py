"""Issue 5's "Must show" for the stream processor: the example pipeline (examples/access-logs)
under `nagare run`, against `nagare broker`, checked with read_committed consumers against a
reference computed independently in Python (clients/access_log_events.py).

- test_exactly_once_under_kills_and_stops: 200,000 events (5% duplicate event_ids, late and
  malformed ones) produced while one `nagare run` is killed with SIGKILL 5 times and stopped
  with SIGTERM 5 times at random moments, restarted each time, then drained.
- test_exactly_once_two_processes_one_killed: the same with two processes sharing the 6
  partitions; instance 2 is killed and restarted 5 times, instance 1 runs throughout.
- test_graceful_restart_leaves_no_gap: stop file and SIGTERM (exit 0, the last batch committed),
  restart; the enriched events per event-time minute equal the input's distinct valid events.

What every run must write (`check_outputs`):
  events.enriched      every distinct valid event exactly once (by event_id), enriched as the
                       Python tables say, per site in input order;
  metrics.site_minute  exactly the reference's closed windows, each once, count and revenue sum;
  events.dlq           every malformed record once (header nagare.error), plus the valid events
                       beyond the allowed lateness (pipeline.yml: `late: deadLetter`), nothing else.

Runs with the binary in NAGARE_BIN (a debug build takes about 30 s for 200,000 events here).
Set NAGARE_CHAOS_SEED to replay a run's kill schedule.
"""
import json
import math
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest
from confluent_kafka import Consumer, KafkaError, TopicPartition

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "clients"))
import access_log_events as gen  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "access-logs")
PIPELINE = os.path.join(EXAMPLE, "pipeline.yml")
GROUP = "nagare.access-logs"


@pytest.fixture
def broker6(nagare_bin, tmp_path):
    """A `nagare broker` whose auto-created topics get 6 partitions."""
    from conftest import Broker
    b = Broker(nagare_bin, tmp_path / "data", ["--partitions", "6"]).start()
    yield b
    if b.process is not None:
        assert b.stop() == 0, b.log()


@pytest.fixture(autouse=True)
def no_runner_left_behind():
    yield
    for runner in list(Runner.running):
        if runner.process is not None and runner.process.poll() is None:
            runner.kill()
    Runner.running.clear()


class Runner:
    """One `nagare run` process of the example pipeline, restartable with the same instance id."""

    # Processes still running, killed after each test (a failed assertion leaves them behind).
    running = set()

    def __init__(self, nagare_bin, bootstrap, instance, workdir):
        self.nagare_bin = nagare_bin
        self.bootstrap = bootstrap
        self.instance = str(instance)
        self.stop_file = os.path.join(str(workdir), f"stop-{instance}")
        self.log_path = os.path.join(str(workdir), f"run-{instance}.log")
        self.process = None
        self.exits = []

    def start(self):
        self.log_file = open(self.log_path, "a")
        self.log_file.write(f"--- start {time.strftime('%H:%M:%S')}\n")
        self.log_file.flush()
        self.started_at = self.log_file.tell()
        self.process = subprocess.Popen(
            [self.nagare_bin, "run", PIPELINE, "--brokers", self.bootstrap, "--instance", self.instance,
             "--stop-file", self.stop_file, "--log-level", "info"],
            stdout=self.log_file, stderr=self.log_file)
        Runner.running.add(self)
        return self

    def _ended(self, code, how):
        Runner.running.discard(self)
        self.exits.append((how, code))
        self.process = None
        self.log_file.close()
        return code

    def kill(self):
        self.process.kill()
        return self._ended(self.process.wait(), "SIGKILL")

    def terminate(self, timeout=60):
        self.process.send_signal(signal.SIGTERM)
        return self._ended(self.process.wait(timeout=timeout), "SIGTERM")

    def stop_with_file(self, timeout=60):
        with open(self.stop_file, "w"):
            pass
        return self._ended(self.process.wait(timeout=timeout), "stop file")

    def wait_processing(self, timeout=60):
        """Waits until this start has restored its first partition (it is processing then)."""
        deadline = time.time() + timeout
        while "restored events.raw" not in self.log()[self.started_at:]:
            self.assert_running()
            assert time.time() < deadline, f"instance {self.instance} got no partition in {timeout}s:\n" \
                + self.log()[self.started_at:][-3000:]
            time.sleep(0.1)

    def assert_running(self):
        assert self.process is not None and self.process.poll() is None, \
            f"nagare run --instance {self.instance} exited with {self.process and self.process.returncode}:\n{self.log()[-4000:]}"

    def log(self):
        with open(self.log_path) as f:
            return f.read()


def chaos_rng():
    seed = int(os.environ.get("NAGARE_CHAOS_SEED") or random.randrange(1 << 30))
    print(f"chaos seed {seed} (set NAGARE_CHAOS_SEED={seed} to replay)")
    return random.Random(seed)


def produce_in_background(bootstrap, records, seconds):
    """Produces `records` paced over about `seconds`, in a thread; returns the thread."""
    chunks = 20
    size = (len(records) + chunks - 1) // chunks
    errors = []

    gen.produce(bootstrap, [], create=True)

    def body():
        try:
            start = time.time()
            for i in range(chunks):
                gen.produce(bootstrap, records[i * size:(i + 1) * size], create=False)
                time.sleep(max(0.0, start + (i + 1) * seconds / chunks - time.time()))
        except Exception as e:  # reported by the joining test
            errors.append(e)

    t = threading.Thread(target=body, daemon=True)
    t.errors = errors
    t.start()
    return t


def drain(bootstrap, runners, timeout=180):
    """Waits until the group's committed offsets equal the end offsets of events.raw."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP, "enable.auto.commit": False,
                  # Only committed offsets are wanted; read_committed would make librdkafka ask
                  # with require_stable and retry (until timeout) while a transaction of the
                  # running pipeline holds offsets pending.
                  "isolation.level": "read_uncommitted"})
    try:
        tps = [TopicPartition(gen.TOPIC, p) for p in range(gen.PARTITIONS)]
        deadline = time.time() + timeout
        while True:
            for r in runners:
                r.assert_running()
            committed = {tp.partition: tp.offset for tp in c.committed(tps, timeout=10)}
            ends = {tp.partition: c.get_watermark_offsets(tp, timeout=10)[1] for tp in tps}
            if committed == ends:
                return ends
            assert time.time() < deadline, f"not drained after {timeout}s: committed {committed}, end {ends}"
            time.sleep(0.5)
    finally:
        c.close()


def read_topic(bootstrap, topic, timeout=120):
    """Every committed record of `topic` (read_committed), in offset order per partition."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"check-{topic}-{time.time()}",
                  "isolation.level": "read_committed", "enable.partition.eof": True,
                  "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    try:
        md = c.list_topics(topic, timeout=10).topics[topic]
        partitions = sorted(md.partitions)
        c.assign([TopicPartition(topic, p, 0) for p in partitions])
        out = {p: [] for p in partitions}
        at_end = set()
        deadline = time.time() + timeout
        while len(at_end) < len(partitions):
            assert time.time() < deadline, f"{topic}: no end of partition after {timeout}s"
            for m in c.consume(10_000, timeout=1.0):
                if m.error():
                    if m.error().code() == KafkaError._PARTITION_EOF:
                        at_end.add(m.partition())
                        continue
                    raise AssertionError(f"{topic}: {m.error()}")
                at_end.discard(m.partition())
                out[m.partition()].append(m)
        return out
    finally:
        c.close()


def window_start_ms(text):
    return gen.parse_ts(text)


def check_outputs(bootstrap, records, ref):
    problems = []

    # events.enriched: every distinct valid event once, enriched, per-site order kept.
    enriched = read_topic(bootstrap, "events.enriched")
    seen = {}
    order = {}
    for partition, msgs in enriched.items():
        for m in msgs:
            event = json.loads(m.value())
            eid = event.get("event_id")
            seen[eid] = seen.get(eid, 0) + 1
            if seen[eid] == 1:
                expected = ref.enriched.get(eid)
                if expected is None:
                    problems.append(f"unexpected event {eid} in events.enriched")
                elif event != expected:
                    diff = {k: (event.get(k), expected.get(k)) for k in set(event) | set(expected)
                            if event.get(k) != expected.get(k)}
                    problems.append(f"{eid} enriched wrongly (got, expected): {diff}")
                if m.key() != event.get("site_id", "").encode():
                    problems.append(f"{eid}: key {m.key()!r} is not its site_id")
            order.setdefault(event.get("site_id"), []).append(eid)
    twice = sorted(e for e, n in seen.items() if n > 1)
    missing = sorted(set(ref.enriched) - set(seen))
    if twice:
        problems.append(f"{len(twice)} events more than once in events.enriched, e.g. {twice[:5]}")
    if missing:
        problems.append(f"{len(missing)} valid events missing from events.enriched, e.g. {missing[:5]}")
    for site, ids in ref.order.items():
        if order.get(site) != ids and not twice and not missing:
            got = order.get(site, [])
            i = next((i for i, (a, b) in enumerate(zip(got, ids)) if a != b), min(len(got), len(ids)))
            problems.append(f"site {site}: output order differs from input order at #{i}: "
                            f"{got[i:i + 3]} vs {ids[i:i + 3]}")

    # metrics.site_minute: the reference's closed windows, each exactly once.
    windows = {}
    for msgs in read_topic(bootstrap, "metrics.site_minute").values():
        for m in msgs:
            w = json.loads(m.value())
            slot = (w["site_id"], window_start_ms(w["window_start"]))
            if slot in windows:
                problems.append(f"window {slot} emitted twice: {windows[slot]} and {w}")
            windows[slot] = w
            if w["window_end"] != gen.format_ts(slot[1] + gen.WINDOW_MS):
                problems.append(f"window {slot}: window_end {w['window_end']}")
    for slot in sorted(set(windows) | set(ref.windows), key=lambda s: (s[1], s[0])):
        got, want = windows.get(slot), ref.windows.get(slot)
        if got is None:
            problems.append(f"window {slot} missing: expected count {want[0]}")
        elif want is None:
            problems.append(f"window {slot} unexpected: {got}")
        elif got["count"] != want[0] or not math.isclose(got["revenue_sum"], want[1], rel_tol=1e-9, abs_tol=1e-9):
            problems.append(f"window {slot}: got count {got['count']} revenue {got['revenue_sum']}, "
                            f"expected {want[0]} {want[1]}")

    # events.dlq: every malformed record once, the late events beyond lateness, nothing else.
    dlq = {}
    for msgs in read_topic(bootstrap, "events.dlq").values():
        for m in msgs:
            headers = dict(m.headers() or [])
            seq = int(headers.get("gen.seq", b"-1"))
            reason = headers.get("nagare.error", b"").decode()
            if seq in dlq:
                problems.append(f"record gen.seq={seq} dead-lettered twice: {reason!r}")
            dlq[seq] = reason
            if not reason:
                problems.append(f"record gen.seq={seq} in events.dlq without a nagare.error header")
            elif seq in ref.late and not reason.startswith("late event"):
                problems.append(f"late record {seq} has reason {reason!r}")
            elif seq in ref.malformed and reason.startswith("late event"):
                problems.append(f"malformed record {seq} has reason {reason!r}")
    expected_dlq = ref.malformed | ref.late
    if set(dlq) - expected_dlq:
        extra = sorted(set(dlq) - expected_dlq)
        problems.append(f"{len(extra)} records in events.dlq that should not be, e.g. "
                        f"{[(s, dlq[s], records[s].value[:80]) for s in extra[:3]]}")
    if expected_dlq - set(dlq):
        lost = sorted(expected_dlq - set(dlq))
        problems.append(f"{len(lost)} records missing from events.dlq, e.g. "
                        f"{[(s, records[s].kind, records[s].value[:80]) for s in lost[:3]]}")

    assert not problems, "\n".join(problems[:40]) + (f"\n... {len(problems)} problems" if len(problems) > 40 else "")
    return {"enriched": sum(seen.values()), "windows": len(windows), "dlq": len(dlq)}


def reference_for(records):
    ref = gen.reference(records, EXAMPLE)
    # The generated mix exercises every case the checks are about.
    assert ref.duplicates_dropped > 0.04 * len(records)
    assert len(ref.malformed) > 100 and len(ref.late) > 100 and ref.late_within_lateness > 100
    assert set(ref.enriched) == gen.distinct_valid_ids(records)
    return ref


def test_exactly_once_under_kills_and_stops(nagare_bin, broker6, tmp_path):
    rng = chaos_rng()
    records = gen.generate(200_000, seed=5)
    producer = produce_in_background(broker6.bootstrap, records, seconds=60)
    runner = Runner(nagare_bin, broker6.bootstrap, 1, tmp_path).start()
    interruptions = ["SIGKILL"] * 5 + ["SIGTERM"] * 5
    rng.shuffle(interruptions)
    for how in interruptions:
        # A random moment while it processes: a restart after SIGKILL waits for the group to
        # drop the dead member (session timeout, 10 s) before partitions are assigned again.
        runner.wait_processing()
        time.sleep(rng.uniform(0.2, 4.0))
        runner.assert_running()
        if how == "SIGKILL":
            assert runner.kill() == -signal.SIGKILL
        else:
            assert runner.terminate() == 0, runner.log()[-4000:]
        runner.start()
    producer.join(300)
    assert not producer.errors, producer.errors
    drain(broker6.bootstrap, [runner])
    assert runner.stop_with_file() == 0, runner.log()[-4000:]
    ref = reference_for(records)
    counts = check_outputs(broker6.bootstrap, records, ref)
    print(f"{runner.exits}; outputs {counts}")


def test_exactly_once_two_processes_one_killed(nagare_bin, broker6, tmp_path):
    rng = chaos_rng()
    records = gen.generate(200_000, seed=6)
    producer = produce_in_background(broker6.bootstrap, records, seconds=60)
    steady = Runner(nagare_bin, broker6.bootstrap, 1, tmp_path).start()
    victim = Runner(nagare_bin, broker6.bootstrap, 2, tmp_path).start()
    for _ in range(5):
        victim.wait_processing()
        time.sleep(rng.uniform(0.2, 4.0))
        steady.assert_running()
        victim.assert_running()
        assert victim.kill() == -signal.SIGKILL
        time.sleep(rng.uniform(0.0, 2.0))
        victim.start()
    producer.join(300)
    assert not producer.errors, producer.errors
    drain(broker6.bootstrap, [steady, victim])
    assert victim.stop_with_file() == 0, victim.log()[-4000:]
    assert steady.stop_with_file() == 0, steady.log()[-4000:]
    assert steady.exits == [("stop file", 0)]
    ref = reference_for(records)
    counts = check_outputs(broker6.bootstrap, records, ref)
    print(f"{victim.exits}; outputs {counts}")


def test_graceful_restart_leaves_no_gap(nagare_bin, broker6, tmp_path):
    records = gen.generate(60_000, seed=7, duration_ms=20 * 60_000)
    producer = produce_in_background(broker6.bootstrap, records, seconds=24)
    runner = Runner(nagare_bin, broker6.bootstrap, 1, tmp_path).start()
    time.sleep(7)
    assert runner.stop_with_file() == 0, runner.log()[-4000:]
    assert not os.path.exists(runner.stop_file), "the stop file is removed when acted on"
    assert "last batch committed" in runner.log()
    runner.start()
    time.sleep(7)
    assert runner.terminate() == 0, runner.log()[-4000:]
    runner.start()
    producer.join(120)
    assert not producer.errors, producer.errors
    drain(broker6.bootstrap, [runner])
    assert runner.terminate() == 0
    ref = gen.reference(records, EXAMPLE)

    per_minute = {}
    for msgs in read_topic(broker6.bootstrap, "events.enriched").values():
        for m in msgs:
            t = gen.parse_ts(json.loads(m.value())["ts"])
            per_minute[t - t % 60_000] = per_minute.get(t - t % 60_000, 0) + 1
    diff = {gen.format_ts(k): (per_minute.get(k, 0), ref.per_minute.get(k, 0))
            for k in sorted(set(per_minute) | set(ref.per_minute)) if per_minute.get(k) != ref.per_minute.get(k)}
    assert not diff, f"per-minute output vs input (output, input): {diff}"
    check_outputs(broker6.bootstrap, records, ref)


def test_run_help_explains_stopping_instances_and_offsets(nagare_bin):
    p = subprocess.run([nagare_bin, "run", "--help"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    text = " ".join(p.stdout.split())
    for needed in ["pipeline.yml", "--brokers", "--instance", "--stop-file", "SIGTERM", "exit 0",
                   "docs/pipeline-yaml.md", "nagare offsets reset", "Exit status"]:
        assert needed in text, f"{needed!r} missing from nagare run --help:\n{p.stdout}"


@pytest.mark.parametrize("change, key", [
    (("      window: 10m ", "      windw: 10m "), "unknown key operators[2].dedup.windw"),
    (("  group: nagare.access-logs", "  grup: nagare.access-logs"), "unknown key source.grup"),
    (("  commitInterval: 100ms", "  commitInterval: 100"), "execution.commitInterval"),
    (("      maxDelay: 10s", "      maxDelay: [10s]"), "operators[4].window.maxDelay"),
])
def test_wrong_pipeline_yaml_names_file_line_and_key(nagare_bin, tmp_path, change, key):
    with open(PIPELINE) as f:
        text = f.read()
    assert change[0] in text
    line = text[:text.index(change[0])].count("\n") + 1
    bad = tmp_path / "pipeline.yml"
    bad.write_text(text.replace(change[0], change[1]))
    for name in ["sites.csv", "geo.csv", "user-agents.yml"]:
        (tmp_path / name).write_text(open(os.path.join(EXAMPLE, name)).read())
    p = subprocess.run([nagare_bin, "run", str(bad), "--brokers", "127.0.0.1:1"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0
    assert f"{bad}:{line}: " in p.stderr and key in p.stderr, p.stderr
    assert p.stderr.count("\n") <= 2, f"one line, not a trace: {p.stderr}"
