#!/usr/bin/env python3
"""bench/api-contended.py - how long the API takes to answer when every core is busy (issue 20)

For each API thread setting (a nice value given to --api-nice, or `idle`: SCHED_IDLE set on
the running `bb-api` thread), a fresh Bounceback (BIN) serves two SMTP clients sending 1 KiB
messages as fast as it takes them while two busy loops per core run at nice 0; one client
calls `GET /api/v1/messages?limit=20` in a loop for 8 s. Prints its calls, median, p90 and
max ms, and SMTP's rate meanwhile: what a lower priority costs a test harness on saturated
cores (tests/integration/test_api_latency.py asserts the bound). A benchmark, not a test.

Usage: bench/api-contended.py BIN 10,19,idle[,...]
"""
import http.client
import multiprocessing as mpm
import os
import socket
import statistics
import subprocess
import sys
import time

BIN = sys.argv[1]
def spin(stop):
    while not stop.is_set():
        for _ in range(100000): pass
def rr(f):
    while True:
        l = f.readline()
        if l[3:4] == b" ": return l
def send(port, stop, sent):
    body = b"Subject: busy\r\n\r\n" + b"x" * 1000 + b"\r\n.\r\n"
    s = socket.create_connection(("127.0.0.1", port), timeout=60); f = s.makefile("rb"); rr(f)
    s.sendall(b"EHLO b\r\n"); rr(f)
    while not stop.is_set():
        s.sendall(b"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n"); rr(f); rr(f); rr(f)
        s.sendall(body); rr(f)
        with sent.get_lock(): sent.value += 1
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
for policy in sys.argv[2].split(","):
    smtp, http_port = free_port(), free_port()
    nice = "0" if policy == "idle" else policy
    proc = subprocess.Popen([BIN, "--smtp", f"127.0.0.1:{smtp}", "--http", f"127.0.0.1:{http_port}",
                             "--max-messages", "100000", "--log-level", "warn", "--api-nice", nice])
    time.sleep(0.5)
    if policy == "idle":
        for tid in os.listdir(f"/proc/{proc.pid}/task"):
            if open(f"/proc/{proc.pid}/task/{tid}/comm").read().strip() == "bb-api":
                os.sched_setscheduler(int(tid), os.SCHED_IDLE, os.sched_param(0))
    mp = mpm.get_context("fork"); stop = mp.Event(); sent = mp.Value("q", 0)
    procs = [mp.Process(target=spin, args=(stop,)) for _ in range(2 * os.cpu_count())]
    procs += [mp.Process(target=send, args=(smtp, stop, sent)) for _ in range(2)]
    for p in procs: p.start()
    time.sleep(1)
    times = []; c = http.client.HTTPConnection("127.0.0.1", http_port, timeout=120)
    b0 = sent.value; t_end = time.monotonic() + 8
    while time.monotonic() < t_end:
        t = time.monotonic(); c.request("GET", "/api/v1/messages?limit=20"); c.getresponse().read()
        times.append(time.monotonic() - t)
    rate = (sent.value - b0) / 8
    stop.set(); [p.join(30) for p in procs]
    proc.terminate(); proc.wait(15)
    times.sort()
    print(f"api {policy}: {len(times)} calls, median {statistics.median(times)*1000:.1f} ms, p90 {times[int(len(times)*.9)]*1000:.1f} ms, "
          f"max {times[-1]*1000:.1f} ms; SMTP {rate:.0f} msgs/s meanwhile; load {os.getloadavg()[0]:.1f}", flush=True)
