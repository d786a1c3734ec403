#!/usr/bin/env bash
# SQLite side of the TSBS ingest benchmark.
#
#   bench/sqlite_ingest.sh OUT_DIR
#
# Generates the TSBS devops cpu-only day (seed 123, scale 100, 10 s: 864,000
# rows, 8,640,000 points) as a wide CSV with varve-tsbs-gen, then times the
# sqlite3 command-line shell loading it into a fresh database: the import of
# every row in one transaction, then CREATE INDEX cpu_host_ts. Generation is
# not timed. Prints key=value lines for scripts to read:
#
#   sqlite_rows, sqlite_points, sqlite_import_seconds, sqlite_index_seconds,
#   sqlite_ingest_seconds (import + index), sqlite_points_per_second,
#   sqlite_db_bytes, sqlite_bytes_per_point
#
# Environment (all optional):
#   VARVE_TSBS_GEN  generator binary   (default build/bench/varve-tsbs-gen)
#   SQLITE3         sqlite3 shell      (default sqlite3)
#   TSBS_SCALE, TSBS_SEED, TSBS_START, TSBS_END, TSBS_INTERVAL
#                   generator options  (defaults 100, 123, 2016-01-01T00:00:00Z,
#                                       2016-01-02T00:00:00Z, 10s)
#   SQLITE_JOURNAL_MODE, SQLITE_SYNCHRONOUS
#                   override the durability settings below (for experiments)
#
# Durability settings. varve's default acknowledges a write batch only once
# it is fsynced, so an acknowledged write survives power loss. SQLite's
# defaults give the same promise for a committed transaction: the rollback
# journal (journal_mode=DELETE) with synchronous=FULL fsyncs the journal and
# the database before COMMIT returns. WAL with synchronous=NORMAL would not:
# its commits survive a process crash but may be lost on power failure until
# the next checkpoint, which is what varve offers only in its weaker
# interval/never sync modes. So this script uses the defaults, and sets them
# explicitly so that a differently compiled sqlite3 cannot change them.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
out_dir=$1
gen=${VARVE_TSBS_GEN:-build/bench/varve-tsbs-gen}
sqlite=${SQLITE3:-sqlite3}
journal_mode=${SQLITE_JOURNAL_MODE:-delete}
synchronous=${SQLITE_SYNCHRONOUS:-full}

for tool in "$gen" "$sqlite"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$0: cannot run '$tool' (set VARVE_TSBS_GEN / SQLITE3)" >&2
    exit 2
  fi
done

mkdir -p "$out_dir"
csv=$out_dir/cpu.csv
db=$out_dir/tsbs.sqlite

"$gen" --scale "${TSBS_SCALE:-100}" --seed "${TSBS_SEED:-123}" \
  --start "${TSBS_START:-2016-01-01T00:00:00Z}" --end "${TSBS_END:-2016-01-02T00:00:00Z}" \
  --interval "${TSBS_INTERVAL:-10s}" --format csv --out "$csv" --quiet
rows=$(($(wc -l <"$csv") - 1))  # minus the header line
points=$((rows * 10))
rm -f "$db" "$db-journal" "$db-wal" "$db-shm"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# Step 1: the table and every row, in one transaction.
t0=$(now)
"$sqlite" -batch -bail "$db" >/dev/null <<SQL
PRAGMA journal_mode=$journal_mode;
PRAGMA synchronous=$synchronous;
CREATE TABLE cpu(
  hostname TEXT, region TEXT, datacenter TEXT, rack TEXT, os TEXT, arch TEXT,
  team TEXT, service TEXT, service_version TEXT, service_environment TEXT,
  ts INTEGER,
  usage_user INTEGER, usage_system INTEGER, usage_idle INTEGER,
  usage_nice INTEGER, usage_iowait INTEGER, usage_irq INTEGER,
  usage_softirq INTEGER, usage_steal INTEGER, usage_guest INTEGER,
  usage_guest_nice INTEGER);
BEGIN;
.mode csv
.import --skip 1 "$csv" cpu
COMMIT;
SQL
t1=$(now)
# Step 2: the (hostname, ts) index every TSBS query needs.
"$sqlite" -batch -bail "$db" >/dev/null <<SQL
PRAGMA synchronous=$synchronous;
CREATE INDEX cpu_host_ts ON cpu(hostname, ts);
SQL
t2=$(now)

# Not timed: check that every row arrived, with integer values.
loaded=$("$sqlite" -batch "$db" "SELECT count(*) FROM cpu WHERE typeof(ts) = 'integer' AND typeof(usage_guest_nice) = 'integer';")
if [[ "$loaded" != "$rows" ]]; then
  echo "$0: $db holds $loaded integer rows, expected $rows" >&2
  exit 1
fi

db_bytes=0
for f in "$db" "$db-wal" "$db-journal"; do
  if [[ -f "$f" ]]; then db_bytes=$((db_bytes + $(stat -c %s "$f"))); fi
done

import_s=$(elapsed "$t0" "$t1")
index_s=$(elapsed "$t1" "$t2")
total_s=$(elapsed "$t0" "$t2")
echo "sqlite_version=$("$sqlite" --version | cut -d' ' -f1)"
echo "sqlite_journal_mode=$journal_mode"
echo "sqlite_synchronous=$synchronous"
echo "sqlite_rows=$rows"
echo "sqlite_points=$points"
echo "sqlite_import_seconds=$import_s"
echo "sqlite_index_seconds=$index_s"
echo "sqlite_ingest_seconds=$total_s"
awk -v p="$points" -v s="$total_s" 'BEGIN { printf "sqlite_points_per_second=%.0f\n", p / s }'
echo "sqlite_db_bytes=$db_bytes"
awk -v p="$points" -v b="$db_bytes" 'BEGIN { printf "sqlite_bytes_per_point=%.3f\n", b / p }'
