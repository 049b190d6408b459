"""Behind a load balancer (issue 19): a real HAProxy in front of Bounceback with send-proxy
(PROXY v1) and send-proxy-v2, smtplib sending through it from another loopback address
(127.0.0.5): the session, the attempt log, the Received header and a `client_ip` rule see that
client and its port, never HAProxy's. --proxy-from peers only; everyone else is served as
themselves. A missing, malformed, oversized or late header closes the connection without a
banner, logged and counted. A rate limit and --max-connections-per-ip count the real client;
SMTPS reads the header before the handshake. --reuse-port: two servers share one port."""
import json
import re
import smtplib
import socket
import struct
import subprocess
import time

import pytest

from conftest import BIN, http_call, need_tool, read_until_close

CLIENT = "127.0.0.5"      # the real client: HAProxy itself connects from 127.0.0.1
OUTSIDER = "127.0.0.7"    # a peer outside --proxy-from

SCENARIO = """
[[rule]]
on = "rcpt"
client_ip = "127.0.0.5"
rcpt = "blocked@*"
reply = "550 5.7.1 Your address is listed"
"""


def free_port(host="127.0.0.1"):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@pytest.fixture
def haproxy(tmp_path):
    """Starts HAProxy with one frontend per (name, bind address, server option) to
    127.0.0.1:`port`; returns {name: frontend port}. Stopped at the end of the test."""
    procs = []

    def start(backend_port, frontends):
        exe = need_tool("haproxy")
        ports, config = {}, ["global", "  maxconn 200", "defaults", "  mode tcp",
                             "  timeout connect 5s", "  timeout client 30s",
                             "  timeout server 30s"]
        for name, host, option in frontends:
            ports[name] = free_port(host)
            bind = f"[{host}]" if ":" in host else host
            config += [f"frontend {name}", f"  bind {bind}:{ports[name]}",
                       f"  default_backend {name}_mx", f"backend {name}_mx",
                       f"  server mx 127.0.0.1:{backend_port} {option}"]
        path = tmp_path / "haproxy.cfg"
        path.write_text("\n".join(config) + "\n")
        proc = subprocess.Popen([exe, "-db", "-f", str(path)], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        procs.append(proc)
        for name, host, _ in frontends:  # wait until each frontend listens
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection((host, ports[name]), timeout=1).close()
                    break
                except OSError:
                    assert proc.poll() is None, proc.stdout.read().decode()
                    assert time.monotonic() < deadline, "haproxy did not listen"
                    time.sleep(0.05)
        return ports

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(10)


def api(server, path):
    status, _, body = http_call(server, "GET", path)
    assert status == 200, body
    return json.loads(body)


def session_of(server, port):
    """The session whose client port is `port` (the client's own, as HAProxy saw it)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        for s in api(server, "/api/v1/sessions?limit=100")["sessions"]:
            if s["client_port"] == port and s["ended_at"]:
                return s
        time.sleep(0.05)
    raise AssertionError(f"no session from port {port}: "
                         f"{api(server, '/api/v1/sessions?limit=100')}")


def send_through(host, port, source, rcpt):
    """One message from `source` via smtplib; returns (client port, refused recipients)."""
    with smtplib.SMTP(host, port, source_address=(source, 0), timeout=10) as smtp:
        local_port = smtp.sock.getsockname()[1]
        refused = {}
        try:
            refused = smtp.sendmail("app@example.test", ["ok@example.test", rcpt],
                                    b"Subject: via the balancer\r\n\r\nhello\r\n")
        except smtplib.SMTPRecipientsRefused as e:
            refused = e.recipients
    return local_port, refused


def metric(server, name, labels):
    _, _, body = http_call(server, "GET", "/metrics")
    selector = re.escape(name) + (rf"\{{{re.escape(labels)}\}}" if labels else "")
    m = re.search(rf"^{selector} (\d+)$", body.decode(), re.M)
    return int(m.group(1)) if m else None


@pytest.mark.parametrize("option", ["send-proxy", "send-proxy-v2"])
def test_the_real_client_is_seen_through_haproxy(bounceback, haproxy, tmp_path, option):
    scenario = tmp_path / "s.toml"
    scenario.write_text(SCENARIO)
    server = bounceback("--proxy-protocol", "on", "--scenario", str(scenario))
    ports = haproxy(server.smtp_port, [("mx", "127.0.0.1", option)])

    port, refused = send_through("127.0.0.1", ports["mx"], CLIENT, "blocked@example.test")
    # The client_ip rule fired on the real client's address.
    assert set(refused) == {"blocked@example.test"}
    assert refused["blocked@example.test"][0] == 550
    session = session_of(server, port)
    assert session["client_ip"] == CLIENT
    assert session["client_port"] == port
    # The attempt log and the Received header name the client too, never HAProxy.
    attempts = api(server, f"/api/v1/attempts?client_ip={CLIENT}")["attempts"]
    assert {(a["rcpt"], a["outcome"]) for a in attempts} >= {
        ("blocked@example.test", "refused"), ("ok@example.test", "accepted")}
    message = api(server, "/api/v1/messages")["messages"][0]
    _, _, raw = http_call(server, "GET", f"/api/v1/messages/{message['id']}/raw")
    received = raw.split(b"\r\n\r\n")[0].decode()
    assert f"[{CLIENT}]" in received, received

    # Another client address: the rule does not fire.
    port, refused = send_through("127.0.0.1", ports["mx"], "127.0.0.6", "blocked@example.test")
    assert refused == {}
    assert session_of(server, port)["client_ip"] == "127.0.0.6"
    assert metric(server, "bounceback_proxy_headers_total", 'result="accepted"') >= 2


def test_ipv6_client_through_proxy_v2(bounceback, haproxy):
    """A client on ::1 (as test_smtp_core's IPv6 tests, ::1 is assumed): HAProxy sends TCP6."""
    server = bounceback("--proxy-protocol", "on")
    ports = haproxy(server.smtp_port, [("six", "::1", "send-proxy-v2"),
                                       ("six_v1", "::1", "send-proxy")])
    for name in ("six", "six_v1"):
        port, refused = send_through("::1", ports[name], "::1", "x@example.test")
        assert refused == {}
        session = session_of(server, port)
        assert session["client_ip"] == "::1", name


def test_only_proxy_from_peers_send_a_header(bounceback, haproxy):
    server = bounceback("--proxy-protocol", "on", "--proxy-from", "127.0.0.1/32")
    ports = haproxy(server.smtp_port, [("mx", "127.0.0.1", "send-proxy-v2")])
    port, _ = send_through("127.0.0.1", ports["mx"], CLIENT, "x@example.test")
    assert session_of(server, port)["client_ip"] == CLIENT

    # A peer outside --proxy-from is served as itself: a banner at once, its own address.
    port, refused = send_through("127.0.0.1", server.smtp_port, OUTSIDER, "x@example.test")
    assert refused == {}
    assert session_of(server, port)["client_ip"] == OUTSIDER
    # Its PROXY line is not believed: it is an unknown SMTP command, the address stays.
    with socket.create_connection(("127.0.0.1", server.smtp_port), timeout=10,
                                  source_address=(OUTSIDER, 0)) as s:
        port = s.getsockname()[1]
        assert s.recv(1024).startswith(b"220 ")
        s.sendall(b"PROXY TCP4 192.0.2.9 127.0.0.1 1234 25\r\n")
        assert s.recv(1024).startswith(b"5")
        s.sendall(b"QUIT\r\n")
        read_until_close(s)
    assert session_of(server, port)["client_ip"] == OUTSIDER


def refused_without_banner(server, data, pause=0.0):
    """Sends `data` (then waits `pause` s); the server must close without a byte."""
    with socket.create_connection(("127.0.0.1", server.smtp_port), timeout=10) as s:
        if data:
            s.sendall(data)
        time.sleep(pause)
        return read_until_close(s)


def test_missing_bad_or_late_headers_close_without_a_banner(bounceback):
    server = bounceback("--proxy-protocol", "on", "--proxy-timeout", "1s")
    cases = [
        b"EHLO client.example.test\r\n",                            # no header at all
        b"PROXY TCP4 192.0.2.300 127.0.0.1 1234 25\r\n",            # a bad address
        b"PROXY UNKNOWN " + b"x" * 200 + b"\r\n",                   # beyond 107 bytes
        b"\r\n\r\n\x00\r\nQUIT\n\x21\x11\xff\xff",                  # v2 of 65535 bytes
        b"\r\n\r\n\x00\r\nQUIT\n\x31\x11\x00\x0c" + b"\x00" * 12,   # v2 of version 3
        b"\x16\x03\x01\x00\x05hello",                               # a TLS ClientHello
    ]
    for data in cases:
        assert refused_without_banner(server, data) == b"", data
    # Half a header, then silence: closed at --proxy-timeout, still without a banner.
    started = time.monotonic()
    assert refused_without_banner(server, b"PROXY TCP4 192.0.2.9 ") == b""
    assert 0.8 < time.monotonic() - started < 5
    assert metric(server, "bounceback_proxy_headers_total",
                  'result="refused"') == len(cases) + 1
    # The log is read by another thread: wait for each line rather than look once.
    assert server.wait_for_log('error="not a PROXY protocol header"')
    assert server.wait_for_log("no complete header within --proxy-timeout")


def test_a_header_in_pieces_and_local(bounceback):
    """Written a few bytes at a time, the header is still read whole, and nothing after it
    is lost; v2 LOCAL (a balancer's health check) keeps the connection's own address."""
    server = bounceback("--proxy-protocol", "on")
    header = b"PROXY TCP4 192.0.2.9 127.0.0.1 40000 25\r\n"
    with socket.create_connection(("127.0.0.1", server.smtp_port), timeout=10) as s:
        for i in range(0, len(header), 7):
            s.sendall(header[i:i + 7])
            time.sleep(0.02)
        assert s.recv(1024).startswith(b"220 ")
        s.sendall(b"QUIT\r\n")
        read_until_close(s)
    assert session_of(server, 40000)["client_ip"] == "192.0.2.9"

    local = b"\r\n\r\n\x00\r\nQUIT\n\x20\x00\x00\x00"
    with socket.create_connection(("127.0.0.1", server.smtp_port), timeout=10,
                                  source_address=(OUTSIDER, 0)) as s:
        port = s.getsockname()[1]
        s.sendall(local)
        assert s.recv(1024).startswith(b"220 ")
        s.sendall(b"QUIT\r\n")
        read_until_close(s)
    assert session_of(server, port)["client_ip"] == OUTSIDER


def test_without_the_option_nothing_is_read(bounceback):
    server = bounceback()
    with socket.create_connection(("127.0.0.1", server.smtp_port), timeout=10) as s:
        assert s.recv(1024).startswith(b"220 ")


def test_proxy_from_needs_the_protocol_on():
    out = subprocess.run([BIN, "serve", "--proxy-from", "10.0.0.0/8"], capture_output=True,
                         timeout=10)
    assert out.returncode != 0
    assert b"--proxy-from: needs --proxy-protocol on" in out.stderr
    out = subprocess.run([BIN, "serve", "--proxy-protocol", "on", "--proxy-from", "10.0.0/8"],
                         capture_output=True, timeout=10)
    assert out.returncode != 0
    assert b"expected an address or CIDR" in out.stderr


def test_reuse_port_lets_two_servers_share_a_port(bounceback):
    port = free_port()
    first = bounceback("--smtp", f"127.0.0.1:{port}", "--reuse-port", "on")
    second = bounceback("--smtp", f"127.0.0.1:{port}", "--reuse-port", "on")
    for _ in range(40):  # the kernel spreads connections by their source port
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.noop()
    counts = [metric(s, "bounceback_sessions_total", "") for s in (first, second)]
    assert None not in counts
    assert sum(counts) == 40 and min(counts) > 0, counts

    # Without the option, the port is taken.
    out = subprocess.run([BIN, "serve", "--smtp", f"127.0.0.1:{port}", "--http", "127.0.0.1:0"],
                         capture_output=True, timeout=10)
    assert out.returncode != 0
    assert b"cannot listen" in out.stderr


def test_reuse_port_with_threads_listens_once_per_loop(bounceback):
    """--reuse-port on with --threads 2: each event loop has a listening socket of its own on
    the port (no hand-off of accepted sockets between threads), and no message is lost."""
    port = free_port()
    server = bounceback("--smtp", f"127.0.0.1:{port}", "--reuse-port", "on", "--threads", "2")
    with open("/proc/net/tcp") as f:  # state 0A: LISTEN
        listening = [l for l in f if l.split()[1] == f"0100007F:{port:04X}" and l.split()[3] == "0A"]
    assert len(listening) == 2, listening
    for i in range(30):
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.sendmail("a@example.com", [f"r{i}@example.com"], "Subject: t\r\n\r\nbody\r\n")
    assert metric(server, "bounceback_sessions_total", "") == 30


def test_rate_limit_and_connection_limit_count_the_real_client(bounceback, haproxy, tmp_path):
    """Through one HAProxy (one peer address), a rate limit keyed on client_ip and
    --max-connections-per-ip hold per real client, not per balancer."""
    scenario = tmp_path / "rate.toml"
    scenario.write_text('[[rule]]\non = "rcpt"\nrate_limit = { max = 1, per = "1h" }\n'
                        'reply = "450 4.7.1 Rate limited"\n')
    server = bounceback("--proxy-protocol", "on", "--scenario", str(scenario),
                        "--max-connections-per-ip", "1")
    ports = haproxy(server.smtp_port, [("mx", "127.0.0.1", "send-proxy-v2")])

    def connect(source):
        # A client's previous connection is released when the server has seen it close, a
        # little after the client's QUIT (later still on a sanitized build with two loops):
        # until then --max-connections-per-ip 1 still counts it.
        deadline = time.monotonic() + 10
        while True:
            try:
                return smtplib.SMTP("127.0.0.1", ports["mx"], source_address=(source, 0),
                                    timeout=10)
            except smtplib.SMTPConnectError as e:
                if e.smtp_code != 421 or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def first_rcpt(source):
        with connect(source) as smtp:
            smtp.ehlo()
            smtp.mail("app@example.test")
            return smtp.rcpt("x@example.test")[0]

    assert first_rcpt("127.0.0.5") == 250
    assert first_rcpt("127.0.0.5") == 450   # the same client: over its limit
    assert first_rcpt("127.0.0.6") == 250   # another client behind the same balancer

    # One connection per client address: a second from 127.0.0.5 is refused, one from
    # 127.0.0.6 is not, although all come from HAProxy's address.
    held = connect("127.0.0.5")
    try:
        with pytest.raises(smtplib.SMTPConnectError) as refused:
            smtplib.SMTP("127.0.0.1", ports["mx"], source_address=("127.0.0.5", 0), timeout=10)
        assert refused.value.smtp_code == 421
        with connect("127.0.0.6") as other:
            assert other.noop()[0] == 250
    finally:
        held.quit()


def test_smtps_reads_the_header_before_tls(bounceback):
    """On an implicit-TLS listener the header comes first, in clear, then the handshake."""
    import ssl
    server = bounceback("--proxy-protocol", "on", "--smtps", "127.0.0.1:0")
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    header = b"\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c" + bytes([192, 0, 2, 44, 127, 0, 0, 1]) \
        + struct.pack(">HH", 40044, 465)
    with socket.create_connection(("127.0.0.1", server.smtps_port), timeout=10) as raw:
        raw.sendall(header)
        with context.wrap_socket(raw) as s:
            assert s.recv(1024).startswith(b"220 ")
            s.sendall(b"QUIT\r\n")
            s.recv(1024)
    session = session_of(server, 40044)
    assert session["client_ip"] == "192.0.2.44" and session["tls"]


def test_lmtp_over_tcp_reads_it_and_a_unix_socket_does_not(bounceback, tmp_path):
    path = str(tmp_path / "lmtp.sock")
    server = bounceback("--proxy-protocol", "on", "--lmtp", "127.0.0.1:0", "--lmtp", path)
    with socket.create_connection(("127.0.0.1", server.lmtp_port), timeout=10) as s:
        s.sendall(b"PROXY TCP4 192.0.2.61 127.0.0.1 40061 24\r\n")
        assert s.recv(1024).startswith(b"220 ")
        s.sendall(b"QUIT\r\n")
        read_until_close(s)
    assert session_of(server, 40061)["client_ip"] == "192.0.2.61"
    # Balancers reach TCP ports: a UNIX-socket client (the local MTA) gets its banner at once.
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(path)
        assert s.recv(1024).startswith(b"220 ")
        s.sendall(b"QUIT\r\n")
        read_until_close(s)
