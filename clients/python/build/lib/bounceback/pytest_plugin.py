"""pytest plugin (entry point `pytest11`): the `bounceback` fixture.

`bounceback` is a running BouncebackServer (`.client`, `.smtp_port`, `.http_port`, `.log()`).
By default every test gets its own server; `--bounceback-scope=session` (or the ini option
`bounceback_scope = session`) shares one per session, cleaned before each test (messages,
refusals, scenario state forgotten, accept-all in force). `@pytest.mark.bounceback("--opt",
"value", token=...)` gives a test its own server with those options, whatever the scope.
A server that exits during a test fails the test with its log; its log is attached to every
failing test's report ("bounceback log").
"""
from __future__ import annotations

import pytest

from .server import BouncebackServer

SERVERS = "_bounceback_servers"


def pytest_addoption(parser):
    parser.addoption("--bounceback-scope", choices=("function", "session"), default=None,
                     help="one bounceback server per test (function, the default) or per session")
    parser.addini("bounceback_scope", "function or session (see --bounceback-scope)",
                  default="function")


def pytest_configure(config):
    config.addinivalue_line("markers", "bounceback(*args, token=None): run this test's own "
                            "bounceback server with these command-line options")


def _scope(config):
    return config.getoption("--bounceback-scope") or config.getini("bounceback_scope")


@pytest.fixture(scope="session")
def bounceback_session():
    """One server for the whole session (what `bounceback` hands out in session scope)."""
    server = BouncebackServer()
    yield server
    server.stop()


@pytest.fixture
def bounceback(request):
    marker = request.node.get_closest_marker("bounceback")
    servers = request.node.__dict__.setdefault(SERVERS, [])
    if marker is None and _scope(request.config) == "session":
        server = request.getfixturevalue("bounceback_session")
        if server.crashed() is not None:
            pytest.fail(f"the session's bounceback exited {server.crashed()}:\n{server.log()}")
        server.client.reset()
        server.client.use_scenario("accept-all")
        servers.append(server)
        yield server
        return
    args = marker.args if marker else ()
    token = marker.kwargs.get("token") if marker else None
    server = BouncebackServer(args, token=token)
    servers.append(server)
    yield server
    if server.crashed() is None:  # a crash is reported on the test itself (below)
        server.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    for server in item.__dict__.get(SERVERS, []):
        code = server.crashed()
        if code is not None and report.when == "call":
            report.outcome = "failed"
            report.longrepr = f"bounceback exited {code} during the test:\n{server.log()}"
        elif report.failed:
            report.sections.append(("bounceback log", server.log()))
