"""A private Postfix instance for tests: its own config directory, queue, log file and a
loopback smtpd port, relaying every message to one host:port (a Bounceback under test) and
the DSNs to the senders' domain to another (a Bounceback collecting them), with
no DNS, soft_bounce off and second-scale retry settings, so a deferred recipient gets a delay
warning (DSN Action: delayed) within seconds and is returned (Action: failed) soon after.
Recipients may also be routed one by one to transports of their own (`routes`, `transports`):
an smtp client with its own options (client address, HELO name, timeouts, TLS, SASL), and its
own queue, so a lost connection for one recipient never suspends delivery to another.
Needs root (Postfix's master drops privileges to the `postfix` user, as installed)."""
import os
import re
import shutil
import socket
import tempfile
import subprocess
import time

MASTER_CF = """\
{smtpd_port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       1       1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {dir}/queue
data_directory = {dir}/data
maillog_file = {dir}/maillog
maillog_file_prefixes = {dir}
syslog_name = postfix-bounceback-test
myhostname = mta.sender.test
mydomain = sender.test
myorigin = sender.test
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:{relay_port}
transport_maps = {transport_maps}
smtp_dns_support_level = disabled
smtp_tls_security_level = none
smtp_destination_recipient_limit = 1000
smtp_connect_timeout = 5s
smtp_helo_timeout = 10s
smtp_data_done_timeout = 10s
message_size_limit = 64000000
soft_bounce = no
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 1s
delay_warning_time = 1s
maximal_queue_lifetime = {lifetime}
bounce_queue_lifetime = {lifetime}
notify_classes =
biff = no
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivatePostfix:
    def __init__(self, relay_port, return_port=None, return_domains=("sender.test",),
                 lifetime="5s", routes=None, transports=None, serial=()):
        """Relays to 127.0.0.1:relay_port; mail to the senders' domains (the DSNs) goes to
        127.0.0.1:return_port when given, so the server under test never sees it. `routes`
        ({recipient: (transport, port)}) sends a recipient through one of `transports`
        ({name: {smtp client parameter: value}}) to 127.0.0.1:port instead; the `serial`
        transports deliver over one connection at a time (reused for the next message)."""
        # Not under pytest's tmp_path: its parents are private to root, and Postfix opens its
        # data directory as the `postfix` user.
        self.dir = tempfile.mkdtemp(prefix="bounceback-postfix-")
        self.smtpd_port = free_port()
        os.makedirs(os.path.join(self.dir, "queue"))
        with open(os.path.join(self.dir, "main.cf"), "w") as f:
            entries = [f"{d} relay:[127.0.0.1]:{return_port}\n"
                       for d in sorted(set(return_domains))] if return_port else []
            entries += [f"{rcpt} {name}:[127.0.0.1]:{port}\n"
                        for rcpt, (name, port) in sorted((routes or {}).items())]
            table = os.path.join(self.dir, "transport")
            with open(table, "w") as t:
                t.writelines(entries)
            transport = f"texthash:{table}" if entries else ""
            f.write(MAIN_CF.format(dir=self.dir, relay_port=relay_port,
                                   transport_maps=transport, lifetime=lifetime))
            f.writelines(f"{name}_destination_concurrency_limit = 1\n" for name in serial)
        with open(os.path.join(self.dir, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(smtpd_port=f"127.0.0.1:{self.smtpd_port}"))
            for name, options in sorted((transports or {}).items()):
                f.write(f"{name} unix - - n - - smtp\n")
                f.writelines(f"  -o {k}={v}\n" for k, v in sorted(options.items()))
        # The queue's parent must not be writable by the postfix user (postfix check).
        os.chmod(self.dir, 0o755)
        self.run("postfix", "-c", self.dir, "start")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.smtpd_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("private postfix did not listen:\n" + self.log())

    def run(self, *args):
        res = subprocess.run(args, capture_output=True, text=True, timeout=60)
        if res.returncode != 0:
            raise RuntimeError(f"{args} exited {res.returncode}: {res.stdout}{res.stderr}")
        return res.stdout

    def log(self):
        try:
            with open(os.path.join(self.dir, "maillog"), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def queue_empty(self):
        out = subprocess.run(["postqueue", "-c", self.dir, "-p"], capture_output=True,
                             text=True).stdout
        return "Mail queue is empty" in out

    def statuses(self):
        """{recipient: [(status, text), ...]} from the log: deferred, bounced, expired, sent."""
        found = {}
        for m in re.finditer(r" to=<([^>]*)>,.*? status=(\w+) \((.*)\)$", self.log(), re.M):
            found.setdefault(m.group(1).lower(), []).append((m.group(2), m.group(3)))
        return found

    def stop(self):
        subprocess.run(["postfix", "-c", self.dir, "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)
