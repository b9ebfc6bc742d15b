#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs the Swift unit tests, then
# the integration tests with real Kafka clients (kcat, confluent-kafka, kafka-python) against
# real processes. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "== swift build" >&2
swift build --build-tests
echo "== swift test (unit)" >&2
swift test --skip-build

echo "== integration tests" >&2
export NAGARE_BIN="$(swift build --show-bin-path)/nagare"
mkdir -p test-artifacts
.venv/bin/python -m pytest -q Tests/Integration --junitxml=test-artifacts/integration.xml "$@"
