"""Client fallbacks (issue 17): a scenario refuses EHLO (`on = "helo"`, `esmtp = true`) and a
real client falls back to HELO, which the session serves; the message arrives over plain
SMTP (Received "with SMTP"). Python's smtplib and swaks both fall back. And without PIPELINING
in `[server] extensions` a client must wait for each reply: one that pipelines is cut off."""
import json
import smtplib
import socket
import subprocess
import time

from conftest import http_call, need_tool, read_until_close

SCENARIO = """name = "no-ehlo"
[[rule]]
on = "helo"
esmtp = true
reply = "{code} 5.5.{detail} Error: command not recognized"
"""


def put_scenario(server, body):
    status, _, answer = http_call(server, "PUT", "/api/v1/scenario", body=body)
    assert status == 200, answer


def refuse_ehlo(server, code):
    put_scenario(server, SCENARIO.format(code=code, detail=2 if code == 502 else 1))


def stored(server):
    status, _, body = http_call(server, "GET", "/api/v1/messages")
    assert status == 200, body
    return json.loads(body)["messages"]


def raw(server, message_id):
    status, _, body = http_call(server, "GET", f"/api/v1/messages/{message_id}/raw")
    assert status == 200, body
    return body.decode() if isinstance(body, bytes) else body


def test_smtplib_falls_back_to_helo_after_a_refused_ehlo(bounceback):
    for code in (500, 502):
        server = bounceback()
        refuse_ehlo(server, code)
        with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
            assert smtp.ehlo("client.test")[0] == code  # refused as scripted
            # sendmail greets again: EHLO refused, then HELO (smtplib's fallback).
            smtp.ehlo_resp = smtp.helo_resp = None
            assert smtp.sendmail("a@client.test", ["b@example.test"],
                                 "Subject: fallback\r\n\r\nhi\r\n") == {}
            assert not smtp.does_esmtp
        got = stored(server)
        assert len(got) == 1
        assert " with SMTP id " in raw(server, got[0]["id"])  # HELO, not ESMTP


def test_swaks_falls_back_to_helo_after_a_refused_ehlo(bounceback):
    swaks = need_tool("swaks")
    server = bounceback()
    refuse_ehlo(server, 502)
    res = subprocess.run([swaks, "--server", "127.0.0.1", "--port", str(server.smtp_port),
                          "--from", "a@client.test", "--to", "b@example.test",
                          "--helo", "client.test"], capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "<** 502 5.5.2" in res.stdout
    assert "-> HELO client.test" in res.stdout
    assert len(stored(server)) == 1


def test_without_pipelining_a_client_must_wait_for_each_reply(bounceback):
    server = bounceback()
    put_scenario(server, 'name = "lock-step"\n[server]\n'
                         'extensions = ["SIZE", "8BITMIME", "ENHANCEDSTATUSCODES"]\n')
    # smtplib waits for each reply when PIPELINING is not offered: served.
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
        assert smtp.sendmail("a@client.test", ["b@example.test"],
                             "Subject: lock-step\r\n\r\nhi\r\n") == {}
        assert not smtp.has_extn("pipelining")
    # A client that pipelines anyway is cut off, its commands not run (RFC 2920 §3.1).
    sock = socket.create_connection(("127.0.0.1", server.smtp_port), timeout=10)
    sock.recv(4096)
    sock.sendall(b"EHLO client.test\r\n")
    time.sleep(0.3)
    assert b"PIPELINING" not in sock.recv(4096)
    sock.sendall(b"MAIL FROM:<a@client.test>\r\nRCPT TO:<c@example.test>\r\n")
    assert read_until_close(sock) == b"554 5.5.0 Error: SMTP protocol synchronization\r\n"
    sock.close()
    assert len(stored(server)) == 1


def test_an_extension_switched_off_is_neither_advertised_nor_done(bounceback):
    server = bounceback()
    put_scenario(server, 'name = "no-chunking"\n[server]\nextensions = { CHUNKING = false }\n')
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
        smtp.ehlo("client.test")
        assert not smtp.has_extn("chunking") and smtp.has_extn("pipelining")
        smtp.mail("a@client.test")
        smtp.rcpt("b@example.test")
        code, text = smtp.docmd("BDAT", "0 LAST")
        assert (code, text) == (502, b"5.5.1 Error: command not implemented")
        smtp.rset()
        # smtplib sends DATA, as a client without BDAT must.
        assert smtp.sendmail("a@client.test", ["b@example.test"], "Subject: x\r\n\r\nhi\r\n") == {}
