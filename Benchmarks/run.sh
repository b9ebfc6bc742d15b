#!/usr/bin/env bash
# `make bench`: every benchmark that exists so far.
# Run: Benchmarks/run.sh [BROKER_MESSAGES]; PIPELINE_EVENTS=N sets the pipeline benchmark's size.
set -euo pipefail
cd "$(dirname "$0")/.."
Benchmarks/broker-throughput.sh "$@"

# The pipeline benchmark compares with quixstreams, which pins an older confluent-kafka than the
# integration tests' .venv, so it gets a venv of its own.
if ! Benchmarks/.venv/bin/python -c "import quixstreams, psutil, yaml, duckdb" >/dev/null 2>&1; then
  echo "bench: installing Benchmarks/requirements.txt into Benchmarks/.venv" >&2
  "${PYTHON:-python3}" -m venv Benchmarks/.venv
  Benchmarks/.venv/bin/pip install -q --disable-pip-version-check -r Benchmarks/requirements.txt
fi
# broker-throughput.sh has just built the release binary.
Benchmarks/.venv/bin/python Benchmarks/pipeline_throughput.py --no-build --events "${PIPELINE_EVENTS:-1000000}"

# The analytics store's query latency on one day of minute rollups (~7M rows) against duckdb on
# the same rows (issue 6). Builds Benchmarks/StoreBench in release (minutes on a small machine).
Benchmarks/.venv/bin/python Benchmarks/store_queries.py
