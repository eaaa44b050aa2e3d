"""Respond later: a member parks a message, optionally to be reminded of it at a time
counted in their own working hours. The mark stays in their Later list until they
clear it or reply in that topic or conversation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update

from tidings import views
from tidings.actions.notifications import notify_direct
from tidings.actions.places import Place, place_of_message
from tidings.core import later as rules
from tidings.core.roles import Actor
from tidings.errors import NotFound
from tidings.queries.availability import member_schedule
from tidings.store import jobs
from tidings.store.access import may_read_message
from tidings.store.lookups import message_row
from tidings.store.models import later_marks, messages, topics
from tidings.store.tx import MEMBERS, Tx

REMIND = "later.remind"
DONE = "done"
REPLIED = "replied"
EXCERPT = 120


def _active(tx: Tx, member_id: int, message_id: int) -> Mapping[Any, Any] | None:
    return (
        tx.conn.execute(
            select(later_marks).where(
                later_marks.c.member_id == member_id,
                later_marks.c.message_id == message_id,
                later_marks.c.cleared_at.is_(None),
            )
        )
        .mappings()
        .first()
    )


def _job_key(mark_id: int, remind_at: datetime) -> str:
    return f"later:{mark_id}:remind:{remind_at.isoformat()}"


def _announce(tx: Tx, actor: Actor, type_: str, row: Mapping[Any, Any]) -> dict[str, Any]:
    view = views.later_mark(row)
    tx.emit(actor.workspace_id, type_, view, audience=MEMBERS, member_ids=[actor.member_id])
    return view


def mark_later(
    tx: Tx, actor: Actor, message_id: int, remind: str | datetime | None = None
) -> dict[str, Any]:
    """Put a message on the member's Later list, with a reminder at ``remind``: a span
    of their working time ("3h"), "next_day", "next_week" or an instant. Marking a
    marked message again replaces its reminder."""
    row = message_row(tx.conn, actor.workspace_id, message_id)
    place_of_message(tx, actor, row)
    if row["deleted_at"] is not None:
        raise NotFound("No such message")
    remind_at = None
    if remind is not None:
        schedule = member_schedule(tx.conn, actor.workspace_id, actor.member_id)
        remind_at = rules.remind_time(remind, tx.now, schedule)
    current = _active(tx, actor.member_id, message_id)
    if current is None:
        values = {
            "workspace_id": actor.workspace_id,
            "member_id": actor.member_id,
            "message_id": message_id,
            "remind_at": remind_at,
            "reminded_at": None,
            "created_at": tx.now,
            "cleared_at": None,
            "cleared_reason": None,
        }
        mark: dict[str, Any] = {**values, "id": tx.insert(later_marks, **values)}
    else:
        if current["remind_at"] is not None and current["reminded_at"] is None:
            jobs.cancel(tx, _job_key(current["id"], current["remind_at"]))
        tx.conn.execute(
            update(later_marks)
            .where(later_marks.c.id == current["id"])
            .values(remind_at=remind_at, reminded_at=None)
        )
        mark = {**current, "remind_at": remind_at, "reminded_at": None}
    if remind_at is not None:
        jobs.enqueue(
            tx,
            REMIND,
            remind_at,
            {"mark_id": mark["id"], "remind_at": remind_at.isoformat()},
            workspace_id=actor.workspace_id,
            dedupe_key=_job_key(mark["id"], remind_at),
        )
    return _announce(tx, actor, "later.marked", mark)


def _clear(tx: Tx, actor: Actor, marks: list[Mapping[Any, Any]], reason: str) -> None:
    for mark in marks:
        if mark["remind_at"] is not None and mark["reminded_at"] is None:
            jobs.cancel(tx, _job_key(mark["id"], mark["remind_at"]))
        tx.conn.execute(
            update(later_marks)
            .where(later_marks.c.id == mark["id"], later_marks.c.cleared_at.is_(None))
            .values(cleared_at=tx.now, cleared_reason=reason)
        )
        _announce(
            tx, actor, "later.cleared", {**mark, "cleared_at": tx.now, "cleared_reason": reason}
        )


def clear_later(tx: Tx, actor: Actor, message_id: int) -> dict[str, Any]:
    """Take a message off the member's Later list."""
    mark = _active(tx, actor.member_id, message_id)
    if mark is None:
        raise NotFound("That message is not on your Later list")
    _clear(tx, actor, [mark], DONE)
    return views.later_mark({**mark, "cleared_at": tx.now, "cleared_reason": DONE})


def clear_later_by_id(tx: Tx, actor: Actor, mark_id: int) -> dict[str, Any]:
    """``clear_later`` by the mark's own id (what the Later list shows)."""
    message_id = tx.conn.execute(
        select(later_marks.c.message_id).where(
            later_marks.c.id == mark_id,
            later_marks.c.member_id == actor.member_id,
            later_marks.c.cleared_at.is_(None),
        )
    ).scalar()
    if message_id is None:
        raise NotFound("No such item on your Later list")
    return clear_later(tx, actor, message_id)


def _parked_query(here: Any) -> Any:
    return (
        select(later_marks)
        .join(messages, messages.c.id == later_marks.c.message_id)
        .where(
            later_marks.c.member_id == bindparam("member_id"),
            later_marks.c.cleared_at.is_(None),
            later_marks.c.message_id != bindparam("message_id"),
            here,
        )
    )


# Built once: every message clears what its author parked there.
_PARKED_IN_TOPIC = _parked_query(messages.c.topic_id == bindparam("place_id"))
_PARKED_IN_CONVERSATION = _parked_query(messages.c.conversation_id == bindparam("place_id"))


def clear_on_reply(tx: Tx, actor: Actor, place: Place, message_id: int) -> None:
    """The member wrote in this topic or conversation: whatever they parked there is
    answered."""
    params: dict[str, Any] = {"member_id": actor.member_id, "message_id": message_id}
    if place.topic_id is not None:
        query, params["place_id"] = _PARKED_IN_TOPIC, place.topic_id
    else:
        query, params["place_id"] = _PARKED_IN_CONVERSATION, place.conversation_id
    marks = tx.conn.execute(query, params).mappings().all()
    if marks:
        _clear(tx, actor, list(marks), REPLIED)


def remind(tx: Tx, mark_id: int, remind_at: datetime) -> bool:
    """The reminder's job: notify the member once, if the mark is still waiting for
    this very reminder (not cleared, not moved, not already sent)."""
    mark = (
        tx.conn.execute(select(later_marks).where(later_marks.c.id == mark_id)).mappings().first()
    )
    if mark is None or mark["cleared_at"] is not None or mark["remind_at"] != remind_at:
        return False
    if not may_read_message(tx.conn, mark["member_id"], mark["message_id"]):
        return False  # they lost access since: no reminder, and the mark stays hidden
    claimed = tx.conn.execute(
        update(later_marks)
        .where(later_marks.c.id == mark_id, later_marks.c.reminded_at.is_(None))
        .values(reminded_at=tx.now)
    )
    if claimed.rowcount != 1:
        return False
    notify_direct(
        tx,
        mark["workspace_id"],
        mark["member_id"],
        "reminder",
        f"Respond later: {_about(tx, mark['message_id'])}",
        message_id=mark["message_id"],
    )
    return True


def _about(tx: Tx, message_id: int) -> str:
    row = tx.conn.execute(
        select(messages.c.body, topics.c.title)
        .select_from(messages.outerjoin(topics, topics.c.id == messages.c.topic_id))
        .where(messages.c.id == message_id)
    ).one()
    first = row.body.strip().split("\n", 1)[0]
    excerpt = first if len(first) <= EXCERPT else first[: EXCERPT - 1] + "…"
    return f"{row.title} · {excerpt}" if row.title else excerpt
