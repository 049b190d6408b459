"""Generated messages with the durable spool (--store-dir): a DSN due at once is spooled without
blocking the event loop, and the message that caused it is answered only once the DSN is
listed, as without a spool: a client that has its 250 (or the reply of a command it pipelined
behind the message) finds the DSN with a plain list, no wait needed."""
import json
import smtplib

from conftest import Client, http_call


def listed(server, address):
    status, _, got = http_call(server, "GET", f"/api/v1/messages?to={address}&limit=50")
    assert status == 200, got
    return json.loads(got)


def test_a_dsn_due_at_once_is_listed_before_its_original_is_answered(bounceback, tmp_path):
    server = bounceback("--store-dir", str(tmp_path / "spool"), "--received-header", "off")
    # One message at a time: the list right after the 250 already holds its DSN.
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=20) as s:
        s.ehlo("dsn.test")
        for i in range(8):
            s.mail(f"sender{i}@example.test")
            s.rcpt("dsn-550-5.1.1@reply.test")
            code, text = s.data(f"Subject: m{i}\r\n\r\nbody {i}\r\n".encode())
            assert code == 250, text
            original = text.decode().rsplit(" ", 1)[1]
            got = listed(server, f"sender{i}@example.test")
            assert got["total"] == 1, (i, got)
            dsn = got["messages"][0]
            assert dsn["generated"] == "dsn" and dsn["from"] == ""
            assert dsn["about"] == original
    # Pipelined: the message's end and the next command in one write. The NOOP's reply comes
    # after the DSN is listed too.
    c = Client(server, timeout=20)
    assert c.reply()[0] == 220
    assert c.cmd("EHLO pipe.test")[0] == 250
    for i in range(8):
        sender = f"piped{i}@example.test"
        c.send(f"MAIL FROM:<{sender}>\r\nRCPT TO:<dsn-550-5.1.1@reply.test>\r\nDATA\r\n")
        assert [c.reply()[0] for _ in range(3)] == [250, 250, 354]
        c.send(f"Subject: p{i}\r\n\r\nbody\r\n.\r\nNOOP\r\n")
        code, lines = c.reply()
        assert code == 250 and lines[0].startswith("250 2.0.0 Ok: queued as"), lines
        assert c.reply()[0] == 250  # the NOOP's
        got = listed(server, sender)
        assert got["total"] == 1, (i, got)
        assert got["messages"][0]["generated"] == "dsn"
    assert c.cmd("QUIT")[0] == 221
