"""Replies owed: what I owe and what I am waiting for, with "done" and "decline"."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection
from starlette.responses import Response

from tidings.actions import expectations
from tidings.api.deps import services
from tidings.core.expectations import BREACHED, CANCELLED
from tidings.core.roles import Actor
from tidings.errors import TidingsError
from tidings.queries.expectations import list_expectations
from tidings.queries.paging import MAX_LIMIT
from tidings.web.forms import read_form
from tidings.web.render import parse_iso, render_page
from tidings.web.routes.common import run, see_other
from tidings.web.session import web_actor

router = APIRouter()
RECENTLY_CANCELLED = timedelta(days=7)
SAVED = {"done": "Marked done.", "declined": "Declined, with your note."}


def _listed(conn: Connection, actor: Actor, role: str, now: datetime) -> dict[str, Any]:
    found = list_expectations(conn, actor, role, limit=MAX_LIMIT)
    items = [
        {**item, "late": item["state"] == BREACHED or parse_iso(item["due_at"]) <= now}
        for item in found["items"]
    ]
    return {"items": items, "more": found["next_cursor"] is not None}


def _cancelled(conn: Connection, actor: Actor, now: datetime) -> list[dict[str, Any]]:
    """What I was waiting for and will not get (the debtor lost access), lately."""
    found = list_expectations(conn, actor, "creditor", CANCELLED, limit=MAX_LIMIT)["items"]
    since = now - RECENTLY_CANCELLED
    return [item for item in found if parse_iso(item["resolved_at"]) >= since]


async def _owed(request: Request, actor: Actor, status: int = 200, **extra: Any) -> Response:
    now = services(request).db.clock.now()
    context = {"errors": {}, "values": {}, **extra}

    def load(conn: Connection) -> dict[str, Any]:
        return {
            "owe": _listed(conn, actor, "debtor", now),
            "waiting": _listed(conn, actor, "creditor", now),
            "cancelled": _cancelled(conn, actor, now),
        }

    return await render_page(request, actor, "owed.html", load, status, **context)


@router.get("/owed", response_class=HTMLResponse)
async def owed_page(
    request: Request, saved: str | None = None, actor: Actor = Depends(web_actor)
) -> Response:
    return await _owed(request, actor, saved=SAVED.get(saved or ""))


@router.post("/owed/{expectation_id}/done", response_class=HTMLResponse)
async def done(
    request: Request, expectation_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    try:
        await run(request, actor, lambda tx: expectations.mark_done(tx, actor, expectation_id))
    except TidingsError as exc:
        return await _owed(request, actor, exc.status, errors={expectation_id: exc})
    return see_other(request, "/owed?saved=done")


@router.post("/owed/{expectation_id}/decline", response_class=HTMLResponse)
async def decline(
    request: Request, expectation_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    form = await read_form(request)
    try:
        note = form.text("note", max_length=500)
        await run(request, actor, lambda tx: expectations.decline(tx, actor, expectation_id, note))
    except TidingsError as exc:
        return await _owed(
            request,
            actor,
            exc.status,
            errors={expectation_id: exc},
            values={expectation_id: form.values()},
        )
    return see_other(request, "/owed?saved=declined")
