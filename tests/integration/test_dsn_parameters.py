"""The client's DSN parameters (RFC 3461) decide what comes back, seen from real clients against
the real binary: Python smtplib's mail_options/rcpt_options (RET, ENVID, NOTIFY, ORCPT) and
swaks (which has no DSN options in Debian 12's version: the parameters ride in --from/--to,
see swaks_send). The DSN is read with Python's email package: its per-message and
per-recipient fields, which recipients it covers, and the returned content per RET, also for
an original over the returned bound and an SMTPUTF8 one (RFC 6533)."""
import email
import email.policy
import json
import smtplib
import subprocess

from conftest import http_call, need_tool

BODY_LINE = "The numbers are attached."
MESSAGE = ("From: Sender <sender@example.test>\r\nTo: someone@example.net\r\n"
           "Subject: Quarterly report\r\nMessage-ID: <q1@example.test>\r\n\r\n"
           f"{BODY_LINE}\r\n").encode()


def smtplib_send(server, rcpts, mail_options=(), rcpt_options=(), sender="sender@example.test"):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo("client.example.test")
        assert s.has_extn("dsn")
        assert s.sendmail(sender, rcpts, MESSAGE, mail_options=list(mail_options),
                          rcpt_options=list(rcpt_options)) == {}


def dsns(server):
    status, _, body = http_call(server, "GET", "/api/v1/messages")
    assert status == 200
    out = []
    for m in json.loads(body)["messages"]:
        if m["generated"] == "dsn":
            status, _, raw = http_call(server, "GET", f"/api/v1/messages/{m['id']}/raw")
            assert status == 200
            out.append(email.message_from_bytes(raw, policy=email.policy.default))
    return out


def report(dsn):
    """(per-message fields, [per-recipient fields], returned part) of a DSN."""
    assert dsn.get_content_type() == "multipart/report"
    assert dsn.get_param("report-type") == "delivery-status"
    text, status, returned = dsn.get_payload()
    assert text.get_content_type() == "text/plain"
    assert status.get_content_type() == "message/delivery-status"
    # message/delivery-status: the per-message group, then one group per recipient.
    groups = [dict(block) for block in status.get_payload()]
    return groups[0], groups[1:], returned


def test_smtplib_ret_envid_orcpt_and_notify_fill_the_dsn(bounceback):
    server = bounceback()
    smtplib_send(server, ["dsn-550-5.1.1@reply.test"],
                 mail_options=["RET=FULL", "ENVID=QQ+2B314159"],
                 rcpt_options=["NOTIFY=SUCCESS,FAILURE,DELAY",
                               "ORCPT=rfc822;Bob+2Bsales@example.test"])
    [dsn] = dsns(server)
    assert dsn["To"].addresses[0].addr_spec == "sender@example.test"
    assert dsn["Auto-Submitted"] == "auto-replied"
    per_message, [rcpt], returned = report(dsn)
    assert per_message["Original-Envelope-Id"] == "QQ+314159"  # xtext decoded (RFC 3461 §4.4)
    assert per_message["Reporting-MTA"].startswith("dns; ")
    assert per_message["Received-From-MTA"] == "dns; client.example.test ([127.0.0.1])"
    assert "Arrival-Date" in per_message
    assert rcpt["Original-Recipient"] == "rfc822;Bob+sales@example.test"
    assert rcpt["Final-Recipient"] == "rfc822; dsn-550-5.1.1@reply.test"
    assert rcpt["Action"] == "failed" and rcpt["Status"] == "5.1.1"
    assert rcpt["Diagnostic-Code"].startswith("smtp; 550 5.1.1 ")
    # RET=FULL: the whole message comes back.
    assert returned.get_content_type() == "message/rfc822"
    original = returned.get_payload()[0]
    assert original["Message-ID"] == "<q1@example.test>"
    assert original.get_content().strip() == BODY_LINE


def test_smtplib_ret_hdrs_returns_the_header_fields_only(bounceback):
    server = bounceback()
    smtplib_send(server, ["dsn-550-5.1.1@reply.test"], mail_options=["RET=HDRS"])
    [dsn] = dsns(server)
    per_message, [rcpt], returned = report(dsn)
    assert "Original-Envelope-Id" not in per_message and "Original-Recipient" not in rcpt
    assert returned.get_content_type() == "text/rfc822-headers"
    text = returned.get_content()
    assert "Message-ID: <q1@example.test>" in text and BODY_LINE not in text


def test_smtplib_notify_per_recipient_one_dsn_for_the_message(bounceback):
    """Four recipients of one message, each its own NOTIFY (smtplib sends the same
    rcpt_options to all, so one connection per NOTIFY value would be four messages: here the
    raw commands give each recipient its own)."""
    server = bounceback()
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo("client.example.test")
        assert s.mail("sender@example.test", ["RET=HDRS"])[0] == 250
        for rcpt, notify in (("dsn-550-5.1.1@reply.test", "FAILURE"),
                             ("dsn-550-5.2.1@reply.test", "NEVER"),
                             ("dsn-550-5.1.2@reply.test", "SUCCESS,DELAY"),
                             ("dsn-550-5.7.1@reply.test", "DELAY,FAILURE")):
            assert s.rcpt(rcpt, [f"NOTIFY={notify}"])[0] == 250
        assert s.data(MESSAGE)[0] == 250
    # One DSN, covering the two recipients whose NOTIFY asked for failures.
    [dsn] = dsns(server)
    _, rcpts, _ = report(dsn)
    assert [r["Final-Recipient"] for r in rcpts] == ["rfc822; dsn-550-5.1.1@reply.test",
                                                     "rfc822; dsn-550-5.7.1@reply.test"]
    assert [r["Status"] for r in rcpts] == ["5.1.1", "5.7.1"]


def test_smtplib_notify_delay_and_success(bounceback):
    server = bounceback()
    # A delay is reported to NOTIFY=DELAY, not to NOTIFY=FAILURE.
    smtplib_send(server, ["dsn-451-4.2.2@reply.test"], rcpt_options=["NOTIFY=FAILURE"])
    assert dsns(server) == []
    smtplib_send(server, ["dsn-451-4.2.2@reply.test"], rcpt_options=["NOTIFY=DELAY"])
    [delayed] = dsns(server)
    _, [rcpt], returned = report(delayed)
    assert rcpt["Action"] == "delayed" and rcpt["Status"] == "4.2.2"
    assert "Will-Retry-Until" in rcpt
    assert returned.get_content_type() == "text/rfc822-headers"  # never the body for a delay
    # NOTIFY=SUCCESS on a plain recipient: a delivered DSN quoting the 250 it got.
    smtplib_send(server, ["someone@example.net"], rcpt_options=["NOTIFY=SUCCESS"])
    delivered = [d for d in dsns(server) if report(d)[1][0]["Action"] == "delivered"]
    assert len(delivered) == 1
    _, [rcpt], _ = report(delivered[0])
    assert rcpt["Final-Recipient"] == "rfc822; someone@example.net" and rcpt["Status"] == "2.0.0"


def swaks_send(swaks, server, mail_from, to):
    """swaks 20201014 (Debian 12) has no DSN options, and writes `MAIL FROM:<FROM>` and
    `RCPT TO:<TO>` around what it is given: parameters go after a '>' of our own, and the
    last one keeps swaks's closing '>' (ENVID and ORCPT take any xtext, '>' included)."""
    out = subprocess.run([swaks, "--server", f"127.0.0.1:{server.smtp_port}", "--ehlo",
                          "client.example.test", "--from", mail_from, "--to", to,
                          "--header", "Subject: Quarterly report", "--body", BODY_LINE],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_swaks_with_dsn_parameters(bounceback):
    swaks = need_tool("swaks")  # any swaks: no optional Perl module is needed
    server = bounceback()
    transcript = swaks_send(swaks, server, "sender@example.test> RET=HDRS ENVID=swaks+2B1",
                            "dsn-550-5.1.1@reply.test> NOTIFY=FAILURE ORCPT=rfc822;first@x.test")
    assert "-> MAIL FROM:<sender@example.test> RET=HDRS ENVID=swaks+2B1>" in transcript
    assert "<-  250 2.1.5 Ok" in transcript
    [dsn] = dsns(server)
    per_message, [rcpt], returned = report(dsn)
    assert per_message["Original-Envelope-Id"] == "swaks+1>"
    assert rcpt["Original-Recipient"] == "rfc822;first@x.test>"
    assert rcpt["Final-Recipient"] == "rfc822; dsn-550-5.1.1@reply.test"
    assert rcpt["Action"] == "failed" and rcpt["Status"] == "5.1.1"
    assert returned.get_content_type() == "text/rfc822-headers"
    assert "Subject: Quarterly report" in returned.get_content()
    assert BODY_LINE not in returned.get_content()
    # NOTIFY=NEVER from swaks: accepted, and no DSN.
    swaks_send(swaks, server, "sender@example.test> RET=FULL ENVID=two",
               "dsn-550-5.1.1@reply.test> NOTIFY=NEVER ORCPT=rfc822;second@x.test")
    assert len(dsns(server)) == 1
    # RET=FULL from swaks: the body comes back.
    swaks_send(swaks, server, "sender@example.test> RET=FULL ENVID=three",
               "dsn-550-5.1.1@reply.test> NOTIFY=FAILURE ORCPT=rfc822;third@x.test")
    full = [d for d in dsns(server) if report(d)[0].get("Original-Envelope-Id") == "three>"]
    assert len(full) == 1
    returned = report(full[0])[2]
    assert returned.get_content_type() == "message/rfc822"
    assert returned.get_payload()[0].get_content().strip() == BODY_LINE


def test_an_oversized_original_comes_back_as_its_header_fields(bounceback):
    """RET=FULL, but the original is over the 50,000-octet bound: its header fields come back
    (text/rfc822-headers) and the text part says why; the DSN stays small."""
    server = bounceback()
    big = MESSAGE + (("x" * 76 + "\r\n") * 3000).encode()  # ~234 KB
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        assert s.sendmail("sender@example.test", ["dsn-550-5.1.1@reply.test"], big,
                          mail_options=["RET=FULL"]) == {}
    [dsn] = dsns(server)
    text, _, _ = dsn.get_payload()
    _, [rcpt], returned = report(dsn)
    assert rcpt["Action"] == "failed"
    assert returned.get_content_type() == "text/rfc822-headers"
    assert "Message-ID: <q1@example.test>" in returned.get_content()
    assert "too large to be returned whole" in text.get_content()
    status, _, raw = http_call(server, "GET", "/api/v1/messages")
    sizes = {m["generated"]: m["size"] for m in json.loads(raw)["messages"]}
    assert sizes[None] > 200_000 and sizes["dsn"] < 10_000


def test_an_smtputf8_original_gets_rfc6533_parts(bounceback):
    """An internationalised original (SMTPUTF8, a UTF-8 sender and header fields): the DSN
    returns it as message/global (RFC 6533) and names the sender with the utf-8 type."""
    server = bounceback()
    original = ("From: J\u00f6rg <j\u00f6rg@example.test>\r\nSubject: Gr\u00fc\u00dfe\r\n"
                "Message-ID: <u1@example.test>\r\n\r\nGr\u00fc\u00dfe aus K\u00f6ln\r\n").encode()
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo("client.example.test")
        assert s.has_extn("smtputf8")
        assert s.sendmail("j\u00f6rg@example.test", ["dsn-550-5.1.1@reply.test"], original,
                          mail_options=["SMTPUTF8", "BODY=8BITMIME"]) == {}
    status, _, body = http_call(server, "GET", "/api/v1/messages")
    [m] = [m for m in json.loads(body)["messages"] if m["generated"] == "dsn"]
    assert m["to"] == ["j\u00f6rg@example.test"]
    status, _, raw = http_call(server, "GET", f"/api/v1/messages/{m['id']}/raw")
    assert b"X-Postfix-Sender: utf-8; j\xc3\xb6rg@example.test\r\n" in raw
    assert b"Content-Type: message/global\r\n" in raw
    assert "Grüße aus Köln".encode() in raw
