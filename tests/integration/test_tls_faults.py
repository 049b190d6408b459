"""Scripted TLS faults seen from real clients (openssl s_client, Python ssl/smtplib) against the
real binary: [server] certificate = "expired" | "not-yet-valid" | "wrong-host" | "self-signed" |
"valid", switched for new sessions by a scenario PUT over the HTTP API, and [server]
tls_handshake = "abort" | "close", which break the handshake of new sessions only."""
import smtplib
import ssl
import subprocess
import urllib.request

import pytest

MESSAGE = b"Subject: tls fault\r\n\r\nbody\r\n"


@pytest.fixture
def bounceback(bounceback):
    """Every server in this file offers STARTTLS, which is off by default (docs/tls-auth.md)."""
    return lambda *args, **kw: bounceback("--starttls", "on", *args, **kw)


def scenario_file(tmp_path, server_table, name="scenario.toml"):
    path = tmp_path / name
    path.write_text(f'name = "{name[:-5]}"\n[server]\n{server_table}\n')
    return str(path)


def put_scenario(server, text):
    req = urllib.request.Request(f"http://127.0.0.1:{server.http_port}/api/v1/scenario",
                                 data=text.encode(), method="PUT")
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200


def metric(server, name):
    """The value of the sample `name` (with its labels, e.g. 'x_total{result="failure"}')."""
    with urllib.request.urlopen(f"http://127.0.0.1:{server.http_port}/metrics", timeout=10) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
    raise AssertionError(f"no metric {name}")


def trusting(cert_file, check_hostname=True):
    ctx = ssl.create_default_context(cafile=str(cert_file))
    ctx.check_hostname = check_hostname
    return ctx


def unverified():
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    return ctx


def s_client(server, cert, *extra):
    """openssl s_client -starttls smtp verifying against cert (and the name localhost)."""
    out = subprocess.run(
        ["openssl", "s_client", "-starttls", "smtp", "-connect", f"127.0.0.1:{server.smtp_port}",
         "-CAfile", str(cert), "-verify_return_error", "-verify_hostname", "localhost",
         "-servername", "localhost", *extra],
        input=b"QUIT\r\n", capture_output=True, timeout=20)
    return out.stdout.decode("utf-8", "replace") + out.stderr.decode("utf-8", "replace")


def starttls_error(server, ctx):
    """The SSL error smtplib's STARTTLS meets (None when the handshake succeeds)."""
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo("fault.test")
        try:
            s.starttls(context=ctx)
        except ssl.SSLError as e:
            return e
        s.ehlo("fault.test")
        return None


def send_over_tls(server, ctx):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.starttls(context=ctx)
        return s.sendmail("a@example.test", ["b@example.test"], MESSAGE)


# ---- certificate faults ----------------------------------------------------------------------

def test_expired_certificate_fails_verification(bounceback, tmp_path):
    cert = tmp_path / "ca.pem"
    server = bounceback("--tls-export-cert", str(cert),
                        "--scenario", scenario_file(tmp_path, 'certificate = "expired"'))
    text = s_client(server, cert)
    assert "Verify return code: 10 (certificate has expired)" in text, text
    # Issued by the exported certificate (depth 1 verified), so expiry is the only fault.
    assert "depth=1" in text
    e = starttls_error(server, trusting(cert))
    assert isinstance(e, ssl.SSLCertVerificationError), e
    assert e.verify_message == "certificate has expired"
    # A client that does not verify still gets through.
    assert send_over_tls(server, unverified()) == {}
    assert server.wait_for_log('msg="tls fault certificate generated" certificate=expired')


def test_not_yet_valid_certificate(bounceback, tmp_path):
    cert = tmp_path / "ca.pem"
    server = bounceback("--tls-export-cert", str(cert),
                        "--scenario", scenario_file(tmp_path, 'certificate = "not-yet-valid"'))
    assert "Verify return code: 9 (certificate is not yet valid)" in s_client(server, cert)
    e = starttls_error(server, trusting(cert))
    assert isinstance(e, ssl.SSLCertVerificationError), e
    assert e.verify_message == "certificate is not yet valid"


def test_wrong_host_certificate_fails_hostname_verification(bounceback, tmp_path):
    cert = tmp_path / "ca.pem"
    server = bounceback("--tls-export-cert", str(cert),
                        "--scenario", scenario_file(tmp_path, 'certificate = "wrong-host"'))
    assert "Verify return code: 62 (hostname mismatch)" in s_client(server, cert)
    e = starttls_error(server, trusting(cert))
    assert isinstance(e, ssl.SSLCertVerificationError), e
    assert "mismatch" in e.verify_message and "127.0.0.1" in e.verify_message
    # The chain itself is trusted: only the name is wrong.
    assert starttls_error(server, trusting(cert, check_hostname=False)) is None
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.starttls(context=trusting(cert, check_hostname=False))
        peer = s.sock.getpeercert()
        assert peer["subjectAltName"] == (("DNS", "wrong-host.invalid"),)


def test_self_signed_certificate_is_untrusted(bounceback, tmp_path):
    cert = tmp_path / "ca.pem"
    server = bounceback("--tls-export-cert", str(cert),
                        "--scenario", scenario_file(tmp_path, 'certificate = "self-signed"'))
    assert "Verify return code: 18 (self-signed certificate)" in s_client(server, cert)
    e = starttls_error(server, trusting(cert))
    assert isinstance(e, ssl.SSLCertVerificationError), e
    assert "self-signed certificate" in e.verify_message
    assert send_over_tls(server, unverified()) == {}


def test_valid_certificate_verifies(bounceback, tmp_path):
    cert = tmp_path / "ca.pem"
    server = bounceback("--tls-export-cert", str(cert),
                        "--scenario", scenario_file(tmp_path, 'certificate = "valid"'))
    assert "Verify return code: 0 (ok)" in s_client(server, cert)
    assert send_over_tls(server, trusting(cert)) == {}
    assert "tls fault certificate generated" not in server.log()


def test_smtps_presents_the_fault_certificate(bounceback, tmp_path):
    cert = tmp_path / "ca.pem"
    server = bounceback("--smtps", "127.0.0.1:0", "--tls-export-cert", str(cert),
                        "--scenario", scenario_file(tmp_path, 'certificate = "expired"'))
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate has expired"):
        smtplib.SMTP_SSL("127.0.0.1", server.smtps_port, context=trusting(cert), timeout=10)


def test_given_ca_certificate_issues_the_faults(bounceback, tmp_path):
    # `openssl req -x509` makes a CA certificate (CA:TRUE): the faults are issued by it, so a
    # client trusting it sees exactly the fault.
    key, crt = tmp_path / "key.pem", tmp_path / "crt.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(crt), "-days", "2", "-subj", "/CN=given.test",
                    "-addext", "subjectAltName=DNS:given.test,IP:127.0.0.1"],
                   check=True, capture_output=True)
    server = bounceback("--tls-cert", str(crt), "--tls-key", str(key), "--scenario",
                        scenario_file(tmp_path, 'certificate = "expired"'))
    e = starttls_error(server, trusting(crt))
    assert isinstance(e, ssl.SSLCertVerificationError), e
    assert e.verify_message == "certificate has expired"


def test_given_leaf_certificate_faults_are_untrusted(bounceback, tmp_path):
    # A given certificate that is no CA cannot sign: a generated issuer does, which the client
    # does not trust.
    key, crt = tmp_path / "key.pem", tmp_path / "crt.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(crt), "-days", "2", "-subj", "/CN=leaf.test",
                    "-addext", "basicConstraints=critical,CA:FALSE",
                    "-addext", "subjectAltName=DNS:leaf.test,IP:127.0.0.1"],
                   check=True, capture_output=True)
    server = bounceback("--tls-cert", str(crt), "--tls-key", str(key), "--scenario",
                        scenario_file(tmp_path, 'certificate = "wrong-host"'))
    e = starttls_error(server, trusting(crt))
    assert isinstance(e, ssl.SSLCertVerificationError), e
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.starttls(context=unverified())
        der = s.sock.getpeercert(binary_form=True)
    pem = ssl.DER_cert_to_PEM_cert(der)
    text = subprocess.run(["openssl", "x509", "-noout", "-ext", "subjectAltName"], input=pem,
                          capture_output=True, text=True, check=True).stdout
    assert "DNS:wrong-host.invalid" in text


def test_scenario_put_switches_the_certificate_for_new_sessions(bounceback, tmp_path):
    cert = tmp_path / "ca.pem"
    server = bounceback("--tls-export-cert", str(cert))
    assert starttls_error(server, trusting(cert)) is None

    # A session opened before the PUT keeps the certificate in force when it started.
    old = smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10)
    old.ehlo("old.test")
    put_scenario(server, 'name = "expired"\n[server]\ncertificate = "expired"\n')
    e = starttls_error(server, trusting(cert))
    assert isinstance(e, ssl.SSLCertVerificationError), e
    assert e.verify_message == "certificate has expired"
    old.starttls(context=trusting(cert))
    assert old.sendmail("a@example.test", ["b@example.test"], MESSAGE) == {}
    old.quit()

    put_scenario(server, 'name = "wrong-host"\n[server]\ncertificate = "wrong-host"\n')
    e = starttls_error(server, trusting(cert))
    assert isinstance(e, ssl.SSLCertVerificationError) and "mismatch" in e.verify_message, e

    put_scenario(server, 'name = "plain"\n')  # no certificate key: the server's own again
    assert starttls_error(server, trusting(cert)) is None
    assert send_over_tls(server, trusting(cert)) == {}

    # Back and forth: the expired certificate is the one made the first time.
    put_scenario(server, 'name = "expired"\n[server]\ncertificate = "expired"\n')
    e = starttls_error(server, trusting(cert))
    assert isinstance(e, ssl.SSLCertVerificationError), e
    log = server.log()
    assert log.count('msg="tls fault certificate generated" certificate=expired') == 1
    assert log.count('msg="tls fault certificate generated" certificate=wrong-host') == 1


# ---- handshake faults ------------------------------------------------------------------------

def test_handshake_abort_is_an_ssl_error_and_other_sessions_are_unaffected(bounceback,
                                                                            tmp_path):
    cert = tmp_path / "ca.pem"
    server = bounceback("--smtps", "127.0.0.1:0", "--tls-export-cert", str(cert))
    before = smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10)
    before.ehlo("before.test")
    put_scenario(server, 'name = "abort"\n[server]\ntls_handshake = "abort"\n')

    e = starttls_error(server, trusting(cert))
    assert isinstance(e, ssl.SSLError), e
    assert "handshake failure" in str(e).lower(), e  # the server's fatal alert
    with pytest.raises(ssl.SSLError):
        smtplib.SMTP_SSL("127.0.0.1", server.smtps_port, context=trusting(cert), timeout=10)
    assert "alert handshake failure" in s_client(server, cert)

    # The session opened before the PUT completes its handshake and sends.
    before.starttls(context=trusting(cert))
    assert before.sendmail("a@example.test", ["b@example.test"], MESSAGE) == {}
    before.quit()
    # Plain-text sessions are served as usual.
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        assert s.sendmail("a@example.test", ["c@example.test"], MESSAGE) == {}
    assert metric(server, 'bounceback_tls_handshakes_total{result="failure"}') >= 3
    assert server.wait_for_log('msg="tls handshake refused by the scenario" tls_handshake=abort')

    put_scenario(server, 'name = "normal"\n[server]\ntls_handshake = "normal"\n')
    assert send_over_tls(server, trusting(cert)) == {}


def test_handshake_close_is_an_ssl_eof(bounceback, tmp_path):
    server = bounceback("--scenario", scenario_file(tmp_path, 'tls_handshake = "close"'))
    e = starttls_error(server, unverified())
    assert isinstance(e, ssl.SSLError), e  # SSLEOFError: EOF in violation of protocol
    assert server.wait_for_log('msg="tls handshake refused by the scenario" tls_handshake=close')
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        assert s.sendmail("a@example.test", ["b@example.test"], MESSAGE) == {}


def test_bad_certificate_value_is_refused_with_its_position(bounceback, tmp_path):
    server = bounceback()
    req = urllib.request.Request(f"http://127.0.0.1:{server.http_port}/api/v1/scenario",
                                 data=b'[server]\ncertificate = "revoked"\n', method="PUT")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 400
    body = e.value.read().decode()
    assert "server.certificate" in body and "wrong-host" in body and '"line":2' in body
