"""The core server seen from outside: real clients (smtplib, swaks, curl, raw sockets)
against the real binary, checking replies and the captured bytes on disk."""
import concurrent.futures
import json
import os
import pathlib
import re
import smtplib
import subprocess
import time

import pytest

from conftest import need_swaks, need_tool, strip_received


def eml_files(store):
    return sorted(p for p in pathlib.Path(store).glob("*.eml"))


def test_smtplib_delivery_is_captured_on_disk(bounceback, tmp_path):
    server = bounceback("--store-dir", str(tmp_path))
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        code, caps = s.ehlo("client.test")
        assert code == 250
        for ext in (b"PIPELINING", b"SIZE", b"8BITMIME", b"SMTPUTF8", b"ENHANCEDSTATUSCODES",
                    b"CHUNKING", b"DSN"):
            assert ext in caps
        refused = s.sendmail("alice@example.test", ["bob@example.test", "carol@example.test"],
                             b"Subject: hello\r\n\r\nbody\r\n")
        assert refused == {}
    [eml] = eml_files(tmp_path)
    assert strip_received(eml.read_bytes()) == b"Subject: hello\r\n\r\nbody\r\n"
    # The envelope is the message's line in the spool's journal, not a second file.
    [line] = (tmp_path / "envelopes.jsonl").read_text().splitlines()
    envelope = json.loads(line)
    assert envelope["file"] == eml.name and envelope["id"] == eml.stem
    assert envelope["from"] == "alice@example.test"
    assert envelope["to"] == ["bob@example.test", "carol@example.test"]
    assert envelope["helo"] == "client.test" and envelope["tls"] is False
    # Beside them, while the server runs, only its two write-ahead logs (hidden; removed at
    # exit).
    logs = [p.name for p in tmp_path.glob(".*.spool-log")]
    assert len(logs) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([eml.name, "envelopes.jsonl",
                                                                  *logs])


def test_dot_stuffing_round_trips_byte_for_byte(bounceback, tmp_path):
    server = bounceback("--store-dir", str(tmp_path))
    body = (b"Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nx\r\n"
            b". space\r\n...\r\nend without newline")
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.sendmail("a@example.test", ["b@example.test"], body)
    [eml] = eml_files(tmp_path)
    # smtplib stuffs dots and appends the final CRLF; the server must undo exactly that.
    assert strip_received(eml.read_bytes()) == body + b"\r\n"


def test_pipelined_batch_in_one_write_gets_replies_in_order(bounceback, client_for):
    server = bounceback()
    c = client_for(server)
    assert c.reply()[0] == 220
    c.send("EHLO pipe.test\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\n"
           "RCPT TO:<bad address>\r\nRCPT TO:<c@example.test>\r\nDATA\r\n")
    assert c.reply()[0] == 250
    assert c.reply() == (250, ["250 2.1.0 Ok"])
    assert c.reply() == (250, ["250 2.1.5 Ok"])
    assert c.reply()[1][0].startswith("501 5.1.3")
    assert c.reply() == (250, ["250 2.1.5 Ok"])
    assert c.reply()[0] == 354
    c.send("Subject: x\r\n\r\nhi\r\n.\r\nNOOP\r\nQUIT\r\n")
    code, lines = c.reply()
    assert code == 250 and "queued as" in lines[0]
    assert c.reply() == (250, ["250 2.0.0 Ok"])
    assert c.reply()[0] == 221
    assert c.closed()


def test_bdat_chunks_with_last(bounceback, client_for, tmp_path):
    server = bounceback("--store-dir", str(tmp_path))
    c = client_for(server)
    c.reply()
    c.cmd("EHLO chunk.test")
    c.cmd("MAIL FROM:<a@example.test> BODY=8BITMIME")
    c.cmd("RCPT TO:<b@example.test>")
    part1 = b"Subject: chunks\r\n\r\nline one\r\n.not stuffed\r\n"
    part2 = b"\xc3\xa9t\xc3\xa9\r\n"
    c.send(b"BDAT %d\r\n" % len(part1) + part1)
    assert c.reply()[0] == 250
    c.send(b"BDAT %d LAST\r\n" % len(part2) + part2)
    code, lines = c.reply()
    assert code == 250 and "queued as" in lines[0]
    [eml] = eml_files(tmp_path)
    assert strip_received(eml.read_bytes()) == part1 + part2  # BDAT data is never unstuffed


def test_bdat_without_transaction_still_consumes_the_chunk(bounceback, client_for):
    server = bounceback()
    c = client_for(server)
    c.reply()
    c.cmd("EHLO chunk.test")
    c.send(b"BDAT 12\r\nNOOP\r\nNOOP\r\n")  # 12 bytes of chunk that look like commands
    assert c.reply()[1][0].startswith("503 5.5.1")
    assert c.cmd("NOOP") == (250, ["250 2.0.0 Ok"])


def test_hundred_parallel_sessions(bounceback, tmp_path):
    server = bounceback("--store-dir", str(tmp_path))

    def send(i):
        with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as s:
            s.sendmail(f"s{i}@example.test", [f"r{i}@example.test"],
                       f"Subject: n{i}\r\n\r\nmessage {i}\r\n".encode())
        return i

    with concurrent.futures.ThreadPoolExecutor(100) as pool:
        assert sorted(pool.map(send, range(100))) == list(range(100))
    bodies = {strip_received(p.read_bytes()) for p in eml_files(tmp_path)}
    assert bodies == {f"Subject: n{i}\r\n\r\nmessage {i}\r\n".encode() for i in range(100)}


def test_message_size_limit(bounceback, client_for, tmp_path):
    server = bounceback("--max-size", "10KiB", "--store-dir", str(tmp_path))
    c = client_for(server)
    c.reply()
    code, lines = c.cmd("EHLO big.test")
    assert "250-SIZE 10240" in lines
    assert c.cmd("MAIL FROM:<a@example.test> SIZE=20000")[1] == [
        "552 5.3.4 Message size exceeds fixed limit"]
    c.cmd("MAIL FROM:<a@example.test>")
    c.cmd("RCPT TO:<b@example.test>")
    assert c.cmd("DATA")[0] == 354
    c.send(b"Subject: big\r\n\r\n" + (b"x" * 998 + b"\r\n") * 40 + b".\r\n")
    assert c.reply()[1] == ["552 5.3.4 Error: message file too big"]
    assert c.cmd("NOOP")[0] == 250  # the session goes on
    assert eml_files(tmp_path) == []


def test_overlong_command_line_is_refused_and_session_continues(bounceback, client_for):
    server = bounceback()
    c = client_for(server)
    c.reply()
    c.send("NOOP " + "x" * 5000 + "\r\n")
    assert c.reply()[1] == ["500 5.5.2 Error: line too long"]
    assert c.cmd("NOOP")[0] == 250


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(next(l for l in status if l.startswith("VmRSS")).split()[1])


def test_unterminated_huge_line_stays_bounded(bounceback, client_for):
    server = bounceback()
    c = client_for(server)
    c.reply()
    before = rss_kb(server.proc.pid)
    chunk = b"A" * 65536
    for _ in range(160):  # 10 MiB without a newline
        c.send(chunk)
    c.send(b"\r\n")
    assert c.reply()[0] == 500
    assert c.cmd("NOOP")[0] == 250
    growth = rss_kb(server.proc.pid) - before
    assert growth < 8 * 1024, f"RSS grew by {growth} KiB for a 10 MiB line"


@pytest.mark.parametrize("commands,expected", [
    (["MAIL FROM:<a@example.test>"], "503 5.5.1 Error: send HELO/EHLO first"),
    (["EHLO x.test", "RCPT TO:<b@example.test>"], "503 5.5.1 Error: need MAIL command"),
    (["EHLO x.test", "MAIL FROM:<a@example.test>", "DATA"], "503 5.5.1 Error: need RCPT command"),
    (["EHLO x.test", "MAIL FROM:<a@example.test>", "MAIL FROM:<a@example.test>"],
     "503 5.5.1 Error: nested MAIL command"),
    (["EHLO x.test", "MAIL FROM:<a@example.test> FOO=bar"], "555 5.5.4"),
    (["EHLO x.test", "MAIL FROM:a@@b"], "501 5.1.7"),
    (["HELO"], "501 5.5.4 Syntax: HELO hostname"),
    (["XYZZY"], "502 5.5.2 Error: command not recognized"),
    (["VRFY postmaster"], "252 2.0.0"),
    (["STARTTLS now"], "501 5.5.4"),
])
def test_sequence_and_syntax_errors(bounceback, client_for, commands, expected):
    server = bounceback()
    c = client_for(server)
    c.reply()
    for command in commands:
        code, lines = c.cmd(command)
    assert lines[-1].startswith(expected)
    assert c.cmd("NOOP")[0] == 250


def test_null_sender_and_smtputf8(bounceback, tmp_path):
    server = bounceback("--store-dir", str(tmp_path))
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.ehlo()
        assert s.mail("") == (250, b"2.1.0 Ok")
        assert s.rcpt("bob@example.test")[0] == 250
        assert s.data(b"Subject: bounce\r\n\r\nDSN\r\n")[0] == 250
        s.sendmail("j\u00f6rg@b\u00fccher.test", ["\u7528\u6237@\u4f8b\u5b50.test"],
                   "Subject: utf8\r\n\r\nh\u00e9\r\n".encode(), mail_options=["SMTPUTF8"])
    assert len(eml_files(tmp_path)) == 2


def test_dsn_parameters_are_kept(bounceback, client_for, tmp_path):
    server = bounceback("--store-dir", str(tmp_path))
    c = client_for(server)
    c.reply()
    c.cmd("EHLO dsn.test")
    assert c.cmd("MAIL FROM:<a@example.test> RET=HDRS ENVID=QQ314159")[0] == 250
    assert c.cmd("RCPT TO:<b@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@example.test")[0] == 250
    assert c.cmd("RCPT TO:<c@example.test> NOTIFY=NEVER,SUCCESS")[0] == 501
    c.cmd("DATA")
    assert c.cmd("Subject: dsn\r\n\r\nx\r\n.")[0] == 250


def test_bare_lf_cannot_smuggle_a_second_message(bounceback, client_for, tmp_path):
    server = bounceback("--store-dir", str(tmp_path))
    c = client_for(server)
    c.reply()
    c.cmd("EHLO smuggle.test")
    c.cmd("MAIL FROM:<a@example.test>")
    c.cmd("RCPT TO:<b@example.test>")
    c.cmd("DATA")
    c.send("Subject: one\r\n\r\nfirst\n.\nMAIL FROM:<evil@example.test>\r\n"
           "RCPT TO:<victim@example.test>\r\nDATA\r\n\r\nsmuggled\r\n.\r\n")
    code, lines = c.reply()
    assert code == 250
    assert c.cmd("QUIT")[0] == 221
    [eml] = eml_files(tmp_path)  # exactly one message, which contains the smuggling attempt
    assert b"MAIL FROM:<evil@example.test>" in eml.read_bytes()


def test_bare_lf_reject_policy(bounceback, client_for):
    server = bounceback("--bare-lf", "reject")
    c = client_for(server)
    c.reply()
    c.cmd("EHLO x.test")
    c.cmd("MAIL FROM:<a@example.test>")
    c.cmd("RCPT TO:<b@example.test>")
    c.cmd("DATA")
    assert c.cmd("Subject: x\n\nbare\r\n.")[1][0].startswith("550 5.6.0")


def test_hard_error_limit_closes_the_session(bounceback, client_for):
    server = bounceback("--max-errors", "5")
    c = client_for(server)
    c.reply()
    for _ in range(4):
        assert c.cmd("BOGUS")[0] == 502
    c.send("BOGUS\r\n")
    assert c.reply()[0] == 502
    code, lines = c.reply()
    assert code == 421 and lines[0].startswith("421 4.7.0")
    assert c.closed()


def test_idle_timeout(bounceback, client_for):
    server = bounceback("--idle-timeout", "1s")
    c = client_for(server)
    c.reply()
    start = time.monotonic()
    code, lines = c.reply()
    assert code == 421 and lines[0].startswith("421 4.4.2")
    assert 0.8 < time.monotonic() - start < 5
    assert c.closed()


def test_max_connections(bounceback, client_for):
    server = bounceback("--max-connections", "2")
    a, b = client_for(server), client_for(server)
    assert a.reply()[0] == 220 and b.reply()[0] == 220
    c = client_for(server)
    code, lines = c.reply()
    assert code == 421 and lines[0].startswith("421 4.7.0")
    assert c.closed()
    a.cmd("QUIT")
    assert a.closed()
    time.sleep(0.2)
    d = client_for(server)
    assert d.reply()[0] == 220


def test_ipv6_listener(bounceback):
    server = bounceback("--smtp", "[::1]:0")
    v6 = [int(p) for kind, p in
          __import__("re").findall(r"(smtp)=\[?::1\]?:(\d+)", server.log())]
    assert v6, server.log()
    with smtplib.SMTP("::1", v6[0]) as s:
        assert s.noop()[0] == 250


def test_swaks(bounceback, tmp_path):
    need_tool("swaks")
    server = bounceback("--store-dir", str(tmp_path))
    out = subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(server.smtp_port),
                          "--from", "swaks@example.test", "--to", "rcpt@example.test",
                          "--pipeline", "--header", "Subject: via swaks"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr
    [eml] = eml_files(tmp_path)
    assert b"Subject: via swaks" in eml.read_bytes()


def test_swaks_over_ipv6(bounceback, tmp_path):
    """An IPv6 listener, reached by swaks -6 (which needs IO::Socket::INET6)."""
    need_swaks("IPv6")
    server = bounceback("--smtp", "[::1]:0", "--store-dir", str(tmp_path))
    port = re.search(r"smtp=\[::1\]:(\d+)", server.log()).group(1)
    out = subprocess.run(["swaks", "-6", "--server", "::1", "--port", port, "--from",
                          "six@example.test", "--to", "rcpt@example.test", "--header",
                          "Subject: via IPv6"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr
    [eml] = eml_files(tmp_path)
    assert b"Subject: via IPv6" in eml.read_bytes()
    assert b"([IPv6:::1])" in eml.read_bytes()  # the Received header names the IPv6 client


def test_curl(bounceback, tmp_path):
    need_tool("curl")
    server = bounceback("--store-dir", str(tmp_path))
    mail = tmp_path / "mail.txt"
    mail.write_bytes(b"Subject: via curl\r\n\r\nhello from curl\r\n")
    out = subprocess.run(["curl", "-sS", f"smtp://127.0.0.1:{server.smtp_port}",
                          "--mail-from", "curl@example.test", "--mail-rcpt", "r@example.test",
                          "--upload-file", str(mail)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    [eml] = eml_files(tmp_path)
    assert strip_received(eml.read_bytes()) == mail.read_bytes()


def test_sigterm_lets_sessions_finish_then_closes_with_421(bounceback, client_for):
    server = bounceback("--shutdown-grace", "1s")
    c = client_for(server)
    c.reply()
    c.cmd("EHLO late.test")
    server.proc.send_signal(15)
    time.sleep(0.3)
    assert c.cmd("NOOP")[0] == 250  # within the grace period the session is served
    code, lines = c.reply()
    assert code == 421 and lines[0].startswith("421 4.3.2")
    assert server.proc.wait(10) == 0
