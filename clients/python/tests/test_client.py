"""The client's verbs against the real binary (started by the plugin's fixture)."""
import smtplib

import pytest

from bounceback import Bounceback, BouncebackError, Message, WaitTimeout


def send(server, rcpts, body="Subject: Hello\r\n\r\nSee https://app.example.test/x\r\n",
         sender="app@example.test"):
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
        return smtp.sendmail(sender, rcpts, body)


def test_messages_message_and_wait_for(bounceback):
    send(bounceback, ["user+tag@example.test"])
    send(bounceback, ["other@example.test"], sender="news@example.test")
    c = bounceback.client
    page = c.messages(to="user+tag@example.test")  # a "+" must reach the server as a plus
    assert (page.total, len(page)) == (1, 1)
    assert isinstance(page.items[0], Message) and page.items[0].to == ["user+tag@example.test"]
    assert c.messages(from_="news@example.test").items[0].to == ["other@example.test"]
    assert c.messages(to="*@example.test", limit=1).total == 2
    assert c.messages(query="subject:hello").total == 2
    detail = c.message(page.items[0].id)
    assert detail.from_ == "app@example.test" and detail.subject == "Hello"
    assert detail.links == ["https://app.example.test/x"] and detail.header("subject") == "Hello"
    assert b"See https://app.example.test/x" in c.raw(detail.id)
    assert c.wait_for(to="other@example.test", timeout="1s").from_ == "news@example.test"


def test_wait_for_times_out_and_errors_carry_the_status(bounceback):
    with pytest.raises(WaitTimeout):
        bounceback.client.wait_for(to="nobody@example.test", timeout="300ms")
    with pytest.raises(BouncebackError) as e:
        bounceback.client.message("no-such-id")
    assert e.value.status == 404


def test_refusals_reset_and_clock(bounceback):
    c = bounceback.client
    c.use_scenario("unknown-user")
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(bounceback, ["gone@unknown.example"])
    refusals = c.refusals(class_="permanent")
    assert refusals.total == 1 and refusals.items[0].code == 550
    assert refusals.items[0].rcpt == "gone@unknown.example" and refusals.items[0].class_ == "permanent"
    assert refusals.items[0].outcome == "reply"
    assert c.refusals(class_="temporary").total == 0
    assert c.refusals(query="to:gone@unknown.example 550").total == 1
    assert c.refusals(query="to:someone@else.example").total == 0
    assert c.attempts(rcpt="gone@unknown.example").items[0].outcome == "refused"
    before = c.clock().offset_ms
    assert c.advance_clock("2m").offset_ms == before + 120_000
    c.reset()
    assert c.refusals().total == 0 and c.attempts().total == 0 and c.messages().total == 0
    assert "unknown-user" in c.scenario()  # reset keeps the scenario


def test_use_scenario_takes_toml_text(bounceback):
    info = bounceback.client.use_scenario(
        'name = "picky"\n[[rule]]\non = "rcpt"\nreply = "452 4.2.2 Mailbox full"\n')
    assert (info.name, info.rules) == ("picky", 1)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(bounceback, ["a@example.test"])
    with pytest.raises(BouncebackError) as e:
        bounceback.client.use_scenario('[[rule]]\non = "nowhere"\n')
    assert e.value.status == 400
    with pytest.raises(ValueError):
        bounceback.client.use_scenario("no-such-builtin")


@pytest.mark.bounceback(token="s3cret")
def test_token(bounceback):
    assert bounceback.client.messages().total == 0  # the fixture's client sends the token
    with pytest.raises(BouncebackError) as e:
        Bounceback(bounceback.url).messages()
    assert e.value.status == 401


def test_wait_for_the_bounce_of_a_message(bounceback):
    send(bounceback, ["dsn-550-5.1.1@reply.test"])
    c = bounceback.client
    original = c.wait_for(to="dsn-550-5.1.1@reply.test", timeout="1s")
    dsn = c.wait_for(about=original.id, timeout="5s")
    assert dsn.generated == "dsn" and dsn.about == original.id and dsn.to == ["app@example.test"]
    assert [m.id for m in c.messages(about=original.id).items] == [dsn.id]
