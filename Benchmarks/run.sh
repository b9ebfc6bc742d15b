#!/usr/bin/env bash
# `make bench`: `nagare bench all` with a release build (see docs/benchmarks.md).
# Run: Benchmarks/run.sh [nagare bench options...], e.g. Benchmarks/run.sh --events 2000000
# The figures are printed and written to test-artifacts/bench-results.json (BENCH_JSON=FILE).
# BUILD_PATH=DIR builds in DIR instead of .build (e.g. to leave a debug build's lock alone).
# STORE_BENCH=1 also runs Benchmarks/store_queries.py (the store against duckdb, issue 6; it
# builds Benchmarks/StoreBench in release, minutes on a small machine).
set -euo pipefail
cd "$(dirname "$0")/.."

# The quixstreams comparison pins an older confluent-kafka than the integration tests' .venv,
# so it gets a venv of its own.
if ! Benchmarks/.venv/bin/python -c "import quixstreams, psutil, yaml, duckdb" >/dev/null 2>&1; then
  echo "bench: installing Benchmarks/requirements.txt into Benchmarks/.venv" >&2
  "${PYTHON:-python3}" -m venv Benchmarks/.venv
  Benchmarks/.venv/bin/pip install -q --disable-pip-version-check -r Benchmarks/requirements.txt
fi

flags=(-c release)
if [[ -n ${BUILD_PATH:-} ]]; then flags+=(--build-path "$BUILD_PATH"); fi
mkdir -p test-artifacts
if ! swift build "${flags[@]}" --product nagare >test-artifacts/bench-build.log 2>&1; then
  tail -40 test-artifacts/bench-build.log >&2
  echo "bench: the release build failed (test-artifacts/bench-build.log)" >&2
  exit 1
fi
NAGARE="$(swift build "${flags[@]}" --show-bin-path)/nagare"
json=${BENCH_JSON:-test-artifacts/bench-results.json}
mkdir -p "$(dirname "$json")"
echo "bench: $NAGARE; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$NAGARE" bench all --json "$json" "$@"
echo "bench: figures written to $json" >&2

if [[ ${STORE_BENCH:-0} == 1 ]]; then
  Benchmarks/.venv/bin/python Benchmarks/store_queries.py
fi
