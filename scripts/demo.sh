#!/usr/bin/env bash
# Runs `outbound demo` on config/default.json against local peers: builds first when needed,
# starts the peers the configuration uses, and stops them again, even when the demo fails.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir="${OUTBOUND_BUILD_DIR:-$root/build}"

if [ ! -x "$build_dir/outbound" ] || [ ! -f "$build_dir/plugins/jwt_auth.so" ] ||
   [ ! -s "$root/.local/keys/demo-es256.key.pem" ]; then
  # Setup's progress goes to stderr, so stdout carries only the demo's own output.
  "$root/scripts/setup.sh" >&2
fi

# PIDs of the peers this script started; each is stopped by its own PID on exit.
peer_pids=()
stop_peers() {
  for pid in "${peer_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap stop_peers EXIT

# NOTE: the default configuration has only the jwt-auth client, which needs no peer; the
# payment and mail clients will add their local servers here.

"$build_dir/outbound" --config "$root/config/default.json" demo "$@"
