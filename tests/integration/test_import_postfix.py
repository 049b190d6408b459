"""`bounceback import` end to end (issue 18): a private Postfix relays through a Bounceback
whose scenario greylists, refuses after the data once, bounces with 550s (one multi-line),
drops the connection at RCPT once and goes silent after the data once;
Postfix's log is fed to `bounceback import`; `bounceback check` accepts the result; a fresh
Bounceback loads it, a fresh Postfix sends the same traffic through it, and its log says the
same thing for every recipient: the same deferred/bounced/sent sequence, dsn= codes and texts
(queue ids aside). The DSNs that Postfix wrote for its bounces, imported, give the same
replies at the same stages."""
import json
import os
import re
import smtplib
import subprocess
import time

import pytest

from conftest import BIN, http_call, need_tool
from private_postfix import PrivatePostfix

# The production-like behaviour: Postgrey-style greylisting (the number of 451s depends on
# Postfix's retry timing), a Gmail-style multi-line 550, a policy 550, one refusal after the
# data, and a permanent refusal after the data.
ORIGINAL = """name = "production"
[[rule]]
on = "rcpt"
rcpt = "grey@example.test"
greylist = { retry_after = "2s" }
reply = "451 4.7.1 <{rcpt}>: Recipient address rejected: Greylisted, see http://postgrey.example/{rcpt_domain}.html"

[[rule]]
on = "rcpt"
rcpt = "nosuch@example.test"
reply = ["550-5.1.1 The email account that you tried to reach does not exist. Please try",
         "550-5.1.1 double-checking the recipient's email address for typos or",
         "550 5.1.1  unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser - gsmtp"]

[[rule]]
on = "rcpt"
rcpt = "blocked@example.test"
reply = "550 5.7.1 <{rcpt}>: Recipient address rejected: Access denied"

[[rule]]
on = "message"
rcpt = "late@example.test"
attempts = "1"
reply = "451 4.3.0 Temporary failure after the data, try again"

[[rule]]
on = "message"
rcpt = "spam@example.test"
reply = "554 5.7.1 Message rejected as spam by content filter"

[[rule]]
on = "rcpt"
rcpt = "drop@example.test"
attempts = "1"
drop = true

[[rule]]
on = "message"
rcpt = "hang@example.test"
attempts = "1"
hang = true
"""

RECIPIENTS = ["grey@example.test", "nosuch@example.test", "blocked@example.test",
              "late@example.test", "spam@example.test", "fine@example.test",
              "drop@example.test", "hang@example.test"]
# A lost connection or a timeout suspends a destination for a while: those two recipients go
# through transports of their own, so the others never see "delivery temporarily suspended".
FAULTY = {"drop@example.test": "dropper", "hang@example.test": "hanger"}
TRANSPORTS = {"dropper": {}, "hanger": {"smtp_data_done_timeout": "2s"}}


def run_traffic(relay_port, collector_port):
    """Sends one message per recipient through a fresh Postfix relaying to relay_port; returns
    (log text, {rcpt: [(status, dsn, text without queue ids)]}) once each has a final status."""
    postfix = PrivatePostfix(relay_port, collector_port, lifetime="2m",
                             routes={r: (t, relay_port) for r, t in FAULTY.items()},
                             transports=TRANSPORTS)
    try:
        for rcpt in RECIPIENTS:
            with smtplib.SMTP("127.0.0.1", postfix.smtpd_port, timeout=30) as smtp:
                smtp.sendmail("app@sender.test", [rcpt],
                              f"From: app@sender.test\r\nTo: {rcpt}\r\nSubject: import\r\n\r\nhi\r\n")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            seen = statuses(postfix.log())
            if all(any(s in ("sent", "bounced") for s, _, _ in seen.get(r, [])) for r in RECIPIENTS):
                break
            time.sleep(0.3)
        log = postfix.log()
    finally:
        postfix.stop()
    return log, statuses(log)


def statuses(log):
    found = {}
    for m in re.finditer(r" to=<([^>]*)>,.*? dsn=([\d.]+), status=(\w+) \((.*)\)$", log, re.M):
        text = re.sub(r"queued as \S+\)?", "queued as ID", m.group(4))
        found.setdefault(m.group(1).lower(), []).append((m.group(3), m.group(2), text))
    return found


def test_a_postfix_log_imported_reproduces_the_same_log(bounceback, tmp_path):
    need_tool("postfix")
    need_tool("postqueue")
    if os.geteuid() != 0:
        pytest.skip("a private Postfix instance needs root (its master drops to `postfix`)")
    original_file = tmp_path / "production.toml"
    original_file.write_text(ORIGINAL)
    original = bounceback("--scenario", str(original_file))
    collector = bounceback()  # the DSNs Postfix sends go there
    log, first = run_traffic(original.smtp_port, collector.smtp_port)

    # What production looked like: greylisted then sent, the 550s bounced at RCPT, the
    # message refused once after the data, the spam refused after the data.
    assert [s for s, _, _ in first["grey@example.test"]][-1] == "sent", log[-4000:]
    assert first["grey@example.test"][0][0] == "deferred", first
    assert [s for s, _, _ in first["late@example.test"]] == ["deferred", "sent"], first
    assert "(in reply to end of DATA command)" in first["late@example.test"][0][2]
    assert [s for s, _, _ in first["nosuch@example.test"]] == ["bounced"], first
    assert "550-5.1.1 double-checking" in first["nosuch@example.test"][0][2]
    assert [s for s, _, _ in first["spam@example.test"]] == ["bounced"], first
    assert [s for s, _, _ in first["drop@example.test"]] == ["deferred", "sent"], first
    assert "lost connection with 127.0.0.1[127.0.0.1] while sending RCPT TO" in \
        first["drop@example.test"][0][2]
    assert [s for s, _, _ in first["hang@example.test"]] == ["deferred", "sent"], first
    assert "timed out while sending end of data" in first["hang@example.test"][0][2]

    # The DSNs this Postfix wrote for its bounces, imported: the same replies at the same stages.
    status, _, body = http_call(collector, "GET", "/api/v1/messages?limit=100")
    assert status == 200
    bounces = []
    for m in json.loads(body)["messages"]:
        if m["subject"].startswith("Undelivered Mail Returned to Sender"):
            _, _, raw = http_call(collector, "GET", f"/api/v1/messages/{m['id']}/raw")
            path = tmp_path / f"bounce-{len(bounces)}.eml"
            path.write_bytes(raw)
            bounces.append(str(path))
    assert len(bounces) == 3, body  # nosuch, blocked, spam
    res = subprocess.run([BIN, "import", *bounces], capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    rules = {}  # recipient: (stage, reply) of its rule
    for rule in res.stdout.split("[[rule]]")[1:]:
        rcpt = re.search(r'rcpt = "([^"]+)"', rule).group(1)
        stage = re.search(r'on = "(\w+)"', rule).group(1)
        reply = re.search(r"reply = (.*)", rule, re.S).group(1).split("\n\n")[0].strip()
        rules[rcpt] = (stage, reply)
    assert rules == {
        "nosuch@example.test": ("rcpt", '["550-5.1.1 The email account that you tried to reach '
                                "does not exist. Please try\",\n         \"550-5.1.1 double-"
                                "checking the recipient's email address for typos or\",\n"
                                '         "550 5.1.1  unnecessary spaces. https://support.google'
                                '.com/mail/?p=NoSuchUser - gsmtp"]'),
        "blocked@example.test": ("rcpt", '"550 5.7.1 <blocked@example.test>: Recipient address '
                                 'rejected: Access denied"'),
        "spam@example.test": ("message", '"554 5.7.1 Message rejected as spam by content '
                              'filter"'),
    }, res.stdout

    maillog = tmp_path / "maillog"
    maillog.write_text(log)
    out = tmp_path / "imported.toml"
    res = subprocess.run([BIN, "import", str(maillog), "-o", str(out)], capture_output=True,
                         text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    assert "lines skipped" in res.stderr
    imported = out.read_text()
    assert re.search(r"\[\[rule\]\]  # .*maillog:\d+", imported), imported
    assert 'hostname = "127.0.0.1"' in imported, imported
    assert "drop = true" in imported and "hang = true" in imported, imported
    res = subprocess.run([BIN, "check", str(out)], capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stdout + res.stderr

    # A fresh Bounceback with the imported scenario, the same traffic from a fresh Postfix.
    replay = bounceback("--scenario", str(out))
    collector2 = bounceback()
    log2, second = run_traffic(replay.smtp_port, collector2.smtp_port)
    for rcpt in RECIPIENTS:
        got, want = second.get(rcpt, []), first.get(rcpt, [])
        assert got == want, f"{rcpt}\nimported:\n{imported}\nreplay log:\n{log2[-4000:]}"
