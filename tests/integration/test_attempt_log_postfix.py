"""The attempt log and the store against what a real Postfix logged (issue 14): a private
Postfix relays one message through Bounceback, whose first final reply comes later than
Postfix's smtp_data_done_timeout. Postfix gives up ("timed out while sending end of data --
message may be sent more than once"), defers, retries and is accepted. Bounceback stored the
message at both attempts (the data was complete both times: a duplicate, as Postfix warns)
and its attempt log says so: the first 250 written after Postfix had left (client_gone), the
second accepted, with the queue id Postfix logged."""
import datetime
import json
import os
import re
import smtplib
import time

import pytest

from conftest import http_call, need_tool
from private_postfix import PrivatePostfix

# The first message of a client is answered 4 s late; later ones at once (the exemption
# matches once the client has had more than one message in the hour).
SCENARIO = """name = "late-once"
[[rule]]
on = "message"
rate_limit = { max = 1, per = "1h" }

[[rule]]
on = "message"
delay = "4s"
"""


def when(stamp):
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_postfix_timing_out_on_a_late_250_matches_the_log_and_the_store(bounceback):
    need_tool("postfix")
    need_tool("postqueue")
    if os.geteuid() != 0:
        pytest.skip("a private Postfix instance needs root (its master drops to `postfix`)")
    server = bounceback()
    status, _, body = http_call(server, "PUT", "/api/v1/scenario", body=SCENARIO)
    assert status == 200, body
    collector = bounceback()  # Postfix's delay warnings go there
    postfix = PrivatePostfix(server.smtp_port, collector.smtp_port, lifetime="5m")
    try:
        postfix.run("postconf", "-c", postfix.dir, "-e", "smtp_data_done_timeout=1s")
        postfix.run("postfix", "-c", postfix.dir, "reload")
        time.sleep(0.5)
        with smtplib.SMTP("127.0.0.1", postfix.smtpd_port, timeout=30) as smtp:
            smtp.sendmail("app@sender.test", ["user@example.test"],
                          "From: app@sender.test\r\nTo: user@example.test\r\n"
                          "Subject: late\r\n\r\nhello\r\n")
        deadline = time.monotonic() + 60
        said = []
        while time.monotonic() < deadline:
            said = postfix.statuses().get("user@example.test", [])
            if any(s == "sent" for s, _ in said):
                break
            time.sleep(0.2)
    finally:
        log = postfix.log()
        postfix.stop()
    assert [s for s, _ in said] == ["deferred", "sent"], log[-3000:]
    assert "timed out while sending end of data" in said[0][1], said
    assert "message may be sent more than once" in said[0][1], said
    queue_id = re.search(r"queued as (\S+)\)?$", said[1][1]).group(1).rstrip(")")

    # The store holds both copies: Postfix sent the message twice.
    status, _, body = http_call(server, "GET", "/api/v1/messages?to=user@example.test")
    assert status == 200 and json.loads(body)["total"] == 2, body

    # The log: the first 250 was written 4 s after the message, to a Postfix gone after 1 s.
    deadline = time.monotonic() + 10
    while True:
        status, _, body = http_call(server, "GET", "/api/v1/attempts?rcpt=user@example.test")
        got = json.loads(body)["attempts"]
        if got and got[0]["sent_at"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert [(a["outcome"], a["stage"], a["stored"], a["client_gone"]) for a in got] == [
        ("dropped", "message", True, True), ("accepted", "message", True, False)], got
    first, second = got
    assert first["reply"].startswith("250 2.0.0 Ok: queued as ")
    assert first["session_id"] != second["session_id"]
    assert second["reply"] == f"250 2.0.0 Ok: queued as {queue_id}"
    assert (when(first["sent_at"]) - when(first["at"])).total_seconds() >= 3.9
    # `at` is the RCPT's time, `sent_at` that of the 250 after the data Postfix pipelines behind
    # it: the same millisecond on a quiet machine, not always on a loaded one.
    assert 0 <= (when(second["sent_at"]) - when(second["at"])).total_seconds() < 0.5
