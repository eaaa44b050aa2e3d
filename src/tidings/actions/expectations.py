"""Reply expectations: created when a message asks for a reply, settled by replies,
acknowledging reactions, "done" or "decline", nudged and breached by jobs, and moved
when the debtor's working time changes. The rules are in ``core.expectations``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update

from tidings import views
from tidings.actions.notifications import notify_direct
from tidings.actions.places import Place
from tidings.core import expectations as rules
from tidings.core.roles import Actor
from tidings.errors import Forbidden, InvalidInput, NotFound
from tidings.queries.availability import MemberTime, member_schedule, schedules_and_statuses
from tidings.queries.channels import responder_ids
from tidings.store import jobs
from tidings.store.access import actor_of, may_read_message, readable_message_id
from tidings.store.models import (
    channel_members,
    expectations,
    members,
)
from tidings.store.tx import MEMBERS, Tx

NUDGE = "expectation.nudge"
BREACH = "expectation.breach"


def load(tx: Tx, expectation_id: int) -> Any:
    return (
        tx.conn.execute(select(expectations).where(expectations.c.id == expectation_id))
        .mappings()
        .first()
    )


def _row(tx: Tx, expectation_id: int, workspace_id: int) -> Any:
    row = (
        tx.conn.execute(
            select(expectations).where(
                expectations.c.id == expectation_id, expectations.c.workspace_id == workspace_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("No such expectation")
    return row


def announce(tx: Tx, row: Mapping[str, Any]) -> dict[str, Any]:
    shown = views.expectation(row)
    tx.emit(
        row["workspace_id"],
        "expectation.updated",
        shown,
        audience=MEMBERS,
        member_ids=sorted({row["debtor_id"], row["creditor_id"]}),
    )
    return shown


# --- asks and who owes what -----------------------------------------------------------


def check_asks(tx: Tx, actor: Actor, place: Place, asks: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Asks name members of the place (not the author), each with an optional deadline
    still to come."""
    wanted = list(asks)
    if not wanted:
        return []
    if len(wanted) > rules.MAX_ASKS:
        raise InvalidInput(f"At most {rules.MAX_ASKS} asks on one message", field="asks")
    ids = [int(a["member_id"]) for a in wanted]
    if len(set(ids)) != len(ids):
        raise InvalidInput("Ask each person once", field="asks")
    if actor.member_id in ids:
        raise InvalidInput("You cannot ask yourself for a reply", field="asks")
    allowed = _members_of(tx, place, ids)
    strangers = [i for i in ids if i not in allowed]
    if strangers:
        raise InvalidInput(
            "Asks can only name members of this channel or conversation",
            field="asks",
            member_ids=strangers,
        )
    for ask in wanted:
        rules.check_deadline(ask.get("deadline"), tx.now)
    return [{"member_id": int(a["member_id"]), "deadline": a.get("deadline")} for a in wanted]


def _members_of(tx: Tx, place: Place, ids: list[int]) -> set[int]:
    """Which of ``ids`` are active members of the place."""
    if place.channel is None:
        return set(place.participant_ids) & set(ids)
    return set(
        tx.conn.execute(
            select(channel_members.c.member_id)
            .join(members, members.c.id == channel_members.c.member_id)
            .where(
                channel_members.c.channel_id == place.channel.id,
                channel_members.c.member_id.in_(ids),
                members.c.is_active.is_(True),
            )
        ).scalars()
    )


def expect_replies(
    tx: Tx,
    actor: Actor,
    place: Place,
    message_id: int,
    asks: list[dict[str, Any]],
    *,
    first_in_topic: bool,
    body: str,
    settles: bool,
) -> list[dict[str, Any]]:
    """The expectations a new message creates: its asks, always; a new topic's first
    reply from the channel's responders; and a direct message's reply from each
    participant when it asks something (``core.expectations.expects_reply``) and
    does not itself settle a reply its author owed there (``settles``): answering
    "Sure, will do" never puts the asker in debt."""
    owed: dict[int, tuple[str, int | None, datetime | None]] = {}
    window = None
    if place.channel is not None:
        window = place.channel.response_minutes
        if first_in_topic and window is not None:
            for debtor in responder_ids(tx.conn, place.channel.id) - {actor.member_id}:
                owed[debtor] = (rules.CHANNEL, window, None)
    elif not settles and rules.expects_reply(body):
        for debtor in _without_open_dm(tx, place, actor):
            owed[debtor] = (rules.DM, None, None)
    for ask in asks:
        owed[ask["member_id"]] = (rules.ASK, window, ask["deadline"])
    if not owed:
        return []
    times = schedules_and_statuses(tx.conn, actor.workspace_id, owed)
    return [
        _create(tx, actor, place, message_id, debtor, kind, minutes, deadline, times[debtor])
        for debtor, (kind, minutes, deadline) in sorted(owed.items())
    ]


def _without_open_dm(tx: Tx, place: Place, actor: Actor) -> list[int]:
    """Participants who do not already owe the author a reply in this conversation:
    one owed reply per person per conversation at a time."""
    others = set(place.participant_ids) - {actor.member_id}
    owing = set(
        tx.conn.execute(
            select(expectations.c.debtor_id).where(
                expectations.c.conversation_id == place.conversation_id,
                expectations.c.creditor_id == actor.member_id,
                expectations.c.state.in_(rules.UNSETTLED),
            )
        ).scalars()
    )
    return sorted(others - owing)


def _create(
    tx: Tx,
    actor: Actor,
    place: Place,
    message_id: int,
    debtor: int,
    kind: str,
    minutes: int | None,
    deadline: datetime | None,
    debtor_time: MemberTime,
) -> dict[str, Any]:
    if minutes is None and deadline is None:
        minutes = debtor_time.dm_reply_minutes
    due = rules.due_time(tx.now, minutes, deadline, debtor_time.schedule)
    values = {
        "workspace_id": actor.workspace_id,
        "message_id": message_id,
        **place.columns,
        "debtor_id": debtor,
        "creditor_id": actor.member_id,
        "kind": kind,
        "window_minutes": minutes,
        "deadline": deadline,
        "visible_at": tx.now,
        "due_at": due,
        "state": rules.OPEN,
        "created_at": tx.now,
        "nudged_at": None,
        "breached_at": None,
        "resolved_at": None,
        "resolved_by_message_id": None,
        "note": "",
    }
    expectation_id = tx.insert(expectations, **values)
    jobs.enqueue(
        tx,
        NUDGE,
        due,
        {"expectation_id": expectation_id},
        workspace_id=actor.workspace_id,
        dedupe_key=f"expectation:{expectation_id}:nudge",
    )
    return announce(tx, {**values, "id": expectation_id})


# --- settling -------------------------------------------------------------------------


def _settle(
    tx: Tx, where: Any, state: str, *, by_message: int | None = None, note: str = ""
) -> list[dict[str, Any]]:
    rows = tx.conn.execute(select(expectations).where(where)).mappings().all()
    return _settle_rows(tx, rows, state, by_message=by_message, note=note)


def _settle_rows(
    tx: Tx, rows: Any, state: str, *, by_message: int | None = None, note: str = ""
) -> list[dict[str, Any]]:
    settled = []
    for row in rows:
        changed = tx.conn.execute(
            update(expectations)
            .where(expectations.c.id == row["id"], expectations.c.state.in_(rules.UNSETTLED))
            .values(state=state, resolved_at=tx.now, resolved_by_message_id=by_message, note=note)
        )
        if changed.rowcount != 1:
            continue
        for step in ("nudge", "breach"):
            jobs.cancel(tx, f"expectation:{row['id']}:{step}")
        settled.append(
            announce(
                tx,
                {
                    **row,
                    "state": state,
                    "resolved_at": tx.now,
                    "note": note,
                    "resolved_by_message_id": by_message,
                },
            )
        )
    return settled


def _owed_query(here: Any, candidates: Any) -> Any:
    return select(expectations).where(
        here,
        candidates,
        expectations.c.state.in_(rules.UNSETTLED),
        expectations.c.message_id < bindparam("message_id"),
    )


# Built once: every message looks for the replies it may give.
_OWED_IN_TOPIC = _owed_query(
    expectations.c.topic_id == bindparam("place_id"),
    or_(expectations.c.debtor_id == bindparam("member_id"), expectations.c.kind == rules.CHANNEL),
)
_OWED_IN_CONVERSATION = _owed_query(
    expectations.c.conversation_id == bindparam("place_id"),
    expectations.c.debtor_id == bindparam("member_id"),
)


def settle_by_reply(tx: Tx, actor: Actor, place: Place, message_id: int) -> list[dict[str, Any]]:
    """A reply in the topic or conversation meets what its author owed there; a
    responder's reply meets the channel's expectation for every responder."""
    params: dict[str, Any] = {"member_id": actor.member_id, "message_id": message_id}
    if place.topic_id is not None:
        query, params["place_id"] = _OWED_IN_TOPIC, place.topic_id
    else:
        query, params["place_id"] = _OWED_IN_CONVERSATION, place.conversation_id
    rows = tx.conn.execute(query, params).mappings().all()
    responder = any(r["debtor_id"] == actor.member_id and r["kind"] == rules.CHANNEL for r in rows)
    owed = [
        r
        for r in rows
        if r["debtor_id"] == actor.member_id or (responder and r["kind"] == rules.CHANNEL)
    ]
    return _settle_rows(tx, owed, rules.MET, by_message=message_id)


def settle_by_reaction(tx: Tx, actor: Actor, message_id: int, emoji: str) -> None:
    if rules.acknowledges(emoji):
        _settle(
            tx,
            and_(
                expectations.c.message_id == message_id,
                expectations.c.debtor_id == actor.member_id,
                expectations.c.state.in_(rules.UNSETTLED),
            ),
            rules.MET,
        )


def settle_by_watching(tx: Tx, actor: Actor, message_id: int) -> list[dict[str, Any]]:
    """The debtor watched the message's clip to the end: what they owed on it is met,
    noted "watched" so the creditor sees how."""
    return _settle(
        tx,
        and_(
            expectations.c.message_id == message_id,
            expectations.c.debtor_id == actor.member_id,
            expectations.c.kind.in_(rules.SETTLED_BY_WATCHING),
            expectations.c.state.in_(rules.UNSETTLED),
        ),
        rules.MET,
        note=rules.WATCHED,
    )


def _own(tx: Tx, actor: Actor, expectation_id: int) -> Any:
    row = _row(tx, expectation_id, actor.workspace_id)
    if actor.member_id not in (row["debtor_id"], row["creditor_id"]):
        raise NotFound("No such expectation")
    if row["debtor_id"] != actor.member_id:
        raise Forbidden("Only the person who owes the reply can settle it")
    if not rules.may_settle(row["state"]):
        raise InvalidInput(f"This expectation is {row['state']} already", field="state")
    return row


def mark_done(tx: Tx, actor: Actor, expectation_id: int) -> dict[str, Any]:
    """ "Done": the debtor says the reply happened elsewhere or is not needed."""
    _own(tx, actor, expectation_id)
    [done] = _settle(tx, expectations.c.id == expectation_id, rules.MET)
    return done


def decline(tx: Tx, actor: Actor, expectation_id: int, note: str) -> dict[str, Any]:
    _own(tx, actor, expectation_id)
    note = note.strip()
    if not note or len(note) > 500:
        raise InvalidInput("Say why you decline, in up to 500 characters", field="note")
    [declined] = _settle(tx, expectations.c.id == expectation_id, rules.DECLINED, note=note)
    return declined


# --- time -----------------------------------------------------------------------------


def recompute_due(tx: Tx, workspace_id: int, debtor_id: int) -> int:
    """The debtor's hours, holidays or absences changed: move the due time of each open
    expectation that counts in their working time (explicit deadlines stay)."""
    rows = (
        tx.conn.execute(
            select(expectations).where(
                expectations.c.debtor_id == debtor_id,
                expectations.c.state == rules.OPEN,
                expectations.c.nudged_at.is_(None),
                expectations.c.deadline.is_(None),
            )
        )
        .mappings()
        .all()
    )
    if not rows:
        return 0
    schedule = member_schedule(tx.conn, workspace_id, debtor_id)
    moved = 0
    for row in rows:
        due = rules.due_time(row["visible_at"], row["window_minutes"], None, schedule)
        if due == row["due_at"]:
            continue
        tx.conn.execute(
            update(expectations).where(expectations.c.id == row["id"]).values(due_at=due)
        )
        jobs.reschedule(tx, f"expectation:{row['id']}:nudge", due)
        announce(tx, {**row, "due_at": due})
        moved += 1
    return moved


# --- access -----------------------------------------------------------------------------


def _debtor_name(tx: Tx, member_id: int) -> str:
    return str(
        tx.conn.execute(
            select(members.c.display_name).where(members.c.id == member_id)
        ).scalar_one()
    )


def _cancel(tx: Tx, rows: Any, note: str) -> list[dict[str, Any]]:
    """Close expectations that can no longer be met, and tell each creditor why.
    The creditor's notification names only the reason, never the message."""
    workspace_of = {row["id"]: row["workspace_id"] for row in rows}
    cancelled = _settle_rows(tx, rows, rules.CANCELLED, note=note)
    for row in cancelled:
        notify_direct(
            tx,
            workspace_of[row["id"]],
            row["creditor_id"],
            "cancelled",
            f"Reply no longer expected: {note}",
            expectation_id=row["id"],
        )
    return cancelled


def cancel_unreadable(tx: Tx, member_id: int) -> list[dict[str, Any]]:
    """The member's access just shrank (removed from a channel, made a guest,
    deactivated): what they owe on messages they can no longer read is cancelled."""
    query = select(expectations).where(
        expectations.c.debtor_id == member_id, expectations.c.state.in_(rules.UNSETTLED)
    )
    actor = actor_of(tx.conn, member_id)
    if actor is not None:
        query = query.where(~readable_message_id(actor, expectations.c.message_id))
    rows = tx.conn.execute(query).mappings().all()
    if not rows:
        return []
    return _cancel(tx, rows, rules.no_access_note(_debtor_name(tx, member_id)))


def cancel_in_channel(tx: Tx, channel_id: int, channel_name: str) -> list[dict[str, Any]]:
    """An archived channel takes no replies, so nothing owed there can be met."""
    rows = (
        tx.conn.execute(
            select(expectations).where(
                expectations.c.channel_id == channel_id,
                expectations.c.state.in_(rules.UNSETTLED),
            )
        )
        .mappings()
        .all()
    )
    return _cancel(tx, rows, rules.archived_note(channel_name))


def still_readable(tx: Tx, row: Mapping[str, Any]) -> bool:
    """Checked by the jobs when they fire: a debtor who lost access since is not
    nudged about the message; their expectation is cancelled instead."""
    if may_read_message(tx.conn, row["debtor_id"], row["message_id"]):
        return True
    cancel_unreadable(tx, row["debtor_id"])
    return False
