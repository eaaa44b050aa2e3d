"""Where a message lives: a topic in a channel, or a conversation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, or_, select

from tidings.core.notify import FOLLOWING
from tidings.core.permissions import ChannelFacts, require_post, require_read_channel
from tidings.core.roles import Actor, Role
from tidings.errors import NotFound
from tidings.store.lookups import conversation_member_ids, topic_and_channel
from tidings.store.models import channel_members, members, topic_subscriptions
from tidings.store.tx import CHANNEL, MEMBERS, Tx


def followers_outside_query(topic_id: Any, channel_id: Any) -> Any:
    """Active non-guests who follow the topic without being in its channel."""
    return (
        select(topic_subscriptions.c.member_id)
        .join(members, members.c.id == topic_subscriptions.c.member_id)
        .where(
            topic_subscriptions.c.topic_id == topic_id,
            topic_subscriptions.c.state == FOLLOWING,
            members.c.is_active.is_(True),
            members.c.role != Role.GUEST.value,
            ~select(channel_members.c.member_id)
            .where(
                channel_members.c.channel_id == channel_id,
                channel_members.c.member_id == topic_subscriptions.c.member_id,
            )
            .exists(),
        )
    )


# Built once: it runs on every message in a public channel.
_FOLLOWERS_OUTSIDE = followers_outside_query(bindparam("topic_id"), bindparam("channel_id"))


@dataclass(frozen=True)
class Place:
    workspace_id: int
    channel: ChannelFacts | None = None
    topic_id: int | None = None
    conversation_id: int | None = None
    participant_ids: tuple[int, ...] = ()

    @property
    def columns(self) -> dict[str, Any]:
        return {
            "channel_id": self.channel.id if self.channel else None,
            "topic_id": self.topic_id,
            "conversation_id": self.conversation_id,
        }

    def emit(
        self,
        tx: Tx,
        type_: str,
        payload: dict[str, Any],
        *,
        followers_outside: tuple[int, ...] | None = None,
    ) -> None:
        """Queue the event for those who may see it here. ``followers_outside``, when
        the caller already knows them (sending does), spares the lookup."""
        if self.channel is not None:
            if followers_outside is None:
                followers_outside = self._followers_outside(tx)
            tx.emit(
                self.workspace_id,
                type_,
                payload,
                audience=CHANNEL,
                channel_id=self.channel.id,
                member_ids=followers_outside if not self.channel.is_private else (),
            )
        else:
            tx.emit(
                self.workspace_id,
                type_,
                payload,
                audience=MEMBERS,
                member_ids=self.participant_ids,
            )

    def _followers_outside(self, tx: Tx) -> tuple[int, ...]:
        """Who follows this topic of a public channel without being in the channel (a
        mention made them follow): its live events go to its members, to those viewing
        it, and to them. Usually nobody, found by one indexed query."""
        if self.channel is None or self.channel.is_private or self.topic_id is None:
            return ()
        rows = tx.conn.execute(
            _FOLLOWERS_OUTSIDE, {"topic_id": self.topic_id, "channel_id": self.channel.id}
        ).scalars()
        return tuple(sorted(rows))

    def readers_among(self, tx: Tx, candidates: Iterable[int]) -> set[int]:
        """Those of ``candidates`` who may read this place."""
        wanted = set(candidates)
        if not wanted:
            return set()
        if self.channel is None:
            return wanted & set(self.participant_ids)
        in_channel = select(channel_members.c.member_id).where(
            channel_members.c.channel_id == self.channel.id
        )
        query = select(members.c.id).where(
            members.c.id.in_(wanted),
            members.c.workspace_id == self.workspace_id,
            members.c.is_active.is_(True),
        )
        if self.channel.is_private:
            query = query.where(members.c.id.in_(in_channel))
        else:
            query = query.where(
                or_(members.c.role != Role.GUEST.value, members.c.id.in_(in_channel))
            )
        return set(tx.conn.execute(query).scalars())


def topic_place(tx: Tx, actor: Actor, topic_id: int, *, posting: bool) -> tuple[Place, Any]:
    topic, facts = topic_and_channel(tx.conn, actor, topic_id)
    try:
        (require_post if posting else require_read_channel)(actor, facts)
    except NotFound:
        raise NotFound("No such topic") from None
    return Place(actor.workspace_id, channel=facts, topic_id=topic_id), topic


def conversation_place(tx: Tx, actor: Actor, conversation_id: int) -> Place:
    participants = conversation_member_ids(tx.conn, conversation_id)
    if actor.member_id not in participants:
        raise NotFound("No such conversation")
    return Place(
        actor.workspace_id,
        conversation_id=conversation_id,
        participant_ids=tuple(sorted(participants)),
    )


def place_of_message(tx: Tx, actor: Actor, row: Any, *, posting: bool = False) -> Place:
    """Where the message lives; a message the actor may not read is simply not found,
    worded like one that does not exist, so probing ids reveals nothing."""
    try:
        if row["conversation_id"] is not None:
            return conversation_place(tx, actor, row["conversation_id"])
        return topic_place(tx, actor, row["topic_id"], posting=posting)[0]
    except NotFound:
        raise NotFound("No such message") from None
