"""Fidelity: real bounce processors read every reply Bounceback can send as the failure it
stands for. One private Postfix (a real outbound MTA) relays to Bounceback address-encoded
recipients covering every catalogue entry, and meets every rule of every built-in scenario
(from the right client address, with the right HELO name, size, headers, number of messages,
on a server of its own where a rule counts or draws lots); Postfix bounces, defers or delivers
each one and mails its DSNs to a collecting Bounceback; Sisimai and flufl.bounce then classify
those DSNs, and each recipient's reading is checked against the catalogue (docs/codes.md,
"Fidelity"). Everything runs once, in parallel, in a module fixture."""
import json
import os
import glob
import re
import shutil
import smtplib
import subprocess
import tempfile
import time
import urllib.parse

import pytest

from classifier_cases import Case, Plan, ScenarioPlanner, Server, scenario_names
from conftest import Server as Bounceback
from conftest import binary_sanitizer, http_call, missing_tool, need_tool
from private_postfix import PrivatePostfix

HERE = os.path.join(os.path.dirname(__file__), "classifiers")
DOCS = os.path.join(os.environ.get("BOUNCEBACK_SOURCE_DIR", "."), "docs", "codes.md")
# One recipient per message: Sisimai 4.25 pairs a multi-recipient Postfix DSN's diagnostic
# codes with the wrong recipients (and a real DSN usually names one recipient per domain).

# What Sisimai may call a failure of each RFC 3463 subject (X.1 addressing ... X.7 policy).
# A reading outside its subject's set means the reply text says another kind of failure.
SUBJECT_REASONS = {
    "0": {"undefined", "onhold", "systemerror", "rejected", "blocked", "securityerror"},
    "1": {"userunknown", "hostunknown", "hasmoved", "filtered", "rejected", "notaccept",
          "systemerror", "onhold"},
    "2": {"mailboxfull", "suspend", "filtered", "exceedlimit", "mesgtoobig", "userunknown"},
    "3": {"systemerror", "systemfull", "notaccept", "mesgtoobig", "undefined", "onhold"},
    "4": {"networkerror", "expired", "hostunknown", "systemerror", "systemfull", "toomanyconn",
          "notaccept", "undefined", "onhold"},
    "5": {"systemerror", "toomanyconn", "securityerror", "syntaxerror", "undefined", "onhold",
          "networkerror"},
    "6": {"contenterror", "spamdetected", "virusdetected", "systemerror", "undefined", "onhold"},
    "7": {"securityerror", "blocked", "policyviolation", "spamdetected", "rejected", "suspend",
          "hasmoved", "mesgtoobig", "toomanyconn", "norelaying", "notaccept", "virusdetected",
          "expired"},
}
# What Sisimai must call a connection that was dropped or never answered: Postfix's own text
# ("lost connection with ... while ...", "conversation ... timed out while ...").
LOST_REASONS = {"networkerror"}

# Readings that differ from the subject's on purpose, each what the real reply also gets
# (docs/codes.md lists them). Keyed by recipient (catalogue) or "scenario:recipient".
DOCUMENTED = {
    # RFC 5321's own 421 text ("<host> Service not available, closing transmission channel"), as
    # Postfix and most servers send it: Sisimai files it as "blocked".
    "421@reply.test": "blocked",
    # 471 means a local error at the receiver (its filter); Sisimai reads "local problem" as
    # "systemerror", which is what the catalogue's meaning says, whatever the 4.7.0.
    "471@reply.test": "systemerror",
    # The same for a 421 of another subject that closes the connection: Sisimai reads "421 ...
    # closing" and Postfix's "refused to talk to me" (a 421 greeting) as "blocked".
    "disconnects:close-at-rcpt@disconnects.test": "blocked",
    "flaky:rule0@flaky.test": "blocked",
    # Providers that name an unknown recipient with a code of another subject: Outlook.com's
    # "550 5.5.0 Requested action not taken: mailbox unavailable", Exchange Online's
    # "550 5.4.1 Recipient address rejected: Access denied", read as the unknown users they are.
    "outlook:unknown@outlook.test": "userunknown",
    "outlook:notfound@outlook.test": "userunknown",
    # Orange's over-quota reply carries 5.1.1: "552 5.1.1 Boite du destinataire pleine", and
    # its content refusal 5.2.0: "550 5.2.0 Mail rejete. Mail rejected" (read as spam).
    "orange:full@orange.test": "mailboxfull",
    "orange:rejected@orange.test": "spamdetected",
    # Yahoo refuses unknown users after DATA without an enhanced code ("554 delivery error:
    # dd This user doesn't have a ... account", "552 1 ... mailbox not found"): Sisimai files
    # both as "filtered", as it does the real replies.
    "yahoo:unknown@yahoo.test": "filtered",
    "yahoo:notfound@yahoo.test": "filtered",
}


def explain(server, query):
    status, _, body = http_call(server, "GET", "/api/v1/codes/" + urllib.parse.quote(query, safe=""))
    assert status == 200, (query, body)
    return json.loads(body)


def catalogue_cases(server):
    """A Case for every catalogue entry that a server can refuse with, plus one enhanced code
    per class and subject the catalogue lacks."""
    status, _, body = http_call(server, "GET", "/api/v1/codes")
    assert status == 200
    codes = json.loads(body)
    cases = []
    for row in codes["codes"]:
        if row["class"] in ("temporary", "permanent"):
            x = explain(server, row["code"])
            enhanced = x["example"].split()[1] if x["example"] else ""
            cases.append(Case(f"{row['code']}@reply.test", int(row["code"]), enhanced,
                              x["bounce"]))
    pairs = []
    for row in codes["enhanced"]:
        e = row["enhanced"]
        klasses = ["4", "5"] if e.startswith("X.") else [e[0]] if e[0] in "45" else []
        pairs += [k + e[1:] for k in klasses]
    pairs += [f"{k}.{s}.99" for k in "45" for s in "01234567"]  # not in the catalogue
    for e in pairs:
        code = 451 if e[0] == "4" else 550
        x = explain(server, f"{code} {e}")
        cases.append(Case(f"{code}-{e}@reply.test", code, e, x["bounce"]))
    # The policy rejection at the end of DATA, as the design names it.
    cases.append(Case("data-554-5.7.1@reply.test", 554, "5.7.1", "hard"))
    # A reply for the first attempts only: deferred twice, then delivered on a retry.
    cases.append(Case("451-4.7.1-2times@reply.test", 451, "4.7.1", "soft", expect="sent"))
    return cases


def server_cases(plan):
    """What the [server] tables refuse or allow (no rule of their own): AUTH and TLS."""
    plan.cases += [
        Case("plain@auth-required.test", 530, "5.7.0", "hard", server="auth-required",
             options={}, label="auth-required [server]", how="MAIL before AUTH"),
        Case("login@auth-required.test", 0, "", "", server="auth-required", expect="sent",
             label="auth-required [server]", how="AUTH PLAIN as alice",
             options={"smtp_sasl_auth_enable": "yes", "smtp_sasl_security_options": "noanonymous",
                      "smtp_sasl_password_maps": "static:alice:secret"}),
        Case("tls@tls-required.test", 0, "", "", server="tls-required", expect="sent",
             label="tls-required [server]", how="over STARTTLS",
             options={"smtp_tls_security_level": "encrypt"}),
    ]


def build_plan(catalogue):
    plan = Plan()
    plan.servers["catalogue"] = Server([])
    plan.cases += catalogue_cases(catalogue)
    planner = ScenarioPlanner(lambda q: explain(catalogue, q), plan)
    for name in scenario_names():
        planner.scenario(name)
    server_cases(plan)
    return plan


def message(case, sender, n):
    headers = {"From": sender, "To": case.rcpt, "Subject": f"fidelity {n}", **case.headers}
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    body = case.body + "\r\n"
    if case.size:
        line = "x" * 998 + "\r\n"
        body += line * (case.size // len(line) + 1)
    return head + "\r\n" + body


def send_all(postfix, cases):
    """Every case's messages, each with its own sender (the DSN names one recipient)."""
    with smtplib.SMTP("127.0.0.1", postfix.smtpd_port, timeout=60) as smtp:
        n = 0
        for case in cases:
            for _ in range(case.count):
                n += 1
                sender = case.sender or f"app{n}@sender.test"
                assert not smtp.sendmail(sender, [case.rcpt], message(case, sender, n))


def finished(statuses, case):
    said = [s[0] for s in statuses.get(case.rcpt.lower(), [])]
    if case.expect == "sent":
        return "sent" in said or "bounced" in said
    # Deferred mail expires after maximal_queue_lifetime: then the queue is empty.
    return "deferred" in said or "bounced" in said


def wait_until_done(postfix, cases, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = postfix.statuses()
        if all(finished(statuses, c) for c in cases) and postfix.queue_empty():
            return statuses
        time.sleep(0.5)
    late = [c.key for c in cases if not finished(postfix.statuses(), c)]
    pytest.fail(f"Postfix did not finish {late[:20]}:\n" + postfix.log()[-4000:])


def collect_dsns(collector, directory):
    """Every message the collector got (the DSNs Postfix sent to the senders), as files."""
    messages, start = [], 0
    while True:
        status, _, body = http_call(collector, "GET", f"/api/v1/messages?limit=100&start={start}")
        assert status == 200
        page = json.loads(body)
        messages += page["messages"]
        start += 100
        if start >= page["total"]:
            break
    paths = []
    for m in messages:
        status, _, raw = http_call(collector, "GET", f"/api/v1/messages/{m['id']}/raw")
        assert status == 200
        path = os.path.join(directory, m["id"].replace("/", "_") + ".eml")
        with open(path, "wb") as f:
            f.write(raw)
        paths.append(path)
    return paths


def run_json_lines(args):
    res = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return [json.loads(line) for line in res.stdout.splitlines() if line.strip()]


def need_classifiers():
    need_tool("postfix")
    need_tool("perl")
    if subprocess.run(["perl", "-MSisimai", "-e1"], capture_output=True).returncode:
        missing_tool("Sisimai is not installed (libsisimai-perl)")
    if subprocess.run(["/usr/bin/python3", "-c", "import flufl.bounce"],
                      capture_output=True).returncode:
        missing_tool("flufl.bounce is not installed (python3-flufl.bounce)")
    if not glob.glob("/usr/lib/*/sasl2/libplain.so*"):
        missing_tool("Postfix's AUTH client has no PLAIN mechanism (libsasl2-modules)")
    if os.geteuid() != 0:
        pytest.skip("a private Postfix instance needs root (its master drops to `postfix`)")


class Run:
    """The one Postfix run: the plan, what Postfix logged and what the classifiers read."""

    def __init__(self, plan, statuses, sisimai, flufl):
        self.plan, self.statuses = plan, statuses
        self.failed = {r["recipient"].lower(): r for r in sisimai if r["action"] != "delayed"}
        self.temporary = {a.lower() for f in flufl for a in f["temporary"]}
        self.permanent = {a.lower() for f in flufl for a in f["permanent"]}


@pytest.fixture(scope="module")
def run():
    need_classifiers()
    servers = []
    workdir = tempfile.mkdtemp(prefix="bounceback-fidelity-")
    postfix = None
    try:
        def start(*args):
            servers.append(Bounceback(list(args)))
            return servers[-1]

        catalogue = start()
        collector = start()
        plan = build_plan(catalogue)
        ports = {"catalogue": catalogue.smtp_port}
        used = {c.server for c in plan.cases}
        for name, spec in plan.servers.items():
            if name == "catalogue" or name not in used:
                continue
            path = os.path.join(workdir, name + ".toml")
            with open(path, "w") as f:
                f.write(spec.toml)
            ports[name] = start("--scenario", path, *spec.args).smtp_port
        routes, transports, serial = {}, {}, []
        for n, case in enumerate(plan.cases):
            if case.server != "catalogue" or case.options is not None:
                routes[case.rcpt] = (f"t{n}", ports[case.server])
                transports[f"t{n}"] = case.options or {}
                if case.serial:
                    serial.append(f"t{n}")
        domains = {"sender.test"} | {c.sender.split("@")[1] for c in plan.cases if c.sender}
        postfix = PrivatePostfix(catalogue.smtp_port, collector.smtp_port, domains,
                                 routes=routes, transports=transports, serial=serial)
        send_all(postfix, plan.cases)
        # A sanitized server beside another test (ctest -j2) once needed over 120 s here.
        statuses = wait_until_done(postfix, plan.cases,
                                   timeout=120 if binary_sanitizer() is None else 360)
        dsn_dir = os.path.join(workdir, "dsn")
        os.mkdir(dsn_dir)
        paths = collect_dsns(collector, dsn_dir)
        sisimai = run_json_lines(["perl", os.path.join(HERE, "sisimai_classify.pl"), *paths])
        flufl = run_json_lines(["/usr/bin/python3", os.path.join(HERE, "flufl_classify.py"),
                                *paths])
        yield Run(plan, statuses, sisimai, flufl)
    finally:
        if postfix:
            postfix.stop()
        for server in servers:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def postfix_said(run, case):
    """What Postfix did for the case's recipient: its first deferral or bounce, else sent."""
    said = run.statuses.get(case.rcpt.lower(), [])
    failures = [s for s in said if s[0] in ("deferred", "bounced")]
    return failures[0] if failures else (said[0] if said else ("nothing", ""))


def check(run, cases):
    """The problems found: each case against Postfix's, flufl.bounce's and Sisimai's readings."""
    problems = []
    for case in cases:
        r, code, name = case.rcpt.lower(), case.code, case.key
        status, text = postfix_said(run, case)
        said = [s[0] for s in run.statuses.get(r, [])]
        s = run.failed.get(r)
        if case.expect == "sent":
            # Delivered (late, or on a retry after the first attempts' replies).
            if "sent" not in said or "bounced" in said or s:
                problems.append(f"{name}: Postfix {said}, Sisimai {s}, want sent")
            elif code >= 400 and ("deferred" not in said or f" {code} " not in f" {text} "):
                problems.append(f"{name}: Postfix {said} ({text}), want {code} first, then sent")
            continue
        want = {"bounced": "bounced"}.get(case.expect, "deferred")
        if status != want:
            problems.append(f"{name}: Postfix {status} ({text}), want {want}")
        elif code and f" {code} " not in f" {text} ".replace("-", " "):
            problems.append(f"{name}: Postfix got another reply: {text}")
        elif case.expect == "lost" and "lost connection" not in text:
            problems.append(f"{name}: Postfix did not lose the connection: {text}")
        elif case.expect == "timeout" and "timed out" not in text:
            problems.append(f"{name}: Postfix did not time out: {text}")
        # flufl.bounce: a deferred recipient is in a delay warning's temporary failures; every
        # recipient ends among the permanent failures when Postfix gives up.
        deferrals = [s for s in run.statuses.get(r, []) if s[0] == "deferred"]
        # (A message whose first deferral comes after its queue lifetime is returned at once,
        # with no delay warning: a reply slower than the lifetime.)
        if (r in run.temporary) != (want == "deferred") and len(deferrals) != 1:
            problems.append(f"{name}: flufl.bounce temporary={r in run.temporary}")
        if r not in run.permanent:
            problems.append(f"{name}: flufl.bounce found no failure")
        if not s:
            problems.append(f"{name}: Sisimai found no failure")
            continue
        if not code:
            if s["reason"] not in LOST_REASONS:
                problems.append(f"{name}: Sisimai reason {s['reason']!r} outside "
                                f"{sorted(LOST_REASONS)} ({s['diagnosticcode']})")
            continue
        # (Postfix drops the codes from a multi-line reply's text: then the status says.)
        if (s["deliverystatus"] != case.enhanced if case.enhanced else
                f" {code} " not in f" {s['diagnosticcode']} "):
            problems.append(f"{name}: Sisimai read another reply: {s['deliverystatus']} "
                            f"{s['diagnosticcode']}")
        if name in DOCUMENTED:
            allowed = {DOCUMENTED[name]}
        elif case.enhanced:
            subject = case.enhanced.split(".")[1]
            allowed = SUBJECT_REASONS[subject] | {"onhold", "undefined"}  # "cannot tell"
        else:
            allowed = None  # no enhanced code: only the soft/hard rule below
        if allowed is not None and s["reason"] not in allowed:
            problems.append(f"{name}: Sisimai reason {s['reason']!r} outside {sorted(allowed)} "
                            f"({s['diagnosticcode']})")
        # Sisimai's softbounce is about the address (only a bad address is hard); the
        # catalogue's bounce about the reply. A permanent reply the catalogue calls soft must
        # never read as a bad address. (A 4xx is deferred whatever Sisimai says: it reads the
        # text, and RFC 5321's own 450 "mailbox unavailable" reads as a bad address.)
        if s["softbounce"] == 0 and code >= 500 and case.bounce != "hard":
            problems.append(f"{name}: Sisimai reads a bad address ({s['reason']}), the "
                            f"catalogue says {case.bounce} ({s['diagnosticcode']})")
    return problems


def test_catalogue_replies_read_as_the_catalogue_says(run):
    cases = [c for c in run.plan.cases if c.server == "catalogue"]
    problems = check(run, cases)
    # The two readings issue 14 found wrong: a policy rejection, and a provider code that
    # borrowed "User unknown".
    for rcpt in ("554@reply.test", "data-554-5.7.1@reply.test"):
        if run.failed.get(rcpt, {}).get("reason") != "policyviolation":
            problems.append(f"{rcpt}: not a policy rejection to Sisimai: {run.failed.get(rcpt)}")
    if run.failed.get("550-5.7.606@reply.test", {}).get("reason") != "blocked":
        problems.append(f"550-5.7.606: not a blocked IP: {run.failed.get('550-5.7.606@reply.test')}")
    assert not problems, "\n".join(problems)


# Rules that cannot fire today, each a known defect with its issue: the suite requires them to
# fail, so the day they fire it says to remove them here (and to regenerate docs/codes.md).
KNOWN_DEFECTS = {}


def test_scenario_rules_read_as_their_replies_say(run):
    """Every rule of every built-in scenario, and what the [server] tables refuse."""
    problems = []
    for case in (c for c in run.plan.cases if c.server != "catalogue"):
        found = check(run, [case])
        if case.rule in KNOWN_DEFECTS and not found:
            problems.append(f"{case.key} ({case.rule}) now works: remove it from KNOWN_DEFECTS")
        elif case.rule not in KNOWN_DEFECTS:
            problems += found
    assert not problems, "\n".join(problems)


def reading(run, case):
    """One row of docs/codes.md's table of scenario rules: what Postfix and Sisimai made of it."""
    status, text = postfix_said(run, case)
    if case.expect == "sent":
        outcome = "sent" + (" after a deferral" if status == "deferred" else "")
    elif case.code:
        outcome = status
    else:
        outcome = status + ": " + ("lost connection" if "lost connection" in text
                                   else "timed out")
    s = run.failed.get(case.rcpt.lower())
    reply = f"{case.code} {case.enhanced}".strip() if case.code else "—"
    sisimai = f"{s['reason']} ({'soft' if s['softbounce'] else 'hard'})" if s else "—"
    return f"| {case.rule or case.label} | {case.how or '—'} | {reply} | {outcome} | {sisimai} |"


TABLE_START = "<!-- scenario-rules: generated by test_classifiers.py -->"
TABLE_END = "<!-- end scenario-rules -->"


def test_every_scenario_rule_is_classified_in_docs(run):
    """docs/codes.md lists every rule of every built-in scenario with what a real Postfix and
    Sisimai made of it; a rule without a case must say why."""
    rows = [reading(run, c) for c in run.plan.cases
            if c.server != "catalogue" and c.rule not in KNOWN_DEFECTS]
    rows += [f"| {rule} | — | — | known defect: {why} | — |"
             for rule, why in sorted(KNOWN_DEFECTS.items())]
    rows += [f"| {rule} | — | — | {why} | — |" for rule, why in sorted(run.plan.no_dsn.items())]
    expected = "\n".join(["| Rule | Met by | Reply | Postfix | Sisimai |",
                          "|---|---|---|---|---|", *rows])
    with open(DOCS) as f:
        doc = f.read()
    found = re.search(re.escape(TABLE_START) + r"\n(.*?)\n" + re.escape(TABLE_END), doc, re.S)
    if not found or found.group(1) != expected:
        pytest.fail(f"docs/codes.md's table between {TABLE_START!r} and {TABLE_END!r} must be:"
                    f"\n{expected}\n", pytrace=False)


def test_greylisting_is_retried_through_by_a_real_postfix(bounceback):
    """The greylisting scenario as a real MTA meets it: deferred once with 451 4.7.1, then
    delivered on a retry once the greylist delay has passed on the scenario clock, once."""
    need_classifiers()
    server = bounceback("--scenario", "greylisting")
    collector = bounceback()
    postfix = PrivatePostfix(server.smtp_port, collector.smtp_port, lifetime="5m")
    try:
        send_all(postfix, [Case("user@example.test", 451, "4.7.1", "soft")])
        deadline = time.monotonic() + 30
        while not postfix.statuses().get("user@example.test") and time.monotonic() < deadline:
            time.sleep(0.2)
        first = postfix.statuses().get("user@example.test", [])
        assert first and first[0][0] == "deferred" and "451 4.7.1" in first[0][1], first
        status, _, _ = http_call(server, "POST", "/api/v1/clock/advance?by=61s")
        assert status == 200
        while time.monotonic() < deadline:
            said = [s[0] for s in postfix.statuses().get("user@example.test", [])]
            if "sent" in said:
                break
            time.sleep(0.2)
        assert "sent" in said, postfix.log()[-3000:]
        assert "bounced" not in said
    finally:
        postfix.stop()
    status, _, body = http_call(server, "GET", "/api/v1/messages?to=user@example.test")
    assert status == 200 and json.loads(body)["total"] == 1
