"""`nagare broker` with real Kafka clients: kcat (Debian's librdkafka 2.0.2), confluent-kafka
(a newer bundled librdkafka) and kafka-python (a pure-Python implementation)."""
import json
import subprocess
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from kafka import KafkaConsumer, KafkaProducer

from conftest import run


def create_topic(bootstrap, name, partitions, configs=None):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(name, partitions, 1, config=configs or {})]).values():
        f.result(10)


def kcat(*args, input=None, timeout=120):
    r = subprocess.run(["kcat", *args], input=input, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_kcat_metadata_lists_broker_and_topics(broker):
    create_topic(broker.bootstrap, "listed", 4)
    out = kcat("-b", broker.bootstrap, "-L")
    assert f"broker 1 at {broker.bootstrap} (controller)" in out
    assert 'topic "listed" with 4 partitions' in out
    for p in range(4):
        assert f"partition {p}, leader 1, replicas: 1, isrs: 1" in out


def test_kcat_100k_keyed_messages_round_trip_in_partition_order(broker):
    create_topic(broker.bootstrap, "keyed", 6)
    lines = "".join(f"k{i % 1000}:v{i}\n" for i in range(100_000))
    kcat("-b", broker.bootstrap, "-P", "-t", "keyed", "-K:", input=lines)
    out = kcat("-b", broker.bootstrap, "-C", "-t", "keyed", "-e", "-q", "-f", "%p\t%o\t%k\t%s\n")
    rows = [l.split("\t") for l in out.splitlines()]
    assert len(rows) == 100_000
    by_partition, partition_of_key = {}, {}
    for p, o, k, v in rows:
        by_partition.setdefault(p, []).append((int(o), int(v[1:])))
        assert partition_of_key.setdefault(k, p) == p, f"key {k} in two partitions"
    assert len(by_partition) == 6
    for p, entries in by_partition.items():
        offsets = [o for o, _ in entries]
        assert offsets == list(range(len(offsets))), f"partition {p} offsets not contiguous"
        values = [v for _, v in entries]
        assert values == sorted(values), f"partition {p} not in produce order"
    assert sorted(int(v[1:]) for _, _, _, v in rows) == list(range(100_000))


def test_kcat_reads_by_offset_and_by_timestamp(broker):
    create_topic(broker.bootstrap, "timed", 1)
    p = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0})
    base = 1_700_000_000_000
    for i in range(100):
        p.produce("timed", value=str(i).encode(), timestamp=base + i * 1000)
        p.flush()  # one batch per record, so the time index has one entry per record
    out = kcat("-b", broker.bootstrap, "-C", "-t", "timed", "-p", "0", "-o", "40", "-c", "3", "-e", "-q")
    assert out.split() == ["40", "41", "42"]
    out = kcat("-b", broker.bootstrap, "-C", "-t", "timed", "-p", "0", "-o", f"s@{base + 57_500}", "-c", "2", "-e", "-q")
    assert out.split() == ["58", "59"]
    q = kcat("-b", broker.bootstrap, "-Q", "-t", f"timed:0:{base + 10_000}")
    assert "offset 10" in q


def test_confluent_kafka_and_kafka_python_produce_and_consume_each_others_records(broker):
    create_topic(broker.bootstrap, "mixed", 3)
    cp = Producer({"bootstrap.servers": broker.bootstrap})
    for i in range(1000):
        cp.produce("mixed", key=f"c{i % 10}".encode(), value=f"confluent-{i}".encode(), headers=[("src", b"ck")])
    cp.flush(30)
    kp = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    for i in range(1000):
        kp.send("mixed", key=f"p{i % 10}".encode(), value=f"python-{i}".encode())
    kp.flush()
    kp.close()

    kc = KafkaConsumer("mixed", bootstrap_servers=broker.bootstrap, auto_offset_reset="earliest",
                       consumer_timeout_ms=5000, enable_auto_commit=False, group_id=None)
    seen_by_kafka_python = [m.value.decode() for m in kc]
    kc.close()
    cc = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "reader", "auto.offset.reset": "earliest"})
    cc.assign([TopicPartition("mixed", p, 0) for p in range(3)])
    seen_by_confluent, headers = [], 0
    while len(seen_by_confluent) < 2000:
        m = cc.poll(10)
        assert m is not None and m.error() is None, m and m.error()
        seen_by_confluent.append(m.value().decode())
        headers += m.headers() == [("src", b"ck")]
    cc.close()
    expected = sorted([f"confluent-{i}" for i in range(1000)] + [f"python-{i}" for i in range(1000)])
    assert sorted(seen_by_kafka_python) == expected
    assert sorted(seen_by_confluent) == expected
    assert headers == 1000


def group_consumer(bootstrap, group, name):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "client.id": name,
                  "enable.auto.commit": False, "auto.offset.reset": "earliest",
                  "session.timeout.ms": 6000, "heartbeat.interval.ms": 300,
                  "partition.assignment.strategy": "cooperative-sticky"})
    c.subscribe(["shared"])
    return c


def poll_all(consumers, seconds, until):
    deadline = time.time() + seconds
    got = {id(c): [] for c in consumers}
    while time.time() < deadline:
        for c in consumers:
            m = c.poll(0.05)
            if m is not None and m.error() is None:
                got[id(c)].append(m)
        if until(consumers, got):
            break
    return got


def test_confluent_group_of_three_shares_six_partitions_and_resumes_after_restart(broker):
    create_topic(broker.bootstrap, "shared", 6)
    p = Producer({"bootstrap.servers": broker.bootstrap})
    for i in range(600):
        p.produce("shared", value=str(i).encode(), partition=i % 6)
    p.flush(30)

    members = [group_consumer(broker.bootstrap, "trio", f"m{i}") for i in range(3)]
    poll_all(members, 30, lambda cs, _: all(len(c.assignment()) == 2 for c in cs))
    assignments = [sorted(tp.partition for tp in c.assignment()) for c in members]
    assert sorted(sum(assignments, [])) == list(range(6)), assignments

    # One member leaves: the other two take over all six partitions.
    members[2].close()
    survivors = members[:2]
    poll_all(survivors, 30, lambda cs, _: sum(len(c.assignment()) for c in cs) == 6)
    assert sorted(tp.partition for c in survivors for tp in c.assignment()) == list(range(6))

    # Each survivor consumes what it owns and commits exactly the first 50 of each partition.
    for c in survivors:
        c.commit(offsets=[TopicPartition("shared", tp.partition, 50) for tp in c.assignment()], asynchronous=False)
    for c in survivors:
        c.close()

    # Every member restarts: consumption resumes exactly at offset 50 of each partition. While the
    # three restarted members join one after another, a partition can move from one member to
    # another before anything is committed, so the new owner re-reads it from offset 50: that is
    # the group's at-least-once contract. The check is therefore on distinct (partition, offset)
    # pairs: every record from 50 on arrives, nothing before 50 ever does.
    restarted = [group_consumer(broker.bootstrap, "trio", f"r{i}") for i in range(3)]

    def distinct(g):
        return {(m.partition(), m.offset()): int(m.value()) for ms in g.values() for m in ms}

    got = poll_all(restarted, 60, lambda cs, g: len(distinct(g)) >= 300)
    for c in restarted:
        c.close()
    seen = distinct(got)
    assert len(seen) == 300
    assert min(offset for _, offset in seen) == 50
    assert all(value % 6 == partition and value // 6 == offset for (partition, offset), value in seen.items())
    assert sorted(seen.values()) == sorted(i for i in range(600) if i // 6 >= 50)


def test_kafka_python_group_commits_and_resumes(broker):
    create_topic(broker.bootstrap, "kp", 2)
    kp = KafkaProducer(bootstrap_servers=broker.bootstrap)
    for i in range(200):
        kp.send("kp", value=str(i).encode(), partition=i % 2)
    kp.flush()
    kp.close()
    c = KafkaConsumer("kp", bootstrap_servers=broker.bootstrap, group_id="kpg", auto_offset_reset="earliest",
                      enable_auto_commit=False, consumer_timeout_ms=8000)
    first = []
    for m in c:
        first.append(m)
        if len(first) == 120:
            break
    c.commit()
    c.close()
    c = KafkaConsumer("kp", bootstrap_servers=broker.bootstrap, group_id="kpg", auto_offset_reset="earliest",
                      enable_auto_commit=False, consumer_timeout_ms=5000)
    rest = [m for m in c]
    c.close()
    assert len(first) + len(rest) == 200
    assert sorted(int(m.value) for m in first + rest) == list(range(200))


def test_admin_describes_topic_configs_and_groups(broker):
    create_topic(broker.bootstrap, "compacted", 2, {"cleanup.policy": "compact"})
    from confluent_kafka.admin import ConfigResource
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    res = ConfigResource(ConfigResource.Type.TOPIC, "compacted")
    configs = admin.describe_configs([res])[res].result(10)
    assert configs["cleanup.policy"].value == "compact"
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "described", "auto.offset.reset": "earliest"})
    c.subscribe(["compacted"])
    deadline = time.time() + 20
    while not c.assignment() and time.time() < deadline:
        c.poll(0.1)
    groups = admin.list_consumer_groups().result(10)
    assert "described" in [g.group_id for g in groups.valid]
    desc = admin.describe_consumer_groups(["described"])["described"].result(10)
    assert len(desc.members) == 1
    c.close()


def test_kafka_python_group_of_three_shares_six_partitions_and_takes_over(broker):
    create_topic(broker.bootstrap, "kp6", 6)
    kp = KafkaProducer(bootstrap_servers=broker.bootstrap)
    for i in range(600):
        kp.send("kp6", value=str(i).encode(), partition=i % 6)
    kp.flush()
    kp.close()

    def member():
        return KafkaConsumer("kp6", bootstrap_servers=broker.bootstrap, group_id="kp-trio", auto_offset_reset="earliest",
                             enable_auto_commit=False, session_timeout_ms=6000, heartbeat_interval_ms=300)

    def poll_until(consumers, done, seconds=60):
        seen = []
        deadline = time.time() + seconds
        while time.time() < deadline:
            for c in consumers:
                for records in c.poll(timeout_ms=50).values():
                    seen.extend(records)
            if done(consumers, seen):
                break
        return seen

    members = [member() for _ in range(3)]
    poll_until(members, lambda cs, _: all(len(c.assignment()) == 2 for c in cs))
    owned = sorted(tp.partition for c in members for tp in c.assignment())
    assert owned == list(range(6)), [c.assignment() for c in members]

    members[2].close()
    survivors = members[:2]
    seen = poll_until(survivors, lambda cs, s: sum(len(c.assignment()) for c in cs) == 6 and len(s) >= 600)
    assert sorted(tp.partition for c in survivors for tp in c.assignment()) == list(range(6))
    # Nothing was committed, so the survivors read every record (some twice, from before the
    # rebalance): all 600 values are there.
    assert set(int(m.value) for m in seen) == set(range(600))
    for c in survivors:
        c.close()
