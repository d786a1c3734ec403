#!/usr/bin/env bash
# TSBS devops queries through the command-line tools: `varve query --timing`
# against the sqlite3 shell, on the same data and the same query instances
# as bench/query_bench.cc.
#
#   bench/query_compare.sh [DATA_DIR]
#
# DATA_DIR holds store/ (a varve store) and tsbs.sqlite (the wide cpu table
# with its (hostname, ts) index), as query_bench writes them; without it,
# `query_bench --build_only` builds them under $TMPDIR/varve-query-bench (if
# absent) and says where. The queries are `query_bench --print_queries`:
# 16 instances of each of the 11 types (bench/tsbs/queries.h).
#
# For each instance:
#   varve:   one `varve query --store S 'Q' --format csv --timing --repeat R`
#            process; every "run N: X ms" line is a sample (parse, plan and
#            every row read; the result is printed by a further, untimed run).
#   sqlite3: one shell process with `.mode off` (rows are computed, nothing
#            is printed) and `.timer on`. A first line runs the statement
#            once (a warm-up, and an estimate of its cost); then R lines each
#            run it B times, B chosen so that a line takes about 20 ms,
#            because the shell prints the time of a line to the millisecond
#            only. Each line gives one sample: its real time / B.
# The table shows, per type, the median of the samples of all its instances,
# and the ratio sqlite3 / varve. Both sides open their store in a fresh
# process per instance; the sqlite3 shell keeps its default 2 MB page cache.
#
# Environment (all optional):
#   QUERY_BENCH  default build/bench/query_bench
#   VARVE        default build/tools/varve
#   SQLITE3      default sqlite3
#   REPEAT       samples per instance and side (default 5)
#   ONLY         run only the query types matching this extended regex
set -euo pipefail

if [[ $# -gt 1 ]]; then
  echo "usage: $0 [DATA_DIR]" >&2
  exit 2
fi
query_bench=${QUERY_BENCH:-build/bench/query_bench}
varve=${VARVE:-build/tools/varve}
sqlite=${SQLITE3:-sqlite3}
repeat=${REPEAT:-5}
only=${ONLY:-.}

for tool in "$query_bench" "$varve" "$sqlite"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$0: cannot run '$tool' (set QUERY_BENCH / VARVE / SQLITE3)" >&2
    exit 2
  fi
done

if [[ $# -eq 1 ]]; then
  store=$1/store
  db=$1/tsbs.sqlite
else
  paths=$("$query_bench" --build_only)
  store=$(sed -n 's/^store=//p' <<<"$paths")
  db=$(sed -n 's/^sqlite=//p' <<<"$paths")
fi
if [[ ! -d "$store" || ! -f "$db" ]]; then
  echo "$0: no store at '$store' or no database at '$db'" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$query_bench" --print_queries >"$work/queries.tsv"

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit }
  if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Samples (ms) of one instance through varve, one per line on stdout.
varve_samples() {
  local query=$1
  if ! "$varve" query --store "$store" "$query" --format csv --timing --repeat "$repeat" \
    >/dev/null 2>"$work/varve.err"; then
    echo "$0: varve failed on: $query" >&2
    cat "$work/varve.err" >&2
    exit 1
  fi
  sed -n 's/^run [0-9]*: \([0-9.]*\) ms$/\1/p' "$work/varve.err"
}

# Samples (ms) of one instance through the sqlite3 shell.
sqlite_samples() {
  local sql=$1
  local first
  first=$(printf '.mode off\n.timer on\n%s;\n' "$sql" | "$sqlite" -batch -bail "$db" |
    sed -n 's/^Run Time: real \([0-9.]*\) .*/\1/p')
  local batch
  batch=$(awk -v t="$first" 'BEGIN { b = int(0.020 / (t > 0.0002 ? t : 0.0002)) + 1;
    if (b > 100) b = 100; print b }')
  local line=""
  for ((i = 0; i < batch; ++i)); do line+="$sql; "; done
  {
    printf '.mode off\n.timer on\n'
    for ((r = 0; r < repeat; ++r)); do printf '%s\n' "$line"; done
  } | "$sqlite" -batch -bail "$db" |
    sed -n 's/^Run Time: real \([0-9.]*\) .*/\1/p' |
    awk -v b="$batch" '{ printf "%.4f\n", $1 * 1000 / b }'
}

printf '%-22s %12s %12s %8s\n' "query" "varve ms" "sqlite3 ms" "ratio"
types=$(cut -f1 "$work/queries.tsv" | uniq | grep -E "$only" || true)
for type in $types; do
  : >"$work/varve.ms"
  : >"$work/sqlite.ms"
  while IFS=$'\t' read -r name _ query sql; do
    [[ "$name" == "$type" ]] || continue
    varve_samples "$query" >>"$work/varve.ms"
    sqlite_samples "$sql" >>"$work/sqlite.ms"
  done <"$work/queries.tsv"
  v=$(median <"$work/varve.ms")
  s=$(median <"$work/sqlite.ms")
  awk -v n="$type" -v v="$v" -v s="$s" \
    'BEGIN { printf "%-22s %12.3f %12.3f %8.3g\n", n, v, s, (v > 0 ? s / v : 0) }'
done
