#!/usr/bin/env bash
# The README's main command: installs what is missing, builds nagare (release) and runs the
# main job on embedded defaults.
#
# Today that is what exists: the embedded Kafka-protocol broker (`nagare broker`, durable, data
# in ./nagare-data) with sample access-log events produced and read back through the Kafka
# client commands. It stays up so you can point any Kafka client at 127.0.0.1:9092. The
# pipeline, the store and the dashboard (`nagare demo`) replace this as they land.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product nagare
NAGARE="$(swift build -c release --show-bin-path)/nagare"
LISTEN=${NAGARE_LISTEN:-127.0.0.1:9092}
DATA=${NAGARE_DATA:-./nagare-data}

out=$(mktemp)
"$NAGARE" broker --data-dir "$DATA" --listen "$LISTEN" --partitions 6 >"$out" &
broker=$!
trap 'kill -TERM $broker 2>/dev/null; wait $broker 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 100); do [[ -s $out ]] && break; sleep 0.1; done
brokers=$(sed -n 's/^listening on //p' "$out")
[[ -n $brokers ]] || { echo "the broker did not start" >&2; exit 1; }
echo "nagare broker at $brokers, data in $DATA"

for i in $(seq 0 999); do
  printf '{"event_id":"e-%09d","ts":"2026-11-21T23:00:%02d.000Z","site_id":"s%d","path":"/football/live/%d","revenue":0.%02d}\n' \
    "$i" $((i % 60)) $((i % 17)) "$i" $((i % 100))
done | "$NAGARE" produce --brokers "$brokers" --topic events.raw --key-field site_id
echo "first 5 events read back (partition, offset, key, value):"
"$NAGARE" consume --brokers "$brokers" --topic events.raw --max 5 --verbose
echo
echo "try:  kcat -b $brokers -L"
echo "      echo '{\"site_id\":\"s1\"}' | $NAGARE produce --brokers $brokers --topic events.raw --key-field site_id"
echo "      $NAGARE consume --brokers $brokers --topic events.raw --group mine --timeout 2"
if [[ -n ${CI:-} || ! -t 0 ]]; then exit 0; fi
echo "Ctrl-C to stop."
wait $broker
