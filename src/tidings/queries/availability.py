"""A member's availability as stored, and the working-time schedule built from it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.engine import Connection

from tidings import views
from tidings.core.availability import (
    DEFAULT_DM_REPLY_MINUTES,
    DEFAULT_WORKING_HOURS,
    Status,
    normalize_week,
    schedule_for,
)
from tidings.core.permissions import may_see_private_notes, without_private_notes
from tidings.core.roles import Actor
from tidings.core.worktime import (
    Schedule,
    Week,
    is_working,
    next_working_start,
    parse_week,
    week_as_data,
)
from tidings.store.lookups import member_row
from tidings.store.models import absences, member_availability, members


def stored(conn: Connection, member_id: int) -> dict[str, Any]:
    """The availability row's fields, or the defaults for a member who set nothing."""
    row = (
        conn.execute(
            select(member_availability).where(member_availability.c.member_id == member_id)
        )
        .mappings()
        .first()
    )
    return _defaults() if row is None else _facts(row)


def _defaults() -> dict[str, Any]:
    week, hours = _week(orjson.dumps(DEFAULT_WORKING_HOURS).decode())
    return {
        "week": week,
        "working_hours": hours,
        "office_hours": normalize_week({}),
        "holidays": [],
        "dm_reply_minutes": DEFAULT_DM_REPLY_MINUTES,
        "status": Status(),
    }


def absence_rows(conn: Connection, member_id: int) -> list[Any]:
    return list(
        conn.execute(
            select(absences).where(absences.c.member_id == member_id).order_by(absences.c.starts_at)
        ).mappings()
    )


@lru_cache(maxsize=4096)
def _week(text: str) -> tuple[Week, dict[str, list[list[str]]]]:
    """Stored hours, parsed once per distinct value: many members share the same week,
    and the send path reads the hours of everyone a message concerns."""
    week = parse_week(orjson.loads(text))
    return week, week_as_data(week)


def _facts(row: Any) -> dict[str, Any]:
    week, hours = _week(row["working_hours"])
    return {
        "week": week,
        "working_hours": hours,
        "office_hours": _week(row["office_hours"])[1],
        "holidays": orjson.loads(row["holidays"]),
        "dm_reply_minutes": row["dm_reply_minutes"],
        "status": Status(
            row["status"],
            row["status_since"],
            row["status_until"],
            row["status_text"],
            row["status_emoji"],
        ),
    }


@dataclass(frozen=True)
class MemberTime:
    name: str
    schedule: Schedule
    status: Status
    dm_reply_minutes: int


def schedules_and_statuses(
    conn: Connection, workspace_id: int, member_ids: Iterable[int]
) -> dict[int, MemberTime]:
    """Name, schedule and status of many members in three queries (the send path)."""
    ids = sorted(set(member_ids))
    if not ids:
        return {}
    people = conn.execute(
        select(members.c.id, members.c.display_name, members.c.time_zone).where(
            members.c.workspace_id == workspace_id, members.c.id.in_(ids)
        )
    ).all()
    rows = {
        row["member_id"]: _facts(row)
        for row in conn.execute(
            select(member_availability).where(member_availability.c.member_id.in_(ids))
        ).mappings()
    }
    away: dict[int, list[tuple[datetime, datetime]]] = {}
    for a in conn.execute(
        select(absences.c.member_id, absences.c.starts_at, absences.c.ends_at).where(
            absences.c.member_id.in_(ids)
        )
    ):
        away.setdefault(a.member_id, []).append((a.starts_at, a.ends_at))
    found = {}
    for person in people:
        facts = rows.get(person.id) or _defaults()
        schedule = schedule_for(
            person.time_zone,
            facts["week"],
            facts["holidays"],
            away.get(person.id, []),
            facts["status"],
        )
        found[person.id] = MemberTime(
            person.display_name, schedule, facts["status"], facts["dm_reply_minutes"]
        )
    return found


def member_schedule(conn: Connection, workspace_id: int, member_id: int) -> Schedule:
    zone = conn.execute(
        select(members.c.time_zone).where(
            members.c.id == member_id, members.c.workspace_id == workspace_id
        )
    ).scalar_one()
    facts = stored(conn, member_id)
    away = [(a["starts_at"], a["ends_at"]) for a in absence_rows(conn, member_id)]
    return schedule_for(zone, facts["week"], facts["holidays"], away, facts["status"])


def availability(conn: Connection, actor: Actor, member_id: int, now: datetime) -> dict[str, Any]:
    """What others see of a member's time: hours, status, absences, working now or not
    (without notes, for a guest)."""
    found = full_availability(conn, actor, member_id, now)
    if may_see_private_notes(actor, member_id):
        return found
    return without_private_notes(found)


def full_availability(
    conn: Connection, actor: Actor, member_id: int, now: datetime
) -> dict[str, Any]:
    """Everything about a member's time, notes included: for colleagues."""
    member = member_row(conn, actor.workspace_id, member_id)
    facts = stored(conn, member_id)
    schedule = member_schedule(conn, actor.workspace_id, member_id)
    status: Status = facts["status"]
    state = status.at(now)
    next_start = None if is_working(now, schedule) else next_working_start(now, schedule)
    return {
        "member_id": member_id,
        "time_zone": member["time_zone"],
        "working_hours": facts["working_hours"],
        "office_hours": facts["office_hours"],
        "holidays": facts["holidays"],
        "dm_reply_minutes": facts["dm_reply_minutes"],
        "status": {
            "state": state,
            "until": views.iso(status.until) if state != "available" else None,
            "text": status.text if state != "available" else "",
            "emoji": status.emoji if state != "available" else "",
        },
        "absences": [
            {
                "id": a["id"],
                "starts_at": views.iso(a["starts_at"]),
                "ends_at": views.iso(a["ends_at"]),
                "note": a["note"],
            }
            for a in absence_rows(conn, member_id)
            if a["ends_at"] > now
        ],
        "working_now": is_working(now, schedule),
        "next_working_start": views.iso(next_start),
    }
