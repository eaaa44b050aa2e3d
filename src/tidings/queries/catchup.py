"""Catch-up: what a member missed since a moment, most pressing first.

Ranked in sections: replies owed (soonest due first), asks and urgent messages
to the member, mentions, then the busiest followed topics condensed to a few
lines each. Every section reads from ``since`` forward, so the cost grows with
what happened meanwhile, not with history.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from tidings import views
from tidings.core.roles import Actor
from tidings.queries.catchup_clips import new_clips
from tidings.queries.expectations import list_expectations
from tidings.queries.paging import MAX_LIMIT
from tidings.store.access import readable_message, readable_topic
from tidings.store.models import (
    channels,
    conversation_members,
    expectations,
    member_activity,
    members,
    mentions,
    messages,
    reactions,
    topic_subscriptions,
    topics,
)

EXCERPT = 200
SECTION_LIMIT = 20
TOPIC_LIMIT = 10
DECISION_WORDS = ("decided", "decision:", "we will go with", "agreed")
CHECK_MARKS = frozenset({"✅", "white_check_mark", "heavy_check_mark", "✔️", "✔"})
# A check mark from this many people marks a message as settled.
CHECKS_FOR_DECISION = 2
# With no earlier visit to start from, a first catch-up looks back a day.
FIRST_VISIT_LOOKBACK = timedelta(days=1)


def last_visit(conn: Connection, member_id: int) -> datetime | None:
    """When the member's previous visit ended; None during their first."""
    return conn.execute(
        select(member_activity.c.away_since).where(member_activity.c.member_id == member_id)
    ).scalar()


def default_since(conn: Connection, member_id: int, now: datetime) -> datetime:
    return last_visit(conn, member_id) or now - FIRST_VISIT_LOOKBACK


def away_for(conn: Connection, member_id: int) -> timedelta | None:
    """How long the member was away before this visit began."""
    row = conn.execute(
        select(member_activity.c.away_since, member_activity.c.visit_started_at).where(
            member_activity.c.member_id == member_id
        )
    ).first()
    if row is None or row.away_since is None:
        return None
    return row.visit_started_at - row.away_since


def _excerpt(body: str) -> str:
    text = " ".join(body.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _message(row: Any, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "author_id": row.author_id,
        "author_name": names.get(row.author_id, "someone"),
        "topic_id": row.topic_id,
        "conversation_id": row.conversation_id,
        "priority": row.priority,
        "created_at": views.iso(row.created_at),
        "excerpt": _excerpt(row.body),
    }


def _names(conn: Connection, actor: Actor) -> dict[int, str]:
    rows = conn.execute(
        select(members.c.id, members.c.display_name).where(
            members.c.workspace_id == actor.workspace_id
        )
    )
    return {row.id: row.display_name for row in rows}


def _fresh(actor: Actor, since: datetime) -> Any:
    return and_(
        messages.c.workspace_id == actor.workspace_id,
        messages.c.created_at > since,
        messages.c.author_id != actor.member_id,
        messages.c.deleted_at.is_(None),
        readable_message(actor),
    )


def _asks(conn: Connection, actor: Actor, since: datetime, names: dict[int, str]) -> list[Any]:
    rows = conn.execute(
        select(messages, expectations.c.id.label("expectation_id"), expectations.c.due_at)
        .join(expectations, expectations.c.message_id == messages.c.id)
        .where(
            expectations.c.debtor_id == actor.member_id,
            expectations.c.kind == "ask",
            _fresh(actor, since),
        )
        .order_by(messages.c.id)
        .limit(SECTION_LIMIT)
    ).all()
    return [
        {
            **_message(row, names),
            "expectation_id": row.expectation_id,
            "due_at": views.iso(row.due_at),
        }
        for row in rows
    ]


def _urgent(conn: Connection, actor: Actor, since: datetime, names: dict[int, str]) -> list[Any]:
    """Urgent messages in the member's DMs or mentioning them."""
    mine = select(conversation_members.c.conversation_id).where(
        conversation_members.c.member_id == actor.member_id
    )
    mentioned = select(mentions.c.message_id).where(mentions.c.member_id == actor.member_id)
    rows = conn.execute(
        select(messages)
        .where(
            messages.c.priority == "urgent",
            _fresh(actor, since),
            or_(messages.c.conversation_id.in_(mine), messages.c.id.in_(mentioned)),
        )
        .order_by(messages.c.id)
        .limit(SECTION_LIMIT)
    ).all()
    return [_message(row, names) for row in rows]


def _mentions(conn: Connection, actor: Actor, since: datetime, names: dict[int, str]) -> list[Any]:
    rows = conn.execute(
        select(messages)
        .join(
            mentions,
            and_(mentions.c.message_id == messages.c.id, mentions.c.member_id == actor.member_id),
        )
        .where(_fresh(actor, since))
        .order_by(messages.c.id)
        .limit(SECTION_LIMIT)
    ).all()
    return [_message(row, names) for row in rows]


def _busiest(conn: Connection, actor: Actor, since: datetime) -> list[Any]:
    count = func.count(messages.c.id).label("count")
    return conn.execute(
        select(
            topics.c.id,
            topics.c.title,
            topics.c.channel_id,
            channels.c.name.label("channel_name"),
            count,
        )
        .join(channels, channels.c.id == topics.c.channel_id)
        .join(
            topic_subscriptions,
            and_(
                topic_subscriptions.c.topic_id == topics.c.id,
                topic_subscriptions.c.member_id == actor.member_id,
                topic_subscriptions.c.state == "following",
            ),
        )
        .join(messages, messages.c.topic_id == topics.c.id)
        .where(
            topics.c.last_message_at > since,
            readable_topic(actor, topics.c.channel_id),
            messages.c.created_at > since,
            messages.c.author_id != actor.member_id,
            messages.c.deleted_at.is_(None),
        )
        .group_by(topics.c.id, topics.c.title, topics.c.channel_id, channels.c.name)
        .order_by(count.desc(), topics.c.id)
        .limit(TOPIC_LIMIT)
    ).all()


def is_decision(body: str, checks: int) -> bool:
    """A message settles something if it says so, or several people ticked it."""
    lowered = body.lower()
    return checks >= CHECKS_FOR_DECISION or any(word in lowered for word in DECISION_WORDS)


def _condensed(
    conn: Connection, topic: Any, since: datetime, names: dict[int, str]
) -> dict[str, Any]:
    rows = conn.execute(
        select(messages)
        .where(
            messages.c.topic_id == topic.id,
            messages.c.created_at > since,
            messages.c.deleted_at.is_(None),
        )
        .order_by(messages.c.id)
    ).all()
    ids = [row.id for row in rows]
    reacted: Counter[int] = Counter()
    ticked: dict[int, set[int]] = {}
    for message_id, member_id, emoji in conn.execute(
        select(reactions.c.message_id, reactions.c.member_id, reactions.c.emoji).where(
            reactions.c.message_id.in_(ids)
        )
    ):
        reacted[message_id] += 1
        if emoji in CHECK_MARKS:
            ticked.setdefault(message_id, set()).add(member_id)
    most = max(rows, key=lambda row: (reacted[row.id], -row.id)) if reacted else None
    decisions = [
        _message(row, names) for row in rows if is_decision(row.body, len(ticked.get(row.id, ())))
    ]
    participants = sorted({row.author_id for row in rows}, key=lambda m: names.get(m, ""))
    return {
        "topic_id": topic.id,
        "title": topic.title,
        "channel_id": topic.channel_id,
        "channel_name": topic.channel_name,
        "message_count": topic.count,
        "participants": [{"id": m, "display_name": names.get(m, "someone")} for m in participants],
        "most_reacted": (
            {**_message(most, names), "reactions": reacted[most.id]} if most is not None else None
        ),
        "latest": _message(rows[-1], names),
        "decisions": decisions,
    }


def catchup(conn: Connection, actor: Actor, since: datetime, now: datetime) -> dict[str, Any]:
    """What the member missed between ``since`` and ``now``, ranked."""
    names = _names(conn, actor)
    owed = list_expectations(conn, actor, "debtor", limit=MAX_LIMIT)["items"]
    asks = _asks(conn, actor, since, names)
    urgent = _urgent(conn, actor, since, names)
    mentioned = _mentions(conn, actor, since, names)
    busy = [_condensed(conn, topic, since, names) for topic in _busiest(conn, actor, since)]
    clips = new_clips(conn, actor, since, names)
    return {
        "since": views.iso(since),
        "until": views.iso(now),
        "owed": owed,
        "asks": asks,
        "urgent": urgent,
        "mentions": mentioned,
        "topics": busy,
        "clips": clips,
        "counts": {
            "owed": len(owed),
            "asks": len(asks),
            "urgent": len(urgent),
            "mentions": len(mentioned),
            "topics": len(busy),
            "clips": len(clips),
        },
    }


def is_empty(found: dict[str, Any]) -> bool:
    return not any(found["counts"].values())
