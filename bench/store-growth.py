#!/usr/bin/env python3
"""bench/store-growth.py - what the store costs as it grows, and the memory it gives back.

1. Growth table: for each count (default 1,000, 10,000, 100,000, 300,000) a fresh Bounceback
   (--bin) is filled over SMTP with small messages (bench/page-api.py's fill: 500 recipients,
   one message in 1,000 with "needle"), then the API calls a test suite makes are timed
   (median of --repeat on one keep-alive connection, ms) and the server's RSS per stored
   message is read from /proc (VmRSS after the fill minus before, divided by the count).
   Then the search's address index (session 11): the first whole-address search (which parses
   every stored message's headers once, building it), a rare address (Cc header of 1 message
   in 1,000) through the native and Mailpit's search, and what the index added to the RSS.
2. Memory given back: 1,000 messages of 100 KiB (~100 MB), RSS; DELETE /api/v1/messages;
   RSS 1.5 s later (the server trims freed memory at most once a second, off the SMTP thread).
   With --bin-before, the same for another build (e.g. one without the trim).
3. The byte bound: the same 1,000 messages into --max-store-bytes 32MiB: RSS stays near 32 MiB.

Prints Markdown tables (docs/benchmarks.md, "Session 7"). A benchmark, not a test.
Usage: bench/store-growth.py [--bin PATH] [--bin-before PATH] [--counts 1000,10000] [--repeat N]
       [--growth-only]
"""
import argparse
import http.client
import importlib.util
import os
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("page_api", os.path.join(HERE, "page-api.py"))
page_api = importlib.util.module_from_spec(spec)
spec.loader.exec_module(page_api)


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_s(pid):
    """The server's CPU time so far (every thread's, from schedstat: nanoseconds), seconds."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total / 1e9


def timed_cpu(conn, pid, path, repeat):
    """Median wall ms of `repeat` calls, and the server's CPU ms per call (mean): the CPU
    holds up while other builds load the machine, the wall time does not."""
    before = cpu_s(pid)
    wall = page_api.timed(conn, path, repeat)[0]
    return f"{wall:.2f} ({(cpu_s(pid) - before) * 1000 / repeat:.2f})"


def fill(smtp, count, connections=4):
    per = count // connections
    workers = [threading.Thread(target=page_api.fill, args=(smtp, i * per, per))
               for i in range(connections)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def median_ms(conn, path, repeat):
    return page_api.timed(conn, path, repeat)[0]


def growth(binary, counts, repeat):
    print("| stored | fill msgs/s | RSS MB | RSS per message (bytes) | first page ms | "
          "`to=` one address ms | `subject=` scan ms | `wait?to=` ms | first `to:` search ms (CPU) | "
          "`to:rare@` native ms (CPU) | `to:rare@` Mailpit ms (CPU) | index bytes per message |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for count in counts:
        proc, smtp, http_port = page_api.start(binary, count, [])
        try:
            time.sleep(0.3)
            before = rss_kb(proc.pid)
            t = time.time()
            fill(smtp, count)
            rate = count / (time.time() - t)
            time.sleep(0.5)
            after = rss_kb(proc.pid)
            conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=60)
            calls = ["/api/v1/messages?limit=50", "/api/v1/messages?to=user7@example.test&limit=50",
                     "/api/v1/messages?subject=needle&limit=50",
                     "/api/v1/messages/wait?to=user7@example.test&timeout=1s"]
            ms = [f"{median_ms(conn, c, repeat):.2f}" for c in calls]
            # The first whole-address search: the index is built (a scan with an older build).
            ms += [timed_cpu(conn, proc.pid,
                             "/api/v1/messages?query=to:user7@example.test&limit=50", 1)]
            ms += [timed_cpu(conn, proc.pid, c, repeat) for c in (
                "/api/v1/messages?query=to:rare@example.test&limit=50",
                "/mailpit/api/v1/search?query=to:rare@example.test&limit=50")]
            time.sleep(0.3)
            indexed = rss_kb(proc.pid)
            print(f"| {count:,} | {rate:,.0f} | {after / 1024:.0f} | "
                  f"{(after - before) * 1024 / count:,.0f} | " + " | ".join(ms)
                  + f" | {(indexed - after) * 1024 / count:,.0f} |", flush=True)
        finally:
            proc.terminate()
            proc.wait(15)


def big_fill(smtp, count, size):
    body = ("x" * 76 + "\r\n") * (size // 78)
    s = page_api.socket.create_connection(("127.0.0.1", smtp))
    f = s.makefile("rb")
    f.readline()
    s.sendall(b"EHLO bench.example.test\r\n")
    while f.readline()[3:4] != b" ":
        pass
    for n in range(count):
        data = f"Subject: big {n}\r\n\r\n{body}".encode()
        s.sendall(b"MAIL FROM:<app@example.test>\r\nRCPT TO:<big@example.test>\r\n"
                  + b"BDAT %d LAST\r\n" % len(data) + data)
        for _ in range(3):
            while f.readline()[3:4] != b" ":
                pass
    s.sendall(b"QUIT\r\n")
    s.close()


def memory(label, binary, extra):
    proc, smtp, http_port = page_api.start(binary, 1000, extra)
    try:
        time.sleep(0.3)
        base = rss_kb(proc.pid)
        big_fill(smtp, 1000, 100 * 1024)
        time.sleep(0.5)
        full = rss_kb(proc.pid)
        conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=60)
        conn.request("DELETE", "/api/v1/messages")
        conn.getresponse().read()
        time.sleep(1.5)
        after = rss_kb(proc.pid)
        print(f"| {label} | {base / 1024:.0f} | {full / 1024:.0f} | {after / 1024:.0f} |",
              flush=True)
    finally:
        proc.terminate()
        proc.wait(15)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "build", "bounceback"))
    ap.add_argument("--bin-before", help="another build to compare the memory given back")
    ap.add_argument("--counts", default="1000,10000,100000,300000")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--growth-only", action="store_true", help="the growth table only (1.)")
    args = ap.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    print(f"load {os.getloadavg()[0]:.1f}\n")
    growth(args.bin, counts, args.repeat)
    if args.growth_only:
        return 0
    print("\n| 1,000 x 100 KiB messages | RSS MB at start | stored | 1.5 s after DELETE |")
    print("|---|---:|---:|---:|")
    if args.bin_before:
        memory("before (--bin-before)", args.bin_before, [])
    memory("this build", args.bin, [])
    memory("this build, --max-store-bytes 32MiB", args.bin, ["--max-store-bytes", "32MiB"])
    print(f"\nload {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    sys.exit(main())
