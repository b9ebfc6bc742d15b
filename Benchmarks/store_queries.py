#!/usr/bin/env python3
"""Issue 6's store benchmark: Nagare's analytics store against duckdb on the same rows.

Runs Benchmarks/StoreBench (release), which loads one day of minute rollups (~7M rows) into an
AnalyticsStore, times a timeseries, a topN-10 and a filtered groupBy, and writes the same rows as
CSV; then loads that CSV into an in-process duckdb and times the equivalent SQL the same way
(warm-ups, then N runs, nearest-rank p50/p99). Prints both side by side with ratios and checks
that the answers agree (event counts exact, revenue within 1e-6 relative).

Back of the envelope: each query reads every one of ~7M rows. A columnar scan at a few ns per
row on one core is 15-30 ms; duckdb's vectorised scan on this machine's 2 cores should land at
~5-15 ms. duckdb's CSV load (~700 MB) takes ~5-10 s. The distinct-users HLL column is loaded
into the store but no compared query uses it: duckdb's count(DISTINCT) is exact, and its
approx_count_distinct is a different sketch, so neither would be a like-for-like comparison.

Run (from the repository root): Benchmarks/.venv/bin/python Benchmarks/store_queries.py
    [--no-build] [--iterations N] [--warmups N]
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import duckdb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "Benchmarks", "StoreBench")

DAY_START = "2024-05-01 00:00:00"
DAY_END = "2024-05-02 00:00:00"
RANGE = f"ts >= TIMESTAMP '{DAY_START}' AND ts < TIMESTAMP '{DAY_END}'"
SQL = {
    "timeseries hourly": f"""
        SELECT date_trunc('hour', ts) AS t, sum("count") AS events, sum(revenue) AS revenue
        FROM rollups WHERE {RANGE} GROUP BY t ORDER BY t""",
    "topN-10 site_name": f"""
        SELECT site_name, sum("count") AS events, sum(revenue) AS revenue
        FROM rollups WHERE {RANGE} GROUP BY site_name ORDER BY events DESC, site_name LIMIT 10""",
    "groupBy country,device filtered": f"""
        SELECT country, device, sum("count") AS events, sum(revenue) AS revenue
        FROM rollups WHERE {RANGE} AND country IN ('US', 'DE', 'FR', 'GB', 'JP', 'BR') AND device = 'mobile'
        GROUP BY country, device ORDER BY events DESC, country, device LIMIT 20""",
}


def percentile(sorted_samples, p):
    rank = math.ceil(p / 100 * len(sorted_samples))
    return sorted_samples[max(0, min(len(sorted_samples) - 1, rank - 1))]


def nagare_rows(name, response):
    """The store's Druid response as comparable tuples (keys..., events, revenue)."""
    if name.startswith("timeseries"):
        return [(r["timestamp"][:19].replace("T", " "), r["result"]["events"], r["result"]["revenue"]) for r in response]
    if name.startswith("topN"):
        return [(r["site_name"], r["events"], r["revenue"]) for r in response[0]["result"]] if response else []
    return [(r["event"]["country"], r["event"]["device"], r["event"]["events"], r["event"]["revenue"]) for r in response]


def duck_rows(name, rows):
    if name.startswith("timeseries"):
        return [(t.strftime("%Y-%m-%d %H:%M:%S"), int(e), float(r)) for t, e, r in rows]
    return [tuple(row[:-2]) + (int(row[-2]), float(row[-1])) for row in rows]


def compare(a, b):
    """None if the answers agree, else a description of the first difference."""
    if len(a) != len(b):
        return f"{len(a)} rows vs {len(b)} rows"
    for x, y in zip(a, b):
        if x[:-1] != y[:-1]:
            return f"row {x} vs {y}"
        if abs(x[-1] - y[-1]) > 1e-6 * max(abs(x[-1]), abs(y[-1]), 1e-300):
            return f"revenue {x} vs {y}"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-build", action="store_true", help="run the already built release binary")
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--warmups", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="nagare-store-bench-") as tmp:
        csv_path = os.path.join(tmp, "rollups.csv")
        bench_args = ["--csv", csv_path, "--json", "--iterations", str(args.iterations), "--warmups", str(args.warmups)]
        if args.no_build:
            command = [os.path.join(PACKAGE, ".build", "release", "StoreBench")] + bench_args
        else:
            command = ["swift", "run", "-c", "release", "--package-path", PACKAGE, "StoreBench"] + bench_args
        print("bench: " + " ".join(command), file=sys.stderr, flush=True)
        output = subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True).stdout
        nagare = None
        for line in output.splitlines():
            if line.startswith("STOREBENCH_JSON "):
                nagare = json.loads(line[len("STOREBENCH_JSON "):])
            else:
                print(line)
        if nagare is None:
            sys.exit("bench: StoreBench printed no STOREBENCH_JSON line")

        con = duckdb.connect()
        start = time.perf_counter()
        con.execute(f"""
            CREATE TABLE rollups AS
            SELECT epoch_ms(ts_ms) AS ts, site_name, category, account, country, device, browser, os, sport,
                   "count", revenue, user_id
            FROM read_csv('{csv_path}', header = true, columns = {{
                'ts_ms': 'BIGINT', 'site_name': 'VARCHAR', 'category': 'VARCHAR', 'account': 'VARCHAR',
                'country': 'VARCHAR', 'device': 'VARCHAR', 'browser': 'VARCHAR', 'os': 'VARCHAR',
                'sport': 'VARCHAR', 'count': 'BIGINT', 'revenue': 'DOUBLE', 'user_id': 'VARCHAR'}})""")
        duck_load = time.perf_counter() - start
        (duck_count,) = con.execute("SELECT count(*) FROM rollups").fetchone()
        threads = con.execute("SELECT current_setting('threads')").fetchone()[0]

    print()
    print(f"duckdb {duckdb.__version__} ({threads} threads): loaded {duck_count} rows from CSV in {duck_load:.1f} s")
    print(f"nagare: loaded {nagare['rows']} rows in {nagare['load_seconds']:.1f} s "
          f"(ingest {nagare['ingest_seconds']:.1f} s, the rest generating JSON and CSV)")
    if duck_count != nagare["rows"]:
        print(f"ROW COUNT MISMATCH: nagare {nagare['rows']}, duckdb {duck_count}")

    print()
    print(f"{'query':34}{'nagare p50':>11}{'p99':>9}{'duckdb p50':>12}{'p99':>9}{'p50 ratio':>11}{'p99 ratio':>11}  answers")
    all_agree = True
    for q in nagare["queries"]:
        name = q["name"]
        sql = SQL[name]
        for _ in range(args.warmups):
            rows = con.execute(sql).fetchall()
        samples = []
        for _ in range(args.iterations):
            start = time.perf_counter()
            rows = con.execute(sql).fetchall()
            samples.append((time.perf_counter() - start) * 1000)
        samples.sort()
        d50, d99 = percentile(samples, 50), percentile(samples, 99)
        mismatch = compare(nagare_rows(name, q["response"]), duck_rows(name, rows))
        all_agree = all_agree and mismatch is None
        # ratio > 1: nagare is slower than duckdb by that factor.
        print(f"{name:34}{q['p50_ms']:11.2f}{q['p99_ms']:9.2f}{d50:12.2f}{d99:9.2f}"
              f"{q['p50_ms'] / d50:11.2f}{q['p99_ms'] / d99:11.2f}  {'agree' if mismatch is None else 'MISMATCH: ' + mismatch}")
    print()
    print(f"times in ms, {args.iterations} runs after {args.warmups} warm-ups, nearest-rank percentiles; "
          "ratio = nagare / duckdb (below 1: nagare faster); target: nagare p99 < 50 ms and below duckdb's")
    print("answers agree" if all_agree else "ANSWERS DISAGREE (see above)")
    sys.exit(0 if all_agree else 1)


if __name__ == "__main__":
    main()
