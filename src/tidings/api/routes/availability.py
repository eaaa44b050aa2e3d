"""Working hours, holidays, status and absences."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from tidings.actions import availability
from tidings.api import schemas
from tidings.api.deps import current_actor, read, services, write
from tidings.core.roles import Actor
from tidings.queries.availability import availability as member_availability

router = APIRouter(tags=["availability"])


@router.get("/users/me/availability", response_model=schemas.Availability)
async def my_availability(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    now = services(request).db.clock.now()
    return await read(request, lambda c: member_availability(c, actor, actor.member_id, now))


@router.get("/users/{member_id}/availability", response_model=schemas.Availability)
async def get_availability(
    member_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    """A member's zone, working and office hours, status, absences, and whether they
    are working now (if not, when they next start)."""
    now = services(request).db.clock.now()
    return await read(request, lambda c: member_availability(c, actor, member_id, now))


@router.put("/users/me/hours", response_model=schemas.Availability)
async def set_hours(
    body: schemas.HoursIn, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(
        request, actor, lambda tx: availability.set_hours(tx, actor, **body.model_dump())
    )


@router.put("/users/me/status", response_model=schemas.Availability)
async def set_status(
    body: schemas.StatusIn, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(
        request,
        actor,
        lambda tx: availability.set_status(
            tx, actor, body.state, until=body.until, text=body.text, emoji=body.emoji
        ),
    )


@router.post("/users/me/absences", response_model=schemas.Availability, status_code=201)
async def add_absence(
    body: schemas.AbsenceIn, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(
        request,
        actor,
        lambda tx: availability.add_absence(tx, actor, body.starts_at, body.ends_at, body.note),
        201,
    )


@router.delete("/users/me/absences/{absence_id}", response_model=schemas.Availability)
async def remove_absence(
    absence_id: int, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    return await write(
        request, actor, lambda tx: availability.remove_absence(tx, actor, absence_id)
    )
