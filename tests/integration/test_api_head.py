"""HEAD on every GET route (issue 11), with http.client against the real binary: the same
status and headers as GET, Content-Length of the GET's body, and no body on the wire (a GET
on the same keep-alive connection right after it parses cleanly)."""
import http.client
import json
import smtplib
import socket
import time

import pytest

IGNORED = {"date"}  # none today; a header that may differ between two requests


def head_then_get(server, path):
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    try:
        conn.request("HEAD", path)
        head = conn.getresponse()
        head_body = head.read()
        head_headers = {k.lower(): v for k, v in head.getheaders()}
        # Same connection: were there body bytes after the HEAD's header, this would read
        # them as its status line and fail.
        conn.request("GET", path)
        get = conn.getresponse()
        get_body = get.read()
        get_headers = {k.lower(): v for k, v in get.getheaders()}
        return (head.status, head_headers, head_body), (get.status, get_headers, get_body)
    finally:
        conn.close()


def get_json(server, path):
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    try:
        conn.request("GET", path)
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


@pytest.fixture
def server(bounceback):
    server = bounceback()
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.sendmail("a@example.test", ["b@example.test"], b"Subject: hi\r\n\r\nbody\r\n")
    # The client has its 221, but the server ends the session a moment later: its ended_at
    # and transcript (QUIT, 221) change then, and with them the session and message JSON.
    # HEAD and GET are compared on a server at rest.
    deadline = time.monotonic() + 10
    while get_json(server, "/api/v1/sessions")["sessions"][0]["ended_at"] is None:
        assert time.monotonic() < deadline, "the session did not end"
        time.sleep(0.01)
    return server


def ids(server):
    listing = json.loads(head_then_get(server, "/api/v1/messages")[1][2])
    message = listing["messages"][0]
    return message["id"], message["session_id"]


ROUTES = ["/", "/healthz", "/metrics", "/api/v1/messages", "/api/v1/messages?to=b@example.test",
          "/api/v1/messages/wait?to=b@example.test&timeout=1s", "/api/v1/messages/{msg}",
          "/api/v1/messages/{msg}/raw", "/api/v1/sessions", "/api/v1/sessions/{session}",
          "/api/v1/attempts?rcpt=b@example.test", "/api/v1/scenario", "/api/v1/codes",
          "/api/v1/codes/550", "/api/v1/clock",
          # errors too: the status and headers of the GET
          "/api/v1/messages/nope", "/api/v1/codes/999", "/api/v1/nothing", "/api/v1/messages?limit=x"]


@pytest.mark.parametrize("route", ROUTES)
def test_head_is_get_without_the_body(server, route):
    msg, session = ids(server)
    path = route.format(msg=msg, session=session)
    (hs, hh, hb), (gs, gh, gb) = head_then_get(server, path)
    assert hs == gs, path
    assert hb == b""
    assert gb != b""
    if gh.get("transfer-encoding") == "chunked":  # a streamed body (/api/v1/sessions)
        assert "content-length" not in hh and "content-length" not in gh
    else:
        assert int(hh["content-length"]) == len(gb)
    for name in set(hh) | set(gh):
        if name not in IGNORED:
            assert hh.get(name) == gh.get(name), (path, name)


def test_head_on_the_event_stream_sends_its_header_only(server):
    s = socket.create_connection(("127.0.0.1", server.http_port), timeout=5)
    s.sendall(b"HEAD /api/v1/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
    data = b""
    while True:  # the server closes after the header
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"text/event-stream" in head
    assert rest == b""


def test_allow_names_head_and_head_on_post_routes_is_405(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    conn.request("PUT", "/healthz")
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 405
    assert [m.strip() for m in resp.getheader("Allow").split(",")] == ["GET", "HEAD"]
    conn.request("HEAD", "/api/v1/scenario/reset")
    resp = conn.getresponse()
    assert resp.read() == b""
    assert resp.status == 405 and "HEAD" not in resp.getheader("Allow")
    conn.close()
