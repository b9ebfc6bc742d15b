"""`nagare produce` and `nagare consume` (built on NagareKafka) with independent clients on the
other side, against librdkafka's mock cluster and against `nagare broker`.
"""
import json
import os

import pytest
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from kafka import KafkaProducer

from conftest import Broker, Process, run


@pytest.fixture(params=["mock", "broker"])
def cluster(request, nagare_bin, tmp_path):
    """Bootstrap address of a cluster with topics `events` (3 partitions) and `single` (1)."""
    if request.param == "mock":
        p = Process([nagare_bin, "mock-cluster", "--topic", "events:3", "--topic", "single:1"])
        yield p.first_line()
        assert p.stop() == 0
    else:
        b = Broker(nagare_bin, tmp_path / "data").start()
        admin = AdminClient({"bootstrap.servers": b.bootstrap})
        for f in admin.create_topics([NewTopic("events", 3, 1), NewTopic("single", 1, 1)]).values():
            f.result(10)
        yield b.bootstrap
        assert b.stop() == 0, b.log()


def events(n):
    return [json.dumps({"event_id": f"e-{i:09d}", "site_id": f"s{i % 7}", "revenue": i / 100}) for i in range(n)]


def test_produce_keys_by_field_and_confluent_kafka_reads_it(nagare_bin, cluster):
    lines = events(2000)
    r = run([nagare_bin, "produce", "--brokers", cluster, "--topic", "events", "--key-field", "site_id"],
            input="\n".join(lines) + "\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "produced 2000 records to events"

    c = Consumer({"bootstrap.servers": cluster, "group.id": "check", "enable.auto.commit": False})
    c.assign([TopicPartition("events", p, 0) for p in range(3)])
    got = []
    partitions_of_key = {}
    while len(got) < 2000:
        m = c.poll(10)
        assert m is not None, f"only {len(got)} records arrived"
        assert m.error() is None, m.error()
        value = json.loads(m.value())
        assert m.key().decode() == value["site_id"]
        partitions_of_key.setdefault(value["site_id"], set()).add(m.partition())
        got.append(value["event_id"])
    c.close()
    assert sorted(got) == sorted(json.loads(l)["event_id"] for l in lines)
    # Keyed records: one partition per key.
    assert all(len(p) == 1 for p in partitions_of_key.values())


def test_consume_prints_what_kafka_python_produced_in_order(nagare_bin, cluster):
    p = KafkaProducer(bootstrap_servers=cluster)
    for i in range(500):
        p.send("single", value=f"line {i}".encode())
    p.flush()
    p.close()
    r = run([nagare_bin, "consume", "--brokers", cluster, "--topic", "single", "--max", "500"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [f"line {i}" for i in range(500)]


def test_group_consume_resumes_after_committed_records(nagare_bin, cluster):
    lines = [f"r{i}" for i in range(300)]
    r = run([nagare_bin, "produce", "--brokers", cluster, "--topic", "single"], input="\n".join(lines) + "\n")
    assert r.returncode == 0, r.stderr
    first = run([nagare_bin, "consume", "--brokers", cluster, "--topic", "single", "--group", "resume", "--max", "100"])
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == lines[:100]
    rest = run([nagare_bin, "consume", "--brokers", cluster, "--topic", "single", "--group", "resume", "--timeout", "3"])
    assert rest.returncode == 0, rest.stderr
    assert rest.stdout.splitlines() == lines[100:]


def test_transactional_produce_commits_every_batch(nagare_bin, cluster):
    r = run([nagare_bin, "produce", "--brokers", cluster, "--topic", "single", "--transactional",
             "--transaction-size", "40"], input="\n".join(str(i) for i in range(100)) + "\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "produced 100 records to single in 3 transactions"
    out = run([nagare_bin, "consume", "--brokers", cluster, "--topic", "single", "--max", "100"])
    assert out.stdout.splitlines() == [str(i) for i in range(100)]


def test_lines_without_the_key_field_are_reported_not_produced(nagare_bin, cluster):
    r = run([nagare_bin, "produce", "--brokers", cluster, "--topic", "single", "--key-field", "site_id"],
            input='{"site_id":"a"}\nnot json\n{"other":1}\n')
    assert r.returncode == 2
    assert "line 2: line is not a JSON object" in r.stderr
    assert "line 3: field 'site_id' is missing" in r.stderr
    assert "produced 1 records to single; 2 lines rejected" in r.stdout


def test_bad_flags_give_a_one_line_error_and_usage_exit_code(nagare_bin):
    for args, needle in [
        (["consume", "--topic", "t", "--from", "middle"], "middle"),
        (["produce", "--topic", "t", "--brokers", "nohost"], "--brokers"),
        (["consume", "--topic", "t", "--bogus"], "--bogus"),
        (["produce", "--topic", "t", "--transaction-size", "0"], "--transaction-size"),
    ]:
        r = run([nagare_bin] + args)
        assert r.returncode == 64, (args, r.returncode, r.stderr)
        assert needle in r.stderr.splitlines()[0], (args, r.stderr)


def test_every_command_has_help(nagare_bin):
    for cmd in [[], ["produce"], ["consume"], ["mock-cluster"]]:
        r = run([nagare_bin] + cmd + ["--help"])
        assert r.returncode == 0
        assert "USAGE: nagare" in r.stdout


def test_unreachable_broker_is_a_clear_error_not_a_hang(nagare_bin):
    r = run([nagare_bin, "consume", "--brokers", "127.0.0.1:1", "--topic", "t", "--max", "1",
             "--property", "socket.connection.setup.timeout.ms=1000"], timeout=60)
    assert r.returncode != 0
    assert "error" in r.stderr.lower()


@pytest.mark.parametrize("tunables, expected", [
    (None, "malloc keeps up to 256 MiB of freed memory for reuse (mmap threshold 32 MiB)"),
    ("glibc.malloc.trim_threshold=1048576", "malloc settings left to GLIBC_TUNABLES"),
])
def test_broker_sets_malloc_thresholds_unless_glibc_tunables_do(nagare_bin, tmp_path, tunables, expected):
    env = dict(os.environ)
    env.pop("GLIBC_TUNABLES", None)
    if tunables:
        env["GLIBC_TUNABLES"] = tunables
    p = Process([nagare_bin, "broker", "--data-dir", str(tmp_path / "data"), "--listen", "127.0.0.1:0"], env=env)
    assert p.first_line().startswith("listening on ")
    assert p.stop() == 0
    log = p.proc.stderr.read()
    assert expected in log, log
