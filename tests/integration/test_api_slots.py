"""HTTP connection slots (issue 12, item 4), against the real binary with raw sockets: a
long-poll or event stream whose client leaves frees its slot at once, and /healthz and
/metrics answer even while every API slot is held by a live long-poll."""
import http.client
import json
import socket
import struct
import time

from conftest import slower

SLOTS = 512  # HttpLimits::max_connections
WAIT = b"GET /api/v1/messages/wait?to=nobody@example.test&timeout=30s HTTP/1.1\r\nHost: localhost\r\n\r\n"


def open_waits(server, count):
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", server.http_port), timeout=10)
        s.sendall(WAIT)
        socks.append(s)
    return socks


def get(server, path, timeout):
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def answers_within(server, path, seconds):
    """Whether GET `path` gets a 200 within `seconds` (retrying refused connections)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            status, _ = get(server, path, max(0.1, deadline - time.monotonic()))
            if status == 200:
                return True
        except (ConnectionError, http.client.HTTPException, socket.timeout, OSError):
            pass
        time.sleep(0.02)
    return False


def test_health_answers_while_every_slot_holds_a_live_long_poll(bounceback):
    server = bounceback()
    socks = open_waits(server, SLOTS + 8)  # more than the API has slots for
    try:
        # Accepted in order: these come after every long-poll took its slot.
        bound = slower(server.proc.pid)  # 1 s; a sanitized server first works through 520 waits
        for path in ("/healthz", "/metrics"):
            start = time.monotonic()
            status, body = get(server, path, bound)
            assert status == 200, body
            assert time.monotonic() - start < bound
        # The reserve serves health routes only; the API itself is full.
        conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=5)
        try:
            conn.request("GET", "/api/v1/messages")
            resp = conn.getresponse()
            assert resp.status == 503
            assert "only /healthz" in json.loads(resp.read())["error"]
        except (ConnectionError, http.client.HTTPException):
            pass  # or refused outright once the reserve is taken too
        finally:
            conn.close()
        # The long-polls are still waiting.
        socks[0].settimeout(0.2)
        try:
            assert socks[0].recv(1) == b"", "a long-poll was answered early"
        except socket.timeout:
            pass
    finally:
        for s in socks:
            s.close()


def test_abandoned_long_polls_free_their_slots_at_once(bounceback):
    server = bounceback()
    # 1 s; a sanitized server (TSan: 10 s) is still well within the waits' 30 s, so slots
    # freed only when their waits time out fail this test under every build.
    bound = slower(server.proc.pid)
    for _ in range(2):  # and again: freed slots are reusable
        socks = open_waits(server, SLOTS + 8)
        assert answers_within(server, "/healthz", 2 * bound)  # every wait has been read
        for s in socks:
            s.close()
        # Within a second: the health check and the API itself (not the reserve) answer.
        assert answers_within(server, "/healthz", bound)
        assert answers_within(server, "/api/v1/messages", bound)


def test_reset_long_polls_and_left_event_streams_free_their_slots(bounceback):
    server = bounceback()
    events = b"GET /api/v1/events HTTP/1.1\r\nHost: localhost\r\n\r\n"
    socks = open_waits(server, SLOTS // 2)
    for _ in range(SLOTS // 2 + 8):
        s = socket.create_connection(("127.0.0.1", server.http_port), timeout=10)
        s.sendall(events)
        socks.append(s)
    bound = slower(server.proc.pid)  # as above: under the waits' 30 s in every build
    assert answers_within(server, "/healthz", 2 * bound)
    for s in socks:  # RST instead of FIN
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    assert answers_within(server, "/api/v1/messages", bound)


def test_a_long_poll_with_a_pipelined_request_is_still_answered(bounceback):
    # Bytes after the long-poll are the client's next request, not a sign it left.
    server = bounceback()
    s = socket.create_connection(("127.0.0.1", server.http_port), timeout=10)
    s.sendall(b"GET /api/v1/messages/wait?timeout=500ms HTTP/1.1\r\nHost: localhost\r\n\r\n"
              b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    assert data.startswith(b"HTTP/1.1 408 ")
    assert b"HTTP/1.1 200 OK" in data and b'"status":"ok"' in data
