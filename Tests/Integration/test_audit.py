"""`nagare audit` (issue 8): exactly-once checked end to end under chaos, and an audit that fails.

- test_audit_passes_under_mixed_kills: a small audit (5,000 events, 3 kills, SIGKILL and SIGTERM
  mixed, 2 pipeline processes, one broker SIGKILL) exits 0 and reports 0 lost, 0 duplicated and
  every check clean.
- test_audit_detects_at_least_once_duplicates: the same pipeline with `--delivery at-least-once`
  (no transactions) killed with SIGKILL while it processes a steady input: the audit exits 1 and
  reports duplicates. This is the proof that the audit can fail.
- test_audit_rejects_bad_options: bad input gets a message naming the option.

The audit starts its own broker, pipelines and store as child processes of the binary in
NAGARE_BIN; it is run from the repository root, where the example pipeline lives.
"""
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def audit(nagare_bin, tmp_path, *args, timeout=600):
    proc = subprocess.run([nagare_bin, "audit", "--work-dir", str(tmp_path / "audit"), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    report = {}
    for line in proc.stdout.splitlines():
        name, _, value = line.partition(":")
        report[name.strip()] = value.strip()
    return proc, report


def number(report, name):
    match = re.match(r"(\d+)", report[name])
    assert match, f"{name}: {report[name]!r}"
    return int(match.group(1))


def test_audit_passes_under_mixed_kills(nagare_bin, tmp_path):
    proc, report = audit(nagare_bin, tmp_path, "--events", "5000", "--kills", "3", "--mode", "mixed",
                         "--workers", "2", "--broker-kills", "1", "--seed", "3")
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert report["result"] == "PASS", proc.stdout
    assert number(report, "lost") == 0 and number(report, "duplicated") == 0, proc.stdout
    assert number(report, "unexpected") == 0
    assert "0 wrong" in report["windows"] and "0 wrong" in report["dead letters"], proc.stdout
    assert "0 per-minute mismatches" in report["store minutes"], proc.stdout
    assert report["kills done"].startswith("4 ") and "broker 1" in report["kills done"], proc.stdout
    # The output really was checked: as many enriched records as distinct valid events, which
    # the generated mix (duplicates, malformed, late) makes fewer than the records sent.
    distinct = int(re.search(r"(\d+) distinct valid events", report["events in"]).group(1))
    assert number(report, "events out") == distinct and 4000 < distinct < 5000, proc.stdout
    assert re.search(r"p50 [\d.]+ s, max [\d.]+ s", report["recovery"]), proc.stdout


def test_audit_detects_at_least_once_duplicates(nagare_bin, tmp_path):
    # A steady input for 40 s, so the SIGKILLs land while the pipelines process it.
    proc, report = audit(nagare_bin, tmp_path, "--events", "40000", "--rate", "1000", "--kills", "3",
                         "--mode", "sigkill", "--workers", "2", "--at-least-once", "--seed", "2")
    assert proc.returncode == 1, proc.stdout + proc.stderr[-3000:]
    assert report["result"] == "FAIL", proc.stdout
    assert number(report, "duplicated") > 0, proc.stdout
    assert "delivery at-least-once" in proc.stdout
    assert "first mismatches:" in proc.stdout


def test_audit_rejects_bad_options(nagare_bin, tmp_path):
    proc, _ = audit(nagare_bin, tmp_path, "--mode", "sometimes", timeout=60)
    assert proc.returncode != 0 and "--mode: 'sometimes' is not one of sigkill, sigterm, mixed" in proc.stderr
    proc, _ = audit(nagare_bin, tmp_path, "--workers", "9", timeout=60)
    assert proc.returncode != 0 and "--workers: 1 to 6" in proc.stderr
    proc, _ = audit(nagare_bin, tmp_path, "--pipeline", "nope.yml", timeout=60)
    assert proc.returncode != 0 and "--pipeline: nope.yml not found" in proc.stderr
