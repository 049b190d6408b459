"""`bounceback import` from the command line (issue 18) on Exim and Sendmail log lines and on a
DSN Bounceback generates, then the scenario served by a real Bounceback and met by smtplib: the
same replies at the same attempts. Also: stdin, garbage counted on stderr, --strict, an
unreadable file, --anonymize, a large input streamed in bounded memory, input never run; and
the other way round, GET /api/v1/scenario/export."""
import os
import smtplib
import subprocess

from conftest import BIN, binary_sanitizer, http_call

SAMPLES = os.environ.get("BOUNCEBACK_REPORT_SAMPLES", "build/tests/report_samples")

EXIM = r"""2026-11-30 12:00:00 1rABCD-000123-AB <= app@sender.test H=localhost [127.0.0.1] P=esmtp S=400
2026-11-30 12:00:01 1rABCD-000123-AB ** nosuch@example.net R=dnslookup T=remote_smtp H=mx.example.net [192.0.2.1]: SMTP error from remote mail server after RCPT TO:<nosuch@example.net>: 550-5.1.1 The email account that you tried to reach does not exist.\n550 5.1.1 Please check the address - gsmtp
2026-11-30 12:00:01 1rABCD-000123-AB == grey@example.net R=dnslookup T=remote_smtp defer (-44) H=mx.example.net [192.0.2.1]: SMTP error from remote mail server after RCPT TO:<grey@example.net>: 451 4.7.1 Greylisted, try again later
2026-11-30 12:05:01 1rABCD-000123-AB == grey@example.net R=dnslookup T=remote_smtp defer (-44) H=mx.example.net [192.0.2.1]: SMTP error from remote mail server after RCPT TO:<grey@example.net>: 451 4.7.1 Greylisted, try again later
2026-11-30 12:10:01 1rABCD-000123-AB => grey@example.net R=dnslookup T=remote_smtp H=mx.example.net [192.0.2.1] C="250 2.0.0 OK"
"""

SENDMAIL = """Nov 30 12:00:00 host sm-mta[1234]: 0AUC00ab012345: from=<app@sender.test>, size=400, class=0, nrcpts=2, msgid=<1@sender.test>, proto=ESMTP, relay=localhost [127.0.0.1]
Nov 30 12:00:01 host sm-mta[1234]: 0AUC00ab012345: to=<slow@example.org>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=120000, relay=mx.example.org. [192.0.2.2], dsn=4.2.0, stat=Deferred: 450 4.2.0 Mailbox busy, try later
Nov 30 12:00:01 host sm-mta[1234]: 0AUC00ab012345: to=<gone@example.org>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=120000, relay=mx.example.org. [192.0.2.2], dsn=5.1.1, stat=User unknown
Nov 30 12:30:01 host sm-mta[1234]: 0AUC00ab012345: to=<slow@example.org>, delay=00:30:01, xdelay=00:00:01, mailer=esmtp, pri=210000, relay=mx.example.org. [192.0.2.2], dsn=2.0.0, stat=Sent (0AUC00ab012346 Message accepted for delivery)
"""


def run(*args, stdin=None):
    return subprocess.run([BIN, *args], input=stdin, capture_output=True, text=True, timeout=120)


def imported(tmp_path, name, text, *options):
    src = tmp_path / name
    src.write_text(text)
    out = tmp_path / (name + ".toml")
    res = run("import", str(src), "-o", str(out), *options)
    assert res.returncode == 0, res.stderr
    check = run("check", str(out))
    assert check.returncode == 0, check.stdout + out.read_text()
    return out


def rcpt_reply(server, rcpt, sender="qa@test.example"):
    """(code, text) of one RCPT in a fresh session."""
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo("qa.test")
        s.mail(sender)
        return s.rcpt(rcpt)


def test_exim_log_replayed(bounceback, tmp_path):
    out = imported(tmp_path, "exim_mainlog", EXIM)
    text = out.read_text()
    assert "exim_mainlog (exim)" in text
    assert 'hostname = "mx.example.net"' in text
    server = bounceback("--scenario", str(out))
    code, msg = rcpt_reply(server, "nosuch@example.net")
    assert (code, msg) == (550, b"5.1.1 The email account that you tried to reach does not "
                                b"exist.\n5.1.1 Please check the address - gsmtp")
    assert rcpt_reply(server, "grey@example.net") == (451, b"4.7.1 Greylisted, try again later")
    assert rcpt_reply(server, "grey@example.net")[0] == 451
    assert rcpt_reply(server, "grey@example.net")[0] == 250  # the 3rd attempt: delivered
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        assert s.ehlo()[1].startswith(b"mx.example.net")  # the reporting host's name


def test_sendmail_log_replayed(bounceback, tmp_path):
    out = imported(tmp_path, "maillog", SENDMAIL)
    assert "(reply made from its status code)" in out.read_text()
    server = bounceback("--scenario", str(out))
    assert rcpt_reply(server, "slow@example.org") == (450, b"4.2.0 Mailbox busy, try later")
    assert rcpt_reply(server, "slow@example.org")[0] == 250
    assert rcpt_reply(server, "gone@example.org") == (550, b"5.1.1 User unknown")
    assert rcpt_reply(server, "gone@example.org")[0] == 550  # a bounce holds for every retry


def test_generated_dsn_replayed(bounceback, tmp_path):
    samples = tmp_path / "samples"
    samples.mkdir()
    subprocess.run([SAMPLES, str(samples)], check=True, capture_output=True, timeout=60)
    out = tmp_path / "dsn.toml"
    res = run("import", str(samples / "gmail-failed-userunknown.eml"),
              str(samples / "microsoft-failed-mailboxfull.eml"), "-o", str(out))
    assert res.returncode == 0, res.stderr
    server = bounceback("--scenario", str(out))
    code, msg = rcpt_reply(server, "nosuchuser@example.net")
    assert code == 550
    assert msg.split(b"\n") == [
        b"5.1.1 The email account that you tried to reach does not exist. Please try",
        b"5.1.1 double-checking the recipient's email address for typos or",
        b"5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser"]
    assert rcpt_reply(server, "full@example.net")[0] == 552


def test_stdin_garbage_strict_and_errors(tmp_path):
    mixed = "garbage one\n" + EXIM + "\x00\x01 binary junk\n"
    res = run("import", "-", stdin=mixed)
    assert res.returncode == 0, res.stderr
    assert "2 lines skipped" in res.stderr, res.stderr
    assert "stdin:1: garbage one" in res.stderr
    assert 'rcpt = "nosuch@example.net"' in res.stdout
    strict = run("import", "--strict", "-", stdin=mixed)
    assert strict.returncode == 1 and "--strict" in strict.stderr
    assert run("import", "--strict", "-", stdin=EXIM).returncode == 0
    missing = run("import", str(tmp_path / "nope.log"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    assert run("import").returncode == 2
    assert run("import", "--bogus", "-", stdin=EXIM).returncode == 2
    nothing = run("import", "-", stdin="just text\n")
    assert nothing.returncode == 1 and "no reply found" in nothing.stderr


def test_anonymize(tmp_path):
    res = run("import", "--anonymize", "--map-domain", "example.net=customer.test", "-",
              stdin=EXIM)
    assert res.returncode == 0, res.stderr
    assert "nosuch@" not in res.stdout and "grey@" not in res.stdout
    assert 'rcpt = "user-1@customer.test"' in res.stdout
    assert 'rcpt = "user-2@customer.test"' in res.stdout
    kept = run("import", "--anonymize", "-", stdin=EXIM)
    assert 'rcpt = "user-1@example.net"' in kept.stdout
    assert run("import", "--map-domain", "a=b", "-", stdin=EXIM).returncode == 2


def test_large_input_streamed_and_never_run(tmp_path):
    marker = tmp_path / "pwned"
    big = tmp_path / "big.log"
    line = ("Nov 30 12:00:00 host sm-mta[1]: 0AUC00ab01: to=<x@example.org>, delay=0, "
            "relay=mx. [192.0.2.2], dsn=4.2.0, stat=Deferred: 450 4.2.0 busy $(touch "
            f"{marker}) `touch {marker}` http://127.0.0.1:1/fetch-me\n")
    junk = "j" * 1000 + "\n"
    with open(big, "w") as f:
        for _ in range(60):
            f.write(junk * 1000)  # 60 MB of lines of no known format
        f.write(line)
        f.write("k" * (8 << 20))  # one 8 MiB line with no end
    # Measured in a child of its own, so only this import's peak counts (ru_maxrss in KiB).
    probe = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], "
             "capture_output=True, text=True); print(r.returncode); print(r.stdout); "
             "print(r.stderr, file=sys.stderr); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)")
    res = subprocess.run(["/usr/bin/python3", "-c", probe, BIN, "import", str(big)],
                         capture_output=True, text=True, timeout=120)
    code, _, stdout = res.stdout.partition("\n")
    peak = int(res.stderr.strip().splitlines()[-1])
    assert code == "0", res.stderr
    assert "60001 lines skipped" in res.stderr, res.stderr
    assert "busy $(touch" in stdout
    assert not marker.exists()
    # A sanitized build's peak is its shadow memory and quarantine (~480 MB under ASan), not
    # the import's buffers: the bound is checked on plain builds only.
    if binary_sanitizer() is None:
        assert peak < 40 * 1024, f"{peak} KiB for a 68 MB input"  # far below what it read


def test_export_route_round_trip(bounceback):
    server = bounceback()
    scenario = """[[rule]]
on = "rcpt"
rcpt = "retry@example.test"
attempts = "1-2"
reply = "451 4.3.0 Come back later"
[[rule]]
on = "rcpt"
rcpt = "never@example.test"
reply = ["550-5.1.1 line one", "550 5.1.1 line two"]
[[rule]]
on = "message"
rcpt = "late@example.test"
attempts = "1"
reply = "452 4.2.2 Over quota for now"
"""
    status, _, body = http_call(server, "PUT", "/api/v1/scenario", body=scenario)
    assert status == 200, body
    for _ in range(3):
        rcpt_reply(server, "retry@example.test")
        rcpt_reply(server, "never@example.test")
        with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
            try:
                s.sendmail("qa@test.example", ["late@example.test"], "Subject: x\r\n\r\nhi\r\n")
            except smtplib.SMTPDataError:
                pass
    status, headers, exported = http_call(server, "GET", "/api/v1/scenario/export")
    assert status == 200 and headers["content-type"].startswith("application/toml"), exported
    assert b'attempts = "1-2"' in exported, exported
    status, _, body = http_call(server, "GET", "/api/v1/scenario/export?bogus=1")
    assert status == 400

    fresh = bounceback()
    status, _, body = http_call(fresh, "PUT", "/api/v1/scenario", body=exported)
    assert status == 200, body
    assert [rcpt_reply(fresh, "retry@example.test")[0] for _ in range(3)] == [451, 451, 250]
    assert rcpt_reply(fresh, "never@example.test") == (550, b"5.1.1 line one\n5.1.1 line two")
    refused = []
    for _ in range(2):
        with smtplib.SMTP("127.0.0.1", fresh.smtp_port, timeout=10) as s:
            try:
                s.sendmail("qa@test.example", ["late@example.test"], "Subject: x\r\n\r\nhi\r\n")
                refused.append(None)
            except smtplib.SMTPDataError as e:
                refused.append((e.smtp_code, e.smtp_error))
    assert refused == [(452, b"4.2.2 Over quota for now"), None]


def test_session_json_of_a_run_replayed(bounceback):
    """GET /api/v1/sessions piped into `bounceback import -`: the transcripts give the same
    replies (a multi-line one, one after the data) to a fresh server."""
    server = bounceback()
    scenario = """[[rule]]
on = "rcpt"
rcpt = "multi@example.test"
reply = ["550-5.1.1 first line", "550-5.1.1 second line", "550 5.1.1 last line"]
[[rule]]
on = "message"
rcpt = "content@example.test"
reply = "554 5.7.1 Rejected by content filter"
"""
    status, _, body = http_call(server, "PUT", "/api/v1/scenario", body=scenario)
    assert status == 200, body
    assert rcpt_reply(server, "multi@example.test")[0] == 550
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        try:
            s.sendmail("qa@test.example", ["content@example.test", "ok@example.test"],
                       "Subject: x\r\n\r\nhi\r\n")
        except smtplib.SMTPDataError as e:
            assert e.smtp_code == 554
    status, _, sessions = http_call(server, "GET", "/api/v1/sessions")
    assert status == 200
    res = run("import", "-", stdin=sessions.decode())
    assert res.returncode == 0, res.stderr
    assert "stdin (json)" in res.stdout

    fresh = bounceback()
    status, _, body = http_call(fresh, "PUT", "/api/v1/scenario", body=res.stdout)
    assert status == 200, body + res.stdout.encode()
    assert rcpt_reply(fresh, "multi@example.test") == (
        550, b"5.1.1 first line\n5.1.1 second line\n5.1.1 last line")
    with smtplib.SMTP("127.0.0.1", fresh.smtp_port, timeout=10) as s:
        s.ehlo()
        s.mail("qa@test.example")
        assert s.rcpt("content@example.test")[0] == 250
        s.putcmd("data")
        assert s.getreply()[0] == 354
        s.send(b"Subject: x\r\n\r\nhi\r\n.\r\n")
        assert s.getreply() == (554, b"5.7.1 Rejected by content filter")
