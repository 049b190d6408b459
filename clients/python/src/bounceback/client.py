"""A client for Bounceback's HTTP API (docs/api.md), standard library only."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from typing import Optional, Union

from .types import (Attempt, Clock, Message, MessageDetail, Page, Refusal, ScenarioInfo,
                    from_json, page_from_json)

# A built-in scenario's name (`bounceback scenarios` lists them), as opposed to TOML text.
SCENARIO_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


class BouncebackError(Exception):
    """The API answered with an error: `status` and the server's `message`."""

    def __init__(self, status: int, message: str):
        super().__init__(f"{status}: {message}")
        self.status, self.message = status, message


class WaitTimeout(BouncebackError, TimeoutError):
    """wait_for saw no matching message within its timeout (the server's 408)."""


def find_binary() -> str:
    """The bounceback binary: $BOUNCEBACK_BIN, else `bounceback` on PATH."""
    path = os.environ.get("BOUNCEBACK_BIN") or shutil.which("bounceback")
    if not path:
        raise FileNotFoundError("bounceback binary not found: set BOUNCEBACK_BIN or put it on PATH")
    return path


def _query(**params) -> str:
    """An RFC 3986 query string (the API decodes only %XX: a `+` must be sent as %2B)."""
    pairs = [(k.rstrip("_"), str(v)) for k, v in params.items() if v is not None]
    return "?" + urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote) if pairs else ""


class Bounceback:
    """`Bounceback("http://127.0.0.1:8025", token=None)`: the verbs a mailer's test needs."""

    def __init__(self, base_url: str, token: Optional[str] = None, timeout: float = 30,
                 binary: Optional[str] = None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.binary = binary  # to resolve scenario names; default find_binary()

    # -- transport
    def request(self, method: str, path: str, body: Optional[bytes] = None,
                timeout: Optional[float] = None) -> bytes:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        req = urllib.request.Request(self.base_url + path, data=body, method=method,
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout or self.timeout) as resp:
                return resp.read()
        except urllib.error.HTTPError as e:
            text = e.read().decode("utf-8", "replace")
            try:
                text = json.loads(text).get("error", text)
            except ValueError:
                pass
            raise (WaitTimeout if e.code == 408 else BouncebackError)(e.code, text) from None

    def _json(self, method: str, path: str, body: Optional[bytes] = None, **kw):
        return json.loads(self.request(method, path, body, **kw))

    # -- messages
    def messages(self, to: Optional[str] = None, from_: Optional[str] = None,
                 subject: Optional[str] = None, query: Optional[str] = None,
                 start: Optional[int] = None, limit: Optional[int] = None,
                 about: Optional[str] = None) -> Page[Message]:
        """Captured messages, newest first (filters as in docs/api.md: exact or `*` globs;
        `about`: the DSNs, auto-replies and complaints generated about the message of that id)."""
        q = _query(to=to, from_=from_, subject=subject, about=about, query=query, start=start,
                   limit=limit)
        return page_from_json(self._json("GET", "/api/v1/messages" + q), "messages", Message)

    def message(self, id: str) -> MessageDetail:
        return from_json(MessageDetail,
                         self._json("GET", "/api/v1/messages/" + urllib.parse.quote(id)))

    def raw(self, id: str) -> bytes:
        """The stored copy: the server's Received header, then the bytes accepted."""
        return self.request("GET", f"/api/v1/messages/{urllib.parse.quote(id)}/raw")

    def wait_for(self, to: Optional[str] = None, from_: Optional[str] = None,
                 subject: Optional[str] = None, query: Optional[str] = None,
                 timeout: Union[str, float] = "10s", about: Optional[str] = None) -> Message:
        """The newest matching message, waiting up to `timeout` ("5s", "500ms" or seconds) for
        one; raises WaitTimeout when none came. `about=ID` waits for the bounce (or
        auto-reply, complaint) of the message ID."""
        q = _query(to=to, from_=from_, subject=subject, about=about, query=query,
                   timeout=timeout)
        seconds = _seconds(timeout)
        return from_json(Message, self._json("GET", "/api/v1/messages/wait" + q,
                                             timeout=max(self.timeout, seconds + 10)))

    def delete_messages(self) -> int:
        return self._json("DELETE", "/api/v1/messages")["deleted"]

    # -- attempts and refusals
    def attempts(self, rcpt: Optional[str] = None, from_: Optional[str] = None,
                 client_ip: Optional[str] = None, start: Optional[int] = None,
                 limit: Optional[int] = None) -> Page[Attempt]:
        """Delivery attempts, oldest first, each with `gap_ms` since the previous one."""
        q = _query(rcpt=rcpt, from_=from_, client_ip=client_ip, start=start, limit=limit)
        return page_from_json(self._json("GET", "/api/v1/attempts" + q), "attempts", Attempt)

    def refusals(self, class_: Optional[str] = None, query: Optional[str] = None,
                 start: Optional[int] = None, limit: Optional[int] = None) -> Page[Refusal]:
        """Every 4xx/5xx reply sent, drop and hang, newest first; class_ "temporary" or
        "permanent"; query the search syntax of messages ("to:user@example.test greylisted")."""
        q = _query(class_=class_, query=query, start=start, limit=limit)
        return page_from_json(self._json("GET", "/api/v1/refusals" + q), "refusals", Refusal)

    # -- scenario and clock
    def use_scenario(self, toml_or_name: str) -> ScenarioInfo:
        """Swaps in a scenario: TOML text, or a built-in scenario's name ("greylisting"), whose
        text the binary prints (`bounceback scenarios NAME`)."""
        text = toml_or_name
        if SCENARIO_NAME.fullmatch(toml_or_name):
            run = subprocess.run([self.binary or find_binary(), "scenarios", toml_or_name],
                                 capture_output=True, text=True)
            if run.returncode != 0:
                raise ValueError(run.stderr.strip())
            text = run.stdout
        return from_json(ScenarioInfo, self._json("PUT", "/api/v1/scenario", text.encode()))

    def scenario(self) -> str:
        """The TOML text in force."""
        return self.request("GET", "/api/v1/scenario").decode()

    def clock(self) -> Clock:
        return from_json(Clock, self._json("GET", "/api/v1/clock"))

    def advance_clock(self, by: Union[str, int]) -> Clock:
        """Moves the scenario clock forward: "61s", "6m", "1h30m", or milliseconds."""
        body = json.dumps({"by": by}).encode()
        return from_json(Clock, self._json("POST", "/api/v1/clock/advance", body))

    def reset(self) -> None:
        """A clean slate for the next test: forgets the messages, the refusals and the
        scenario's state (greylist, counters, quotas, rate windows, attempt log, pending
        reactions). The scenario itself and the clock stay."""
        self._json("POST", "/api/v1/scenario/reset", b"")
        self._json("DELETE", "/api/v1/messages")
        self._json("DELETE", "/api/v1/refusals")


def _seconds(timeout: Union[str, float]) -> float:
    if isinstance(timeout, (int, float)):
        return float(timeout)
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)?", timeout.strip())
    if not m:
        return 120.0  # the server caps a wait at 2 min by default
    n, unit = float(m.group(1)), m.group(2) or "s"
    return n / 1000 if unit == "ms" else n * 60 if unit == "m" else n
