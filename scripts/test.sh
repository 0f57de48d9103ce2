#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors and runs every test through CTest.
# Tests that need a peer (a node or Python reference implementation) start it themselves.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir="${OUTBOUND_BUILD_DIR:-$root/build}"

"$root/scripts/setup.sh"
# --no-tests=error: a filter that matches nothing fails instead of passing silently.
ctest --test-dir "$build_dir" --output-on-failure --no-tests=error --timeout 300 "$@"
