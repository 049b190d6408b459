"""The reports Bounceback generates (src/report: DSNs in each provider's style, auto-replies,
complaint reports) read as meant by what mailers use: Python's email package finds the
structure RFC 6522 / 3464 / 5965 prescribe, Sisimai (libsisimai-perl) and flufl.bounce
(python3-flufl.bounce) find the recipient, the status and the reason; Sisimai calls the
auto-reply a vacation and the complaint feedback. The reports are written by
tests/report/report_samples.cpp (the generator itself, no server), one file per case."""
import email
import email.policy
import json
import os
import subprocess

import pytest

import bounce_readers
SAMPLES = os.environ.get("BOUNCEBACK_REPORT_SAMPLES", "build/tests/report_samples")

# What Sisimai should call each failure reply of report_samples.cpp, by recipient.
REASONS = {"nosuchuser@example.net": "userunknown", "full@example.net": "mailboxfull",
           "spam@example.net": "spamdetected", "slow@example.net": "expired",
           "ok@example.net": "delivered"}


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    if not os.path.exists(SAMPLES):
        pytest.fail(f"{SAMPLES} is not built (cmake --build build --target report_samples)")
    out = tmp_path_factory.mktemp("reports")
    lines = subprocess.run([SAMPLES, str(out)], check=True, capture_output=True,
                           text=True).stdout.splitlines()
    return [json.loads(line) for line in lines]


def sisimai(paths):
    return {(r["file"], r["recipient"]): r for r in bounce_readers.sisimai(paths)}


def flufl(paths):
    return bounce_readers.flufl(paths)


def test_every_report_is_well_formed_mime(samples):
    for s in samples:
        raw = open(s["file"], "rb").read()
        assert b"\n" not in raw.replace(b"\r\n", b""), s["file"]  # CRLF only
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998, s["file"]
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert not msg.defects, (s["file"], msg.defects)
        for field in ("Date", "Message-ID", "From", "To", "Subject"):
            assert msg[field], (s["file"], field)
        assert msg["To"].addresses[0].addr_spec == "sender@example.test"
        if s["kind"] == "auto-reply":
            assert msg.get_content_type() == "text/plain"
            assert msg["Auto-Submitted"] == "auto-replied"
            assert msg["In-Reply-To"] == "<orig-1@example.test>"
            continue
        assert msg.get_content_type() == "multipart/report"
        parts = msg.get_payload()
        assert len(parts) == 3, s["file"]
        for part in parts:
            assert not part.defects, (s["file"], part.defects)
        if s["kind"] == "complaint":
            assert msg.get_param("report-type") == "feedback-report"
            assert parts[1].get_content_type() == "message/feedback-report"
            continue
        assert msg.get_param("report-type") == "delivery-status"
        assert parts[0].get_content_type() == "text/plain"
        assert parts[1].get_content_type() == "message/delivery-status"
        per_message, per_rcpt = parts[1].get_payload()
        assert per_message["Reporting-MTA"] == "dns; mx.bounceback.test"
        assert per_message["Original-Envelope-Id"] == "QQ+1"  # xtext "QQ+2B1" decoded
        assert per_message["Arrival-Date"]
        assert per_rcpt["Final-Recipient"] == "rfc822; " + s["rcpt"]
        assert per_rcpt["Original-Recipient"] == "rfc822;" + s["rcpt"]
        assert per_rcpt["Action"] == s["action"]
        assert per_rcpt["Status"] == s["status"]
        assert per_rcpt["Last-Attempt-Date"]
        assert bool(per_rcpt["Will-Retry-Until"]) == (s["action"] == "delayed")
        # RFC 3461 §4.3: the whole message only with a failure, and not for RET=HDRS.
        whole = s["action"] == "failed" and "mailboxfull" not in s["file"]
        assert parts[2].get_content_type() == ("message/rfc822" if whole else
                                               "text/rfc822-headers"), s["file"]


def test_the_multi_line_reply_is_whole_in_the_diagnostic_code(samples):
    s = next(s for s in samples if s["file"].endswith("postfix-failed-userunknown.eml"))
    msg = email.message_from_bytes(open(s["file"], "rb").read(), policy=email.policy.default)
    code = msg.get_payload()[1].get_payload()[1]["Diagnostic-Code"]
    assert code.startswith("smtp; 550-5.1.1 The email account")
    assert "550-5.1.1 double-checking" in code and "550 5.1.1 unnecessary spaces." in code


def test_sisimai_finds_recipient_status_and_reason(samples):
    found = sisimai([s["file"] for s in samples])
    for s in samples:
        r = found.get((s["file"], s["rcpt"]))
        assert r, (s["file"], "Sisimai found no record for", s["rcpt"], found)
        if s["kind"] == "auto-reply":
            assert r["reason"] == "vacation", r
        elif s["kind"] == "complaint":
            assert r["reason"] == "feedback", r
        else:
            assert r["deliverystatus"] == s["status"], r
            assert r["reason"] == REASONS[s["rcpt"]], r
            assert r["action"] == s["action"], r


def test_flufl_bounce_finds_failed_and_delayed_recipients(samples):
    found = flufl([s["file"] for s in samples])
    for s in samples:
        r = found[s["file"]]
        action = s.get("action")
        assert r["permanent"] == ([s["rcpt"]] if action == "failed" else []), r
        assert r["temporary"] == ([s["rcpt"]] if action == "delayed" else []), r
