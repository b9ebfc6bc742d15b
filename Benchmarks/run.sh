#!/usr/bin/env bash
# `make bench`: every benchmark that exists so far.
set -euo pipefail
cd "$(dirname "$0")/.."
Benchmarks/broker-throughput.sh "$@"
