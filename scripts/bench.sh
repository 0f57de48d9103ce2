#!/usr/bin/env bash
# Builds a benchmark (Release), measures it on one pinned CPU and prints the tables of
# docs/benchmarks.md.
#
# jwt (the default): JWT verification. Each round runs outbound::jwt, libjwt, cpp-jwt and the
# in-process primitives, then `openssl speed` for the same primitives. After the rounds, the
# phase breakdown runs once. It takes about 6 minutes with the defaults.
#
# pipeline: the overhead of the resilience pipeline on a call that succeeds with no I/O, its
# allocations per call, the rejection path, each layer alone, and 1 to 16 threads through one
# pipeline. Every benchmark runs --rounds times pinned to the CPU, then the Threads/ benchmarks
# run again on every CPU. It takes about 5 minutes with the defaults.
#
# smtp: messages per second through the smtp plugin to aiosmtpd on 127.0.0.1 (STARTTLS and
# AUTH), over one reused connection and with a new connection per message. The server inherits
# the pinning, so client and server share the CPU. It takes about 2 minutes with the defaults.
#
#   scripts/bench.sh [jwt|pipeline|smtp] [--rounds N] [--cpu N] [--min-time SECONDS] [--out DIR]
#                    [--skip-phases] [--wait-load LOAD]
#
#   --rounds N        rounds of the comparison, or repetitions of each pipeline benchmark
#                     (default 3)
#   --cpu N           the CPU that taskset pins every run to (default 1)
#   --min-time S      Google Benchmark's minimum time per benchmark, in seconds (default 2)
#   --out DIR         where the raw results go (default: a new folder from mktemp -d)
#   --skip-phases     jwt only: leave out the Phase/ and Candidate/ breakdown
#   --wait-load LOAD  before measuring, poll the 1-minute load average every 30 s until it is
#                     below LOAD, for at most 10 minutes, then measure anyway with a warning
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=SCRIPTDIR/lib/wait_load.sh
. "$root/scripts/lib/wait_load.sh"
build_dir="${OUTBOUND_BENCH_BUILD_DIR:-$root/build-bench}"
rounds=3
cpu=1
min_time=2
out_dir=""
phases=1
openssl_seconds=3
wait_load=""
benchmark=jwt

case "${1:-}" in
  jwt | pipeline | smtp) benchmark="$1"; shift ;;
esac

while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --cpu) cpu="$2"; shift 2 ;;
    --min-time) min_time="$2"; shift 2 ;;
    --out) out_dir="$2"; shift 2 ;;
    --skip-phases) phases=0; shift ;;
    --wait-load) wait_load="$2"; shift 2 ;;
    *)
      echo "bench.sh: unknown argument '$1'; see the options at the top of $0" >&2
      exit 2
      ;;
  esac
done
case "$wait_load" in
  *[!0-9.]*)
    echo "bench.sh: --wait-load takes a load average such as 1.0, not '$wait_load'" >&2
    exit 2
    ;;
esac
if [ "$benchmark" != jwt ] && [ "$phases" -eq 0 ]; then
  echo "bench.sh: --skip-phases applies to the jwt benchmark only" >&2
  exit 2
fi
if [ -z "$out_dir" ]; then out_dir=$(mktemp -d "${TMPDIR:-/tmp}/outbound-bench.XXXXXX"); fi
mkdir -p "$out_dir"

tools=(taskset python3)
if [ "$benchmark" = jwt ]; then tools+=(openssl); fi
for tool in "${tools[@]}"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench.sh: $tool is missing; run scripts/setup.sh (taskset is in util-linux)" >&2
    exit 1
  fi
done

cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
if [ "$benchmark" = pipeline ]; then
  cmake --build "$build_dir" --target bench_pipeline
  bench="$build_dir/bench/pipeline/bench_pipeline"
elif [ "$benchmark" = smtp ]; then
  cmake --build "$build_dir" --target bench_smtp
  bench="$build_dir/bench/bench_smtp"
else
  cmake --build "$build_dir" --target bench_jwt_verify
  bench="$build_dir/bench/jwt/bench_jwt_verify"
  if [ ! -x "$bench" ]; then
    echo "bench.sh: $bench was not built; install libjwt-dev and libcpp-jwt-dev" \
         "(scripts/setup.sh does) and run again" >&2
    exit 1
  fi
fi
pinned=(taskset -c "$cpu")

# Other work on the machine slows the benchmark unevenly, so a recorded run waits for quiet.
if [ -n "$wait_load" ]; then
  wait_for_load bench.sh "$wait_load" 10
fi

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "cores: $(nproc)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  if [ "$benchmark" = jwt ]; then echo "openssl: $(openssl version)"; fi
  echo "compiler: $(c++ --version | head -n1)"
  echo "build type: $(grep -m1 '^CMAKE_BUILD_TYPE' "$build_dir/CMakeCache.txt" | cut -d= -f2)"
  echo "pinned to cpu: $cpu"
} | tee "$out_dir/machine.txt"

if [ "$benchmark" = smtp ]; then
  # The test server stores every message as two files in a temporary folder. On a slow disk
  # that costs more than the SMTP exchange being measured, so the folder goes to memory.
  if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
    export TMPDIR=/dev/shm
  fi
  echo "bench_smtp pinned to cpu $cpu, $rounds repetitions of each benchmark;" \
    "the server stores messages under ${TMPDIR:-/tmp}"
  "${pinned[@]}" "$bench" --benchmark_min_time="$min_time" --benchmark_repetitions="$rounds" \
    --benchmark_display_aggregates_only=true --benchmark_out="$out_dir/smtp.json" \
    --benchmark_out_format=json | tee "$out_dir/summary.txt"
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out_dir/machine.txt"
  echo "bench.sh: raw results and summary.txt are in $out_dir"
  exit 0
fi

if [ "$benchmark" = pipeline ]; then
  repeated=(--benchmark_min_time="$min_time" --benchmark_repetitions="$rounds"
            --benchmark_display_aggregates_only=true --benchmark_out_format=json)
  echo "bench_pipeline pinned to cpu $cpu, $rounds repetitions of each benchmark"
  "${pinned[@]}" "$bench" "${repeated[@]}" --benchmark_out="$out_dir/pinned.json"
  all_cpus="0-$(($(nproc) - 1))"
  echo "bench_pipeline Threads/ on cpus $all_cpus, $rounds repetitions of each benchmark"
  taskset -c "$all_cpus" "$bench" --benchmark_filter='^Threads/' "${repeated[@]}" \
    --benchmark_out="$out_dir/spread.json"
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out_dir/machine.txt"
  echo
  python3 "$root/bench/pipeline/summarize.py" "$out_dir" | tee "$out_dir/summary.md"
  echo
  echo "bench.sh: raw results and summary.md are in $out_dir"
  exit 0
fi

for round in $(seq 1 "$rounds"); do
  echo "round $round of $rounds: bench_jwt_verify (Verify/, Primitive/)"
  "${pinned[@]}" "$bench" --benchmark_filter='^(Verify|Primitive)/' \
    --benchmark_min_time="$min_time" \
    --benchmark_out="$out_dir/round-$round.json" --benchmark_out_format=json
  echo "round $round of $rounds: openssl speed"
  "${pinned[@]}" openssl speed -mr -seconds "$openssl_seconds" rsa2048 ecdsap256 ed25519 \
    >"$out_dir/openssl-$round.txt" 2>&1
  "${pinned[@]}" openssl speed -mr -seconds "$openssl_seconds" -bytes 256 -hmac sha256 \
    >"$out_dir/openssl-hmac-$round.txt" 2>&1
done

if [ "$phases" -eq 1 ]; then
  echo "phases: bench_jwt_verify (Phase/, Candidate/), 3 repetitions"
  "${pinned[@]}" "$bench" --benchmark_filter='^(Phase|Candidate)/' \
    --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
    --benchmark_out="$out_dir/phases.json" --benchmark_out_format=json >/dev/null
fi

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out_dir/machine.txt"
echo
python3 "$root/bench/jwt/summarize.py" "$out_dir" | tee "$out_dir/summary.md"
echo
echo "bench.sh: raw results and summary.md are in $out_dir"
