"""Broker restarts (SIGTERM) and crashes (SIGKILL) under a running acks=all producer: every
acknowledged record survives, none appears twice, and committed group offsets are intact."""
import os
import subprocess
import sys
import time

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

HERE = os.path.dirname(os.path.abspath(__file__))


def read_all(bootstrap, topic, partitions, expected_at_least, timeout=60):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "verify", "enable.auto.commit": False,
                  "isolation.level": "read_uncommitted"})
    c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    values, deadline, idle = [], time.time() + timeout, 0
    while time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            idle += 1
            if len(values) >= expected_at_least and idle >= 4:
                break
            continue
        idle = 0
        assert m.error() is None, m.error()
        values.append(int(m.value()))
    c.close()
    return values


def test_acknowledged_records_survive_restarts_and_crashes_exactly_once(broker):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    for f in admin.create_topics([NewTopic("durable", 3, 1)]).values():
        f.result(10)
    # Group offsets committed before the chaos must be intact after it.
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "keeper", "enable.auto.commit": False})
    c.commit(offsets=[TopicPartition("durable", 0, 7), TopicPartition("durable", 1, 0)], asynchronous=False)
    c.close()

    out = open(broker.stderr_path + ".acked", "w")
    producer = subprocess.Popen([sys.executable, os.path.join(HERE, "clients", "seq_producer.py"),
                                 broker.bootstrap, "durable"], stdout=out, stderr=subprocess.PIPE, text=True)
    try:
        for action in ["kill", "term", "kill", "term", "kill"]:
            time.sleep(1.5)
            if action == "kill":
                broker.kill()
            else:
                assert broker.stop() == 0
            time.sleep(0.3)
            broker.start()
        time.sleep(1.5)
    finally:
        producer.terminate()
        _, err = producer.communicate(timeout=180)
        out.close()
    assert producer.returncode == 0, err
    acked = [int(l) for l in open(broker.stderr_path + ".acked") if l.strip()]
    assert len(acked) > 1000, f"only {len(acked)} records acknowledged: {err}"

    values = read_all(broker.bootstrap, "durable", 3, len(acked))
    missing = set(acked) - set(values)
    duplicates = len(values) - len(set(values))
    assert not missing, f"{len(missing)} acknowledged records lost, e.g. {sorted(missing)[:10]}"
    assert duplicates == 0, f"{duplicates} records stored twice"

    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "keeper", "enable.auto.commit": False})
    committed = c.committed([TopicPartition("durable", 0), TopicPartition("durable", 1)], timeout=10)
    c.close()
    assert [tp.offset for tp in committed] == [7, 0]
    log = broker.log()
    assert log.count("listening on") == 6
