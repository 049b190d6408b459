"""The MX's own faults against nodemailer (issue 17): the broken-MX recipe of docs/recipes.md and
greetings that are slow or not 220, each address sent by faults_node/send_each.mjs, and the
error nodemailer reports asserted. Of note beside smtplib: nodemailer takes a reply's code from
its first line (550 for mixed codes, smtplib 551), and tells a reset (ESOCKET, "read
ECONNRESET") from a FIN (ECONNECTION, "Connection closed unexpectedly"). Needs node and npm;
installs nodemailer from the npm registry into a temporary directory, and skips (fails under
CI) when node, npm or the registry is missing."""
import json
import os
import shutil
import subprocess

from conftest import missing_tool, need_tool
from test_faults import put_scenario
from test_recipe_curl import recipe

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "faults_node")

# recipient -> (accepted?, error code, SMTP code, words of the message)
EXPECTED = {
    "split": (True, None, None, "250 2.0.0 Ok: queued as"),
    "bare-lf": (True, None, None, "250 2.0.0 Ok: queued as"),
    "long-line": (True, None, None, "250 2.0.0 Ok: queued as"),
    "mixed-codes": (False, "EENVELOPE", 550, "550-5.1.1 User unknown\n551 5.1.1 User unknown"),
    "no-text": (False, "EENVELOPE", 550, "all recipients were rejected: 550"),
    "no-final-line": (False, "ETIMEDOUT", None, "Timeout"),
    "slow-lines": (False, "ETIMEDOUT", None, "Timeout"),
    "fin": (False, "ECONNECTION", None, "Connection closed unexpectedly"),
    "reset": (False, "ESOCKET", None, "read ECONNRESET"),
    "after-shutdown": (False, "EENVELOPE", 421, "421 4.3.2 localhost Service shutting down"),
    "slow-greeting": (False, "ETIMEDOUT", None, "Greeting never received"),
    "greeting-421": (False, "EPROTOCOL", 421, "Invalid greeting. response=421 4.3.2 Not now"),
    "greeting-554": (False, "EPROTOCOL", 554, "Invalid greeting. response=554 5.7.1 Go away"),
}


def test_nodemailer_against_each_fault(bounceback, tmp_path):
    need_tool("node")
    need_tool("npm")
    shutil.copy(os.path.join(HERE, "send_each.mjs"), tmp_path / "send_each.mjs")
    install = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent",
                              "nodemailer@6"], cwd=tmp_path, capture_output=True, text=True,
                             timeout=180)
    if install.returncode != 0:
        missing_tool("npm install nodemailer failed (offline?): " + install.stderr[-500:])
    broken = bounceback()
    put_scenario(broken, recipe("broken-mx", "toml"))
    greeters = {}
    for local, action in (("slow-greeting", 'delay = "2s"'),
                          ("greeting-421", 'reply = "421 4.3.2 Not now"'),
                          ("greeting-554", 'reply = "554 5.7.1 Go away"')):
        greeters[local] = bounceback()
        put_scenario(greeters[local], f'name = "g"\n[[rule]]\non = "connect"\n{action}\n')
    specs = []
    for local in EXPECTED:
        port = (greeters[local] if local in greeters else broken).smtp_port
        sender = "shutdown@client.test" if local == "after-shutdown" else "a@client.test"
        specs.append(f"{port} {sender} {local}@example.test")
    run = subprocess.run(["node", "send_each.mjs", *specs], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    results = {r["to"].split("@")[0]: r for r in json.loads(run.stdout)}
    for local, (ok, code, smtp_code, words) in EXPECTED.items():
        got = results[local]
        assert got["ok"] == ok, (local, got)
        if ok:
            assert words in got["response"], (local, got)
        else:
            assert (got["code"], got["responseCode"]) == (code, smtp_code), (local, got)
            assert words in got["message"], (local, got)
