"""The MX's own faults (issue 17, docs/scenarios.md "Faults"), each seen by a real client: Python's
smtplib (how it reacts: succeeds, or raises which exception with which code) and a raw socket
(the exact bytes and writes; a reset against a FIN: ECONNRESET against EOF)."""
import json
import smtplib
import socket
import subprocess
import time

import pytest

from conftest import BIN, http_call
from test_client_fallbacks import stored as stored_messages
from test_recipe_curl import recipe

MESSAGE = "From: a@client.test\r\nTo: b@example.test\r\nSubject: faults\r\n\r\nhi\r\n"
SHUTDOWN = b"421 4.3.2 localhost Service shutting down, closing transmission channel\r\n"


def put_scenario(server, toml):
    status, _, body = http_call(server, "PUT", "/api/v1/scenario", body=toml)
    assert status == 200, body


def with_rules(server, rules):
    put_scenario(server, 'name = "faults"\n' + rules)


def stored(server):
    return len(stored_messages(server))


def rcpt_rule(local, keys):
    return f'[[rule]]\non = "rcpt"\nrcpt = "{local}@*"\n{keys}\n'


def connect(server, timeout=10):
    sock = socket.create_connection(("127.0.0.1", server.smtp_port), timeout=timeout)
    banner = b""
    while not banner.endswith(b"\r\n"):
        banner += sock.recv(4096)
    assert banner.startswith(b"220 ")
    return sock


def reply_to(sock, command, until=b"\r\n"):
    """Sends one command; the bytes of its reply up to the first `until` at the end."""
    sock.sendall(command + b"\r\n")
    got = b""
    while not got.endswith(until):
        chunk = sock.recv(65536)
        if not chunk:
            break
        got += chunk
    return got


def ehlo(sock):
    """EHLO, and its reply up to the last line's end."""
    got = reply_to(sock, b"EHLO client.test")
    while b"\r\n250 " not in got:
        got += sock.recv(65536)
    while not got.endswith(b"\r\n"):
        got += sock.recv(65536)
    return got


def after_mail(server):
    """A raw connection that has greeted and given MAIL FROM."""
    sock = connect(server)
    ehlo(sock)
    reply_to(sock, b"MAIL FROM:<a@client.test>")
    return sock


def test_a_split_reply_reaches_the_client_in_pieces_and_smtplib_reassembles_it(bounceback):
    server = bounceback()
    with_rules(server, rcpt_rule("split", 'split = [3, 10]\nsplit_pause = "300ms"'))
    sock = after_mail(server)
    sock.sendall(b"RCPT TO:<split@example.test>\r\n")
    pieces = [sock.recv(4096) for _ in range(3)]  # each arrives alone, 300 ms apart
    assert pieces == [b"250", b" 2.1.5 ", b"Ok\r\n"]
    sock.close()
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
        assert smtp.sendmail("a@client.test", ["split@example.test"], MESSAGE) == {}
    assert stored(server) == 1


def test_a_pause_between_the_lines_of_a_reply_outlasts_a_short_client_timeout(bounceback):
    server = bounceback()
    with_rules(server, '[[rule]]\non = "helo"\nline_pause = "400ms"\n')
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=0.3) as smtp:
        with pytest.raises(smtplib.SMTPServerDisconnected, match="timed out"):
            smtp.ehlo("client.test")  # the second line comes 400 ms after the first
    started = time.monotonic()
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=5) as smtp:
        code, text = smtp.ehlo("client.test")
        assert code == 250 and smtp.has_extn("chunking")
    lines = text.count(b"\n") + 1  # a pause between each two
    assert lines > 5 and time.monotonic() - started >= (lines - 1) * 0.4 - 0.05


def test_a_reply_that_never_ends_leaves_the_client_to_time_out(bounceback):
    server = bounceback()
    with_rules(server, '[[rule]]\non = "mail"\nmalformed = "no_final_line"\n')
    sock = connect(server)
    ehlo(sock)
    assert reply_to(sock, b"MAIL FROM:<a@client.test>") == b"250-2.1.0 Ok\r\n"
    sock.close()
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=1) as smtp:
        smtp.ehlo("client.test")
        with pytest.raises(smtplib.SMTPServerDisconnected, match="timed out"):
            smtp.mail("a@client.test")


def test_mixed_codes_smtplib_believes_the_last_line(bounceback):
    server = bounceback()
    with_rules(server, rcpt_rule("mixed", 'reply = "550 5.1.1 User unknown"\n'
                                          'malformed = "mixed_codes"'))
    sock = after_mail(server)
    assert reply_to(sock, b"RCPT TO:<mixed@example.test>", b"551 5.1.1 User unknown\r\n") == \
        b"550-5.1.1 User unknown\r\n551 5.1.1 User unknown\r\n"
    sock.close()
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            smtp.sendmail("a@client.test", ["mixed@example.test"], MESSAGE)
    assert refused.value.recipients["mixed@example.test"][0] == 551


def test_a_bare_lf_reply_is_read_by_smtplib(bounceback):
    server = bounceback()
    with_rules(server, '[[rule]]\non = "*"\nmalformed = "bare_lf"\n')
    sock = socket.create_connection(("127.0.0.1", server.smtp_port), timeout=10)
    assert sock.recv(4096) == b"220 localhost ESMTP Bounceback\n"
    assert reply_to(sock, b"NOOP", b"\n") == b"250 2.0.0 Ok\n"
    sock.close()
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
        assert smtp.sendmail("a@client.test", ["b@example.test"], MESSAGE) == {}
    assert stored(server) == 1


def test_a_line_over_512_octets_smtplib_takes_up_to_its_own_limit(bounceback):
    server = bounceback()
    with_rules(server, rcpt_rule("long", 'malformed = "long_line"\nline_length = 600') +
               rcpt_rule("huge", 'malformed = "long_line"\nline_length = 9000'))
    sock = after_mail(server)
    line = reply_to(sock, b"RCPT TO:<long@example.test>")
    assert len(line) == 600 and line.startswith(b"250 2.1.5 Ok xxx")
    sock.close()
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
        assert smtp.sendmail("a@client.test", ["long@example.test"], MESSAGE) == {}
    # Past smtplib's own bound (_MAXLINE, 8192) it gives up with a 500 of its own.
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
        smtp.ehlo("client.test")
        smtp.mail("a@client.test")
        with pytest.raises(smtplib.SMTPResponseException) as error:
            smtp.rcpt("huge@example.test")
    assert error.value.smtp_code == 500 and error.value.smtp_error == "Line too long."


def test_a_reply_with_no_text_is_its_code_alone(bounceback):
    server = bounceback()
    with_rules(server, rcpt_rule("bare", 'malformed = "no_text"') +
               rcpt_rule("gone", 'reply = "550 5.1.1 User unknown"\nmalformed = "no_text"'))
    sock = after_mail(server)
    assert reply_to(sock, b"RCPT TO:<bare@example.test>") == b"250\r\n"
    sock.close()
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
        assert smtp.sendmail("a@client.test", ["bare@example.test"], MESSAGE) == {}
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            smtp.sendmail("a@client.test", ["gone@example.test"], MESSAGE)
    assert refused.value.recipients == {"gone@example.test": (550, b"")}


def test_an_unsolicited_421_after_n_commands(bounceback):
    server = bounceback()
    # Counted from the connection: after the reply to the 2nd command line (MAIL).
    with_rules(server, '[[rule]]\non = "connect"\nshutdown_after = 2\n')
    sock = connect(server)
    ehlo(sock)
    got = reply_to(sock, b"MAIL FROM:<a@client.test>", SHUTDOWN)
    assert got == b"250 2.1.0 Ok\r\n" + SHUTDOWN
    assert sock.recv(4096) == b""  # then closed
    sock.close()
    # smtplib reads the 421 as RCPT's reply, closes, and says which recipient it refused.
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            smtp.sendmail("a@client.test", ["b@example.test"], MESSAGE)
    code, text = refused.value.recipients["b@example.test"]
    assert code == 421 and b"Service shutting down" in text
    assert stored(server) == 0


def test_an_unsolicited_421_on_a_timer(bounceback):
    server = bounceback()
    with_rules(server, '[[rule]]\non = "connect"\nshutdown_after = "700ms"\n')
    sock = connect(server)
    started = time.monotonic()
    sock.settimeout(5)
    assert sock.recv(4096) == SHUTDOWN  # unasked: the client said nothing
    assert 0.6 <= time.monotonic() - started < 3
    assert sock.recv(4096) == b""
    sock.close()
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
        smtp.ehlo("client.test")
        time.sleep(1)
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            smtp.sendmail("a@client.test", ["b@example.test"], MESSAGE)
    assert refused.value.smtp_code == 421


def test_a_delayed_greeting(bounceback):
    server = bounceback()
    with_rules(server, '[[rule]]\non = "connect"\ndelay = "800ms"\n')
    with pytest.raises(smtplib.SMTPServerDisconnected, match="timed out"):
        smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=0.3)
    started = time.monotonic()
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=5) as smtp:
        assert time.monotonic() - started >= 0.75
        assert smtp.sendmail("a@client.test", ["b@example.test"], MESSAGE) == {}


@pytest.mark.parametrize("greeting", ["421 4.3.2 mx.test Service not available",
                                      "450 4.7.1 Come back later",
                                      "554 5.7.1 No SMTP service here"])
def test_a_greeting_that_is_not_220(bounceback, greeting):
    server = bounceback()
    with_rules(server, f'[[rule]]\non = "connect"\nreply = "{greeting}"\n')
    with pytest.raises(smtplib.SMTPConnectError) as refused:
        smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10)
    assert refused.value.smtp_code == int(greeting[:3])
    assert refused.value.smtp_error.decode() == greeting[4:]
    # A 421 closes at once; after a 450 or a 554 only QUIT is served (RFC 5321 §3.1).
    sock = socket.create_connection(("127.0.0.1", server.smtp_port), timeout=10)
    assert sock.recv(4096) == greeting.encode() + b"\r\n"
    if greeting.startswith("421"):
        assert sock.recv(4096) == b""
    else:
        assert reply_to(sock, b"EHLO client.test").startswith(b"503 5.5.1")
        assert reply_to(sock, b"QUIT").startswith(b"221 ")
    sock.close()


def test_drop_with_a_reset_against_a_drop_with_a_fin(bounceback):
    server = bounceback()
    with_rules(server, rcpt_rule("fin", "drop = true") + rcpt_rule("rst", 'drop = "reset"'))

    def drop_at(rcpt):
        sock = after_mail(server)
        sock.sendall(b"RCPT TO:<" + rcpt + b">\r\n")
        try:
            return sock.recv(4096)
        except ConnectionResetError as e:
            return e
        finally:
            sock.close()

    assert drop_at(b"fin@example.test") == b""  # EOF: an orderly close
    reset = drop_at(b"rst@example.test")
    assert isinstance(reset, ConnectionResetError) and reset.errno == 104  # ECONNRESET

    def smtplib_error(rcpt):
        with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
            with pytest.raises(smtplib.SMTPServerDisconnected) as gone:
                smtp.sendmail("a@client.test", [rcpt], MESSAGE)
        return str(gone.value)

    assert smtplib_error("fin@example.test") == "Connection unexpectedly closed"
    assert smtplib_error("rst@example.test") == \
        "Connection unexpectedly closed: [Errno 104] Connection reset by peer"
    # The attempt log says both were dropped.
    status, _, body = http_call(server, "GET", "/api/v1/attempts")
    outcomes = {a["rcpt"]: a["outcome"] for a in json.loads(body)["attempts"]}
    assert outcomes == {"fin@example.test": "dropped", "rst@example.test": "dropped"}


def test_scenario_keys_are_checked(bounceback):
    server = bounceback()
    status, _, body = http_call(server, "PUT", "/api/v1/scenario",
                                body='name = "x"\n[[rule]]\non = "rcpt"\nmalformed = "garbled"\n')
    assert status == 400 and b"malformed" in body


def test_the_broken_mx_recipe_checks_and_breaks_as_documented(bounceback, tmp_path):
    toml = recipe("broken-mx", "toml")
    (tmp_path / "broken-mx.toml").write_text(toml)
    check = subprocess.run([BIN, "check", str(tmp_path / "broken-mx.toml")],
                           capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr
    server = bounceback("--scenario", str(tmp_path / "broken-mx.toml"))

    def send(rcpt, sender="a@client.test"):
        with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=3) as smtp:
            return smtp.sendmail(sender, [rcpt], MESSAGE)

    for delivered in ("split", "bare-lf"):
        assert send(f"{delivered}@example.test") == {}
    for bounced, code in (("mixed-codes", 551), ("no-text", 550)):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            send(f"{bounced}@example.test")
        assert refused.value.recipients[f"{bounced}@example.test"][0] == code
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:  # the 421 read as RCPT's reply
        send("b@example.test", sender="shutdown@client.test")
    assert refused.value.recipients["b@example.test"][0] == 421
    with pytest.raises(smtplib.SMTPResponseException) as too_long:
        send("long-line@example.test")
    assert too_long.value.smtp_code == 500
    for lost in ("no-final-line", "slow-lines", "fin", "reset"):
        with pytest.raises(smtplib.SMTPServerDisconnected):
            send(f"{lost}@example.test")
    assert stored(server) == 2
