"""--return-relay: every generated message is also delivered over SMTP to the relay (here a
second Bounceback, a real SMTP server): a 4xx is retried with back-off, a 5xx given up, a relay
that is down is retried then given up, each outcome logged and counted in /metrics, and the
generated message stays in the first server's capture whatever happens; and a private Postfix
as the relay accepts the DSN and passes it on."""
import json
import smtplib
import time

import bounce_readers
from conftest import http_call, need_tool
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
