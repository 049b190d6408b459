#!/usr/bin/env python3
"""bench/poll-cost.py - what one API call costs the server, in CPU (issue 20, session 11).

A fresh Bounceback (--bin) with --max-messages COUNT is filled with COUNT small messages
(bench/store-growth.py's fill), then each path is called --calls times in a row on one
keep-alive connection (after --calls/10 calls not counted, to warm up). Reported per path: the
API thread's CPU per call (`bb-api`, from /proc/PID/task/TID/schedstat: nanoseconds, not
ticks), the whole server's, the client's median ms and the response's bytes. CPU time is what
a tight poller takes from SMTP on a small machine (bench/api-load.py measures that directly),
and unlike a rate it is roughly the same whether the machine is busy or not. Several binaries
are interleaved, --rounds times; the medians of the rounds are printed.

Usage: bench/poll-cost.py --bin A [--bin B ...] [--count 100000] [--calls 3000] [--rounds 3]
                          [--paths "/api/v1/messages?limit=50,..."] [--extra "serve options"]
"""
import argparse
import http.client
import importlib.util
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("page_api", os.path.join(HERE, "page-api.py"))
page_api = importlib.util.module_from_spec(spec)
spec.loader.exec_module(page_api)
spec = importlib.util.spec_from_file_location("store_growth", os.path.join(HERE, "store-growth.py"))
store_growth = importlib.util.module_from_spec(spec)
spec.loader.exec_module(store_growth)

PATHS = ["/api/v1/messages?limit=50", "/api/v1/messages?to=user7@example.test&limit=50",
         "/api/v1/messages?limit=50&start=50000", "/mailpit/api/v1/messages?limit=50"]


def cpu_ns(pid, name=None):
    """CPU nanoseconds of the process's threads (those called `name`, or all)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            if name:
                with open(f"/proc/{pid}/task/{tid}/comm") as f:
                    if f.read().strip() != name:
                        continue
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total


def measure(pid, port, path, calls):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    size = 0

    def call():
        nonlocal size
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            sys.exit(f"bench: {path}: status {r.status}")
        size = len(body)

    for _ in range(max(1, calls // 10)):
        call()
    api0, all0 = cpu_ns(pid, "bb-api"), cpu_ns(pid)
    times = []
    for _ in range(calls):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    api, server = cpu_ns(pid, "bb-api") - api0, cpu_ns(pid) - all0
    conn.close()
    return api / calls / 1000, server / calls / 1000, statistics.median(times) * 1000, size


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", action="append", required=True)
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--calls", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--paths", default=",".join(PATHS))
    ap.add_argument("--extra", default="", help="more serve options, space separated")
    args = ap.parse_args()
    paths = [p for p in args.paths.split(",") if p]
    results = {}  # (bin, path) -> [(api us, server us, ms, bytes)]
    for r in range(args.rounds):
        for binary in args.bin:
            proc, smtp, http_port = page_api.start(binary, args.count, args.extra.split(),
                                                   max_messages=args.count)
            try:
                store_growth.fill(smtp, args.count)
                for path in paths:
                    results.setdefault((binary, path), []).append(
                        measure(proc.pid, http_port, path, args.calls))
                print(f"  round {r + 1} {binary}: done (load {os.getloadavg()[0]:.1f})",
                      file=sys.stderr, flush=True)
            finally:
                proc.terminate()
                proc.wait(15)
    revision = subprocess.run(["git", "-C", HERE, "describe", "--always", "--dirty"],
                              capture_output=True, text=True).stdout.strip()
    print(f"{args.count} stored, {args.calls} calls a path, {args.rounds} rounds ({revision}); "
          f"load {os.getloadavg()[0]:.1f}\n")
    print("| path | bin | API thread CPU us/call (rounds) | server CPU us/call | median ms | bytes |")
    print("|---|---|---|---:|---:|---:|")
    for path in paths:
        for binary in args.bin:
            rows = results[(binary, path)]
            api = [row[0] for row in rows]
            print(f"| `{path}` | {binary} | {statistics.median(api):.1f} "
                  f"({', '.join(f'{a:.1f}' for a in api)}) | "
                  f"{statistics.median(row[1] for row in rows):.1f} | "
                  f"{statistics.median(row[2] for row in rows):.3f} | {rows[-1][3]} |")


if __name__ == "__main__":
    main()
