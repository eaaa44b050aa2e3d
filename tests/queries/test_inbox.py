"""The Inbox read from counters agrees exactly with counting messages one by one.

Random histories (sends by several members in topics and conversations, with
mentions, priorities and expiry; reads of a message, a topic, a channel or
everything; deletes; time passing so that messages expire; muted channels and
topics; leaving and joining channels, which raises read floors) are played on a
real database, and after every step each member's Inbox is compared with the
reference below: the query the Inbox ran before it had counters, which counts
every unread message.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.engine import Connection

from tests.actions.conftest import MONDAY, Crew, _build
from tests.support import database_url_for
from tidings.actions.channels import (
    create_channel,
    join_channel,
    remove_member,
    set_channel_muted,
)
from tidings.actions.conversations import open_conversation
from tidings.actions.messages import delete_message, send_to_conversation, send_to_topic
from tidings.actions.reads import (
    mark_all_read,
    mark_channel_read,
    mark_conversation_read,
    mark_message_read,
    mark_topic_read,
)
from tidings.actions.subscriptions import set_subscription
from tidings.actions.topics import create_topic
from tidings.clock import FrozenClock
from tidings.core.roles import Actor
from tidings.errors import TidingsError
from tidings.queries.channels import read_pointer
from tidings.queries.inbox import entry, first_unread, inbox
from tidings.store.database import Database
from tidings.store.models import (
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
from tidings.store.tx import Tx

# The reference: every unread message joined and counted.

_RANK = case((messages.c.priority == "urgent", 2), (messages.c.priority == "high", 1), else_=0)


def _counted_columns(me: int) -> tuple[list[Any], Any]:
    mention = mentions.alias("mn")
    columns = [
        func.count(messages.c.id).label("unread"),
        func.count(mention.c.member_id).label("mentions"),
        func.max(_RANK).label("priority"),
        func.min(messages.c.created_at).label("oldest_unread_at"),
        func.min(messages.c.id).label("first_unread_id"),
    ]
    return columns, mention


def _unread_of(pointer: Any, me: int, mention: Any) -> tuple[Any, Any]:
    on_message = and_(
        messages.c.id > pointer, messages.c.author_id != me, messages.c.deleted_at.is_(None)
    )
    return on_message, and_(mention.c.message_id == messages.c.id, mention.c.member_id == me)


def _reference_topics(conn: Connection, me: int) -> list[Any]:
    read, sub = topic_reads.alias("r"), topic_subscriptions.alias("s")
    pointer = read_pointer(read.c.last_read_id, channel_members.c.read_floor)
    columns, mention = _counted_columns(me)
    on_message, on_mention = _unread_of(pointer, me, mention)
    query = (
        select(
            topics.c.id,
            topics.c.title,
            channels.c.id.label("channel_id"),
            channels.c.name.label("channel_name"),
            *columns,
        )
        .select_from(
            topics.join(channels, channels.c.id == topics.c.channel_id)
            .join(
                channel_members,
                and_(
                    channel_members.c.channel_id == topics.c.channel_id,
                    channel_members.c.member_id == me,
                ),
            )
            .outerjoin(read, and_(read.c.topic_id == topics.c.id, read.c.member_id == me))
            .outerjoin(sub, and_(sub.c.topic_id == topics.c.id, sub.c.member_id == me))
            .join(messages, and_(messages.c.topic_id == topics.c.id, on_message))
            .outerjoin(mention, on_mention)
        )
        .where(topics.c.last_message_id > pointer, func.coalesce(sub.c.state, "none") != "muted")
        .group_by(
            topics.c.id, topics.c.title, channels.c.id, channels.c.name, channel_members.c.is_muted
        )
        .having(or_(channel_members.c.is_muted.is_(False), columns[1] > 0))
    )
    return list(conn.execute(query).mappings())


def _reference_conversations(conn: Connection, me: int) -> list[Any]:
    read = conversation_reads.alias("r")
    pointer = func.coalesce(read.c.last_read_id, 0)
    columns, mention = _counted_columns(me)
    on_message, on_mention = _unread_of(pointer, me, mention)
    query = (
        select(conversations.c.id, *columns)
        .select_from(
            conversations.join(
                conversation_members,
                and_(
                    conversation_members.c.conversation_id == conversations.c.id,
                    conversation_members.c.member_id == me,
                ),
            )
            .outerjoin(
                read, and_(read.c.conversation_id == conversations.c.id, read.c.member_id == me)
            )
            .join(messages, and_(messages.c.conversation_id == conversations.c.id, on_message))
            .outerjoin(mention, on_mention)
        )
        .where(conversations.c.last_message_id > pointer)
        .group_by(conversations.c.id)
    )
    return list(conn.execute(query).mappings())


def reference_inbox(conn: Connection, actor: Actor) -> dict[str, Any]:
    me = actor.member_id
    entries = [entry("topic", row, row["unread"]) for row in _reference_topics(conn, me)]
    entries += [entry("conversation", r, r["unread"]) for r in _reference_conversations(conn, me)]
    for e in entries:  # one message at a time, where the Inbox asks once for all
        row = conn.execute(select(messages).where(messages.c.id == e["first_unread_id"])).first()
        e["first_unread"] = None if row is None else first_unread(row)
    rank = {"urgent": 2, "high": 1, "normal": 0}
    entries.sort(key=lambda e: (e["mentions"] == 0, -rank[e["priority"]], e["first_unread_id"]))
    return {
        "items": entries,
        "total_unread": sum(e["unread"] for e in entries),
        "total_mentions": sum(e["mentions"] for e in entries),
    }


# Random histories.

PEOPLE = ("lena", "ana", "marcus", "joy")


class History:
    def __init__(self, crew: Crew, rng: random.Random) -> None:
        self.crew, self.rng = crew, rng
        self.channel_ids = [crew.channel("general")]
        self.message_ids: list[tuple[int, str]] = []
        self.conversation_ids: list[int] = []
        self.seen: dict[str, int] = {"mentions": 0, "priority": 0, "own_past_pointer": 0}

    def who(self) -> tuple[str, Actor]:
        name = self.rng.choice(PEOPLE)
        return name, self.crew.actors[name]

    def attempt(self, fn: Callable[[Tx], Any]) -> Any:
        try:
            return self.crew.do(fn)
        except TidingsError:
            return None

    def body(self, name: str) -> str:
        others = [p for p in PEOPLE if p != name]
        named = self.rng.sample(others, self.rng.choice([0, 0, 0, 1, 2]))
        return " ".join(["news", *(f"@{p}" for p in named)])

    def fields(self, name: str) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "body": self.body(name),
            "priority": self.rng.choices(["normal", "high", "urgent"], [8, 3, 1])[0],
        }
        roll = self.rng.random()
        if roll < 0.06:
            fields["expires_in_minutes"] = self.rng.choice([2, 30])
        elif roll < 0.12:
            fields["expire_after_read"] = True
        return fields

    def topic_ids(self, channel_id: int) -> list[int]:
        return list(
            self.crew.read(
                lambda c: c.execute(
                    select(topics.c.id).where(topics.c.channel_id == channel_id)
                ).scalars()
            )
        )

    def post_in_topic(self) -> None:
        name, actor = self.who()
        channel_id = self.rng.choice(self.channel_ids)
        existing = self.topic_ids(channel_id)
        fields = self.fields(name)
        if not existing or self.rng.random() < 0.15:
            title = f"topic {self.rng.randrange(10**6)}"
            made = self.attempt(
                lambda tx: create_topic(tx, actor, channel_id, title=title, **fields)
            )
            sent = made and made["first_message"]
        else:
            topic_id = self.rng.choice(existing)
            sent = self.attempt(lambda tx: send_to_topic(tx, actor, topic_id, **fields))
        if sent:
            self.message_ids.append((sent["id"], name))

    def post_in_conversation(self) -> None:
        name, actor = self.who()
        others = self.rng.sample([p for p in PEOPLE if p != name], self.rng.choice([1, 1, 2]))
        ids = [self.crew.actors[p].member_id for p in others]
        fields = self.fields(name)

        def send(tx: Tx) -> dict[str, Any]:
            conversation = open_conversation(tx, actor, ids)
            return send_to_conversation(tx, actor, conversation["id"], **fields)

        sent = self.attempt(send)
        if sent:
            self.message_ids.append((sent["id"], name))
            self.conversation_ids.append(sent["conversation_id"])

    def read_message(self) -> None:
        if self.message_ids:
            message_id, _ = self.rng.choice(self.message_ids)
            _, actor = self.who()
            self.attempt(lambda tx: mark_message_read(tx, actor, message_id))

    def read_place(self) -> None:
        _, actor = self.who()
        roll = self.rng.random()
        if roll < 0.5:
            topic_ids = self.topic_ids(self.rng.choice(self.channel_ids))
            if topic_ids:
                topic_id = self.rng.choice(topic_ids)
                self.attempt(lambda tx: mark_topic_read(tx, actor, topic_id))
        elif roll < 0.75 and self.conversation_ids:
            conversation_id = self.rng.choice(self.conversation_ids)
            self.attempt(lambda tx: mark_conversation_read(tx, actor, conversation_id))
        elif roll < 0.9:
            channel_id = self.rng.choice(self.channel_ids)
            self.attempt(lambda tx: mark_channel_read(tx, actor, channel_id))
        else:
            self.attempt(lambda tx: mark_all_read(tx, actor))

    def delete(self) -> None:
        if self.message_ids:
            message_id, author = self.rng.choice(self.message_ids)
            actor = self.crew.actors[author]
            self.attempt(lambda tx: delete_message(tx, actor, message_id))

    def pass_time(self) -> None:
        self.crew.travel(timedelta(minutes=self.rng.choice([1, 5, 40])))

    def mute(self) -> None:
        _, actor = self.who()
        if self.rng.random() < 0.5:
            channel_id, muted = self.rng.choice(self.channel_ids), self.rng.random() < 0.6
            self.attempt(lambda tx: set_channel_muted(tx, actor, channel_id, muted))
            return
        topic_ids = self.topic_ids(self.rng.choice(self.channel_ids))
        if topic_ids:
            topic_id = self.rng.choice(topic_ids)
            state = self.rng.choice(["muted", "none", "following"])
            self.attempt(lambda tx: set_subscription(tx, actor, topic_id, state))

    def leave_or_join(self) -> None:
        _, actor = self.who()
        channel_id = self.rng.choice(self.channel_ids)
        if self.rng.random() < 0.4:
            member_id = actor.member_id
            self.attempt(lambda tx: remove_member(tx, actor, channel_id, member_id))
        else:
            self.attempt(lambda tx: join_channel(tx, actor, channel_id))

    def step(self) -> None:
        moves = [
            (self.post_in_topic, 30),
            (self.post_in_conversation, 12),
            (self.read_message, 10),
            (self.read_place, 8),
            (self.delete, 5),
            (self.pass_time, 4),
            (self.mute, 4),
            (self.leave_or_join, 4),
        ]
        move = self.rng.choices([m for m, _ in moves], [w for _, w in moves])[0]
        move()

    def check(self) -> None:
        for name in PEOPLE:
            actor = self.crew.actors[name]
            expected = self.crew.read(lambda c, a=actor: reference_inbox(c, a))  # type: ignore[misc]
            got = self.crew.read(lambda c, a=actor: inbox(c, a))  # type: ignore[misc]
            assert got == expected, (name, len(self.message_ids))
            for item in got["items"]:
                self.seen["mentions"] += item["mentions"] > 0
                self.seen["priority"] += item["priority"] != "normal"


@pytest.fixture
def crew(database_kind: str, tmp_path: Path) -> Iterator[Crew]:
    clock = FrozenClock(MONDAY)
    with database_url_for(database_kind, tmp_path) as url:
        db = Database(url, clock=clock, synchronous="normal")
        db.migrate()
        try:
            yield _build(db, clock)
        finally:
            db.close()


def more_channels(crew: Crew) -> list[int]:
    ids = {name: crew.actors[name].member_id for name in PEOPLE}

    def make(tx: Tx) -> list[int]:
        design = create_channel(
            tx, crew.lena, name="design", member_ids=[ids["ana"], ids["marcus"]]
        )
        secret = create_channel(
            tx, crew.lena, name="secret", is_private=True, member_ids=[ids["joy"]]
        )
        return [design["id"], secret["id"]]

    return list(crew.do(make))


def _own_past_pointer(crew: Crew) -> int:
    """How many messages lie past their author's own read pointer (sent with unread
    messages of others before them), to show the histories reach that case."""
    read = topic_reads.alias("r")
    query = (
        select(func.count())
        .select_from(
            messages.outerjoin(
                read,
                and_(
                    read.c.topic_id == messages.c.topic_id, read.c.member_id == messages.c.author_id
                ),
            )
        )
        .where(
            messages.c.topic_id.is_not(None), messages.c.id > func.coalesce(read.c.last_read_id, 0)
        )
    )
    return int(crew.read(lambda c: c.execute(query).scalar_one()))


@pytest.mark.parametrize("seed", range(6))
def test_counted_inbox_matches_counting_every_message(crew: Crew, seed: int) -> None:
    history = History(crew, random.Random(seed))
    history.channel_ids += more_channels(crew)
    for _ in range(140):
        history.step()
        history.check()
    assert history.seen["mentions"] and history.seen["priority"]
    assert _own_past_pointer(crew) > 0
    gone = select(func.count(messages.c.deleted_at), func.count(messages.c.expired_at))
    deleted, expired = crew.read(lambda c: c.execute(gone).one())
    assert deleted and expired
