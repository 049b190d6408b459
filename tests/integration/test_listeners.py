"""The accept loop every listener shares (src/net/listener.cpp), against the real binary: out of
file descriptors, the SMTP and HTTP listeners log the failed accept and back off instead of
spinning, and both serve again, with the waiting clients, once descriptors are free."""
import os
import resource
import socket
import time

import pytest
from conftest import sanitizer


def cpu_seconds(pid):
    """User + system CPU time the process has used, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def greeted(sock, timeout):
    sock.settimeout(timeout)
    try:
        return sock.recv(512).startswith(b"220 ")
    except socket.timeout:
        return False


@pytest.mark.skipif(not hasattr(resource, "prlimit"), reason="needs resource.prlimit (Linux)")
def test_out_of_descriptors_backs_off_and_recovers(bounceback):
    server = bounceback()
    pid = server.proc.pid
    if sanitizer(pid):
        # The sanitizers' runtime needs descriptors of its own while the process has none left
        # (UBSan's vptr check probes memory through a pipe and reports "invalid vptr" when it
        # cannot open one): the test would measure the runtime, not the accept loop.
        pytest.skip("a sanitized server cannot run out of file descriptors")
    soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
    in_use = len(os.listdir(f"/proc/{pid}/fd"))
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (in_use + 2, hard))
    held = []
    try:
        # Two connections take the last descriptors; the third waits in the listen backlog.
        for _ in range(2):
            s = server.connect()
            assert greeted(s, 5)
            held.append(s)
        waiting = server.connect()
        assert not greeted(waiting, 1)
        api = socket.create_connection(("127.0.0.1", server.http_port), timeout=10)
        api.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        assert server.wait_for_log("accept failed"), server.log()
        assert server.wait_for_log(f"smtp 127.0.0.1:{server.smtp_port}"), server.log()
        assert server.wait_for_log(f"http 127.0.0.1:{server.http_port}"), server.log()

        # Failing accepts are retried after a pause, not in a loop: well under a core.
        before = cpu_seconds(pid)
        time.sleep(1)
        assert cpu_seconds(pid) - before < 0.5

        # Descriptors free again: the waiting clients are served without reconnecting.
        for s in held:
            s.close()
        held.clear()
        assert greeted(waiting, 5)
        api.settimeout(5)
        assert api.recv(4096).startswith(b"HTTP/1.1 200 ")
        waiting.close()
        api.close()
    finally:
        for s in held:
            s.close()
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
