"""The access-log pipeline end to end, exactly-once: `nagare run` against quixstreams.

Back of the envelope (2 cores, broker on the same machine):
- Engine alone, measured by its author in release: ~8.6 µs per event on one core (JSON parse
  0.8 µs, write 0.9 µs, the rest strings, dedup hashing, allocation, one changelog record per
  new event_id), i.e. ~116,000 events/s per core.
- `nagare run` has one batch loop, so the engine's work is on one thread; around it librdkafka
  fetches (~1 µs per record to turn it into a Swift `Record`) and produces two records per
  event (the enriched event and its dedup changelog entry, ~1-2 µs each to enqueue, plus
  librdkafka's own batching threads).
- The broker serves the fetch of ~300 B per event and appends ~2 records per event (~700 B),
  a few µs of CPU per event, on the same two cores.
So, before any optimisation, expect 10-15 µs of CPU per event in `nagare run` and ~5 in the
broker: 50,000-80,000 events/s. 250,000 events/s needs under 4 µs per event on the loop
thread and under 8 µs per event on the machine, broker included.
- quixstreams: every event through Python (JSON, RocksDB state for dedup and windows, dicts):
  tens of µs per event on one core, 10,000-30,000 events/s.

What it does: starts a release `nagare broker` on a free port, preloads N events (realistic
access-log events as in issue 5: keyed by site_id, 6 partitions, 5% duplicate event_ids a few
events apart; no malformed ones) with confluent-kafka, then for each engine runs the job from
start until its consumer group's committed offsets reach the input's end offsets (polled with
confluent-kafka `committed()` every 50 ms), and reports wall time, events/s, and CPU seconds
per million events of the job's process and of the broker (from /proc via psutil). quixstreams
reads a copy of the same events with its own group and writes to its own topics (`quix.`).

Run (Benchmarks/run.sh sets up the venv): Benchmarks/.venv/bin/python Benchmarks/pipeline_throughput.py [--events N]
"""

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import psutil
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "access-logs")
PARTITIONS = 6
INPUT = "events.raw"
QUIX_INPUT = "quix.events.raw"

USER_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl/8.4.0",
]
SPORTS = ["football", "tennis", "cycling", "athletics", "rugby", "golf", "cricket", "basketball"]
# Mostly addresses inside geo.csv's ranges, some outside (→ "unknown").
IP_PREFIXES = ["10.", "17.", "192.0.2.", "198.51.100.", "203.0.113.", "206.", "213.", "220.", "100.64."]


def generate_events(n, seed=5):
    """N (key, value) pairs. Event time advances ~6 ms per event (1M events ≈ 100 minutes, so
    ~100 one-minute windows per site); 5% of events repeat a recent event_id."""
    rng = random.Random(seed)
    start_ms = 1795302000000  # 2026-11-21T23:00:00Z
    recent = []
    out = []
    for i in range(n):
        ts_ms = start_ms + i * 6 + rng.randrange(6)
        if recent and rng.random() < 0.05:
            key, value = recent[rng.randrange(len(recent))]
            out.append((key, value))
            continue
        site = f"s{rng.randrange(1, 23)}"  # s21, s22 are not in sites.csv
        prefix = rng.choice(IP_PREFIXES)
        ip = prefix + ".".join(str(rng.randrange(256)) for _ in range(4 - prefix.count(".")))
        sport = rng.choice(SPORTS)
        seconds, ms = divmod(ts_ms, 1000)
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{ms:03d}Z"
        value = (
            f'{{"event_id":"e-{i:09d}","ts":"{ts}","site_id":"{site}","user_id":"u{rng.randrange(100000)}",'
            f'"ip":"{ip}","ua":"{rng.choice(USER_AGENTS)}","path":"/{sport}/live/{rng.randrange(1000)}",'
            f'"sport":"{sport}","revenue":{rng.randrange(100) / 100}}}'
        ).encode()
        out.append((site.encode(), value))
        recent.append((site.encode(), value))
        if len(recent) > 50:
            recent.pop(0)
    return out


def start_broker(nagare, work):
    out = open(os.path.join(work, "broker.out"), "w+")
    err = open(os.path.join(work, "broker.err"), "w")
    proc = subprocess.Popen(
        [nagare, "broker", "--data-dir", os.path.join(work, "data"), "--listen", "127.0.0.1:0",
         "--partitions", str(PARTITIONS), "--log-level", "warning"],
        stdout=out, stderr=err)
    for _ in range(200):
        out.seek(0)
        line = out.readline()
        if line.startswith("listening on "):
            return proc, line.split()[-1]
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError("broker did not start: " + open(os.path.join(work, "broker.err")).read())


def create_topics(brokers, names):
    admin = AdminClient({"bootstrap.servers": brokers})
    futures = admin.create_topics([NewTopic(n, PARTITIONS, 1) for n in names])
    for f in futures.values():
        f.result(30)


def preload(brokers, topic, events):
    """Produces `events` and returns the topic's end offsets once they hold all of them."""
    failures = []

    def delivered(error, _message):
        if error is not None:
            failures.append(error)

    producer = Producer({"bootstrap.servers": brokers, "linger.ms": 20, "batch.num.messages": 10000,
                         "queue.buffering.max.messages": 500000, "acks": "all"})
    for key, value in events:
        while True:
            try:
                producer.produce(topic, value, key, on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    if producer.flush(120) != 0 or failures:
        raise RuntimeError(f"preload of {topic} failed: {failures[:3]}")
    # The end offsets the broker reports may trail the acknowledgements briefly; wait until
    # they count every event, or the run would stop timing too early.
    for _ in range(200):
        ends = end_offsets(brokers, topic)
        if sum(ends.values()) >= len(events):
            return ends
        time.sleep(0.05)
    raise RuntimeError(f"{topic}: end offsets {ends} never reached {len(events)} events")


def end_offsets(brokers, topic):
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": "bench.watermarks"})
    try:
        return {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in range(PARTITIONS)}
    finally:
        consumer.close()


def cpu_seconds(process):
    t = process.cpu_times()
    return t.user + t.system


def run_job(name, args, brokers, group, topic, ends, broker_proc, timeout, log_path):
    """Runs `args` until `group` has committed `ends` of `topic`; returns wall seconds and the
    CPU seconds of the job and of the broker meanwhile."""
    # read_uncommitted: only committed offsets are wanted, and read_committed would make
    # librdkafka ask with require_stable and retry until timeout while the running job almost
    # always has a transaction with pending offsets.
    watcher = Consumer({"bootstrap.servers": brokers, "group.id": group, "enable.auto.commit": False,
                        "isolation.level": "read_uncommitted"})
    parts = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    broker = psutil.Process(broker_proc.pid)
    broker_cpu_before = cpu_seconds(broker)
    log = open(log_path, "w")
    started = time.monotonic()
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    job = psutil.Process(proc.pid)
    job_cpu = 0.0
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}; see {log_path}")
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"{name} did not finish in {timeout} s; see {log_path}")
            # Read the job's CPU before asking the broker, so the last sample is at most one
            # poll interval old when the offsets are seen complete.
            job_cpu = cpu_seconds(job)
            committed = watcher.committed(parts, timeout=10)
            if all(tp.offset >= ends[tp.partition] for tp in committed):
                break
            time.sleep(0.05)
        wall = time.monotonic() - started
        broker_cpu = cpu_seconds(broker) - broker_cpu_before
    finally:
        watcher.close()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    return wall, job_cpu, broker_cpu


def report(name, n, wall, cpu, broker_cpu):
    rate = n / wall
    print(f"{name:12s} {n:>9,} events in {wall:7.2f} s: {rate:>9,.0f} events/s; "
          f"CPU s per million events: job {cpu / n * 1e6:6.2f}, broker {broker_cpu / n * 1e6:6.2f}, "
          f"total {(cpu + broker_cpu) / n * 1e6:6.2f}", flush=True)
    return rate


def main():
    parser = argparse.ArgumentParser(description="nagare run vs quixstreams, exactly-once, on one broker")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--quix-events", type=int, default=None,
                        help="events for quixstreams (default: all): the first K of the same events")
    parser.add_argument("--skip-quix", action="store_true")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--nagare", help="use this nagare binary (implies --no-build)")
    parser.add_argument("--max-records-per-batch", type=int, help="override execution.maxRecordsPerBatch of the example")
    args = parser.parse_args()

    if args.nagare:
        nagare = os.path.abspath(args.nagare)
    else:
        if not args.no_build:
            subprocess.run(["swift", "build", "-c", "release", "--product", "nagare"], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)
        bin_path = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                                  capture_output=True, text=True).stdout.strip()
        nagare = os.path.join(bin_path, "nagare")
    work = tempfile.mkdtemp(prefix="nagare-bench-")
    broker_proc = None
    try:
        broker_proc, brokers = start_broker(nagare, work)
        print(f"broker {brokers}, work directory {work}", flush=True)
        t = time.monotonic()
        events = generate_events(args.events)
        quix_n = 0 if args.skip_quix else min(args.quix_events or args.events, args.events)
        create_topics(brokers, [INPUT, QUIX_INPUT])
        ends = preload(brokers, INPUT, events)
        # quixstreams gets its own copy of the input (or of its first events), so that its run
        # ends exactly at the end of its input.
        quix_ends = preload(brokers, QUIX_INPUT, events[:quix_n])
        print(f"preloaded {sum(ends.values()):,} events ({sum(len(v) for _, v in events) / len(events):.0f} B "
              f"average) for nagare and {sum(quix_ends.values()):,} for quixstreams in {time.monotonic() - t:.1f} s",
              flush=True)
        del events

        pipeline_dir = os.path.join(work, "access-logs")
        shutil.copytree(EXAMPLE, pipeline_dir)
        if args.max_records_per_batch:
            path = os.path.join(pipeline_dir, "pipeline.yml")
            text = re.sub(r"maxRecordsPerBatch: \d+", f"maxRecordsPerBatch: {args.max_records_per_batch}", open(path).read())
            open(path, "w").write(text)
        wall, cpu, broker_cpu = run_job(
            "nagare", [nagare, "run", os.path.join(pipeline_dir, "pipeline.yml"), "--brokers", brokers,
                       "--log-level", "warning"],
            brokers, "nagare.access-logs", INPUT, ends, broker_proc, args.timeout, os.path.join(work, "nagare-run.log"))
        nagare_rate = report("nagare run", args.events, wall, cpu, broker_cpu)

        if args.skip_quix:
            return
        create_topics(brokers, ["quix.events.enriched", "quix.metrics.site_minute", "quix.events.dlq"])
        quix_python = os.path.join(ROOT, "Benchmarks", ".venv", "bin", "python")
        wall, cpu, broker_cpu = run_job(
            "quixstreams",
            [quix_python, os.path.join(ROOT, "Benchmarks", "quix_access_logs.py"), "--brokers", brokers,
             "--input", QUIX_INPUT, "--tables", pipeline_dir, "--state-dir", os.path.join(work, "quix-state")],
            brokers, "quix.access-logs", QUIX_INPUT, quix_ends, broker_proc, args.timeout, os.path.join(work, "quix.log"))
        quix_rate = report("quixstreams", quix_n, wall, cpu, broker_cpu)
        print(f"ratio: nagare run / quixstreams = {nagare_rate / quix_rate:.1f}x events/s "
              f"(targets: 250,000 events/s and 10x)", flush=True)
    finally:
        if broker_proc is not None:
            broker_proc.terminate()
            broker_proc.wait(30)
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
