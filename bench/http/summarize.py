#!/usr/bin/env python3
"""Prints the HTTP transport tables of docs/benchmarks.md from the files that
scripts/bench_http.sh writes.

Reads, from the folder given as the only argument, round-N.json: the --benchmark_out of
bench_http_transport for round N, in which every benchmark ran once. A rate is requests per second
of wall time (items_per_second). A figure in the tables is the median over the rounds, and a ratio
is the median of the ratios taken within each round, because the machine's speed drifts between
rounds more than within one. The client's CPU time per request (the benchmark thread's, system
calls included, nginx's excluded) is given beside the rates: other work on the same CPU changes it
far less than the wall time.
"""

import json
import pathlib
import statistics
import sys

RATES = [
    ("Pooled/plain/keep_alive", "pooled transport, plain, one kept-alive connection"),
    ("Raw/plain/keep_alive", "raw Poco HTTPClientSession, plain, kept alive"),
    ("Pooled/plain/new_connection", "pooled transport, plain, server closes after each response"),
    ("Raw/plain/new_session", "raw Poco, plain, new session per request"),
    ("Pooled/tls/keep_alive", "pooled transport, TLS, one kept-alive connection"),
    ("Raw/tls/keep_alive", "raw Poco HTTPSClientSession, TLS, kept alive"),
    ("Pooled/tls/new_connection", "pooled transport, TLS, server closes after each response"),
    ("Raw/tls/new_session", "raw Poco, TLS, new session per request, the transport's groups"),
    ("Raw/tls/new_session_poco_groups",
     "raw Poco, TLS, new session per request, Poco 1.11's default groups"),
]

# (numerator, denominator, target: the ratio must be at least this, or None for information)
RATIOS = [
    ("Pooled/plain/keep_alive", "Raw/plain/keep_alive", 0.90),
    ("Pooled/tls/keep_alive", "Raw/tls/keep_alive", 0.90),
    ("Pooled/plain/keep_alive", "Pooled/plain/new_connection", 3.0),
    ("Pooled/tls/keep_alive", "Pooled/tls/new_connection", 10.0),
    ("Pooled/plain/keep_alive", "Raw/plain/new_session", 3.0),
    ("Pooled/tls/keep_alive", "Raw/tls/new_session", 10.0),
    ("Pooled/plain/new_connection", "Raw/plain/new_session", None),
    ("Pooled/tls/new_connection", "Raw/tls/new_session", None),
    ("Raw/plain/keep_alive", "Raw/plain/new_session", None),
    ("Raw/tls/keep_alive", "Raw/tls/new_session", None),
]


def read_round(path):
    """Returns {benchmark name: requests per second} and {benchmark name: client CPU
    microseconds per request} of one round. Failed benchmarks are left out, and their errors are
    printed to stderr."""
    rates = {}
    cpu_times = {}
    for entry in json.loads(path.read_text())["benchmarks"]:
        # UseRealTime() appends "/real_time" to every name.
        name = entry["run_name"].removesuffix("/real_time")
        if entry.get("error_occurred"):
            print(f"summarize.py: {path.name}: {name} failed: {entry.get('error_message')}",
                  file=sys.stderr)
            continue
        rates[name] = entry["items_per_second"]
        scale = {"ns": 0.001, "us": 1.0, "ms": 1000.0, "s": 1e6}[entry["time_unit"]]
        cpu_times[name] = entry["cpu_time"] * scale
    return rates, cpu_times


def rate(value):
    return "n/a" if value is None else f"{value:,.0f}"


def ratio(value):
    return "n/a" if value is None else f"{value:.3f}"


def median_or_none(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def main():
    if len(sys.argv) != 2:
        print("usage: summarize.py RESULTS_FOLDER", file=sys.stderr)
        return 2
    folder = pathlib.Path(sys.argv[1])
    paths = sorted(folder.glob("round-*.json"), key=lambda path: int(path.stem.split("-")[1]))
    if not paths:
        print(f"summarize.py: no round-N.json in {folder}", file=sys.stderr)
        return 1
    results = [read_round(path) for path in paths]
    rounds = [rates for rates, _ in results]
    cpu_rounds = [cpu_times for _, cpu_times in results]

    machine = folder / "machine.txt"
    if machine.exists():
        print("```")
        print(machine.read_text().rstrip())
        print("```")
        print()

    rounds_text = "1 round" if len(rounds) == 1 else f"{len(rounds)} rounds"
    print(f"Requests per second of wall time, median of {rounds_text}, client and server on one "
          "CPU:")
    print()
    header = " | ".join(f"round {index}" for index in range(1, len(rounds) + 1))
    print(f"| benchmark | what it does | median /s | {header} | client CPU µs per request |")
    print("| --- | --- | ---: |" + " ---: |" * len(rounds) + " ---: |")
    for name, description in RATES:
        values = [round_rates.get(name) for round_rates in rounds]
        cells = " | ".join(rate(value) for value in values)
        cpu = median_or_none([cpu_times.get(name) for cpu_times in cpu_rounds])
        cpu_text = "n/a" if cpu is None else f"{cpu:,.2f}"
        print(f"| `{name}` | {description} | {rate(median_or_none(values))} | {cells} "
              f"| {cpu_text} |")
    print()

    print("Ratios, median of the per-round ratios:")
    print()
    print(f"| ratio | target | median | {header} | met |")
    print("| --- | ---: | ---: |" + " ---: |" * len(rounds) + " --- |")
    failed = False
    for numerator, denominator, target in RATIOS:
        values = []
        for round_rates in rounds:
            if round_rates.get(numerator) and round_rates.get(denominator):
                values.append(round_rates[numerator] / round_rates[denominator])
            else:
                values.append(None)
        median = median_or_none(values)
        if target is None:
            met = "n/a"
        elif median is None:
            met = "no figure"
            failed = True
        else:
            met = "yes" if median >= target else "no"
        cells = " | ".join(ratio(value) for value in values)
        target_text = "n/a" if target is None else f">= {target:g}"
        print(f"| `{numerator}` / `{denominator}` | {target_text} | {ratio(median)} | {cells} "
              f"| {met} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
