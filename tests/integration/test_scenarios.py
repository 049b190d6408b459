"""Scenarios seen from outside: the built-in scenarios and address-encoded replies against
the real binary, with smtplib and raw sockets."""
import smtplib
import socket
import subprocess
import time

import pytest

from conftest import BIN


def rcpt_reply(server, rcpt, sender="sender@example.test"):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo("client.test")
        assert s.mail(sender)[0] == 250
        return s.rcpt(rcpt)


def send(server, rcpts, msg=b"Subject: t\r\n\r\nbody\r\n", sender="sender@example.test"):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        return s.sendmail(sender, rcpts, msg)


# ---- address-encoded replies (no scenario) --------------------------------------------

@pytest.mark.parametrize("rcpt,code,enhanced", [
    ("550@reply.test", 550, "5.1.1"),
    ("552-5.2.2@reply.test", 552, "5.2.2"),
    ("554-5.7.1@reply.test", 554, "5.7.1"),
    ("450@reply.test", 450, "4."),
    ("550-5.7.26@reply.test", 550, "5.7.26"),
])
def test_address_encoded_rcpt_replies(bounceback, rcpt, code, enhanced):
    server = bounceback()
    got_code, text = rcpt_reply(server, rcpt)
    assert got_code == code
    assert text.decode().startswith(enhanced)


def test_address_encoded_ntimes_then_accepted(bounceback):
    server = bounceback()
    rcpt = "451-4.7.1-2times@reply.test"
    assert rcpt_reply(server, rcpt)[0] == 451
    assert rcpt_reply(server, rcpt)[0] == 451
    assert rcpt_reply(server, rcpt)[0] == 250


def test_address_encoded_after_data(bounceback):
    server = bounceback()
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(server, ["data-554-5.7.1@reply.test"])
    assert err.value.smtp_code == 554
    assert err.value.smtp_error.startswith(b"5.7.1")


def test_ordinary_recipients_are_accepted_alongside(bounceback):
    server = bounceback()
    refused = send(server, ["ok@example.test", "550@reply.test"])
    assert list(refused) == ["550@reply.test"]


# ---- built-in scenarios ---------------------------------------------------------------

def test_unknown_user(bounceback):
    server = bounceback("--scenario", "unknown-user")
    code, text = rcpt_reply(server, "bob@unknown.example")
    assert code == 550 and b"5.1.1" in text and b"User unknown" in text
    assert rcpt_reply(server, "x@nxdomain.example")[0] == 450
    assert rcpt_reply(server, "alice@example.test")[0] == 250


def test_greylisting_with_a_real_retry(bounceback, tmp_path):
    scenario = tmp_path / "grey.toml"
    scenario.write_text('name = "fast-grey"\n[[rule]]\non = "rcpt"\n'
                        'greylist = { retry_after = "1s", expire = "1h" }\n'
                        'reply = "451 4.7.1 <{rcpt}>: Greylisted, try again later"\n')
    server = bounceback("--scenario", str(scenario))
    code, text = rcpt_reply(server, "grey@example.test")
    assert code == 451 and b"4.7.1 <grey@example.test>: Greylisted" in text
    assert rcpt_reply(server, "grey@example.test")[0] == 451  # too early
    time.sleep(1.2)
    assert rcpt_reply(server, "grey@example.test")[0] == 250
    assert rcpt_reply(server, "other@example.test")[0] == 451  # a new triplet


def test_builtin_greylisting_scenario_greylists(bounceback):
    server = bounceback("--scenario", "greylisting")
    code, text = rcpt_reply(server, "someone@example.co.uk")
    # Postgrey's help URL names the recipient's domain, not the whole address.
    assert code == 451 and text == (b"4.7.1 <someone@example.co.uk>: Recipient address rejected:"
                                    b" Greylisted, see http://postgrey.schweikert.ch/help/"
                                    b"example.co.uk.html")


def test_421s_name_the_server(bounceback):
    # RFC 5321 4.2's "421 <domain> Service not available", as Postfix sends its 421s.
    server = bounceback("--hostname", "mx.example.test", "--max-messages-per-session", "1")
    code, text = rcpt_reply(server, "421@reply.test")
    assert (code, text) == (421, b"4.3.2 mx.example.test Service not available, closing "
                                 b"transmission channel")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.sendmail("a@example.test", ["b@example.test"], b"Subject: 1\r\n\r\nbody\r\n")
        assert s.mail("a@example.test") == (
            421, b"4.7.0 mx.example.test Error: too many messages in one session")
        s.close()
    server = bounceback("--hostname", "mx.example.test", "--scenario", "disconnects")
    code, text = rcpt_reply(server, "close-at-rcpt@example.test")
    assert (code, text) == (421, b"4.4.2 mx.example.test Connection dropped by the server")


def test_dmarc_replies_name_the_senders_domain(bounceback):
    # Gmail and Outlook name the domain whose DMARC policy refused the message.
    gmail = bounceback("--scenario", "gmail")
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(gmail, ["dmarc@example.test"], sender="news@example.com")
    assert err.value.smtp_code == 550
    assert err.value.smtp_error.startswith(
        b"5.7.26 Unauthenticated email from example.com is not accepted due to domain's\n"
        b"5.7.26 DMARC policy. Please contact the administrator of example.com domain if\n")
    outlook = bounceback("--scenario", "outlook")
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(outlook, ["dmarc@example.test"], sender="news@example.org")
    assert err.value.smtp_error.startswith(
        b"5.7.509 Access denied, sending domain [EXAMPLE.ORG] does not pass DMARC verification")


def test_disconnect_seen_by_smtplib(bounceback):
    server = bounceback("--scenario", "disconnects")
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send(server, ["drop-at-rcpt@example.test"])
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send(server, ["drop-at-message@example.test"])
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo()
        s.mail("a@example.test")
        assert s.rcpt("close-at-rcpt@example.test")[0] == 421
    assert send(server, ["fine@example.test"]) == {}


def test_hang_makes_the_client_time_out(bounceback):
    server = bounceback("--scenario", "disconnects")
    s = smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=1)
    s.ehlo()
    s.mail("a@example.test")
    with pytest.raises((socket.timeout, TimeoutError, smtplib.SMTPServerDisconnected)):
        s.rcpt("hang-at-rcpt@example.test")
    s.close()


def test_mailbox_full_quota(bounceback):
    server = bounceback("--scenario", "mailbox-full")
    four_k = b"Subject: q\r\n\r\n" + b"x" * 4000 + b"\r\n"
    assert send(server, ["q@example.test"], four_k) == {}
    assert send(server, ["q@example.test"], four_k) == {}
    # smtplib announces SIZE=, so the quota is enforced at RCPT already.
    with pytest.raises(smtplib.SMTPRecipientsRefused) as err:
        send(server, ["q@example.test"], four_k)
    assert err.value.recipients["q@example.test"][0] == 552
    assert send(server, ["other@example.test"], four_k) == {}
    code, text = rcpt_reply(server, "full@example.test")
    assert code == 552 and b"5.2.2" in text
    assert rcpt_reply(server, "full-temp@example.test")[0] == 452


def test_policy_reject_content(bounceback):
    server = bounceback("--scenario", "policy-reject")
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(server, ["x@example.test"], b"Subject: You are a WINNER\r\n\r\nhi\r\n")
    assert err.value.smtp_code == 554
    assert send(server, ["x@example.test"], b"Subject: minutes\r\n\r\nhi\r\n") == {}
    with pytest.raises(smtplib.SMTPSenderRefused):
        send(server, ["x@example.test"], sender="bad@blocked.example")


def test_rate_limited(bounceback):
    server = bounceback("--scenario", "rate-limited")
    codes = [rcpt_reply(server, "busy@example.test")[0] for _ in range(4)]
    assert codes[:3] == [250, 250, 250] and codes[3] == 450


def test_flaky_is_reproducible(bounceback):
    def run():
        server = bounceback("--scenario", "flaky")
        codes = []
        for i in range(30):
            try:
                codes.append(rcpt_reply(server, f"r{i}@example.test")[0])
            except smtplib.SMTPConnectError as e:
                codes.append(e.smtp_code)
            except smtplib.SMTPServerDisconnected:
                codes.append(421)
        return codes

    first, second = run(), run()
    assert first == second
    assert any(c != 250 for c in first) and any(c == 250 for c in first)


def test_slow_server_delays_the_banner(bounceback):
    server = bounceback("--scenario", "slow-server")
    start = time.monotonic()
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        assert time.monotonic() - start >= 1.9
        code, text = s.ehlo()
        assert code == 250


def test_drip_sends_the_reply_byte_by_byte(bounceback, client_for):
    server = bounceback("--scenario", "slow-server")
    c = client_for(server, timeout=30)
    c.reply()
    c.cmd("EHLO d.test")
    c.cmd("MAIL FROM:<a@example.test>")
    c.send("RCPT TO:<drip@example.test>\r\n")
    start = time.monotonic()
    first = c.sock.recv(100)
    assert len(first) == 1  # one byte at a time
    c.buf = first
    code, _ = c.reply()
    assert code == 250 and time.monotonic() - start > 1.0


def test_tls_required_refuses_plaintext_mail(bounceback):
    server = bounceback("--scenario", "tls-required")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo()
        code, text = s.mail("a@example.test")
        assert code == 530 and b"5.7.0" in text


def test_multiline_and_templates(bounceback, tmp_path):
    scenario = tmp_path / "multi.toml"
    scenario.write_text('name = "multi"\n[[rule]]\non = "rcpt"\nrcpt = "*@gone.test"\n'
                        'reply = ["550 5.1.1 The account <{rcpt}> does not exist.",'
                        ' "550 5.1.1 Sent by {from} from {client_ip}"]\n')
    server = bounceback("--scenario", str(scenario))
    c_code, text = rcpt_reply(server, "x@gone.test")
    assert c_code == 550
    assert text == (b"5.1.1 The account <x@gone.test> does not exist.\n"
                    b"5.1.1 Sent by sender@example.test from 127.0.0.1")


@pytest.mark.parametrize("name", ["gmail", "outlook", "yahoo", "orange"])
def test_provider_personas_load(name):
    out = subprocess.run([BIN, "scenarios"], capture_output=True, text=True)
    assert out.returncode == 0
    assert any(line.split()[0] == name for line in out.stdout.splitlines() if line.strip())


def test_gmail_persona_unknown_user_is_multiline(bounceback):
    server = bounceback("--scenario", "gmail")
    code, text = rcpt_reply(server, "nosuchuser@gmail.com")
    assert code == 550
    lines = text.split(b"\n")
    assert len(lines) == 4 and all(l.startswith(b"5.1.1") for l in lines)
    assert b"support.google.com/mail/?p=NoSuchUser" in lines[-1]
    assert lines[-1].endswith(b"- gsmtp")
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(server, ["dmarc@gmail.com"])
    assert err.value.smtp_code == 550 and b"5.7.26" in err.value.smtp_error


def test_outlook_persona(bounceback):
    server = bounceback("--scenario", "outlook")
    code, text = rcpt_reply(server, "banned@outlook.com")
    assert code == 550 and b"5.7.606" in text and b"\n" not in text  # one line
    assert rcpt_reply(server, "busy@outlook.com")[0] == 451
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(server, ["full@outlook.com"])
    assert err.value.smtp_code == 554 and b"5.2.2" in err.value.smtp_error


def test_yahoo_persona_refuses_unknown_users_after_data(bounceback):
    server = bounceback("--scenario", "yahoo")
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(server, ["unknown@yahoo.com"])
    assert err.value.smtp_code == 554 and b"dd " in err.value.smtp_error
    with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPServerDisconnected)):
        send(server, ["x@yahoo.com"], sender="deferred@example.test")


def test_orange_persona_refuses_a_client_address_at_connect(bounceback):
    server = bounceback("--scenario", "orange")
    with pytest.raises((smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected)) as err:
        smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10,
                     source_address=("127.0.0.2", 0)).ehlo()
    if isinstance(err.value, smtplib.SMTPConnectError):
        assert err.value.smtp_code == 550
    code, text = rcpt_reply(server, "invalid@orange.fr")
    assert code == 550 and b"OFR_416" in text


def test_disconnects_at_connect_for_a_client_address(bounceback):
    server = bounceback("--scenario", "disconnects")
    with pytest.raises((smtplib.SMTPServerDisconnected, ConnectionError)):
        smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10, source_address=("127.0.0.2", 0))
    assert send(server, ["fine@example.test"]) == {}


# ---- check / scenarios / bad scenarios ------------------------------------------------

def test_check_reports_file_line_col(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[[rule]]\non = "rcpt"\nretries = 3\n')
    out = subprocess.run([BIN, "check", str(bad)], capture_output=True, text=True)
    assert out.returncode == 1
    assert f"{bad}:4:" in out.stdout + out.stderr
    good = tmp_path / "good.toml"
    good.write_text('name = "good"\n[[rule]]\non = "rcpt"\nreply = "550 5.1.1 no"\n')
    assert subprocess.run([BIN, "check", str(good)]).returncode == 0


def test_serve_with_a_bad_scenario_exits_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[[rule]]\non = "sometimes"\n')
    out = subprocess.run([BIN, "serve", "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0",
                          "--scenario", str(bad)], capture_output=True, text=True, timeout=10)
    assert out.returncode == 2
    assert f"{bad}:3:" in out.stderr


def test_bad_option_exits_2():
    out = subprocess.run([BIN, "serve", "--no-such-option", "x"], capture_output=True,
                         text=True, timeout=10)
    assert out.returncode == 2 and "no-such-option" in out.stderr


def test_explain_cli():
    out = subprocess.run([BIN, "explain", "550", "5.7.26"], capture_output=True, text=True)
    assert out.returncode == 0 and "permanent" in out.stdout
    assert subprocess.run([BIN, "explain", "999"], capture_output=True).returncode == 1


def test_body_rules_read_mime_encoded_text(bounceback, tmp_path):
    """A real mailer's message (Python's email package: multipart/alternative, non-ASCII text
    sent as quoted-printable or base64) is matched on the text a reader sees."""
    from email.message import EmailMessage
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\non = "message"\nbody = "re:(?i)réclamez votre prix"\n'
                     'reply = "554 5.7.1 Message rejected as spam by content filter"\n',
                     encoding="utf-8")
    server = bounceback("--scenario", str(rules))

    def message(text):
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = "a@x.test", "b@x.test", "Bonjour"
        m.set_content(text)  # non-ASCII text: a transfer encoding, never the raw words
        m.add_alternative(f"<p>{text}</p>", subtype="html")
        return m

    spam = message("Félicitations ! Réclamez votre prix aujourd'hui. " * 3)
    wire = spam.as_bytes()
    assert b"multipart/alternative" in wire and "Réclamez".encode() not in wire
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            s.send_message(spam)
        assert refused.value.smtp_code == 554
        s.send_message(message("Votre facture du mois est disponible. " * 3))  # accepted


def test_data_rule_delays_and_closes_at_bdat(bounceback, client_for, tmp_path):
    """CHUNKING clients (BDAT) get no 354: a `data` rule's delay and disconnect apply to the
    reply to their first chunk."""
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\non = "data"\nfrom = "slow@*"\ndelay = "1s"\n\n'
                     '[[rule]]\non = "data"\nfrom = "cut@*"\ndisconnect = true\n')
    server = bounceback("--scenario", str(rules))
    for sender in ("slow@x.test", "cut@x.test"):
        c = client_for(server)
        assert c.reply()[0] == 220
        code, lines = c.cmd("EHLO chunky.test")
        assert code == 250 and any("CHUNKING" in l for l in lines)
        assert c.cmd(f"MAIL FROM:<{sender}>")[0] == 250
        assert c.cmd("RCPT TO:<b@x.test>")[0] == 250
        start = time.monotonic()
        c.send("BDAT 5\r\nhello")
        assert c.reply() == (250, ["250 2.0.0 Ok: 5 octets"])
        if sender.startswith("slow"):
            assert time.monotonic() - start >= 0.9
            c.send("BDAT 0 LAST\r\n")
            code, lines = c.reply()
            assert code == 250 and "queued as" in lines[0]
        else:
            assert c.closed()
