"""Request plumbing shared by the routes: who is asking, and running one action."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection
from starlette.responses import Response

from tidings.actions.idempotency import idempotent
from tidings.api.authn import bearer, digest_of, lookup_token
from tidings.api.services import Services
from tidings.core.roles import Actor
from tidings.errors import NotFound, TokenInvalid
from tidings.store.tx import Tx
from tidings.store.types import MAX_ID


async def ids_in_range(connection: HTTPConnection) -> None:
    """A path id past 64 bits names nothing; answer 404 before it fails to bind in SQL."""
    for name, value in connection.path_params.items():
        digits = value.removeprefix("-")
        if not (name.endswith("_id") and digits.isascii() and digits.isdigit()):
            continue
        if len(digits) > len(str(MAX_ID)) or int(digits) > MAX_ID:
            raise NotFound(f"No such {name.removesuffix('_id')}")


def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


def json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status, media_type="application/json")


async def authenticate(svc: Services, token: str, client: str) -> Actor:
    """The token's actor. Requests count against the token's rate limit; guesses
    with unknown tokens count against the client address instead."""
    digest = digest_of(token)
    now = svc.db.clock.now()
    actor = svc.tokens.get(digest, now)
    if actor is None:
        generation = svc.tokens.generation
        try:
            actor, expires_at = await svc.db.aread(lambda c: lookup_token(c, digest, now))
        except TokenInvalid:
            await svc.limiter.hit(f"bad-token:{client}")
            raise
        svc.tokens.put(digest, actor, expires_at, generation)
    await svc.limiter.hit(digest)
    await svc.activity.touch(svc.db, actor, now)
    return actor


def client_address(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else "unknown"


# Declares the scheme in the OpenAPI document (the docs page's "Authorize");
# the header itself is parsed by ``bearer`` so errors stay problem+json.
bearer_scheme = HTTPBearer(auto_error=False, description="A token from /auth/login or /tokens")


async def current_actor(
    request: Request, _: HTTPAuthorizationCredentials | None = Security(bearer_scheme)
) -> Actor:
    """The member behind the request's bearer token."""
    token = bearer(request.headers.get("authorization"))
    return await authenticate(services(request), token, client_address(request))


async def read(request: Request, fn: Callable[[Any], Any]) -> Response:
    return json(await services(request).db.aread(fn))


async def write(
    request: Request, actor: Actor, fn: Callable[[Tx], Any], status: int = 200
) -> Response:
    """Run one action in the writer; honour ``Idempotency-Key`` on creates."""
    db = services(request).db
    key = request.headers.get("idempotency-key")
    if key is None:
        return json(await db.awrite(fn), status)
    body = await request.body()
    fingerprint = hashlib.sha256(
        request.method.encode() + b" " + request.url.path.encode() + b"\n" + body
    ).hexdigest()
    stored_status, result = await db.awrite(
        lambda tx: idempotent(tx, actor, key, fingerprint, status, fn)
    )
    return json(result, stored_status)
