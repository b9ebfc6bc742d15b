"""Produces sequence numbers 0, 1, 2, ... as fast as acks allow until SIGTERM; prints each
acknowledged number on stdout (one per line, flushed), so a test knows exactly what the broker
promised to keep. Usage: seq_producer.py BOOTSTRAP TOPIC"""
import signal
import sys

from confluent_kafka import Producer

bootstrap, topic = sys.argv[1], sys.argv[2]
stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
              "linger.ms": 2, "message.timeout.ms": 120000, "reconnect.backoff.max.ms": 200})


def delivered(err, msg):
    if err is None:
        sys.stdout.write(msg.value().decode() + "\n")


i = 0
while not stop:
    try:
        p.produce(topic, key=str(i % 50).encode(), value=str(i).encode(), on_delivery=delivered)
        i += 1
    except BufferError:
        p.poll(0.05)
    if i % 100 == 0:
        p.poll(0)
        sys.stdout.flush()
p.flush(120)
sys.stdout.flush()
sys.stderr.write(f"produced {i}, in queue after flush: {len(p)}\n")
