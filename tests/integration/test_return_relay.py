"""--return-relay: every generated message is also delivered over SMTP to the relay (here a
second Bounceback, a real SMTP server): a 4xx is retried with back-off, a 5xx given up, a relay
that is down is retried then given up, each outcome logged and counted in /metrics, and the
generated message stays in the first server's capture whatever happens; the relay may be named
(resolved at each attempt) and is reached over STARTTLS when it offers it (--return-relay-tls
may, encrypt, verify, none: the receiving Bounceback's JSON says what TLS the DSN came over);
and a private Postfix as the relay accepts the DSN and passes it on."""
import json
import smtplib
import subprocess
import time

import bounce_readers
from conftest import BIN, http_call, need_tool
from private_postfix import PrivatePostfix


def send(server, rcpts, sender="sender@example.test"):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.sendmail(sender, rcpts, b"Subject: hello\r\nMessage-ID: <r1@example.test>\r\n\r\nhi\r\n")


def messages(server):
    status, _, body = http_call(server, "GET", "/api/v1/messages")
    assert status == 200
    return json.loads(body)["messages"]


def metric(server, outcome):
    _, _, body = http_call(server, "GET", "/metrics")
    line = f'bounceback_return_relay_total{{outcome="{outcome}"}} '.encode()
    for text in body.splitlines():
        if text.startswith(line):
            return int(text[len(line):])
    raise AssertionError(body)


def wait_for(predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_generated_mail_is_delivered_to_the_relay(bounceback):
    relay = bounceback()
    server = bounceback("--return-relay", f"127.0.0.1:{relay.smtp_port}")
    send(server, ["dsn-550-5.1.1@reply.test"])
    assert wait_for(lambda: len(messages(relay)) == 1)
    got = messages(relay)[0]
    assert got["from"] == "" and got["to"] == ["sender@example.test"]
    assert got["subject"] == "Undelivered Mail Returned to Sender"
    status, _, raw = http_call(relay, "GET", f"/api/v1/messages/{got['id']}/raw")
    assert b"Final-Recipient: rfc822; dsn-550-5.1.1@reply.test" in raw
    assert metric(server, "delivered") == 1
    assert server.wait_for_log("return relay: delivered")


def test_a_4xx_is_retried_and_a_5xx_given_up(bounceback, tmp_path):
    scenario = tmp_path / "relay.toml"
    scenario.write_text('[[rule]]\non = "rcpt"\nrcpt = "flaky@*"\nattempts = "1"\n'
                        'reply = "451 4.3.0 Try again later"\n\n'
                        '[[rule]]\non = "rcpt"\nrcpt = "never@*"\nreply = "550 5.1.1 No such user"\n')
    relay = bounceback("--scenario", str(scenario))
    server = bounceback("--return-relay", f"127.0.0.1:{relay.smtp_port}")
    send(server, ["dsn-550-5.1.1@reply.test"], sender="flaky@example.test")
    # The first attempt gets 451; the retry a second later is accepted.
    assert wait_for(lambda: len(messages(relay)) == 1, timeout=15), server.log()
    assert metric(server, "retried") == 1 and metric(server, "delivered") == 1
    send(server, ["dsn-550-5.1.1@reply.test"], sender="never@example.test")
    assert wait_for(lambda: metric(server, "failed") == 1)
    assert server.wait_for_log("return relay: given up")
    # Both DSNs stay in the first server's capture.
    assert len([m for m in messages(server) if m["generated"] == "dsn"]) == 2


def test_a_relay_that_is_down_is_retried_not_fatal(bounceback):
    relay = bounceback()
    port = relay.smtp_port
    relay.stop()
    server = bounceback("--return-relay", f"127.0.0.1:{port}")
    send(server, ["dsn-550-5.1.1@reply.test"])
    assert wait_for(lambda: metric(server, "retried") >= 1)
    assert server.wait_for_log("return relay: will retry")
    assert len([m for m in messages(server) if m["generated"] == "dsn"]) == 1


def received(relay):
    """The one message the relay holds, as GET /api/v1/messages/{id} shows it."""
    assert wait_for(lambda: len(messages(relay)) == 1, timeout=15)
    status, _, body = http_call(relay, "GET", f"/api/v1/messages/{messages(relay)[0]['id']}")
    assert status == 200
    return json.loads(body)


def test_the_relay_may_be_a_host_name(bounceback):
    relay = bounceback()
    server = bounceback("--return-relay", f"localhost:{relay.smtp_port}")
    send(server, ["dsn-550-5.1.1@reply.test"])
    got = received(relay)
    assert got["from"] == "" and got["tls"] is False  # the relay offers no STARTTLS: plain text
    assert server.wait_for_log("tls=none")


def test_a_name_that_does_not_resolve_is_retried_and_logged(bounceback):
    server = bounceback("--return-relay", "no-such-relay.invalid:2525")
    send(server, ["dsn-550-5.1.1@reply.test"])
    assert wait_for(lambda: metric(server, "retried") >= 1)
    assert server.wait_for_log("resolving no-such-relay.invalid")
    assert len([m for m in messages(server) if m["generated"] == "dsn"]) == 1


def test_starttls_is_used_when_the_relay_offers_it(bounceback):
    """The default, may: the relay's self-signed certificate is not checked."""
    relay = bounceback("--starttls", "on")
    server = bounceback("--return-relay", f"127.0.0.1:{relay.smtp_port}")
    send(server, ["dsn-550-5.1.1@reply.test"])
    got = received(relay)
    assert got["tls"] is True and got["tls_version"].startswith("TLSv1."), got
    assert got["tls_cipher"]
    assert got["headers"][0]["name"] == "Received" and "with ESMTPS" in got["headers"][0]["value"]
    assert server.wait_for_log(f"tls=\"{got['tls_version']} {got['tls_cipher']}\"")


def test_may_sends_in_plain_text_after_a_failed_handshake(bounceback, tmp_path):
    scenario = tmp_path / "broken-tls.toml"
    scenario.write_text('[server]\ntls = "optional"\ntls_handshake = "abort"\n')
    relay = bounceback("--scenario", str(scenario))
    server = bounceback("--return-relay", f"127.0.0.1:{relay.smtp_port}")
    send(server, ["dsn-550-5.1.1@reply.test"])
    assert server.wait_for_log("TLS handshake:"), server.log()
    got = received(relay)  # the retry, a second later, in plain text (Postfix's `may`)
    assert got["tls"] is False
    assert metric(server, "retried") == 1 and metric(server, "delivered") == 1


def test_none_never_uses_starttls(bounceback):
    relay = bounceback("--starttls", "on")
    server = bounceback("--return-relay", f"127.0.0.1:{relay.smtp_port}",
                        "--return-relay-tls", "none")
    send(server, ["dsn-550-5.1.1@reply.test"])
    assert received(relay)["tls"] is False


def test_encrypt_refuses_a_relay_without_starttls(bounceback):
    relay = bounceback()  # no STARTTLS on offer
    server = bounceback("--return-relay", f"127.0.0.1:{relay.smtp_port}",
                        "--return-relay-tls", "encrypt")
    send(server, ["dsn-550-5.1.1@reply.test"])
    assert wait_for(lambda: metric(server, "retried") >= 1)
    assert server.wait_for_log("does not offer STARTTLS")
    assert messages(relay) == []


def test_verify_checks_the_certificate_and_the_name(bounceback, tmp_path):
    cert = tmp_path / "relay.pem"
    relay = bounceback("--starttls", "on", "--tls-export-cert", str(cert))
    # Trusting the relay's certificate, by the name it carries (localhost): delivered.
    server = bounceback("--return-relay", f"localhost:{relay.smtp_port}",
                        "--return-relay-tls", "verify", "--return-relay-ca", str(cert))
    send(server, ["dsn-550-5.1.1@reply.test"])
    assert received(relay)["tls"] is True
    # Not trusting it (the system's CAs): the handshake fails, the attempt is retried.
    doubtful = bounceback("--return-relay", f"localhost:{relay.smtp_port}",
                          "--return-relay-tls", "verify")
    send(doubtful, ["dsn-550-5.1.1@reply.test"])
    assert wait_for(lambda: metric(doubtful, "retried") >= 1)
    assert doubtful.wait_for_log("TLS handshake: certificate verify failed"), doubtful.log()
    assert len(messages(relay)) == 1
    # Trusting the issuer, but the certificate names another host: refused too.
    scenario = tmp_path / "wrong-host.toml"
    scenario.write_text('[server]\ntls = "optional"\ncertificate = "wrong-host"\n')
    elsewhere = bounceback("--scenario", str(scenario), "--tls-export-cert",
                           str(tmp_path / "issuer.pem"))
    misnamed = bounceback("--return-relay", f"localhost:{elsewhere.smtp_port}",
                          "--return-relay-tls", "verify", "--return-relay-ca",
                          str(tmp_path / "issuer.pem"))
    send(misnamed, ["dsn-550-5.1.1@reply.test"])
    assert misnamed.wait_for_log("TLS handshake: certificate verify failed"), misnamed.log()
    assert messages(elsewhere) == []


def test_bad_relay_options_are_refused_at_start(tmp_path):
    for args, says in ((["--return-relay", "relay.test"], "expected HOST:PORT"),
                       (["--return-relay", "relay.test:99999"], "bad port"),
                       (["--return-relay", "::1:25"], "in brackets"),
                       (["--return-relay", "relay.test:25", "--return-relay-tls", "always"],
                        "expected none, may, encrypt or verify"),
                       (["--return-relay", "relay.test:25", "--return-relay-tls", "verify",
                         "--return-relay-ca", str(tmp_path / "missing.pem")], "missing.pem")):
        out = subprocess.run([BIN, "serve", "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0",
                              *args], capture_output=True, text=True, timeout=20)
        assert out.returncode == 2 and says in out.stderr, (args, out.stderr)


def test_a_real_postfix_accepts_and_relays_the_dsn(bounceback, tmp_path):
    """The return relay is a private Postfix (a real MTA), which relays the DSN on to a
    collecting Bounceback: what a real MX makes of our null-sender DSN."""
    need_tool("postfix")
    need_tool("postqueue")
    collector = bounceback()
    postfix = PrivatePostfix(collector.smtp_port)
    try:
        server = bounceback("--return-relay", f"127.0.0.1:{postfix.smtpd_port}")
        send(server, ["dsn-550-5.1.1@reply.test"])
        assert wait_for(lambda: len(messages(collector)) == 1, timeout=30), postfix.log()
        got = messages(collector)[0]
        assert got["from"] == "" and got["to"] == ["sender@example.test"]
        status, _, raw = http_call(collector, "GET", f"/api/v1/messages/{got['id']}/raw")
        path = tmp_path / "dsn.eml"
        path.write_bytes(raw)
        found = {r["recipient"]: r for r in bounce_readers.sisimai([str(path)])}
        assert found["dsn-550-5.1.1@reply.test"]["reason"] == "userunknown"
        assert metric(server, "delivered") == 1
    finally:
        postfix.stop()
