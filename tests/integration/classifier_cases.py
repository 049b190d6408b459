"""What the classifier suite sends through a real Postfix: a Case per reply Bounceback can
give, from the catalogue (address-encoded recipients) and from every rule of every built-in
scenario, with what it takes for Postfix to meet the rule (a client address, a HELO name, a
size, headers or a body, a count of messages, a server holding only that rule) and what Postfix
must then do (bounce, defer, lose the connection, time out, deliver). A rule this module cannot
plan fails the suite, so a new rule kind gets a plan or a documented reason (docs/codes.md,
"Fidelity")."""
import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass, field

SCENARIOS = os.path.join(os.environ.get("BOUNCEBACK_SOURCE_DIR", "."), "scenarios")


@dataclass
class Case:
    rcpt: str
    code: int  # the reply's code; 0 when the rule answers nothing (drop, hang, delay)
    enhanced: str  # "" when the reply has none
    bounce: str  # the catalogue's "soft"/"hard" for (code, enhanced), "" without a reply
    sender: str = ""  # "" for a sender of its own
    label: str = ""  # how a failure names it (default: rcpt)
    server: str = "catalogue"  # the Bounceback it goes to (a key of the plan's servers)
    options: dict | None = None  # Postfix smtp client parameters: a transport of its own
    count: int = 1  # messages sent to rcpt (rates, quotas)
    size: int = 0  # body bytes beyond the greeting line
    headers: dict = field(default_factory=dict)
    body: str = "hello"
    # What Postfix must do: "bounced"/"deferred" (by the code), "lost" (the connection dropped:
    # deferred), "timeout" (no answer: deferred), "sent" (delivered, maybe late or on a retry).
    expect: str = ""
    rule: str = ""  # "scenario#n" for a scenario rule
    serial: bool = False  # one connection at a time to its server (Postfix reuses it)
    how: str = ""  # what meets the rule, for docs/codes.md ("client 127.0.0.2", "SIZE=")

    def __post_init__(self):
        if not self.expect:
            self.expect = "bounced" if self.code >= 500 else "deferred"

    @property
    def key(self):
        return self.label or self.rcpt


@dataclass
class Server:
    args: list  # bounceback serve arguments
    toml: str = ""  # a scenario file of its own, written for this server


@dataclass
class Plan:
    cases: list = field(default_factory=list)
    servers: dict = field(default_factory=dict)
    no_dsn: dict = field(default_factory=dict)  # "scenario#n" -> why it cannot end in a DSN


def reply_codes(reply):
    """(code, enhanced) of a rule's reply (a string or a list of lines)."""
    first = (reply[0] if isinstance(reply, list) else reply).replace("-", " ", 1).split()
    enhanced = first[1] if len(first) > 1 and first[1][:2] in ("4.", "5.") else ""
    return int(first[0]), enhanced


def sample(pattern, n):
    """A string a rule's pattern matches: a glob's '*' filled in, a regex's first alternatives."""
    if not pattern.startswith("re:"):
        return pattern.replace("*", f"rule{n}")
    regex = pattern[3:]
    text = regex.replace("(?i)", "").replace("\\b", "")
    text = re.sub(r"\(([^|()]*)(\|[^()]*)?\)", r"\1", text)  # (a|b|c) -> a
    assert re.search(regex, text), (pattern, text)
    return text


def size_of(text):
    units = {"B": 1, "KiB": 1024, "MiB": 1024 ** 2, "KB": 1000, "MB": 1000 ** 2}
    m = re.fullmatch(r"(\d+)\s*([A-Za-z]*)", text)
    return int(m.group(1)) * units[m.group(2) or "B"]


def seconds(text):
    m = re.fullmatch(r"(\d+)(ms|s|m)", text)
    return int(m.group(1)) / {"ms": 1000, "s": 1, "m": 1 / 60}[m.group(2)]


# The Postfix timeout that ends a wait for each stage's reply.
STAGE_TIMEOUT = {"connect": "smtp_helo_timeout", "helo": "smtp_helo_timeout",
                 "mail": "smtp_mail_timeout", "rcpt": "smtp_rcpt_timeout",
                 "data": "smtp_data_init_timeout", "message": "smtp_data_done_timeout"}
# Our Postfix's longest stage timeout (private_postfix.MAIN_CF): a longer delay times out.
POSTFIX_TIMEOUT = 10
# Rule keys planned below; a rule with any other key fails the suite until it gets a plan.
PLANNED = {"on", "rcpt", "from", "helo", "client_ip", "tls", "size_over", "header", "body",
           "probability", "rate_limit", "greylist", "quota", "reply", "delay", "drip",
           "disconnect", "drop", "hang", "nth_message"}
# Client addresses Postfix can send from: 127.0.0.0/8 is all local on Linux.
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")


class ScenarioPlanner:
    def __init__(self, explain, plan):
        self.explain = explain  # (query) -> the API's explanation of a code
        self.plan = plan
        self.spare_ip = 9  # 127.0.0.N for client_ip rules outside the loopback network

    def scenario(self, name):
        path = os.path.join(SCENARIOS, name + ".toml")
        with open(path, "rb") as f:
            data = tomllib.load(f)
        with open(path) as f:
            text = f.read()
        rules = data.get("rule", [])
        if not rules and not data.get("server"):
            return
        server_text = text
        for n, rule in enumerate(rules):
            rule_id = f"{name}#{n}"
            unknown = set(rule) - PLANNED
            assert not unknown, f"{rule_id}: no plan for {sorted(unknown)}"
            if "client_ip" in rule and not ipaddress.ip_network(
                    rule["client_ip"], strict=False).subnet_of(LOOPBACK):
                # Postfix cannot send from 192.0.2.x: the server gets a loopback address.
                self.spare_ip += 1
                ip = f"127.0.0.{self.spare_ip}"
                server_text = server_text.replace(f'client_ip = "{rule["client_ip"]}"',
                                                  f'client_ip = "{ip}"', 1)
                rule = {**rule, "client_ip": ip}
            if "rate_limit" in rule or "probability" in rule:
                # Counting or odds over every event: the rule gets a server of its own.
                self.isolated(name, data, n, rule, rule_id)
            else:
                self.rule_cases(name, n, rule, rule_id, server=name)
        self.plan.servers[name] = Server([], server_text)

    def isolated(self, name, data, n, rule, rule_id):
        rule = dict(rule)
        how = ["a server with only this rule"]
        if "probability" in rule:
            rule["probability"] = 1.0  # the reply is what is read; the odds have unit tests
            how.append("probability 1")
        server = f"{name}-{n}"
        lines = [f'name = "{server}"', f'seed = {data.get("seed", 1)}', "[[rule]]"]
        lines += [f"{k} = {toml_value(v)}" for k, v in rule.items()]
        self.plan.servers[server] = Server([], "\n".join(lines) + "\n")
        count = 1
        options = {}
        if "rate_limit" in rule:
            limit = rule["rate_limit"]
            count = limit["max"] + 1
            if limit.get("key") != "rcpt":
                options["smtp_connection_cache_on_demand"] = "no"
                how.append("one connection per message")
        self.rule_cases(name, n, rule, rule_id, server=server, count=count, options=options,
                        how=how)

    def rule_cases(self, name, n, rule, rule_id, server, count=1, options=None, how=()):
        stages = rule["on"] if isinstance(rule["on"], list) else [rule["on"]]
        domain = f"{name}.test"

        def address(pattern, default_domain):
            local, _, dom = pattern.partition("@")
            local = sample(local, n)
            dom = default_domain if dom in ("", "*") else dom.replace("*", "x")
            return f"{local}@{dom}"

        rcpt = address(rule["rcpt"], domain) if "rcpt" in rule else f"rule{n}@{domain}"
        sender = address(rule["from"], "sender.test") if "from" in rule else ""
        options = dict(options or {})
        how = list(how)
        if "rcpt" in rule:
            how.append(f"RCPT {rcpt}")
        if sender:
            how.append(f"MAIL FROM {sender}")
        if "client_ip" in rule:
            network = ipaddress.ip_network(rule["client_ip"], strict=False)
            options["smtp_bind_address"] = str(next(iter(network.hosts()),
                                                    network.network_address))
            how.append(f"client {options['smtp_bind_address']}")
        if "helo" in rule:
            options["smtp_helo_name"] = sample(rule["helo"], n).replace("*", "x")
            how.append(f"HELO {options['smtp_helo_name']}")
        if rule.get("tls") is True:
            options["smtp_tls_security_level"] = "encrypt"
            how.append("over STARTTLS")
        if rule.get("tls") is False:
            how.append("without STARTTLS")
        headers = {h: sample(v, n) for h, v in rule.get("header", {}).items()}
        how += [f"{h}: {v}" for h, v in headers.items()]
        body = sample(rule["body"], n) if "body" in rule else "hello"
        if "body" in rule:
            how.append(f"body '{body}'")
        code, enhanced, bounce, expect = 0, "", "", "sent"
        if "reply" in rule:
            code, enhanced = reply_codes(rule["reply"])
            # The whole first line: a provider's marker in it picks the provider's row.
            first = rule["reply"][0] if isinstance(rule["reply"], list) else rule["reply"]
            bounce = self.explain(first[:500])["bounce"] or ""
            # Postfix skips a server that greets with 5xx (smtp_skip_5xx_greeting = yes, its
            # default) as if it were down: the message is deferred, then returned.
            expect = "deferred" if stages == ["connect"] else ""
            if code < 400:  # a success reply of the rule's own: the message is delivered
                expect = "sent"
        elif rule.get("drop"):
            expect = "lost"
        elif rule.get("hang"):
            expect = "timeout"
        elif "delay" in rule and seconds(rule["delay"]) >= POSTFIX_TIMEOUT:
            expect = "timeout"
        if expect == "timeout":  # shorten Postfix's wait at the stage that never answers
            for stage in stages:
                options[STAGE_TIMEOUT[stage]] = "3s"
            how.append("Postfix waits 3 s")
        if "quota" in rule:
            count, size = 2, size_of(rule["quota"]) * 6 // 10  # the second one is over
            how.append(f"2 messages of {size // 1024} KiB")
        elif "size_over" in rule:
            size = size_of(rule["size_over"]) + 1024
            how.append(f"{size // 1024} KiB")
        else:
            size = 0
        serial = "nth_message" in rule
        if serial:
            # The Nth message of one session: N messages over one connection, which Postfix
            # reuses when one at a time may go; the refused one goes on a new session.
            count = int(re.match(r"\d+", rule["nth_message"]).group())
            options["smtp_connection_cache_destinations"] = "static:all"
            how.append("one connection, reused")
            if expect == "":
                expect = "sent"
        if count > 1 and "quota" not in rule:
            how.append(f"{count} messages")
        if "greylist" in rule:
            how.append("no retry after the greylist delay")
        # A rule on MAIL and the message sees SIZE= at MAIL; without SIZE= (Postfix ignoring the
        # keyword) it sees the message: one case per stage when sizes decide.
        variants = [("", {}, "")]
        if ("quota" in rule or "size_over" in rule) and "message" in stages:
            variants = [("", {}, "SIZE= at MAIL"),
                        ("nosize-", {"smtp_discard_ehlo_keywords": "size"}, "no SIZE=")]
            if stages == ["message"]:
                variants = variants[1:]
        for prefix, extra, note in variants:
            local, _, dom = rcpt.partition("@")
            the_rcpt = f"{prefix}{local}@{dom}"
            if any(c.rcpt == the_rcpt and c.sender == sender for c in self.plan.cases):
                self.plan.no_dsn[rule_id] = "an earlier rule answers the same recipient"
                continue
            label = f"{name}:{the_rcpt}" + (f" from {sender}" if sender else "")
            self.plan.cases.append(Case(
                the_rcpt, code, enhanced, bounce, sender, label, server,
                {**options, **extra}, count, size, headers, body, expect, rule_id,
                how="; ".join(how + ([note] if note else [])) or "any message", serial=serial))


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def scenario_names():
    return sorted(f[:-5] for f in os.listdir(SCENARIOS) if f.endswith(".toml"))
