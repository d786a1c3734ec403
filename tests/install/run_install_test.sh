#!/usr/bin/env bash
# Installs a varve build into a fresh prefix, then configures, builds and
# runs the consumer project next to this script against that prefix alone.
# Also checks that README.md shows exactly example.cc.
#
# usage: run_install_test.sh SOURCE_DIR BUILD_DIR WORK_DIR CXX_COMPILER
set -euo pipefail
[[ $# -eq 4 ]] || { echo "usage: $0 SOURCE_DIR BUILD_DIR WORK_DIR CXX_COMPILER" >&2; exit 2; }
source_dir=$1 build_dir=$2 work=$3 cxx=$4
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

step() { printf -- '--- %s\n' "$*"; }

rm -rf "$work"
mkdir -p "$work"
prefix="$work/prefix"

step "README.md shows tests/install/example.cc"
# The first C++ block under the "## Embedding" heading.
awk '/^## /{ inside = ($0 ~ /^## Embedding/) } inside && /^```cpp$/ && !done { code = 1; next }
     code && /^```$/ { code = 0; done = 1 } code' "$source_dir/README.md" >"$work/readme.cc"
if ! diff -u "$here/example.cc" "$work/readme.cc"; then
  echo "README.md's embedding example differs from tests/install/example.cc" >&2
  exit 1
fi

step "cmake --install $build_dir --prefix $prefix"
cmake --install "$build_dir" --prefix "$prefix" >"$work/install.log"
config="$(find "$prefix" -name varveConfig.cmake -print -quit)"
[[ -n "$config" ]] || { echo "no varveConfig.cmake under $prefix" >&2; exit 1; }

step "configure the consumer against $prefix"
cmake -S "$here" -B "$work/consumer" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$prefix"
# find_package must have taken the package from the prefix, not from a
# build tree or a system-wide install.
found="$(sed -n 's/^varve_DIR:PATH=//p' "$work/consumer/CMakeCache.txt")"
if [[ "$found" != "$(dirname "$config")" ]]; then
  echo "find_package(varve) used '$found', expected '$(dirname "$config")'" >&2
  exit 1
fi

step "build the consumer"
cmake --build "$work/consumer" -j 2

for exe in example example_shared; do
  [[ -x "$work/consumer/$exe" ]] || continue
  step "run $exe in memory"
  "$work/consumer/$exe"
  step "run $exe on a store directory"
  "$work/consumer/$exe" "$work/store-$exe"
  [[ -n "$(find "$work/store-$exe/wal" -name 'wal-*.ndjson' -size +0)" ]] ||
    { echo "$exe wrote no log file in $work/store-$exe/wal" >&2; exit 1; }
done
[[ -x "$work/consumer/example" ]] || { echo "example was not built" >&2; exit 1; }
echo "installed package OK"
