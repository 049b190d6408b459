#!/usr/bin/env python3
"""bench/dsn-latency.py - with --store-dir, the time from a message's final dot to its 250, for
plain messages and for messages that get a DSN at once (whose 250 waits until the DSN is
listed: docs/scenarios.md), over one connection.

Starts a Bounceback (--bin, default build/bounceback) with --store-dir in a fresh temporary
directory, then sends --messages DATA transactions of each kind, twice, alternating (plain,
DSN, plain, DSN), each timed alone (no pipelining). Prints the median and 95th percentile in
ms per kind (docs/benchmarks.md, "Session 10"). A benchmark, not a test: it asserts only that
each message got its 250.

Usage: bench/dsn-latency.py [--bin PATH] [--messages N]
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "build", "bounceback"))
    ap.add_argument("--messages", type=int, default=200)
    args = ap.parse_args()
    smtp, http = free_port(), free_port()
    spool = tempfile.mkdtemp(prefix="bounceback-dsn-latency-")
    proc = subprocess.Popen([args.bin, "--smtp", f"127.0.0.1:{smtp}", "--http",
                             f"127.0.0.1:{http}", "--store-dir", spool, "--log-level", "warn",
                             "--max-messages", "100000"])
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", smtp), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("bench: bounceback did not start")
        s = socket.create_connection(("127.0.0.1", smtp))
        f = s.makefile("rb")

        def reply():
            while True:
                line = f.readline()
                if not line:
                    sys.exit("bench: connection closed")
                if line[3:4] == b" ":
                    return line

        reply()
        s.sendall(b"EHLO latency.example.test\r\n")
        reply()
        results = {}
        for kind, rcpt in (("plain", "b@example.test"), ("DSN at once", "dsn-550-5.1.1@reply.test")) * 2:
            for i in range(args.messages):
                s.sendall(f"MAIL FROM:<a{i}@example.test>\r\nRCPT TO:<{rcpt}>\r\nDATA\r\n".encode())
                for _ in range(3):
                    reply()
                t = time.perf_counter()
                s.sendall(b"Subject: x\r\n\r\nbody\r\n.\r\n")
                got = reply()
                if not got.startswith(b"250"):
                    sys.exit(f"bench: {got!r}")
                results.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
        s.sendall(b"QUIT\r\n")
        s.close()
        print("| kind | median ms | p95 ms | messages |")
        print("|---|---:|---:|---:|")
        for kind, times in results.items():
            times.sort()
            print(f"| {kind} | {statistics.median(times):.2f} | "
                  f"{times[int(len(times) * 0.95) - 1]:.2f} | {len(times)} |")
    finally:
        proc.terminate()
        proc.wait(15)
        shutil.rmtree(spool, ignore_errors=True)


if __name__ == "__main__":
    main()
