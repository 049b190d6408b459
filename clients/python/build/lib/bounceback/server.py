"""Runs the bounceback binary on free ports: `--smtp 127.0.0.1:0 --http 127.0.0.1:0`, the
bound ports read from the `ready` log line (as the repository's own integration tests do)."""
from __future__ import annotations

import re
import signal
import subprocess
import threading
from typing import List, Optional, Sequence

from .client import Bounceback, find_binary

READY_PORTS = re.compile(r"\b(smtps?|lmtp|http)=[^\s,\"]*:(\d+)")


class ServerError(RuntimeError):
    """The server did not start, crashed, or exited with an error; the message has its log."""


class BouncebackServer:
    """A running `bounceback serve`; `client` talks to its API, `smtp_port` takes mail."""

    def __init__(self, args: Sequence[str] = (), binary: Optional[str] = None,
                 token: Optional[str] = None, start_timeout: float = 15):
        self.binary = binary or find_binary()
        self.args = [self.binary, "serve", "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0",
                     *(["--api-token", token] if token else []), *args]
        self.lines: List[str] = []
        self.ports = {}
        self._ready = threading.Event()
        self._stopping = False
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        threading.Thread(target=self._read_log, daemon=True).start()
        if not self._ready.wait(start_timeout) or "http" not in self.ports:
            self.proc.kill()
            self.proc.wait()
            raise ServerError("bounceback did not start:\n" + self.log())
        self.host = "127.0.0.1"
        self.smtp_port: int = self.ports["smtp"]
        self.http_port: int = self.ports["http"]
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.client = Bounceback(self.url, token=token, binary=self.binary)

    def _read_log(self):
        # Reading to the end also keeps the server from blocking on a full pipe.
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace")
            self.lines.append(line)
            if not self._ready.is_set() and (" msg=ready " in line or '"msg":"ready"' in line):
                for kind, port in READY_PORTS.findall(line):
                    self.ports.setdefault(kind, int(port))
                self._ready.set()
        self._ready.set()

    def log(self) -> str:
        return "".join(self.lines)

    def crashed(self) -> Optional[int]:
        """The exit status when the server ended without being stopped, else None."""
        code = self.proc.poll()
        return None if code is None or self._stopping else code

    def stop(self, timeout: float = 15) -> int:
        """SIGTERM, then the exit status; raises ServerError (with the log) when it is not 0."""
        self._stopping = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise ServerError(f"bounceback did not stop within {timeout}s:\n" + self.log())
        if code != 0:
            raise ServerError(f"bounceback exited {code}:\n" + self.log())
        return code

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
