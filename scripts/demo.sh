#!/usr/bin/env bash
# Runs `outbound demo` on config/default.json against local peers: builds first when needed,
# starts the peers the configuration uses, and stops them again, even when the demo fails.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir="${OUTBOUND_BUILD_DIR:-$root/build}"

keys_dir="$root/.local/keys"
stripe_mock_package="$root/.peers/node_modules/stripe-stateful-mock/package.json"
if [ ! -x "$build_dir/outbound" ] || [ ! -f "$build_dir/plugins/jwt_auth.so" ] ||
   [ ! -f "$build_dir/plugins/stripe.so" ] || [ ! -f "$stripe_mock_package" ] ||
   [ ! -s "$keys_dir/demo-es256.key.pem" ] || [ ! -s "$keys_dir/stripe-api-key" ] ||
   [ ! -s "$keys_dir/stripe-webhook-secret" ]; then
  # Setup's progress goes to stderr, so stdout carries only the demo's own output.
  "$root/scripts/setup.sh" >&2
fi

# PIDs of the peers this script started; each is stopped by its own PID on exit. Their output
# goes to files in run_dir, so stdout carries only the demo's own output.
peer_pids=()
run_dir=$(mktemp -d "${TMPDIR:-/tmp}/outbound-demo.XXXXXX")
stop_peers() {
  for pid in "${peer_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$run_dir"
}
trap stop_peers EXIT

# The payment client's Stripe API: stripe-stateful-mock, on 127.0.0.1 only, at the port of the
# payments client's base_url in config/default.json. The launcher prints "READY <port>" once it
# listens, and exits with status 3 when the port is taken.
stripe_port=12111
stripe_log="$run_dir/stripe-mock.log"
PORT=$stripe_port LOG_LEVEL=warn NODE_PATH="$root/.peers/node_modules" \
  node "$root/scripts/lib/stripe_mock.js" >"$stripe_log" 2>&1 &
stripe_pid=$!
peer_pids+=("$stripe_pid")
for attempt in $(seq 1 100); do
  if grep -qx "READY $stripe_port" "$stripe_log"; then break; fi
  if ! kill -0 "$stripe_pid" 2>/dev/null; then
    status=0
    wait "$stripe_pid" || status=$?
    if [ "$status" -eq 3 ]; then
      echo "demo: port $stripe_port on 127.0.0.1 is already in use, so the Stripe mock cannot" \
        "start; find the process with: ss -ltnp 'sport = :$stripe_port'" >&2
    else
      echo "demo: the Stripe mock exited with status $status before it was ready; its output:" >&2
      cat "$stripe_log" >&2
    fi
    exit 1
  fi
  if [ "$attempt" -eq 100 ]; then
    echo "demo: the Stripe mock did not print READY within 10 s; its output:" >&2
    cat "$stripe_log" >&2
    exit 1
  fi
  sleep 0.1
done

# NOTE: the mail client has no local server yet. Its server will start here like the Stripe mock.

"$build_dir/outbound" --config "$root/config/default.json" demo "$@"
