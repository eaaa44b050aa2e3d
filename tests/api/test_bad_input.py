"""Bad input over HTTP: every mistake is a 4xx problem+json with a stable code, never a 5xx."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import LiveServer, Person, Team, make_team

PROBLEM = "application/problem+json"
MISSING = 987_654_321
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def crew(server: LiveServer) -> Iterator[Team]:
    """One workspace for the tests whose requests fail or only add what nobody else reads."""
    made = make_team(server)
    try:
        yield made
    finally:
        made.close()


def assert_problem(response: httpx.Response, status: int, code: str | None = None) -> dict:
    """The response is a problem document with every field and the given status and code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert {"type", "title", "status", "code", "detail"} <= problem.keys()
    assert problem["status"] == status
    assert problem["type"].endswith(f"/{problem['code']}")
    assert isinstance(problem["title"], str) and problem["title"]
    assert isinstance(problem["detail"], str) and problem["detail"]
    if code is not None:
        assert problem["code"] == code, problem
    return problem


def _topic(team: Team, title: str | None = None) -> dict[str, Any]:
    response = team.member.post(
        f"/channels/{team.channel_id('general')}/topics",
        json={"title": title or f"Inputs {uuid.uuid4().hex[:8]}", "body": "Start"},
    )
    assert response.status_code == 201, response.text
    return response.json()


def _raw(
    person: Person, method: str, path: str, content: bytes | Iterator[bytes]
) -> httpx.Response:
    return person.client.request(
        method, path, content=content, headers={"content-type": "application/json"}
    )


# Malformed and mistyped bodies


@pytest.mark.parametrize(
    "content", [b'{"name": ', b"{name: 'x'}", b"not json", b'{"name": "x",}', b"\xff\xfe"]
)
def test_malformed_json_is_400(crew: Team, content: bytes) -> None:
    problem = assert_problem(_raw(crew.owner, "POST", "/channels", content), 400, "malformed_json")
    assert "JSON" in problem["detail"] or "json" in problem["detail"].lower()


def test_malformed_json_on_a_message_is_400(crew: Team) -> None:
    topic = _topic(crew)
    response = _raw(crew.member, "POST", f"/topics/{topic['id']}/messages", b'{"body": "x"')
    assert_problem(response, 400, "malformed_json")


def test_body_of_the_wrong_type_is_422_with_errors(crew: Team) -> None:
    topic = _topic(crew)
    problem = assert_problem(
        crew.member.post(f"/topics/{topic['id']}/messages", json={"body": 5}), 422, "invalid_input"
    )
    assert [e["field"] for e in problem["errors"]] == ["body"]
    assert "body" in problem["detail"]


def test_member_ids_as_a_string_is_422(crew: Team) -> None:
    response = crew.owner.post("/channels", json={"name": "typed", "member_ids": "1,2"})
    problem = assert_problem(response, 422, "invalid_input")
    assert [e["field"] for e in problem["errors"]] == ["member_ids"]


def test_unknown_fields_are_422(crew: Team) -> None:
    topic = _topic(crew)
    response = crew.member.post(
        f"/topics/{topic['id']}/messages", json={"body": "hi", "colour": "red"}
    )
    problem = assert_problem(response, 422, "invalid_input")
    assert [e["field"] for e in problem["errors"]] == ["colour"]


def test_missing_required_fields_are_422(crew: Team) -> None:
    problem = assert_problem(crew.owner.post("/channels", json={}), 422, "invalid_input")
    assert [e["field"] for e in problem["errors"]] == ["name"]


def test_json_that_is_not_an_object_is_422(crew: Team) -> None:
    topic = _topic(crew)
    for body in ([], "body", 3, None):
        response = crew.member.post(f"/topics/{topic['id']}/messages", json=body)
        assert_problem(response, 422, "invalid_input")


def test_strings_are_not_coerced_to_numbers_or_booleans(crew: Team) -> None:
    response = crew.owner.post("/channels", json={"name": "typed", "is_private": "true"})
    assert_problem(response, 422, "invalid_input")
    response = crew.owner.post("/channels", json={"name": "typed", "member_ids": ["1"]})
    assert_problem(response, 422, "invalid_input")


def test_unknown_priority_is_422(crew: Team) -> None:
    topic = _topic(crew)
    response = crew.member.post(
        f"/topics/{topic['id']}/messages", json={"body": "hi", "priority": "critical"}
    )
    problem = assert_problem(response, 422, "invalid_input")
    assert [e["field"] for e in problem["errors"]] == ["priority"]


def test_blank_message_is_422(crew: Team) -> None:
    topic = _topic(crew)
    for body in ("", "   ", "\n\t"):
        response = crew.member.post(f"/topics/{topic['id']}/messages", json={"body": body})
        assert_problem(response, 422, "invalid_input")


def test_path_ids_that_are_not_numbers_are_422(crew: Team) -> None:
    for path in ("/channels/abc", "/topics/1.5/messages", "/messages/ten", "/users/-"):
        assert_problem(crew.owner.get(path), 422, "invalid_input")


# Sizes


def test_body_over_the_request_limit_is_413(crew: Team) -> None:
    topic = _topic(crew)
    body = b'{"body": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    response = _raw(crew.member, "POST", f"/topics/{topic['id']}/messages", body)
    problem = assert_problem(response, 413, "payload_too_large")
    assert "1048576" in problem["detail"]


def test_streamed_body_over_the_request_limit_is_413(crew: Team) -> None:
    topic = _topic(crew)

    def chunks() -> Iterator[bytes]:
        yield b'{"body": "'
        for _ in range(32):
            yield b"a" * 65536
        yield b'"}'

    response = _raw(crew.member, "POST", f"/topics/{topic['id']}/messages", chunks())
    assert_problem(response, 413, "payload_too_large")
    messages = crew.member.get(f"/topics/{topic['id']}/messages").json()["items"]
    assert len(messages) == 1


def test_message_longer_than_the_limit_is_message_too_long(crew: Team) -> None:
    topic = _topic(crew)
    response = crew.member.post(f"/topics/{topic['id']}/messages", json={"body": "x" * 20_001})
    problem = assert_problem(response, 422, "message_too_long")
    assert "20000" in problem["detail"].replace(",", "").replace("_", "")
    exact = crew.member.post(f"/topics/{topic['id']}/messages", json={"body": "x" * 20_000})
    assert exact.status_code == 201, exact.text


def test_too_long_applies_to_topics_edits_and_direct_messages(crew: Team) -> None:
    topic = _topic(crew)
    long = "y" * 20_001
    response = crew.member.post(
        f"/channels/{crew.channel_id('general')}/topics", json={"title": "Long", "body": long}
    )
    assert_problem(response, 422, "message_too_long")
    first = topic["first_message"]["id"]
    assert_problem(crew.member.patch(f"/messages/{first}", json={"body": long}), 422)
    assert crew.member.patch(f"/messages/{first}", json={"body": long}).json()["code"] == (
        "message_too_long"
    )
    dm = crew.member.post("/conversations", json={"member_ids": [crew.owner.id]}).json()
    response = crew.member.post(f"/conversations/{dm['id']}/messages", json={"body": long})
    assert_problem(response, 422, "message_too_long")


def test_message_length_counts_characters_not_bytes(crew: Team) -> None:
    topic = _topic(crew)
    response = crew.member.post(f"/topics/{topic['id']}/messages", json={"body": "😀" * 20_000})
    assert response.status_code == 201, response.text


# Unknown things


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/channels/{MISSING}", None),
        ("PATCH", f"/channels/{MISSING}", {"purpose": "x"}),
        ("GET", f"/channels/{MISSING}/topics", None),
        ("POST", f"/channels/{MISSING}/topics", {"title": "t", "body": "b"}),
        ("POST", f"/channels/{MISSING}/join", None),
        ("GET", f"/topics/{MISSING}", None),
        ("GET", f"/topics/{MISSING}/messages", None),
        ("POST", f"/topics/{MISSING}/messages", {"body": "b"}),
        ("PUT", f"/topics/{MISSING}/subscription", {"state": "muted"}),
        ("GET", f"/messages/{MISSING}", None),
        ("PATCH", f"/messages/{MISSING}", {"body": "b"}),
        ("DELETE", f"/messages/{MISSING}", None),
        ("GET", f"/messages/{MISSING}/history", None),
        ("PUT", f"/messages/{MISSING}/reactions/tada", None),
        ("GET", f"/conversations/{MISSING}", None),
        ("GET", f"/conversations/{MISSING}/messages", None),
        ("POST", f"/conversations/{MISSING}/messages", {"body": "b"}),
        ("PATCH", f"/groups/{MISSING}", {"name": "x"}),
        ("DELETE", f"/groups/{MISSING}", None),
        ("GET", f"/users/{MISSING}", None),
        ("PUT", f"/users/{MISSING}/role", {"role": "member"}),
        ("POST", f"/users/{MISSING}/deactivate", None),
        ("DELETE", f"/tokens/{MISSING}", None),
        ("POST", "/read", {"message_id": MISSING}),
        ("POST", "/read", {"topic_id": MISSING}),
        ("POST", "/read", {"channel_id": MISSING}),
        ("POST", "/read", {"conversation_id": MISSING}),
    ],
)
def test_unknown_ids_are_404(crew: Team, method: str, path: str, body: Any) -> None:
    response = crew.owner.client.request(method, path, json=body)
    assert_problem(response, 404, "not_found")


@pytest.mark.parametrize(
    "digits",
    [str(2**63), str(2**64 + 1), "1" + "0" * 30, "9" * 5000],
    ids=["2^63", "2^64+1", "10^30", "5000-digits"],
)
def test_path_ids_too_big_for_the_database_are_404(crew: Team, digits: str) -> None:
    for path in (
        f"/channels/{digits}",
        f"/topics/{digits}/messages",
        f"/messages/{digits}",
        f"/users/{digits}",
        f"/conversations/{digits}",
    ):
        assert_problem(crew.owner.get(path), 404, "not_found")
    assert_problem(crew.owner.delete(f"/tokens/{digits}"), 404, "not_found")


def test_largest_possible_id_is_simply_not_found(crew: Team) -> None:
    assert_problem(crew.owner.get(f"/messages/{2**63 - 1}"), 404, "not_found")
    # In a body, ids stop where JSON numbers stay exact everywhere (I-JSON): 2^53 - 1.
    assert_problem(crew.owner.post("/read", json={"message_id": 2**53 - 1}), 404, "not_found")
    problem = assert_problem(crew.owner.post("/read", json={"message_id": 2**53}), 422)
    assert [e["field"] for e in problem["errors"]] == ["message_id"]


def test_ids_too_big_or_not_positive_in_a_body_are_422(crew: Team) -> None:
    topic = _topic(crew)
    for path, body, field in (
        ("/channels", {"name": "big", "member_ids": [2**64]}, "member_ids.0"),
        (f"/topics/{topic['id']}/messages", {"body": "b", "reply_to_id": 2**63}, "reply_to_id"),
        (f"/topics/{topic['id']}/messages", {"body": "b", "quote_of_id": -(2**64)}, "quote_of_id"),
        ("/conversations", {"member_ids": [0]}, "member_ids.0"),
        ("/read", {"message_id": 2**64}, "message_id"),
        ("/read", {"conversation_id": -1}, "conversation_id"),
    ):
        problem = assert_problem(crew.owner.post(path, json=body), 422, "invalid_input")
        assert [e["field"] for e in problem["errors"]] == [field], path


def test_cursor_with_an_id_too_big_is_422(crew: Team) -> None:
    topic = _topic(crew)
    cursor = base64.urlsafe_b64encode(f"id:{2**64}".encode()).decode().rstrip("=")
    for path, params in ((f"/topics/{topic['id']}/messages", {}), ("/search", {"q": "start"})):
        response = crew.member.get(path, params={**params, "cursor": cursor})
        assert_problem(response, 422, "invalid_input")


def test_nul_characters_are_refused_alike_on_every_database(crew: Team) -> None:
    topic = _topic(crew)
    for path, body, field in (
        (f"/topics/{topic['id']}/messages", {"body": "a\x00b"}, "body"),
        ("/channels", {"name": "nul", "purpose": "a\x00"}, "purpose"),
        (f"/channels/{crew.channel_id('general')}/topics", {"title": "\x00", "body": "b"}, "title"),
    ):
        problem = assert_problem(crew.member.post(path, json=body), 422, "invalid_input")
        assert [e["field"] for e in problem["errors"]] == [field], path
        assert "NUL" in problem["detail"]
    response = crew.member.get("/search", params={"q": "start\x00"})
    problem = assert_problem(response, 422, "bad_search_query")
    assert "position 6" in problem["detail"]


def test_ids_of_another_workspace_are_404(crew: Team) -> None:
    theirs = crew.outsider.get("/channels").json()[0]["id"]
    topic = crew.outsider.post(
        f"/channels/{theirs}/topics", json={"title": "Theirs", "body": "b"}
    ).json()
    for path in (
        f"/channels/{theirs}",
        f"/topics/{topic['id']}",
        f"/messages/{topic['first_message']['id']}",
        f"/users/{crew.outsider.id}",
    ):
        assert_problem(crew.member.get(path), 404, "not_found")


def test_unknown_route_is_a_404_problem(crew: Team) -> None:
    for path in ("/nope", "/channels/1/nope", "/"):
        assert_problem(crew.owner.get(path), 404, "not_found")
    # Outside the API the web UI answers, with an error page instead of problem+json.
    outside = httpx.get(f"{crew.server.url}/definitely/not/here")
    assert outside.status_code == 404
    assert outside.headers["content-type"].startswith("text/html")


def test_wrong_method_is_a_405_problem(crew: Team) -> None:
    for method, path in (("DELETE", "/inbox"), ("PUT", "/channels"), ("POST", "/search")):
        response = crew.owner.client.request(method, path)
        assert_problem(response, 405, "method_not_allowed")


def test_missing_or_bad_token_is_a_401_problem(crew: Team) -> None:
    url = f"{crew.server.url}/api/v1/inbox"
    assert_problem(httpx.get(url), 401)
    bad = httpx.get(url, headers={"Authorization": "Bearer tdg_not_a_real_token"})
    assert_problem(bad, 401)


# Paging parameters


def test_invalid_cursor_is_422(crew: Team) -> None:
    topic = _topic(crew)
    for cursor in ("garbage", "aWQ6eA", "!!!", "Zm9vOjE"):
        for path in (
            f"/topics/{topic['id']}/messages",
            f"/channels/{crew.channel_id('general')}/topics",
        ):
            problem = assert_problem(
                crew.member.get(path, params={"cursor": cursor}), 422, "invalid_input"
            )
            assert "cursor" in problem["detail"]


@pytest.mark.parametrize("limit", [0, -1, 201, 10**6])
def test_limit_out_of_range_is_422(crew: Team, limit: int) -> None:
    topic = _topic(crew)
    for path, params in (
        (f"/topics/{topic['id']}/messages", {}),
        (f"/channels/{crew.channel_id('general')}/topics", {}),
        ("/search", {"q": "start"}),
    ):
        response = crew.member.get(path, params={**params, "limit": limit})
        problem = assert_problem(response, 422, "invalid_input")
        assert "limit" in problem["detail"]


def test_limit_that_is_not_a_number_is_422(crew: Team) -> None:
    topic = _topic(crew)
    response = crew.member.get(f"/topics/{topic['id']}/messages", params={"limit": "ten"})
    problem = assert_problem(response, 422, "invalid_input")
    assert problem["errors"][0]["field"] == "query.limit"


def test_unknown_anchor_is_422(crew: Team) -> None:
    topic = _topic(crew)
    response = crew.member.get(f"/topics/{topic['id']}/messages", params={"anchor": "middle"})
    assert_problem(response, 422, "invalid_input")


# Properties: nothing a client sends produces a 5xx.


@pytest.fixture
def topic_id(team: Team) -> int:
    """A topic shared by all examples of one property (fixtures are not reset between them)."""
    return int(_topic(team, "Fuzzing")["id"])


BIG_UNICODE = st.tuples(
    st.characters(min_codepoint=0x10000, exclude_categories=("Cs",)), st.integers(1, 20_010)
).map(lambda pair: pair[0] * pair[1])
BODIES = st.one_of(
    st.text(),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=300),
    st.text(st.characters(max_codepoint=0x1F), min_size=1, max_size=20),
    BIG_UNICODE,
    st.text(st.sampled_from("\x00\t\n\r @#*_`[]()<>&\"'\\é😀\u202e\u200b"), max_size=60),
)


@FUZZ
@given(body=BODIES)
def test_any_message_body_is_stored_exactly_or_refused_with_4xx(
    team: Team, topic_id: int, body: str
) -> None:
    response = team.member.post(f"/topics/{topic_id}/messages", json={"body": body})
    assert response.status_code < 500, response.text
    if response.status_code == 201:
        message_id = response.json()["id"]
        again = team.member.get(f"/messages/{message_id}")
        assert again.status_code == 200, again.text
        assert again.json()["body"] == body
    else:
        problem = assert_problem(response, response.status_code)
        assert problem["code"] in {"invalid_input", "message_too_long"}, problem


OPERATOR_PIECES = st.sampled_from(
    [
        "from:",
        "from:@",
        "from:@member",
        "in:",
        "in:#",
        "in:#general",
        "topic:",
        'topic:"',
        'topic:"Fuzzing"',
        "is:",
        "is:urgent",
        "is:unread",
        "is:mentioned",
        "is:bogus",
        "has:link",
        "has:",
        "before:",
        "before:2026-01-31",
        "after:2026-13-45",
        "after:9999-12-31",
        "before:0001-01-01",
        '"',
        '""',
        '"start',
        "-",
        "--",
        "-start",
        '-"',
        "*",
        "^",
        "NEAR(",
        "AND",
        "OR",
        "NOT",
        ":",
        "'",
        "\\",
        "%",
        "_",
        "\x00",
        "😀",
        "“",
        "”",
        "start",
        "the",
    ]
)
GLUED = st.lists(st.tuples(OPERATOR_PIECES, st.sampled_from(["", " ", "  ", "\t"]))).map(
    lambda parts: "".join(piece + gap for piece, gap in parts)
)
QUERIES = st.one_of(
    st.text(max_size=80), GLUED, st.tuples(GLUED, st.text(max_size=10), GLUED).map("".join)
)


@FUZZ
@given(q=QUERIES)
def test_any_search_query_is_answered_or_refused_with_4xx(
    team: Team, topic_id: int, q: str
) -> None:
    response = team.member.get("/search", params={"q": q})
    assert response.status_code < 500, (q, response.text)
    if response.status_code != 200:
        assert assert_problem(response, 422)["code"] == "bad_search_query", q


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
FIELDS = st.sampled_from(
    [
        "name",
        "purpose",
        "kind",
        "is_private",
        "member_ids",
        "body",
        "priority",
        "reply_to_id",
        "quote_of_id",
        "title",
    ]
)
# Objects with the fields the endpoints know, so that validation gets past the first key.
SHAPED = st.dictionaries(FIELDS, JSON, max_size=6) | st.fixed_dictionaries(
    {"name": st.text(max_size=30), "body": st.text(max_size=30)},
    optional={
        "member_ids": st.lists(st.integers(), max_size=3),
        "reply_to_id": st.integers(),
        "quote_of_id": st.integers(),
        "is_private": st.booleans(),
        "kind": st.text(max_size=12),
        "priority": st.sampled_from(["normal", "high", "urgent", "", "URGENT"]),
    },
)
BODY_JSON = JSON | SHAPED


@FUZZ
@given(value=BODY_JSON)
def test_any_json_posted_as_a_channel_is_answered_without_5xx(team: Team, value: Any) -> None:
    response = team.owner.post("/channels", json=value)
    assert response.status_code < 500, (value, response.text)
    if response.status_code != 201:
        assert_problem(response, response.status_code)


@FUZZ
@given(value=BODY_JSON)
def test_any_json_posted_as_a_message_is_answered_without_5xx(
    team: Team, topic_id: int, value: Any
) -> None:
    response = team.member.post(f"/topics/{topic_id}/messages", json=value)
    assert response.status_code < 500, (value, response.text)
    if response.status_code != 201:
        assert_problem(response, response.status_code)


def test_a_lone_surrogate_in_a_body_is_refused_not_a_crash(team: Team) -> None:
    general = team.channel_id("general")
    raw = b'{"title": "surrogate", "body": "a\\ud800"}'
    response = team.owner.post(
        f"/channels/{general}/topics", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
