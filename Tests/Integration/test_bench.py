"""`nagare bench` (issue 8): the benchmark command at a tiny size, and its bad-input messages.

- test_bench_all_tiny: `nagare bench all --no-quix` with 2,000 events, latency 3 s at 200/s and
  20,000 broker messages, run from a directory outside the repository (the example folder is
  found from the executable's location). The printed report has every section, and the --json
  figures are sane: rates > 0, CPU > 0, p50 <= p99 <= p99.9 <= max, latencies above zero and
  below the run's own time limit, every latency event counted, fsync p50 <= p99.
- test_bench_rejects_bad_options: an unknown mode and a zero rate get a message naming them.

Timings are not asserted (they are the benchmark's output, not a property of the code).
"""
import json
import subprocess


def test_bench_all_tiny(nagare_bin, tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [nagare_bin, "bench", "all", "--no-quix", "--events", "2000", "--rate", "200", "--duration", "3",
         "--broker-messages", "20000", "--json", str(out), "--work-dir", str(tmp_path / "work")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    for heading in ["throughput, exactly-once", "nagare run", "latency, produce → visible in a store query",
                    "broker alone", "fsync of a 4 KiB write", "loopback TCP", "load average at start"]:
        assert heading in proc.stdout, f"{heading!r} missing from:\n{proc.stdout}"
    assert "quixstreams" not in proc.stdout

    figures = json.loads(out.read_text())
    job = figures["throughput"]
    assert job["events"] == 2000
    assert job["eventsPerSecond"] > 0 and job["seconds"] > 0
    assert job["jobCPUSecondsPerMillion"] > 0 and job["brokerCPUSecondsPerMillion"] > 0
    assert "quix" not in figures

    latency = figures["latency"]
    assert latency["events"] == 600 and latency["rate"] == 200
    assert latency["achievedRate"] > 0
    assert 0 < latency["p50Milliseconds"] <= latency["p99Milliseconds"] <= latency["p999Milliseconds"] \
        <= latency["maxMilliseconds"] < 60_000 + 3_000
    assert latency["meanQueryMilliseconds"] > 0

    broker = figures["broker"]
    assert broker["messages"] == 20000
    assert broker["produceMessagesPerSecond"] > 0 and broker["consumeMessagesPerSecond"] > 0

    machine = figures["machine"]
    assert machine["fsyncSamples"] > 0
    assert 0 < machine["fsyncP50Milliseconds"] <= machine["fsyncP99Milliseconds"]
    assert machine["loopbackMegabytesPerSecond"] > 0
    assert figures["skipped"] == []
    # The work directory was given, so it stays, but every process the bench started has ended.
    assert subprocess.run(["pgrep", "-f", str(tmp_path / "work")], capture_output=True).returncode == 1


def test_bench_rejects_bad_options(nagare_bin, tmp_path):
    proc = subprocess.run([nagare_bin, "bench", "fastest"], cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0
    assert "MODE: 'fastest' is not one of throughput, latency, quix, broker, all" in proc.stderr
    proc = subprocess.run([nagare_bin, "bench", "latency", "--rate", "0"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode != 0
    assert "--rate: must be positive, got 0" in proc.stderr
    proc = subprocess.run([nagare_bin, "bench", "throughput", "--example", str(tmp_path)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0
    assert f"--example {tmp_path}: no pipeline.yml in it" in proc.stderr
