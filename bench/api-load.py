#!/usr/bin/env python3
"""bench/api-load.py - does a client of the HTTP API slow SMTP down? (issue 20)

For each stored count (default 1,000, 10,000, 100,000) a fresh Bounceback (--bin) runs with
--max-messages COUNT and is filled with COUNT small messages (bench/page-api.py's fill), so the
store stays at COUNT while the load below replaces its oldest messages. Then, in interleaved
rounds (the machine is shared: every figure carries the 1-minute load average):

(a) SMTP throughput, config b of bench/run.sh (Postfix smtp-source through bench/smtp-load.sh:
    20 persistent sessions, 1 KiB, ~--seconds per run), with no API client (`none`), with a
    process polling `GET /api/v1/messages?limit=50` as fast as it can on one keep-alive
    connection (`list`; `list10` and `list200` ask for 10 and 200 summaries), and with one
    polling `to=to@example.com` (`to`, the address every smtp-source message is sent to: the
    store's index, a full page). Reported: msgs/s, the ratio to `none` of the same round, the
    server's CPU per message, its SMTP thread's CPU per message, its API thread's CPU (% of a
    core), the poller's calls/s, median ms and own CPU (% of a core: a tight poller on these
    two cores takes CPU from smtp-source and the server whatever the server does), and the
    cores used (smtp-source's, the server's and the poller's CPU, in cores). --poller-nice
    runs the poller reniced; --poller c polls with bench/tight-poller.c, built here with `cc
    -O2`, which makes the same calls for a fraction of Python's CPU and stops the run on any
    bad answer (calls/s and CPU % are over the poller's whole life, its 0.3 s warm-up
    included). --nice 0,10
    interleaves runs with the API thread reniced (what --api-nice sets at start); `idle` puts it
    at SCHED_IDLE, `batch` at SCHED_BATCH and nice 19 (session 12's comparison).
(b) SMTP command latency: one Python client (gc off, time.perf_counter around each command's
    write and reply) sends 1 KiB messages on one connection for --latency-seconds (MAIL, RCPT,
    DATA, the body's end), with no API client (`none`) and with one process calling
    `GET /api/v1/messages/wait?to=*&timeout=5s` once a second (`wait`: a glob that matches
    every message, so the wait takes the scanning path and answers at once), and the same with
    `&limit=1000` (`wait1000`: a page of 1,000 summaries, the largest a wait may return);
    optionally `waitquery`: a wait for `query=zzneverzz` held open the whole run (each stored
    message is checked against it; --latency-size sets the messages' size).
    Reported: p50, p99, p99.9 and max of MAIL and of all commands, in ms. The client's own
    jitter (Python, one core shared by four processes) is in every column alike.

Prints Markdown tables (docs/benchmarks.md, "Session 8"). A benchmark, not a test: it asserts
nothing. Issue 20's goals: (a) `list`/`to` at 100,000 stored >= 0.8x of `none`; (b) p99 < 2 ms
with one wait a second at every count.

Usage: bench/api-load.py [--bin PATH] [--counts 1000,10000,100000] [--rounds N] [--seconds S]
                         [--latency-seconds S] [--modes none,list,to] [--latency-modes ...]
                         [--nice 0,10] [--poller python|c] [--poller-nice N]
                         [--extra "serve options"]
"""
import argparse
import atexit
import gc
import signal
import tempfile
import http.client
import importlib.util
import multiprocessing
import os
import shutil
import socket
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

POLLS = {"list": "/api/v1/messages?limit=50", "to": "/api/v1/messages?to=to@example.com&limit=50",
         # The first page at a fifth and at four times list's size: a call's cost on the server
         # changes, a closed-loop poller's CPU share does not (session 13).
         "list10": "/api/v1/messages?limit=10", "list200": "/api/v1/messages?limit=200"}
WAITS = {"wait": "/api/v1/messages/wait?to=*&timeout=5s",
         "wait1000": "/api/v1/messages/wait?to=*&limit=1000&timeout=5s",
         # Held open the whole run: a search no message matches, so every stored message is
         # checked against it (its body decoded) while the wait is pending.
         "waitquery": "/api/v1/messages/wait?query=zzneverzz&timeout=5s"}
HZ = os.sysconf("SC_CLK_TCK")


def load1():
    return os.getloadavg()[0]


def thread_ticks(pid):
    """utime+stime per thread: {tid: ticks}."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out[int(tid)] = int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return out


def thread_names(pid):
    names = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                names[int(tid)] = f.read().strip()
        except OSError:
            pass
    return names


# ---- API clients, each in a process of its own (no shared interpreter lock with the timer) ----

POLLER_NICE = 0  # --poller-nice: the poller process's nice value (set before it forks)


def poller(port, path, stop, result):
    """GET `path` in a loop on one keep-alive connection until `stop`; calls, median ms and the
    poller's own CPU seconds (it shares the cores with smtp-source and the server)."""
    if POLLER_NICE:
        os.nice(POLLER_NICE)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    while not stop.is_set():
        t = time.perf_counter()
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        times.append(time.perf_counter() - t)
        if r.status != 200:
            result.put((len(times), 0.0, f"status {r.status}", time.process_time()))
            return
    result.put((len(times), statistics.median(times) * 1000 if times else 0.0, "",
                time.process_time()))


def waiter(port, path, stop, result):
    """One wait a second (`path`), on its own keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times, sizes = [], []
    next_at = time.monotonic()
    while not stop.is_set():
        t = time.perf_counter()
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        times.append(time.perf_counter() - t)
        sizes.append(len(body))
        if r.status == 408:  # a held wait ran out: wait again at once
            continue
        if r.status != 200:
            result.put((len(times), 0.0, f"status {r.status}", time.process_time()))
            return
        next_at += 1.0
        stop.wait(max(0.0, next_at - time.monotonic()))
    result.put((len(times), statistics.median(times) * 1000 if times else 0.0,
                f"{statistics.median(sizes):.0f} bytes" if sizes else "", time.process_time()))


class Client:
    """An API client process for the length of a `with` block."""

    def __init__(self, target, port, path):
        self.stop = multiprocessing.Event()
        self.result = multiprocessing.Queue()
        self.proc = multiprocessing.Process(target=target, args=(port, path, self.stop, self.result))

    def __enter__(self):
        self.started = time.time()
        self.proc.start()
        time.sleep(0.3)  # its connection is up and busy before the measurement starts
        self.t = time.time()
        return self

    def __exit__(self, *exc):
        self.seconds = time.time() - self.t
        self.stop.set()
        life = time.time() - self.started
        self.calls, self.median_ms, self.note, cpu = self.result.get(timeout=60)
        self.proc.join(10)
        if self.note.startswith("status"):
            sys.exit(f"bench: the API client got a bad answer after {self.calls} calls: {self.note}")
        self.cpu_pct = 100 * cpu / life  # its whole life, warm-up too
        self.calls_per_s = self.calls / life


C_POLLER = None  # --poller c: the path of bench/tight-poller.c built by build_c_poller()


def build_c_poller():
    """Builds bench/tight-poller.c with `cc -O2` into a temporary directory; its path."""
    where = tempfile.mkdtemp(prefix="bb-tight-poller-")
    atexit.register(shutil.rmtree, where, True)
    out = os.path.join(where, "tight-poller")
    subprocess.run(["cc", "-O2", "-o", out, os.path.join(HERE, "tight-poller.c")], check=True)
    return out


class CPoller:
    """bench/tight-poller.c polling `path` for the length of a `with` block: one keep-alive
    connection, the same request as poller(), a fraction of its CPU. It checks every answer
    (200, a body of the announced length starting with `{"total":`) and exits non-zero on a
    bad one, which stops the benchmark."""

    def __init__(self, port, path):
        self.argv = [C_POLLER, "-e", '{"total":', str(port), path]

    def __enter__(self):
        nice = POLLER_NICE
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, preexec_fn=(lambda: os.nice(nice)) if nice else None)
        time.sleep(0.3)  # its connection is up and busy before the measurement starts
        if self.proc.poll() is not None:
            sys.exit(f"bench: tight-poller failed: {self.proc.stderr.read().strip()}")
        self.t = time.time()
        return self

    def __exit__(self, *exc):
        self.seconds = time.time() - self.t
        self.proc.send_signal(signal.SIGTERM)
        out, err = self.proc.communicate(timeout=60)
        if self.proc.returncode != 0:
            sys.exit(f"bench: tight-poller failed (status {self.proc.returncode}): {err.strip()}")
        got = dict(kv.split("=", 1) for kv in out.split())
        self.calls, self.median_ms, self.note = int(got["calls"]), float(got["median_ms"]), ""
        wall = float(got["wall_s"])  # its whole life, warm-up too, as Client's figures
        self.cpu_pct = 100 * float(got["cpu_s"]) / wall
        self.calls_per_s = self.calls / wall


# ---- (a) throughput -------------------------------------------------------------------------

def smtp_load(smtp, messages, pid):
    env = dict(os.environ, PERSIST="1", TIMEOUT_S="120", SERVER_PID=str(pid))
    out = subprocess.run([os.path.join(HERE, "smtp-load.sh"), "127.0.0.1", str(smtp),
                          str(messages), "20", "1024"], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"bench: smtp-load.sh failed: {out.stderr[-500:]}")
    line = out.stdout.strip().splitlines()[-1]
    return {k: v for k, v in (kv.split("=", 1) for kv in line.split())}


def renice_api(pid, nice):
    """Sets the API thread's nice value (as --api-nice does at start), or its policy: "idle"
    (SCHED_IDLE) or "batch" (SCHED_BATCH at nice 19); None leaves it."""
    if nice is None:
        return
    for tid, name in thread_names(pid).items():
        if name == "bb-api":
            if nice == "idle":
                os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
            elif nice == "batch":
                os.sched_setscheduler(tid, os.SCHED_BATCH, os.sched_param(0))
                os.setpriority(os.PRIO_PROCESS, tid, 19)
            else:
                os.sched_setscheduler(tid, os.SCHED_OTHER, os.sched_param(0))
                os.setpriority(os.PRIO_PROCESS, tid, nice)


def throughput(proc, smtp, http_port, count, args, rows):
    cal = smtp_load(smtp, 5000, proc.pid)
    messages = int(min(400_000, max(20_000, float(cal["msgs_per_s"]) * args.seconds)))
    names = thread_names(proc.pid)
    keys = [(m, n) for n in args.nice for m in args.modes]
    runs = {k: [] for k in keys}
    for r in range(args.rounds):
        for mode, nice in keys:
            renice_api(proc.pid, nice)
            time.sleep(1)
            t0 = thread_ticks(proc.pid)
            if mode == "none":
                res, client = smtp_load(smtp, messages, proc.pid), None
            else:
                with (CPoller(http_port, POLLS[mode]) if C_POLLER
                      else Client(poller, http_port, POLLS[mode])) as client:
                    res = smtp_load(smtp, messages, proc.pid)
            t1 = thread_ticks(proc.pid)
            wall = float(res["wall_s"])
            api = sum(t1[t] - t0.get(t, 0) for t in t1 if names.get(t) == "bb-api")
            smtp_thread = t1[proc.pid] - t0[proc.pid]
            runs[(mode, nice)].append({
                "rate": float(res["msgs_per_s"]), "us": float(res["server_cpu_us_per_msg"]),
                "smtp_us": 1e6 * smtp_thread / HZ / messages, "api": 100 * api / HZ / wall,
                "calls": client.calls_per_s if client else 0,
                "ms": client.median_ms if client else 0, "poller": client.cpu_pct if client else 0,
                "cores": (float(res["client_cpu_pct"]) + float(res["server_cpu_pct"])
                          + (client.cpu_pct if client else 0)) / 100,
                "load": load1(), "round": r + 1})
            print(f"  {count} {mode} nice {nice} round {r + 1}: {res['msgs_per_s']} msgs/s, "
                  f"{res['server_cpu_us_per_msg']} us/msg, load {load1():.1f}, smtp-source "
                  f"{res['client_cpu_pct']}%, server {res['server_cpu_pct']}%"
                  + (f", {client.calls_per_s:.0f} calls/s, poller {client.cpu_pct:.0f}% CPU, "
                     f"API thread {runs[(mode, nice)][-1]['api']:.0f}%" if client else ""),
                  file=sys.stderr, flush=True)
    for mode, nice in keys:
        mine, base = runs[(mode, nice)], runs[(args.modes[0], nice)]
        ratios = [a["rate"] / b["rate"] for a, b in zip(mine, base)]
        med = lambda k: statistics.median(x[k] for x in mine)  # noqa: E731
        rows.append(f"| {count:,} | {mode} | {'default' if nice is None else nice} | "
                    f"{med('rate'):,.0f} | **{statistics.median(ratios):.2f}** ("
                    + ", ".join(f"{x:.2f}" for x in ratios)
                    + f") | {med('us'):.1f} | {med('smtp_us'):.1f} | {med('api'):.0f} | "
                    + (f"{med('calls'):,.0f} / {med('ms'):.2f} / {med('poller'):.0f}"
                       if mode != "none" else "")
                    + f" | {med('cores'):.2f}"
                    + f" | {min(x['load'] for x in mine):.1f}-{max(x['load'] for x in mine):.1f} |")


# ---- (b) command latency --------------------------------------------------------------------

def timed_session(smtp, seconds, size):
    """Messages of ~`size` bytes for `seconds`, on one connection per 20,000 (a session's bound
    is 100,000): {command: [seconds, ...]}; connecting and EHLO are not timed."""
    body = (b"Subject: latency\r\n\r\n" + (b"x" * 76 + b"\r\n") * max(1, size // 78)
            + b".\r\n")
    steps = [("MAIL", b"MAIL FROM:<from@example.com>\r\n"), ("RCPT", b"RCPT TO:<to@example.com>\r\n"),
             ("DATA", b"DATA\r\n"), ("end of data", body)]
    times = {name: [] for name, _ in steps}
    clock = time.perf_counter
    deadline = clock() + seconds
    gc.disable()
    while clock() < deadline:
        s = socket.create_connection(("127.0.0.1", smtp))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        f = s.makefile("rb")

        def reply():
            while True:
                line = f.readline()
                if not line:
                    sys.exit("bench: the server closed the timed connection")
                if line[3:4] != b"-":
                    return line

        reply()
        s.sendall(b"EHLO latency.example.test\r\n")
        reply()
        for _ in range(20_000):
            if clock() >= deadline:
                break
            for name, data in steps:
                t = clock()
                s.sendall(data)
                line = reply()
                times[name].append(clock() - t)
                if line[:1] not in (b"2", b"3"):
                    sys.exit(f"bench: {name}: {line!r}")
        s.sendall(b"QUIT\r\n")
        s.close()
    gc.enable()
    return times


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


def latency(proc, smtp, http_port, count, args, rows):
    for r in range(args.rounds):
        for mode in args.latency_modes:
            time.sleep(1)
            if mode == "none":
                times, client = timed_session(smtp, args.latency_seconds, args.latency_size), None
            else:
                with Client(waiter, http_port, WAITS[mode]) as client:
                    times = timed_session(smtp, args.latency_seconds, args.latency_size)
            every = [t for v in times.values() for t in v]
            m = times["MAIL"]
            rows.append(f"| {count:,} | {mode} | {r + 1} | {len(m):,} | {pct(m, .5):.3f} | "
                        f"{pct(m, .99):.3f} | {pct(m, .999):.3f} | {max(m) * 1000:.2f} | "
                        f"{pct(every, .99):.3f} | {max(every) * 1000:.2f} | "
                        + (f"{client.calls} / {client.median_ms:.2f} / {client.note}" if client else "")
                        + f" | {load1():.1f} |")
            print(f"  {count} {mode} round {r + 1}: MAIL p99 {pct(m, .99):.3f} ms, "
                  f"max {max(m) * 1000:.2f} ms, load {load1():.1f}", file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "build-bench", "bounceback"))
    ap.add_argument("--counts", default="1000,10000,100000")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=5, help="length of one throughput run")
    ap.add_argument("--latency-seconds", type=float, default=8)
    ap.add_argument("--latency-size", type=int, default=1024, help="body bytes of (b)'s messages")
    ap.add_argument("--modes", default="none,list,to")
    ap.add_argument("--latency-modes", default="none,wait,wait1000")
    ap.add_argument("--poller-nice", type=int, default=0,
                    help="nice value of the polling client in (a) (default 0, as the other processes)")
    ap.add_argument("--poller", choices=("python", "c"), default="python",
                    help="the polling client in (a): python (http.client, ~0.6 of a core) or c "
                         "(bench/tight-poller.c built with cc -O2: the same calls, less CPU)")
    ap.add_argument("--extra", default="", help="more serve options, space separated")
    ap.add_argument("--nice", default="",
                    help="API thread nice values to interleave in (a), e.g. 0,10, or idle "
                         "(SCHED_IDLE), batch (SCHED_BATCH, nice 19) (default: as started)")
    args = ap.parse_args()
    args.modes = [m for m in args.modes.split(",") if m]
    args.nice = [n if n in ("idle", "batch") else int(n) for n in args.nice.split(",") if n] or [None]
    global POLLER_NICE, C_POLLER
    POLLER_NICE = args.poller_nice
    if args.poller == "c" and any(m != "none" for m in args.modes):
        C_POLLER = build_c_poller()
    args.latency_modes = [m for m in args.latency_modes.split(",") if m]
    for m in args.modes[1:]:
        if m not in POLLS:
            sys.exit(f"bench: unknown mode {m} (none, {', '.join(POLLS)}; none first)")
    for m in args.latency_modes:
        if m != "none" and m not in WAITS:
            sys.exit(f"bench: unknown latency mode {m} (none, {', '.join(WAITS)})")
    revision = subprocess.run(["git", "-C", HERE, "describe", "--always", "--dirty"],
                              capture_output=True, text=True).stdout.strip()
    print(f"bin {args.bin} ({revision}); load {load1():.1f}; {os.cpu_count()} CPUs; "
          f"poller {args.poller}, nice {args.poller_nice}\n")
    through, lat = [], []
    for count in (int(c) for c in args.counts.split(",")):
        proc, smtp, http_port = page_api.start(args.bin, count, args.extra.split(),
                                               max_messages=count)
        try:
            t = time.time()
            store_growth.fill(smtp, count)
            print(f"  {count}: filled in {time.time() - t:.1f} s", file=sys.stderr, flush=True)
            if args.modes:
                throughput(proc, smtp, http_port, count, args, through)
            if args.latency_modes:
                latency(proc, smtp, http_port, count, args, lat)
        finally:
            proc.terminate()
            proc.wait(15)
    if through:
        print("| stored | API client | API thread nice | msgs/s (median) | x none: median (rounds) | "
              "server CPU us/msg | SMTP thread CPU us/msg | API thread CPU % | "
              "poller calls/s / median ms / its CPU % | cores used | load |")
        print("|---:|---|---|---:|---|---:|---:|---:|---|---:|---|")
        print("\n".join(through))
    if lat:
        print("\n| stored | API client | round | MAILs | MAIL p50 ms | MAIL p99 ms | MAIL p99.9 ms | "
              "MAIL max ms | all commands p99 ms | all max ms | waits / median ms / size | load |")
        print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
        print("\n".join(lat))
    print(f"\nload {load1():.1f}")


if __name__ == "__main__":
    sys.exit(main())
