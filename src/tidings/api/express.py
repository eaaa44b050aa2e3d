"""The express lane: sending a message answered without walking FastAPI's routers.

Sending is the busiest write by far, and on its way through FastAPI a request passes
the exception middleware, the nested routers route by route, and dependency solving:
about as much CPU as the send's own work in the writer. This plain ASGI layer sits
inside the security headers, the metrics and the body limit, and answers
``POST /api/v1/topics/{id}/messages`` and ``POST /api/v1/conversations/{id}/messages``
itself when the request is an ordinary one: a bearer token, a JSON body that the
route's own model accepts, no ``Idempotency-Key``. It runs the same steps as the
routes in ``routes/topics.py`` and ``routes/conversations.py`` (authenticate, parse
ahead, one action in the writer) and answers errors with the application's own
handlers, so a client cannot tell which way its request went.

Everything else, and anything unusual about one of these requests (a body the model
refuses, another content type, a path id out of range, an idempotent retry), goes on
to FastAPI with its body handed over unread, where the routes answer as always. The
routes stay the documented definition (OpenAPI is generated from them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson
from prometheus_client import Counter
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tidings.actions import messages
from tidings.api.authn import bearer
from tidings.api.deps import authenticate, json
from tidings.api.schemas import MessageIn
from tidings.api.services import Services
from tidings.core.roles import Actor
from tidings.errors import TidingsError
from tidings.store.tx import Tx
from tidings.store.types import MAX_ID

EXPRESS = Counter(
    "tidings_http_express", "Requests answered by the express lane, by route", ["route"]
)

SendAction = Callable[..., dict[str, Any]]


class _Route:
    """What the metrics read from ``scope["route"]``: the route's template."""

    def __init__(self, path: str) -> None:
        self.path = path


class Express:
    def __init__(
        self,
        app: ASGIApp,
        services: Services,
        api_prefix: str,
        handlers: dict[Any, Callable[..., Any]],
    ) -> None:
        self.app = app
        self.svc = services
        self.handlers = handlers  # the application's, by exception class
        prefix = re.escape(api_prefix)
        self.path = re.compile(rf"{prefix}/(topics|conversations)/([0-9]{{1,19}})/messages")
        self.routes: dict[str, tuple[_Route, SendAction]] = {
            "topics": (
                _Route(f"{api_prefix}/topics/{{topic_id}}/messages"),
                messages.send_to_topic,
            ),
            "conversations": (
                _Route(f"{api_prefix}/conversations/{{conversation_id}}/messages"),
                messages.send_to_conversation,
            ),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        found = self.path.fullmatch(scope["path"])
        headers = _headers(scope) if found else None
        if found is None or headers is None or int(found[2]) > MAX_ID:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:  # the client went away while sending it
            return
        fields = _fields(body)
        if fields is None:
            await self.app(scope, _replay(body, receive), send)
            return
        route, action = self.routes[found[1]]
        scope["route"] = route
        try:
            response = await self._send(scope, headers, int(found[2]), fields, action)
        except (TidingsError, DBAPIError) as exc:
            response = await self._handler(exc)(Request(scope, receive), exc)
        await response(scope, receive, send)
        EXPRESS.labels(route.path).inc()

    async def _send(
        self,
        scope: Scope,
        authorization: str,
        place_id: int,
        fields: dict[str, Any],
        action: SendAction,
    ) -> Any:
        client = scope["client"][0] if scope.get("client") else "unknown"
        actor: Actor = await authenticate(self.svc, bearer(authorization), client)
        max_length = self.svc.settings.max_message_length
        parsed = messages.parse_ahead(fields["body"], max_length)

        def run(tx: Tx) -> dict[str, Any]:
            return action(tx, actor, place_id, **fields, max_length=max_length, parsed=parsed)

        return json(await self.svc.db.awrite(run), 201)

    def _handler(self, exc: Exception) -> Callable[..., Any]:
        for kind in type(exc).__mro__:
            if kind in self.handlers:
                return self.handlers[kind]
        raise exc


def _headers(scope: Scope) -> str | None:
    """The bearer header of a request the express lane may answer, else None: one
    with a JSON body said to be JSON (FastAPI refuses a body without a content type)."""
    authorization = None
    json_body = False
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
        elif name == b"idempotency-key":
            return None  # stored answers and replays: the route's way
        elif name == b"content-type":
            json_body = value.split(b";", 1)[0].strip() == b"application/json"
    return authorization if json_body else None


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _fields(body: bytes) -> dict[str, Any] | None:
    """The request's fields, as the route's model gives them, or None for a body the
    route should answer (and explain) itself."""
    try:
        return MessageIn.model_validate(orjson.loads(body)).model_dump()
    except (orjson.JSONDecodeError, ValidationError):
        return None


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
