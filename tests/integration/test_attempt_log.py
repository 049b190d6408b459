"""The attempt log tells what the client got (issue 14): Python smtplib on a real socket against
the real binary, then GET /api/v1/attempts. RCPTs dropped or hung are in it with no reply; a
transaction dropped, hung or ended by a 421 leaves its earlier recipients "not accepted" with
the reply they last got; refusals before RCPT (connect, HELO, MAIL) are in it per client."""
import datetime
import json
import smtplib
import socket
import subprocess
import time
import urllib.parse

import pytest

from conftest import http_call, need_tool

SCENARIO = """name = "faults"
[[rule]]
on = "connect"
client_ip = "127.0.0.1/32"
attempts = "1"
reply = "421 4.3.2 Service not available, try later"

[[rule]]
on = "mail"
from = "blocked@*"
reply = "550 5.7.1 Sender blocked"

[[rule]]
on = "rcpt"
rcpt = "drop@*"
drop = true

[[rule]]
on = "rcpt"
rcpt = "hang@*"
hang = true

[[rule]]
on = "rcpt"
rcpt = "busy@*"
reply = "421 4.3.2 Too busy, closing"

[[rule]]
on = "rcpt"
rcpt = "flaky@*"
attempts = "1"
drop = true

[[rule]]
on = "data"
from = "data-drop@*"
drop = true

[[rule]]
on = "message"
from = "message-hang@*"
hang = true
"""


@pytest.fixture
def server(bounceback):
    s = bounceback()
    code, _, body = http_call(s, "PUT", "/api/v1/scenario", body=SCENARIO)
    assert code == 200, body
    # The connect rule refuses the first connection of 127.0.0.1; the tests start after it.
    with pytest.raises(smtplib.SMTPConnectError) as refused:
        smtplib.SMTP("127.0.0.1", s.smtp_port, timeout=10)
    assert refused.value.smtp_code == 421
    return s


def attempts(server, **query):
    code, _, body = http_call(server, "GET", "/api/v1/attempts?" + urllib.parse.urlencode(query))
    assert code == 200, body
    return json.loads(body)["attempts"]


def client(server, sender, timeout=10):
    s = smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=timeout)
    s.ehlo("client.test")
    assert s.mail(sender)[0] == 250
    return s


def test_a_dropped_rcpt_is_logged_and_so_is_its_transaction(server):
    s = client(server, "app@example.test")
    assert s.rcpt("first@example.test")[0] == 250
    with pytest.raises(smtplib.SMTPServerDisconnected):
        s.rcpt("drop@example.test")
    s.close()
    got = attempts(server, **{"from": "app@example.test"})
    assert [(a["rcpt"], a["reply"], a["outcome"], a["stage"]) for a in got] == [
        ("first@example.test", "250 2.1.5 Ok", "dropped", "rcpt"),
        ("drop@example.test", None, "dropped", "rcpt")]


def test_a_hung_rcpt_is_logged_with_no_reply(server):
    s = client(server, "app@example.test", timeout=1)
    assert s.rcpt("first@example.test")[0] == 250
    with pytest.raises(smtplib.SMTPServerDisconnected, match="timed out"):  # no reply at all
        s.rcpt("hang@example.test")
    s.close()
    got = attempts(server, rcpt="*@example.test")
    assert [(a["rcpt"], a["reply"], a["outcome"]) for a in got] == [
        ("first@example.test", "250 2.1.5 Ok", "hung"),
        ("hang@example.test", None, "hung")]


def test_a_421_on_another_recipient_ends_the_transaction(server):
    s = client(server, "app@example.test")
    assert s.rcpt("first@example.test")[0] == 250
    code, text = s.rcpt("busy@example.test")
    assert code == 421
    s.close()
    got = attempts(server, **{"from": "app@example.test"})
    assert [(a["rcpt"], a["reply"], a["outcome"]) for a in got] == [
        ("first@example.test", "421 4.3.2 Too busy, closing", "refused"),
        ("busy@example.test", "421 4.3.2 Too busy, closing", "refused")]


@pytest.mark.parametrize("sender, stage, outcome, seen, stored", [
    ("data-drop@example.test", "data", "dropped", "closed$", 0),
    ("message-hang@example.test", "message", "hung", "timed out", 1)])
def test_a_transaction_dropped_or_hung_after_rcpt_was_not_accepted(server, sender, stage,
                                                                    outcome, seen, stored):
    with pytest.raises(smtplib.SMTPServerDisconnected, match=seen):
        with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=1) as s:
            s.sendmail(sender, ["a@example.test", "b@example.test"], b"Subject: x\r\n\r\nhi\r\n")
    got = attempts(server, **{"from": sender})
    assert [(a["rcpt"], a["reply"], a["outcome"], a["stage"], a["stored"]) for a in got] == [
        ("a@example.test", "250 2.1.5 Ok", outcome, stage, bool(stored)),
        ("b@example.test", "250 2.1.5 Ok", outcome, stage, bool(stored))]
    # A hang after the message stores it (the data was complete): the client cannot know.
    code, _, body = http_call(server, "GET", "/api/v1/messages")
    assert json.loads(body)["total"] == stored


def test_a_retry_after_a_drop_is_accepted_with_its_gap(server):
    rcpt = "flaky@example.test"
    with pytest.raises(smtplib.SMTPServerDisconnected):
        with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
            s.sendmail("app@example.test", [rcpt], b"Subject: x\r\n\r\nhi\r\n")
    time.sleep(0.05)
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.sendmail("app@example.test", [rcpt], b"Subject: x\r\n\r\nhi\r\n")
    got = attempts(server, rcpt=rcpt)
    assert [(a["reply"], a["outcome"]) for a in got] == [(None, "dropped"),
                                                         (got[1]["reply"], "accepted")]
    assert got[1]["reply"].startswith("250 2.0.0 Ok: queued as ")
    assert got[0]["gap_ms"] is None and got[1]["gap_ms"] >= 40


def test_refusals_before_rcpt_are_logged_per_client(server):
    # The fixture's connection got 421 at connect; a MAIL refusal follows on a new one.
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo("client.test")
        assert s.mail("blocked@example.test")[0] == 550
        assert s.mail("app@example.test")[0] == 250
        assert s.rcpt("ok@example.test")[0] == 250
    got = attempts(server, client_ip="127.0.0.1")
    assert [(a["stage"], a["from"], a["rcpt"], a["outcome"]) for a in got] == [
        ("connect", "", "", "refused"),
        ("mail", "blocked@example.test", "", "refused"),
        ("quit", "app@example.test", "ok@example.test", "abandoned")]  # QUIT, no DATA
    assert got[0]["reply"] == "421 4.3.2 Service not available, try later"
    assert got[1]["reply"] == "550 5.7.1 Sender blocked"
    assert got[0]["gap_ms"] is None and got[1]["gap_ms"] is None  # another series
    assert attempts(server, client_ip="192.0.2.1") == []
    # A sender filter finds that sender's MAIL refusal too.
    assert [a["stage"] for a in attempts(server, **{"from": "blocked@example.test"})] == ["mail"]


def test_hang_outlasts_a_half_close(bounceback):
    """Exim pipelines QUIT after the RCPT, then shuts its write side: the hung server must not
    answer that by closing, only when the idle deadline passes."""
    server = bounceback("--idle-timeout", "3s")
    code, _, body = http_call(server, "PUT", "/api/v1/scenario",
                              body='[[rule]]\non = "rcpt"\nrcpt = "hang@*"\nhang = true\n')
    assert code == 200, body
    s = client(server, "exim@example.test")
    s.send("RCPT TO:<hang@example.test>\r\nQUIT\r\n")
    s.sock.shutdown(socket.SHUT_WR)
    started = time.monotonic()
    s.sock.settimeout(1.5)
    with pytest.raises(socket.timeout):  # still open, and silent
        s.sock.recv(100)
    s.sock.settimeout(10)
    assert s.sock.recv(100) == b""  # closed, without a word, at the idle deadline
    assert 2.5 <= time.monotonic() - started < 8
    s.close()
    got = attempts(server, rcpt="hang@example.test")
    assert [(a["reply"], a["outcome"]) for a in got] == [(None, "hung")]
    # Shutdown grants such a connection no grace period: it would never finish.
    s = client(server, "exim@example.test")
    s.send("RCPT TO:<hang@example.test>\r\nQUIT\r\n")
    s.sock.shutdown(socket.SHUT_WR)
    time.sleep(0.3)
    started = time.monotonic()
    assert server.stop() == 0
    assert time.monotonic() - started < 3  # --shutdown-grace is 5 s
    s.close()


# ---- send times, final outcomes, the server's own refusals, what is stored (issue 14) --------

TIMING = """name = "timing"
[[rule]]
on = "rcpt"
rcpt = "slow@*"
delay = "2s"

[[rule]]
on = "message"
from = "message-drop@*"
drop = true

[[rule]]
on = "message"
from = "message-hang@*"
hang = true

[[rule]]
on = "message"
from = "message-slow@*"
delay = "2s"
"""


@pytest.fixture
def timing(bounceback):
    s = bounceback("--max-recipients", "2")
    code, _, body = http_call(s, "PUT", "/api/v1/scenario", body=TIMING)
    assert code == 200, body
    return s


def when(stamp):
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def settled(server, predicate, **query):
    """The attempts once `predicate` holds for all of them (a late reply is logged when it is
    written, after the client has gone)."""
    deadline = time.monotonic() + 10
    while True:
        got = attempts(server, **query)
        if got and all(predicate(a) for a in got) or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def stored(server):
    code, _, body = http_call(server, "GET", "/api/v1/messages")
    assert code == 200, body
    return json.loads(body)["total"]


def test_a_reply_later_than_the_clients_timeout_reached_no_one(timing):
    s = client(timing, "app@example.test", timeout=0.7)
    assert s.rcpt("first@example.test")[0] == 250
    with pytest.raises((socket.timeout, TimeoutError, smtplib.SMTPServerDisconnected)):
        s.rcpt("slow@example.test")
    s.close()  # smtplib gives up: the 250 comes 1.3 s after it left
    got = settled(timing, lambda a: a["sent_at"] and a["outcome"] != "pending",
                  **{"from": "app@example.test"})
    first, slow = got
    assert (slow["rcpt"], slow["reply"], slow["outcome"], slow["client_gone"]) == (
        "slow@example.test", "250 2.1.5 Ok", "dropped", True)
    assert 1.9 <= (when(slow["sent_at"]) - when(slow["at"])).total_seconds() < 5
    # The transaction ended with the client; its earlier recipient's reply did reach it.
    assert (first["outcome"], first["client_gone"], first["stage"]) == ("dropped", False, "rcpt")
    assert first["sent_at"] == first["at"]


def test_a_late_reply_the_client_waits_for_is_stamped_when_sent(timing):
    with client(timing, "patient@example.test", timeout=10) as s:
        started = time.monotonic()
        assert s.rcpt("slow@example.test")[0] == 250
        assert time.monotonic() - started >= 1.9
        assert s.rset()[0] == 250
    [got] = attempts(timing, **{"from": "patient@example.test"})
    assert (got["outcome"], got["stage"], got["client_gone"]) == ("abandoned", "rset", False)
    assert 1.9 <= (when(got["sent_at"]) - when(got["at"])).total_seconds() < 5


def test_rset_and_quit_abandon_the_transaction(timing):
    with client(timing, "rset@example.test") as s:
        assert s.rcpt("a@example.test")[0] == 250
        assert s.rset()[0] == 250
        assert s.mail("quit@example.test")[0] == 250
        assert s.rcpt("b@example.test")[0] == 250
        assert s.mail("nested@example.test")[0] == 503  # the transaction stays open
        # Still open: only that is pending.
        assert [a["outcome"] for a in attempts(timing, rcpt="b@example.test")] == ["pending"]
    got = attempts(timing)
    assert [(a["from"], a["rcpt"], a["outcome"], a["stage"]) for a in got] == [
        ("rset@example.test", "a@example.test", "abandoned", "rset"),
        ("quit@example.test", "b@example.test", "abandoned", "quit"),
        # The server's own MAIL refusal, under the sender it refused.
        ("nested@example.test", "", "refused", "mail")]


def test_swaks_quitting_after_rcpt_abandons(timing):
    swaks = need_tool("swaks")
    out = subprocess.run([swaks, "--server", "127.0.0.1", "--port", str(timing.smtp_port),
                          "--from", "swaks@example.test", "--to", "c@example.test",
                          "--quit-after", "RCPT"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr
    got = attempts(timing, **{"from": "swaks@example.test"})
    assert [(a["rcpt"], a["reply"], a["outcome"], a["stage"]) for a in got] == [
        ("c@example.test", "250 2.1.5 Ok", "abandoned", "quit")]


def test_the_servers_own_rcpt_refusals_are_attempts(timing):
    with client(timing, "own@example.test") as s:
        assert s.docmd("RCPT", "TO:<bad address>")[0] == 501
        assert s.rcpt("one@example.test")[0] == 250
        assert s.rcpt("two@example.test")[0] == 250
        code, text = s.rcpt("three@example.test")  # --max-recipients 2
        assert (code, text[:5]) == (452, b"4.5.3")
        s.rset()
    got = attempts(timing, **{"from": "own@example.test"})
    assert [(a["rcpt"], a["reply"][:9], a["outcome"]) for a in got] == [
        ("TO:<bad address>", "501 5.1.3", "refused"),
        ("one@example.test", "250 2.1.5", "abandoned"),
        ("two@example.test", "250 2.1.5", "abandoned"),
        ("three@example.test", "452 4.5.3", "refused")]
    assert all(a["sent_at"] == a["at"] for a in got)


def test_swaks_sees_a_452_that_the_log_has(timing):
    swaks = need_tool("swaks")
    out = subprocess.run([swaks, "--server", "127.0.0.1", "--port", str(timing.smtp_port),
                          "--from", "many@example.test",
                          "--to", "r1@example.test,r2@example.test,r3@example.test"],
                         capture_output=True, text=True, timeout=30)
    assert "452 4.5.3" in out.stdout, out.stdout
    got = attempts(timing, **{"from": "many@example.test"})
    assert [(a["rcpt"], a["outcome"], a["stored"]) for a in got] == [
        ("r1@example.test", "accepted", True), ("r2@example.test", "accepted", True),
        ("r3@example.test", "refused", False)]


@pytest.mark.parametrize("sender, seen, outcome, gone", [
    ("message-drop@example.test", smtplib.SMTPServerDisconnected, "dropped", False),
    ("message-hang@example.test", (smtplib.SMTPServerDisconnected, socket.timeout, TimeoutError),
     "hung", False),
    ("message-slow@example.test", (smtplib.SMTPServerDisconnected, socket.timeout, TimeoutError),
     "dropped", True)])
def test_a_message_the_client_never_heard_of_is_stored_each_time(timing, sender, seen,
                                                                  outcome, gone):
    """drop, hang and a delay past the client's timeout at `message`: each attempt's message is
    stored (the data was complete) and the client, not knowing, sends it again: duplicates."""
    for _ in range(2):
        with pytest.raises(seen):
            with smtplib.SMTP("127.0.0.1", timing.smtp_port, timeout=0.7) as s:
                s.sendmail(sender, ["u@example.test"], b"Subject: dup\r\n\r\nhi\r\n")
    got = settled(timing, lambda a: a["outcome"] == outcome, **{"from": sender})
    assert [(a["outcome"], a["stage"], a["stored"], a["client_gone"]) for a in got] == [
        (outcome, "message", True, gone)] * 2
    assert stored(timing) == 2
    if gone:  # the 250 was written, 2 s after the message, to no one
        assert all(a["reply"].startswith("250 2.0.0 Ok: queued as ") for a in got)
    else:
        assert all(a["reply"] == "250 2.1.5 Ok" for a in got)


def test_a_delayed_250_the_client_waits_for_is_accepted_once(timing):
    with smtplib.SMTP("127.0.0.1", timing.smtp_port, timeout=10) as s:
        s.sendmail("message-slow@example.test", ["u@example.test"], b"Subject: x\r\n\r\nhi\r\n")
    [got] = attempts(timing, **{"from": "message-slow@example.test"})
    assert (got["outcome"], got["stored"], got["client_gone"]) == ("accepted", True, False)
    assert stored(timing) == 1
