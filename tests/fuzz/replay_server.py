#!/usr/bin/env python3
"""Replays the fuzz corpora against a running server over real sockets: the fuzzers test the
pure parts in-process; this sends the same inputs through the transport of a sanitized
binary (CI: the clang ASan + UBSan build in build-fuzz/).

  tests/fuzz/replay_server.py --bin build-fuzz/bounceback DIR...   (DIR: a corpus root
  holding <target>/ folders, e.g. tests/fuzz/corpus build-fuzz/corpus)

session, command, data_decoder inputs are SMTP client byte streams (data_decoder's after
EHLO/MAIL/RCPT/DATA); scenario inputs are PUT to /api/v1/scenario (200 or 400); api_router
inputs ("METHOD TARGET\\nAuthorization\\nbody") are sent as HTTP requests (never 5xx).
Fails when the server dies, answers 5xx, reports a sanitizer error, or exits non-zero.
"""
import argparse
import concurrent.futures
import http.client
import pathlib
import re
import signal
import socket
import subprocess
import sys
import threading
import time

SMTP_TARGETS = {"session": b"", "command": b"",
                "data_decoder": b"EHLO replay.test\r\nMAIL FROM:<a@replay.test>\r\n"
                                b"RCPT TO:<b@replay.test>\r\nDATA\r\n"}


class Server:
    def __init__(self, binary):
        self.proc = subprocess.Popen(
            [binary, "serve", "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--threads", "2",
             "--idle-timeout", "5s"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.log = []
        ready = threading.Event()
        self.ports = {}

        def read():
            for raw in self.proc.stderr:
                line = raw.decode("utf-8", "replace")
                self.log.append(line)
                if " msg=ready " in line or '"msg":"ready"' in line:
                    for kind, port in re.findall(r"\b(smtp|http)=[^\s,\"]*:(\d+)", line):
                        self.ports.setdefault(kind, int(port))
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(60) or "smtp" not in self.ports:
            self.proc.kill()
            sys.exit("the server did not start:\n" + "".join(self.log))

    def alive(self):
        return self.proc.poll() is None


def smtp_replay(server, data):
    try:
        with socket.create_connection(("127.0.0.1", server.ports["smtp"]), timeout=10) as s:
            try:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)  # EOF: the server answers what it read, then closes
            except OSError:
                pass  # it may close first (a 421 or a rule): that is an answer too
            while s.recv(65536):
                pass
    except OSError:
        pass
    return None


def http_request(server, method, target, body, headers=None, timeout=5):
    conn = http.client.HTTPConnection("127.0.0.1", server.ports["http"], timeout=timeout)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        return conn.getresponse().status
    finally:
        conn.close()


def api_replay(server, data):
    first, _, rest = data.partition(b"\n")
    auth, _, body = rest.partition(b"\n")
    method, _, target = first.decode("latin-1").partition(" ")
    if "/wait" in target or "/events" in target:
        return None  # long-polls and streams: their bounds are tested elsewhere
    headers = {"Authorization": auth.decode("latin-1")} if auth else {}
    try:
        status = http_request(server, method or "GET", target or "/", body, headers)
    except (http.client.InvalidURL, ValueError, UnicodeError):
        return None  # not sendable as HTTP by a client; the router fuzzer covers it
    except (OSError, http.client.HTTPException):
        return None  # the server may refuse malformed requests by closing; liveness is checked
    return f"{method} {target}: {status}" if status >= 500 else None


def scenario_replay(server, data):
    status = http_request(server, "PUT", "/api/v1/scenario", data, timeout=30)
    return None if status in (200, 400) else f"PUT /api/v1/scenario: {status}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True)
    parser.add_argument("--seconds", type=float, default=90, help="replay budget in all")
    parser.add_argument("--max-per-target", type=int, default=3000)
    parser.add_argument("roots", nargs="+", type=pathlib.Path)
    args = parser.parse_args()

    server = Server(args.bin)
    deadline = time.monotonic() + args.seconds
    failures, counts = [], {}
    jobs = []
    for target in [*SMTP_TARGETS, "api_router", "scenario"]:
        files = [f for root in args.roots for f in sorted((root / target).glob("*"))
                 if f.is_file()][:args.max_per_target]
        counts[target] = len(files)
        jobs.append((target, files))

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for target, files in jobs:
            if target in SMTP_TARGETS:
                prefix = SMTP_TARGETS[target]
                work = [pool.submit(smtp_replay, server, prefix + f.read_bytes()) for f in files]
            elif target == "api_router":
                work = [pool.submit(api_replay, server, f.read_bytes()) for f in files]
            else:  # the scenario is one at a time, so the replay is serial anyway
                work = [pool.submit(scenario_replay, server, f.read_bytes()) for f in files]
            for w in work:
                if time.monotonic() > deadline:
                    w.cancel()
                    continue
                if (problem := w.result()) is not None:
                    failures.append(problem)
            if not server.alive():
                failures.append(f"the server died during the {target} corpus")
                break
            try:
                if http_request(server, "GET", "/healthz", None) != 200:
                    failures.append(f"/healthz failed after the {target} corpus")
            except OSError as e:
                failures.append(f"/healthz failed after the {target} corpus: {e}")

    if server.alive():
        server.proc.send_signal(signal.SIGTERM)
    try:
        code = server.proc.wait(30)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        code = "timeout"
    time.sleep(0.2)
    log = "".join(server.log)
    if code != 0:
        failures.append(f"the server exited {code}")
    if "Sanitizer" in log or "runtime error:" in log:
        failures.append("sanitizer report in the server's log")
    print("replayed over sockets: " + ", ".join(f"{t} {n}" for t, n in counts.items()))
    if failures:
        print("\n".join(failures[:20]))
        print(log[-20000:])
        sys.exit(1)


if __name__ == "__main__":
    main()
