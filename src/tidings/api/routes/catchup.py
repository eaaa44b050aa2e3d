"""Catch-up and the daily digest's preferences."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from tidings.actions import digests
from tidings.api import schemas
from tidings.api.deps import current_actor, read, services, write
from tidings.core.roles import Actor
from tidings.queries.catchup import catchup as build_catchup
from tidings.queries.catchup import default_since

router = APIRouter(tags=["reading"])


@router.get("/catchup", response_model=schemas.Catchup)
async def catchup(
    request: Request,
    since: schemas.When | None = None,
    actor: Actor = Depends(current_actor),
) -> Response:
    """What you missed since ``since`` (default: the end of your last visit, or a day
    ago on your first), ranked: replies you owe by due time, asks and urgent messages
    to you, mentions, then the busiest topics you follow, condensed."""
    now = services(request).db.clock.now()
    return await read(
        request,
        lambda c: build_catchup(c, actor, since or default_since(c, actor.member_id, now), now),
    )


@router.get("/users/me/digest", response_model=schemas.DigestPreferences)
async def digest_preferences(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    """When your daily digest comes, and whether by e-mail too."""
    return await read(
        request, lambda c: digests.preferences_view(digests.preferences(c, actor.member_id))
    )


@router.patch("/users/me/digest", response_model=schemas.DigestPreferences)
async def change_digest(
    body: schemas.DigestPreferencesIn, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    """Change the digest time (local "HH:MM"), e-mail on or off, and whether it comes
    on days you were active since the previous one."""
    fields = body.model_dump(exclude_none=True)
    return await write(request, actor, lambda tx: digests.set_preferences(tx, actor, **fields))
