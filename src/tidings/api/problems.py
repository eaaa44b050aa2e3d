"""Errors as application/problem+json, one handler for every kind of failure."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import compile_path

from tidings.errors import RateLimited, StorageUnavailable, TidingsError
from tidings.store.faults import storage_fault

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = {"type": f"https://tidings.dev/problems/{code}", "title": title, "status": status}
    body.update(code=code, detail=detail, **extra)
    headers = dict(headers or {})
    if "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    return Response(orjson.dumps(body), status, headers=headers, media_type=PROBLEM)


def from_error(exc: TidingsError) -> Response:
    extra = dict(exc.extra)
    if isinstance(exc, RateLimited | StorageUnavailable):
        extra["retry_after"] = exc.retry_after
    return problem(exc.status, exc.code, exc.title, exc.detail, **extra)


def _validation(exc: RequestValidationError) -> Response:
    errors = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            return problem(
                400, "malformed_json", "The body is not valid JSON", str(error.get("msg"))
            )
        loc = tuple(error.get("loc", ()))
        # Drop only the leading "body": a field may itself be named "body" (a message's).
        location = ".".join(str(part) for part in (loc[1:] if loc[:1] == ("body",) else loc))
        errors.append({"field": location, "message": error.get("msg", "invalid")})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "Invalid request"
    return problem(422, "invalid_input", "The request is not valid", detail, errors=errors)


def allowed_methods(request: Request) -> list[str]:
    """The methods the OpenAPI document lists for the request's path. Starlette's own
    405 names only those of the first route that matched, and FastAPI has a route for
    each method."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        if _path_pattern(template).match(request.scope["path"]):
            methods |= {method.upper() for method in operations}
    return sorted(methods)


@functools.cache
def _path_pattern(template: str) -> re.Pattern[str]:
    return compile_path(template)[0]


# Renders an error for a web page: (request, status, title, detail, exception).
PageRenderer = Callable[[Request, int, str, str, object], Response]


def install(app: FastAPI, api_prefix: str, page: PageRenderer) -> None:
    """One handler per kind of failure; paths under ``api_prefix`` get problem+json,
    every other path (the web UI) gets ``page``."""

    def answer(request: Request, response: Response, exc: object) -> Response:
        if request.url.path.startswith(api_prefix):
            return response
        body = orjson.loads(bytes(response.body))
        rendered = page(request, response.status_code, body["title"], body["detail"], exc)
        if "retry-after" in response.headers:
            rendered.headers["Retry-After"] = response.headers["retry-after"]
        return rendered

    @app.exception_handler(TidingsError)
    async def _tidings(request: Request, exc: TidingsError) -> Response:
        return answer(request, from_error(exc), exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return answer(request, _validation(exc), exc)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        headers = dict(exc.headers or {})
        if exc.status_code == 405 and request.url.path.startswith(api_prefix):
            headers["Allow"] = ", ".join(allowed_methods(request)) or headers.get("Allow", "")
        refused = problem(exc.status_code, code, str(exc.detail), str(exc.detail), headers)
        return answer(request, refused, exc)

    # Registered for a class (not for Exception), this handler answers inside the
    # application, so the connection stays open; the catch-all below re-raises to
    # the server after answering, which then closes the connection.
    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> Response:
        reason = storage_fault(exc)
        if reason is None:
            return await _crash(request, exc)
        log.warning("storage fault on %s %s: %s", request.method, request.url.path, reason)
        return answer(request, from_error(StorageUnavailable(reason)), exc)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        crashed = problem(
            500, "internal_error", "Internal error", "Something went wrong on our side"
        )
        return answer(request, crashed, exc)
