"""Accepted now, bounced later: a real client (smtplib) sends with DSN parameters (NOTIFY, RET,
ENVID, ORCPT) to the real binary; the DSN, auto-reply or complaint Bounceback generates shows
in /api/v1/messages with "generated", its raw bytes are read by Sisimai and flufl.bounce as the
failure they stand for; `after` runs on the scenario clock (POST /api/v1/clock/advance fires
what is due), POST /api/v1/scenario/reset drops what is pending, and a null sender gets
nothing."""
import http.client
import json
import smtplib
import threading
import time

import bounce_readers
from conftest import http_call

MESSAGE = (b"From: Sender <sender@example.test>\r\nTo: someone@example.net\r\n"
           b"Subject: Quarterly report\r\nMessage-ID: <q1@example.test>\r\n\r\nThe numbers.\r\n")


def send(server, rcpts, sender="sender@example.test", notify="FAILURE,DELAY", ret="FULL",
         envid="ENV+2B42", orcpt=None):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo("client.example.test")
        mail = [f"RET={ret}", f"ENVID={envid}"] if ret else []
        rcpt = [f"NOTIFY={notify}"] + ([f"ORCPT={orcpt}"] if orcpt else [])
        refused = s.sendmail(sender, rcpts, MESSAGE, mail_options=mail, rcpt_options=rcpt)
        assert refused == {}


def messages(server):
    status, _, body = http_call(server, "GET", "/api/v1/messages")
    assert status == 200, body
    return json.loads(body)["messages"]


def generated(server, kind=None):
    return [m for m in messages(server) if m["generated"] and (kind is None or m["generated"] == kind)]


def raw(server, tmp_path, message):
    status, _, body = http_call(server, "GET", f"/api/v1/messages/{message['id']}/raw")
    assert status == 200
    path = tmp_path / f"{message['id']}.eml"
    path.write_bytes(body)
    return str(path)


def sisimai(path):
    return {r["recipient"]: r for r in bounce_readers.sisimai([path])}


def flufl(path):
    return bounce_readers.flufl([path])[path]


def advance(server, by):
    status, _, body = http_call(server, "POST", f"/api/v1/clock/advance?by={by}")
    assert status == 200, body


def test_address_encoded_dsn_is_captured_and_classified(bounceback, tmp_path):
    server = bounceback()
    send(server, ["dsn-550-5.1.1@reply.test", "dsn-451-4.2.2@reply.test", "fine@example.net"],
         orcpt="rfc822;orig+2Bx@example.test")
    dsns = generated(server, "dsn")
    assert len(dsns) == 1, messages(server)  # one DSN for the message, both recipients in it
    dsn = dsns[0]
    assert dsn["from"] == "" and dsn["to"] == ["sender@example.test"]
    assert dsn["subject"] == "Undelivered Mail Returned to Sender"
    [original] = [m for m in messages(server) if m["generated"] is None]
    assert original["to"][0].startswith("dsn-") and original["about"] is None
    assert dsn["about"] == original["id"]  # what the web page links it to
    path = raw(server, tmp_path, dsn)
    data = open(path, "rb").read()
    assert b"Original-Envelope-Id: ENV+42\r\n" in data
    assert b"Original-Recipient: rfc822;orig+x@example.test\r\n" in data
    assert b"Content-Type: message/rfc822\r\n" in data and b"The numbers." in data  # RET=FULL
    found = sisimai(path)
    assert found["dsn-550-5.1.1@reply.test"]["deliverystatus"] == "5.1.1"
    assert found["dsn-550-5.1.1@reply.test"]["reason"] == "userunknown"
    assert found["dsn-451-4.2.2@reply.test"]["deliverystatus"] == "4.2.2"
    assert found["dsn-451-4.2.2@reply.test"]["action"] == "delayed"
    assert "fine@example.net" not in found  # it asked for no success DSN
    # flufl.bounce names the Original-Recipient (ORCPT: the address the sender used), which
    # smtplib gave both recipients.
    f = flufl(path)
    assert f["permanent"] == ["orig+x@example.test"]
    assert f["temporary"] == ["orig+x@example.test"]


def test_rules_fire_on_the_scenario_clock_in_the_scenarios_style(bounceback, tmp_path):
    scenario = tmp_path / "later.toml"
    scenario.write_text("""
[server]
dsn_style = "gmail"

[[rule]]
on = "message"
rcpt = "slow@*"
dsn = [{ action = "delayed", reply = "451 4.4.1 No answer from host", after = "10m" },
       { action = "failed",  reply = "550 5.4.1 <{rcpt}>: Giving up", after = "1h" }]

[[rule]]
on = "message"
rcpt = "away@*"
auto_reply = { after = "1s", subject = "Out of office", text = "Back on Monday." }
""")
    server = bounceback("--scenario", str(scenario))
    send(server, ["slow@example.net"])
    assert generated(server) == []
    advance(server, "10m")
    delayed = generated(server, "dsn")
    assert [m["subject"] for m in delayed] == ["Delivery Status Notification (Delay)"]
    found = sisimai(raw(server, tmp_path, delayed[0]))
    assert found["slow@example.net"]["action"] == "delayed"
    advance(server, "50m")
    dsns = generated(server, "dsn")
    assert len(dsns) == 2
    failed = dsns[0]  # newest first
    assert failed["subject"] == "Delivery Status Notification (Failure)"
    path = raw(server, tmp_path, failed)
    found = sisimai(path)
    assert found["slow@example.net"]["deliverystatus"] == "5.4.1"
    assert flufl(path)["permanent"] == ["slow@example.net"]

    send(server, ["away@example.net"])
    advance(server, "1s")
    replies = generated(server, "auto-reply")
    assert [m["subject"] for m in replies] == ["Out of office"]
    assert sisimai(raw(server, tmp_path, replies[0]))["away@example.net"]["reason"] == "vacation"


def test_reset_drops_pending_reactions_and_metrics_count_them(bounceback, tmp_path):
    scenario = tmp_path / "later.toml"
    scenario.write_text('[[rule]]\non = "message"\n'
                        'complaint = { after = "5m", feedback_type = "abuse" }\n')
    server = bounceback("--scenario", str(scenario))
    send(server, ["a@example.net"])
    status, _, body = http_call(server, "GET", "/metrics")
    assert b"bounceback_reactions_pending 1\n" in body
    status, _, _ = http_call(server, "POST", "/api/v1/scenario/reset")
    assert status == 200
    advance(server, "10m")
    assert generated(server) == []
    status, _, body = http_call(server, "GET", "/metrics")
    assert b'bounceback_reactions_total{outcome="cleared"} 1\n' in body
    assert b"bounceback_reactions_pending 0\n" in body
    # A new one still fires after the reset, and Sisimai calls it feedback.
    send(server, ["b@example.net"])
    advance(server, "5m")
    complaints = generated(server, "complaint")
    assert len(complaints) == 1
    assert sisimai(raw(server, tmp_path, complaints[0]))["b@example.net"]["reason"] == "feedback"


def test_a_null_sender_gets_nothing_and_notify_never_no_dsn(bounceback):
    server = bounceback()
    send(server, ["dsn-550-5.1.1@reply.test", "ooo@reply.test", "complaint@reply.test"], sender="",
         notify="SUCCESS,FAILURE")
    send(server, ["dsn-550-5.1.1@reply.test"], notify="NEVER")
    assert generated(server) == []
    assert len(messages(server)) == 2


def test_notify_success_gets_a_delivered_dsn(bounceback, tmp_path):
    server = bounceback()
    send(server, ["someone@example.net"], notify="SUCCESS", ret="HDRS")
    dsns = generated(server, "dsn")
    assert [m["subject"] for m in dsns] == ["Successful Mail Delivery Report"]
    path = raw(server, tmp_path, dsns[0])
    assert b"Content-Type: text/rfc822-headers\r\n" in open(path, "rb").read()
    assert sisimai(path)["someone@example.net"]["reason"] == "delivered"


def test_personas_write_their_providers_dsns(bounceback, tmp_path):
    # gmail offers no DSN extension, so the client sends no DSN parameters (NOTIFY defaults to
    # failures, RFC 3461 §4.1); outlook's persona is asked with them.
    for persona, subject, notify in (("gmail", "Delivery Status Notification (Failure)", None),
                                     ("outlook", "Undeliverable: Quarterly report", "FAILURE")):
        server = bounceback("--scenario", persona)
        with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
            s.ehlo("client.example.test")
            options = [f"NOTIFY={notify}"] if notify else []
            assert s.sendmail("sender@example.test", ["dsn-550-5.1.1@reply.test"], MESSAGE,
                              rcpt_options=options) == {}
        [dsn] = generated(server, "dsn")
        assert dsn["subject"] == subject, (persona, dsn)
        found = sisimai(raw(server, tmp_path, dsn))
        assert found["dsn-550-5.1.1@reply.test"]["reason"] == "userunknown", (persona, found)


def test_the_queue_is_bounded_refusals_counted_and_due_ones_never_wait(bounceback, tmp_path):
    """1,000 reactions wait at most; the 1,001st is refused (logged, counted), the message
    itself still accepted; reactions due at once never wait, so a full queue does not stop
    them; the clock then fires the 1,000."""
    scenario = tmp_path / "later.toml"
    scenario.write_text('[[rule]]\non = "message"\nrcpt = "later@*"\n'
                        'dsn = { action = "failed", reply = "550 5.1.1 Gone", after = "1h" }\n')
    server = bounceback("--scenario", str(scenario))
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as s:
        for _ in range(1001):
            assert s.sendmail("sender@example.test", ["later@example.net"], MESSAGE) == {}
        assert s.sendmail("sender@example.test", ["dsn-550-5.1.1@reply.test"], MESSAGE) == {}
    _, _, body = http_call(server, "GET", "/metrics")
    assert b"bounceback_reactions_pending 1000\n" in body
    assert b'bounceback_reactions_total{outcome="refused"} 1\n' in body
    assert server.wait_for_log("reactions refused: queue full")
    assert len(generated(server, "dsn")) == 1  # the address-encoded one, due at once
    advance(server, "1h")
    _, _, body = http_call(server, "GET", "/metrics")
    assert b"bounceback_reactions_pending 0\n" in body
    assert b'bounceback_reactions_total{outcome="generated"} 1001\n' in body


def test_a_rule_may_write_its_dsns_in_another_style(bounceback, tmp_path):
    """[server] dsn_style is the default; a rule's `style` wins for its DSNs, which then are a
    report of their own (one DSN per message, time and style)."""
    scenario = tmp_path / "styles.toml"
    scenario.write_text('[server]\ndsn_style = "gmail"\n\n'
                        '[[rule]]\non = "message"\nrcpt = "outlook@*"\n'
                        'dsn = { reply = "550 5.1.10 Recipient not found", style = "microsoft" }\n')
    server = bounceback("--scenario", str(scenario))
    # The rule's recipient in its style; the address-encoded one in the scenario's.
    send(server, ["outlook@example.org", "dsn-550-5.1.1@reply.test"])
    subjects = sorted(m["subject"] for m in generated(server, "dsn"))
    assert subjects == ["Delivery Status Notification (Failure)", "Undeliverable: Quarterly report"]
    [ndr] = [m for m in generated(server, "dsn") if m["subject"].startswith("Undeliverable")]
    found = sisimai(raw(server, tmp_path, ndr))
    assert list(found) == ["outlook@example.org"]


def test_the_event_stream_announces_generated_messages(bounceback):
    """A DSN is announced on GET /api/v1/events like any captured message, with generated
    and about, so a live page or test sees it come."""
    server = bounceback()
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    conn.request("GET", "/api/v1/events")
    resp = conn.getresponse()
    assert resp.status == 200
    send(server, ["dsn-550-5.1.1@reply.test"])
    seen, event = [], None
    deadline = time.monotonic() + 10
    while len(seen) < 2 and time.monotonic() < deadline:
        line = resp.fp.readline().decode().rstrip("\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: ") and event == "message":
            seen.append(json.loads(line[6:]))
    conn.close()
    assert [m["generated"] for m in seen] == [None, "dsn"], seen
    assert seen[1]["about"] == seen[0]["id"]


def test_about_lists_and_waits_for_what_was_generated_about_a_message(bounceback, tmp_path):
    """?about=ID on /messages and /messages/wait: the DSNs (and auto-replies) whose `about`
    is ID, so a test waits for the bounce of the message it sent, and the page links both ways."""
    scenario = tmp_path / "later.toml"
    scenario.write_text('[[rule]]\non = "message"\nrcpt = "slow@*"\n'
                        'dsn = { action = "failed", reply = "550 5.4.1 Giving up", after = "10m" }\n')
    server = bounceback("--scenario", str(scenario))
    send(server, ["slow@example.net"])
    send(server, ["fine@example.net"])
    fine, slow = [m["id"] for m in messages(server)]

    def about(message_id, path="/api/v1/messages"):
        sep = "" if path.endswith("&") else "?"
        status, _, body = http_call(server, "GET", f"{path}{sep}about={message_id}")
        return status, json.loads(body)

    assert about(slow)[1]["total"] == 0
    waiter = {}

    def wait():
        waiter["answer"] = about(slow, "/api/v1/messages/wait?timeout=5s&")

    thread = threading.Thread(target=wait)
    thread.start()
    time.sleep(0.3)
    advance(server, "10m")
    thread.join(10)
    status, found = waiter["answer"]
    assert status == 200 and found["generated"] == "dsn" and found["about"] == slow
    status, page = about(slow)
    assert page["total"] == 1 and page["messages"][0]["id"] == found["id"]
    assert about(fine)[1]["total"] == 0
    assert about(found["id"])[1]["total"] == 0
    status, _, _ = http_call(server, "GET", f"/api/v1/messages/wait?about={fine}&timeout=200ms")
    assert status == 408
