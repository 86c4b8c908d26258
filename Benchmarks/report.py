#!/usr/bin/env python3
"""Turns the JSON lines of Benchmarks/run.sh into Markdown tables.

usage: report.py results.jsonl

Labels are SERVER-SCHEME (nginx-rtmps, sealcast-rtmp, ...). Each table cell lists the rounds
in order, so the spread between rounds stays visible; ratios use the mean of the rounds.
"""
import json
import sys
from collections import defaultdict


def load(path):
    runs = []
    with open(path) as lines:
        for line in lines:
            line = line.strip()
            if line:
                runs.append(json.loads(line))
    return runs


def mean(values):
    values = [value for value in values if value is not None]
    return sum(values) / len(values) if values else None


def cell(values, digits=2):
    formatted = ["–" if value is None else f"{value:.{digits}f}" for value in values]
    return " / ".join(formatted) if formatted else "–"


def percentile(distribution, key):
    return distribution.get(key) if distribution else None


def fanout_table(runs):
    groups = defaultdict(list)
    for run in runs:
        groups[(run["n"], run["label"])].append(run)
    counts = sorted({n for n, _ in groups})
    rows = [
        "| players | scheme | nginx CPU-s/GB | Sealcast CPU-s/GB | ratio | kept up (nginx / Sealcast) "
        "| Sealcast % of a core | Sealcast PSS per player (KB) | first keyframe p50 / p90 ms (nginx; Sealcast) "
        "| e2e delay p50 ms (nginx; Sealcast) |",
        "| ---: | --- | ---: | ---: | ---: | --- | ---: | ---: | --- | --- |",
    ]
    for count in counts:
        for scheme in ("rtmps", "rtmp"):
            nginx = groups.get((count, f"nginx-{scheme}"), [])
            ours = groups.get((count, f"sealcast-{scheme}"), [])
            if not nginx and not ours:
                continue
            nginx_cost = [run.get("cpu_s_per_gb") for run in nginx]
            our_cost = [run.get("cpu_s_per_gb") for run in ours]
            ratio = None
            if mean(nginx_cost) and mean(our_cost):
                ratio = mean(nginx_cost) / mean(our_cost)
            keep_up = " ".join(f"{run['kept_up']}/{run['n']}" for run in nginx) + " ; " + " ".join(
                f"{run['kept_up']}/{run['n']}" for run in ours
            )

            def keyframes(group):
                return " ".join(
                    f"{cell([percentile(run.get('first_keyframe_ms'), 'p50')], 0)}/"
                    f"{cell([percentile(run.get('first_keyframe_ms'), 'p90')], 0)}"
                    for run in group
                )

            def delays(group):
                return " ".join(cell([percentile(run.get("e2e_delay_ms"), "p50")], 0) for run in group)

            rows.append(
                f"| {count} | {scheme} | {cell(nginx_cost)} | {cell(our_cost)} | "
                f"{'–' if ratio is None else f'{ratio:.1f}x'} | {keep_up} | "
                f"{cell([run.get('server_core_pct') for run in ours], 1)} | "
                f"{cell([run.get('pss_per_player_kb') for run in ours], 1)} | "
                f"{keyframes(nginx)} ; {keyframes(ours)} | {delays(nginx)} ; {delays(ours)} |"
            )
    return "\n".join(rows)


def thread_table(runs):
    """Per-thread CPU of the largest Sealcast RTMPS run of each round."""
    ours = [run for run in runs if run["label"] == "sealcast-rtmps"]
    if not ours:
        return ""
    largest = max(run["n"] for run in ours)
    rows = [f"Server CPU seconds per thread, Sealcast RTMPS at {largest} players (each round):", ""]
    for run in (run for run in ours if run["n"] == largest):
        threads = sorted(run.get("server_threads_cpu_s", {}).items(), key=lambda item: -item[1])
        rows.append("- " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in threads))
    nginx = [run for run in runs if run["label"] == "nginx-rtmps" and run["n"] == largest]
    for run in nginx:
        threads = sorted(run.get("server_threads_cpu_s", {}).items(), key=lambda item: -item[1])
        rows.append("- nginx: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in threads))
    return "\n".join(rows)


def startup_table(runs):
    phases = ["tcp", "tls", "handshake", "connect_result", "play_start", "first_keyframe"]
    groups = defaultdict(list)
    for run in runs:
        groups[run["label"]].append(run)
    rows = [
        "| target | " + " | ".join(f"{phase} p50/p90 ms" for phase in phases) + " |",
        "| --- |" + " ---: |" * len(phases),
    ]
    for label in sorted(groups):
        cells = []
        for phase in phases:
            values = []
            for run in groups[label]:
                distribution = run.get("phases", {}).get(phase)
                if distribution:
                    values.append(f"{distribution['p50']:.1f}/{distribution['p90']:.1f}")
            cells.append(" ".join(values) if values else "–")
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def handshake_table(runs):
    groups = defaultdict(list)
    for run in runs:
        groups[run["label"]].append(run)
    rows = [
        "| scheme | nginx handshakes/s | Sealcast handshakes/s | nginx server CPU ms per set-up "
        "| Sealcast server CPU ms per set-up | ratio | connect reply p50 ms (nginx; Sealcast) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for scheme in ("rtmps", "rtmp"):
        nginx = groups.get(f"nginx-{scheme}", [])
        ours = groups.get(f"sealcast-{scheme}", [])
        if not nginx and not ours:
            continue
        nginx_cost = [run.get("server_cpu_ms_per_handshake") for run in nginx]
        our_cost = [run.get("server_cpu_ms_per_handshake") for run in ours]
        ratio = None
        if mean(nginx_cost) and mean(our_cost):
            ratio = mean(our_cost) / mean(nginx_cost)

        def connect(group):
            return cell([percentile(run.get("phases", {}).get("connect_result"), "p50") for run in group], 1)

        rows.append(
            f"| {scheme} | {cell([run.get('rate_per_s') for run in nginx], 0)} | "
            f"{cell([run.get('rate_per_s') for run in ours], 0)} | {cell(nginx_cost, 3)} | {cell(our_cost, 3)} | "
            f"{'–' if ratio is None else f'{ratio:.2f}'} | {connect(nginx)} ; {connect(ours)} |"
        )
    return "\n".join(rows)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: report.py results.jsonl")
    runs = load(sys.argv[1])
    by_test = defaultdict(list)
    for run in runs:
        by_test[run.get("test")].append(run)
    for header in by_test.get("run", []):
        print(
            f"Run started {header['started']}: {header['rounds']} rounds, players {header['players']}, "
            f"{header['duration']} s windows, kernel {header['kernel']}, {header['cpus']} CPUs."
        )
        print()
    if by_test.get("fanout"):
        print("### Fan-out (values per round, in order)\n")
        print(fanout_table(by_test["fanout"]))
        print()
        print(
            "The ratio is nginx's cost divided by Sealcast's (higher favours Sealcast). Sealcast's "
            "end-to-end delay comes mostly from its write batches (limits.playerWriteBatchMilliseconds, "
            "100 ms by default); nginx writes every message at once."
        )
        print()
        print(thread_table(by_test["fanout"]))
        print()
    if by_test.get("startup"):
        print("### New player start-up, 20 players one after another (one cell per round)\n")
        print(startup_table(by_test["startup"]))
        print()
    if by_test.get("handshakes"):
        print("### Connection set-up: TCP, TLS, RTMP handshake and connect, then close\n")
        print(handshake_table(by_test["handshakes"]))
        print()
        print(
            "The ratio is Sealcast's CPU per set-up divided by nginx's (lower favours Sealcast). "
            "nginx's rate is bound by its connect reply, which waits about 43 ms, so the two "
            "servers are measured at different rates."
        )
        print()


if __name__ == "__main__":
    main()
