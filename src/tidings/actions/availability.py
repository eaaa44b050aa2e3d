"""Changing one's own availability: working and office hours, holidays, the DM reply
window, status, and out-of-office absences. Each change is announced as
``member.availability`` so that due times and directory views can follow."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import delete, select, update

from tidings.actions.expectations import recompute_due
from tidings.actions.notifications import move_held
from tidings.core.availability import (
    DEFAULT_DM_REPLY_MINUTES,
    DEFAULT_WORKING_HOURS,
    check_reply_minutes,
    check_status,
    normalize_holidays,
    normalize_week,
)
from tidings.core.permissions import without_private_notes
from tidings.core.roles import Actor
from tidings.core.worktime import Schedule
from tidings.errors import InvalidInput, NotFound
from tidings.queries.availability import full_availability
from tidings.store.models import absences, member_availability
from tidings.store.tx import GUESTS, STAFF, Tx

MAX_ABSENCES = 100


def _ensure_row(tx: Tx, member_id: int) -> None:
    found = tx.conn.execute(
        select(member_availability.c.member_id).where(member_availability.c.member_id == member_id)
    ).first()
    if found is None:
        tx.conn.execute(
            member_availability.insert().values(
                member_id=member_id,
                working_hours=orjson.dumps(DEFAULT_WORKING_HOURS).decode(),
                dm_reply_minutes=DEFAULT_DM_REPLY_MINUTES,
                updated_at=tx.now,
            )
        )


def _store(tx: Tx, actor: Actor, **values: Any) -> dict[str, Any]:
    _ensure_row(tx, actor.member_id)
    tx.conn.execute(
        update(member_availability)
        .where(member_availability.c.member_id == actor.member_id)
        .values(updated_at=tx.now, **values)
    )
    return _announce(tx, actor)


def _announce(tx: Tx, actor: Actor) -> dict[str, Any]:
    """Open expectations on this member, and notifications held for them, move with
    their working time and status."""
    recompute_due(tx, actor.workspace_id, actor.member_id)
    move_held(tx, actor.workspace_id, actor.member_id)
    view = full_availability(tx.conn, actor, actor.member_id, tx.now)
    # Guests get a copy without notes; the member's own socket gets the full view
    # last, so a guest's own notes still reach them.
    redacted = without_private_notes(view)
    tx.emit(actor.workspace_id, "member.availability", redacted, audience=GUESTS)
    tx.emit(
        actor.workspace_id,
        "member.availability",
        view,
        audience=STAFF,
        member_ids=[actor.member_id],
    )
    return view


def set_hours(
    tx: Tx,
    actor: Actor,
    *,
    working_hours: Mapping[str, Any] | None = None,
    office_hours: Mapping[str, Any] | None = None,
    holidays: Iterable[str] | None = None,
    dm_reply_minutes: int | None = None,
) -> dict[str, Any]:
    """Replace any of: weekly working hours, office hours, holidays, the DM reply window."""
    values: dict[str, Any] = {}
    if working_hours is not None:
        week = normalize_week(working_hours)
        if not any(week.values()):
            raise InvalidInput(
                "Give at least one working interval; use holidays or absences for time off",
                field="working_hours",
            )
        values["working_hours"] = orjson.dumps(week).decode()
    if office_hours is not None:
        values["office_hours"] = orjson.dumps(normalize_week(office_hours)).decode()
    if holidays is not None:
        values["holidays"] = orjson.dumps(normalize_holidays(holidays)).decode()
    if dm_reply_minutes is not None:
        values["dm_reply_minutes"] = check_reply_minutes(dm_reply_minutes)
    return _store(tx, actor, **values)


def set_status(
    tx: Tx,
    actor: Actor,
    state: str,
    *,
    until: datetime | None = None,
    text: str = "",
    emoji: str = "",
) -> dict[str, Any]:
    """Available, focus until T, away (until T), or out of office until T."""
    check_status(state, until, tx.now, text)
    if len(emoji) > 32:
        raise InvalidInput("An emoji is at most 32 characters", field="emoji")
    return _store(
        tx,
        actor,
        status=state,
        status_since=tx.now,
        status_until=until,
        status_text=text.strip(),
        status_emoji=emoji.strip(),
    )


def add_absence(
    tx: Tx, actor: Actor, starts_at: datetime, ends_at: datetime, note: str = ""
) -> dict[str, Any]:
    """An out-of-office range; it is taken out of the member's working time."""
    Schedule(zone="UTC", absences=((starts_at, ends_at),))  # the same checks as the rules
    if ends_at <= tx.now:
        raise InvalidInput("The absence is over already", field="ends_at")
    if len(note) > 200:
        raise InvalidInput("A note is at most 200 characters", field="note")
    count = tx.conn.execute(
        select(absences.c.id).where(
            absences.c.member_id == actor.member_id, absences.c.ends_at > tx.now
        )
    ).all()
    if len(count) >= MAX_ABSENCES:
        raise InvalidInput(f"At most {MAX_ABSENCES} upcoming absences", field="starts_at")
    tx.insert(
        absences,
        workspace_id=actor.workspace_id,
        member_id=actor.member_id,
        starts_at=starts_at,
        ends_at=ends_at,
        note=note.strip(),
        created_at=tx.now,
    )
    return _announce(tx, actor)


def remove_absence(tx: Tx, actor: Actor, absence_id: int) -> dict[str, Any]:
    gone = tx.conn.execute(
        delete(absences).where(absences.c.id == absence_id, absences.c.member_id == actor.member_id)
    )
    if gone.rowcount != 1:
        raise NotFound("No such absence")
    return _announce(tx, actor)
