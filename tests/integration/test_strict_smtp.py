"""Postfix's strict policies as options, over raw sockets against the real binary:
--bare-lf reject|disconnect (smtpd_forbid_bare_newline) for commands and messages, and
--improper-pipelining disconnect (smtpd_forbid_unauth_pipelining). Defaults stay lenient."""
import http.client
import json
import smtplib
import subprocess

import pytest

from conftest import BIN


def messages(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    try:
        conn.request("GET", "/api/v1/messages")
        return json.loads(conn.getresponse().read())["messages"]
    finally:
        conn.close()


def greeted(client_for, server):
    c = client_for(server)
    assert c.reply()[0] == 220
    return c


def esmtp_transaction(c):
    assert c.cmd("EHLO client.test")[0] == 250
    assert c.cmd("MAIL FROM:<a@client.test>")[0] == 250
    assert c.cmd("RCPT TO:<b@example.test>")[0] == 250


def test_command_ending_in_bare_lf_runs_by_default(bounceback, client_for):
    c = greeted(client_for, bounceback())
    c.send(b"EHLO client.test\n")
    assert c.reply()[0] == 250
    assert c.cmd("QUIT")[0] == 221


@pytest.mark.parametrize("policy, code", [("reject", 550), ("disconnect", 521)])
def test_command_ending_in_bare_lf_is_refused_and_closed(bounceback, client_for, policy, code):
    server = bounceback("--bare-lf", policy)
    c = greeted(client_for, server)
    assert c.cmd("EHLO client.test")[0] == 250
    c.send(b"MAIL FROM:<a@client.test>\n")
    assert c.reply() == (code, [f"{code} 5.5.2 localhost Error: bare <LF> received"])
    assert c.closed()


def test_message_with_bare_lf_under_disconnect_is_read_then_refused(bounceback, client_for):
    server = bounceback("--bare-lf", "disconnect")
    c = greeted(client_for, server)
    esmtp_transaction(c)
    assert c.cmd("DATA")[0] == 354
    # The smuggling attempt stays data; the answer comes at the real end of the message.
    c.send(b"Subject: x\r\n\r\nfirst\n.\nMAIL FROM:<evil@attacker.test>\r\nRCPT TO:<v@x.test>\r\n")
    c.send(b"DATA\r\nsecond\r\n.\r\n")
    assert c.reply() == (521, ["521 5.5.2 localhost Error: bare <LF> received"])
    assert c.closed()
    assert messages(server) == []


def test_message_with_bare_lf_under_reject_keeps_the_session(bounceback, client_for):
    server = bounceback("--bare-lf", "reject")
    c = greeted(client_for, server)
    esmtp_transaction(c)
    assert c.cmd("DATA")[0] == 354
    c.send(b"Subject: x\r\n\r\nfirst\nsecond\r\n.\r\n")
    assert c.reply()[0] == 550
    assert c.cmd("NOOP")[0] == 250
    assert messages(server) == []


BODY_BEFORE_354 = b"DATA\r\nSubject: too early\r\n\r\nhello\r\n.\r\n"


def test_body_before_354_is_taken_as_the_message_by_default(bounceback, client_for):
    server = bounceback()
    c = greeted(client_for, server)
    esmtp_transaction(c)
    c.send(BODY_BEFORE_354)
    assert c.reply()[0] == 354
    assert c.reply()[0] == 250
    assert [m["subject"] for m in messages(server)] == ["too early"]


def test_body_before_354_is_a_synchronization_error_when_forbidden(bounceback, client_for):
    server = bounceback("--improper-pipelining", "disconnect")
    c = greeted(client_for, server)
    assert c.cmd("EHLO client.test")[0] == 250
    c.send(b"MAIL FROM:<a@client.test>\r\nRCPT TO:<b@example.test>\r\n")  # RFC 2920: fine
    assert c.reply()[0] == 250 and c.reply()[0] == 250
    c.send(BODY_BEFORE_354)
    assert c.reply() == (554, ["554 5.5.0 Error: SMTP protocol synchronization"])
    assert c.closed()
    assert messages(server) == []


def test_pipelining_before_ehlo_is_refused_when_forbidden(bounceback, client_for):
    server = bounceback("--improper-pipelining", "disconnect")
    c = greeted(client_for, server)
    c.send(b"EHLO client.test\r\nMAIL FROM:<a@client.test>\r\n")
    assert c.reply()[0] == 554
    assert c.closed()


def test_a_lock_step_client_delivers_under_both_strict_options(bounceback):
    server = bounceback("--improper-pipelining", "disconnect", "--bare-lf", "disconnect")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        assert s.sendmail("a@client.test", ["b@example.test"],
                          b"Subject: polite\r\n\r\nhello\r\n") == {}
    assert [m["subject"] for m in messages(server)] == ["polite"]


def test_bad_values_are_usage_errors():
    for option, value in [("--bare-lf", "sometimes"), ("--improper-pipelining", "yes")]:
        out = subprocess.run([BIN, "serve", option, value], capture_output=True, text=True,
                             timeout=10)
        assert out.returncode == 2 and option in out.stderr, out
