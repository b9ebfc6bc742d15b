"""`nagare offsets show|reset` (issue 5, operations) and how `nagare run` treats a committed offset
outside the log: against `nagare broker`, with the example pipeline's group.

- show: committed offset, log start/end and lag per partition, and whether the group has members;
- reset: the preview prints current → new and how many records each partition would skip or
  replay, and changes nothing; --execute commits; earliest / latest / timestamp:MS / offset:N;
- reset --execute refuses while the group has an active member, and says so;
- an out-of-range committed offset makes `nagare run` exit non-zero naming the partition (no
  silent jump); after `offsets reset --execute` it runs again and catches up.
"""
import os
import re
import subprocess
import sys
import time

import pytest
from confluent_kafka import Consumer, TopicPartition

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "clients"))
import access_log_events as gen  # noqa: E402
from test_pipeline_exactly_once import GROUP, PIPELINE, Runner, drain  # noqa: E402

TOPIC = gen.TOPIC


@pytest.fixture
def broker6(nagare_bin, tmp_path):
    from conftest import Broker
    b = Broker(nagare_bin, tmp_path / "data", ["--partitions", "6"]).start()
    yield b
    if b.process is not None:
        assert b.stop() == 0, b.log()


def offsets(nagare_bin, bootstrap, *args, check=True):
    p = subprocess.run([nagare_bin, "offsets", *args, "--brokers", bootstrap],
                       capture_output=True, text=True, timeout=60)
    if check:
        assert p.returncode == 0, f"nagare offsets {' '.join(args)}: {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


def table(output):
    """Rows of the printed table whose first column is the topic, as dicts by header."""
    lines = output.splitlines()
    header_at = next(i for i, line in enumerate(lines) if line.startswith("TOPIC"))
    names = lines[header_at].split()
    rows = {}
    for line in lines[header_at + 1:]:
        if not line.startswith(TOPIC + " "):
            continue
        cells = re.split(r"\s{2,}", line.strip(), maxsplit=len(names) - 1)
        row = dict(zip(names, cells))
        rows[int(row["PARTITION"])] = row
    return rows


def committed(bootstrap):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP, "enable.auto.commit": False,
                  # Only committed offsets are wanted; read_committed would make librdkafka ask
                  # with require_stable and retry (until timeout) while a transaction of the
                  # running pipeline holds offsets pending.
                  "isolation.level": "read_uncommitted"})
    try:
        tps = [TopicPartition(TOPIC, p) for p in range(gen.PARTITIONS)]
        return {tp.partition: tp.offset for tp in c.committed(tps, timeout=10)}
    finally:
        c.close()


def ends(bootstrap):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "ends"})
    try:
        return {p: c.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=10)[1] for p in range(gen.PARTITIONS)}
    finally:
        c.close()


def commit_as_group(bootstrap, offsets_by_partition):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP, "enable.auto.commit": False})
    try:
        c.commit(offsets=[TopicPartition(TOPIC, p, o) for p, o in offsets_by_partition.items()], asynchronous=False)
    finally:
        c.close()


def run_pipeline_to_end(nagare_bin, bootstrap, workdir):
    runner = Runner(nagare_bin, bootstrap, 1, workdir).start()
    drain(bootstrap, [runner], timeout=120)
    assert runner.stop_with_file() == 0, runner.log()[-3000:]


def test_show_and_reset_preview_then_execute(nagare_bin, broker6, tmp_path):
    b = broker6.bootstrap
    first = gen.produce(b, gen.generate(3000, seed=11))
    time.sleep(1.0)
    between_ms = int(time.time() * 1000)
    time.sleep(1.0)
    second = gen.produce(b, gen.generate(1200, seed=12), create=False)
    run_pipeline_to_end(nagare_bin, b, tmp_path)
    end = ends(b)
    assert committed(b) == end

    # show: every partition committed at its end, lag 0, no members once the run stopped.
    out = offsets(nagare_bin, b, "show", "--group", GROUP).stdout
    assert f"group {GROUP}: state" in out and "no active members" in out, out
    rows = table(out)
    assert sorted(rows) == list(range(gen.PARTITIONS)), out
    for p, row in rows.items():
        assert (row["START"], row["COMMITTED"], row["END"], row["LAG"]) == ("0", str(end[p]), str(end[p]), "0"), out
    assert "total lag: 0" in out

    # Previews change nothing.
    out = offsets(nagare_bin, b, "reset", "--group", GROUP, "--topic", TOPIC, "--to", "earliest").stdout
    assert "preview only, nothing changed" in out, out
    for p, row in table(out).items():
        assert (row["CURRENT"], row["NEW"]) == (str(end[p]), "0"), out
        assert row["EFFECT"] == (f"replays {end[p]}" if end[p] else "unchanged"), out
    assert f"replays {sum(end.values())}" in out

    out = offsets(nagare_bin, b, "reset", "--group", GROUP, "--topic", TOPIC, "--to", f"timestamp:{between_ms}").stdout
    first_counts = {p: sum(1 for r in first if r.partition == p) for p in range(gen.PARTITIONS)}
    assert len(first) + len(second) == sum(end.values())
    for p, row in table(out).items():
        assert row["NEW"] == str(first_counts[p]), out
        assert row["EFFECT"] == (f"replays {end[p] - first_counts[p]}" if end[p] > first_counts[p] else "unchanged"), out

    out = offsets(nagare_bin, b, "reset", "--group", GROUP, "--topic", TOPIC, "--to", "offset:100").stdout
    for p, row in table(out).items():
        assert row["NEW"] == str(min(100, end[p])), out
    assert committed(b) == end, "a preview must not change the group's offsets"

    # --execute commits; the next show says so.
    out = offsets(nagare_bin, b, "reset", "--group", GROUP, "--topic", TOPIC, "--to", "offset:100", "--execute").stdout
    assert "committed" in out and "preview" not in out, out
    assert committed(b) == {p: min(100, end[p]) for p in end}
    rows = table(offsets(nagare_bin, b, "show", "--group", GROUP).stdout)
    assert {p: int(r["LAG"]) for p, r in rows.items()} == {p: end[p] - min(100, end[p]) for p in end}

    out = offsets(nagare_bin, b, "reset", "--group", GROUP, "--topic", TOPIC, "--to", "latest", "--execute").stdout
    assert committed(b) == end
    assert f"skips {sum(end[p] - min(100, end[p]) for p in end)}" in out, out

    # Bad targets are usage errors.
    p = offsets(nagare_bin, b, "reset", "--group", GROUP, "--topic", TOPIC, "--to", "yesterday", check=False)
    assert p.returncode != 0 and "--to" in p.stderr and "timestamp:" in p.stderr, p.stderr
    p = offsets(nagare_bin, b, "reset", "--group", GROUP, "--topic", "no.such.topic", "--to", "earliest", check=False)
    assert p.returncode != 0 and "no.such.topic" in p.stderr, (p.stdout, p.stderr)


def test_reset_refuses_while_the_group_has_members(nagare_bin, broker6):
    b = broker6.bootstrap
    gen.produce(b, gen.generate(500, seed=13))
    commit_as_group(b, {p: 0 for p in range(gen.PARTITIONS)})
    member = Consumer({"bootstrap.servers": b, "group.id": GROUP, "enable.auto.commit": False,
                       "session.timeout.ms": 6000})
    assigned = []
    member.subscribe([TOPIC], on_assign=lambda c, ps: assigned.extend(ps))
    deadline = time.time() + 30
    while not assigned:
        assert time.time() < deadline, "the member got no assignment"
        member.poll(0.2)
    try:
        out = offsets(nagare_bin, b, "show", "--group", GROUP).stdout
        assert "1 active member" in out, out
        p = offsets(nagare_bin, b, "reset", "--group", GROUP, "--topic", TOPIC, "--to", "latest", "--execute", check=False)
        assert p.returncode != 0, p.stdout
        assert "1 active member" in p.stderr and "stop its processes" in p.stderr and "not changed" in p.stderr, p.stderr
        assert committed(b) == {p: 0 for p in range(gen.PARTITIONS)}
        # The preview still works, with the same warning.
        p = offsets(nagare_bin, b, "reset", "--group", GROUP, "--topic", TOPIC, "--to", "latest")
        assert "note: group" in p.stdout and "active member" in p.stdout, p.stdout
    finally:
        member.close()
    # Once it left, the reset goes through.
    offsets(nagare_bin, b, "reset", "--group", GROUP, "--topic", TOPIC, "--to", "latest", "--execute")
    assert committed(b) == ends(b)


def test_out_of_range_offset_stops_run_until_reset(nagare_bin, broker6, tmp_path):
    b = broker6.bootstrap
    gen.produce(b, gen.generate(2000, seed=14))
    run_pipeline_to_end(nagare_bin, b, tmp_path)
    end = ends(b)
    bad = dict(end)
    bad[2] = end[2] + 5000
    commit_as_group(b, bad)

    out = offsets(nagare_bin, b, "show", "--group", GROUP).stdout
    assert "(out of range)" in table(out)[2]["COMMITTED"], out

    # nagare run stops with an error naming the partition instead of jumping anywhere.
    p = subprocess.run([nagare_bin, "run", PIPELINE, "--brokers", b, "--instance", "1"],
                       capture_output=True, text=True, timeout=90)
    assert p.returncode != 0, p.stderr[-3000:]
    assert f"{TOPIC}[2]" in p.stderr and "outside the log" in p.stderr and "nagare offsets reset" in p.stderr, p.stderr[-3000:]
    assert committed(b) == bad, "nothing was committed"

    # The preview shows the problem; --execute to latest repairs it; the pipeline runs again.
    out = offsets(nagare_bin, b, "reset", "--group", GROUP, "--topic", TOPIC, "--to", "latest").stdout
    assert "outside the log" in table(out)[2]["EFFECT"], out
    offsets(nagare_bin, b, "reset", "--group", GROUP, "--topic", TOPIC, "--to", "latest", "--execute")
    assert committed(b) == end
    gen.produce(b, gen.generate(600, seed=15), create=False)
    run_pipeline_to_end(nagare_bin, b, tmp_path)
    assert committed(b) == ends(b) != end
