#!/usr/bin/env bash
# Builds bench_http_transport (Release) and starts nginx on 127.0.0.1 from a configuration
# generated in a temporary folder. It then measures requests per second through the pooled HTTP
# transport beside raw Poco HTTPClientSession calls, plain and TLS, with kept-alive connections
# and with a new connection per request. nginx and the benchmark are pinned to the same CPU.
# The script then prints the HTTP transport tables of docs/benchmarks.md. It takes about
# 2 minutes with the defaults, plus the wait for a low load.
#
#   scripts/bench_http.sh [--rounds N] [--cpu N] [--min-time SECONDS] [--out DIR]
#                         [--wait-load LOAD] [--max-wait MINUTES] [--profile]
#
#   --rounds N         rounds; each runs every benchmark once, in pairs (default 3)
#   --cpu N            the CPU that nginx's worker and the benchmark are pinned to (default 1)
#   --min-time S       Google Benchmark's minimum time per benchmark, in seconds (default 2)
#   --out DIR          where the raw results go (default: a new folder from mktemp -d)
#   --wait-load LOAD   before measuring, poll the 1-minute load average every 30 s until it is
#                      below LOAD, for at most --max-wait minutes, then measure anyway with a
#                      warning
#   --max-wait M       the longest --wait-load waits, in minutes (default 15)
#   --profile          after the rounds, record `perf record -g` profiles of the pooled and the
#                      raw keep-alive benchmarks (plain and TLS), and write the share of each
#                      library and the top functions of each to DIR/profile-*.txt
#
# nginx comes from Debian's nginx package, installed with apt-get when missing (Debian 12's
# nginx-light only adds the echo module to it). Only the nginx started here is used and stopped,
# by its PID, and it reads and writes nothing outside its temporary folder.
# NOTE: where services run, installing Debian's package also starts its own nginx on port 80.
# This script neither uses nor stops that one.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=SCRIPTDIR/lib/wait_load.sh
. "$root/scripts/lib/wait_load.sh"
build_dir="${OUTBOUND_BENCH_BUILD_DIR:-$root/build-bench}"
rounds=3
cpu=1
min_time=2
out_dir=""
wait_load=""
max_wait=15
profile=0

while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --cpu) cpu="$2"; shift 2 ;;
    --min-time) min_time="$2"; shift 2 ;;
    --out) out_dir="$2"; shift 2 ;;
    --wait-load) wait_load="$2"; shift 2 ;;
    --max-wait) max_wait="$2"; shift 2 ;;
    --profile) profile=1; shift ;;
    *)
      echo "bench_http.sh: unknown argument '$1'; see the options at the top of $0" >&2
      exit 2
      ;;
  esac
done
case "$wait_load" in
  *[!0-9.]*)
    echo "bench_http.sh: --wait-load takes a load average such as 1.0, not '$wait_load'" >&2
    exit 2
    ;;
esac
for value in "$rounds" "$cpu" "$max_wait"; do
  case "$value" in
    '' | *[!0-9]*)
      echo "bench_http.sh: --rounds, --cpu and --max-wait take whole numbers, not '$value'" >&2
      exit 2
      ;;
  esac
done
if [ "$cpu" -ge "$(nproc)" ]; then
  echo "bench_http.sh: --cpu $cpu is not one of this machine's CPUs (0 to $(($(nproc) - 1)))" >&2
  exit 2
fi
if [ -z "$out_dir" ]; then out_dir=$(mktemp -d "${TMPDIR:-/tmp}/outbound-bench-http.XXXXXX"); fi
mkdir -p "$out_dir"

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

# Debian puts nginx in /usr/sbin, which is not on every user's PATH.
find_nginx() { command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; }; }
nginx_bin=$(find_nginx || true)
if [ -z "$nginx_bin" ]; then
  echo "bench_http.sh: installing nginx"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    nginx
  nginx_bin=$(find_nginx || true)
  if [ -z "$nginx_bin" ]; then
    echo "bench_http.sh: nginx is still missing after installing Debian's nginx" >&2
    exit 1
  fi
fi
tools=(taskset python3 openssl)
if [ "$profile" -eq 1 ]; then tools+=(perf); fi
for tool in "${tools[@]}"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench_http.sh: $tool is missing; run scripts/setup.sh (taskset is in util-linux," \
         "perf in linux-perf)" >&2
    exit 1
  fi
done

cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" --target bench_http_transport --parallel 2
bench="$build_dir/bench/http/bench_http_transport"
pinned=(taskset -c "$cpu")

# The servers' folder: configuration, certificate, PID file, logs and nginx's temporary files.
server_dir=$(mktemp -d "${TMPDIR:-/tmp}/outbound-bench-nginx.XXXXXX")
nginx_pid=""
stop_nginx() {
  if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
    kill "$nginx_pid"
    # Wait at most 5 s for nginx to exit after SIGTERM.
    for _ in $(seq 1 50); do
      kill -0 "$nginx_pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -rf "$server_dir"
}
trap stop_nginx EXIT

# An EC P-256 certificate for 127.0.0.1, the kind the project's TLS tests use.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -keyout "$server_dir/server.key" -out "$server_dir/server.crt" \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null

# Four ports that are free now, chosen by the kernel.
read -r plain_port plain_close_port tls_port tls_close_port < <(python3 -c '
import socket
sockets = [socket.socket() for _ in range(4)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in sockets))
')

# worker_cpu_affinity takes a bit mask whose rightmost digit is CPU 0.
affinity="1$(printf '%*s' "$cpu" '' | tr ' ' '0')"
temp_paths=""
for module in client_body proxy fastcgi uwsgi scgi; do
  if [ "$module" = client_body ] ||
     ! "$nginx_bin" -V 2>&1 | grep -q -- "--without-http_${module}_module"; then
    temp_paths+="  ${module}_temp_path $server_dir/${module}_temp;"$'\n'
  fi
done
cat >"$server_dir/nginx.conf" <<EOF
daemon off;
worker_processes 1;
worker_cpu_affinity $affinity;
pid $server_dir/nginx.pid;
error_log $server_dir/error.log warn;
events {
  worker_connections 1024;
}
http {
  access_log off;
$temp_paths
  # One connection carries every request of a keep-alive benchmark run.
  keepalive_requests 1000000;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_certificate $server_dir/server.crt;
  ssl_certificate_key $server_dir/server.key;
  server {
    listen 127.0.0.1:$plain_port;
    location / { return 200 "ok"; }
  }
  # keepalive_timeout 0: the server closes after each response, so the client's ports are
  # not left in TIME_WAIT.
  server {
    listen 127.0.0.1:$plain_close_port;
    keepalive_timeout 0;
    location / { return 200 "ok"; }
  }
  server {
    listen 127.0.0.1:$tls_port ssl;
    location / { return 200 "ok"; }
  }
  server {
    listen 127.0.0.1:$tls_close_port ssl;
    keepalive_timeout 0;
    location / { return 200 "ok"; }
  }
}
EOF
"${pinned[@]}" "$nginx_bin" -p "$server_dir" -c "$server_dir/nginx.conf" \
  -e "$server_dir/error.log" &
nginx_pid=$!

# Wait, at most 5 s, for every port to accept connections.
for port in "$plain_port" "$plain_close_port" "$tls_port" "$tls_close_port"; do
  for attempt in $(seq 1 50); do
    if ! kill -0 "$nginx_pid" 2>/dev/null; then
      echo "bench_http.sh: nginx exited at start; its error log:" >&2
      cat "$server_dir/error.log" >&2 || true
      exit 1
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    if [ "$attempt" -eq 50 ]; then
      echo "bench_http.sh: nginx does not accept connections on port $port after 5 s" >&2
      exit 1
    fi
    sleep 0.1
  done
done
cp "$server_dir/nginx.conf" "$out_dir/nginx.conf"

export OUTBOUND_BENCH_HTTP_URL="http://127.0.0.1:$plain_port/"
export OUTBOUND_BENCH_HTTP_CLOSE_URL="http://127.0.0.1:$plain_close_port/"
export OUTBOUND_BENCH_HTTPS_URL="https://127.0.0.1:$tls_port/"
export OUTBOUND_BENCH_HTTPS_CLOSE_URL="https://127.0.0.1:$tls_close_port/"
export OUTBOUND_BENCH_CA_FILE="$server_dir/server.crt"

# Other work on the machine slows the benchmark unevenly, so a recorded run waits for quiet.
if [ -n "$wait_load" ]; then
  wait_for_load bench_http.sh "$wait_load" "$max_wait"
fi

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "cores: $(nproc)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "nginx: $("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //')"
  echo "openssl: $(openssl version)"
  echo "compiler: $(c++ --version | head -n1)"
  echo "build type: $(grep -m1 '^CMAKE_BUILD_TYPE' "$build_dir/CMakeCache.txt" | cut -d= -f2)"
  echo "pinned to cpu: $cpu (benchmark and nginx worker)"
} | tee "$out_dir/machine.txt"

for round in $(seq 1 "$rounds"); do
  echo "round $round of $rounds: bench_http_transport"
  "${pinned[@]}" "$bench" --benchmark_min_time="$min_time" \
    --benchmark_out="$out_dir/round-$round.json" --benchmark_out_format=json
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out_dir/machine.txt"

if [ "$profile" -eq 1 ]; then
  for name in Pooled/plain/keep_alive Raw/plain/keep_alive Pooled/tls/keep_alive \
              Raw/tls/keep_alive; do
    file=profile-$(echo "$name" | tr '/' '-')
    echo "profile: perf record -g on $name"
    # UseRealTime() appends /real_time to every benchmark's name.
    perf record -q -g -o "$out_dir/$file.data" -- "${pinned[@]}" "$bench" \
      --benchmark_filter="^$name/real_time\$" --benchmark_min_time="$min_time" \
      >"$out_dir/$file.log"
    {
      echo "# $name: samples by library"
      perf report -q -i "$out_dir/$file.data" --stdio --no-children -g none -F overhead,dso \
        --percent-limit 0.5 2>/dev/null | sed 's/ *$//'
      echo "# $name: samples by function, self time"
      perf report -q -i "$out_dir/$file.data" --stdio --no-children -g none \
        -F overhead,dso,sym --percent-limit 0.5 2>/dev/null | sed 's/ *$//'
    } >"$out_dir/$file.txt"
  done
fi

echo
python3 "$root/bench/http/summarize.py" "$out_dir" | tee "$out_dir/summary.md"
echo
echo "bench_http.sh: raw results and summary.md are in $out_dir"
