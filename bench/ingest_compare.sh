#!/usr/bin/env bash
# The TSBS ingest comparison: varve against SQLite on the same data, in the
# same run.
#
#   bench/ingest_compare.sh OUT_DIR
#
# 1. varve-tsbs-gen writes the TSBS devops cpu-only day (seed 123, scale 100,
#    10 s: 864,000 rows, 8,640,000 points) as NDJSON varve records (untimed).
# 2. Then RUNS times, alternating so that both sides see the same machine:
#    a. `varve ingest --store OUT_DIR/varve-store OUT_DIR/cpu.ndjson` loads
#       it into a fresh store, timed by wall clock from start to exit (the
#       store is durable then); it must exit 0 (every line good).
#    b. bench/sqlite_ingest.sh OUT_DIR loads the same rows into SQLite.
# It prints one line per run, then key=value lines for scripts:
#
#   runs, varve_rows, varve_points, varve_ingest_seconds (median),
#   varve_points_per_second (median), varve_peak_rss_kb (largest),
#   varve_store_bytes, varve_bytes_per_point, sqlite_* (the last run's, see
#   sqlite_ingest.sh), sqlite_points_per_second (median),
#   varve_over_sqlite_points_per_second (median of the runs' ratios)
#
# Both sides run with their default, power-loss-safe durability: varve
# fsyncs each batch before acknowledging it, SQLite fsyncs at COMMIT.
#
# With VARVE_BASELINE set to another varve binary (an earlier build), each
# run also times it on the same data just before varve, so that a change is
# measured against its baseline and SQLite in the same runs; it adds
# baseline_* lines and baseline_over_sqlite / varve_over_baseline ratios.
#
# Environment (all optional): VARVE (default build/tools/varve),
# VARVE_TSBS_GEN (default build/bench/varve-tsbs-gen), RUNS (default 1),
# VARVE_ARGS (extra `varve ingest` arguments, for experiments), and
# everything sqlite_ingest.sh reads (SQLITE3, TSBS_SCALE, TSBS_SEED,
# TSBS_START, TSBS_END, TSBS_INTERVAL), which applies to both sides.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
out_dir=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
varve=${VARVE:-build/tools/varve}
gen=${VARVE_TSBS_GEN:-build/bench/varve-tsbs-gen}
runs=${RUNS:-1}
export VARVE_TSBS_GEN=$gen

for tool in "$varve" "$gen"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$0: cannot run '$tool' (set VARVE / VARVE_TSBS_GEN)" >&2
    exit 2
  fi
done
# Peak memory comes from GNU time when it is installed.
gnu_time=""
if [[ -x /usr/bin/time ]] && /usr/bin/time -f "%M" true >/dev/null 2>&1; then
  gnu_time=/usr/bin/time
fi

mkdir -p "$out_dir"
ndjson=$out_dir/cpu.ndjson
store=$out_dir/varve-store
log=$out_dir/varve-ingest.log
rss_file=$out_dir/varve-rss.txt

"$gen" --scale "${TSBS_SCALE:-100}" --seed "${TSBS_SEED:-123}" \
  --start "${TSBS_START:-2016-01-01T00:00:00Z}" --end "${TSBS_END:-2016-01-02T00:00:00Z}" \
  --interval "${TSBS_INTERVAL:-10s}" --format ndjson --out "$ndjson" --quiet
rows=$(wc -l <"$ndjson")
points=$((rows * 10))

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

baseline=${VARVE_BASELINE:-}
if [[ -n "$baseline" ]] && ! command -v "$baseline" >/dev/null 2>&1; then
  echo "$0: cannot run VARVE_BASELINE '$baseline'" >&2
  exit 2
fi
# Times one ingest of the data set into a fresh store with binary $1; sets
# `seconds` (and updates peak_rss when $2 is "peak").
timed_ingest() {
  local binary=$1 status=0 t0 t1
  rm -rf "$store"
  t0=$(now)
  if [[ -n "$gnu_time" ]]; then
    # shellcheck disable=SC2086
    "$gnu_time" -f "%M" -o "$rss_file" "$binary" ingest --store "$store" ${VARVE_ARGS:-} "$ndjson" \
      >"$log" 2>&1 || status=$?
  else
    # shellcheck disable=SC2086
    "$binary" ingest --store "$store" ${VARVE_ARGS:-} "$ndjson" >"$log" 2>&1 || status=$?
  fi
  t1=$(now)
  if [[ $status -ne 0 ]]; then
    echo "$0: $binary ingest exited with $status; its output:" >&2
    cat "$log" >&2
    exit 1
  fi
  seconds=$(elapsed "$t0" "$t1")
  if [[ -n "$gnu_time" && "${2:-}" == peak ]]; then
    local rss
    rss=$(tail -n 1 "$rss_file")
    ((rss > peak_rss)) && peak_rss=$rss
  fi
  return 0
}

baseline_rates=()
baseline_ratios=()
over_baseline=()
varve_seconds=()
varve_rates=()
sqlite_rates=()
ratios=()
peak_rss=0
sqlite_out=""
for ((run = 1; run <= runs; run++)); do
  baseline_note=""
  if [[ -n "$baseline" ]]; then
    timed_ingest "$baseline"
    baseline_rate=$(awk -v p="$points" -v s="$seconds" 'BEGIN { printf "%.0f", p / s }')
    baseline_rates+=("$baseline_rate")
    baseline_note="baseline ${seconds}s ${baseline_rate} points/s; "
  fi
  timed_ingest "$varve" peak
  rate=$(awk -v p="$points" -v s="$seconds" 'BEGIN { printf "%.0f", p / s }')
  store_bytes=$(du -sb "$store" | cut -f1)

  sqlite_out=$("$here/sqlite_ingest.sh" "$out_dir")
  sqlite_rate=$(sed -n 's/^sqlite_points_per_second=//p' <<<"$sqlite_out")
  sqlite_rows=$(sed -n 's/^sqlite_rows=//p' <<<"$sqlite_out")
  if [[ "$sqlite_rows" != "$rows" ]]; then
    echo "$0: varve loaded $rows rows but SQLite $sqlite_rows" >&2
    exit 1
  fi
  ratio=$(awk -v v="$rate" -v s="$sqlite_rate" 'BEGIN { printf "%.3f", v / s }')
  if [[ -n "$baseline" ]]; then
    baseline_ratios+=("$(awk -v v="$baseline_rate" -v s="$sqlite_rate" 'BEGIN { printf "%.3f", v / s }')")
    over_baseline+=("$(awk -v v="$rate" -v b="$baseline_rate" 'BEGIN { printf "%.3f", v / b }')")
  fi
  echo "run $run: ${baseline_note}varve ${seconds}s ${rate} points/s; sqlite $(sed -n 's/^sqlite_ingest_seconds=//p' <<<"$sqlite_out")s ${sqlite_rate} points/s; ratio ${ratio}; load $(cut -d' ' -f1 /proc/loadavg)"
  varve_seconds+=("$seconds")
  varve_rates+=("$rate")
  sqlite_rates+=("$sqlite_rate")
  ratios+=("$ratio")
done
rm -f "$ndjson"

echo "runs=$runs"
echo "varve_rows=$rows"
echo "varve_points=$points"
echo "varve_ingest_seconds=$(printf '%s\n' "${varve_seconds[@]}" | median)"
echo "varve_points_per_second=$(printf '%s\n' "${varve_rates[@]}" | median)"
[[ -n "$gnu_time" ]] && echo "varve_peak_rss_kb=$peak_rss"
echo "varve_store_bytes=$store_bytes"
awk -v p="$points" -v b="$store_bytes" 'BEGIN { printf "varve_bytes_per_point=%.3f\n", b / p }'
grep -v '^sqlite_points_per_second=' <<<"$sqlite_out"
echo "sqlite_points_per_second=$(printf '%s\n' "${sqlite_rates[@]}" | median)"
echo "varve_over_sqlite_points_per_second=$(printf '%s\n' "${ratios[@]}" | median)"
if [[ -n "$baseline" ]]; then
  echo "baseline_points_per_second=$(printf '%s\n' "${baseline_rates[@]}" | median)"
  echo "baseline_over_sqlite_points_per_second=$(printf '%s\n' "${baseline_ratios[@]}" | median)"
  echo "varve_over_baseline_points_per_second=$(printf '%s\n' "${over_baseline[@]}" | median)"
fi
