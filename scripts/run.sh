#!/usr/bin/env bash
# The README's main command: installs what is missing, builds nagare (release) and runs
# `nagare demo`, the whole system on this machine:
#   nagare broker  (Kafka protocol on 127.0.0.1:9092)
#   nagare run     (the access-log pipeline: dedup, enrichment, per-minute windows, exactly-once),
#                  restarted every minute to show that the counts neither dip nor spike
#   nagare serve   (the analytics store and dashboard on http://127.0.0.1:8080/)
# fed by a generator of access-log events, with data and logs in ./nagare-data/demo. Ctrl-C
# stops everything. Arguments go to `nagare demo` (see `nagare demo --help`), e.g.
#   scripts/run.sh --duration 120 --restart-every 20
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product nagare
exec "$(swift build -c release --show-bin-path)/nagare" demo "$@"
