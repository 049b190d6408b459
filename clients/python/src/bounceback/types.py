"""The API's answers as dataclasses. Field names are the JSON names, with a trailing `_` where
the JSON name is a Python keyword (`from_`, `class_`); clients/api-shapes.json lists the same
fields, and the tests check that both agree with each other and with the server."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Generic, List, Optional, TypeVar


def json_name(python_name: str) -> str:
    return python_name[:-1] if python_name.endswith("_") else python_name


def from_json(cls, data: dict):
    """An instance of dataclass `cls` from a JSON object; fields the server added since are
    ignored, so an older client keeps working."""
    return cls(**{f.name: data.get(json_name(f.name)) for f in dataclasses.fields(cls)})


@dataclass(frozen=True)
class Message:
    """A captured message as the list shows it."""
    id: str
    from_: str
    to: List[str]
    subject: str
    size: int
    received_at: str
    session_id: str
    client_ip: str  # the SMTP client's address ("" for a generated message)
    generated: Optional[str]  # None, "dsn", "auto-reply" or "complaint"
    about: Optional[str]  # for a generated message, the id of the message it reacts to


@dataclass(frozen=True)
class MessageDetail(Message):
    """One message in detail: the summary's fields, then envelope, headers, decoded text, HTML,
    attachments and links."""
    recipients: List[dict]
    sequence: int
    helo: str
    tls: bool
    tls_version: Optional[str]
    tls_cipher: Optional[str]
    auth_user: Optional[str]
    chunked: bool
    params: dict
    headers: List[dict]
    session: Optional[dict]
    text: str
    html: str
    attachments: List[dict]
    links: List[str]
    mime: dict

    def header(self, name: str) -> Optional[str]:
        """The first header field called `name` (case-insensitive), or None."""
        return next((h["value"] for h in self.headers if h["name"].lower() == name.lower()), None)


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt of a (from, rcpt), or a refusal before RCPT."""
    at: str
    from_: str
    rcpt: str
    client_ip: str
    session_id: str
    stage: str
    reply: Optional[str]
    sent_at: Optional[str]
    client_gone: bool
    stored: bool
    outcome: str  # pending, accepted, refused, dropped, hung, abandoned
    gap_ms: Optional[int]  # since the previous attempt of the same (from, rcpt)


@dataclass(frozen=True)
class Refusal:
    """A 4xx/5xx reply the server sent, or a drop or hang (no reply: `code` 0, `reply` "")."""
    id: int
    at: str
    outcome: str  # "reply", "drop", "reset" or "hang"
    code: int
    enhanced: Optional[str]
    class_: str  # "temporary" (4xx, drop, reset, hang) or "permanent" (5xx)
    text: str
    reply: str
    stage: str
    from_: str
    rcpt: str
    recipients: int
    client_ip: str
    session_id: str


@dataclass(frozen=True)
class ScenarioInfo:
    name: str
    description: str
    rules: int


@dataclass(frozen=True)
class Clock:
    now: str
    offset_ms: int


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: `items`, and `total` the full count of matches."""
    total: int
    start: int
    count: int
    items: List[T] = field(default_factory=list)

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def page_from_json(data: dict, key: str, cls) -> Page[Any]:
    return Page(data["total"], data["start"], data["count"],
                [from_json(cls, item) for item in data[key]])
