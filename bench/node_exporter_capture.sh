#!/usr/bin/env bash
# Real telemetry for the segment format: scrapes a local Prometheus node
# exporter N times, turns every scrape into varve NDJSON records, ingests
# them (which seals them into a segment), reports the store's bytes per
# point, and checks that `varve scan` returns every value bit for bit.
#
#   bench/node_exporter_capture.sh [-n SCRAPES] [-i SECONDS] [-o DIR] [-v VARVE] [-r]
#
#   -n  scrapes (default 400)
#   -i  pause between scrapes in seconds (default 0.2)
#   -o  work directory (default /var/tmp/varve-node-exporter); it receives
#       scrapes.txt (raw scrapes), records.ndjson and the store in store/
#   -v  the varve binary (default build/tools/varve)
#   -r  reuse DIR/scrapes.txt from an earlier run instead of capturing
#
# The exporter (Debian package prometheus-node-exporter) listens on
# 127.0.0.1 only, on a free port, and is stopped on exit. Conversion: metric
# = the Prometheus metric name, labels as scraped (empty values dropped, as
# varve does), ts = the scrape's start time in integer nanoseconds (every
# sample of a scrape shares it, as client libraries stamp them), one float
# field "value" written with the exporter's own decimal digits, so parsing
# it gives the exporter's double exactly. NaN and infinite samples, which
# varve refuses, are skipped and counted.
set -euo pipefail

scrapes=400
interval=0.2
work=/var/tmp/varve-node-exporter
varve=build/tools/varve
reuse=0
while getopts "n:i:o:v:r" opt; do
  case "$opt" in
    n) scrapes=$OPTARG ;;
    i) interval=$OPTARG ;;
    o) work=$OPTARG ;;
    v) varve=$OPTARG ;;
    r) reuse=1 ;;
    *) echo "usage: $0 [-n SCRAPES] [-i SECONDS] [-o DIR] [-v VARVE] [-r]" >&2; exit 2 ;;
  esac
done

if [[ ! -x "$varve" ]]; then
  echo "no varve binary at $varve (use -v)" >&2
  exit 1
fi

if [[ $reuse == 1 ]]; then
  [[ -s "$work/scrapes.txt" ]] || { echo "no $work/scrapes.txt to reuse" >&2; exit 1; }
  rm -rf "$work/store"
else
  exporter=$(command -v prometheus-node-exporter || true)
  if [[ -z "$exporter" ]]; then
    echo "prometheus-node-exporter is not installed (apt-get install prometheus-node-exporter)" >&2
    exit 1
  fi

  rm -rf "$work"
  mkdir -p "$work"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$exporter" --web.listen-address="127.0.0.1:$port" >"$work/exporter.log" 2>&1 &
  exporter_pid=$!
  trap 'kill "$exporter_pid" 2>/dev/null || true; wait "$exporter_pid" 2>/dev/null || true' EXIT

  url="http://127.0.0.1:$port/metrics"
  for _ in $(seq 50); do
    curl -sf -o /dev/null "$url" && break
    sleep 0.1
  done
  curl -sf -o /dev/null "$url" || { echo "node exporter did not answer on $url" >&2; exit 1; }

  # Capture: each scrape is preceded by a line "#SCRAPE <ns>" holding the time
  # the scrape started.
  echo "capturing $scrapes scrapes of $url every ${interval}s"
  for _ in $(seq "$scrapes"); do
    ts=$(date +%s%N)
    echo "#SCRAPE $ts" >>"$work/scrapes.txt"
    curl -sf "$url" >>"$work/scrapes.txt"
    sleep "$interval"
  done
  kill "$exporter_pid"
  wait "$exporter_pid" 2>/dev/null || true
  trap - EXIT
fi

# Conversion, one pass of awk over the text exposition format:
#   name{label="value",...} value [timestamp]
# Label values keep their escapes (\\, \", \n), which JSON reads alike.
awk -v skipped_file="$work/skipped" '
  /^#SCRAPE / { ts = $2; next }
  /^#/ || /^[ \t]*$/ { next }
  {
    line = $0
    brace = index(line, "{")
    space = index(line, " ")
    labels = ""
    if (brace > 0 && (space == 0 || brace < space)) {
      name = substr(line, 1, brace - 1)
      rest = substr(line, brace + 1)
      sep = ""
      while (match(rest, /^[A-Za-z_][A-Za-z0-9_]*="([^"\\]|\\.)*"/)) {
        pair = substr(rest, 1, RLENGTH)
        rest = substr(rest, RLENGTH + 1)
        eq = index(pair, "=")
        key = substr(pair, 1, eq - 1)
        val = substr(pair, eq + 1)
        if (val != "\"\"") {
          labels = labels sep "\"" key "\":" val
          sep = ","
        }
        sub(/^,/, "", rest)
      }
      if (substr(rest, 1, 1) != "}") { bad++; next }
      rest = substr(rest, 2)
    } else {
      name = substr(line, 1, space - 1)
      rest = substr(line, space)
    }
    sub(/^[ \t]+/, "", rest)
    split(rest, parts, /[ \t]+/)
    v = parts[1]
    if (v ~ /NaN|Inf/) { skipped++; next }
    if (v !~ /[.eE]/) v = v ".0"
    printf "{\"metric\":\"%s\",\"labels\":{%s},\"ts\":%s,\"fields\":{\"value\":%s}}\n", name, labels, ts, v
  }
  END { print skipped + 0, bad + 0 > skipped_file }
' "$work/scrapes.txt" >"$work/records.ndjson"
read -r skipped bad <"$work/skipped"
records=$(wc -l <"$work/records.ndjson")
series=$(sed 's/,"ts":.*//' "$work/records.ndjson" | sort -u | wc -l)
echo "records: $records ($series series; skipped $skipped NaN/Inf samples, $bad unparsable lines)"

"$varve" ingest --store "$work/store" --quiet "$work/records.ndjson"
store_bytes=$(find "$work/store" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
echo "store: $store_bytes bytes for $records points: $(awk -v b="$store_bytes" -v p="$records" 'BEGIN { printf "%.3f", b / p }') bytes/point"
"$varve" inspect --store "$work/store"

# Bit-exactness: every metric scanned back must hold exactly the input's
# (series, ts) -> value map, compared as binary64 bit patterns.
cut -d'"' -f4 "$work/records.ndjson" | sort -u >"$work/metrics.txt"
: >"$work/scanned.ndjson"
while read -r metric; do
  "$varve" scan --store "$work/store" --metric "$metric" >>"$work/scanned.ndjson"
done <"$work/metrics.txt"
python3 - "$work/records.ndjson" "$work/scanned.ndjson" <<'EOF'
import json, struct, sys

def load(path):
    points = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            key = (r["metric"], tuple(sorted(r.get("labels", {}).items())), r["ts"])
            value = r["fields"]["value"] if "fields" in r else r["value"]
            if not isinstance(value, float):
                sys.exit(f"not a float: {line.strip()}")
            points[key] = struct.pack("<d", value)
    return points

given, scanned = load(sys.argv[1]), load(sys.argv[2])
missing = [k for k in given if k not in scanned]
extra = [k for k in scanned if k not in given]
differ = [k for k in given if k in scanned and given[k] != scanned[k]]
print(f"bit-exact check: {len(given)} points in, {len(scanned)} scanned, "
      f"{len(missing)} missing, {len(extra)} extra, {len(differ)} differ")
sys.exit(1 if missing or extra or differ else 0)
EOF
