#!/usr/bin/env bash
# The README's main command: installs what is missing, builds nagare (release) and runs the
# main job on embedded defaults, all on this machine:
#   nagare broker  (Kafka protocol on 127.0.0.1:9092, data in ./nagare-data/broker)
#   nagare run     (the access-log pipeline: dedup, enrichment, per-minute windows, exactly-once)
#   nagare serve   (the analytics store: Druid native queries on http://127.0.0.1:8080/druid/v2)
# then produces sample access-log events (with duplicates and a malformed one) and queries the
# store once they have flowed through. The dashboard and a continuous generator (`nagare demo`)
# are not built yet; until then this is the whole pipeline with a one-off load.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product nagare
NAGARE="$(swift build -c release --show-bin-path)/nagare"
DATA=${NAGARE_DATA:-./nagare-data}
BROKER=${NAGARE_BROKER_LISTEN:-127.0.0.1:9092}
HTTP=${NAGARE_HTTP:-127.0.0.1:8080}
EXAMPLE=examples/access-logs
mkdir -p "$DATA"

pids=()
stop_all() {
  # Reverse order: the store and the pipeline finish their current batch before the broker goes.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
}
trap stop_all EXIT

"$NAGARE" broker --data-dir "$DATA/broker" --listen "$BROKER" --partitions 6 >"$DATA/broker.out" 2>"$DATA/broker.log" &
pids+=($!)
for _ in $(seq 100); do grep -q '^listening on' "$DATA/broker.out" 2>/dev/null && break; sleep 0.1; done
brokers=$(sed -n 's/^listening on //p' "$DATA/broker.out")
[[ -n $brokers ]] || { echo "the broker did not start; see $DATA/broker.log" >&2; exit 1; }
echo "broker   $brokers (log: $DATA/broker.log)"

"$NAGARE" run "$EXAMPLE/pipeline.yml" --brokers "$brokers" --log-level info 2>"$DATA/pipeline.log" &
pids+=($!)
echo "pipeline $EXAMPLE/pipeline.yml (log: $DATA/pipeline.log)"

"$NAGARE" serve --config "$EXAMPLE/datasource.yml" --brokers "$brokers" --http "$HTTP" \
  --data-dir "$DATA/store" >"$DATA/serve.out" 2>"$DATA/serve.log" &
pids+=($!)
for _ in $(seq 100); do grep -q '^serving' "$DATA/serve.out" 2>/dev/null && break; sleep 0.1; done
echo "store    $(head -1 "$DATA/serve.out") (log: $DATA/serve.log)"

# 2,000 events of the last minutes, 5% of them sent twice, and one malformed line.
python3 - <<'PY' | "$NAGARE" produce --brokers "$brokers" --topic events.raw --key-field site_id
import datetime, json, random
rng = random.Random(7)
now = datetime.datetime.now(datetime.timezone.utc)
agents = ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1",
          "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"]
lines = []
for i in range(2000):
    t = now - datetime.timedelta(seconds=300 - i * 0.15)
    e = {"event_id": f"e-{i:09d}", "ts": t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
         "site_id": f"s{rng.randrange(1, 21)}", "user_id": f"u{rng.randrange(500)}",
         "ip": f"203.0.113.{rng.randrange(256)}", "ua": rng.choice(agents), "path": f"/live/{i}",
         "sport": rng.choice(["football", "tennis", "cycling"]), "revenue": rng.randrange(100) / 100}
    lines.append(json.dumps(e))
    if i % 20 == 0:
        lines.append(json.dumps(e))
print("\n".join(lines))
PY
# Sent without a key, so that it reaches the pipeline, which sends it to events.dlq.
echo '{"event_id": "broken"' | "$NAGARE" produce --brokers "$brokers" --topic events.raw

query='{"queryType":"topN","dataSource":"access-logs","intervals":["2000-01-01/2100-01-01"],"granularity":"all",
 "dimension":"site_name","metric":"events","threshold":5,
 "aggregations":[{"type":"longSum","name":"events","fieldName":"count"},{"type":"doubleSum","name":"revenue","fieldName":"revenue"}]}'
total='{"queryType":"timeseries","dataSource":"access-logs","intervals":["2000-01-01/2100-01-01"],"granularity":"all",
 "aggregations":[{"type":"longSum","name":"events","fieldName":"count"}]}'
for _ in $(seq 150); do
  seen=$(curl -s -X POST -H 'Content-Type: application/json' -d "$total" "http://$HTTP/druid/v2" \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r[0]["result"]["events"] if r else 0)' 2>/dev/null || echo 0)
  [[ $seen == 2000 ]] && break
  sleep 0.2
done
echo "the store counts $seen distinct events (2,100 produced: 100 duplicates removed, 1 malformed sent to events.dlq)"
echo "top sites:"
curl -s -X POST -H 'Content-Type: application/json' -d "$query" "http://$HTTP/druid/v2" | python3 -m json.tool
echo
echo "query it:  curl -X POST -H 'Content-Type: application/json' -d '$total' http://$HTTP/druid/v2"
echo "           kcat -b $brokers -C -t events.enriched -c 1"
if [[ -n ${CI:-} || ! -t 0 ]]; then exit 0; fi
echo "Ctrl-C to stop."
wait "${pids[0]}"
