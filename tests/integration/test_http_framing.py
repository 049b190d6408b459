"""HTTP/1.1 message framing (RFC 9112 §6.1, §6.3; issue 12, item 6), with raw sockets against
the real binary: a Transfer-Encoding other than exactly "chunked", or one next to a
Content-Length, is a 400 and the connection closes, so a request smuggled after it never
runs."""
import json
import re
import socket

import pytest

from conftest import read_until_close

# A request that would show it ran: it moves the scenario clock by an hour.
SMUGGLED = b"POST /api/v1/clock/advance?by=1h HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n"


def exchange(port, data, timeout=5):
    """Sends `data`, reads until the server closes; returns every byte received."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        return read_until_close(s, timeout)


def clock_offset(port):
    reply = exchange(port, b"GET /api/v1/clock HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    return json.loads(reply.split(b"\r\n\r\n", 1)[1])["offset_ms"]


def statuses(reply):
    """The status codes of the responses in `reply` (JSON bodies end in a bare LF)."""
    return re.findall(rb"(?:^|\n)HTTP/1\.[01] (\d{3}) ", reply)


@pytest.mark.parametrize("framing", [
    b"Transfer-Encoding: xchunked",
    b"Transfer-Encoding: identity",
    b"Transfer-Encoding: chunked, identity",
    b"Transfer-Encoding: gzip, chunked",
    b"Transfer-Encoding: chunked, chunked",
    b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
    b"Transfer-Encoding: identity\r\nTransfer-Encoding: chunked",
    b"Transfer-Encoding: chunked\r\nContent-Length: 5",
    b"Content-Length: 5\r\nTransfer-Encoding: chunked",
    b"Transfer-Encoding: \x0bchunked",
    b"Transfer-Encoding: chunked;ext=1",
    b"Transfer-Encoding:",
], ids=lambda b: b.decode("latin-1").replace("\r\n", " | ")[:50])
def test_bad_transfer_encoding_is_400_and_closes(bounceback, framing):
    server = bounceback()
    port = server.http_port
    request = (b"POST /api/v1/scenario/reset HTTP/1.1\r\nHost: localhost\r\n" + framing +
               b"\r\n\r\n0\r\n\r\n" + SMUGGLED)
    reply = exchange(port, request)
    assert statuses(reply) == [b"400"], reply[:400]
    assert b"connection: close" in reply.lower()
    assert clock_offset(port) == 0  # the pipelined request did not run


def test_http10_request_with_transfer_encoding_is_400(bounceback):
    server = bounceback()
    reply = exchange(server.http_port, b"POST /api/v1/scenario/reset HTTP/1.0\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + SMUGGLED)
    assert statuses(reply) == [b"400"], reply[:400]
    assert clock_offset(server.http_port) == 0


@pytest.mark.parametrize("value", [b"chunked", b"Chunked", b"  chunked  "])
def test_chunked_alone_still_works_and_keeps_the_connection(bounceback, value):
    server = bounceback()
    body = b'{"by": "2m"}'
    request = (b"POST /api/v1/clock/advance HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: " +
               value + b"\r\n\r\n" + hex(len(body))[2:].encode() + b"\r\n" + body +
               b"\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    reply = exchange(server.http_port, request)
    assert statuses(reply) == [b"200", b"200"], reply[:600]
    assert clock_offset(server.http_port) == 120000
