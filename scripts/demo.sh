#!/usr/bin/env bash
# Runs `outbound demo` on config/default.json against local peers: builds first when needed,
# starts the peers the configuration uses, and stops them again, even when the demo fails.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir="${OUTBOUND_BUILD_DIR:-$root/build}"

keys_dir="$root/.local/keys"
tls_dir="$root/.local/tls"
stripe_mock_package="$root/.peers/node_modules/stripe-stateful-mock/package.json"
# Debian's interpreter, because its dist-packages hold python3-aiosmtpd. A python3 found first on
# PATH, such as a pyenv build, may lack it.
debian_python=/usr/bin/python3
if [ ! -x "$build_dir/outbound" ] || [ ! -f "$build_dir/plugins/jwt_auth.so" ] ||
   [ ! -f "$build_dir/plugins/stripe.so" ] || [ ! -f "$build_dir/plugins/smtp.so" ] ||
   [ ! -f "$stripe_mock_package" ] ||
   [ ! -s "$keys_dir/demo-es256.key.pem" ] || [ ! -s "$keys_dir/stripe-api-key" ] ||
   [ ! -s "$keys_dir/stripe-webhook-secret" ] || [ ! -s "$keys_dir/smtp-password" ] ||
   [ ! -s "$tls_dir/ca.pem" ] || [ ! -s "$tls_dir/server.pem" ] || [ ! -s "$tls_dir/server.key" ] ||
   ! "$debian_python" -c 'import aiosmtpd' >/dev/null 2>&1; then
  # Setup's progress goes to stderr, so stdout carries only the demo's own output.
  "$root/scripts/setup.sh" >&2
fi

# PIDs of the peers this script started; each is stopped by its own PID on exit. Their output
# goes to files in run_dir, so stdout carries only the demo's own output. The mail server's
# messages go to mail_dir, which stays for the reader to look at; the folders of earlier runs
# are removed first.
peer_pids=()
rm -rf "$build_dir"/demo-mail.*
mail_dir=$(mktemp -d "$build_dir/demo-mail.XXXXXX")
run_dir=$(mktemp -d "${TMPDIR:-/tmp}/outbound-demo.XXXXXX")
stop_peers() {
  for pid in "${peer_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$run_dir"
}
trap stop_peers EXIT

# Waits up to 10 s for the peer NAME (process PID) to print "READY PORT" into LOG. Exits the
# script with the peer's output when it stops first or never gets ready; status 3 from a peer
# means that its port is taken.
wait_until_ready() {
  local name="$1" pid="$2" port="$3" log="$4" attempt status
  for attempt in $(seq 1 100); do
    if grep -qsx "READY $port" "$log"; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      status=0
      wait "$pid" || status=$?
      if [ "$status" -eq 3 ]; then
        echo "demo: port $port on 127.0.0.1 is already in use, so $name cannot start;" \
          "find the process with: ss -ltnp 'sport = :$port'" >&2
      else
        echo "demo: $name exited with status $status before it was ready; its output:" >&2
        cat "$log" >&2
      fi
      exit 1
    fi
    sleep 0.1
  done
  echo "demo: $name did not print READY within 10 s; its output:" >&2
  cat "$log" >&2
  exit 1
}

# The payment client's Stripe API: stripe-stateful-mock, on 127.0.0.1 only, at the port of the
# payments client's base_url in config/default.json. The launcher prints "READY <port>" once it
# listens, and exits with status 3 when the port is taken.
stripe_port=12111
stripe_log="$run_dir/stripe-mock.log"
PORT=$stripe_port LOG_LEVEL=warn NODE_PATH="$root/.peers/node_modules" \
  node "$root/scripts/lib/stripe_mock.js" >"$stripe_log" 2>&1 &
stripe_pid=$!
peer_pids+=("$stripe_pid")
wait_until_ready "the Stripe mock" "$stripe_pid" "$stripe_port" "$stripe_log"

# The mail client's SMTP server: aiosmtpd through scripts/lib/smtp_server.py, on 127.0.0.1 only,
# at the port of the mail client in config/default.json. It requires STARTTLS, with the
# certificate that setup signed with the demo CA, and AUTH as user demo with the password from
# the file. It prints "READY <port>" once it listens, and exits with status 3 when the port is
# taken.
smtp_port=2525
smtp_log="$run_dir/smtp-server.log"
"$debian_python" "$root/scripts/lib/smtp_server.py" --port "$smtp_port" --outdir "$mail_dir" \
  --tls-cert "$tls_dir/server.pem" --tls-key "$tls_dir/server.key" --require-tls \
  --user demo --password-file "$keys_dir/smtp-password" >"$smtp_log" 2>&1 &
smtp_pid=$!
peer_pids+=("$smtp_pid")
wait_until_ready "the SMTP server" "$smtp_pid" "$smtp_port" "$smtp_log"

demo_status=0
"$build_dir/outbound" --config "$root/config/default.json" demo "$@" || demo_status=$?

delivered=$(find "$mail_dir" -name '*.eml' | wc -l)
if [ "$delivered" -gt 0 ]; then
  echo "demo: mail delivered to $mail_dir ($delivered message(s) as .eml with a .json envelope)"
else
  echo "demo: no mail was delivered to $mail_dir"
fi
exit "$demo_status"
