"""Bad input against a real `nagare broker`: malformed frames, unsupported APIs and versions, corrupt
record batches, requests for things that do not exist, and misbehaving connections.

Frames are written by hand with `struct` on raw sockets, so each case sends exactly the bytes
it means to. After every case the broker must keep serving well-behaved clients (a raw
ApiVersions on a new connection, and confluent-kafka where records are involved), must log why
it dropped a connection, and must stop cleanly on SIGTERM.

Kafka framing, for reading the helpers: int32 length, then a request header — int16 api_key,
int16 api_version, int32 correlation_id, int16-length client_id, plus one tagged-fields byte
for flexible versions — then the body. A response is int32 length, int32 correlation_id, a
tagged-fields byte for flexible versions other than ApiVersions, then the body.
"""
import os
import re
import signal
import socket
import struct
import subprocess
import threading
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from kafka.record.default_records import DefaultRecordBatchBuilder

# API keys and error codes from the Kafka protocol guide.
PRODUCE, FETCH, LIST_OFFSETS, METADATA, API_VERSIONS = 0, 1, 2, 3, 18
NONE, OFFSET_OUT_OF_RANGE, CORRUPT_MESSAGE, UNKNOWN_TOPIC_OR_PARTITION = 0, 1, 2, 3
INVALID_TOPIC_EXCEPTION, UNSUPPORTED_VERSION = 17, 35

MAX_FRAME_BYTES = 100 * 1024 * 1024  # BrokerConfiguration.maxFrameBytes
TIMEOUT = 10


class BrokerProcess:
    """`nagare broker` on a free port; its standard error goes to a file the tests read."""

    def __init__(self, nagare_bin, tmp_path, name, extra_args=()):
        self.data_dir = tmp_path / name
        self.stderr_path = tmp_path / f"{name}.stderr"
        self.stderr = open(self.stderr_path, "w")
        self.proc = subprocess.Popen(
            [nagare_bin, "broker", "--data-dir", str(self.data_dir), "--listen", "127.0.0.1:0", *extra_args],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        line = self.proc.stdout.readline()
        match = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)\n", line)
        if not match:
            self.stop()
            raise RuntimeError(f"broker did not start: {line!r}\n{self.log()}")
        self.port = int(match.group(1))
        self.bootstrap = f"127.0.0.1:{self.port}"

    def log(self):
        return self.stderr_path.read_text()

    def wait_for_log(self, pattern, count=1):
        """Waits for `count` lines matching `pattern` (logging is asynchronous) and returns them."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            lines = [line for line in self.log().splitlines() if re.search(pattern, line)]
            if len(lines) >= count or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert len(lines) >= count, f"expected {count} log lines matching {pattern!r}, got {len(lines)}:\n{self.log()}"
        return lines

    def stop(self):
        """SIGTERM; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()
        return self.proc.returncode


def _start(nagare_bin, tmp_path, name, extra_args=()):
    broker = BrokerProcess(nagare_bin, tmp_path, name, extra_args)
    yield broker
    alive = broker.proc.poll() is None
    code = broker.stop()
    assert alive, f"the broker died during the test (exit {code}):\n{broker.log()}"
    assert code == 0, broker.log()


@pytest.fixture
def broker(nagare_bin, tmp_path):
    """A broker with default settings (topics are auto-created with 1 partition)."""
    yield from _start(nagare_bin, tmp_path, "broker")


@pytest.fixture
def strict_broker(nagare_bin, tmp_path):
    """A broker that does not create topics on first use."""
    yield from _start(nagare_bin, tmp_path, "strict", ["--no-auto-create-topics"])


# MARK: encoding


def string(s):
    raw = s.encode()
    return struct.pack(">h", len(raw)) + raw


def compact_string(s):
    raw = s.encode()
    return bytes([len(raw) + 1]) + raw  # uvarint; every string here is under 127 bytes


def array(items):
    return struct.pack(">i", len(items)) + b"".join(items)


def frame(api_key, version, correlation_id, body=b"", flexible=False, client_id="bad-input"):
    header = struct.pack(">hhi", api_key, version, correlation_id) + string(client_id)
    if flexible:
        header += b"\x00"
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


def api_versions_v3(correlation_id):
    return frame(API_VERSIONS, 3, correlation_id, compact_string("bad-input") + compact_string("1.0") + b"\x00",
                 flexible=True)


def metadata_v4(correlation_id, topics, allow_auto_creation=True):
    return frame(METADATA, 4, correlation_id, array([string(t) for t in topics]) + struct.pack(">?", allow_auto_creation))


def produce_v7(correlation_id, topic, records, partition=0):
    partitions = array([struct.pack(">i", partition) + struct.pack(">i", len(records)) + records])
    body = struct.pack(">hhi", -1, -1, TIMEOUT * 1000) + array([string(topic) + partitions])  # null txn id, acks=-1
    return frame(PRODUCE, 7, correlation_id, body)


def list_offsets_v1(correlation_id, topic, partition=0, timestamp=-1):
    partitions = array([struct.pack(">iq", partition, timestamp)])
    return frame(LIST_OFFSETS, 1, correlation_id, struct.pack(">i", -1) + array([string(topic) + partitions]))


def fetch_v4(correlation_id, topic, offset, partition=0):
    partitions = array([struct.pack(">iqi", partition, offset, 1 << 20)])
    # replica_id, max_wait_ms, min_bytes, max_bytes, isolation_level
    body = struct.pack(">iiiib", -1, 100, 1, 1 << 20, 0) + array([string(topic) + partitions])
    return frame(FETCH, 4, correlation_id, body)


def record_batch(values):
    """A valid RecordBatch v2, built by kafka-python's own encoder."""
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=False, producer_id=-1,
                                        producer_epoch=-1, base_sequence=-1, batch_size=1 << 20)
    now = int(time.time() * 1000)
    for i, value in enumerate(values):
        builder.append(i, timestamp=now, key=None, value=value, headers=[])
    return bytes(builder.build())


# MARK: decoding


class Reader:
    def __init__(self, data):
        self.data, self.at = data, 0

    def take(self, fmt):
        values = struct.unpack_from(fmt, self.data, self.at)
        self.at += struct.calcsize(fmt)
        return values if len(values) > 1 else values[0]

    def string(self):
        n = self.take(">h")
        value = self.data[self.at:self.at + n].decode()
        self.at += max(n, 0)
        return value if n >= 0 else None

    def array(self, element):
        return [element(self) for _ in range(self.take(">i"))]


# MARK: sockets


def connect(broker):
    s = socket.create_connection(("127.0.0.1", broker.port), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def recv_exactly(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise ConnectionError(f"connection closed after {len(data)} of {n} bytes")
        data += chunk
    return data


def response(s, correlation_id):
    """Reads one response frame and returns its body (after the correlation id)."""
    (length,) = struct.unpack(">i", recv_exactly(s, 4))
    payload = recv_exactly(s, length)
    assert struct.unpack_from(">i", payload)[0] == correlation_id
    return payload[4:]


def request(broker, data, correlation_id):
    with connect(broker) as s:
        s.sendall(data)
        return response(s, correlation_id)


def assert_closed_by_broker(s):
    """The broker closes the connection without sending anything."""
    try:
        data = s.recv(1024)
    except ConnectionResetError:
        data = b""
    assert data == b"", f"expected the broker to close the connection, got {data!r}"


def api_versions_v0_body(body):
    r = Reader(body)
    error = r.take(">h")
    versions = {key: (low, high) for key, low, high in r.array(lambda r: r.take(">hhh"))}
    return error, versions


def assert_serving(broker):
    """A well-behaved client on a new connection is still answered."""
    error, versions = api_versions_v0_body(request(broker, frame(API_VERSIONS, 0, 7), 7))
    assert error == NONE
    assert versions[PRODUCE][1] >= 7 and versions[METADATA][1] >= 4


def produce_v7_errors(body):
    """(partition, error_code, base_offset) of each partition in a Produce v7 response."""
    def partition(r):
        index, error, base_offset, _log_append_time, _log_start = r.take(">ihqqq")
        return index, error, base_offset

    topics = Reader(body).array(lambda r: (r.string(), r.array(partition)))
    return [p for _, partitions in topics for p in partitions]


def log_end_offset(broker, topic):
    def partition(r):
        return r.take(">ihqq")  # index, error, timestamp, offset

    topics = Reader(request(broker, list_offsets_v1(11, topic), 11)).array(lambda r: (r.string(), r.array(partition)))
    [(_, [(index, error, _timestamp, offset)])] = topics
    assert (index, error) == (0, NONE)
    return offset


def consume_all(broker, topic, expected, group="bad-input"):
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, 0)])
    values = []
    deadline = time.monotonic() + TIMEOUT
    while len(values) < expected and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is not None and message.error() is None:
            values.append(message.value())
    consumer.close()
    return values


def produce_with_confluent(broker, topic, values):
    producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all"})
    for v in values:
        producer.produce(topic, v, partition=0)
    assert producer.flush(TIMEOUT) == 0


# MARK: frames


def test_negative_frame_length_closes_the_connection(broker):
    with connect(broker) as s:
        s.sendall(struct.pack(">i", -1) + b"\x00" * 16)
        assert_closed_by_broker(s)
    broker.wait_for_log(r"connection \d+ from 127\.0\.0\.1 closed: invalid frame length -1")
    assert_serving(broker)


def test_frame_above_the_maximum_is_refused_before_buffering(broker):
    with connect(broker) as s:
        # Only the length is sent: the broker must refuse on the length alone, not wait for
        # (or allocate) 100 MiB.
        s.sendall(struct.pack(">i", MAX_FRAME_BYTES + 1))
        assert_closed_by_broker(s)
    broker.wait_for_log(rf"closed: frame of {MAX_FRAME_BYTES + 1} bytes exceeds the maximum of {MAX_FRAME_BYTES}")
    assert_serving(broker)


def test_truncated_frame_then_close_is_dropped(broker):
    data = api_versions_v3(1)
    with connect(broker) as s:
        s.sendall(data[:len(data) // 2])
    assert_serving(broker)
    # A half-sent request never reaches the API layer: it is dropped with its connection, and
    # nothing is rejected.
    assert "closing connection" not in broker.log()


def test_garbage_bytes(broker):
    # An HTTP request on the Kafka port: "GET " read as a length is ~1.1 GiB.
    with connect(broker) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert_closed_by_broker(s)
    broker.wait_for_log(r"closed: frame of 1195725856 bytes exceeds the maximum")
    # A plausible length followed by noise: the header itself does not parse (its client_id
    # length is negative).
    with connect(broker) as s:
        s.sendall(struct.pack(">i", 32) + bytes(range(0xA0, 0xC0)))
        assert_closed_by_broker(s)
    broker.wait_for_log(r"closing connection \d+ from 127\.0\.0\.1: malformed request header: invalid length")
    # A frame too short to hold a request header.
    with connect(broker) as s:
        s.sendall(struct.pack(">i", 3) + b"\x00\x12\x00")
        assert_closed_by_broker(s)
    broker.wait_for_log(r"closed: invalid frame length 3")
    # A known API whose body is garbage.
    with connect(broker) as s:
        s.sendall(frame(METADATA, 4, 5, b"\x7f\xff\xff\xff\x00"))
        assert_closed_by_broker(s)
    broker.wait_for_log(r"closing connection \d+ from 127\.0\.0\.1: malformed Metadata v4 request from client 'bad-input'")
    assert_serving(broker)


def test_unknown_api_key(broker):
    with connect(broker) as s:
        s.sendall(frame(999, 0, 1))
        assert_closed_by_broker(s)
    broker.wait_for_log(r"closing connection \d+ from 127\.0\.0\.1: unknown API key 999 from client 'bad-input'")
    assert_serving(broker)


def test_unsupported_version_of_a_known_api(broker):
    with connect(broker) as s:
        s.sendall(frame(METADATA, 50, 1, flexible=True))
        assert_closed_by_broker(s)
    broker.wait_for_log(r"closing connection \d+ from 127\.0\.0\.1: Metadata version 50 is not supported")
    assert_serving(broker)


def test_api_versions_too_new_is_answered_with_a_v0_list(broker):
    with connect(broker) as s:
        s.sendall(frame(API_VERSIONS, 99, 42, compact_string("future") + compact_string("9") + b"\x00", flexible=True))
        # KIP-511: error 35 with a v0 body (no tagged fields, no throttle time), so a client of
        # any version can read which versions to retry with.
        error, versions = api_versions_v0_body(response(s, 42))
        assert error == UNSUPPORTED_VERSION
        assert versions[API_VERSIONS] == (0, 3)
        assert versions[PRODUCE] == (3, 9) and versions[FETCH] == (4, 12) and versions[METADATA] == (0, 9)
        assert 999 not in versions
        # The connection stays open for the retry.
        s.sendall(api_versions_v3(43))
        body = response(s, 43)
        assert struct.unpack_from(">h", body)[0] == NONE


# MARK: records


def test_produce_with_a_corrupt_crc_appends_nothing(broker):
    produce_with_confluent(broker, "crc", [b"before"])
    batch = bytearray(record_batch([b"corrupt"]))
    batch[17] ^= 0xFF  # the CRC field (bytes 17..<21)
    body = request(broker, produce_v7(3, "crc", bytes(batch)), 3)
    [(index, error, base_offset)] = produce_v7_errors(body)
    assert (index, error, base_offset) == (0, CORRUPT_MESSAGE, -1)
    broker.wait_for_log(r"produce to crc\[0\] from 'bad-input' rejected: .*CRC mismatch")
    assert log_end_offset(broker, "crc") == 1
    produce_with_confluent(broker, "crc", [b"after"])
    assert consume_all(broker, "crc", 2) == [b"before", b"after"]


def test_produce_with_a_truncated_batch_appends_nothing(broker):
    produce_with_confluent(broker, "cut", [b"before"])
    batch = record_batch([b"one", b"two", b"three"])
    body = request(broker, produce_v7(4, "cut", batch[:-5]), 4)
    [(index, error, base_offset)] = produce_v7_errors(body)
    assert (index, error, base_offset) == (0, CORRUPT_MESSAGE, -1)
    broker.wait_for_log(r"produce to cut\[0\] from 'bad-input' rejected: .*truncated record batch")
    # A records field shorter than a batch header, too.
    body = request(broker, produce_v7(5, "cut", batch[:30]), 5)
    assert produce_v7_errors(body)[0][1] == CORRUPT_MESSAGE
    assert log_end_offset(broker, "cut") == 1
    produce_with_confluent(broker, "cut", [b"after"])
    assert consume_all(broker, "cut", 2) == [b"before", b"after"]


def test_produce_to_an_invalid_topic_name(broker):
    body = request(broker, produce_v7(6, "bad/name", record_batch([b"x"])), 6)
    [(index, error, _)] = produce_v7_errors(body)
    assert (index, error) == (0, INVALID_TOPIC_EXCEPTION)
    assert not any("bad" in name for name in os.listdir(broker.data_dir))
    assert_serving(broker)


def test_fetch_beyond_the_end_is_out_of_range(broker):
    produce_with_confluent(broker, "short", [b"a", b"b"])

    def partition(r):
        index, error, high_watermark, _last_stable = r.take(">ihqq")  # log_start_offset arrives in v5
        r.array(lambda r: r.take(">qq"))  # aborted transactions
        records_length = r.take(">i")
        r.at += max(records_length, 0)
        return index, error, high_watermark

    body = Reader(request(broker, fetch_v4(8, "short", 1000), 8))
    body.take(">i")  # throttle time
    [(_, [(index, error, high_watermark)])] = body.array(lambda r: (r.string(), r.array(partition)))
    assert (index, error) == (0, OFFSET_OUT_OF_RANGE)
    assert high_watermark in (-1, 2)
    assert consume_all(broker, "short", 2) == [b"a", b"b"]


def test_metadata_for_an_unknown_topic_without_auto_create(strict_broker):
    def topics(correlation_id):
        def topic(r):
            error, name, _internal = r.take(">h"), r.string(), r.take(">?")
            # partitions: error, index, leader, replicas, in-sync replicas
            r.array(lambda r: (r.take(">hii"), r.array(lambda r: r.take(">i")), r.array(lambda r: r.take(">i"))))
            return name, error

        # The client asks for auto-creation; the broker's setting wins.
        r = Reader(request(strict_broker, metadata_v4(correlation_id, ["nowhere"], allow_auto_creation=True),
                           correlation_id))
        r.take(">i")  # throttle time
        r.array(lambda r: (r.take(">i"), r.string(), r.take(">i"), r.string()))  # brokers
        r.string()  # cluster id
        r.take(">i")  # controller id
        return r.array(topic)

    assert topics(9) == [("nowhere", UNKNOWN_TOPIC_OR_PARTITION)]
    # A Produce to it is refused too, rather than creating it.
    body = request(strict_broker, produce_v7(10, "nowhere", record_batch([b"x"])), 10)
    assert produce_v7_errors(body)[0][1] == UNKNOWN_TOPIC_OR_PARTITION
    assert topics(12) == [("nowhere", UNKNOWN_TOPIC_OR_PARTITION)]


# MARK: connections


def test_connections_dropped_mid_frame(broker):
    partial = api_versions_v3(1)[:9]
    sockets = []
    for i in range(200):
        s = connect(broker)
        s.sendall(partial)
        if i % 2:
            # Reset instead of FIN: SO_LINGER with a zero timeout.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sockets.append(s)
    for s in sockets:
        s.close()
    assert_serving(broker)
    # Each reset is logged; the half frames were never requests, so nothing was rejected.
    broker.wait_for_log(r"connection \d+ from .* closed: .*Connection reset by peer", count=100)
    assert "closing connection" not in broker.log()
    produce_with_confluent(broker, "after-drops", [b"ok"])
    assert consume_all(broker, "after-drops", 1) == [b"ok"]


def test_slow_client_is_answered(broker):
    data = api_versions_v3(77)
    with connect(broker) as s:
        for i in range(len(data)):
            s.sendall(data[i:i + 1])
            time.sleep(0.01)
        body = response(s, 77)
    # ApiVersions v3: error, then a compact array of keys.
    assert struct.unpack_from(">h", body)[0] == NONE
    assert body[2] > 1


def test_connections_during_shutdown(nagare_bin, tmp_path):
    """Clients connecting while SIGTERM arrives must not turn a clean stop into a crash."""
    for attempt in range(10):
        broker = BrokerProcess(nagare_bin, tmp_path, f"shutdown-{attempt}")
        stopping = threading.Event()

        def connect_repeatedly():
            while not stopping.is_set():
                try:
                    socket.create_connection(("127.0.0.1", broker.port), timeout=1).close()
                except OSError:
                    pass

        threads = [threading.Thread(target=connect_repeatedly) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.2)
        code = broker.stop()
        stopping.set()
        for t in threads:
            t.join()
        assert code == 0, broker.log()
