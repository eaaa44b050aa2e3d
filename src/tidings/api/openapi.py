"""The served OpenAPI document, completed in one place with the errors the API really gives.

FastAPI documents what it can see (the success body and its own validation error);
every failure of ours goes through ``problems`` as ``application/problem+json``. The
rules below add, per operation, the statuses that follow from its shape: 401 and 429
where a token is needed, 400/413/422 where there is input, 404 where a path names an
object, 503 everywhere. A route adds what only it can cause with
``responses=errors(403, 409)``; every error response gets the Problem schema.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI

from tidings.api.problems import PROBLEM
from tidings.api.schemas import FieldError, Problem

REASONS = {
    400: "The body is not valid JSON (malformed_json)",
    401: "No token, or one that is invalid, expired or revoked",
    403: "The token's member may not do this",
    404: "Not found, or not visible to the token's member",
    405: "The method is not allowed; the Allow header names those that are",
    409: "Conflicts with the current state",
    410: "It is gone",
    412: "A precondition in the request headers failed",
    413: "The request body is over the size limit (payload_too_large)",
    415: "The request body's content type is not accepted",
    416: "The range is outside the file; Content-Range names its size",
    422: "The request is not valid: errors lists each field at fault",
    429: "Too many requests; retry after Retry-After seconds",
    503: "The database or the file storage is unavailable for now",
}
WRITES = {"post", "put", "patch", "delete"}
FASTAPI_422 = "Validation Error"  # FastAPI's own, for a body our handler never sends
_RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer", "minimum": 1}}
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Error statuses a route adds to those its shape implies; for ``responses=``."""
    return {status: {"description": _reason(status)} for status in statuses}


def header(description: str, kind: str = "string", minimum: int | None = None) -> dict[str, Any]:
    """A response header's entry, for ``headers`` in ``responses=``."""
    schema: dict[str, Any] = {"type": kind}
    if minimum is not None:
        schema["minimum"] = minimum
    return {"description": description, "schema": schema}


def binary_body(media_type: str, description: str) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads its raw body (not a model)."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
        }
    }


ANY_BYTES = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
_RANGE_HEADERS = {
    "Accept-Ranges": header("Always bytes"),
    "ETag": header("The file's SHA-256, quoted"),
    "Content-Disposition": header("inline or attachment, with the file's name"),
}


def download_responses() -> dict[int | str, dict[str, Any]]:
    """A file download's answers: the whole file, a range of it, or a range it lacks.
    The bytes come in the file's own (safe) content type."""
    return {
        200: {"description": "The whole file", "content": ANY_BYTES, "headers": _RANGE_HEADERS},
        206: {
            "description": "The range asked for in Range",
            "content": ANY_BYTES,
            "headers": {
                **_RANGE_HEADERS,
                "Content-Range": header("bytes first-last/size"),
            },
        },
        304: {"description": "The client's copy (If-None-Match) is current"},
        416: {
            "description": _reason(416),
            "headers": {"Content-Range": header("bytes */size")},
        },
    }


def _reason(status: int) -> str:
    return REASONS.get(status) or HTTPStatus(status).phrase


def install(app: FastAPI, prefix: str) -> None:
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            complete(generate(), prefix)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def complete(document: dict[str, Any], prefix: str) -> None:
    """Add the Problem schema and each operation's error responses, in place."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (FieldError, Problem):
        schemas[model.__name__] = model.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        schemas[model.__name__].pop("$defs", None)
    for path, operations in document.get("paths", {}).items():
        if not path.startswith(prefix):
            continue
        for method, operation in operations.items():
            _complete_operation(method, operation)
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)


def _complete_operation(method: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if method == "head":  # the headers of GET's answer, never a body
        for status, response in responses.items():
            if status[0] in "23":
                response.pop("content", None)
    declared = {int(status) for status in responses if status[0] in "45"}
    for status in sorted(declared | implied_errors(method, operation)):
        responses[str(status)] = _problem_response(status, responses.get(str(status), {}))


def implied_errors(method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can give by its shape alone."""
    statuses = {503}
    parameters = operation.get("parameters", [])
    if operation.get("security") or _token_in_query(parameters):
        statuses |= {401, 429}
    if method in WRITES:
        statuses |= {413, 429}
    if "requestBody" in operation:
        statuses |= {400, 413, 422}
    if parameters:
        statuses.add(422)
    if any(parameter["in"] == "path" for parameter in parameters):
        statuses.add(404)
    return statuses


def _token_in_query(parameters: list[dict[str, Any]]) -> bool:
    return any(p["in"] == "query" and p["name"] == "token" for p in parameters)


def _problem_response(status: int, declared: dict[str, Any]) -> dict[str, Any]:
    description = declared.get("description")
    if not description or description == FASTAPI_422:
        description = _reason(status)
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    headers = dict(declared.get("headers", {}))
    if status == 429:
        headers.update(_RETRY_AFTER)
    if headers:
        response["headers"] = headers
    return response
