"""LMTP (RFC 2033, issue 17) against the real binary: `--lmtp` on TCP and on a UNIX socket,
LHLO only there, and after the data one reply per recipient, each decided by the `message`
rules for that recipient; the store holds the message for the recipients that took it, the
attempt log one outcome per recipient. A real LMTP client proves it: a private Postfix
delivering with `lmtp:inet:` and `lmtp:unix:`, deferring and bouncing exactly the recipients
Bounceback refused (read from its log), and Python's smtplib.LMTP."""
import json
import os
import smtplib
import socket
import subprocess
import tempfile
import time
import urllib.parse

import pytest

from conftest import BIN, http_call, need_tool
from private_postfix import PrivatePostfix

SCENARIO = """name = "mailboxes"
[[rule]]
on = "message"
rcpt = "full@*"
reply = "452 4.2.2 <{rcpt}> Mailbox full"

[[rule]]
on = "message"
rcpt = "gone@*"
reply = "550 5.1.1 <{rcpt}> No such user"
"""

MESSAGE = "From: app@sender.test\r\nSubject: lmtp\r\n\r\nhello\r\n"


def socket_dir():
    # Not under pytest's tmp_path (private to root): Postfix's lmtp client runs as `postfix`.
    d = tempfile.mkdtemp(prefix="bounceback-lmtp-")
    os.chmod(d, 0o755)
    return d


def put_scenario(server):
    status, _, body = http_call(server, "PUT", "/api/v1/scenario", body=SCENARIO)
    assert status == 200, body


def attempts(server, **query):
    code, _, body = http_call(server, "GET", "/api/v1/attempts?" + urllib.parse.urlencode(query))
    assert code == 200, body
    return json.loads(body)["attempts"]


def messages(server):
    code, _, body = http_call(server, "GET", "/api/v1/messages")
    assert code == 200, body
    return json.loads(body)["messages"]


def deliver(client, rcpts):
    """LHLO unless done, MAIL, RCPT each, DATA; returns the replies after the final dot, one
    per recipient (smtplib reads only one: it knows no LMTP DATA)."""
    if not client.does_esmtp:
        assert client.ehlo("client.test")[0] == 250  # smtplib.LMTP's ehlo() says LHLO
    assert client.mail("app@sender.test")[0] == 250
    for r in rcpts:
        assert client.rcpt(r)[0] == 250
    assert client.docmd("DATA")[0] == 354
    client.send(MESSAGE.encode() + b".\r\n")
    return [client.getreply() for _ in rcpts]


def test_lmtp_answers_each_recipient_and_stores_for_the_accepted(bounceback):
    server = bounceback("--lmtp", "127.0.0.1:0")
    put_scenario(server)
    with smtplib.LMTP("127.0.0.1", server.lmtp_port, timeout=10) as lmtp:
        assert lmtp.ehlo("client.test")[0] == 250  # smtplib.LMTP's ehlo() says LHLO
        assert lmtp.has_extn("pipelining")  # answered with the capability list
        got = deliver(lmtp, ["ok@example.test", "full@example.test", "gone@example.test",
                             "ok2@example.test"])
    assert [c for c, _ in got] == [250, 452, 550, 250]
    assert got[1][1] == b"4.2.2 <full@example.test> Mailbox full"
    assert got[0][1].startswith(b"2.0.0 <ok@example.test> Ok: queued as ")
    # One message, whose envelope is the recipients that took it.
    stored = messages(server)
    assert len(stored) == 1
    assert stored[0]["to"] == ["ok@example.test", "ok2@example.test"]
    # Each recipient's attempt has its own outcome.
    got = {a["rcpt"]: (a["outcome"], a["reply"]) for a in attempts(server, rcpt="*@example.test")}
    assert got["ok@example.test"][0] == "accepted"
    assert got["ok2@example.test"][0] == "accepted"
    assert got["full@example.test"] == ("refused", "452 4.2.2 <full@example.test> Mailbox full")
    assert got["gone@example.test"] == ("refused", "550 5.1.1 <gone@example.test> No such user")


def test_lmtp_quotas_count_per_recipient(bounceback):
    """A mailbox fills on its own: the bytes a recipient took count for that recipient alone,
    even when the message was refused to another in the same transaction."""
    server = bounceback("--lmtp", "127.0.0.1:0")
    status, _, body = http_call(server, "PUT", "/api/v1/scenario", body=f"""name = "quota"
[[rule]]
on = "message"
quota = "{len(MESSAGE) + len(MESSAGE) // 2}B"
reply = "552 5.2.2 <{{rcpt}}> Mailbox full"
""")
    assert status == 200, body
    with smtplib.LMTP("127.0.0.1", server.lmtp_port, timeout=10) as lmtp:
        first = deliver(lmtp, ["a@example.test", "b@example.test"])
        second = deliver(lmtp, ["a@example.test", "c@example.test"])
    assert [c for c, _ in first] == [250, 250]
    assert [c for c, _ in second] == [552, 250]  # a@'s mailbox holds one message, c@'s none
    assert second[0][1] == b"5.2.2 <a@example.test> Mailbox full"
    assert [m["to"] for m in messages(server)] == [["c@example.test"],
                                                   ["a@example.test", "b@example.test"]]


def test_lhlo_belongs_to_lmtp_and_helo_ehlo_do_not(bounceback):
    server = bounceback("--lmtp", "127.0.0.1:0")
    with smtplib.LMTP("127.0.0.1", server.lmtp_port, timeout=10) as lmtp:
        assert lmtp.docmd("EHLO", "c.test")[0] == 500
        assert lmtp.docmd("HELO", "c.test")[0] == 500
        assert lmtp.docmd("MAIL", "FROM:<a@sender.test>") == (503, b"5.5.1 Error: send LHLO first")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
        assert smtp.docmd("LHLO", "c.test")[0] == 502  # an unknown command on SMTP
        assert smtp.ehlo("c.test")[0] == 250


def test_a_unix_socket_replaces_a_stale_one_and_is_removed_at_stop(bounceback):
    path = os.path.join(socket_dir(), "lmtp")
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(path)  # a socket file nobody accepts on: a dead server's
    stale.close()
    server = bounceback("--lmtp", path)
    assert oct(os.stat(path).st_mode & 0o777) == "0o666"
    put_scenario(server)
    with smtplib.LMTP(path, timeout=10) as lmtp:
        got = deliver(lmtp, ["ok@example.test", "gone@example.test"])
    assert [c for c, _ in got] == [250, 550]
    assert server.stop() == 0
    assert not os.path.exists(path)


def test_a_unix_socket_path_in_use_or_not_a_socket_is_refused(bounceback):
    d = socket_dir()
    regular = os.path.join(d, "file")
    open(regular, "w").close()
    res = subprocess.run([BIN, "serve", "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0",
                          "--lmtp", regular], capture_output=True, text=True, timeout=15)
    assert res.returncode == 2
    assert "not a socket" in res.stderr
    assert os.path.exists(regular)  # never deleted
    live = os.path.join(d, "lmtp")
    server = bounceback("--lmtp", live)
    res = subprocess.run([BIN, "serve", "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0",
                          "--lmtp", live], capture_output=True, text=True, timeout=15)
    assert res.returncode == 2
    assert "another server listens there" in res.stderr
    with smtplib.LMTP(live, timeout=10) as lmtp:  # the first server still has it
        assert lmtp.noop()[0] == 250
    server.stop()


@pytest.mark.parametrize("how", ["inet", "unix"])
def test_postfix_lmtp_defers_and_bounces_exactly_the_refused_recipients(bounceback, how):
    need_tool("postfix")
    need_tool("postqueue")
    need_tool("postconf")
    if os.geteuid() != 0:
        pytest.skip("a private Postfix instance needs root (its master drops to `postfix`)")
    path = os.path.join(socket_dir(), "lmtp")
    server = bounceback("--lmtp", "127.0.0.1:0" if how == "inet" else path)
    put_scenario(server)
    collector = bounceback()  # Postfix's bounces and delay warnings go there
    postfix = PrivatePostfix(server.smtp_port, collector.smtp_port, lifetime="5m")
    try:
        nexthop = (f"lmtp:inet:127.0.0.1:{server.lmtp_port}" if how == "inet"
                   else f"lmtp:unix:{path}")
        with open(os.path.join(postfix.dir, "master.cf"), "a") as f:
            f.write("lmtp      unix  -       -       n       -       -       lmtp\n")
        with open(os.path.join(postfix.dir, "transport"), "a") as f:
            f.write(f"example.test {nexthop}\n")
        postfix.run("postconf", "-c", postfix.dir, "-e",
                    f"transport_maps=texthash:{postfix.dir}/transport")
        postfix.run("postfix", "-c", postfix.dir, "reload")
        time.sleep(0.5)
        rcpts = ["ok@example.test", "full@example.test", "gone@example.test", "ok2@example.test"]
        with smtplib.SMTP("127.0.0.1", postfix.smtpd_port, timeout=30) as smtp:
            smtp.sendmail("app@sender.test", rcpts, MESSAGE)
        deadline = time.monotonic() + 30
        said = {}
        while time.monotonic() < deadline:
            said = postfix.statuses()
            if all(r in said for r in rcpts):
                break
            time.sleep(0.2)
        log = postfix.log()
        first = {r: said.get(r, [("none", "")])[0] for r in rcpts}
        assert first["ok@example.test"][0] == "sent", log
        assert first["ok2@example.test"][0] == "sent", log
        assert first["full@example.test"][0] == "deferred", log
        assert "452 4.2.2 <full@example.test> Mailbox full" in first["full@example.test"][1], log
        assert first["gone@example.test"][0] == "bounced", log
        assert "550 5.1.1 <gone@example.test> No such user" in first["gone@example.test"][1], log
        assert "relay=127.0.0.1" in log or f"relay={path}" in log, log
        # Bounceback holds the message once, for the two delivered recipients.
        stored = messages(server)
        assert sorted(stored[0]["to"]) == ["ok2@example.test", "ok@example.test"]
        with_lmtp = [line for line in log.splitlines() if "postfix-bounceback-test/lmtp" in line]
        assert with_lmtp, log  # Postfix's lmtp client did the delivery
    finally:
        postfix.stop()
