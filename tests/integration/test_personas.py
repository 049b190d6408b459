"""Personas seen from EHLO to QUIT: the capability list a scenario sets (`[server]
extensions`), and a server that behaves without what it does not advertise, checked with
Python's smtplib and raw sockets against the real binary."""
import smtplib
import subprocess

import pytest

from conftest import BIN


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
