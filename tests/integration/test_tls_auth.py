"""STARTTLS, SMTPS and SMTP AUTH seen from real clients (openssl s_client, smtplib, swaks, raw
sockets) against the real binary: the generated certificate, plaintext injection, broken
handshakes, AUTH mechanisms, scenarios requiring TLS/AUTH, and redacted transcripts."""
import base64
import json
import os
import re
import smtplib
import ssl
import subprocess
import time
import urllib.request

import pytest

from conftest import need_swaks

USERS_SCENARIO = """
name = "users"
[server]
auth = "optional"
users = { alice = "secret", bob = "hunter2" }
"""


@pytest.fixture
def bounceback(bounceback):
    """Every server in this file offers STARTTLS, which is off by default (docs/tls-auth.md)."""
    return lambda *args, **kw: bounceback("--starttls", "on", *args, **kw)


def scenario(tmp_path, text, name="scenario.toml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def trusting(cert_file):
    ctx = ssl.create_default_context(cafile=str(cert_file))
    ctx.check_hostname = True
    return ctx


def api(server, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{server.http_port}{path}", timeout=10) as r:
        return json.loads(r.read())


def wait_session(server, predicate, timeout=10):
    """The newest session matching predicate, once it has ended (its facts are final)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for s in api(server, "/api/v1/sessions")["sessions"]:
            full = api(server, f"/api/v1/sessions/{s['id']}")
            if full.get("ended_at") and predicate(full):
                return full
        time.sleep(0.1)
    raise AssertionError("no matching session")


def b64(s):
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


# ---- certificate and STARTTLS --------------------------------------------------------------

def test_openssl_s_client_starttls_verifies_generated_certificate(bounceback, tmp_path):
    cert = tmp_path / "cert.pem"
    server = bounceback("--tls-export-cert", str(cert))
    out = subprocess.run(
        ["openssl", "s_client", "-starttls", "smtp", "-connect", f"127.0.0.1:{server.smtp_port}",
         "-CAfile", str(cert), "-verify_return_error", "-verify_hostname", "localhost",
         "-servername", "localhost", "-ign_eof"],
        input=b"EHLO after.tls\r\nQUIT\r\n", capture_output=True, timeout=20)
    text = out.stdout.decode("utf-8", "replace")
    assert "Verify return code: 0 (ok)" in text, text + out.stderr.decode()
    assert re.search(r"Protocol *: TLSv1\.[23]", text)
    # s_client prints the replies after the handshake: our EHLO lists AUTH, not STARTTLS.
    assert "250-AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2" in text
    assert "250-STARTTLS" not in text
    assert "221 2.0.0 Bye" in text
    # The logged fingerprint is the exported certificate's.
    fp = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-fingerprint",
                         "-sha256"], capture_output=True, text=True, check=True).stdout
    assert fp.strip().split("=", 1)[1] in server.log()
    san = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-ext",
                          "subjectAltName"], capture_output=True, text=True, check=True).stdout
    assert "DNS:localhost" in san and "IP Address:127.0.0.1" in san


def test_certificate_names_the_hostname(bounceback, tmp_path):
    cert = tmp_path / "cert.pem"
    server = bounceback("--hostname", "mx.bounce.test", "--tls-export-cert", str(cert))
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.ehlo("c.test")
        s.starttls(context=trusting(cert))  # checks the name given to SMTP(): 127.0.0.1
    san = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-ext",
                          "subjectAltName"], capture_output=True, text=True, check=True).stdout
    assert "DNS:mx.bounce.test" in san


def test_given_certificate_and_key_are_used(bounceback, tmp_path):
    key, crt = tmp_path / "key.pem", tmp_path / "crt.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(crt), "-days", "2", "-subj", "/CN=given.test",
                    "-addext", "subjectAltName=DNS:given.test,IP:127.0.0.1"],
                   check=True, capture_output=True)
    server = bounceback("--tls-cert", str(crt), "--tls-key", str(key))
    assert "tls certificate loaded" in server.log()
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.starttls(context=trusting(crt))
        assert s.sock.getpeercert()["subject"] == ((("commonName", "given.test"),),)


def test_bad_tls_options_exit_2(tmp_path):
    binary = os.environ.get("BOUNCEBACK_BIN", "build/bounceback")
    for args in (["--tls-cert", str(tmp_path / "missing.pem"), "--tls-key", "x"],
                 ["--tls-min-version", "2.0"], ["--tls-ciphers", "NOPE-NOT-A-CIPHER"]):
        p = subprocess.run([binary, "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", *args],
                           capture_output=True, text=True, timeout=10)
        assert p.returncode == 2, (args, p.stderr)
        assert p.stderr.startswith("bounceback: --tls-"), p.stderr


def test_tls_min_version_1_3_refuses_tls_1_2(bounceback):
    server = bounceback("--tls-min-version", "1.3")
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        with pytest.raises(ssl.SSLError):
            s.starttls(context=ctx)


def test_smtps_port_with_smtp_ssl(bounceback, tmp_path):
    cert = tmp_path / "cert.pem"
    server = bounceback("--smtps", "127.0.0.1:0", "--tls-export-cert", str(cert))
    assert server.smtps_port
    with smtplib.SMTP_SSL("127.0.0.1", server.smtps_port, context=trusting(cert)) as s:
        code, caps = s.ehlo("ssl.test")
        assert code == 250 and b"STARTTLS" not in caps and b"AUTH PLAIN" in caps
        s.login("anyone", "anything")  # no users table: any credentials pass
        assert s.sendmail("a@example.test", ["b@example.test"], b"Subject: s\r\n\r\nx\r\n") == {}
    [m] = api(server, "/api/v1/messages")["messages"]
    detail = api(server, f"/api/v1/messages/{m['id']}")
    assert detail["tls"] is True and detail["auth_user"] == "anyone"


def tls_wrap(client):
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    client.sock = ctx.wrap_socket(client.sock, server_hostname="localhost")
    assert client.buf == b""


def test_plaintext_pipelined_after_starttls_is_never_executed(bounceback, client_for):
    server = bounceback()
    c = client_for(server)
    assert c.reply()[0] == 220
    assert c.cmd("EHLO inject.test")[0] == 250
    # One write: STARTTLS and an injected transaction (CVE-2011-0411).
    c.send("STARTTLS\r\nMAIL FROM:<inject@evil.test>\r\nRSET\r\n")
    assert c.reply() == (220, ["220 2.0.0 Ready to start TLS"])
    tls_wrap(c)  # fails if the server had answered MAIL/RSET in plain text
    code, lines = c.cmd("EHLO inject.test")
    assert code == 250 and not any("STARTTLS" in l for l in lines)
    assert c.cmd("RCPT TO:<victim@example.test>")[1] == ["503 5.5.1 Error: need MAIL command"]
    assert c.cmd("STARTTLS")[1] == ["554 5.5.1 Error: TLS already active"]
    assert c.cmd("QUIT")[0] == 221


def test_close_notify_is_waited_for_briefly(bounceback, client_for):
    """After QUIT the server sends its TLS close_notify and waits for the client's; a client that
    never answers (nor closes) is let go after ~2 s, not after the idle timeout."""
    server = bounceback("--idle-timeout", "60s")
    c = client_for(server)
    assert c.reply()[0] == 220
    c.cmd("EHLO quiet.test")
    assert c.cmd("STARTTLS")[0] == 220
    tls_wrap(c)
    assert c.cmd("EHLO quiet.test")[0] == 250
    start = time.monotonic()
    assert c.cmd("QUIT")[0] == 221
    # The client neither reads the close_notify nor closes: the socket stays open here.
    assert server.wait_for_log("session closed", 10), server.log()
    assert time.monotonic() - start < 6


def test_broken_handshake_does_not_disturb_another_session(bounceback, client_for):
    server = bounceback()
    good = client_for(server)
    assert good.reply()[0] == 220
    assert good.cmd("EHLO good.test")[0] == 250
    assert good.cmd("MAIL FROM:<a@example.test>")[0] == 250

    bad = client_for(server)
    bad.reply()
    bad.cmd("EHLO bad.test")
    assert bad.cmd("STARTTLS")[0] == 220
    bad.send(b"this is not a TLS ClientHello\r\n" * 4)
    assert bad.closed()

    assert good.cmd("RCPT TO:<b@example.test>")[0] == 250
    assert good.cmd("DATA")[0] == 354
    code, lines = good.cmd("Subject: ok\r\n\r\nfine\r\n.")
    assert code == 250 and "queued as" in lines[0]
    assert server.wait_for_log("tls handshake failed")
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:  # still serving
        s.starttls(context=ssl._create_unverified_context())
        assert s.noop()[0] == 250


def test_starttls_rules_454_and_abort_after_220(bounceback, tmp_path, client_for):
    path = scenario(tmp_path, """
name = "tls-faults"
[[rule]]
on = "starttls"
helo = "refuse.test"
reply = "454 4.7.0 TLS not available due to local problem"

[[rule]]
on = "starttls"
helo = "abort.test"
reply = "220 2.0.0 Ready to start TLS"
disconnect = true
""")
    server = bounceback("--scenario", path)
    with smtplib.SMTP("127.0.0.1", server.smtp_port, local_hostname="refuse.test") as s:
        s.ehlo()
        with pytest.raises(smtplib.SMTPResponseException) as e:
            s.starttls()
        assert e.value.smtp_code == 454
        assert s.mail("a@example.test")[0] == 250  # still usable in plain text
    s = smtplib.SMTP("127.0.0.1", server.smtp_port, local_hostname="abort.test")
    s.ehlo()
    with pytest.raises((ssl.SSLError, ConnectionError, smtplib.SMTPServerDisconnected, OSError)):
        s.starttls(context=ssl._create_unverified_context())
    s.close()


def test_tls_required_scenario(bounceback, tmp_path):
    path = scenario(tmp_path, 'name = "t"\n[server]\ntls = "required"\nauth = "optional"\n')
    server = bounceback("--scenario", path)
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        code, caps = s.ehlo("c.test")
        assert b"STARTTLS" in caps and b"AUTH" not in caps
        assert s.mail("a@example.test") == (530, b"5.7.0 Must issue a STARTTLS command first")
        assert s.docmd("AUTH", "PLAIN " + b64("\0alice\0pw"))[0] == 538
        s.starttls(context=ssl._create_unverified_context())
        s.ehlo("c.test")
        s.login("alice", "pw")
        assert s.sendmail("a@example.test", ["b@example.test"], b"x\r\n") == {}


# ---- AUTH ----------------------------------------------------------------------------------

def test_auth_only_after_starttls_when_starttls_is_on(bounceback):
    server = bounceback()
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        code, caps = s.ehlo("c.test")
        assert b"AUTH" not in caps and b"STARTTLS" in caps
        assert s.docmd("AUTH", "PLAIN " + b64("\0u\0p")) == (
            538, b"5.7.11 Encryption required for requested authentication mechanism")
        s.starttls(context=ssl._create_unverified_context())
        code, caps = s.ehlo("c.test")
        assert b"AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2" in caps
        assert s.login("whoever", "whatever")[0] == 235


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_smtplib_starttls_login_each_mechanism(bounceback, tmp_path, mechanism):
    cert = tmp_path / "cert.pem"
    server = bounceback("--scenario", scenario(tmp_path, USERS_SCENARIO),
                        "--tls-export-cert", str(cert))
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.ehlo("c.test")
        s.starttls(context=trusting(cert))
        s.ehlo("c.test")
        s.user, s.password = "alice", "secret"
        method = {"PLAIN": s.auth_plain, "LOGIN": s.auth_login, "CRAM-MD5": s.auth_cram_md5}
        code, text = s.auth(mechanism, method[mechanism], initial_response_ok=False)
        assert (code, text) == (235, b"2.7.0 Authentication successful")
        s.sendmail("alice@example.test", ["x@example.test"], b"Subject: a\r\n\r\nb\r\n")
    [m] = api(server, "/api/v1/messages")["messages"]
    detail = api(server, f"/api/v1/messages/{m['id']}")
    assert detail["auth_user"] == "alice" and detail["tls"] is True


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_bad_credentials_get_535(bounceback, tmp_path, mechanism):
    server = bounceback("--scenario", scenario(tmp_path, USERS_SCENARIO))
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.ehlo("c.test")
        s.starttls(context=ssl._create_unverified_context())
        s.ehlo("c.test")
        s.user, s.password = "alice", "wrong"
        method = {"PLAIN": s.auth_plain, "LOGIN": s.auth_login, "CRAM-MD5": s.auth_cram_md5}
        with pytest.raises(smtplib.SMTPAuthenticationError) as e:
            s.auth(mechanism, method[mechanism])
        assert e.value.smtp_code == 535 and e.value.smtp_error.startswith(b"5.7.8")
        s.user = "nobody"
        s.password = "secret"
        with pytest.raises(smtplib.SMTPAuthenticationError):
            s.auth(mechanism, method[mechanism])


def test_xoauth2_with_token_table(bounceback, tmp_path):
    server = bounceback("--scenario", scenario(tmp_path, USERS_SCENARIO))
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.ehlo("c.test")
        s.starttls(context=ssl._create_unverified_context())
        s.ehlo("c.test")
        bad = "user=alice\x01auth=Bearer expired-token\x01\x01"
        with pytest.raises(smtplib.SMTPAuthenticationError) as e:
            s.auth("XOAUTH2", lambda challenge=None: bad if challenge is None else "")
        assert e.value.smtp_code == 535
        good = "user=alice\x01auth=Bearer secret\x01\x01"
        assert s.auth("XOAUTH2", lambda challenge=None: good)[0] == 235


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_swaks_tls_auth(bounceback, tmp_path, mechanism):
    need_swaks("TLS")
    server = bounceback("--scenario", scenario(tmp_path, USERS_SCENARIO))
    run = subprocess.run(
        ["swaks", "--server", f"127.0.0.1:{server.smtp_port}", "--tls", "--auth", mechanism,
         "--auth-user", "bob", "--auth-password", "hunter2", "--from", "bob@example.test",
         "--to", "rcpt@example.test", "--helo", "swaks.test"],
        capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "235 2.7.0 Authentication successful" in run.stdout
    # swaks prints its own secrets; the server's transcript must not hold them
    s = wait_session(server, lambda s: s["auth_user"] == "bob")
    assert s["tls"] is True
    lines = [t["line"] for t in s["transcript"]]
    assert not any("hunter2" in l or b64("hunter2") in l or b64("\0bob\0hunter2") in l
                   for l in lines), lines


def test_auth_required_scenario(bounceback, tmp_path):
    path = scenario(tmp_path, 'name = "r"\n[server]\nauth = "required"\n'
                              'users = { alice = "secret" }\n')
    server = bounceback("--scenario", path)
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        code, caps = s.ehlo("c.test")
        assert b"AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2" in caps  # plain text allowed: tls not required
        assert s.mail("a@example.test") == (530, b"5.7.0 Authentication required")
        s.rset()
        s.login("alice", "secret")
        assert s.docmd("AUTH", "PLAIN " + b64("\0alice\0secret")) == (
            503, b"5.5.1 Error: already authenticated")
        assert s.sendmail("a@example.test", ["b@example.test"], b"x\r\n") == {}


def test_auth_optional_and_off(bounceback, tmp_path, client_for):
    server = bounceback("--scenario", scenario(tmp_path, 'name = "o"\n[server]\nauth = "off"\n'))
    c = client_for(server)
    c.reply()
    code, lines = c.cmd("EHLO c.test")
    assert not any("AUTH" in l for l in lines)
    assert c.cmd("AUTH PLAIN")[1] == ["502 5.5.1 Error: authentication not enabled"]
    assert c.cmd("MAIL FROM:<a@example.test>")[0] == 250
    other = bounceback("--scenario", scenario(tmp_path, USERS_SCENARIO, "u.toml"))
    c = client_for(other)
    c.reply()
    c.cmd("EHLO c.test")
    assert c.cmd("MAIL FROM:<a@example.test>")[0] == 250  # optional: MAIL without AUTH
    assert c.cmd("AUTH PLAIN")[1] == ["503 5.5.1 Error: MAIL transaction in progress"]
    c.cmd("RSET")
    assert c.cmd("AUTH LOGIN") == (334, ["334 VXNlcm5hbWU6"])
    assert c.cmd("*")[1] == ["501 5.0.0 Error: authentication aborted"]
    assert c.cmd("AUTH PLAIN not*base64")[1] == ["501 5.5.2 Error: cannot decode response"]


def test_auth_rules_with_auth_user_matchers(bounceback, tmp_path):
    path = scenario(tmp_path, """
name = "auth-rules"
[server]
auth = "optional"
[[rule]]
on = "auth"
auth_user = "blocked*"
reply = "535 5.7.8 Authentication credentials invalid"

[[rule]]
on = "mail"
auth_user = "limited"
reply = "550 5.7.1 Sender not allowed for this user"
""")
    server = bounceback("--scenario", path)
    with smtplib.SMTP("127.0.0.1", server.smtp_port) as s:
        s.ehlo("c.test")
        with pytest.raises(smtplib.SMTPAuthenticationError) as e:
            s.login("blocked-user", "any")
        assert e.value.smtp_error == b"5.7.8 Authentication credentials invalid"
        s.login("limited", "any")
        assert s.mail("a@example.test") == (550, b"5.7.1 Sender not allowed for this user")


def test_transcript_redacts_auth(bounceback, tmp_path, client_for):
    server = bounceback("--scenario", scenario(tmp_path, USERS_SCENARIO))
    c = client_for(server)
    c.reply()
    c.cmd("EHLO redact.test")
    assert c.cmd("AUTH PLAIN " + b64("\0alice\0secret"))[0] == 235
    c.cmd("QUIT")
    c = client_for(server)
    c.reply()
    c.cmd("EHLO redact2.test")
    assert c.cmd("AUTH LOGIN")[0] == 334
    assert c.cmd(b64("bob"))[0] == 334
    assert c.cmd(b64("hunter2"))[0] == 235
    c.cmd("QUIT")
    for user, secrets in (("alice", ["secret", b64("\0alice\0secret")]),
                          ("bob", ["hunter2", b64("hunter2")])):
        s = wait_session(server, lambda s, u=user: s["auth_user"] == u)
        lines = [t["line"] for t in s["transcript"] if t["dir"] == "in"]
        assert not any(x in l for l in lines for x in secrets), lines
        assert ("AUTH PLAIN ****" in lines) if user == "alice" else (lines.count("****") == 2)
