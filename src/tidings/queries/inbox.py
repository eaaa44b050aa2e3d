"""The Inbox: unread topics and conversations, mentions first, then priority, then age.

Unread counts are read from counters, not counted over messages. Every message has a
position in its topic or conversation (``messages.seq``) and the place keeps its
count, so what lies past a read pointer is the count less the position at the
pointer: one index step. From that go the reader's own messages past the pointer and
the deleted ones of others, each found in an index range only as long as they are
(sending is not reading, so one's own messages may lie past the pointer). Priority
comes the same way from the few high and urgent messages, mentions from the reader's
mention rows. Nothing counts through what is merely unread, so cost grows with the
places that have something unread, not with how much is unread in them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, bindparam, case, false, func, select
from sqlalchemy.engine import Connection

from tidings import views
from tidings.core.markdown import plain_text
from tidings.core.roles import Actor
from tidings.queries.channels import read_pointer
from tidings.store.models import (
    MARKED,
    channel_members,
    channels,
    conversation_members,
    conversation_reads,
    conversations,
    mentions,
    messages,
    topic_reads,
    topic_subscriptions,
    topics,
)

PRIORITY_RANK = case(
    (messages.c.priority == "urgent", 2), (messages.c.priority == "high", 1), else_=0
)
PRIORITY_NAME = {0: "normal", 1: "high", 2: "urgent"}
ME = bindparam("me")


def _topic_candidates() -> Subquery:
    """Topics with a message past the member's pointer, in channels they belong to,
    unless they muted the topic."""
    read = topic_reads.alias("r")
    sub = topic_subscriptions.alias("s")
    pointer = read_pointer(read.c.last_read_id, channel_members.c.read_floor)
    return (
        select(
            topics.c.id,
            topics.c.title,
            channels.c.id.label("channel_id"),
            channels.c.name.label("channel_name"),
            channel_members.c.is_muted,
            topics.c.message_count.label("count"),
            pointer.label("pointer"),
        )
        .select_from(
            topics.join(channels, channels.c.id == topics.c.channel_id)
            .join(
                channel_members,
                and_(
                    channel_members.c.channel_id == topics.c.channel_id,
                    channel_members.c.member_id == ME,
                ),
            )
            .outerjoin(read, and_(read.c.topic_id == topics.c.id, read.c.member_id == ME))
            .outerjoin(sub, and_(sub.c.topic_id == topics.c.id, sub.c.member_id == ME))
        )
        .where(
            topics.c.last_message_id > pointer,
            func.coalesce(sub.c.state, "none") != "muted",
        )
        .subquery("candidates")
    )


def _conversation_candidates() -> Subquery:
    read = conversation_reads.alias("r")
    pointer = func.coalesce(read.c.last_read_id, 0)
    return (
        select(
            conversations.c.id,
            false().label("is_muted"),
            conversations.c.message_count.label("count"),
            pointer.label("pointer"),
        )
        .select_from(
            conversations.join(
                conversation_members,
                and_(
                    conversation_members.c.conversation_id == conversations.c.id,
                    conversation_members.c.member_id == ME,
                ),
            ).outerjoin(
                read,
                and_(
                    read.c.conversation_id == conversations.c.id,
                    read.c.member_id == ME,
                ),
            )
        )
        .where(conversations.c.last_message_id > pointer)
        .subquery("candidates")
    )


def _located(place: Subquery, in_place: ColumnElement[Any]) -> Subquery:
    """The candidates with the first message past the pointer (an index step)."""
    after = (
        select(messages.c.id)
        .where(in_place == place.c.id, messages.c.id > place.c.pointer)
        .order_by(messages.c.id)
        .limit(1)
        .scalar_subquery()
    )
    return select(place, after.label("after_id")).subquery("located")


def _past_pointer(
    located: Subquery, in_place: ColumnElement[Any], mention_place: ColumnElement[Any]
) -> list[Any]:
    """What to take off the count, and what to look at, past the pointer: each an index
    range as long as what it finds (own, deleted, high or urgent, mentioning me)."""
    past = and_(in_place == located.c.id, messages.c.id > located.c.pointer)
    theirs = and_(past, messages.c.author_id != ME, messages.c.deleted_at.is_(None))
    own = select(func.count()).where(past, messages.c.author_id == ME)
    deleted = select(func.count()).where(
        past, MARKED, messages.c.deleted_at.is_not(None), messages.c.author_id != ME
    )
    priority = select(func.max(PRIORITY_RANK)).where(
        theirs, MARKED, messages.c.priority != "normal"
    )
    mentioned = (
        select(func.count())
        .select_from(mentions.join(messages, messages.c.id == mentions.c.message_id))
        .where(
            mentions.c.member_id == ME,
            mention_place == located.c.id,
            mentions.c.message_id > located.c.pointer,
            messages.c.author_id != ME,
            messages.c.deleted_at.is_(None),
        )
    )
    next_theirs = select(messages.c.id).where(theirs).order_by(messages.c.id).limit(1)
    return [
        own.scalar_subquery().label("own"),
        deleted.scalar_subquery().label("deleted"),
        priority.scalar_subquery().label("priority"),
        mentioned.scalar_subquery().label("mentions"),
        next_theirs.scalar_subquery(),
    ]


def _counted(
    place: Subquery, in_place: ColumnElement[Any], mention_place: ColumnElement[Any]
) -> Any:
    """Per candidate place: its count, the position at the pointer, what to take off,
    and the first unread message.

    Positions in a place run 1, 2, 3… without gaps, so the position at the pointer is
    one less than that of the first message past it; that message is most often the
    first unread one too, and only when it is not (the reader's own, or deleted) does
    the search for the first unread go on."""
    located = _located(place, in_place)
    first = messages.alias("first_past")
    *subtracted, next_theirs = _past_pointer(located, in_place, mention_place)
    first_is_theirs = and_(first.c.author_id != ME, first.c.deleted_at.is_(None))
    counted = (
        select(
            located,
            (first.c.seq - 1).label("position"),
            *subtracted,
            case((first_is_theirs, first.c.id), else_=next_theirs).label("first_unread_id"),
        )
        .select_from(located.join(first, first.c.id == located.c.after_id))
        .subquery("counted")
    )
    oldest = messages.alias("oldest")
    return select(counted, oldest.c.created_at.label("oldest_unread_at")).select_from(
        counted.outerjoin(oldest, oldest.c.id == counted.c.first_unread_id)
    )


def _unread_rows(conn: Connection, query: Any, me: dict[str, int]) -> list[Any]:
    found = []
    for row in conn.execute(query, me).mappings():
        unread = row["count"] - row["position"] - row["own"] - row["deleted"]
        # A muted channel stays out unless the member is mentioned in it.
        if unread > 0 and (not row["is_muted"] or row["mentions"] > 0):
            found.append((row, unread))
    return found


# Built once: the member is a parameter.
_TOPICS = _counted(_topic_candidates(), messages.c.topic_id, mentions.c.topic_id)
_CONVERSATIONS = _counted(
    _conversation_candidates(), messages.c.conversation_id, mentions.c.conversation_id
)


def entry(kind: str, row: Any, unread: int) -> dict[str, Any]:
    """One Inbox row as the API shows it, from a row of place facts and counts."""
    shown = {
        "kind": kind,
        "unread": unread,
        "mentions": row["mentions"],
        "priority": PRIORITY_NAME[row["priority"] or 0],
        "oldest_unread_at": views.iso(row["oldest_unread_at"]),
        "first_unread_id": row["first_unread_id"],
    }
    if kind == "topic":
        shown.update(
            topic_id=row["id"],
            title=row["title"],
            channel_id=row["channel_id"],
            channel_name=row["channel_name"],
        )
    else:
        shown["conversation_id"] = row["id"]
    return shown


SNIPPET_CHARS = 140

_FIRST_UNREAD = select(
    messages.c.id,
    messages.c.author_id,
    messages.c.body,
    messages.c.deleted_at,
    messages.c.expired_at,
).where(messages.c.id.in_(bindparam("ids", expanding=True)))


def first_unread(row: Any) -> dict[str, Any]:
    """Who wrote the first unread message of a place and a line of it in plain text
    (Markdown rendered to words, never shown raw); no words of one that is gone."""
    gone = row.deleted_at is not None or row.expired_at is not None
    return {
        "id": row.id,
        "author_id": row.author_id,
        "snippet": "" if gone else snippet(plain_text(row.body)),
    }


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,.;:") + "…"


def _with_first_unread(conn: Connection, entries: list[dict[str, Any]]) -> None:
    ids = [e["first_unread_id"] for e in entries]
    found = {row.id: first_unread(row) for row in conn.execute(_FIRST_UNREAD, {"ids": ids})}
    for e in entries:
        e["first_unread"] = found.get(e["first_unread_id"])


def inbox(conn: Connection, actor: Actor) -> dict[str, Any]:
    me = {"me": actor.member_id}
    entries = [entry("topic", row, n) for row, n in _unread_rows(conn, _TOPICS, me)]
    entries += [entry("conversation", r, n) for r, n in _unread_rows(conn, _CONVERSATIONS, me)]
    if entries:
        _with_first_unread(conn, entries)
    rank = {"urgent": 2, "high": 1, "normal": 0}
    # Message ids grow with time, so the first unread id orders by age exactly.
    entries.sort(key=lambda e: (e["mentions"] == 0, -rank[e["priority"]], e["first_unread_id"]))
    return {
        "items": entries,
        "total_unread": sum(e["unread"] for e in entries),
        "total_mentions": sum(e["mentions"] for e in entries),
    }
