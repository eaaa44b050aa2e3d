"""Respond later and scheduled send in the web UI: the Later menu on messages, the
Later and Scheduled pages, and the composer's "send later"."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection
from starlette.responses import Response

from tidings.actions import later, scheduled
from tidings.api.deps import services
from tidings.core.later import NEXT_DAY, NEXT_WEEK
from tidings.core.roles import Actor
from tidings.errors import InvalidInput, TidingsError
from tidings.queries.directory import get_member
from tidings.queries.later import list_later, list_scheduled
from tidings.web.forms import Form, read_form
from tidings.web.render import render_page
from tidings.web.routes.common import back, run, see_other
from tidings.web.session import web_actor

router = APIRouter()
CHOICES = {"3h": "3h", "next_day": NEXT_DAY, "next_week": NEXT_WEEK}
SAVED = {
    "done": "Taken off your Later list.",
    "scheduled": "Scheduled. It is sent at its time unless you cancel it here.",
    "edited": "Saved.",
    "cancelled": "Cancelled; it will not be sent.",
}


def local_moment(conn: Connection, actor: Actor, typed: str, field: str) -> datetime:
    """A datetime-local value, read in the viewer's own zone."""
    zone = get_member(conn, actor, actor.member_id)["time_zone"]
    try:
        return datetime.fromisoformat(typed).replace(tzinfo=ZoneInfo(zone))
    except ValueError:
        raise InvalidInput("Give a date and time like 2026-12-09T15:00", field=field) from None


# --- respond later ----------------------------------------------------------------------


@router.post("/messages/{message_id}/later")
async def mark(request: Request, message_id: int, actor: Actor = Depends(web_actor)) -> Response:
    form = await read_form(request)
    choice = form.text("remind", max_length=20)
    typed = form.text("at", max_length=40).strip()

    def act(tx: Any) -> Any:
        if choice == "at":
            remind: Any = local_moment(tx.conn, actor, typed, "remind")
        elif choice in CHOICES:
            remind = CHOICES[choice]
        else:
            remind = None
        return later.mark_later(tx, actor, message_id, remind)

    try:
        await run(request, actor, act)
    except TidingsError as exc:
        return await _later_page(request, actor, status=exc.status, error=exc)
    return back(request, "/later")


async def _later_page(request: Request, actor: Actor, status: int = 200, **extra: Any) -> Response:
    return await render_page(
        request, actor, "later.html", lambda c: list_later(c, actor), status, **extra
    )


@router.get("/later", response_class=HTMLResponse)
async def later_page(
    request: Request, saved: str | None = None, actor: Actor = Depends(web_actor)
) -> Response:
    return await _later_page(request, actor, saved=SAVED.get(saved or ""))


@router.post("/later/{mark_id}/done")
async def done(request: Request, mark_id: int, actor: Actor = Depends(web_actor)) -> Response:
    try:
        await run(request, actor, lambda tx: later.clear_later_by_id(tx, actor, mark_id))
    except TidingsError as exc:
        return await _later_page(request, actor, status=exc.status, error=exc)
    return see_other(request, "/later?saved=done")


# --- scheduled send -----------------------------------------------------------------------


def wants_schedule(form: Form) -> bool:
    """The composer's "send later" block is filled in: schedule instead of sending."""
    return bool(form.text("send_at", max_length=40).strip()) or form.flag("their_day")


async def schedule_from_composer(
    request: Request,
    actor: Actor,
    kind: str,
    place_id: int,
    form: Form,
    fields: dict[str, Any],
    asks: Callable[[Any], list[dict]],
    refused: Callable[[TidingsError], Awaitable[Response]],
) -> Response:
    """Schedule what the composer holds; a refusal shows in the composer like a
    refused send, with everything typed kept."""
    typed = form.text("send_at", max_length=40).strip()
    their_day = form.flag("their_day")
    target = {"topic_id": place_id} if kind == "topic" else {"conversation_id": place_id}

    def act(tx: Any) -> Any:
        when = local_moment(tx.conn, actor, typed, "send_at") if typed and not their_day else None
        fields.pop("reply_to_id", None)
        fields.pop("quote_of_id", None)
        pinned = fields.pop("clip_file_id", None), fields.pop("clip_at_ms", None)
        if pinned != (None, None):
            raise InvalidInput(
                "A comment at a moment of a clip is sent now, not scheduled", field="send_at"
            )
        if fields.pop("expires_in_minutes", None) or fields.pop("expire_after_read", False):
            raise InvalidInput(
                "A scheduled message cannot self-destruct yet: send it now, or without expiry",
                field="expires",
            )
        return scheduled.schedule_message(
            tx,
            actor,
            **target,
            **fields,
            asks=asks(tx),
            send_at=when,
            at_recipient_day=their_day,
        )

    try:
        await run(request, actor, act, form.text("form_key", max_length=200) or None)
    except TidingsError as exc:
        return await refused(exc)
    return see_other(request, "/scheduled?saved=scheduled")


async def _scheduled_page(
    request: Request, actor: Actor, status: int = 200, **extra: Any
) -> Response:
    def load(conn: Connection) -> dict[str, Any]:
        return {"scheduled": list_scheduled(conn, actor, include_done=True)["items"]}

    context = {"errors": {}, "values": {}, **extra}
    return await render_page(request, actor, "scheduled.html", load, status, **context)


@router.get("/scheduled", response_class=HTMLResponse)
async def scheduled_page(
    request: Request, saved: str | None = None, actor: Actor = Depends(web_actor)
) -> Response:
    return await _scheduled_page(request, actor, saved=SAVED.get(saved or ""))


@router.post("/scheduled/{scheduled_id}/edit", response_class=HTMLResponse)
async def edit(request: Request, scheduled_id: int, actor: Actor = Depends(web_actor)) -> Response:
    form = await read_form(request)
    max_length = services(request).settings.max_message_length
    try:
        body = form.text("body", max_length=max_length, required=True)
        typed = form.text("send_at", max_length=40).strip()

        def act(tx: Any) -> Any:
            when = local_moment(tx.conn, actor, typed, "send_at") if typed else None
            return scheduled.edit_scheduled(
                tx, actor, scheduled_id, body=body, send_at=when, max_length=max_length
            )

        await run(request, actor, act)
    except TidingsError as exc:
        return await _scheduled_page(
            request,
            actor,
            exc.status,
            errors={scheduled_id: exc},
            values={scheduled_id: form.values()},
        )
    return see_other(request, "/scheduled?saved=edited")


@router.post("/scheduled/{scheduled_id}/cancel", response_class=HTMLResponse)
async def cancel(
    request: Request, scheduled_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    try:
        await run(request, actor, lambda tx: scheduled.cancel_scheduled(tx, actor, scheduled_id))
    except TidingsError as exc:
        return await _scheduled_page(request, actor, exc.status, errors={scheduled_id: exc})
    return see_other(request, "/scheduled?saved=cancelled")
