"""Hostile and unlucky clients against the real binary: slowloris, endless lines and DATA,
error floods, per-address limits, timeouts, kill -9 under load, SIGTERM under load, and a
hostile HTTP client. "Nothing lost, nothing let in": every 250 is on disk, memory stays
bounded, a normal client is still served. Each test is bounded in time (the file < ~60 s)."""
import concurrent.futures
import json
import os
import pathlib
import re
import selectors
import signal
import smtplib
import socket
import threading
import time

import pytest

from conftest import Server, read_until_close, sanitizer, strip_received

MiB = 1024 * 1024


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(next(l for l in f if l.startswith("VmRSS")).split()[1])


def check_growth(pid, grown_kib, plain_kib, asan_kib, what):
    kind = sanitizer(pid)
    if kind == "tsan":
        return
    bound = asan_kib if kind == "asan" else plain_kib
    assert grown_kib < bound, f"{what}: RSS grew by {grown_kib} KiB (bound {bound} KiB)"


def small_quarantine_env():
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=8"
    return env


def raw(server, timeout=10, source=None):
    s = socket.create_connection(("127.0.0.1", server.smtp_port), timeout=timeout,
                                 source_address=(source, 0) if source else None)
    return s


def timed_delivery(server, tag):
    start = time.monotonic()
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.sendmail("normal@example.test", ["r@example.test"],
                   f"Subject: {tag}\r\n\r\nhello\r\n".encode())
    return time.monotonic() - start


# ---- slow clients --------------------------------------------------------------------------

def test_slowloris_does_not_delay_a_normal_client(bounceback):
    server = bounceback("--idle-timeout", "30s")
    baseline = timed_delivery(server, "before")
    sel = selectors.DefaultSelector()
    slow = []
    # 300 connections trickling one byte per second: half in a command line, half in DATA.
    for i in range(300):
        s = raw(server)
        s.setblocking(False)
        slow.append(s)
        if i % 2:
            s.sendall(b"EHLO slow\r\nMAIL FROM:<s@example.test>\r\nRCPT TO:<r@example.test>\r\n"
                      b"DATA\r\n")
    trickle = b"NOOP and a very slow line that never seems to end "
    latencies = []
    try:
        for second in range(5):
            for s in slow:
                try:
                    s.send(trickle[second:second + 1])
                    s.recv(65536)
                except (BlockingIOError, ConnectionError):
                    pass
            latencies.append(timed_delivery(server, f"during {second}"))
            time.sleep(max(0.0, 1 - latencies[-1]))
    finally:
        for s in slow:
            s.close()
    assert max(latencies) < max(1.0, 10 * baseline), (baseline, latencies)
    # The trickling sessions are still open and served (they were not starved either).
    assert server.proc.poll() is None


def test_idle_connections_stay_cheap(bounceback):
    # A connection that has sent something keeps its 16 KiB read buffer (~25 KiB measured
    # per connection in all); 500 of them must stay well under 40 KiB each.
    server = bounceback(env=small_quarantine_env())
    before = rss_kib(server.proc.pid)
    conns = [raw(server) for _ in range(500)]
    for c in conns:
        c.sendall(b"EHLO idle\r\n")
    time.sleep(1)
    grown = rss_kib(server.proc.pid) - before
    for c in conns:
        c.close()
    check_growth(server.proc.pid, grown, 20 * 1024, 40 * 1024, "500 idle connections")


def test_endless_lines_and_data_stay_bounded(bounceback):
    server = bounceback("--max-size", "1MiB", env=small_quarantine_env())
    before = rss_kib(server.proc.pid)
    line = b"A" * 65536

    def endless_line(_):
        s = raw(server, timeout=30)
        s.recv(1024)
        for _ in range(8 * 16):  # 8 MiB without a newline
            s.sendall(line)
        s.sendall(b"\r\n")
        reply = s.recv(1024)
        s.close()
        return reply

    def endless_data(_):
        s = raw(server, timeout=30)
        s.recv(1024)
        s.sendall(b"EHLO x\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n")
        got = b""
        while got.count(b"\r\n") < 9 + 3:
            got += s.recv(4096)
        for _ in range(8 * 16):  # 8 MiB of DATA, 8 times the limit
            s.sendall(line[:-2] + b"\r\n")
        s.sendall(b".\r\n")
        reply = s.recv(1024)
        s.close()
        return reply

    def endless_bdat(_):
        s = raw(server, timeout=30)
        s.recv(1024)
        s.sendall(b"EHLO x\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\n"
                  b"BDAT 18446744073709551615\r\n")  # a chunk that never ends
        for _ in range(8 * 16):
            s.sendall(line)
        s.close()

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        lines = list(pool.map(endless_line, range(10)))
        datas = list(pool.map(endless_data, range(10)))
        list(pool.map(endless_bdat, range(5)))
    assert all(r.startswith(b"500 5.5.2") for r in lines), lines
    assert all(r.startswith(b"552 5.3.4") for r in datas), datas
    grown = rss_kib(server.proc.pid) - before
    # 10 sessions could each hold up to --max-size (1 MiB, 2 with string growth) at once.
    check_growth(server.proc.pid, grown, 48 * 1024, 160 * 1024, "endless lines and DATA")
    assert timed_delivery(server, "after") < 2


def test_error_flood_is_cut_off_with_421(bounceback):
    server = bounceback("--max-errors", "10")
    s = raw(server)
    s.sendall(b"BOGUS\r\n" * 5000)  # one pipelined write
    data = read_until_close(s)
    lines = data.decode().split("\r\n")
    assert lines[0].startswith("220 ")
    assert lines[1:11] == ["502 5.5.2 Error: command not recognized"] * 10
    assert lines[11].startswith("421 4.7.0") and "too many errors" in lines[11]
    assert lines[12:] == [""]  # nothing after the 421: the connection is closed
    assert timed_delivery(server, "after flood") < 2


def test_max_connections_per_ip(bounceback, client_for):
    server = bounceback("--max-connections-per-ip", "3", "--hostname", "mx.limit.test")
    held = [client_for(server) for _ in range(3)]
    for c in held:
        assert c.reply()[0] == 220
    extra = client_for(server)
    assert extra.reply()[1] == [
        "421 4.7.0 mx.limit.test Error: too many connections from your address"]
    assert extra.closed()
    # Another address is not affected (127.0.0.2 is loopback too).
    other = raw(server, source="127.0.0.2")
    assert other.recv(1024).startswith(b"220 ")
    other.close()
    # A slot freed is a slot available again.
    held[0].cmd("QUIT")
    assert held[0].closed()
    time.sleep(0.2)
    again = client_for(server)
    assert again.reply()[0] == 220


def test_session_timeout_bounds_a_busy_client(bounceback, client_for):
    server = bounceback("--session-timeout", "2s", "--idle-timeout", "30s")
    c = client_for(server)
    c.reply()
    start = time.monotonic()
    while True:  # busy, never idle
        assert time.monotonic() - start < 10, "the session timeout never came"
        code, lines = c.cmd("NOOP")
        if code != 250:
            break
        time.sleep(0.2)
    assert code == 421 and lines[0].startswith("421 4.4.2"), lines
    assert 1.5 < time.monotonic() - start < 5
    assert c.closed()


def test_idle_timeout_in_data_phase(bounceback, client_for):
    server = bounceback("--idle-timeout", "1s")
    c = client_for(server)
    c.reply()
    c.cmd("EHLO x")
    c.cmd("MAIL FROM:<a@example.test>")
    c.cmd("RCPT TO:<b@example.test>")
    assert c.cmd("DATA")[0] == 354
    c.send("Subject: half a message\r\n")
    start = time.monotonic()
    code, lines = c.reply()
    assert code == 421 and lines[0].startswith("421 4.4.2")
    assert c.closed()
    assert time.monotonic() - start < 5


def test_client_that_stops_reading_is_let_go(bounceback):
    """A client pipelines commands but never reads a reply: the server's replies fill the
    socket buffers and its write blocks. Writes are bounded like reads: the idle timeout
    ends the connection."""
    server = bounceback("--idle-timeout", "1s")
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", server.smtp_port))
    s.setblocking(False)
    chunk = b"NOOP\r\n" * 1000
    deadline = time.monotonic() + 20
    blocked_since = None
    while time.monotonic() < deadline:  # until our sends have been blocked for 0.5 s
        try:
            s.send(chunk)
            blocked_since = None
        except BlockingIOError:
            blocked_since = blocked_since or time.monotonic()
            if time.monotonic() - blocked_since > 0.5:
                break
            time.sleep(0.01)
    assert blocked_since, "the server kept reading; its write never blocked"
    start = time.monotonic()
    assert server.wait_for_log("session closed", 10), "the connection was never let go"
    assert time.monotonic() - start < 6
    s.close()
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=5) as ok:  # still serving
        assert ok.noop()[0] == 250


# ---- crash safety ------------------------------------------------------------------------

def message_for(sender, n):
    marker = f"{sender}-{n}"
    body = (f"line of {marker} " * 8 + "\r\n") * (200 + (n * 37) % 800)
    return marker, f"Subject: {marker}\r\nX-Marker: {marker}\r\n\r\n{body}".encode()


def check_store(store, acked, sent):
    """Every acknowledged id has its complete .eml and its journal line; no .eml is partial;
    temp names and the spool's log only. A crash may cut the journal's last line short: readers
    skip it."""
    store = pathlib.Path(store)
    journal = {}
    for line in (store / "envelopes.jsonl").read_text().splitlines():
        try:
            envelope = json.loads(line)
        except ValueError:
            continue
        journal[envelope["id"]] = envelope
    for qid, marker in acked.items():
        eml = store / f"{qid}.eml"
        assert eml.exists(), f"acknowledged {qid} ({marker}) is missing"
        assert strip_received(eml.read_bytes()) == sent[marker], f"{qid} differs from what was sent"
        assert journal.get(qid, {}).get("file") == eml.name, f"{qid} has no journal line"
        assert journal[qid]["from"] == f"{marker.rsplit('-', 1)[0]}@example.test"
    for p in store.iterdir():
        if p.name.startswith("."):  # a temporary name, or the spool's log (replayed at start)
            assert p.name.endswith((".tmp", ".spool-log")), p.name
            continue
        assert p.suffix == ".eml" or p.name == "envelopes.jsonl", p.name
        if p.suffix == ".eml":
            data = p.read_bytes()
            m = re.search(rb"X-Marker: (\S+)\r\n", data)
            assert m and strip_received(data) == sent[m.group(1).decode()], f"{p.name} is partial"


def sender_loop(port, sender, acked, sent, lock, stop, outcome):
    """Sends messages over one persistent connection until stop or the server goes away;
    records the queue id of every 250."""
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
            s.ehlo("sender.test")
            n = 0
            while not stop.is_set():
                marker, msg = message_for(sender, n)
                with lock:
                    sent[marker] = msg
                s.mail(f"{sender}@example.test")
                s.rcpt("r@example.test")
                code, resp = s.data(msg)
                if code != 250:
                    outcome.append((sender, code, resp))
                    return
                qid = re.search(rb"queued as (\S+)", resp).group(1).decode()
                with lock:
                    acked[qid] = marker
                n += 1
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, ConnectionError,
            OSError) as e:
        outcome.append((sender, "error", repr(e)))


def test_kill_9_under_load_loses_no_acknowledged_message(tmp_path):
    store = tmp_path / "spool"
    server = Server(["--store-dir", str(store)])
    acked, sent, outcome = {}, {}, []
    lock, stop = threading.Lock(), threading.Event()
    threads = [threading.Thread(target=sender_loop,
                                args=(server.smtp_port, f"k{i}", acked, sent, lock, stop, outcome))
               for i in range(16)]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 10
        while len(acked) < 150 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait(10)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
        if server.proc.poll() is None:
            server.proc.kill()
    assert len(acked) >= 20, f"too little load before the kill: {len(acked)}"
    check_store(store, dict(acked), dict(sent))


# ---- graceful shutdown ---------------------------------------------------------------------

def test_sigterm_under_load_finishes_or_closes_cleanly(bounceback, tmp_path):
    server = bounceback("--store-dir", str(tmp_path), "--shutdown-grace", "2s")
    acked, sent, outcome = {}, {}, []
    lock, stop = threading.Lock(), threading.Event()
    senders = [threading.Thread(target=sender_loop,
                                args=(server.smtp_port, f"t{i}", acked, sent, lock, stop, outcome))
               for i in range(40)]
    for t in senders:
        t.start()
    # 200 more sessions, idle mid-conversation: they must each get 421 4.3.2, then EOF.
    idle = []
    for i in range(200):
        s = raw(server, timeout=20)
        s.sendall(b"EHLO idle\r\n" + (b"MAIL FROM:<i@example.test>\r\n" if i % 2 else b""))
        idle.append(s)
    for s in idle:  # banner, EHLO (and MAIL) replies
        got = b""
        while got.count(b"\r\n") < 3:
            got += s.recv(4096)
    deadline = time.monotonic() + 10
    while len(acked) < 100 and time.monotonic() < deadline:
        time.sleep(0.05)
    start = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    code = server.proc.wait(20)
    took = time.monotonic() - start
    stop.set()
    for t in senders:
        t.join(30)
    assert code == 0, server.log()
    assert took < 2 + 5, f"exit took {took:.1f}s"
    closings = [read_until_close(s, 5).decode("utf-8", "replace") for s in idle]
    for s in idle:
        s.close()
    for text in closings:
        assert re.search(r"^421 4\.3\.2 .*\r\n\Z", text, re.M), repr(text[-200:])
    # Senders: finished or told 421 4.3.2 / disconnected; none got another error code.
    for sender, kind, detail in outcome:
        assert kind in ("error", 421), (sender, kind, detail)
    check_store(tmp_path, dict(acked), dict(sent))


# ---- HTTP API ------------------------------------------------------------------------------

def http_raw(port, data, timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    out = b""
    s.settimeout(timeout)
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
            if b"\r\n\r\n" in out and b"connection: close" not in out.lower():
                head, _, body = out.partition(b"\r\n\r\n")
                m = re.search(rb"(?i)content-length: *(\d+)", head)
                if m and len(body) >= int(m.group(1)):
                    break
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    return out


def status_of(response):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", response)
    return int(m.group(1)) if m else None


@pytest.fixture
def api_server(bounceback):
    server = bounceback(env=small_quarantine_env())
    response = http_raw(server.http_port, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", 3)
    assert status_of(response) == 200, response
    return server


@pytest.mark.parametrize("path", [
    "/api/v1/messages/..%2f..%2fetc%2fpasswd",
    "/api/v1/messages/../../etc/passwd",
    "/api/v1/messages/%2e%2e/raw",
    "/api/v1/messages/..%252f..%252fetc%252fpasswd",
    "/api/v1/messages/%00",
    "/api/v1/messages/%zz",
    "/api/v1/messages/" + "a" * 5000,
    "/api/v1/sessions/..%2f..%2fproc%2fself%2fenviron",
    "/api/v1/codes/%0d%0aX-Injected:%201",
    "//api/v1/messages",
], ids=lambda p: p[:60])
def test_http_path_tricks_get_a_clear_4xx(api_server, path):
    response = http_raw(api_server.http_port,
                        f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
    status = status_of(response)
    assert status is not None and 400 <= status < 500, response[:300]
    assert b"root:" not in response and b"X-Injected" not in response.split(b"\r\n\r\n")[0]


@pytest.mark.parametrize("request_bytes", [
    b"GARBAGE\r\n\r\n",
    b"GET\r\n\r\n",
    b"GET / HTTP/9.9\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 99999999999999999999\r\n\r\n",
    b"POST /api/v1/scenario/reset HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nBad Header Without Colon\r\n\r\n",
    b"\x00\x01\x02\xff\r\n\r\n",
], ids=lambda b: repr(b[:40]))
def test_http_malformed_requests_get_4xx(api_server, request_bytes):
    response = http_raw(api_server.http_port, request_bytes, 5)
    status = status_of(response)
    assert status is None or 400 <= status < 500, response[:300]
    ok = http_raw(api_server.http_port, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert status_of(ok) == 200


def test_http_huge_headers_and_bodies_are_refused_and_bounded(api_server):
    port = api_server.http_port
    before = rss_kib(api_server.proc.pid)
    huge_header = (b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * (4 * MiB) +
                   b"\r\n\r\n")
    many_headers = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n" + b"X-A: b\r\n" * 100000 + b"\r\n"
    huge_url = b"GET /api/v1/messages?to=" + b"x" * (2 * MiB) + b" HTTP/1.1\r\nHost: localhost\r\n\r\n"
    body = b"x" * (64 * MiB)
    huge_body = (b"PUT /api/v1/scenario HTTP/1.1\r\nHost: localhost\r\nContent-Length: " +
                 str(len(body)).encode() + b"\r\n\r\n" + body)
    for request in (huge_header, many_headers, huge_url, huge_body):
        status = status_of(http_raw(port, request, 20))
        assert status is None or 400 <= status < 500, status
    grown = rss_kib(api_server.proc.pid) - before
    check_growth(api_server.proc.pid, grown, 64 * 1024, 160 * 1024, "huge HTTP requests")
    assert status_of(http_raw(port, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")) == 200
