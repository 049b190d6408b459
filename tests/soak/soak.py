#!/usr/bin/env python3
"""Bounded soak of the real binary: mixed traffic for a while, RSS and fds sampled over time.

    tests/soak/soak.py [--duration 300] [--bin build/bounceback] [--interval 10]

Traffic (all on loopback): plain and STARTTLS senders over persistent connections, with
address-encoded failures and a scenario of greylisting, random 554/421 and delays; hostile
clients (endless lines, error floods, garbage, drops mid-DATA, slow trickles); an HTTP
poller. Prints one line per interval: seconds, RSS (MiB), open fds, messages acknowledged,
client errors; at the end SIGTERM, the exit code, and a check that every 250'd message is in
--store-dir. Not part of CI. Exit status 1 when the server died, exited non-zero, lost an
acknowledged message, or RSS at the end exceeds --max-rss-growth over the first sample.
"""
import argparse
import os
import pathlib
import random
import re
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

SCENARIO = """
name = "soak"
description = "mixed failures for the soak test"
seed = 1

[[rule]]
on = "rcpt"
rcpt = "grey-*"
greylist = { retry_after = "1s", expire = "1m" }
reply = "451 4.7.1 <{rcpt}>: greylisted, try again later"

[[rule]]
on = "rcpt"
rcpt = "slow-*"
delay = "20ms"

[[rule]]
on = "message"
probability = 0.05
reply = "554 5.7.1 random content rejection"

[[rule]]
on = "mail"
probability = 0.02
reply = "421 4.3.2 random disconnect"
disconnect = true
"""

RCPTS = ["user@example.test", "grey-{n}@example.test", "slow-{n}@example.test",
         "550@reply.test", "451-4.7.1-2times@reply.test", "data-554-5.7.1@reply.test",
         "552-5.2.2@reply.test"]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.acked = {}  # queue id -> bytes
        self.sent = 0
        self.errors = 0
        self.hostile = 0

    def ack(self, qid, data):
        with self.lock:
            self.acked[qid] = data


def start_server(args, store):
    scenario = pathlib.Path(store).parent / "soak.toml"
    scenario.write_text(SCENARIO)
    cmd = [args.bin, "serve", "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0",
           "--store-dir", store, "--scenario", str(scenario), "--max-messages", "500",
           "--max-sessions", "200", "--idle-timeout", "10s", "--session-timeout", "60s",
           "--starttls", "on"]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    ports = {}
    deadline = time.time() + 15
    while time.time() < deadline:
        line = proc.stderr.readline().decode("utf-8", "replace")
        if not line:
            break
        for kind, port in re.findall(r"\b(smtps?|http)=[^\s,\"]*:(\d+)", line):
            ports.setdefault(kind, int(port))
        if "smtp" in ports and "http" in ports:
            break
    if "smtp" not in ports:
        proc.kill()
        sys.exit("bounceback did not start")
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
    return proc, ports


def sender(port, stats, stop, tls, seed):
    rng = random.Random(seed)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    while not stop.is_set():
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
                s.ehlo("soak.test")
                if tls and s.has_extn("starttls"):
                    s.starttls(context=ctx)
                    s.ehlo("soak.test")
                for n in range(rng.randint(1, 50)):
                    if stop.is_set():
                        break
                    size = rng.choice([200, 2000, 20000, 200000])
                    body = (f"soak {seed} {n} " * 10 + "\r\n") * (size // 100)
                    data = f"Subject: soak {seed}-{n}\r\n\r\n{body}".encode()
                    rcpt = rng.choice(RCPTS).format(n=rng.randint(0, 50))
                    code, _ = s.mail(f"s{seed}@example.test")
                    if code != 250:
                        break
                    code, _ = s.rcpt(rcpt)
                    if code not in (250, 251):
                        s.rset()
                        continue
                    code, resp = s.data(data)
                    with stats.lock:
                        stats.sent += 1
                    m = re.search(rb"queued as (\S+)", resp)
                    if code == 250 and m:
                        stats.ack(m.group(1).decode(), data)
        except (smtplib.SMTPException, OSError):
            with stats.lock:
                stats.errors += 1
            time.sleep(0.05)


def hostile(port, stats, stop, seed):
    rng = random.Random(seed)
    while not stop.is_set():
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.recv(1024)
            kind = rng.randrange(5)
            if kind == 0:  # endless line
                for _ in range(64):
                    s.sendall(b"X" * 65536)
            elif kind == 1:  # error flood
                s.sendall(b"BOGUS\r\n" * 1000)
            elif kind == 2:  # garbage
                s.sendall(bytes(rng.randrange(256) for _ in range(5000)))
            elif kind == 3:  # drop mid-DATA
                s.sendall(b"EHLO h\r\nMAIL FROM:<h@example.test>\r\nRCPT TO:<r@example.test>\r\n"
                          b"DATA\r\nSubject: cut\r\n\r\n" + b"y" * 100000)
            else:  # slow trickle
                for c in b"NOOP\r\n":
                    s.sendall(bytes([c]))
                    time.sleep(0.2)
            s.close()
            with stats.lock:
                stats.hostile += 1
        except OSError:
            pass
        time.sleep(0.01)


def poller(port, stop):
    urls = ["/healthz", "/metrics", "/api/v1/messages?limit=5", "/api/v1/sessions",
            "/api/v1/attempts?rcpt=grey"]
    while not stop.is_set():
        for u in urls:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{u}", timeout=10).read()
            except OSError:
                pass
        time.sleep(0.5)


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(next(l for l in f if l.startswith("VmRSS")).split()[1]) / 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--duration", type=float, default=300)
    ap.add_argument("--interval", type=float, default=10)
    ap.add_argument("--bin", default=os.environ.get("BOUNCEBACK_BIN", "build/bounceback"))
    ap.add_argument("--senders", type=int, default=6)
    ap.add_argument("--hostile", type=int, default=3)
    ap.add_argument("--max-rss-growth", type=float, default=64, help="MiB, end over first sample")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bounceback-soak-") as tmp:
        store = os.path.join(tmp, "spool")
        proc, ports = start_server(args, store)
        stats, stop = Stats(), threading.Event()
        threads = [threading.Thread(target=sender, args=(ports["smtp"], stats, stop, i % 2, i))
                   for i in range(args.senders)]
        threads += [threading.Thread(target=hostile, args=(ports["smtp"], stats, stop, 100 + i))
                    for i in range(args.hostile)]
        threads.append(threading.Thread(target=poller, args=(ports["http"], stop)))
        for t in threads:
            t.daemon = True
            t.start()
        print(f"{'t(s)':>6} {'RSS MiB':>8} {'fds':>5} {'acked':>7} {'sent':>7} "
              f"{'errors':>6} {'hostile':>7}", flush=True)
        start, samples = time.time(), []
        while time.time() - start < args.duration and proc.poll() is None:
            time.sleep(min(args.interval, max(0.1, args.duration - (time.time() - start))))
            if proc.poll() is not None:
                break
            rss = rss_mib(proc.pid)
            fds = len(os.listdir(f"/proc/{proc.pid}/fd"))
            samples.append(rss)
            with stats.lock:
                print(f"{time.time() - start:6.0f} {rss:8.1f} {fds:5d} {len(stats.acked):7d} "
                      f"{stats.sent:7d} {stats.errors:6d} {stats.hostile:7d}", flush=True)
        died = proc.poll() is not None
        stop.set()
        for t in threads:
            t.join(15)
        if not died:
            proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
        missing = [q for q, data in stats.acked.items()
                   if not os.path.exists(os.path.join(store, q + ".eml"))
                   or open(os.path.join(store, q + ".eml"), "rb").read() != data]
        growth = samples[-1] - samples[0] if len(samples) > 1 else 0
        print(f"exit code {code}{' (died during the soak)' if died else ''}; "
              f"{len(stats.acked)} acknowledged, {len(missing)} missing or different; "
              f"RSS first {samples[0] if samples else 0:.1f} MiB, max {max(samples or [0]):.1f}, "
              f"last {samples[-1] if samples else 0:.1f} (growth {growth:+.1f})")
        ok = not died and code == 0 and not missing and growth <= args.max_rss_growth
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
