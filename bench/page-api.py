#!/usr/bin/env python3
"""bench/page-api.py - the API calls the web page makes, timed with 100,000 stored messages.

Starts a Bounceback (--bin, default build/bounceback) on free loopback ports with room for the
messages, fills it over SMTP (BDAT pipelined in batches on a few connections: 1 in 10
transactions also has a refused recipient, so the refusal log is full too; 1 in 1,000 messages
has the word "needle" in its subject and body), then times each call the page makes on one
keep-alive connection (median, 95th percentile and maximum of --repeat calls, in ms), and the
cost of decoding one message for its JSON (GET /messages/{id} minus GET /messages/{id}/raw of
the same message) for a small text message and a 100 KiB HTML message with an attachment.
Prints a Markdown table (docs/benchmarks.md, "The web page's API calls"). A benchmark, not a
test: it asserts nothing; the goal is every paged call under 50 ms.

Usage: bench/page-api.py [--bin PATH] [--messages N] [--repeat N] [--threads N]
"""
import argparse
import base64
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, messages, extra, max_messages=None):
    """A server on two free ports, logging warnings only (an info line per message would cost);
    room for `messages` and 1,000 more unless `max_messages` says otherwise."""
    smtp, http_port = free_port(), free_port()
    bound = max_messages if max_messages is not None else messages + 1000
    proc = subprocess.Popen([binary, "--smtp", f"127.0.0.1:{smtp}", "--http",
                             f"127.0.0.1:{http_port}", "--max-messages", str(bound),
                             "--log-level", "warn", *extra])
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", http_port), timeout=1).close()
            return proc, smtp, http_port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("bench: bounceback did not start")


def fill(port, first, count, batch=500):
    """`count` messages on one connection, `batch` BDAT transactions per write."""
    s = socket.create_connection(("127.0.0.1", port))
    f = s.makefile("rb")

    def replies(n):
        got = 0
        while got < n:
            line = f.readline()
            if not line:
                sys.exit("bench: connection closed while filling")
            if line[3:4] == b" ":
                got += 1

    replies(1)
    s.sendall(b"EHLO bench.example.test\r\n")
    replies(1)
    n = first
    while n < first + count:
        out, expected = [], 0
        for n in range(n, min(n + batch, first + count)):
            needle = " needle" if n % 1000 == 0 else ""
            # The needle's messages also Cc rare@example.test: an address in 1 header of 1,000
            # and in no envelope (the search's address index, session 11).
            cc = "Cc: Rare <rare@example.test>\r\n" if needle else ""
            body = (f"From: App <app@example.test>\r\nTo: user{n % 500}@example.test\r\n{cc}"
                    f"Subject: Message {n}{needle}\r\n\r\nHello user {n}, your code is {n * 7919}."
                    f"{needle}\r\n").encode()
            out.append(f"MAIL FROM:<app@example.test>\r\nRCPT TO:<user{n % 500}@example.test>\r\n"
                       .encode())
            expected += 2
            if n % 10 == 0:
                out.append(b"RCPT TO:<550-5.1.1@reply.test>\r\n" if n % 20 else
                           b"RCPT TO:<451-4.7.1@reply.test>\r\n")
                expected += 1
            out.append(b"BDAT %d LAST\r\n" % len(body) + body)
            expected += 1
        n += 1
        s.sendall(b"".join(out))
        replies(expected)
    s.sendall(b"QUIT\r\n")
    s.close()


def send_one(port, data):
    s = socket.create_connection(("127.0.0.1", port))
    f = s.makefile("rb")
    f.readline()
    for cmd in (b"EHLO bench.example.test", b"MAIL FROM:<app@example.test>",
                b"RCPT TO:<big@example.test>"):
        s.sendall(cmd + b"\r\n")
        while f.readline()[3:4] != b" ":
            pass
    s.sendall(b"BDAT %d LAST\r\n" % len(data) + data)
    reply = f.readline()
    s.sendall(b"QUIT\r\n")
    s.close()
    return reply.decode().rsplit(" ", 1)[-1].strip()  # "... queued as ID"


def big_message():
    html = "<p>" + "Lorem ipsum dolor sit amet, <b>consectetur</b> adipiscing elit. " * 1600 + "</p>"
    attachment = os.urandom(30000).hex()[:40000]
    b64 = base64.encodebytes(attachment.encode()).decode().replace("\n", "\r\n")
    return ("From: App <app@example.test>\r\nTo: big@example.test\r\nSubject: Big\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n"
            "--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n"
            "--b2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello, see https://example.test/x\r\n"
            "--b2\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            + "=\r\n".join(html[i:i + 70] for i in range(0, len(html), 70)) +
            "\r\n--b2--\r\n--b1\r\nContent-Type: application/octet-stream\r\n"
            "Content-Disposition: attachment; filename=data.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + b64 + "--b1--\r\n").encode()


def timed(conn, path, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        times.append((time.perf_counter() - t) * 1000)
        if r.status != 200:
            sys.exit(f"bench: {path}: {r.status} {body[:200]!r}")
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], times[-1], len(body)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "build", "bounceback"))
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--threads", type=int, default=0, help="bounceback --threads (0: its default)")
    args = ap.parse_args()
    extra = ["--threads", str(args.threads)] if args.threads else []
    proc, smtp, http_port = start(args.bin, args.messages, extra)
    try:
        t = time.time()
        connections = 4
        per = args.messages // connections
        workers = [threading.Thread(target=fill, args=(smtp, i * per, per)) for i in range(connections)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        filled = time.time() - t
        big_id = send_one(smtp, big_message())
        conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=60)
        conn.request("GET", "/api/v1/messages?limit=2")
        listing = json.loads(conn.getresponse().read())
        small_id = [m["id"] for m in listing["messages"] if m["id"] != big_id][0]
        conn.request("GET", f"/api/v1/messages?start={listing['total'] - 1}&limit=1")
        oldest_id = json.loads(conn.getresponse().read())["messages"][0]["id"]
        conn.request("GET", "/api/v1/refusals?limit=0")
        refusals = json.loads(conn.getresponse().read())["total"]
        print(f"stored {listing['total']} messages and {refusals} refusals in {filled:.1f} s "
              f"({listing['total'] / filled:.0f} messages/s)\n")
        calls = [
            ("timeline, first page: messages", "/api/v1/messages?start=0&limit=50"),
            ("timeline, first page: refusals", "/api/v1/refusals?start=0&limit=50"),
            ("timeline counts: temporary", "/api/v1/refusals?class=temporary&limit=0"),
            ("timeline counts: permanent", "/api/v1/refusals?class=permanent&limit=0"),
            ("timeline, page 1,000 (start=50000)", "/api/v1/messages?start=50000&limit=50"),
            ("timeline, last page", f"/api/v1/messages?start={listing['total'] - 50}&limit=50"),
            ("refusals, class filter, last page", "/api/v1/refusals?class=permanent&start=4950&limit=50"),
            ("search, header term (subject:needle)", "/api/v1/messages?query=subject:needle&limit=50"),
            ("search, to: term", "/api/v1/messages?query=to:user7@example.test&limit=50"),
            # The same matches by a partial address: a scan, as every to: term is (a whole
            # address read the envelope's index for part of session 10, missing header matches).
            ("search, to: a partial address (scan)", "/api/v1/messages?query=to:user7@&limit=50"),
            ("Mailpit search, to: term", "/mailpit/api/v1/search?query=to:user7@example.test&limit=50"),
            ("Mailpit search, to: a partial address (scan)", "/mailpit/api/v1/search?query=to:user7@&limit=50"),
            # Session 11: a whole address is read from the search's address index (envelope and
            # From/To/Cc headers); rare@ is in the Cc header of 1 message in 1,000 only.
            ("search, to: a Cc-only address, 1 in 1,000", "/api/v1/messages?query=to:rare@example.test&limit=50"),
            ("Mailpit search, to: a Cc-only address, 1 in 1,000", "/mailpit/api/v1/search?query=to:rare@example.test&limit=50"),
            ("search, from: every message's From", "/api/v1/messages?query=from:app@example.test&limit=50"),
            ("search, to: term and a word", "/api/v1/messages?query=to:user7@example.test%20needle&limit=50"),
            ("search, a body word (decodes every candidate)", "/api/v1/messages?query=needle&limit=50"),
            ("wait, any message (limit 1 by default)", "/api/v1/messages/wait?timeout=1s"),
            ("wait, to: one of 500 recipients", "/api/v1/messages/wait?to=user7@example.test&timeout=1s"),
            ("attempts chart, whole run (1,000)", "/api/v1/attempts?limit=1000"),
            ("attempts chart, one recipient", "/api/v1/attempts?to=user7@example.test&limit=1000"),
            ("message view, small message", f"/api/v1/messages/{small_id}"),
            ("  its raw bytes", f"/api/v1/messages/{small_id}/raw"),
            ("message view, 100 KiB HTML + attachment", f"/api/v1/messages/{big_id}"),
            ("  its raw bytes", f"/api/v1/messages/{big_id}/raw"),
            # Issue 20: by id through the store's id index (before it, a walk of the store).
            ("raw bytes of the oldest message (find by id)", f"/api/v1/messages/{oldest_id}/raw"),
            ("the session's transcript", f"/api/v1/sessions/{small_id.rsplit('.', 1)[0]}"),
            # Issue 20: an exact address reads the store's index; the rest scan within a budget.
            ("to= one of 500 recipients (index)", "/api/v1/messages?to=user7@example.test&limit=50"),
            ("from= every message's sender (index)", "/api/v1/messages?from=app@example.test&limit=50"),
            ("to= as a glob (a scan)", "/api/v1/messages?to=user7@example.*&limit=50"),
            ("subject= (a scan)", "/api/v1/messages?subject=needle&limit=50"),
            ("search, next page (before= the first's next)", "NEXT:/api/v1/messages?query=needle&limit=50"),
        ]
        print("| call | median ms | p95 ms | max ms | bytes |")
        print("|---|---:|---:|---:|---:|")
        results = {}  # index in `calls` -> median
        for name, path in calls:
            if path.startswith("NEXT:"):  # the page after a first one, by its cursor
                path = path[5:]
                conn.request("GET", path)
                first = json.loads(conn.getresponse().read())
                path += f"&before={first['next']}" if first.get("more") else ""
            med, p95, mx, size = timed(conn, path, args.repeat)
            results[len(results)] = med
            print(f"| {name} `{path.split('?')[0].replace(small_id, 'ID').replace(big_id, 'ID').replace(oldest_id, 'ID')}` "
                  f"| {med:.2f} | {p95:.2f} | {mx:.2f} | {size} |")
        # DELETE by id from the middle of the store (the id index finds it; the store's list of
        # pointers closes the gap), --repeat messages one at a time.
        conn.request("GET", f"/api/v1/messages?start={listing['total'] // 2}&limit={args.repeat}")
        middle = [m["id"] for m in json.loads(conn.getresponse().read())["messages"]]
        times = []
        for mid in middle:
            t = time.perf_counter()
            conn.request("DELETE", f"/api/v1/messages/{mid}")
            r = conn.getresponse()
            r.read()
            times.append((time.perf_counter() - t) * 1000)
            if r.status != 200:
                sys.exit(f"bench: DELETE {mid}: {r.status}")
        times.sort()
        print(f"| DELETE one message from the middle `/api/v1/messages/ID` | "
              f"{statistics.median(times):.2f} | {times[int(len(times) * 0.95) - 1]:.2f} | "
              f"{times[-1]:.2f} | |")
        # The same for the newest messages: nothing after them to move, so the difference is
        # what closing the gap in the middle costs (the store's list and the sender's index).
        conn.request("GET", f"/api/v1/messages?limit={args.repeat}")
        newest = [m["id"] for m in json.loads(conn.getresponse().read())["messages"]]
        times = []
        for nid in newest:
            t = time.perf_counter()
            conn.request("DELETE", f"/api/v1/messages/{nid}")
            r = conn.getresponse()
            r.read()
            times.append((time.perf_counter() - t) * 1000)
            if r.status != 200:
                sys.exit(f"bench: DELETE {nid}: {r.status}")
        times.sort()
        print(f"| DELETE one of the newest messages `/api/v1/messages/ID` | "
              f"{statistics.median(times):.2f} | {times[int(len(times) * 0.95) - 1]:.2f} | "
              f"{times[-1]:.2f} | |")
        view = [i for i, (name, _) in enumerate(calls) if name.startswith("message view")]
        print(f"\ndecode cost per message (JSON view minus raw, medians): small "
              f"{results[view[0]] - results[view[0] + 1]:.2f} ms; 100 KiB HTML + attachment "
              f"{results[view[1]] - results[view[1] + 1]:.2f} ms")
    finally:
        proc.terminate()
        proc.wait(15)


if __name__ == "__main__":
    main()
