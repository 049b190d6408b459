"""clients/api-shapes.json, the API description both clients (clients/python, clients/node)
are checked against, matches docs/api.md and the server's answers: every route, query
parameter and field it lists is documented, every route accepts those parameters, and every
object the server sends has exactly those fields. So a change to the API fails here until the
description, and with it the clients' types, follow."""
import json
import os
import re
import smtplib
import urllib.parse

import pytest

from conftest import SOURCE_DIR, http_call

SHAPES = json.load(open(os.path.join(SOURCE_DIR, "clients", "api-shapes.json")))
API_MD = open(os.path.join(SOURCE_DIR, "docs", "api.md")).read()
ROUTES = SHAPES["routes"]


def route_row(route):
    """The row of docs/api.md's route table naming this method and path."""
    for line in API_MD.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 4 and route["method"] in cells[1].split(", ") and \
                f"`{route['path']}`" in cells[2]:
            return cells
    return None


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r['method']} {r['path']}")
def test_each_route_and_its_parameters_are_in_the_route_table(route):
    row = route_row(route)
    assert row, f"{route['method']} {route['path']} is not in docs/api.md's route table"
    documented = set(re.findall(r"`(\w+)`", row[3]))
    assert documented == set(route["query"]), (row[3], route["query"])


@pytest.mark.parametrize("name", sorted(SHAPES["objects"]))
def test_each_field_is_documented(name):
    missing = [f for f in SHAPES["objects"][name]
               if f'"{f}"' not in API_MD and f"`{f}`" not in API_MD]
    assert not missing, f"{name}: fields not in docs/api.md: {missing}"


def keys(obj):
    return sorted(obj)


def test_the_server_answers_with_exactly_the_listed_fields(bounceback):
    server = bounceback("--scenario", "greylisting")
    objects = SHAPES["objects"]

    def call(method, path, body=None):
        status, _, data = http_call(server, method, path, body)
        assert status == 200, (method, path, status, data)
        return data

    def get(path):
        return json.loads(call("GET", path))

    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.sendmail("app@example.test", ["user@example.test"], "Subject: a\r\n\r\nb\r\n")
    clock = json.loads(call("POST", "/api/v1/clock/advance", {"by": "61s"}))
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
        smtp.sendmail("app@example.test", ["user@example.test"], "Subject: a\r\n\r\nb\r\n")

    assert keys(clock) == sorted(objects["Clock"])
    assert keys(get("/api/v1/clock")) == sorted(objects["Clock"])
    pages = SHAPES["pages"]
    for path, page in [("/api/v1/messages", "MessagePage"), ("/api/v1/attempts", "AttemptPage"),
                       ("/api/v1/refusals", "RefusalPage")]:
        answer = get(path)
        shape = pages[page]
        assert keys(answer) == sorted(SHAPES["page_fields"] + [shape["list"]]), path
        assert answer[shape["list"]], f"{path} listed nothing to check"
        for item in answer[shape["list"]]:
            assert keys(item) == sorted(objects[shape["item"]]), path
    message_id = get("/api/v1/messages")["messages"][0]["id"]
    assert keys(get("/api/v1/messages/" + message_id)) == sorted(objects["MessageDetail"])
    waited = get("/api/v1/messages/wait?timeout=1s")
    assert set(objects["Message"]) <= set(waited)  # the newest match, plus its page
    scenario = json.loads(call("PUT", "/api/v1/scenario", 'name = "x"\n'))
    assert keys(scenario) == sorted(objects["ScenarioInfo"])
    assert keys(json.loads(call("POST", "/api/v1/scenario/reset", ""))) == objects["Reset"]
    assert keys(json.loads(call("DELETE", "/api/v1/refusals"))) == objects["Deleted"]
    assert keys(json.loads(call("DELETE", "/api/v1/messages"))) == objects["Deleted"]


@pytest.mark.parametrize("route", [r for r in ROUTES if r["query"]],
                         ids=lambda r: f"{r['method']} {r['path']}")
def test_each_route_accepts_the_listed_parameters(bounceback, route):
    server = bounceback()
    values = {"start": "0", "limit": "1", "timeout": "1ms", "by": "1s", "class": "temporary",
              "client_ip": "127.0.0.1", "before": "1"}
    for name in route["query"]:
        query = urllib.parse.quote(name) + "=" + urllib.parse.quote(values.get(name, "x"))
        if "timeout" in route["query"] and name != "timeout":
            query += "&timeout=1ms"  # a wait, else 10 s (its default) for each parameter
        status, _, data = http_call(server, route["method"], f"{route['path']}?{query}")
        assert status in (200, 408), (name, status, data)  # 408: a wait that found nothing
