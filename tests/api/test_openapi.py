"""The served OpenAPI document says what the server does: errors, bodies and limits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import LiveServer, Team, make_team
from tidings.api import schemas
from tidings.core import names
from tidings.errors import InvalidInput

PROBLEM = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def crew(server: LiveServer) -> Iterator[Team]:
    made = make_team(server)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture(scope="module")
def document(crew: Team) -> dict[str, Any]:
    response = crew.owner.get("/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["code"]
    return body  # type: ignore[no-any-return]


# The document


def test_every_operation_declares_its_success_body(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        successes = {k: v for k, v in operation["responses"].items() if k.startswith("2")}
        partial = successes.pop("206", None)
        assert len(successes) == 1, (method, path)
        ((status, response),) = successes.items()
        if partial is not None:  # a range of the same bytes, located by Content-Range
            assert status == "200" and "Content-Range" in partial["headers"], (method, path)
            assert "416" in operation["responses"], (method, path)
        if status == "204" or method == "head":
            assert "content" not in response, (method, path)
            continue
        ((_, media),) = response["content"].items()
        assert media["schema"], (method, path)


def test_head_and_get_have_their_own_readable_ids(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(document)]
    assert len(ids) == len(set(ids))
    files = document["paths"]["/api/v1/files/{file_id}"]
    assert files["get"]["operationId"] == "download_api_v1_files__file_id__get"
    assert files["head"]["operationId"] == "download_head_api_v1_files__file_id__head"


def test_raw_bodies_and_progress_headers_are_documented(document: dict[str, Any]) -> None:
    patch = document["paths"]["/api/v1/uploads/{upload_id}"]["patch"]
    assert set(patch["requestBody"]["content"]) == {"application/offset+octet-stream"}
    assert "Upload-Offset" in patch["responses"]["200"]["headers"]
    assert {"409", "410", "413"} <= set(patch["responses"])
    download = document["paths"]["/api/v1/files/{file_id}"]["get"]["responses"]
    assert download["200"]["content"]["*/*"]["schema"]["format"] == "binary"
    assert "Content-Range" in download["416"]["headers"]


def test_every_error_is_a_problem_document(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        errors = {k: v for k, v in operation["responses"].items() if k[0] in "45"}
        for status, response in errors.items():
            assert response["content"] == {PROBLEM: {"schema": PROBLEM_REF}}, (method, path, status)
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert {"type", "title", "status", "code", "detail"} <= set(schemas["Problem"]["required"])
    assert schemas["Problem"]["properties"]["errors"]


def test_error_statuses_follow_each_operations_shape(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        statuses = {int(k) for k in operation["responses"] if k[0] in "45"}
        assert 503 in statuses, (method, path)
        if operation.get("security"):
            assert {401, 429} <= statuses, (method, path)
        if method in WRITES:
            assert {413, 429} <= statuses, (method, path)
        if "requestBody" in operation:
            assert {400, 422} <= statuses, (method, path)
        if "{" in path:
            assert 404 in statuses, (method, path)
    assert "401" not in document["paths"]["/api/v1/health"]["get"]["responses"]
    assert "429" in document["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert "403" in document["paths"]["/api/v1/users/{member_id}/role"]["put"]["responses"]
    assert "409" in document["paths"]["/api/v1/groups"]["post"]["responses"]


def test_page_limits_are_documented(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "limit":
                schema = parameter["schema"]
                assert (schema["minimum"], schema["maximum"]) == (1, 200), (method, path)


# The server agrees with it


def test_wrong_method_names_the_allowed_ones(crew: Team) -> None:
    response = crew.owner.client.request("OPTIONS", "/channels")
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, POST"
    response = crew.owner.client.request("PUT", "/channels/1")
    assert response.headers["allow"] == "GET, PATCH"


@pytest.mark.parametrize("limit", [0, 201, -1])
def test_limit_out_of_range_is_refused(crew: Team, limit: int) -> None:
    problem = assert_problem(crew.owner.get("/expectations", params={"limit": limit}), 422)
    assert problem["errors"][0]["field"] == "query.limit"


@pytest.mark.parametrize("deadline", [0, 0.5, 1_900_000_000, "0", "1900000000"])
def test_an_ask_deadline_must_be_a_date_and_time(crew: Team, deadline: object) -> None:
    draft = {
        "body": "Can you review?",
        "asks": [{"member_id": crew.member.id, "deadline": deadline}],
    }
    problem = assert_problem(crew.owner.post("/compose/check", json=draft), 422)
    assert problem["errors"][0]["field"].startswith("asks.0.deadline")


def test_an_ask_deadline_with_an_offset_is_taken(crew: Team) -> None:
    draft = {
        "body": "Can you review?",
        "asks": [{"member_id": crew.member.id, "deadline": "2030-03-01T09:00:00+01:00"}],
    }
    assert crew.owner.post("/compose/check", json=draft).status_code == 200


@pytest.mark.parametrize("since", ["0.5", "0", "1700000000"])
def test_catchup_since_must_be_a_date_and_time(crew: Team, since: str) -> None:
    problem = assert_problem(crew.member.get("/catchup", params={"since": since}), 422)
    assert problem["errors"][0]["field"] == "query.since"
    taken = crew.member.get("/catchup", params={"since": "2026-01-01T00:00:00Z"})
    assert taken.status_code == 200


def test_an_integral_number_is_an_integer(crew: Team) -> None:
    """JSON Schema counts 2.0 as the integer 2, so the API does too."""
    opened = crew.owner.post("/conversations", json={"member_ids": [float(crew.member.id)]})
    assert opened.status_code == 200, opened.text
    assert crew.member.id in opened.json()["member_ids"]
    refused = crew.owner.post("/conversations", json={"member_ids": [crew.member.id + 0.5]})
    assert_problem(refused, 422)


@pytest.mark.parametrize("body", ["", "   ", "\n\t"])
def test_blank_text_without_files_is_refused(crew: Team, body: str) -> None:
    """Text may be blank only beside files: the request model refuses it and names the
    field, before the (missing) recipients are looked at."""
    problem = assert_problem(crew.owner.post("/forkouts", json={"body": body}), 422)
    assert [e["field"] for e in problem["errors"]] == ["body"]


# The schema's patterns are the rules of core.names, character for character

NAMES = st.text(
    alphabet=st.one_of(
        st.sampled_from("aZ09._-#@ \t\u212a\u0130\u00e9\u00a0\x1c"), st.characters()
    ),
    max_size=12,
)


def _accepts(rule: Any, value: str) -> bool:
    try:
        rule(value)
    except InvalidInput:
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(value=NAMES)
def test_name_patterns_match_the_rules(value: str) -> None:
    assert _accepts(names.channel_name, value) == bool(re.search(schemas.CHANNEL_NAME, value))
    assert _accepts(names.handle, value) == bool(re.search(schemas.HANDLE, value))
    assert _accepts(names.email, value) == bool(re.search(schemas.EMAIL, value))
    assert _accepts(names.display_name, value) == bool(re.search(schemas.NOT_BLANK, value))
