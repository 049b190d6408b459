"""The Received header a real MX prepends (RFC 5321 §4.4, "with" names of RFC 3848), seen
through the HTTP API's /raw and JSON, the .eml spool, and Python's email parser; and
--received-header off for users who compare bytes."""
import email
import email.utils
import json
import re
import smtplib
import ssl
import time
import urllib.request

from conftest import strip_received

BODY = b"Subject: trace\r\n\r\nbody\r\n"


def api(server, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{server.http_port}{path}", timeout=10) as r:
        return r.read()


def newest(server):
    [m] = json.loads(api(server, "/api/v1/messages"))["messages"]
    return m, api(server, f"/api/v1/messages/{m['id']}/raw")


def received(raw):
    """The Received header, unfolded (continuation lines joined with a space)."""
    stripped = strip_received(raw)
    head = raw[:len(raw) - len(stripped)].decode()
    return re.sub(r"\r\n\t", " ", head).rstrip("\r\n")


def test_esmtp_one_recipient(bounceback):
    server = bounceback("--hostname", "mx.trace.test")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, local_hostname="client.test") as s:
        s.sendmail("a@example.test", ["b@example.test"], BODY)
    m, raw = newest(server)
    line = received(raw)
    assert re.fullmatch(
        r"Received: from client\.test \(\[127\.0\.0\.1\]\) by mx\.trace\.test \(Bounceback\) "
        r"with ESMTP id (\S+) for <b@example\.test>; (.+)", line), line
    qid, date = re.search(r" id (\S+) for .*; (.+)$", line).groups()
    assert qid == m["id"]
    when = email.utils.parsedate_to_datetime(date)  # RFC 5322 date
    assert abs(when.timestamp() - time.time()) < 60
    assert strip_received(raw) == BODY  # the client's bytes follow, unchanged
    assert m["size"] == len(raw)  # size counts the stored copy, Received included
    # Parsers see it as the first header; the JSON lists it too.
    assert email.message_from_bytes(raw)["Received"].startswith("from client.test")
    detail = json.loads(api(server, f"/api/v1/messages/{m['id']}"))
    assert detail["headers"][0]["name"] == "Received"


def test_helo_several_recipients_no_for_clause(bounceback):
    server = bounceback()
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.helo("old.client.test")
        s.sendmail("a@example.test", ["b@example.test", "c@example.test"], BODY)
    _, raw = newest(server)
    line = received(raw)
    assert "from old.client.test ([127.0.0.1])" in line and " with SMTP id " in line, line
    assert " for <" not in line  # naming one recipient would disclose it to the others


def test_starttls_and_auth_make_esmtpsa(bounceback):
    server = bounceback("--starttls", "on")
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    with smtplib.SMTP("127.0.0.1", server.smtp_port, local_hostname="tls.test") as s:
        s.starttls(context=ctx)
        s.login("alice", "secret")
        s.sendmail("a@example.test", ["b@example.test"], BODY)
    _, raw = newest(server)
    line = received(raw)
    assert re.search(r"from tls\.test \(\[127\.0\.0\.1\]\) \(using TLSv1\.[23] with cipher \S+\) "
                     r"by localhost \(Bounceback\) with ESMTPSA id ", line), line


def test_store_dir_copy_has_it(bounceback, tmp_path):
    server = bounceback("--store-dir", str(tmp_path))
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.sendmail("a@example.test", ["b@example.test"], BODY)
    m, raw = newest(server)
    assert (tmp_path / f"{m['id']}.eml").read_bytes() == raw


def test_received_header_off_keeps_the_exact_bytes(bounceback, tmp_path):
    server = bounceback("--received-header", "off", "--store-dir", str(tmp_path))
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.sendmail("a@example.test", ["b@example.test"], BODY)
    m, raw = newest(server)
    assert raw == BODY and m["size"] == len(BODY)
    assert (tmp_path / f"{m['id']}.eml").read_bytes() == BODY


def test_helo_text_cannot_inject_a_header(bounceback, client_for):
    server = bounceback()
    c = client_for(server)
    c.reply()
    assert c.cmd("EHLO evil\rX-Injected: yes")[0] == 250
    assert c.cmd("MAIL FROM:<a@example.test>")[0] == 250
    assert c.cmd("RCPT TO:<b@example.test>")[0] == 250
    assert c.cmd("DATA")[0] == 354
    assert c.cmd("Subject: x\r\n\r\nbody\r\n.")[0] == 250
    _, raw = newest(server)
    assert b"\rX-Injected" not in raw
    assert email.message_from_bytes(raw)["X-Injected"] is None
    assert b"from evil?X-Injected: yes ([127.0.0.1])" in raw
