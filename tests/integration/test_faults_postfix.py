"""The MX's own faults against a real MTA (issue 17): a private Postfix relays one message per
recipient to Bounceback servers scripted with each fault, and its log says how it took each one:
what it delivered anyway, what it bounced with which code, what it deferred as a lost connection,
a timeout or a 421. Also what Postfix sends for the data: DATA, with CHUNKING advertised or not
(Postfix 3.7's SMTP client has no BDAT, so it has no BDAT -> DATA fallback to exercise)."""
import json
import os
import smtplib
import time

import pytest

from conftest import http_call, need_tool
from private_postfix import PrivatePostfix
from test_faults import put_scenario

RCPT_FAULTS = """name = "faults"
[[rule]]
on = "rcpt"
rcpt = "split@*"
split = [3, 10]
[[rule]]
on = "rcpt"
rcpt = "lines@*"
reply = ["250-2.1.5 first", "250-2.1.5 second", "250 2.1.5 Ok"]
line_pause = "300ms"
[[rule]]
on = "rcpt"
rcpt = "bare-lf@*"
malformed = "bare_lf"
[[rule]]
on = "rcpt"
rcpt = "long@*"
malformed = "long_line"
line_length = 4000
[[rule]]
on = "rcpt"
rcpt = "mixed@*"
reply = "550 5.1.1 User unknown"
malformed = "mixed_codes"
[[rule]]
on = "rcpt"
rcpt = "no-text@*"
reply = "550 5.1.1 User unknown"
malformed = "no_text"
[[rule]]
on = "rcpt"
rcpt = "no-final@*"
malformed = "no_final_line"
[[rule]]
on = "rcpt"
rcpt = "fin@*"
drop = true
[[rule]]
on = "rcpt"
rcpt = "rst@*"
drop = "reset"
[[rule]]
on = "rcpt"
rcpt = "shutdown@*"
shutdown_after = 1
"""

GREETINGS = {  # recipient -> the connect rule of a Bounceback of its own
    "slow-greeting": 'delay = "3s"',
    "greeting-421": 'reply = "421 4.3.2 mx.test Service not available"',
    "greeting-450": 'reply = "450 4.7.1 Come back later"',
    "greeting-554": 'reply = "554 5.7.1 No SMTP service here"',
}

# What Postfix made of each: its status, and words its log line must hold. Of note: it reads a
# reply line by line up to one without "-", so a reply that never ends swallows the next one
# (it pipelines MAIL, RCPT and DATA: DATA's 354 ends RCPT's reply, and a 3xx to RCPT bounces);
# it takes a reply's code from its last line; and it logs a reset as it logs a FIN.
EXPECTED = {
    "split": ("sent", "250 2.0.0 Ok: queued as"),
    "lines": ("sent", "250 2.0.0 Ok: queued as"),
    "bare-lf": ("sent", "250 2.0.0 Ok: queued as"),
    "long": ("sent", "250 2.0.0 Ok: queued as"),
    "mixed": ("bounced", "said: 550-5.1.1 User unknown 551 5.1.1 User unknown (in reply to RCPT TO"),
    "no-text": ("bounced", "said: 550 (in reply to RCPT TO command)"),
    "no-final": ("bounced", "said: 250-2.1.5 Ok 354 End data with <CR><LF>.<CR><LF> (in reply "
                            "to RCPT TO command)"),
    "fin": ("deferred", "lost connection with 127.0.0.1[127.0.0.1] while sending RCPT TO"),
    "rst": ("deferred", "lost connection with 127.0.0.1[127.0.0.1] while sending RCPT TO"),
    "shutdown": ("deferred", "said: 421 4.3.2 localhost Service shutting down, closing "
                             "transmission channel (in reply to DATA command)"),
    "slow-greeting": ("deferred", "timed out while receiving the initial server greeting"),
    "greeting-421": ("deferred", "refused to talk to me: 421 4.3.2 mx.test Service not available"),
    "greeting-450": ("deferred", "refused to talk to me: 450 4.7.1 Come back later"),
    "greeting-554": ("deferred", "refused to talk to me: 554 5.7.1 No SMTP service here"),
}


def need_postfix():
    need_tool("postfix")
    need_tool("postqueue")
    if os.geteuid() != 0:
        pytest.skip("a private Postfix instance needs root (its master drops to `postfix`)")


def send_each(postfix, recipients):
    with smtplib.SMTP("127.0.0.1", postfix.smtpd_port, timeout=30) as smtp:
        for rcpt in recipients:
            smtp.sendmail("app@sender.test", [rcpt],
                          f"From: app@sender.test\r\nTo: {rcpt}\r\nSubject: {rcpt}\r\n\r\nhi\r\n")


def wait_for_statuses(postfix, recipients, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        found = postfix.statuses()
        if all(r in found for r in recipients) or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def test_postfix_against_each_fault(bounceback):
    need_postfix()
    server = bounceback()
    put_scenario(server, RCPT_FAULTS)
    greeters = {}
    for local, action in GREETINGS.items():
        greeters[local] = bounceback()
        put_scenario(greeters[local], f'name = "{local}"\n[[rule]]\non = "connect"\n{action}\n')
    collector = bounceback()  # the bounces go there
    recipients = [f"{local}@example.test" for local in EXPECTED]
    # One transport (and so one queue) per recipient: a connection that fails for one never
    # holds up another. Short timeouts make the timeouts show within seconds.
    options = {"smtp_helo_timeout": "1s", "smtp_rcpt_timeout": "2s"}
    routes = {r: (f"t{i}", (greeters[r.split("@")[0]] if r.split("@")[0] in greeters
                            else server).smtp_port) for i, r in enumerate(recipients)}
    postfix = PrivatePostfix(server.smtp_port, collector.smtp_port, lifetime="5m",
                             routes=routes,
                             transports={name: options for name, _ in routes.values()})
    try:
        send_each(postfix, recipients)
        found = wait_for_statuses(postfix, recipients)
    finally:
        log = postfix.log()
        postfix.stop()
    for local, (status, words) in EXPECTED.items():
        said = found.get(f"{local}@example.test")
        assert said, f"{local}: nothing logged\n" + log[-4000:]
        assert said[0][0] == status and words in said[0][1], (local, said)
    # What was delivered anyway is in the store; nothing else is.
    status, _, body = http_call(server, "GET", "/api/v1/messages")
    got = sorted(m["to"][0].split("@")[0] for m in json.loads(body)["messages"])
    assert got == ["bare-lf", "lines", "long", "split"]


def test_postfix_sends_data_whether_chunking_is_advertised_or_not(bounceback):
    """Postfix 3.7's SMTP client has no BDAT (its BDAT support is smtpd's alone: the smtp
    binary does not contain the word), so it sends DATA to a server that advertises CHUNKING
    as to one that does not. Should a later Postfix send BDAT, this test says so: then it is
    the BDAT -> DATA fallback test, with the first assertion turned round."""
    need_postfix()
    chunking = bounceback()  # the default capability list advertises CHUNKING
    plain = bounceback()
    put_scenario(plain, 'name = "no-chunking"\n[server]\nextensions = ["SIZE", "PIPELINING", '
                        '"8BITMIME", "ENHANCEDSTATUSCODES", "DSN", "SMTPUTF8"]\n')
    collector = bounceback()
    postfix = PrivatePostfix(chunking.smtp_port, collector.smtp_port, lifetime="5m",
                             routes={"user@plain.test": ("plain", plain.smtp_port)},
                             transports={"plain": {}})
    try:
        send_each(postfix, ["user@chunking.test", "user@plain.test"])
        found = wait_for_statuses(postfix, ["user@chunking.test", "user@plain.test"])
    finally:
        log = postfix.log()
        postfix.stop()
    for rcpt in ("user@chunking.test", "user@plain.test"):
        assert found.get(rcpt, [("", "")])[0][0] == "sent", (rcpt, found, log[-3000:])
    assert "CHUNKING" in server_lines(chunking) and "CHUNKING" not in server_lines(plain)
    for server in (chunking, plain):
        commands = client_commands(server)
        assert "DATA" in commands and "BDAT" not in commands, commands


def sessions(server):
    status, _, body = http_call(server, "GET", "/api/v1/sessions")
    assert status == 200, body
    for summary in json.loads(body)["sessions"]:
        status, _, one = http_call(server, "GET", f"/api/v1/sessions/{summary['id']}")
        assert status == 200, one
        yield json.loads(one)


def client_commands(server):
    """The first word of every line the clients sent, in order."""
    return [line["line"].split(" ")[0].upper() for s in sessions(server)
            for line in s["transcript"] if line["dir"] == "in"]


def server_lines(server):
    return "\n".join(line["line"] for s in sessions(server)
                     for line in s["transcript"] if line["dir"] == "out")
