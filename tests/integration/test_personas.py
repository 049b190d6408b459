"""Personas seen from EHLO to QUIT: the capability list a scenario sets (`[server]
extensions`), and a server that behaves without what it does not advertise, checked with
Python's smtplib and raw sockets against the real binary."""
import json
import re
import smtplib
import socket
import subprocess

import pytest

from conftest import BIN, http_call


def scenario_file(tmp_path, text, name="persona.toml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


NO_DSN_NO_CHUNKING = """
[server]
hostname = "mx.persona.test"
extensions = ["SIZE", "8BITMIME", "PIPELINING", "SMTPUTF8", "ENHANCEDSTATUSCODES"]
"""


def test_ehlo_lists_the_scenario_extensions_in_order(bounceback, tmp_path):
    server = bounceback("--scenario", scenario_file(tmp_path, NO_DSN_NO_CHUNKING),
                        "--max-size", "1000")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        code, text = s.ehlo("client.test")
        assert code == 250
        assert text.decode().split("\n") == ["mx.persona.test", "SIZE 1000", "8BITMIME",
                                             "PIPELINING", "SMTPUTF8", "ENHANCEDSTATUSCODES"]
        assert set(s.esmtp_features) == {"size", "8bitmime", "pipelining", "smtputf8",
                                         "enhancedstatuscodes"}
        assert not s.has_extn("dsn") and not s.has_extn("chunking")


def test_default_server_still_offers_dsn_and_chunking(bounceback):
    server = bounceback()
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo("client.test")
        assert s.has_extn("dsn") and s.has_extn("chunking") and s.has_extn("enhancedstatuscodes")
        assert s.mail("a@client.test", ["RET=HDRS"])[0] == 250
        assert s.rcpt("b@example.test", ["NOTIFY=SUCCESS,FAILURE"])[0] == 250


def test_dsn_parameters_get_555_without_dsn(bounceback, tmp_path):
    server = bounceback("--scenario", scenario_file(tmp_path, NO_DSN_NO_CHUNKING))
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo("client.test")
        assert s.mail("a@client.test", ["RET=FULL"])[0] == 555
        assert s.mail("a@client.test", ["ENVID=abc"])[0] == 555
        assert s.mail("a@client.test", ["SIZE=100"])[0] == 250
        code, text = s.rcpt("b@example.test", ["NOTIFY=FAILURE"])
        assert (code, text) == (555, b"5.5.4 Error: parameter not recognized")
        assert s.rcpt("b@example.test", ["ORCPT=rfc822;b@example.test"])[0] == 555
        assert s.rcpt("b@example.test")[0] == 250


def test_smtplib_sends_without_dsn_options_it_cannot_use(bounceback, tmp_path):
    """A client that asks for DSN where the server offers none learns it at RCPT, as from a
    real MX without DSN; without the options the same message goes through."""
    server = bounceback("--scenario", scenario_file(tmp_path, NO_DSN_NO_CHUNKING))
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            s.sendmail("a@client.test", ["b@example.test"], b"Subject: x\r\n\r\nhi\r\n",
                       rcpt_options=["NOTIFY=FAILURE"])
        assert refused.value.recipients["b@example.test"][0] == 555
        s.rset()
        assert s.sendmail("a@client.test", ["b@example.test"], b"Subject: x\r\n\r\nhi\r\n") == {}


def test_bdat_is_not_implemented_without_chunking(bounceback, client_for, tmp_path):
    server = bounceback("--scenario", scenario_file(tmp_path, NO_DSN_NO_CHUNKING))
    c = client_for(server)
    assert c.reply()[0] == 220
    assert c.cmd("EHLO client.test")[0] == 250
    assert c.cmd("MAIL FROM:<a@client.test>")[0] == 250
    assert c.cmd("RCPT TO:<b@example.test>")[0] == 250
    assert c.cmd("BDAT 4 LAST") == (502, ["502 5.5.1 Error: command not implemented"])
    # The chunk was not read as data: the server takes it for a command line.
    assert c.cmd("NOOP")[0] == 250
    assert c.cmd("DATA")[0] == 354
    c.send("Subject: x\r\n\r\nhi\r\n.\r\n")
    assert c.reply()[0] == 250


def test_bdat_works_with_chunking(bounceback, client_for, tmp_path):
    server = bounceback("--scenario", scenario_file(
        tmp_path, '[server]\nextensions = ["CHUNKING", "PIPELINING"]\n'))
    c = client_for(server)
    assert c.reply()[0] == 220
    assert c.cmd("EHLO client.test")[1][1:] == ["250-CHUNKING", "250 PIPELINING"]
    assert c.cmd("MAIL FROM:<a@client.test>")[0] == 250
    assert c.cmd("RCPT TO:<b@example.test>")[0] == 250
    c.send("BDAT 4 LAST\r\nhi\r\n")
    assert c.reply()[0] == 250


def test_unknown_extension_is_refused_by_check(bounceback, tmp_path):
    path = scenario_file(tmp_path, '[server]\nextensions = ["SIZE", "XEXCH50"]\n', "bad.toml")
    result = subprocess.run([BIN, "check", path], capture_output=True, text=True)
    assert result.returncode == 1
    assert f"{path}:2:23: server.extensions[1]: unknown extension \"XEXCH50\"" in result.stdout


# ---- the built-in personas, from banner to 221 ------------------------------------------

# What each provider's MX advertises (docs/scenarios.md, "What the personas copy").
PERSONA_FEATURES = {
    "gmail": ["SIZE 157286400", "8BITMIME", "ENHANCEDSTATUSCODES", "PIPELINING", "CHUNKING",
              "SMTPUTF8"],
    "outlook": ["SIZE 157286400", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES", "8BITMIME",
                "BINARYMIME", "CHUNKING", "SMTPUTF8"],
    "yahoo": ["PIPELINING", "SIZE 41943040", "8BITMIME"],
    "orange": ["HELP", "SIZE 44000000", "ENHANCEDSTATUSCODES", "8BITMIME"],
}


@pytest.mark.parametrize("name", sorted(PERSONA_FEATURES))
def test_persona_advertises_what_its_provider_does(bounceback, name):
    """STARTTLS is in every list but shows only when the server can start TLS (it cannot
    without --starttls or a certificate)."""
    server = bounceback("--scenario", name)
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        code, text = s.ehlo("client.test")
        assert code == 250
        assert text.decode().split("\n")[1:] == PERSONA_FEATURES[name]
        assert not s.has_extn("vrfy") and not s.has_extn("auth")


def test_persona_offers_starttls_when_tls_can_start(bounceback):
    server = bounceback("--scenario", "gmail", "--starttls", "on")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo("client.test")
        assert s.has_extn("starttls")
        assert list(s.esmtp_features)[:4] == ["size", "8bitmime", "starttls",
                                              "enhancedstatuscodes"]


def conversation(server, lines):
    """Sends `lines` one by one (a None sends the message "hi" after 354) and returns every
    reply line, the banner first."""
    sock = socket.create_connection(("127.0.0.1", server.smtp_port), timeout=10)
    f = sock.makefile("rb")

    def reply():
        out = []
        while True:
            line = f.readline().decode().rstrip("\r\n")
            out.append(line)
            if len(line) < 4 or line[3] == " ":
                return out
    got = reply()
    for line in lines:
        sock.sendall(b"Subject: x\r\n\r\nhi\r\n.\r\n" if line is None else line.encode() + b"\r\n")
        got += reply()
    sock.close()
    return got


SESSION = ["EHLO client.test", "MAIL FROM:<alice@example.test>", "RCPT TO:<bob@example.test>",
           "DATA", None, "QUIT"]
TOKEN = r"[0-9a-f]{16}"


@pytest.mark.parametrize("name,expected", [
    ("gmail", [rf"220 mx\.google\.com ESMTP (?P<id>{TOKEN}) - gsmtp",
               r"250-mx\.google\.com at your service, \[127\.0\.0\.1\]",
               r"250-SIZE 157286400", r"250-8BITMIME", r"250-ENHANCEDSTATUSCODES",
               r"250-PIPELINING", r"250-CHUNKING", r"250 SMTPUTF8",
               r"250 2\.1\.0 OK (?P=id) - gsmtp", r"250 2\.1\.5 OK (?P=id) - gsmtp",
               r"354  Go ahead (?P=id) - gsmtp", r"250 2\.0\.0 OK  \d{10} (?P=id) - gsmtp",
               r"221 2\.0\.0 closing connection (?P=id) - gsmtp"]),
    ("outlook", [r"220 example-com\.mail\.protection\.outlook\.com Microsoft ESMTP MAIL Service "
                 r"ready at \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000",
                 r"250-example-com\.mail\.protection\.outlook\.com Hello \[127\.0\.0\.1\]",
                 r"250-SIZE 157286400", r"250-PIPELINING", r"250-DSN",
                 r"250-ENHANCEDSTATUSCODES", r"250-8BITMIME", r"250-BINARYMIME", r"250-CHUNKING",
                 r"250 SMTPUTF8", r"250 2\.1\.0 Sender OK", r"250 2\.1\.5 Recipient OK",
                 r"354 Start mail input; end with <CRLF>\.<CRLF>",
                 rf"250 2\.6\.0 <{TOKEN}@example-com\.mail\.protection\.outlook\.com> "
                 r"\[InternalId=\d+, Hostname=\S+\] \d+ bytes in \S+ \S+ KB/sec Queued mail "
                 r"for delivery",
                 r"221 2\.0\.0 Service closing transmission channel"]),
    ("yahoo", [r"220 mta7\.am0\.yahoodns\.net ESMTP ready", r"250-mta7\.am0\.yahoodns\.net",
               r"250-PIPELINING", r"250-SIZE 41943040", r"250 8BITMIME",
               r"250 sender <alice@example\.test> ok", r"250 recipient <bob@example\.test> ok",
               r"354 End data with <CR><LF>\.<CR><LF>", r"250 ok dirdel", r"221 Bye"]),
    ("orange", [r"220 mwinf5d14 ME ESMTP server ready",
                r"250-mwinf5d14 hello \[127\.0\.0\.1\], pleased to meet you", r"250-HELP",
                r"250-SIZE 44000000", r"250-ENHANCEDSTATUSCODES", r"250 8BITMIME",
                r"250 2\.1\.0 <alice@example\.test> sender ok",
                r"250 2\.1\.5 <bob@example\.test> recipient ok",
                r'354 enter mail, end with "\." on a line by itself',
                rf"250 2\.0\.0 {TOKEN} mail accepted for delivery",
                r"221 2\.0\.0 mwinf5d14 ME closing connection"]),
])
def test_persona_session_reads_as_its_provider(bounceback, name, expected):
    server = bounceback("--scenario", name)
    got = conversation(server, SESSION)
    assert re.fullmatch("\n".join(expected), "\n".join(got)), "\n".join(got)


def test_yahoo_persona_sends_no_enhanced_codes_of_its_own(bounceback):
    """Yahoo's MX does not advertise ENHANCEDSTATUSCODES: the server's own refusals come
    without them, its scripted ones as Yahoo words them; no DSN, no BDAT."""
    server = bounceback("--scenario", "yahoo")
    got = conversation(server, ["EHLO client.test", "RCPT TO:<bob@example.test>",
                                "MAIL FROM:<alice@example.test> RET=HDRS",
                                "MAIL FROM:<blocked@example.test>",
                                "MAIL FROM:<alice@example.test>",
                                "RCPT TO:<bob@example.test> NOTIFY=FAILURE",
                                "RCPT TO:<bob@example.test>", "BDAT 3 LAST", "QUIT"])
    assert got[5:] == [
        "503 Error: need MAIL command",
        "555 Error: parameter not recognized",
        "553 5.7.2 [TSS09] All messages from 127.0.0.1 will be permanently deferred; Retrying "
        "will NOT succeed. See https://postmaster.yahooinc.com/error-codes",
        "250 sender <alice@example.test> ok",
        "555 Error: parameter not recognized",
        "250 recipient <bob@example.test> ok",
        "502 Error: command not implemented",
        "221 Bye"]


BIG = 26 * 1024 * 1024  # over Gmail's 25 MiB, under the SIZE it advertises


def big_message():
    line = b"x" * 998 + b"\r\n"
    return b"Subject: big\r\n\r\n" + line * (BIG // len(line) + 1)


def test_gmail_refuses_over_25_mib_at_mail_from_size(bounceback):
    server = bounceback("--scenario", "gmail")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as s:
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            s.sendmail("alice@example.test", ["bob@gmail.com"], big_message())  # sends SIZE=
        assert refused.value.smtp_code == 552
        text = refused.value.smtp_error.decode()
        assert text.startswith("5.2.3 Your message exceeded Google's message size limits.")
        assert "https://support.google.com/mail/?p=MaxSizeError" in text
        assert text.endswith(" - gsmtp")
    assert http_messages(server) == 0


def test_gmail_refuses_over_25_mib_by_actual_size(bounceback):
    server = bounceback("--scenario", "gmail")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as s:
        s.ehlo("client.test")
        assert s.mail("alice@example.test")[0] == 250  # no SIZE=: only the data tells
        assert s.rcpt("bob@gmail.com")[0] == 250
        code, text = s.data(big_message())
        assert code == 552
        assert text.decode().startswith("5.2.3 Your message exceeded Google's message size")
        # Under 25 MiB the same session delivers.
        assert s.sendmail("alice@example.test", ["bob@gmail.com"], b"Subject: s\r\n\r\nhi\r\n") == {}
    assert http_messages(server) == 1


def http_messages(server):
    status, _, body = http_call(server, "GET", "/api/v1/messages")
    assert status == 200
    return len(json.loads(body)["messages"])
