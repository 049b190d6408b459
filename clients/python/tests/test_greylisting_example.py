"""docs/fixtures.md's example: a mailer that retries (here smtplib by hand) against a
greylisting MX, and the test asserts the attempts and the gap between them."""
import smtplib

import pytest


def send(server, rcpt):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
        smtp.sendmail("app@example.test", [rcpt], f"To: {rcpt}\r\nSubject: Welcome\r\n\r\nHi\r\n")


def test_retry_after_greylisting(bounceback):
    bounceback.client.use_scenario("greylisting")  # 451 first, a retry after 60s passes

    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(bounceback, "user@example.test")
    assert refused.value.recipients["user@example.test"][0] == 451

    bounceback.client.advance_clock("61s")  # instead of waiting a minute
    send(bounceback, "user@example.test")

    attempts = bounceback.client.attempts(rcpt="user@example.test").items
    assert [a.outcome for a in attempts] == ["refused", "accepted"]
    assert attempts[0].reply.startswith("451 4.7.1")
    assert attempts[0].gap_ms is None and attempts[1].gap_ms >= 61_000
    assert bounceback.client.wait_for(to="user@example.test").subject == "Welcome"
