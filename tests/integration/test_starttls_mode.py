"""--starttls off|on|required seen from a real client (smtplib; openssl only makes a
certificate) against the real binary: STARTTLS is opt-in (off by default, as in Mailpit and MailHog), turned on by the option,
by a certificate of one's own, or by the scenario's [server] tls; SMTPS works either way."""
import smtplib
import ssl
import subprocess

import pytest

from conftest import BIN


def unverified():
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    return ctx


def make_cert(tmp_path):
    crt, key = tmp_path / "own.crt", tmp_path / "own.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-keyout", str(key), "-out", str(crt)], check=True, capture_output=True)
    return crt, key


def test_default_offers_no_starttls_and_refuses_it_as_postfix_does(bounceback):
    server = bounceback()
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        code, caps = s.ehlo("c.test")
        assert code == 250 and not s.has_extn("starttls"), caps
        # Postfix without TLS: 502 5.5.1, not 454 (which would invite a retry).
        assert s.docmd("STARTTLS") == (502, b"5.5.1 Error: command not implemented")
        with pytest.raises(smtplib.SMTPNotSupportedError):
            s.starttls()
        # Without TLS on offer, AUTH is offered in plain text, and mail flows.
        assert s.has_extn("auth")
        assert s.login("anyone", "anything")[0] == 235
        assert s.sendmail("a@example.test", ["b@example.test"], b"Subject: x\r\n\r\nx\r\n") == {}


def test_on_advertises_starttls_and_smtplib_upgrades(bounceback):
    server = bounceback("--starttls", "on")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo("c.test")
        assert s.has_extn("starttls")
        assert s.starttls(context=unverified())[0] == 220
        s.ehlo("c.test")
        assert not s.has_extn("starttls")
        assert s.sendmail("a@example.test", ["b@example.test"], b"Subject: x\r\n\r\nx\r\n") == {}


# openssl s_client upgrading with --starttls on, the certificate verified: test_tls_auth.py
# (test_openssl_s_client_starttls_verifies_generated_certificate, whose servers run with it).

def test_required_refuses_mail_before_starttls(bounceback):
    server = bounceback("--starttls", "required")
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo("c.test")
        assert s.has_extn("starttls")
        assert s.mail("a@example.test") == (530, b"5.7.0 Must issue a STARTTLS command first")
        s.rset()
        s.starttls(context=unverified())
        s.ehlo("c.test")
        assert s.sendmail("a@example.test", ["b@example.test"], b"Subject: x\r\n\r\nx\r\n") == {}


def test_own_certificate_turns_starttls_on(bounceback, tmp_path):
    crt, key = make_cert(tmp_path)
    server = bounceback("--tls-cert", str(crt), "--tls-key", str(key))
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo("c.test")
        assert s.has_extn("starttls")
    off = bounceback("--tls-cert", str(crt), "--tls-key", str(key), "--starttls", "off")
    with smtplib.SMTP("127.0.0.1", off.smtp_port, timeout=10) as s:
        s.ehlo("c.test")
        assert not s.has_extn("starttls")


def test_scenario_tls_decides_over_the_default(bounceback, tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('name = "t"\n[server]\ntls = "optional"\n')
    server = bounceback("--scenario", str(path))
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo("c.test")
        assert s.has_extn("starttls")


def test_smtps_works_with_starttls_off(bounceback):
    server = bounceback("--smtps", "127.0.0.1:0")
    with smtplib.SMTP_SSL("127.0.0.1", server.smtps_port, context=unverified(), timeout=10) as s:
        s.ehlo("c.test")
        assert not s.has_extn("starttls")
        assert s.sendmail("a@example.test", ["b@example.test"], b"Subject: x\r\n\r\nx\r\n") == {}


def test_config_file_key(bounceback, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('starttls = "required"\n')
    server = bounceback("--config", str(config))
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo("c.test")
        assert s.has_extn("starttls")
        assert s.mail("a@example.test")[0] == 530


def test_config_file_and_bad_value(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('starttls = "sometimes"\n')
    p = subprocess.run([BIN, "serve", "--config", str(config)], capture_output=True, text=True,
                       timeout=20)
    assert p.returncode == 2
    assert "starttls" in p.stderr and "off, on or required" in p.stderr, p.stderr
