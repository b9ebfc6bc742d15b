#!/usr/bin/env bash
# The README's main command: installs what is missing, builds nagare (release) and runs the
# main job on embedded defaults.
#
# Today that is what exists: the Kafka client commands against an in-memory Kafka cluster
# (librdkafka's mock). It produces sample access-log events keyed by site, reads them back, and
# stays up so you can try `nagare produce` / `nagare consume` against it. The embedded broker,
# the pipeline, the store and the dashboard (`nagare demo`) replace this as they land.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product nagare
NAGARE="$(swift build -c release --show-bin-path)/nagare"

out=$(mktemp)
"$NAGARE" mock-cluster --topic events.raw:6 >"$out" &
cluster=$!
trap 'kill $cluster 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 50); do [[ -s $out ]] && break; sleep 0.1; done
brokers=$(head -1 "$out")
echo "in-memory Kafka cluster at $brokers (not durable; the real broker arrives with 'nagare broker')"

for i in $(seq 0 999); do
  printf '{"event_id":"e-%09d","ts":"2026-11-21T23:00:%02d.000Z","site_id":"s%d","path":"/football/live/%d","revenue":0.%02d}\n' \
    "$i" $((i % 60)) $((i % 17)) "$i" $((i % 100))
done | "$NAGARE" produce --brokers "$brokers" --topic events.raw --key-field site_id
echo "first 5 events read back:"
"$NAGARE" consume --brokers "$brokers" --topic events.raw --max 5 --verbose
echo
echo "try:  echo '{\"site_id\":\"s1\"}' | $NAGARE produce --brokers $brokers --topic events.raw --key-field site_id"
echo "      $NAGARE consume --brokers $brokers --topic events.raw --group mine --timeout 2"
if [[ -n ${CI:-} || ! -t 0 ]]; then exit 0; fi
echo "Ctrl-C to stop."
wait $cluster
