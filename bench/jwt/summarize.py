#!/usr/bin/env python3
"""Prints the tables of docs/benchmarks.md from the files scripts/bench.sh writes.

Reads, from the folder given as the only argument:
  round-N.json        bench_jwt_verify --benchmark_out of round N (Verify/ and Primitive/)
  openssl-N.txt       `openssl speed -mr` for rsa2048, ecdsap256 and ed25519 in round N
  openssl-hmac-N.txt  `openssl speed -mr -hmac sha256 -bytes 256` in round N
  phases.json         bench_jwt_verify --benchmark_out of the Phase/ and Candidate/ run (optional)

Every rate is operations per second of CPU time on one core. A figure is the median over the
rounds, and a ratio is the median of the ratios taken within each round, so that a slow round
moves numerator and denominator together.
"""

import json
import pathlib
import re
import statistics
import sys

# The targets: HS256 >= 250,000/s and >= 1.5 x the faster of libjwt and cpp-jwt. The asymmetric
# algorithms >= 0.85 x the `openssl speed` verify rate of their primitive.
HS256_MIN_RATE = 250_000
HS256_MIN_RATIO_TO_OTHERS = 1.5
MIN_RATIO_TO_PRIMITIVE = 0.85

ALGORITHMS = ["HS256", "RS256", "ES256", "EdDSA"]
OPENSSL_NAMES = {
    "HS256": "hmac(sha256) 256 B",
    "RS256": "rsa2048 verify",
    "ES256": "ecdsap256 verify",
    "EdDSA": "ed25519 verify",
}


def read_benchmark_rates(path):
    """Returns {benchmark name: items per second} of one Google Benchmark JSON file."""
    data = json.loads(path.read_text())
    rates = {}
    for entry in data["benchmarks"]:
        if entry.get("error_occurred"):
            raise SystemExit(f"{path}: {entry['name']} reported an error instead of a figure: "
                             f"{entry.get('error_message')}; fix it and run scripts/bench.sh again")
        if entry.get("run_type") == "aggregate" and entry.get("aggregate_name") != "median":
            continue
        name = entry.get("run_name", entry["name"])
        rates[name] = entry["items_per_second"]
    return rates


def read_openssl_rates(speed_path, hmac_path):
    """Returns {algorithm: verifications per second} from `openssl speed -mr` output."""
    rates = {}
    for line in speed_path.read_text().splitlines():
        fields = line.split(":")
        # +F2:index:bits:sign/s:verify/s is RSA, +F4 is ECDSA, +F6 is EdDSA with a name field.
        if fields[0] == "+F2" and fields[2] == "2048":
            rates["RS256"] = float(fields[4])
        elif fields[0] == "+F4" and fields[2] == "256":
            rates["ES256"] = float(fields[4])
        elif fields[0] == "+F6" and fields[3] == "Ed25519":
            rates["EdDSA"] = float(fields[5])
    for line in hmac_path.read_text().splitlines():
        match = re.match(r"\+F:\d+:hmac\(sha256\):([0-9.]+)", line)
        if match:
            # `openssl speed -bytes 256` reports bytes per second.
            rates["HS256"] = float(match.group(1)) / 256
    missing = [name for name in ALGORITHMS if name not in rates]
    if missing:
        raise SystemExit(f"{speed_path}: no openssl speed figure for {', '.join(missing)}")
    return rates


def median_of(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def ratio(numerator, denominator):
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def openssl_ratio(algorithm, outbound, openssl):
    """Returns outbound / openssl speed, or None for HS256, whose primitive is a 256-byte HMAC and
    not a verification, so the ratio is no target."""
    return None if algorithm == "HS256" else ratio(outbound, openssl)


def rate_text(rate):
    return "n/a" if rate is None else f"{rate:,.0f}"


def ratio_text(value):
    return "n/a" if value is None else f"{value:.3f}"


def comparison_table(rounds, openssl_rounds):
    lines = [
        "| alg | outbound /s | libjwt /s | cpp-jwt /s | primitive in-process /s "
        "| openssl speed /s | outbound / faster other | outbound / openssl speed | target | met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for algorithm in ALGORITHMS:
        primitive_name = next(
            (name for name in rounds[0] if name.startswith(f"Primitive/{algorithm}/")), None)
        per_round = []
        for rates, openssl in zip(rounds, openssl_rounds):
            outbound = rates.get(f"Verify/{algorithm}/outbound")
            libjwt = rates.get(f"Verify/{algorithm}/libjwt")
            cpp_jwt = rates.get(f"Verify/{algorithm}/cpp-jwt")
            others = [rate for rate in (libjwt, cpp_jwt) if rate is not None]
            per_round.append({
                "outbound": outbound,
                "libjwt": libjwt,
                "cpp_jwt": cpp_jwt,
                "primitive": rates.get(primitive_name) if primitive_name else None,
                "openssl": openssl[algorithm],
                "to_others": ratio(outbound, max(others)) if others else None,
                "to_openssl": openssl_ratio(algorithm, outbound, openssl[algorithm]),
            })
        median = {key: median_of([row[key] for row in per_round]) for key in per_round[0]}
        if algorithm == "HS256":
            target = f">= {HS256_MIN_RATE:,}/s and >= {HS256_MIN_RATIO_TO_OTHERS}x faster other"
            met = (median["outbound"] >= HS256_MIN_RATE and median["to_others"] is not None
                   and median["to_others"] >= HS256_MIN_RATIO_TO_OTHERS)
        else:
            target = f">= {MIN_RATIO_TO_PRIMITIVE} x {OPENSSL_NAMES[algorithm]}"
            met = median["to_openssl"] >= MIN_RATIO_TO_PRIMITIVE
        lines.append(
            f"| {algorithm} | {rate_text(median['outbound'])} | {rate_text(median['libjwt'])} "
            f"| {rate_text(median['cpp_jwt'])} | {rate_text(median['primitive'])} "
            f"| {rate_text(median['openssl'])} | {ratio_text(median['to_others'])} "
            f"| {ratio_text(median['to_openssl'])} | {target} | {'yes' if met else 'no'} |")
    return lines


def per_round_table(rounds, openssl_rounds):
    lines = [
        "| round | alg | outbound /s | faster other /s | openssl speed /s "
        "| outbound / faster other | outbound / openssl speed |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for index, (rates, openssl) in enumerate(zip(rounds, openssl_rounds), start=1):
        for algorithm in ALGORITHMS:
            outbound = rates.get(f"Verify/{algorithm}/outbound")
            others = [rates[name] for name in (f"Verify/{algorithm}/libjwt",
                                               f"Verify/{algorithm}/cpp-jwt") if name in rates]
            best_other = max(others) if others else None
            lines.append(
                f"| {index} | {algorithm} | {rate_text(outbound)} | {rate_text(best_other)} "
                f"| {rate_text(openssl[algorithm])} | {ratio_text(ratio(outbound, best_other))} "
                f"| {ratio_text(openssl_ratio(algorithm, outbound, openssl[algorithm]))} |")
    return lines


def phase_table(phases):
    lines = ["| benchmark | ns per call | calls /s |", "| --- | ---: | ---: |"]
    for name, rate in phases.items():
        lines.append(f"| {name} | {1e9 / rate:,.0f} | {rate_text(rate)} |")
    return lines


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: summarize.py RESULTS_FOLDER (the folder scripts/bench.sh wrote)")
    folder = pathlib.Path(sys.argv[1])
    round_files = sorted(folder.glob("round-*.json"),
                         key=lambda path: int(path.stem.split("-")[1]))
    if not round_files:
        raise SystemExit(f"{folder} has no round-N.json; run scripts/bench.sh first")
    rounds = [read_benchmark_rates(path) for path in round_files]
    openssl_rounds = []
    for path in round_files:
        number = path.stem.split("-")[1]
        openssl_rounds.append(read_openssl_rates(folder / f"openssl-{number}.txt",
                                                 folder / f"openssl-hmac-{number}.txt"))

    print(f"Medians of {len(rounds)} rounds (operations per second of CPU time, one core):\n")
    print("\n".join(comparison_table(rounds, openssl_rounds)))
    print("\nEach round:\n")
    print("\n".join(per_round_table(rounds, openssl_rounds)))
    phases_path = folder / "phases.json"
    if phases_path.exists():
        print("\nPhases and candidates (median of the repetitions):\n")
        print("\n".join(phase_table(read_benchmark_rates(phases_path))))


if __name__ == "__main__":
    main()
