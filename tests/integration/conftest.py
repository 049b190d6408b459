"""Shared fixtures: start the real bounceback binary on free ports and talk to it.

`bounceback(*args)` starts a server with `--smtp 127.0.0.1:0 --http 127.0.0.1:0` plus args,
waits for its "ready" log line, and returns a Server with the bound ports. Every server is
stopped with SIGTERM at the end of the test, and must exit 0.

`need_tool(name)` skips a test whose external tool is missing (under CI=true it fails instead:
CI installs every tool tests/tools.txt lists). Run by CTest (BOUNCEBACK_CTEST=1), a file in
which a test skipped exits 77, which CTest reports as skipped, never as passed.
"""
import functools
import http.client
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

BIN = os.environ.get("BOUNCEBACK_BIN", "build/bounceback")
SOURCE_DIR = os.environ.get("BOUNCEBACK_SOURCE_DIR", ".")
# Options for every server, before the test's own (CI's sanitizer stages add --threads 2 so
# that connections run on several I/O threads under ASan and TSan).
SERVE_ARGS = shlex.split(os.environ.get("BOUNCEBACK_SERVE_ARGS", ""))
SKIPPED_EXIT = 77  # tests/CMakeLists.txt: SKIP_RETURN_CODE


def missing_tool(reason):
    """Skips the running test, or fails it under CI, where every test tool is installed."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: CI installs every test tool (.ci/install-deps --test, "
                    "tests/tools.txt)", pytrace=False)
    pytest.skip(f"{reason} (.ci/install-deps --test installs it)")


def need_tool(name):
    """The path of executable `name`; skips (CI: fails) the test when it is not installed."""
    path = shutil.which(name)
    if not path:
        missing_tool(f"{name} is not installed")
    return path


# How many times slower a sanitized server runs: the factor its timing bounds get.
SLOWER = {"asan": 3, "tsan": 10}


SCHED_OTHER, SCHED_IDLE = 0, 5  # scheduling policies, as in field 41 of /proc/PID/task/TID/stat


def thread_stat(pid, field):
    """{thread name: a numeric field of /proc/PID/task/TID/stat (1-based, as in proc(5))}."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            name = f.read().strip()
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            out[name] = int(f.read().rsplit(")", 1)[1].split()[field - 3])
    return out


def slower(pid):
    """The factor a timing bound gets for the server `pid` (1 when it is not sanitized)."""
    return SLOWER.get(sanitizer(pid), 1)


def sanitizer(pid):
    """The sanitizer a server runs under ("asan", "tsan" or None): sanitized builds keep shadow
    memory, so memory bounds get slack (ASan) or are not checked (TSan's shadow is several
    times the application's), and run several times slower."""
    with open(f"/proc/{pid}/maps") as f:
        maps = f.read()
    if "libasan" in maps or "libtsan" in maps:  # GCC: the runtime is a shared library
        return "asan" if "libasan" in maps else "tsan"
    return binary_sanitizer(os.readlink(f"/proc/{pid}/exe"))  # clang: built in


@functools.lru_cache(maxsize=None)
def binary_sanitizer(path=BIN):
    """The sanitizer a binary was built with, for commands that are not a running server
    (`bounceback import`): GCC links libasan/libtsan, clang builds the runtime in."""
    with open(path, "rb") as f:
        image = f.read()
    if b"libasan.so" in image or b"AddressSanitizer" in image:
        return "asan"
    return "tsan" if b"libtsan.so" in image or b"ThreadSanitizer" in image else None


def need_swaks(feature):
    """swaks, able to do `feature` as `swaks --support` names it ("TLS" needs Net::SSLeay)."""
    swaks = need_tool("swaks")
    support = subprocess.run([swaks, "--support"], capture_output=True, text=True).stdout
    if f"=== {feature} supported" not in support:
        missing_tool(f"swaks cannot do {feature}: " + support)
    return swaks


def pytest_sessionfinish(session, exitstatus):
    """Under CTest, a run with skipped tests and no failure exits 77: reported as skipped."""
    if os.environ.get("BOUNCEBACK_CTEST") != "1" or exitstatus != 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and reporter.stats.get("skipped"):
        session.exitstatus = SKIPPED_EXIT


# The Received header the server prepends to every stored message (RFC 5321 §4.4): a first
# line and its folded continuation lines.
RECEIVED = re.compile(rb"\AReceived: from [^\r\n]*\r\n(?:\t[^\r\n]*\r\n)*")


def strip_received(data):
    """The bytes the client sent: a stored message without the server's Received header (which
    must be there, in front)."""
    m = RECEIVED.match(data)
    assert m, f"no Received header in front of {data[:120]!r}"
    assert b"(Bounceback) with " in m.group(0), m.group(0)
    return data[m.end():]


def http_call(server, method, path, body=None, headers=None, host=None, timeout=15):
    """One HTTP request to the server's API; returns (status, headers with lower-case names,
    body bytes). A dict or list body is sent as JSON; `host` replaces the Host header."""
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=timeout)
    try:
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        data = body.encode() if isinstance(body, str) else body
        conn.putrequest(method, path, skip_host=host is not None)
        if host is not None:
            conn.putheader("Host", host)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if data is not None or method in ("POST", "PUT", "PATCH"):  # as http.client does
            conn.putheader("Content-Length", str(len(data or b"")))
        conn.endheaders(data)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def read_until_close(sock, timeout=10):
    """Every byte the peer sends until it closes (or resets, or is silent for `timeout` s)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    return data


class Server:
    def __init__(self, args, env=None):
        self.args = [BIN, "serve", "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", *SERVE_ARGS,
                     *args]
        self.proc = subprocess.Popen(self.args, stderr=subprocess.PIPE, stdout=subprocess.PIPE,
                                     env=env)
        self.lines = []
        self.ready = threading.Event()
        self.ports = {}
        threading.Thread(target=self._read_log, daemon=True).start()
        if not self.ready.wait(15):
            self.proc.kill()
            raise RuntimeError("bounceback did not start:\n" + self.log())
        self.smtp_port = self.ports.get("smtp")
        self.smtps_port = self.ports.get("smtps")
        self.lmtp_port = self.ports.get("lmtp")  # the first --lmtp ADDR:PORT
        self.http_port = self.ports.get("http")

    def _read_log(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace")
            self.lines.append(line)
            if " msg=ready " in line or '"msg":"ready"' in line:
                for kind, port in re.findall(r"\b(smtps?|lmtp|http)=[^\s,\"]*:(\d+)", line):
                    self.ports.setdefault(kind, int(port))
                self.ready.set()
        self.ready.set()

    def log(self):
        return "".join(self.lines)

    def wait_for_log(self, text, timeout=5):
        """Whether `text` shows in the log within `timeout` s (another thread reads it)."""
        deadline = time.monotonic() + timeout
        while text not in self.log() and time.monotonic() < deadline:
            time.sleep(0.05)
        return text in self.log()

    def connect(self, timeout=10):
        return socket.create_connection(("127.0.0.1", self.smtp_port), timeout=timeout)

    def stop(self, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


@pytest.fixture
def bounceback():
    servers = []

    def start(*args, env=None):
        server = Server(list(args), env=env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        code = server.stop()
        assert code == 0, f"bounceback exited {code}:\n{server.log()}"


class Client:
    """A raw SMTP client for exact-byte conversations (pipelining, bad input)."""

    def __init__(self, server, timeout=10):
        self.sock = server.connect(timeout)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def reply(self):
        """Reads one (possibly multi-line) reply; returns (code, [lines])."""
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed; got " + repr(self.buf))
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            lines.append(line.decode("utf-8", "replace"))
            if len(line) < 4 or line[3:4] == b" ":
                return int(line[:3]), lines

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def closed(self, timeout=5):
        """True when the server closes the connection (reads until EOF)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()


@pytest.fixture
def client_for():
    clients = []

    def make(server, timeout=10):
        c = Client(server, timeout)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()
