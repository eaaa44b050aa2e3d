"""Scheduled send: a message written now, checked now, and posted by a job at its
time as its author, exactly once. Until then its author may edit or cancel it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import select, update

from tidings import views
from tidings.actions.attachments import check_refs, finished_uploads
from tidings.actions.expectations import check_asks
from tidings.actions.forkouts import recipients_of, send_forkout
from tidings.actions.messages import (
    DEFAULT_MAX_LENGTH,
    check_body,
    post_message,
)
from tidings.actions.places import Place, conversation_place, topic_place
from tidings.actions.uploads import keep_until
from tidings.clock import FrozenClock
from tidings.core import later as rules
from tidings.core.roles import Actor, Role
from tidings.errors import Conflict, InvalidInput, NotFound, TidingsError
from tidings.queries.availability import member_schedule
from tidings.store import jobs
from tidings.store.models import members, scheduled_messages
from tidings.store.tx import MEMBERS, Tx

SEND = "message.scheduled"
SCHEDULED = "scheduled"
SENT = "sent"
CANCELLED = "cancelled"
FAILED = "failed"
PRIORITIES = ("normal", "high", "urgent")


def _job_key(scheduled_id: int, send_at: datetime) -> str:
    return f"scheduled:{scheduled_id}:{send_at.isoformat()}"


def _enqueue(tx: Tx, workspace_id: int, scheduled_id: int, send_at: datetime) -> None:
    jobs.enqueue(
        tx,
        SEND,
        send_at,
        {"scheduled_id": scheduled_id, "send_at": send_at.isoformat()},
        workspace_id=workspace_id,
        dedupe_key=_job_key(scheduled_id, send_at),
    )


def _place(tx: Tx, actor: Actor, topic_id: int | None, conversation_id: int | None) -> Place:
    if (topic_id is None) == (conversation_id is None):
        raise InvalidInput("Schedule into one topic or one conversation", field="topic_id")
    if topic_id is not None:
        return topic_place(tx, actor, topic_id, posting=True)[0]
    assert conversation_id is not None
    return conversation_place(tx, actor, conversation_id)


def _recipient_day(tx: Tx, actor: Actor, place: Place) -> datetime:
    others = [m for m in place.participant_ids if m != actor.member_id]
    if place.conversation_id is None or len(others) != 1:
        raise InvalidInput(
            '"At the start of their working day" is for one-to-one direct messages only; '
            "in a channel or a group conversation, pick a time",
            field="at_recipient_day",
        )
    schedule = member_schedule(tx.conn, actor.workspace_id, others[0])
    try:
        return rules.day_start(tx.now, schedule)
    except InvalidInput:
        raise InvalidInput(
            "They have no working hours ahead; pick a time", field="at_recipient_day"
        ) from None


def _send_time(
    tx: Tx, actor: Actor, place: Place, send_at: datetime | None, at_recipient_day: bool
) -> datetime:
    if at_recipient_day:
        if send_at is not None:
            raise InvalidInput(
                "Give a time or ask for the start of their working day, not both",
                field="send_at",
            )
        return _recipient_day(tx, actor, place)
    if send_at is None:
        raise InvalidInput("Say when to send it", field="send_at")
    return rules.check_future(send_at, tx.now, "send_at")


def _check_priority(priority: str) -> str:
    if priority not in PRIORITIES:
        raise InvalidInput(
            f'"{priority}" is not a priority: normal, high or urgent', field="priority"
        )
    return priority


def _stored_asks(asks: Iterable[Mapping[Any, Any]]) -> str:
    return orjson.dumps(
        [{"member_id": a["member_id"], "deadline": views.iso(a.get("deadline"))} for a in asks]
    ).decode()


def schedule_message(
    tx: Tx,
    actor: Actor,
    *,
    body: str,
    topic_id: int | None = None,
    conversation_id: int | None = None,
    priority: str = "normal",
    asks: Iterable[Mapping[Any, Any]] = (),
    send_at: datetime | None = None,
    at_recipient_day: bool = False,
    max_length: int = DEFAULT_MAX_LENGTH,
    forkout: Mapping[str, Iterable[int]] | None = None,
    attachments: Iterable[Any] = (),
) -> dict[str, Any]:
    """Write a message to be sent later: at ``send_at``, or, in a one-to-one DM, at the
    start of the recipient's working day. The author must be able to post there now
    (and still then: it is checked again when it is sent). With ``forkout`` (member and
    group ids) it goes out as a forkout instead, to the people named now."""
    refs = check_refs(attachments)
    body = check_body(body, max_length, files=bool(refs))
    priority = _check_priority(priority)
    stored_forkout = None
    if forkout is not None:
        if topic_id is not None or conversation_id is not None or at_recipient_day or asks:
            raise InvalidInput(
                "A scheduled forkout names people (and groups) and a time only", field="forkout"
            )
        people = recipients_of(
            tx, actor, forkout.get("member_ids", ()), forkout.get("group_ids", ())
        )
        stored_forkout = orjson.dumps({"member_ids": people}).decode()
        checked: list[dict[str, Any]] = []
        when = rules.check_future(send_at, tx.now, "send_at") if send_at else None
        if when is None:
            raise InvalidInput("Say when to send the forkout", field="send_at")
    else:
        place = _place(tx, actor, topic_id, conversation_id)
        checked = check_asks(tx, actor, place, asks)
        when = _send_time(tx, actor, place, send_at, at_recipient_day)
    values = {
        "workspace_id": actor.workspace_id,
        "author_id": actor.member_id,
        "topic_id": topic_id,
        "conversation_id": conversation_id,
        "body": body,
        "priority": priority,
        "asks": _stored_asks(checked),
        "send_at": when,
        "at_recipient_day": at_recipient_day,
        "state": SCHEDULED,
        "sent_message_id": None,
        "error": None,
        "created_at": tx.now,
        "updated_at": tx.now,
        "forkout": stored_forkout,
        "sent_forkout_id": None,
        "attachments": orjson.dumps(refs).decode(),
    }
    # The files are checked now and kept until a day after the send.
    for upload in finished_uploads(tx, actor, refs):
        keep_until(tx, upload, when + timedelta(days=1))
    scheduled_id = tx.insert(scheduled_messages, **values)
    _enqueue(tx, actor.workspace_id, scheduled_id, when)
    return _announce(tx, "scheduled.created", {**values, "id": scheduled_id})


def _announce(tx: Tx, type_: str, row: Mapping[Any, Any]) -> dict[str, Any]:
    view = views.scheduled_message(row)
    tx.emit(row["workspace_id"], type_, view, audience=MEMBERS, member_ids=[row["author_id"]])
    return view


def _load(tx: Tx, scheduled_id: int) -> Mapping[Any, Any] | None:
    return (
        tx.conn.execute(select(scheduled_messages).where(scheduled_messages.c.id == scheduled_id))
        .mappings()
        .first()
    )


def _mine_pending(tx: Tx, actor: Actor, scheduled_id: int) -> Mapping[Any, Any]:
    row = _load(tx, scheduled_id)
    if row is None or row["author_id"] != actor.member_id:
        raise NotFound("No such scheduled message")
    if row["state"] != SCHEDULED:
        raise Conflict(f"That message is {row['state']} already; it can no longer change")
    return row


def edit_scheduled(
    tx: Tx,
    actor: Actor,
    scheduled_id: int,
    *,
    body: str | None = None,
    send_at: datetime | None = None,
    max_length: int = DEFAULT_MAX_LENGTH,
) -> dict[str, Any]:
    """Change the text or the time of a message not yet sent; a new time replaces
    its job, so only the latest time sends it."""
    row = _mine_pending(tx, actor, scheduled_id)
    changes: dict[str, Any] = {"updated_at": tx.now}
    if body is not None:
        changes["body"] = check_body(body, max_length)
    if send_at is not None and send_at != row["send_at"]:
        changes["send_at"] = rules.check_future(send_at, tx.now, "send_at")
        changes["at_recipient_day"] = False
        jobs.cancel(tx, _job_key(scheduled_id, row["send_at"]))
        _enqueue(tx, actor.workspace_id, scheduled_id, changes["send_at"])
    tx.conn.execute(
        update(scheduled_messages)
        .where(scheduled_messages.c.id == scheduled_id, scheduled_messages.c.state == SCHEDULED)
        .values(**changes)
    )
    return _announce(tx, "scheduled.updated", {**row, **changes})


def cancel_scheduled(tx: Tx, actor: Actor, scheduled_id: int) -> dict[str, Any]:
    """Drop a message not yet sent; it will never go."""
    row = _mine_pending(tx, actor, scheduled_id)
    jobs.cancel(tx, _job_key(scheduled_id, row["send_at"]))
    changes = {"state": CANCELLED, "updated_at": tx.now}
    tx.conn.execute(
        update(scheduled_messages).where(scheduled_messages.c.id == scheduled_id).values(**changes)
    )
    return _announce(tx, "scheduled.updated", {**row, **changes})


def send_scheduled(tx: Tx, scheduled_id: int, send_at: datetime) -> str:
    """The job at ``send_at``: post the message as its author, if it is still
    scheduled for this very time. When the author may no longer post there, it is
    marked failed with the reason instead. Returns the resulting state."""
    row = _load(tx, scheduled_id)
    if row is None or row["state"] != SCHEDULED or row["send_at"] != send_at:
        return row["state"] if row is not None else "missing"
    author = (
        tx.conn.execute(select(members).where(members.c.id == row["author_id"])).mappings().first()
    )
    if author is None or not author["is_active"]:
        return _finish(tx, row, FAILED, error="Not sent: its author's account was deactivated")
    actor = Actor(author["id"], author["workspace_id"], Role(author["role"]), author["handle"])
    try:
        message = _post_as(tx, actor, row)
    except TidingsError as exc:
        return _finish(tx, row, FAILED, error=f"Not sent: {exc.detail}")
    if row["forkout"]:
        return _finish(tx, row, SENT, sent_forkout_id=message["id"])
    return _finish(tx, row, SENT, sent_message_id=message["id"])


def _post_as(tx: Tx, actor: Actor, row: Mapping[Any, Any]) -> dict[str, Any]:
    """Post in a savepoint with a Tx of its own, so a refusal drops the message's rows
    and events alike and leaves the failure to record."""
    step = Tx(tx.conn, FrozenClock(tx.now))
    tx.conn.exec_driver_sql("SAVEPOINT tidings_scheduled")
    try:
        message = _send_as(step, actor, row)
        step.flush_events()
    except TidingsError:
        tx.conn.exec_driver_sql("ROLLBACK TO SAVEPOINT tidings_scheduled")
        tx.conn.exec_driver_sql("RELEASE SAVEPOINT tidings_scheduled")
        raise
    tx.conn.exec_driver_sql("RELEASE SAVEPOINT tidings_scheduled")
    tx.committed_events.extend(step.committed_events)
    tx.after_commit(step.run_after_commit)
    return message


def _send_as(step: Tx, actor: Actor, row: Mapping[Any, Any]) -> dict[str, Any]:
    """The scheduled message as a forkout (returning it) or as one message."""
    longest = max(DEFAULT_MAX_LENGTH, len(row["body"]))
    if row["forkout"]:
        people = orjson.loads(row["forkout"])["member_ids"]
        return send_forkout(
            step,
            actor,
            body=row["body"],
            member_ids=people,
            priority=row["priority"],
            max_length=longest,
            attachments=_refs(row),
        )
    place = _place(step, actor, row["topic_id"], row["conversation_id"])
    asks = [
        {
            "member_id": a["member_id"],
            "deadline": datetime.fromisoformat(a["deadline"].replace("Z", "+00:00"))
            if a["deadline"]
            else None,
        }
        for a in orjson.loads(row["asks"])
    ]
    return post_message(
        step,
        actor,
        place,
        body=row["body"],
        priority=row["priority"],
        asks=asks,
        max_length=longest,
        attachments=_refs(row),
    )


def _refs(row: Mapping[Any, Any]) -> list[dict[str, Any]]:
    return list(orjson.loads(row["attachments"] or "[]"))


def _finish(tx: Tx, row: Mapping[Any, Any], state: str, **changes: Any) -> str:
    values = {"state": state, "updated_at": tx.now, **changes}
    if "error" in values:
        values["error"] = str(values["error"])[:500]
    tx.conn.execute(
        update(scheduled_messages)
        .where(scheduled_messages.c.id == row["id"], scheduled_messages.c.state == SCHEDULED)
        .values(**values)
    )
    _announce(tx, "scheduled.updated", {**row, **values})
    return state
