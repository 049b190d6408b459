"""Recipe: a pytest fixture that runs Bounceback for your mailer's tests (docs/recipes.md).

Self-contained on purpose, so it can be copied into another project: it starts the binary
on free ports, reads the bound ports from the "ready" log line, sends with smtplib and checks
with urllib. Point BOUNCEBACK_BIN at the binary (default: `bounceback` on PATH).
"""
import json
import os
import re
import signal
import smtplib
import subprocess
import threading
import urllib.error
import urllib.request

import pytest

BOUNCEBACK = os.environ.get("BOUNCEBACK_BIN", "bounceback")


class Bounceback:
    def __init__(self, proc, smtp_port, http_port):
        self.proc, self.smtp_port, self.http_port = proc, smtp_port, http_port
        self.api = f"http://127.0.0.1:{http_port}"

    def get(self, path):
        with urllib.request.urlopen(self.api + path, timeout=15) as r:
            return json.load(r)

    def put_scenario(self, toml_text):
        req = urllib.request.Request(self.api + "/api/v1/scenario", data=toml_text.encode(),
                                     method="PUT")
        with urllib.request.urlopen(req, timeout=15) as r:
            return json.load(r)

    def wait_for(self, to, timeout="5s"):
        """The newest message to `to`, waiting up to `timeout` for it (None on 408)."""
        try:
            return self.get(f"/api/v1/messages/wait?to={to}&timeout={timeout}")
        except urllib.error.HTTPError as e:
            if e.code == 408:
                return None
            raise


@pytest.fixture
def mx():
    proc = subprocess.Popen([BOUNCEBACK, "serve", "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0"],
                            stderr=subprocess.PIPE, text=True)
    ports = {}
    for line in proc.stderr:  # e.g. '... msg=ready listeners="smtp=127.0.0.1:40123,http=127.0.0.1:40124"'
        if " msg=ready " in line:
            ports = dict(re.findall(r"\b(smtp|http)=[^\s,\"]*:(\d+)", line))
            break
    assert "smtp" in ports and "http" in ports, "bounceback did not start"
    # Keep reading the log, or the server blocks once the pipe is full.
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
    yield Bounceback(proc, int(ports["smtp"]), int(ports["http"]))
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(15) == 0


# ---- what tests of a mailer look like with it -------------------------------------------

def test_welcome_mail_is_delivered(mx):
    with smtplib.SMTP("127.0.0.1", mx.smtp_port, timeout=10) as s:  # your mailer, configured
        s.sendmail("app@example.test", ["new-user@example.test"],  # to use mx.smtp_port
                   b"Subject: Welcome!\r\n\r\nHello.\r\n")
    message = mx.wait_for("new-user@example.test")
    assert message["subject"] == "Welcome!"
    raw = urllib.request.urlopen(f"{mx.api}/api/v1/messages/{message['id']}/raw").read()
    assert raw.endswith(b"Hello.\r\n")


def test_a_hard_bounce_is_reported(mx):
    # Address-encoded reply, no scenario needed: this recipient gets 550 5.1.1.
    with smtplib.SMTP("127.0.0.1", mx.smtp_port, timeout=10) as s:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            s.sendmail("app@example.test", ["550-5.1.1@reply.test"], b"Subject: x\r\n\r\nx\r\n")
    code, text = refused.value.recipients["550-5.1.1@reply.test"]
    assert code == 550 and text.startswith(b"5.1.1")


def test_greylisting_is_retried(mx):
    mx.put_scenario('[[rule]]\non = "rcpt"\ngreylist = { retry_after = "1m" }\n'
                    'reply = "451 4.7.1 Greylisted, try again later"\n')

    def attempt():
        with smtplib.SMTP("127.0.0.1", mx.smtp_port, timeout=10) as s:
            s.ehlo("app.example.test")
            s.mail("app@example.test")
            return s.rcpt("user@example.test")[0]

    assert attempt() == 451
    req = urllib.request.Request(mx.api + "/api/v1/clock/advance?by=2m", method="POST")
    urllib.request.urlopen(req, timeout=15).read()  # no need to really wait a minute
    assert attempt() == 250
    replies = [a["reply"][:3] for a in mx.get("/api/v1/attempts?rcpt=user@example.test")["attempts"]]
    assert replies == ["451", "250"]
