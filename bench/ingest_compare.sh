#!/usr/bin/env bash
# The TSBS ingest comparison: varve against SQLite on the same data.
#
#   bench/ingest_compare.sh OUT_DIR
#
# 1. varve-tsbs-gen writes the TSBS devops cpu-only day (seed 123, scale 100,
#    10 s: 864,000 rows, 8,640,000 points) as NDJSON varve records (untimed).
# 2. `varve ingest --store OUT_DIR/varve-store OUT_DIR/cpu.ndjson` loads it
#    into a fresh store, timed by wall clock; it must exit 0 (every line good).
# 3. bench/sqlite_ingest.sh OUT_DIR loads the same rows into SQLite.
# Then it prints both sides and the ratio of their points per second, as
# key=value lines:
#
#   varve_rows, varve_points, varve_ingest_seconds, varve_points_per_second,
#   varve_store_bytes, varve_bytes_per_point, sqlite_* (see sqlite_ingest.sh),
#   varve_over_sqlite_points_per_second
#
# Both sides run with their default, power-loss-safe durability: varve
# fsyncs each batch before acknowledging it, SQLite fsyncs at COMMIT.
#
# Environment (all optional): VARVE (default build/tools/varve),
# VARVE_TSBS_GEN (default build/bench/varve-tsbs-gen), and everything
# sqlite_ingest.sh reads (SQLITE3, TSBS_SCALE, TSBS_SEED, TSBS_START,
# TSBS_END, TSBS_INTERVAL), which applies to both sides.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
out_dir=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
varve=${VARVE:-build/tools/varve}
gen=${VARVE_TSBS_GEN:-build/bench/varve-tsbs-gen}
export VARVE_TSBS_GEN=$gen

for tool in "$varve" "$gen"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$0: cannot run '$tool' (set VARVE / VARVE_TSBS_GEN)" >&2
    exit 2
  fi
done

mkdir -p "$out_dir"
ndjson=$out_dir/cpu.ndjson
store=$out_dir/varve-store
log=$out_dir/varve-ingest.log

"$gen" --scale "${TSBS_SCALE:-100}" --seed "${TSBS_SEED:-123}" \
  --start "${TSBS_START:-2016-01-01T00:00:00Z}" --end "${TSBS_END:-2016-01-02T00:00:00Z}" \
  --interval "${TSBS_INTERVAL:-10s}" --format ndjson --out "$ndjson" --quiet
rows=$(wc -l <"$ndjson")
points=$((rows * 10))
rm -rf "$store"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

t0=$(now)
status=0
"$varve" ingest --store "$store" "$ndjson" >"$log" 2>&1 || status=$?
t1=$(now)
if [[ $status -ne 0 ]]; then
  echo "$0: varve ingest exited with $status; its output:" >&2
  cat "$log" >&2
  exit 1
fi

varve_s=$(elapsed "$t0" "$t1")
store_bytes=$(du -sb "$store" | cut -f1)
echo "varve_rows=$rows"
echo "varve_points=$points"
echo "varve_ingest_seconds=$varve_s"
varve_pps=$(awk -v p="$points" -v s="$varve_s" 'BEGIN { printf "%.0f", p / s }')
echo "varve_points_per_second=$varve_pps"
echo "varve_store_bytes=$store_bytes"
awk -v p="$points" -v b="$store_bytes" 'BEGIN { printf "varve_bytes_per_point=%.3f\n", b / p }'

# The NDJSON is no longer needed; free its space before SQLite's turn.
rm -f "$ndjson"

sqlite_out=$("$here/sqlite_ingest.sh" "$out_dir")
echo "$sqlite_out"
sqlite_pps=$(sed -n 's/^sqlite_points_per_second=//p' <<<"$sqlite_out")
sqlite_rows=$(sed -n 's/^sqlite_rows=//p' <<<"$sqlite_out")
if [[ "$sqlite_rows" != "$rows" ]]; then
  echo "$0: varve loaded $rows rows but SQLite $sqlite_rows" >&2
  exit 1
fi
awk -v v="$varve_pps" -v s="$sqlite_pps" \
  'BEGIN { printf "varve_over_sqlite_points_per_second=%.3f\n", v / s }'
