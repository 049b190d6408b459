"""Bounceback for Python tests: a client for its HTTP API and a pytest fixture that runs the
binary (docs/fixtures.md)."""
from .client import Bounceback, BouncebackError, WaitTimeout, find_binary
from .server import BouncebackServer, ServerError
from .types import (Attempt, Clock, Message, MessageDetail, Page, Refusal, ScenarioInfo)

__all__ = ["Bounceback", "BouncebackError", "WaitTimeout", "find_binary", "BouncebackServer",
           "ServerError", "Attempt", "Clock", "Message", "MessageDetail", "Page", "Refusal",
           "ScenarioInfo"]
