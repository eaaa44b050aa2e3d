"""Notifying members: every decision from ``core.notify`` is recorded with its reason;
"now" is delivered on the member's event stream at once, "hold" by a job at the
recipient's next reachable moment, "digest" waits for the digest. Urgent
notifications nobody saw are repeated once, then escalated to the channel's
responders."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select, update

from tidings import views
from tidings.actions.places import Place
from tidings.core.notify import (
    Decision,
    Event,
    Recipient,
    decide,
    decide_early,
    first_reachable,
    followers_may_be_notified,
)
from tidings.errors import InvalidInput, NotFound
from tidings.queries.availability import schedules_and_statuses
from tidings.store import jobs
from tidings.store.access import may_read_message
from tidings.store.models import (
    channel_members,
    channels,
    conversation_reads,
    members,
    messages,
    notifications,
    topic_reads,
    topic_subscriptions,
    topics,
)
from tidings.store.tx import MEMBERS, Tx

DELIVER = "notification.deliver"
URGENT_CHECK = "notification.urgent"
# How long an urgent notification may go unseen before it is repeated, then escalated.
URGENT_REPEAT = timedelta(minutes=15)
DM_URGENT_BUDGET = 3


class UrgentBudgetExceeded(InvalidInput):
    code = "urgent_budget_exceeded"
    title = "No urgent messages left for today"


def recipient(conn: Any, workspace_id: int, member_id: int) -> Recipient:
    return recipients(conn, workspace_id, [member_id])[member_id]


def recipients(conn: Any, workspace_id: int, member_ids: Iterable[int]) -> dict[int, Recipient]:
    """Everyone's schedule and status in three queries, not three per person."""
    found = schedules_and_statuses(conn, workspace_id, member_ids)
    return {
        member_id: Recipient(member_id, (t.name.split() or ["someone"])[0], t.schedule, t.status)
        for member_id, t in found.items()
    }


def _row(
    tx: Tx,
    workspace_id: int,
    member_id: int,
    kind: str,
    decision: Decision,
    *,
    message_id: int | None,
    expectation_id: int | None,
    priority: str,
    title: str,
) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "member_id": member_id,
        "kind": kind,
        "message_id": message_id,
        "expectation_id": expectation_id,
        "priority": priority,
        "title": title[:300],
        "action": decision.action,
        "code": decision.code,
        "reason": decision.reason[:300],
        "deliver_at": decision.until if decision.action == "hold" else None,
        "delivered_at": tx.now if decision.action == "now" else None,
        "seen_at": None,
        "repeats": 0,
        "created_at": tx.now,
    }


def _store(tx: Tx, workspace_id: int, rows: list[dict[str, Any]]) -> None:
    """Insert decided rows in one statement; deliver the "now" ones and schedule the
    rest. Digest decisions are never stored: the digest reads unread followed topics."""
    ids = (
        tx.conn.execute(
            notifications.insert().returning(notifications.c.id, sort_by_parameter_order=True), rows
        )
        .scalars()
        .all()
    )
    held = []
    for notification_id, row in zip(ids, rows, strict=True):
        row["id"] = notification_id
        if row["action"] == "now":
            _deliver(tx, row)
        else:
            held.append((row["deliver_at"], {"notification_id": notification_id}, _key(row)))
    jobs.enqueue_many(tx, DELIVER, held, workspace_id=workspace_id)


def record(
    tx: Tx,
    workspace_id: int,
    member_id: int,
    kind: str,
    decision: Decision,
    *,
    message_id: int | None = None,
    expectation_id: int | None = None,
    priority: str = "normal",
    title: str = "",
) -> dict[str, Any] | None:
    """Write one decision; deliver it now, or schedule its delivery."""
    if decision.action in ("none", "digest"):
        return None
    row = _row(
        tx,
        workspace_id,
        member_id,
        kind,
        decision,
        message_id=message_id,
        expectation_id=expectation_id,
        priority=priority,
        title=title,
    )
    _store(tx, workspace_id, [row])
    return views.notification(row)


def _schedule_delivery(tx: Tx, notification_id: int, workspace_id: int, at: datetime) -> None:
    jobs.enqueue(
        tx,
        DELIVER,
        at,
        {"notification_id": notification_id},
        workspace_id=workspace_id,
        dedupe_key=_key({"id": notification_id, "deliver_at": at}),
    )


def _deliver(tx: Tx, row: Mapping[str, Any]) -> None:
    shown = views.notification(row)
    tx.emit(
        row["workspace_id"], "notification", shown, audience=MEMBERS, member_ids=[row["member_id"]]
    )
    if row["priority"] == "urgent" and row["kind"] in ("message", "dm", "mention", "ask", "repeat"):
        jobs.enqueue(
            tx,
            URGENT_CHECK,
            tx.now + URGENT_REPEAT,
            {"notification_id": row["id"]},
            workspace_id=row["workspace_id"],
            dedupe_key=f"notification:{row['id']}:urgent:{row['repeats']}",
        )


def deliver_held(tx: Tx, notification_id: int) -> None:
    """The job at a held notification's time: deliver it if its member is reachable
    now; if not (they went into focus meanwhile), hold it again until they are."""
    row = (
        tx.conn.execute(select(notifications).where(notifications.c.id == notification_id))
        .mappings()
        .first()
    )
    if row is None or row["delivered_at"] is not None:
        return
    if row["deliver_at"] is not None and row["deliver_at"] > tx.now:
        return  # a job left from before the hold moved later: the newer job delivers
    if row["message_id"] is not None and not may_read_message(
        tx.conn, row["member_id"], row["message_id"]
    ):
        return  # access lost since it was held: it stays undelivered, and unlisted
    reachable = first_reachable(recipient(tx.conn, row["workspace_id"], row["member_id"]), tx.now)
    if reachable is not None and reachable > tx.now:
        tx.conn.execute(
            update(notifications)
            .where(notifications.c.id == notification_id)
            .values(deliver_at=reachable)
        )
        _schedule_delivery(tx, notification_id, row["workspace_id"], reachable)
        return
    tx.conn.execute(
        update(notifications)
        .where(notifications.c.id == notification_id)
        .values(delivered_at=tx.now)
    )
    _deliver(tx, {**row, "delivered_at": tx.now})


def move_held(tx: Tx, workspace_id: int, member_id: int) -> int:
    """The member's hours, zone, holidays, absences or status changed: each notification
    held for them moves to their new first reachable moment, with a new reason, or is
    delivered at once if they are reachable now. Returns how many changed.

    Jobs already queued for the old times stay: a delivery job does nothing before its
    notification's time, or once it is delivered (see ``deliver_held``)."""
    rows = (
        tx.conn.execute(
            select(notifications).where(
                notifications.c.member_id == member_id,
                notifications.c.action == "hold",
                notifications.c.delivered_at.is_(None),
            )
        )
        .mappings()
        .all()
    )
    if not rows:
        return 0
    # Held notifications are never urgent ones that may bypass: re-decide as a plain one.
    event = Event(author_id=0, priority="normal", kind="reminder")
    decision = decide(recipient(tx.conn, workspace_id, member_id), event, tx.now)
    moved = 0
    for row in rows:
        if decision.action == "now":
            _release(tx, row)
        elif decision.until is not None and decision.until != row["deliver_at"]:
            _rehold(tx, row, decision, decision.until)
        else:
            continue  # the same time, or no working time ahead: it keeps its time
        moved += 1
    return moved


def _release(tx: Tx, row: Mapping[Any, Any]) -> None:
    tx.conn.execute(
        update(notifications).where(notifications.c.id == row["id"]).values(delivered_at=tx.now)
    )
    _deliver(tx, {**row, "delivered_at": tx.now})


def _rehold(tx: Tx, row: Mapping[Any, Any], decision: Decision, until: datetime) -> None:
    tx.conn.execute(
        update(notifications)
        .where(notifications.c.id == row["id"])
        .values(deliver_at=until, code=decision.code, reason=decision.reason[:300])
    )
    _schedule_delivery(tx, row["id"], row["workspace_id"], until)


# --- messages ---------------------------------------------------------------------------


def check_urgent_budget(tx: Tx, author_id: int, place: Place, zone: str) -> bool:
    """Whether urgent may bypass hours here: it must be allowed (DMs always allow it),
    and the author must have budget left today (their local day). Over budget is
    refused with a clear error."""
    if place.channel is not None:
        if not place.channel.allow_urgent:
            return False
        budget = place.channel.urgent_budget
    else:
        budget = DM_URGENT_BUDGET
    tz = ZoneInfo(zone)
    midnight = tx.now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    query = select(func.count()).where(
        messages.c.author_id == author_id,
        messages.c.priority == "urgent",
        messages.c.created_at >= midnight,
        messages.c.deleted_at.is_(None),
    )
    if place.channel is not None:
        query = query.where(messages.c.channel_id == place.channel.id)
    else:
        query = query.where(messages.c.conversation_id.is_not(None))
    if tx.conn.execute(query).scalar_one() >= budget:
        where = f"#{_channel_name(tx, place.channel.id)}" if place.channel else "direct messages"
        raise UrgentBudgetExceeded(
            f"You have sent {budget} urgent messages in {where} today, the most allowed; "
            "send it as high priority, or wait until tomorrow",
            field="priority",
        )
    return True


def _channel_name(tx: Tx, channel_id: int) -> str:
    return str(
        tx.conn.execute(select(channels.c.name).where(channels.c.id == channel_id)).scalar_one()
    )


# Built once: every message in a channel reads them.
_SUBSCRIPTIONS = select(topic_subscriptions.c.member_id, topic_subscriptions.c.state).where(
    topic_subscriptions.c.topic_id == bindparam("topic_id")
)
_MUTED = select(channel_members.c.member_id).where(
    channel_members.c.channel_id == bindparam("channel_id"),
    channel_members.c.is_muted.is_(True),
)


def notify_message(
    tx: Tx,
    place: Place,
    message: Mapping[str, Any],
    mentioned: Iterable[int],
    asked: Iterable[int],
    urgent_allowed: bool,
    title: str | None = None,
) -> int:
    """Decide and record a notification for everyone a new message may concern."""
    author = message["author_id"]
    mentioned, asked = set(mentioned), set(asked)
    states: dict[int, str] = {}
    muted: set[int] = set()
    if place.channel is None:
        candidates = set(place.participant_ids)
    else:
        candidates = mentioned | asked
        if followers_may_be_notified(message["priority"]):
            states = dict(tx.conn.execute(_SUBSCRIPTIONS, {"topic_id": place.topic_id}).all())
            # A follower who has lost access since (left, removed) hears nothing more.
            following = {m for m, state in states.items() if state == "following"}
            candidates |= place.readers_among(tx, following)
            # Mutes only quiet messages that are not addressed to the member.
            muted = set(tx.conn.execute(_MUTED, {"channel_id": place.channel.id}).scalars())
    events = {
        member_id: Event(
            author_id=author,
            priority=message["priority"],
            is_dm=place.channel is None,
            mentions_recipient=member_id in mentioned,
            asks_recipient=member_id in asked,
            subscription=states.get(member_id, "none"),
            channel_muted=member_id in muted,
            urgent_allowed=urgent_allowed,
        )
        for member_id in sorted(candidates - {author})
    }
    # Most of a big channel's followers get the digest (it reads their unread followed
    # topics, so nothing is stored for them): only the rest need schedules and a row.
    timed = [m for m, event in events.items() if decide_early(m, "", event) is None]
    if not timed:
        return 0
    people = recipients(tx.conn, place.workspace_id, timed)
    heading = title or place_title(tx, place)
    decisions = [(m, events[m], decide(people[m], events[m], tx.now)) for m in timed]
    return record_many(tx, place.workspace_id, message, heading, decisions)


def record_many(
    tx: Tx,
    workspace_id: int,
    message: Mapping[str, Any],
    title: str,
    decisions: list[tuple[int, Event, Decision]],
) -> int:
    """``record`` for many members of one message at once."""
    rows = [
        _row(
            tx,
            workspace_id,
            member_id,
            _kind(event),
            decision,
            message_id=message["id"],
            expectation_id=None,
            priority=message["priority"],
            title=title,
        )
        for member_id, event, decision in decisions
        if decision.action not in ("none", "digest")
    ]
    if rows:
        _store(tx, workspace_id, rows)
    return len(rows)


def _key(row: Mapping[str, Any]) -> str:
    return f"notification:{row['id']}:deliver:{row['deliver_at'].isoformat()}"


def place_title(tx: Tx, place: Place) -> str:
    if place.topic_id is None:
        return "Direct message"
    return str(
        tx.conn.execute(select(topics.c.title).where(topics.c.id == place.topic_id)).scalar_one()
    )


def _kind(event: Event) -> str:
    if event.asks_recipient:
        return "ask"
    if event.mentions_recipient:
        return "mention"
    return "dm" if event.is_dm else "message"


def notify_direct(
    tx: Tx,
    workspace_id: int,
    member_id: int,
    kind: str,
    title: str,
    *,
    expectation_id: int | None = None,
    message_id: int | None = None,
    priority: str = "normal",
    urgent_allowed: bool = False,
) -> dict[str, Any] | None:
    """A notification about something the member asked to hear of (a nudge, a breach,
    an escalation), through the same policy."""
    event = Event(
        author_id=0,
        priority=priority,
        urgent_allowed=urgent_allowed,
        kind="escalation" if kind == "escalation" else "reminder",
    )
    decision = decide(recipient(tx.conn, workspace_id, member_id), event, tx.now)
    return record(
        tx,
        workspace_id,
        member_id,
        kind,
        decision,
        expectation_id=expectation_id,
        message_id=message_id,
        priority=priority,
        title=title,
    )


# --- urgent: repeat once, then escalate ---------------------------------------------------


def _seen(tx: Tx, row: Any) -> bool:
    if row["seen_at"] is not None or row["message_id"] is None:
        return row["seen_at"] is not None
    message = tx.conn.execute(
        select(messages.c.topic_id, messages.c.conversation_id).where(
            messages.c.id == row["message_id"]
        )
    ).first()
    if message is None:
        return True
    if message.topic_id is not None:
        pointer = select(topic_reads.c.last_read_id).where(
            topic_reads.c.topic_id == message.topic_id, topic_reads.c.member_id == row["member_id"]
        )
    else:
        pointer = select(conversation_reads.c.last_read_id).where(
            conversation_reads.c.conversation_id == message.conversation_id,
            conversation_reads.c.member_id == row["member_id"],
        )
    last = tx.conn.execute(pointer).scalar()
    return last is not None and last >= row["message_id"]


def check_urgent(tx: Tx, notification_id: int, escalate_to: Iterable[int]) -> str:
    """Unseen after ``URGENT_REPEAT``: repeat once; unseen again: tell the responders."""
    row = (
        tx.conn.execute(select(notifications).where(notifications.c.id == notification_id))
        .mappings()
        .first()
    )
    if row is None or _seen(tx, row):
        return "seen"
    if row["message_id"] is not None and not may_read_message(
        tx.conn, row["member_id"], row["message_id"]
    ):
        return "no_access"
    if row["repeats"] == 0:
        tx.conn.execute(
            update(notifications).where(notifications.c.id == notification_id).values(repeats=1)
        )
        again = {
            **row,
            "repeats": 1,
            "kind": "repeat",
            "reason": "repeated: urgent and not seen yet",
        }
        tx.conn.execute(
            update(notifications).where(notifications.c.id == notification_id).values(kind="repeat")
        )
        _deliver(tx, {**again, "id": notification_id})
        return "repeated"
    name = tx.conn.execute(
        select(members.c.display_name).where(members.c.id == row["member_id"])
    ).scalar_one()
    for responder in sorted(set(escalate_to) - {row["member_id"]}):
        notify_direct(
            tx,
            row["workspace_id"],
            responder,
            "escalation",
            f"Urgent and unseen by {name}: {row['title']}",
            message_id=row["message_id"],
            priority="urgent",
            urgent_allowed=True,
        )
    return "escalated"


def mark_seen(tx: Tx, member_id: int, notification_id: int) -> dict[str, Any]:
    row = (
        tx.conn.execute(
            select(notifications).where(
                notifications.c.id == notification_id, notifications.c.member_id == member_id
            )
        )
        .mappings()
        .first()
    )
    if row is None or (
        row["message_id"] is not None
        and not may_read_message(tx.conn, member_id, row["message_id"])
    ):
        raise NotFound("No such notification")
    if row["seen_at"] is None:
        tx.conn.execute(
            update(notifications)
            .where(notifications.c.id == notification_id)
            .values(seen_at=tx.now)
        )
    return views.notification({**row, "seen_at": row["seen_at"] or tx.now})
