"""Sending a message through the express lane (api/express.py) answers exactly as the
routes do: the same body on success, the same problem for every failure, the same
headers and metrics. A request with ``Idempotency-Key`` always goes to the route, so
each case is sent both ways and the answers compared."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.api.test_metrics import scrape, value
from tests.live.test_events import new_topic
from tests.support import Person, Team

TOPIC_ROUTE = "/api/v1/topics/{topic_id}/messages"
DM_ROUTE = "/api/v1/conversations/{conversation_id}/messages"
VOLATILE = {"id", "created_at", "seq", "body", "html"}


def both_ways(person: Person, path: str, **kw: Any) -> tuple[httpx.Response, httpx.Response]:
    """The request as the express lane takes it, then as the route takes it."""
    express = person.post(path, **kw)
    headers = {**kw.pop("headers", {}), "Idempotency-Key": uuid.uuid4().hex}
    routed = person.post(path, headers=headers, **kw)
    return express, routed


def express_count(team: Team, route: str) -> float:
    return value(scrape(team.server.url), "tidings_http_express_total", route=route)


def test_a_sent_message_is_answered_as_the_route_answers_it(team: Team) -> None:
    topic = new_topic(team.owner, team.channel_id("general"), "express")
    before = express_count(team, TOPIC_ROUTE)
    body = {"body": "Hello **@member**", "priority": "normal"}
    express, routed = both_ways(team.owner, f"/topics/{topic['id']}/messages", json=body)
    assert express.status_code == routed.status_code == 201, (express.text, routed.text)
    assert express_count(team, TOPIC_ROUTE) == before + 1  # the first, not the second
    fast, slow = express.json(), routed.json()
    assert {k: v for k, v in fast.items() if k not in VOLATILE} == {
        k: v for k, v in slow.items() if k not in VOLATILE
    }
    assert fast["mentions"] == [team.member.id] and fast["html"] == slow["html"]
    for answer in (express, routed):
        assert answer.headers["content-type"] == "application/json"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" in answer.headers
    # Stored, in order, each once.
    listed = team.member.get(f"/topics/{topic['id']}/messages").json()["items"]
    assert [m["id"] for m in listed][-2:] == [fast["id"], slow["id"]]


def test_a_message_in_a_conversation_goes_the_express_way_too(team: Team) -> None:
    made = team.owner.post("/conversations", json={"member_ids": [team.member.id]})
    assert made.status_code in (200, 201), made.text
    before = express_count(team, DM_ROUTE)
    sent = team.owner.post(f"/conversations/{made.json()['id']}/messages", json={"body": "hi"})
    assert sent.status_code == 201, sent.text
    assert express_count(team, DM_ROUTE) == before + 1
    # The next option-free message is just as plain: an ask does not stick.
    asked = team.owner.post(
        f"/conversations/{made.json()['id']}/messages",
        json={"body": "can you?", "asks": [{"member_id": team.member.id}]},
    )
    assert asked.status_code == 201 and len(asked.json()["expectations"]) == 1, asked.text
    plain = team.owner.post(f"/conversations/{made.json()['id']}/messages", json={"body": "ok"})
    assert plain.status_code == 201 and plain.json()["expectations"] == [], plain.text


@pytest.mark.parametrize(
    "case",
    [
        "bad_token",
        "no_token",
        "unknown_topic",
        "huge_id",
        "outsider",
        "guest_in_private",
        "schema",
        "unknown_field",
        "malformed_json",
        "not_an_object",
        "empty_body_no_files",
        "too_long",
        "bad_reply",
        "form_content",
    ],
)
def test_every_refusal_is_the_routes_refusal(team: Team, case: str) -> None:
    topic = new_topic(team.owner, team.channel_id("general"), f"refusals {case}")
    path, person = f"/topics/{topic['id']}/messages", team.owner
    kw: dict[str, Any] = {"json": {"body": "hello"}}
    if case == "bad_token":
        kw["headers"] = {"Authorization": "Bearer not-a-token"}
    elif case == "no_token":
        person = Person(0, "", "", "", httpx.Client(base_url=str(team.owner.client.base_url)))
    elif case == "unknown_topic":
        path = "/topics/987654321/messages"
    elif case == "huge_id":
        path = "/topics/99999999999999999999/messages"
    elif case == "outsider":
        person = team.outsider
    elif case == "guest_in_private":
        made = team.owner.post(
            "/channels", json={"name": f"p{uuid.uuid4().hex[:6]}", "is_private": True}
        )
        assert made.status_code == 201, made.text
        path = f"/topics/{new_topic(team.owner, made.json()['id'], 'secret')['id']}/messages"
        person = team.guest
    elif case == "schema":
        kw = {"json": {"body": "x", "priority": "shouting"}}
    elif case == "unknown_field":
        kw = {"json": {"body": "x", "colour": "red"}}
    elif case == "malformed_json":
        kw = {"content": b'{"body": "x"', "headers": {"Content-Type": "application/json"}}
    elif case == "not_an_object":
        kw = {"json": ["body", "x"]}
    elif case == "empty_body_no_files":
        kw = {"json": {"body": "   "}}
    elif case == "too_long":
        kw = {"json": {"body": "x" * 200_000}}
    elif case == "bad_reply":
        kw = {"json": {"body": "x", "reply_to_id": 987654321}}
    elif case == "form_content":
        kw = {"data": {"body": "x"}}
    try:
        express, routed = both_ways(person, path, **kw)
    finally:
        if person.id == 0:
            person.client.close()
    assert express.status_code >= 400, express.text
    assert express.status_code == routed.status_code, (express.text, routed.text)
    assert express.headers["content-type"] == routed.headers["content-type"]
    assert express.json()["code"] == routed.json()["code"]
    assert express.json()["detail"] == routed.json()["detail"]
    # Nothing was stored by either.
    listed = team.owner.get(f"/topics/{topic['id']}/messages").json()["items"]
    assert [m["body"] for m in listed] == ["start"]


def test_refusals_are_counted_under_the_route(team: Team) -> None:
    route_key = {"route": TOPIC_ROUTE, "status": "404"}
    before = value(scrape(team.server.url), "tidings_http_requests_total", **route_key)
    assert team.owner.post("/topics/987654321/messages", json={"body": "x"}).status_code == 404
    after = value(scrape(team.server.url), "tidings_http_requests_total", **route_key)
    assert after == before + 1


def test_a_json_body_without_a_content_type_is_refused_both_ways(team: Team) -> None:
    topic = new_topic(team.owner, team.channel_id("general"), "no content type")
    express, routed = both_ways(
        team.owner, f"/topics/{topic['id']}/messages", content=b'{"body": "bare"}'
    )
    assert "content-type" not in express.request.headers
    assert express.status_code == routed.status_code == 422, (express.text, routed.text)
    assert express.json()["code"] == routed.json()["code"] == "invalid_input"
