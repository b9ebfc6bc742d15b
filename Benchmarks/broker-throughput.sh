#!/usr/bin/env bash
# Broker alone: produce and consume throughput of 100-byte messages with kcat (librdkafka, C),
# acks=1 and acks=all, each against a fresh release `nagare broker` on this machine, and the
# number of fsyncs group commit needed.
#
# Back of the envelope: 1,000,000 x 100 B = 100 MB of values, ~130 MB on the wire with batch and
# record overhead. Loopback moves GB/s and the page cache absorbs the writes, so the limit is
# CPU: librdkafka batching on one core and the broker (CRC check, offset rewrite, append) on the
# other. Expect several hundred thousand messages/s; acks=all adds fsyncs, which group commit
# shares between requests, so it should cost tens of percent, not an order of magnitude. fsyncs
# happen only while data arrives, so fsyncs / produce time is the group-commit rate.
# Run: Benchmarks/broker-throughput.sh [MESSAGES]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
swift build -c release --product nagare >/dev/null
NAGARE="$(swift build -c release --show-bin-path)/nagare"
work=$(mktemp -d)
broker=
trap '[[ -n $broker ]] && kill -TERM $broker 2>/dev/null; rm -rf "$work"' EXIT
python3 -c "import sys; sys.stdout.write(('x'*100 + '\n') * $N)" > "$work/msgs"
now() { date +%s.%N; }
rate() { python3 -c "print(f'{$1/($3-$2):,.0f} msg/s ({$3-$2:.2f} s)')"; }
for acks in 1 all; do
  rm -rf "$work/data" "$work/out"
  "$NAGARE" broker --data-dir "$work/data" --listen 127.0.0.1:0 --partitions 6 --log-level info \
    >"$work/out" 2>"$work/err" &
  broker=$!
  for _ in $(seq 100); do [[ -s $work/out ]] && break; sleep 0.1; done
  B=$(sed -n 's/^listening on //p' "$work/out")
  s=$(now); kcat -b "$B" -P -t "bench" -X acks=$acks -X linger.ms=5 -X batch.num.messages=10000 -l "$work/msgs"; e=$(now)
  echo "produce acks=$acks: $(rate "$N" "$s" "$e")"
  produce_seconds=$(python3 -c "print($e-$s)")
  s=$(now); n=$(kcat -b "$B" -C -t bench -e -q -o beginning | wc -l); e=$(now)
  echo "consume: $n messages, $(rate "$n" "$s" "$e")"
  kill -TERM $broker; wait $broker || true; broker=
  fsyncs=$(sed -n 's/.*group commit: \([0-9]*\) fsyncs.*/\1/p' "$work/err")
  python3 -c "print(f'group commit (acks=$acks): $fsyncs fsyncs while producing, {$fsyncs/$produce_seconds:,.0f}/s, {$N/max($fsyncs,1):,.0f} messages per fsync')"
done
