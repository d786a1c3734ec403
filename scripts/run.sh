#!/usr/bin/env bash
# Builds varve and runs its demo or its whole test suite, on Debian 12.
#
#   bash scripts/run.sh demo   # install packages, build, run varve-demo
#   bash scripts/run.sh test   # install packages, build, run every test, then
#                              # a ThreadSanitizer pass and a libFuzzer pass
#
# Run from anywhere inside a clone; as root when packages are missing (they
# are installed with apt-get; a machine that has them all makes no apt call).
#
# Environment:
#   VARVE_BUILD_DIR        main build directory       (default: build)
#   VARVE_TSAN_BUILD_DIR   ThreadSanitizer build      (default: build-tsan)
#   VARVE_FUZZ_BUILD_DIR   libFuzzer build            (default: build-fuzz)
#   VARVE_JOBS             parallel jobs              (default: 2)
#   VARVE_FUZZ_SECONDS     run time per fuzz target   (default: 30)
#   VARVE_TSAN_TESTS       ctest -R pattern of the tests run under TSan
#                          (default: Concurren|Thread|GroupCommit|Parallel)
#   VARVE_TEST_TIMEOUT     seconds before ctest fails a test that has no
#                          TIMEOUT of its own (default: 300; twice that under TSan)
#   VARVE_CTEST_EXCLUDE    ctest -E pattern of tests left out of the main run
#                          (see CTEST_EXCLUDE below; empty: run everything)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

absolute() { case "$1" in /*) echo "$1" ;; *) echo "$ROOT/$1" ;; esac; }
BUILD_DIR="$(absolute "${VARVE_BUILD_DIR:-build}")"
TSAN_DIR="$(absolute "${VARVE_TSAN_BUILD_DIR:-build-tsan}")"
FUZZ_DIR="$(absolute "${VARVE_FUZZ_BUILD_DIR:-build-fuzz}")"
JOBS="${VARVE_JOBS:-2}"
FUZZ_SECONDS="${VARVE_FUZZ_SECONDS:-30}"
TSAN_TESTS="${VARVE_TSAN_TESTS:-Concurren|Thread|GroupCommit|Parallel}"
TEST_TIMEOUT="${VARVE_TEST_TIMEOUT:-300}"
# ccache keys on paths: relative to the checkout, and without the build
# directory that -g records, so that a fresh clone reuses an earlier one's
# objects.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-true}"

PACKAGES=(cmake g++ clang liblz4-dev libzstd-dev libxxhash-dev libabsl-dev
  libflatbuffers-dev flatbuffers-compiler libgtest-dev libgmock-dev
  libbenchmark-dev librapidcheck-dev libsimdjson-dev libcli11-dev libre2-dev
  libsqlite3-dev sqlite3 libpq-dev postgresql jq ccache libclang-rt-14-dev
  pkg-config)

# --- Stages: a header before, the time after, a table at the end. Each
# stage's wall time is shown with the CPU time its commands used, which
# says more than wall time on a busy machine.
STAGE_NAMES=()
STAGE_SECONDS=()
STAGE_CPU=()
CURRENT_STAGE=""
STAGE_START=0
STAGE_CPU_START=0
TIMES_FILE="$(mktemp)"
SCRIPT_START=$SECONDS
CTEST_SUMMARY=""  # the last line of the main ctest run, repeated at the end

clock() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }

# Sets CPU_NOW to the CPU seconds (user + system) used so far by finished
# child processes. `times` must run in this shell, not in a $(...) subshell,
# which would count only its own children.
CPU_NOW=0
snapshot_cpu() {
  times >"$TIMES_FILE"
  CPU_NOW="$(awk 'function s(t, p) { sub(/s$/, "", t); split(t, p, "m"); return p[1] * 60 + p[2] }
                  NR == 2 { printf "%d\n", s($1) + s($2) }' "$TIMES_FILE")"
}

begin_stage() {
  CURRENT_STAGE="$1"
  STAGE_START=$SECONDS
  snapshot_cpu
  STAGE_CPU_START=$CPU_NOW
  printf '\n==> %s\n' "$1"
}

end_stage() {
  local took=$((SECONDS - STAGE_START)) cpu
  snapshot_cpu
  cpu=$((CPU_NOW - STAGE_CPU_START))
  STAGE_NAMES+=("$CURRENT_STAGE")
  STAGE_SECONDS+=("$took")
  STAGE_CPU+=("$cpu")
  printf '<== %s: %s (cpu %s)\n' "$CURRENT_STAGE" "$(clock "$took")" "$(clock "$cpu")"
  CURRENT_STAGE=""
}

print_timings() {
  local status=$1 i
  printf '\n==> Stage timings (wall, cpu)\n'
  for i in "${!STAGE_NAMES[@]}"; do
    printf '  %-52s %6s %7s\n' "${STAGE_NAMES[$i]}" "$(clock "${STAGE_SECONDS[$i]}")" \
      "$(clock "${STAGE_CPU[$i]}")"
  done
  if [[ -n "$CURRENT_STAGE" ]]; then
    printf '  %-52s %6s  FAILED\n' "$CURRENT_STAGE" "$(clock $((SECONDS - STAGE_START)))"
  fi
  snapshot_cpu
  printf '  %-52s %6s %7s\n' "total" "$(clock $((SECONDS - SCRIPT_START)))" "$(clock "$CPU_NOW")"
  rm -f "$TIMES_FILE"
  if [[ -n "$CTEST_SUMMARY" ]]; then printf '\nctest (%s): %s\n' "$(basename "$BUILD_DIR")" "$CTEST_SUMMARY"; fi
  if [[ $status -ne 0 ]]; then
    printf '\nscripts/run.sh %s: FAILED (exit %d)%s\n' "$MODE" "$status" \
      "${CURRENT_STAGE:+ in stage: $CURRENT_STAGE}"
  fi
}

# --- Packages.
install_packages() {
  begin_stage "packages"
  local -A installed=()
  local missing=() p status
  # One query for all: a "name status" line for each package dpkg knows.
  while read -r p status; do
    if [[ "$status" == ii* ]]; then installed["$p"]=1; fi
  done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null || true)
  for p in "${PACKAGES[@]}"; do
    [[ -n "${installed[$p]:-}" ]] || missing+=("$p")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    echo "all ${#PACKAGES[@]} Debian packages are installed"
  else
    echo "missing: ${missing[*]}"
    if [[ $EUID -ne 0 ]]; then
      echo "run as root to install them with apt-get" >&2
      return 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends "${PACKAGES[@]}"
  fi
  end_stage
}

# --- Builds.
configure() {  # dir, extra cmake arguments...
  local dir="$1"
  shift
  cmake -S "$ROOT" -B "$dir" "$@"
}

build_main() {  # targets... (none: all)
  begin_stage "configure $(basename "$BUILD_DIR")"
  configure "$BUILD_DIR"
  end_stage
  begin_stage "build $(basename "$BUILD_DIR")${1:+ ($*)}"
  if [[ $# -gt 0 ]]; then
    cmake --build "$BUILD_DIR" -j "$JOBS" --target "$@"
  else
    cmake --build "$BUILD_DIR" -j "$JOBS"
  fi
  end_stage
}

run_demo() {
  begin_stage "demo"
  local store="$BUILD_DIR/demo-store"
  rm -rf "$store"
  "$BUILD_DIR/tools/varve-demo" --store "$store"
  echo "(the varve command is $BUILD_DIR/tools/varve)"
  end_stage
}

# Tests left out of the run, as a ctest -E pattern: none by default.
CTEST_EXCLUDE="${VARVE_CTEST_EXCLUDE:-}"

run_tests() {
  begin_stage "ctest $(basename "$BUILD_DIR")"
  local status=0 exclude=()
  if [[ -n "$CTEST_EXCLUDE" ]]; then
    echo "excluded: $CTEST_EXCLUDE"
    exclude=(-E "$CTEST_EXCLUDE")  # an empty -E would exclude everything
  fi
  ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS" --timeout "$TEST_TIMEOUT" \
    "${exclude[@]}" | tee "$BUILD_DIR/ctest.log" || status=$?
  CTEST_SUMMARY="$(grep -E 'tests passed|No tests were found' "$BUILD_DIR/ctest.log" | tail -n 1)"
  [[ $status -eq 0 ]] || return "$status"
  end_stage
}

# The TSan pass builds only the test binaries that hold matching tests,
# found by asking the main build's CTest which executables run them; if one
# of them is not a target of the same name, it builds everything.
run_tsan() {
  begin_stage "ThreadSanitizer"
  echo "tests matching '$TSAN_TESTS'"
  local binaries
  binaries="$(ctest --test-dir "$BUILD_DIR" -N -R "$TSAN_TESTS" --show-only=json-v1 |
    jq -r '.tests[].command[0] // empty' | sort -u)"
  if [[ -z "$binaries" ]]; then
    echo "no test matches '$TSAN_TESTS' yet: nothing to run under ThreadSanitizer"
    end_stage
    return 0
  fi
  configure "$TSAN_DIR" -DVARVE_SANITIZE=thread -DVARVE_BUILD_BENCH=OFF \
    -DVARVE_BUILD_SHARED=OFF
  local known targets=() binary
  known="$(cmake --build "$TSAN_DIR" --target help | sed -n 's/^\.\.\. \([^ ]*\).*/\1/p')"
  while read -r binary; do
    if [[ "$binary" == "$BUILD_DIR"/* ]] && grep -qx "$(basename "$binary")" <<<"$known"; then
      targets+=("$(basename "$binary")")
    else
      targets=(all)
      break
    fi
  done <<<"$binaries"
  echo "building: ${targets[*]}"
  cmake --build "$TSAN_DIR" -j "$JOBS" --target "${targets[@]}"
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
    ctest --test-dir "$TSAN_DIR" --output-on-failure -j "$JOBS" -R "$TSAN_TESTS" \
    -E '_NOT_BUILT$' --timeout $((2 * TEST_TIMEOUT))
  end_stage
}

run_fuzz() {
  begin_stage "libFuzzer: build"
  if [[ ! -f "$ROOT/fuzz/CMakeLists.txt" ]]; then
    echo "fuzz/ has no CMakeLists.txt yet: no fuzz targets to build or run"
    end_stage
    return 0
  fi
  CXX=clang++ configure "$FUZZ_DIR" -DVARVE_BUILD_FUZZ=ON -DVARVE_BUILD_TESTS=OFF \
    -DVARVE_BUILD_BENCH=OFF -DVARVE_BUILD_TOOLS=OFF -DVARVE_BUILD_SHARED=OFF
  # Just the fuzz targets (and the modules they link), if they are named
  # *_fuzz; otherwise everything.
  local fuzz_targets
  mapfile -t fuzz_targets < <(cmake --build "$FUZZ_DIR" --target help |
    sed -n 's/^\.\.\. \([^ ]*_fuzz\)\( .*\)\{0,1\}$/\1/p')
  if [[ ${#fuzz_targets[@]} -eq 0 ]]; then fuzz_targets=(all); fi
  echo "building: ${fuzz_targets[*]}"
  cmake --build "$FUZZ_DIR" -j "$JOBS" --target "${fuzz_targets[@]}"
  end_stage

  local targets=()
  if [[ -d "$FUZZ_DIR/fuzz" ]]; then
    mapfile -t targets < <(find "$FUZZ_DIR/fuzz" -maxdepth 1 -type f -executable \
      -name '*_fuzz' -printf '%f\n' | sort)
  fi
  if [[ ${#targets[@]} -eq 0 ]]; then
    begin_stage "libFuzzer: run"
    echo "no *_fuzz executables in $FUZZ_DIR/fuzz: nothing to run"
    end_stage
    return 0
  fi
  local target corpus seeds log dict args
  mkdir -p "$FUZZ_DIR/runs"
  for target in "${targets[@]}"; do
    begin_stage "libFuzzer: $target (${FUZZ_SECONDS} s)"
    # A fresh copy of the seeds, so a run never changes the checked-in corpus.
    corpus="$FUZZ_DIR/runs/$target/corpus"
    rm -rf "$FUZZ_DIR/runs/$target"
    mkdir -p "$corpus" "$FUZZ_DIR/runs/$target/artifacts"
    # Seeds in fuzz/corpus/<target without _fuzz>, or, for a family of
    # targets built from one source (codecs_int64_fuzz, ...), in
    # fuzz/corpus/<first word> (codecs).
    seeds="${target%_fuzz}"
    [[ -d "$ROOT/fuzz/corpus/$seeds" ]] || seeds="${target%%_*}"
    if [[ -d "$ROOT/fuzz/corpus/$seeds" ]]; then
      cp -r "$ROOT/fuzz/corpus/$seeds/." "$corpus/"
      echo "seed corpus: fuzz/corpus/$seeds ($(find "$corpus" -type f | wc -l) files)"
    else
      echo "no seed corpus (fuzz/corpus/${target%_fuzz}): starting empty"
    fi
    args=(-max_total_time="$FUZZ_SECONDS" -print_final_stats=1
      -artifact_prefix="$FUZZ_DIR/runs/$target/artifacts/")
    dict="$ROOT/fuzz/${target%_fuzz}.dict"
    if [[ -f "$dict" ]]; then
      args+=(-dict="$dict")
      echo "dictionary: fuzz/${target%_fuzz}.dict"
    fi
    log="$FUZZ_DIR/runs/$target/fuzz.log"
    if ! "$FUZZ_DIR/fuzz/$target" "${args[@]}" "$corpus" >"$log" 2>&1; then
      tail -n 60 "$log"
      echo "$target failed; reproducer in $FUZZ_DIR/runs/$target/artifacts/, log in $log" >&2
      return 1
    fi
    grep -E '^(Done |stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
    echo "corpus now $(find "$corpus" -type f | wc -l) files; log in $log"
    end_stage
  done
}

usage() {
  echo "usage: bash scripts/run.sh demo|test" >&2
  exit 2
}

MODE="${1:-}"
[[ $# -eq 1 ]] || usage
trap 'print_timings $?' EXIT
case "$MODE" in
  demo)
    install_packages
    build_main varve_demo varve_cli
    run_demo
    ;;
  test)
    install_packages
    build_main
    run_tests
    run_tsan
    run_fuzz
    ;;
  *)
    trap - EXIT
    usage
    ;;
esac
