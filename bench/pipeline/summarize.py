#!/usr/bin/env python3
"""Prints the pipeline tables of docs/benchmarks.md from the files `scripts/bench.sh pipeline`
writes.

Reads, from the folder given as the only argument:
  pinned.json  bench_pipeline --benchmark_out of the run pinned to one CPU (every benchmark)
  spread.json  bench_pipeline --benchmark_out of the Threads/ benchmarks on every CPU (optional)

Both runs use --benchmark_repetitions, so each file contains every repetition and Google
Benchmark's aggregates. A figure is the median over the repetitions. Single-thread figures are
nanoseconds of the benchmark thread's CPU time per call; Threads/ figures are calls per second of
wall time, summed over the threads.
"""

import json
import pathlib
import sys

# The target: the pipeline adds at most 150 ns to a call that succeeds at once, and allocates
# nothing on that path.
MAX_OVERHEAD_NS = 150
BASELINE = "Pipeline/baseline_bare_call"

SINGLE_THREAD = [
    ("Pipeline/baseline_bare_call", "the attempt alone, no pipeline"),
    ("Pipeline/default_policy", "default policy, rate limiting off"),
    ("Pipeline/rate_limited", "default policy plus a rate limit that never waits"),
    ("Pipeline/default_policy_uuid_request_id", "default policy, 36-character request id"),
    ("Pipeline/circuit_open_rejection", "rejected by an open breaker"),
]

# Each layer with how many times Pipeline::run takes that step on a successful call under the
# default policy, so that the layers add up to an estimate of the overhead.
LAYERS = [
    ("Layer/clock_steady_now", 2,
     "admission (also the first attempt's start) and the attempt's end"),
    ("Layer/call_context_copy", 1, "the CallContext parameter, taken by value"),
    ("Layer/status_ok_value", 1, "the ok Status that admission returns"),
    ("Layer/bulkhead_acquire_release", 1, "a slot taken and given back"),
    ("Layer/retry_budget_record_request", 1, "one request counted"),
    ("Layer/breaker_acquire_record", 1, "admission and a success counted in the time window"),
    ("Layer/rate_limiter_reserve", 0, "one token, taken only when rate limiting is on"),
]


def read_runs(path):
    """Returns {run name: {"median": entry, "repetitions": [entries]}} of one JSON file."""
    runs = {}
    for entry in json.loads(path.read_text())["benchmarks"]:
        run = runs.setdefault(entry["run_name"], {"median": None, "repetitions": []})
        if entry.get("run_type") == "aggregate":
            if entry.get("aggregate_name") == "median":
                run["median"] = entry
        elif "error_message" not in entry:
            run["repetitions"].append(entry)
    return runs


def allocations(value):
    """Formats allocations per call: whole numbers as such, others with three decimals."""
    if abs(value - round(value)) < 0.0005:
        return str(int(round(value)))
    return f"{value:.3f}"


def cpu_ns(run):
    return run["median"]["cpu_time"]


def cpu_range(run):
    times = sorted(entry["cpu_time"] for entry in run["repetitions"])
    return f"{times[0]:,.1f} to {times[-1]:,.1f}" if times else "n/a"


def print_single_thread(runs):
    baseline = cpu_ns(runs[BASELINE])
    print("| benchmark | what one call does | ns per call | repetitions | overhead ns | "
          "allocs per call |")
    print("| --- | --- | ---: | --- | ---: | ---: |")
    for name, description in SINGLE_THREAD:
        run = runs.get(name)
        if run is None or run["median"] is None:
            print(f"| `{name}` | {description} | not run | | | |")
            continue
        overhead = "" if name == BASELINE else f"{cpu_ns(run) - baseline:,.1f}"
        print(f"| `{name}` | {description} | {cpu_ns(run):,.1f} | {cpu_range(run)} | "
              f"{overhead} | {allocations(run['median']['allocs_per_call'])} |")
    print()
    default = runs.get("Pipeline/default_policy")
    if default is None or default["median"] is None:
        return
    overhead = cpu_ns(default) - baseline
    allocs = default["median"]["allocs_per_call"]
    met = "met" if overhead <= MAX_OVERHEAD_NS and allocs < 0.0005 else "NOT met"
    print(f"Target (overhead <= {MAX_OVERHEAD_NS} ns, no allocation, default policy): "
          f"{overhead:,.1f} ns and {allocations(allocs)} allocations per call, {met}.")
    print()


def print_layers(runs):
    print("| layer | what one call does | ns per call | times per pipeline call | ns in the "
          "pipeline |")
    print("| --- | --- | ---: | ---: | ---: |")
    total = 0.0
    for name, count, description in LAYERS:
        run = runs.get(name)
        if run is None or run["median"] is None:
            print(f"| `{name}` | {description} | not run | {count} | |")
            continue
        share = cpu_ns(run) * count
        total += share
        print(f"| `{name}` | {description} | {cpu_ns(run):,.1f} | {count} | {share:,.1f} |")
    default = runs.get("Pipeline/default_policy")
    if default is not None and default["median"] is not None:
        overhead = cpu_ns(default) - cpu_ns(runs[BASELINE])
        print(f"| sum of the layers | | | | {total:,.1f} |")
        print(f"| measured overhead (`Pipeline/default_policy` - baseline) | | | | "
              f"{overhead:,.1f} |")
    print()


def thread_rates(runs, family):
    """Returns {threads: calls per second of wall time} of one Threads/ family."""
    rates = {}
    for name, run in runs.items():
        if name.startswith(family + "/") and run["median"] is not None:
            rates[run["median"]["threads"]] = run["median"]["items_per_second"]
    return rates


def print_threads(pinned, spread):
    pipeline = "Threads/default_policy"
    columns = [("`default_policy`, pinned to one CPU", thread_rates(pinned, pipeline))]
    if spread is not None:
        columns.append(("`default_policy`, both CPUs", thread_rates(spread, pipeline)))
        columns.append(("bare call, both CPUs",
                        thread_rates(spread, "Threads/baseline_bare_call")))
    print("| threads |" + "".join(f" {label}, calls/s | x 1 thread |" for label, _ in columns))
    print("| ---: |" + " ---: | ---: |" * len(columns))
    counts = sorted({threads for _, rates in columns for threads in rates})
    for threads in counts:
        row = f"| {threads} |"
        for _, rates in columns:
            if threads in rates and 1 in rates:
                row += f" {rates[threads]:,.0f} | {rates[threads] / rates[1]:.2f} |"
            else:
                row += " n/a | n/a |"
        print(row)
    print()


def main():
    if len(sys.argv) != 2:
        print("usage: summarize.py RESULTS_FOLDER", file=sys.stderr)
        return 2
    folder = pathlib.Path(sys.argv[1])
    pinned = read_runs(folder / "pinned.json")
    spread_path = folder / "spread.json"
    spread = read_runs(spread_path) if spread_path.exists() else None
    print("Single thread, pinned (median of the repetitions, CPU time):")
    print()
    print_single_thread(pinned)
    print("Where the time goes (Layer/ benchmarks, pinned, median CPU time):")
    print()
    print_layers(pinned)
    print("Throughput through one pipeline (median calls per second of wall time, all threads):")
    print()
    print_threads(pinned, spread)
    return 0


if __name__ == "__main__":
    sys.exit(main())
