"""Transactions against a real `nagare broker` (issue 4): confluent-kafka (bundled librdkafka),
kcat (Debian's librdkafka) and kafka-python, with producers, copy loops and the broker itself
killed with SIGKILL at awkward moments.

Each test starts its own broker through `TxnBroker`, which can be stopped, killed and restarted
on the same port and data directory (the crash tests need that)."""
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

PYTHON = sys.executable


class TxnBroker:
    """`nagare broker --data-dir DIR --listen 127.0.0.1:PORT`, restartable on the same port."""

    def __init__(self, nagare_bin, data_dir):
        self.nagare_bin = nagare_bin
        self.data_dir = str(data_dir)
        self.port = 0
        self.process = None
        self.log_path = self.data_dir + "-broker.log"

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def start(self):
        self.log_file = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [self.nagare_bin, "broker", "--data-dir", self.data_dir, "--listen", f"127.0.0.1:{self.port}"],
            stdout=subprocess.PIPE, stderr=self.log_file, text=True)
        line = self.process.stdout.readline().strip()
        assert line.startswith("listening on 127.0.0.1:"), f"broker did not start: {line!r}; see {self.log_path}"
        self.port = int(line.rsplit(":", 1)[1])
        return self

    def stop(self):
        """SIGTERM; returns the exit code."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        self.process = None
        self.log_file.close()
        return code

    def kill(self):
        """SIGKILL: a crash."""
        self.process.kill()
        self.process.wait()
        self.process = None
        self.log_file.close()

    def log(self):
        with open(self.log_path) as f:
            return f.read()


@pytest.fixture
def txn_broker(nagare_bin, tmp_path):
    b = TxnBroker(nagare_bin, tmp_path / "data").start()
    yield b
    if b.process is not None:
        assert b.stop() == 0, b.log()


def create_topic(bootstrap, name, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(name, partitions, 1)]).values():
        f.result(10)


def consume(bootstrap, topic, partitions, isolation, idle_seconds=3.0, expected=None, limit_seconds=120):
    """Every record of `topic` from the start, as (partition, offset, value) in per-partition
    order; stops when `expected` records arrived (then waits `idle_seconds` more for extras) or
    after `idle_seconds` without a record."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{random.random()}",
                  "isolation.level": isolation, "enable.auto.commit": False,
                  "enable.partition.eof": False})
    c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    out = []
    last = time.time()
    deadline = time.time() + limit_seconds
    try:
        while time.time() < deadline:
            batch = c.consume(10_000, 0.2)
            for m in batch:
                assert m.error() is None, m.error()
                out.append((m.partition(), m.offset(), m.value().decode()))
            if batch:
                last = time.time()
            idle = time.time() - last
            if expected is not None and len(out) >= expected and idle >= min(idle_seconds, 1.0):
                break
            if idle >= idle_seconds and (expected is None or len(out) >= expected):
                break
            if expected is not None and idle >= 20:
                break
    finally:
        c.close()
    return out


def last_stable_offsets(bootstrap, topic, partitions):
    """(read_committed high, read_uncommitted high) per partition, through ListOffsets."""
    result = []
    for isolation in ("read_committed", "read_uncommitted"):
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": "watermarks", "isolation.level": isolation})
        result.append([c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in range(partitions)])
        c.close()
    return result[0], result[1]


def run_python(code, *args, **kwargs):
    """A Python child process running `code` (a producer that the test can SIGKILL)."""
    return subprocess.Popen([PYTHON, "-c", textwrap.dedent(code), *args], stdout=subprocess.PIPE,
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


# A transactional producer that opens a transaction, writes `count` records, flushes them, says
# "open" and then waits (for SIGKILL, or for "commit" on stdin).
HANGING_PRODUCER = """
    import sys
    from confluent_kafka import Producer, KafkaException
    bootstrap, txid, topic, count, timeout_ms = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    p = Producer({"bootstrap.servers": bootstrap, "transactional.id": txid, "transaction.timeout.ms": timeout_ms})
    p.init_transactions(30)
    p.begin_transaction()
    for i in range(count):
        p.produce(topic, value=f"{txid}-open-{i}".encode(), partition=i % 2)
    p.flush(30)
    print("open", flush=True)
    if sys.stdin.readline().strip() == "commit":
        try:
            p.commit_transaction(30)
            print("committed", flush=True)
        except KafkaException as e:
            err = e.args[0]
            print(f"failed {err.name()} fatal={err.fatal()}", flush=True)
"""


def test_1000_committed_and_1000_aborted_transactions(txn_broker):
    """read_committed sees exactly the committed records in order, read_uncommitted all of
    them, and kcat with isolation.level=read_committed agrees."""
    bs = txn_broker.bootstrap
    create_topic(bs, "interleaved", 2)
    p = Producer({"bootstrap.servers": bs, "transactional.id": "interleaver", "linger.ms": 0})
    p.init_transactions(30)
    for i in range(1000):
        for outcome in ("commit", "abort"):
            p.begin_transaction()
            for partition in (0, 1):
                p.produce("interleaved", value=f"{outcome}-{i}-{partition}".encode(), partition=partition)
            if outcome == "commit":
                p.commit_transaction(30)
            else:
                p.flush(30)  # the aborted records are in the log, not just in the client
                p.abort_transaction(30)

    committed = consume(bs, "interleaved", 2, "read_committed", expected=2000)
    for partition in (0, 1):
        values = [v for p_, _, v in committed if p_ == partition]
        assert values == [f"commit-{i}-{partition}" for i in range(1000)]
    assert len(committed) == 2000

    everything = consume(bs, "interleaved", 2, "read_uncommitted", expected=4000)
    assert len(everything) == 4000
    for partition in (0, 1):
        values = [v for p_, _, v in everything if p_ == partition]
        expected = [f"{o}-{i}-{partition}" for i in range(1000) for o in ("commit", "abort")]
        assert values == expected

    out = subprocess.run(["kcat", "-b", bs, "-C", "-t", "interleaved", "-o", "beginning", "-e", "-q",
                          "-X", "isolation.level=read_committed", "-f", "%p %s\n"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = [line.split(" ") for line in out.stdout.splitlines()]
    assert len(rows) == 2000
    for partition in ("0", "1"):
        assert [v for p_, v in rows if p_ == partition] == [f"commit-{i}-{partition}" for i in range(1000)]

    # Nothing is open: the LSO is the end of the log (2000 data + 2000 marker offsets each).
    lso, hw = last_stable_offsets(bs, "interleaved", 2)
    assert lso == hw == [4000, 4000]


def test_sigkilled_producer_is_aborted_by_a_new_instance_at_once(txn_broker):
    bs = txn_broker.bootstrap
    create_topic(bs, "killed", 2)
    # A long timeout: what ends the dead transaction must be the new instance, not the timeout.
    dead = run_python(HANGING_PRODUCER, bs, "killme", "killed", "50", "60000")
    assert dead.stdout.readline().strip() == "open", dead.stderr.read()
    lso, hw = last_stable_offsets(bs, "killed", 2)
    assert hw == [25, 25] and lso == [0, 0], "the open transaction must hold the LSO at its first offset"
    dead.kill()
    dead.wait()

    p = Producer({"bootstrap.servers": bs, "transactional.id": "killme", "transaction.timeout.ms": 60000})
    started = time.monotonic()
    p.init_transactions(20)  # would fail if it had to wait for the 60 s timeout
    assert time.monotonic() - started < 20
    p.begin_transaction()
    p.produce("killed", value=b"after", partition=0)
    p.commit_transaction(20)

    visible = consume(bs, "killed", 2, "read_committed", expected=1)
    assert [v for _, _, v in visible] == ["after"]
    assert len(consume(bs, "killed", 2, "read_uncommitted", expected=51)) == 51
    lso, hw = last_stable_offsets(bs, "killed", 2)
    assert lso == hw


def test_timeout_aborts_a_dead_producers_transaction(txn_broker):
    bs = txn_broker.bootstrap
    create_topic(bs, "timedout", 2)
    dead = run_python(HANGING_PRODUCER, bs, "forgotten", "timedout", "10", "3000")
    assert dead.stdout.readline().strip() == "open", dead.stderr.read()
    dead.kill()
    dead.wait()
    deadline = time.time() + 30
    while True:
        lso, hw = last_stable_offsets(bs, "timedout", 2)
        if lso == hw:
            break
        assert time.time() < deadline, f"the timeout did not abort the transaction: LSO {lso}, HW {hw}"
        time.sleep(0.5)
    assert hw == [6, 6]  # 5 records and an abort marker in each partition
    assert consume(bs, "timedout", 2, "read_committed", idle_seconds=2) == []
    assert len(consume(bs, "timedout", 2, "read_uncommitted", expected=10)) == 10


def test_zombie_commit_is_fenced(txn_broker):
    bs = txn_broker.bootstrap
    create_topic(bs, "zombies", 2)
    zombie = run_python(HANGING_PRODUCER, bs, "shared-id", "zombies", "4", "60000")
    assert zombie.stdout.readline().strip() == "open", zombie.stderr.read()

    successor = Producer({"bootstrap.servers": bs, "transactional.id": "shared-id"})
    successor.init_transactions(20)
    successor.begin_transaction()
    successor.produce("zombies", value=b"successor", partition=1)
    successor.commit_transaction(20)

    zombie.stdin.write("commit\n")
    zombie.stdin.flush()
    answer = zombie.stdout.readline().strip()
    zombie.wait(30)
    assert answer.startswith("failed"), answer
    assert "FENCED" in answer or "INVALID_PRODUCER_EPOCH" in answer, answer
    assert [v for _, _, v in consume(bs, "zombies", 2, "read_committed", expected=1)] == ["successor"]


# The consume-transform-produce loop: copies `source` to `copy` one transaction per batch, the
# input offsets committed in the same transaction, as a Nagare pipeline does. Exits 0 when it has
# copied everything. Arguments: bootstrap, pause after each transaction (seconds: the test slows
# the copies it kills so that the kills land while copying), records per transaction at most.
# Static membership (group.instance.id) lets a restarted copy take over its
# predecessor's assignment without waiting for the dead member's session to expire.
COPIER = """
    import sys, time
    from confluent_kafka import Consumer, Producer, TopicPartition
    bootstrap, pause, batch_size = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": "copier", "linger.ms": 5})
    producer.init_transactions(30)  # aborts a killed predecessor's transaction (and its offsets)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "copy-group", "group.instance.id": "copier-1",
                         "isolation.level": "read_committed", "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "session.timeout.ms": 6000})
    consumer.subscribe(["source"])
    idle = 0
    while True:
        batch = consumer.consume(batch_size, 0.3)
        batch = [m for m in batch if m.error() is None]
        if not batch:
            idle += 1
            assignment = consumer.assignment()
            if idle >= 3 and assignment:
                # Nothing consumed in this incarnation has no position yet: use the commit.
                committed = {(tp.topic, tp.partition): tp.offset for tp in consumer.committed(assignment, timeout=10)}
                positions = [p.offset if p.offset >= 0 else committed[(p.topic, p.partition)]
                             for p in consumer.position(assignment)]
                ends = [consumer.get_watermark_offsets(tp, timeout=10)[1] for tp in assignment]
                if positions == ends:
                    break
            continue
        idle = 0
        producer.begin_transaction()
        for m in batch:
            producer.produce("copy", key=m.key(), value=m.value(), partition=m.partition())
        producer.send_offsets_to_transaction(consumer.position(consumer.assignment()),
                                             consumer.consumer_group_metadata(), 30)
        producer.commit_transaction(30)
        time.sleep(pause)
    consumer.close()
    print("done", flush=True)
"""


def test_copy_loop_killed_20_times_copies_every_record_exactly_once(txn_broker):
    bs = txn_broker.bootstrap
    total = 100_000
    create_topic(bs, "source", 4)
    create_topic(bs, "copy", 4)
    p = Producer({"bootstrap.servers": bs, "enable.idempotence": True, "linger.ms": 20})
    for i in range(total):
        p.produce("source", key=str(i).encode(), value=f"record-{i}".encode(), partition=i % 4)
        if i % 10_000 == 0:
            p.poll(0)
    assert p.flush(60) == 0

    rng = random.Random(4)
    kills = 0
    while kills < 20:
        copier = run_python(COPIER, bs, "0.05", "100")
        time.sleep(rng.uniform(1.0, 2.5))
        if copier.poll() is not None:
            assert copier.returncode == 0, copier.stderr.read()
            break  # finished before the kill: nothing left to interrupt
        copier.kill()
        copier.wait()
        kills += 1
    copied_during_kills = len(consume(bs, "copy", 4, "read_committed", idle_seconds=1))
    final = run_python(COPIER, bs, "0", "1000")
    out, err = final.communicate(timeout=240)
    assert final.returncode == 0 and out.strip() == "done", err

    rows = consume(bs, "copy", 4, "read_committed", expected=total)
    values = [v for _, _, v in rows]
    assert len(values) == total, f"{len(values)} records in the copy ({len(values) - len(set(values))} duplicates)"
    assert set(values) == {f"record-{i}" for i in range(total)}
    # The kills happened while copying, not after it.
    assert kills == 20 and 0 < copied_during_kills < total, (kills, copied_during_kills)
    for partition in range(4):
        in_partition = [int(v.split("-")[1]) for p_, _, v in rows if p_ == partition]
        assert in_partition == sorted(in_partition), f"copy partition {partition} out of order"


def test_kafka_python_transactional_producer(txn_broker):
    from kafka import KafkaConsumer, KafkaProducer
    bs = txn_broker.bootstrap
    create_topic(bs, "kp", 1)
    producer = KafkaProducer(bootstrap_servers=bs, transactional_id="kafka-python-txn")
    producer.init_transactions()
    for i in range(10):
        producer.begin_transaction()
        producer.send("kp", f"kept-{i}".encode())
        producer.commit_transaction()
        producer.begin_transaction()
        producer.send("kp", f"dropped-{i}".encode())
        producer.flush()
        producer.abort_transaction()
    producer.close()

    consumer = KafkaConsumer(bootstrap_servers=bs, isolation_level="read_committed", auto_offset_reset="earliest",
                             enable_auto_commit=False, consumer_timeout_ms=3000)
    consumer.assign([__import__("kafka").TopicPartition("kp", 0)])
    assert [m.value.decode() for m in consumer] == [f"kept-{i}" for i in range(10)]
    consumer.close()
    assert [v for _, _, v in consume(bs, "kp", 1, "read_committed", expected=10)] == [f"kept-{i}" for i in range(10)]


def test_broker_sigkill_mid_transactions(txn_broker):
    """Committed data survives a broker crash; a transaction open at the crash holds the LSO
    after the restart until its timeout aborts it; an idempotent retry is still deduplicated."""
    bs = txn_broker.bootstrap
    create_topic(bs, "crash", 2)
    committer = Producer({"bootstrap.servers": bs, "transactional.id": "committer"})
    committer.init_transactions(20)
    for i in range(50):
        committer.begin_transaction()
        committer.produce("crash", value=f"committed-{i}".encode(), partition=i % 2)
        committer.commit_transaction(20)
    open_txn = run_python(HANGING_PRODUCER, bs, "open-at-crash", "crash", "6", "4000")
    assert open_txn.stdout.readline().strip() == "open", open_txn.stderr.read()
    lso_before, hw_before = last_stable_offsets(bs, "crash", 2)
    assert hw_before == [53, 53] and lso_before == [50, 50]

    txn_broker.kill()
    open_txn.kill()
    open_txn.wait()
    txn_broker.start()

    lso, hw = last_stable_offsets(bs, "crash", 2)
    assert hw == [53, 53]
    assert lso in ([50, 50], [54, 54]), lso  # still open, or already timed out
    deadline = time.time() + 30
    while lso != hw:
        assert time.time() < deadline, f"open transaction not aborted after restart: LSO {lso}, HW {hw}"
        time.sleep(0.5)
        lso, hw = last_stable_offsets(bs, "crash", 2)
    assert hw == [54, 54]
    committed = consume(bs, "crash", 2, "read_committed", expected=50)
    assert sorted(v for _, _, v in committed) == sorted(f"committed-{i}" for i in range(50))

    # The committer's next incarnation works after the crash.
    committer2 = Producer({"bootstrap.servers": bs, "transactional.id": "committer"})
    committer2.init_transactions(20)
    committer2.begin_transaction()
    committer2.produce("crash", value=b"after-restart", partition=0)
    committer2.commit_transaction(20)
    assert len(consume(bs, "crash", 2, "read_committed", expected=51)) == 51
