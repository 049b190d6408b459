"""Inputs built to crash the server, against the real binary (issue 12, items 1 and 3).

Deeply nested TOML: toml++ walks and destroys its tree recursively, so one key of 40,000
dotted parts overflowed the stack and killed the server (SIGSEGV) on PUT /api/v1/scenario,
`bounceback check` and --config. Each attack below is refused with its line and column and
the server stays up with its messages and its scenario. The scenario clock: its total
offset is bounded, so advancing it can never wrap (24 advances of 3650 days did).
"""
import json
import smtplib
import subprocess

import pytest

from conftest import BIN, http_call

BODY_LIMIT = 1024 * 1024  # the API's request body limit (api/http/http_server.hpp)


def parts(n, part="a"):
    return ".".join([part] * n)


# name -> (TOML text, line, column of the refusal). Each is under the API's body limit and
# each but the last two crashed toml++ 3.3 with an 8 MiB stack; those two toml++ refused at
# 256 levels itself, and are refused here at the bound (32) instead.
ATTACKS = {
    "dotted key": ("a" + ".d" * 39999 + " = 1\n", 1, 65),
    "table header": ("[server]\n[" + parts(40000) + "]\n", 2, 66),
    "array of tables header": ("[[" + parts(40000) + "]]\n", 1, 67),
    "dotted key in an inline table": ("x = { " + parts(450000) + " = 1 }\n", 1, 7 + 64),
    "inline tables of dotted keys": (
        "x = " + ("{" + parts(1901) + "=") * 250 + "1" + "}" * 250 + "\n", 1, 5 + 1 + 64),
    "nested arrays": ("[[rule]]\non = [" + "[" * 400000 + "\n", 2, 6 + 32),
    "nested inline tables": ("x = " + "{a=" * 300000 + "\n", 1, 5 + 32 * 3),
}


def call(server, method, path, body=None, timeout=30):
    status, _, data = http_call(server, method, path, body=body, timeout=timeout)
    return status, data


def deliver(server, rcpt):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        return s.sendmail("a@example.test", [rcpt], b"Subject: still here\r\n\r\nhi\r\n")


@pytest.mark.parametrize("name", ATTACKS)
def test_deep_toml_put_is_refused_and_the_server_lives(bounceback, name):
    text, line, column = ATTACKS[name]
    assert len(text) <= BODY_LIMIT
    server = bounceback()
    scenario = '[[rule]]\non = "rcpt"\nrcpt = "no@*"\nreply = "550 5.1.1 scripted"\n'
    assert call(server, "PUT", "/api/v1/scenario", scenario)[0] == 200
    assert deliver(server, "yes@example.test") == {}

    status, body = call(server, "PUT", "/api/v1/scenario", text.encode())
    assert status == 400, body
    error = json.loads(body)
    assert (error["line"], error["column"]) == (line, column), error
    assert "nested" in error["error"] or "dotted parts" in error["error"]

    assert call(server, "GET", "/healthz")[0] == 200
    assert server.proc.poll() is None
    # The old scenario and the captured message are still there.
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        deliver(server, "no@example.test")
    status, body = call(server, "GET", "/api/v1/messages")
    assert status == 200 and json.loads(body)["total"] == 1


@pytest.mark.parametrize("name", ATTACKS)
def test_deep_toml_check_reports_line_and_column(tmp_path, name):
    text, line, column = ATTACKS[name]
    path = tmp_path / "deep.toml"
    path.write_text(text)
    out = subprocess.run([BIN, "check", str(path)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 1, out  # check's documented status for a bad file
    assert out.stdout.startswith(f"{path}:{line}:{column}: "), out.stdout[:300]


def test_deep_toml_config_is_refused_with_line_and_column(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('hostname = "mx.test"\n' + parts(40000) + ' = "x"\n')
    out = subprocess.run([BIN, "serve", "--config", str(config), "--smtp", "127.0.0.1:0",
                          "--http", "127.0.0.1:0"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 2, out
    assert f"{config}:2:65: key has more than 32 dotted parts" in out.stderr


def test_nesting_within_the_bounds_is_accepted(bounceback):
    server = bounceback()
    # 32 arrays deep: within the bounds, so the loader gets to say what is wrong with it.
    text = '[[rule]]\non = "rcpt"\nreply = "550 5.1.1 x"\n'
    assert call(server, "PUT", "/api/v1/scenario", text)[0] == 200
    status, body = call(server, "PUT", "/api/v1/scenario", "x = " + "[" * 32 + "]" * 32 + "\n")
    assert status == 400 and json.loads(body)["error"].startswith("x: unknown key"), body


# ---- the scenario clock ----------------------------------------------------------------

GREYLIST_LONGEST = """
[[rule]]
on = "rcpt"
greylist = { retry_after = "36499d", expire = "36500d" }
reply = "451 4.7.1 Greylisted"
"""


def advance(server, by):
    status, body = call(server, "POST", "/api/v1/clock/advance", json.dumps({"by": by}))
    return status, json.loads(body)


def test_clock_total_offset_is_bounded_and_never_wraps(bounceback):
    server = bounceback()
    this_year = int(json.loads(call(server, "GET", "/api/v1/clock")[1])["now"][:4])
    # The sequence: 24 advances of 3650 days wrapped the clock to 1682. Ten reach
    # exactly 100 years; the eleventh is refused and the clock stays where it was.
    for _ in range(10):
        status, clock = advance(server, "3650d")
        assert status == 200, clock
    assert clock["offset_ms"] == 36500 * 86400 * 1000
    for _ in range(14):
        status, error = advance(server, "3650d")
        assert status == 400
        assert "at most 36500 days (100 years) in all" in error["error"], error
    status, error = advance(server, "1ms")
    assert status == 400 and "36500 days ahead already" in error["error"], error
    status, body = call(server, "GET", "/api/v1/clock")
    clock = json.loads(body)
    assert clock["offset_ms"] == 36500 * 86400 * 1000
    assert int(clock["now"][:4]) in (this_year + 99, this_year + 100), clock
    assert advance(server, "0s")[0] == 200


def test_longest_durations_at_the_furthest_clock_still_work(bounceback):
    # now + the largest offset + the largest scenario duration fits a time point: no overflow
    # (UBSan in CI's sanitizer run), and greylisting still behaves.
    server = bounceback()
    assert call(server, "PUT", "/api/v1/scenario", GREYLIST_LONGEST)[0] == 200
    for _ in range(10):
        assert advance(server, "3650d")[0] == 200
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
        s.ehlo("client.test")
        assert s.mail("a@example.test")[0] == 250
        assert s.rcpt("b@example.test")[0] == 451
        assert s.rcpt("b@example.test")[0] == 451
    assert call(server, "GET", "/healthz")[0] == 200
    # A scenario duration beyond 100 years is refused with its position.
    status, body = call(server, "PUT", "/api/v1/scenario",
                        GREYLIST_LONGEST.replace("expire = \"36500d\"", "expire = \"36501d\""))
    assert status == 400, body
    error = json.loads(body)
    assert error["line"] == 4 and "at most \"36500d\"" in error["error"], error
