"""--config FILE against the real binary: keys set in TOML take effect on a real socket (SMTP
and HTTP), flags after --config override them, and an unknown key or a bad value stops the
server with exit code 2 and a message naming the file, line, column and key."""
import json
import re
import socket
import subprocess
import time

from conftest import BIN, Client, http_call, read_until_close

CONFIG = """\
hostname = "mx.config.test"
max-recipients = 2
max-size = "1KiB"
max-line = 100
max-commands = 7
idle-timeout = "1s"
api-max-body = "200B"
api-max-messages-page = 5
"""


def test_config_keys_take_effect_on_sockets(bounceback, tmp_path):
    config = tmp_path / "bounceback.toml"
    config.write_text(CONFIG)
    server = bounceback("--config", str(config))
    c = Client(server)
    code, banner = c.reply()
    assert code == 220 and banner[0].startswith("220 mx.config.test "), banner
    code, ehlo = c.cmd("EHLO client.test")
    assert code == 250 and "250-SIZE 1024" in ehlo, ehlo  # max-size
    assert c.cmd("MAIL FROM:<a@example.test> SIZE=2000")[0] == 552
    assert c.cmd("NOOP " + "x" * 120)[1][0].startswith("500 5.5.2"), "max-line"
    assert c.cmd("MAIL FROM:<a@example.test>")[0] == 250
    assert c.cmd("RCPT TO:<b1@example.test>")[0] == 250
    assert c.cmd("RCPT TO:<b2@example.test>")[0] == 250
    assert c.cmd("RCPT TO:<b3@example.test>")[1][0].startswith("452 4.5.3"), "max-recipients"
    assert c.cmd("RSET")[0] == 250  # the 7th command (a line too long is not one)
    code, lines = c.cmd("NOOP")  # the 8th: past max-commands
    assert code == 421 and lines[0].startswith("421 4.7.0"), lines
    assert c.closed()
    c.close()

    # idle-timeout = 1s: a silent client gets 421 4.4.2 within about a second, not 5 minutes.
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.smtp_port), timeout=10) as s:
        data = read_until_close(s)
    waited = time.monotonic() - start
    assert b"421 4.4.2" in data and waited < 4, (data, waited)

    # api-max-body = 200B: a larger scenario is refused with 413, a small one is taken.
    status, _, body = http_call(server, "PUT", "/api/v1/scenario", body="# " + "x" * 300 + "\n")
    assert status == 413, body
    status, _, body = http_call(server, "PUT", "/api/v1/scenario", body='name = "small"\n')
    assert status == 200, body

    # api-max-messages-page = 5: a larger page is a 400 naming the bound.
    status, _, body = http_call(server, "GET", "/api/v1/messages?limit=6")
    assert status == 400 and b"from 0 to 5" in body, body
    assert http_call(server, "GET", "/api/v1/messages?limit=5")[0] == 200


def test_flags_after_config_override_it(bounceback, tmp_path):
    config = tmp_path / "bounceback.toml"
    config.write_text(CONFIG)
    server = bounceback("--config", str(config), "--max-recipients", "3", "--hostname", "mx.flag.test")
    c = Client(server)
    assert c.reply()[1][0].startswith("220 mx.flag.test ")
    c.cmd("EHLO client.test")
    c.cmd("MAIL FROM:<a@example.test>")
    for n in range(3):
        assert c.cmd(f"RCPT TO:<b{n}@example.test>")[0] == 250
    assert c.cmd("RCPT TO:<b4@example.test>")[0] == 452
    c.close()


def serve_exit(tmp_path, text):
    config = tmp_path / "bad.toml"
    config.write_text(text)
    p = subprocess.run([BIN, "serve", "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0",
                        "--config", str(config)], capture_output=True, text=True, timeout=20)
    return p, str(config)


def test_unknown_key_is_an_error_naming_it(tmp_path):
    p, path = serve_exit(tmp_path, 'max-size = "1MiB"\nmax-recipient = 5\n')
    assert p.returncode == 2, p
    assert re.search(re.escape(path) + r":2:\d+: max-recipient: unknown option", p.stderr), p.stderr
    assert "ready" not in p.stderr


def test_bad_value_is_an_error_naming_the_key(tmp_path):
    p, path = serve_exit(tmp_path, 'api-idle-timeout = "soon"\n')
    assert p.returncode == 2, p
    assert f"{path}:1:" in p.stderr and "api-idle-timeout" in p.stderr, p.stderr
    assert "expected a duration" in p.stderr, p.stderr


def test_config_bounds_the_tls_handshake(bounceback, tmp_path):
    # tls-handshake-timeout could not be set before: a client that opens SMTPS and never
    # sends a ClientHello is closed after it (default 30s).
    config = tmp_path / "bounceback.toml"
    config.write_text('smtps = ["127.0.0.1:0"]\ntls-handshake-timeout = "1s"\n')
    server = bounceback("--config", str(config))
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.smtps_port), timeout=10) as s:
        assert s.recv(4096) == b""  # closed, without a byte
    waited = time.monotonic() - start
    assert 0.5 < waited < 4, waited


def test_config_cuts_transcript_lines(bounceback, tmp_path):
    # max-transcript-line could not be set before (1000 bytes): a 100-byte line is kept whole
    # by default, and cut at 40 bytes with a marker when the config file says so.
    config = tmp_path / "bounceback.toml"
    config.write_text("max-transcript-line = 40\n")
    for args, expected in (((), "NOOP " + "y" * 95),
                           (("--config", str(config)), "NOOP " + "y" * 35 + " [... 60 more bytes]")):
        server = bounceback(*args)
        c = Client(server)
        c.reply()
        assert c.cmd("NOOP " + "y" * 95)[0] == 250
        assert c.cmd("QUIT")[0] == 221
        c.close()
        deadline = time.monotonic() + 5
        while True:
            status, _, body = http_call(server, "GET", "/api/v1/sessions?limit=1")
            session = json.loads(body)["sessions"][0]
            if session["ended_at"] or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        lines = [t["line"] for t in session["transcript"] if t["dir"] == "in"]
        assert lines[0] == expected, lines
