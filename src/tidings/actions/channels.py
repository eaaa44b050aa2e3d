"""Channels: create, update, membership, archive."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select, update

from tidings import views
from tidings.actions.expectations import cancel_in_channel, cancel_unreadable
from tidings.core import names
from tidings.core.expectations import check_response_minutes
from tidings.core.permissions import (
    ChannelFacts,
    ChannelKind,
    require_add_members,
    require_create_channel,
    require_join,
    require_manage_channel,
    require_read_channel,
    require_remove_member,
)
from tidings.core.roles import Actor
from tidings.errors import AlreadyExists, Forbidden, InvalidInput, NotFound
from tidings.store.lookups import active_member_ids, channel_facts
from tidings.store.models import (
    channel_members,
    channel_responders,
    channels,
    messages,
    user_groups,
)
from tidings.store.tx import CHANNEL, MEMBERS, STAFF, Tx
from tidings.store.upsert import insert_ignore


def _channel_view(tx: Tx, channel_id: int) -> dict[str, Any]:
    row = tx.conn.execute(select(channels).where(channels.c.id == channel_id)).mappings().one()
    return views.channel(row)


def _announce(tx: Tx, facts: ChannelFacts, type_: str, payload: dict[str, Any]) -> None:
    tx.emit(facts.workspace_id, type_, payload, audience=CHANNEL, channel_id=facts.id)


def _check_kind(kind: str) -> str:
    if kind not in ChannelKind.ALL:
        raise InvalidInput(f'"{kind}" is not a channel kind: {", ".join(ChannelKind.ALL)}')
    return kind


def _check_purpose(purpose: str) -> str:
    if len(purpose) > 500:
        raise InvalidInput("A purpose is at most 500 characters", field="purpose")
    return purpose.strip()


def _max_message_id(tx: Tx) -> int:
    return int(tx.conn.execute(select(func.coalesce(func.max(messages.c.id), 0))).scalar_one())


def create_channel(
    tx: Tx,
    actor: Actor,
    *,
    name: str,
    purpose: str = "",
    kind: str = ChannelKind.DISCUSSION,
    is_private: bool = False,
    member_ids: Iterable[int] = (),
) -> dict[str, Any]:
    """A new channel; its creator and the given members join it."""
    require_create_channel(actor)
    name = names.channel_name(name)
    taken = tx.conn.execute(
        select(channels.c.id).where(
            channels.c.workspace_id == actor.workspace_id, channels.c.name == name
        )
    ).first()
    if taken:
        raise AlreadyExists(f'A channel "#{name}" exists already', field="name")
    channel_id = tx.insert(
        channels,
        workspace_id=actor.workspace_id,
        name=name,
        purpose=_check_purpose(purpose),
        kind=_check_kind(kind),
        is_private=is_private,
        created_by=actor.member_id,
        created_at=tx.now,
    )
    joined = active_member_ids(tx.conn, actor.workspace_id, {actor.member_id, *member_ids})
    _insert_members(tx, channel_id, joined, poster_id=actor.member_id)
    view = {**_channel_view(tx, channel_id), "member_ids": joined}
    audience = MEMBERS if is_private else STAFF
    tx.emit(actor.workspace_id, "channel.created", view, audience=audience, member_ids=joined)
    return {**view, "is_member": True}


def _insert_members(
    tx: Tx, channel_id: int, member_ids: list[int], poster_id: int | None = None
) -> None:
    floor = _max_message_id(tx)
    rows = [
        {
            "channel_id": channel_id,
            "member_id": member_id,
            "joined_at": tx.now,
            "read_floor": floor,
            "can_post_topics": member_id == poster_id,
        }
        for member_id in member_ids
    ]
    insert_ignore(tx.conn, channel_members, rows, ["channel_id", "member_id"])


def update_channel(
    tx: Tx,
    actor: Actor,
    channel_id: int,
    *,
    name: str | None = None,
    purpose: str | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    facts = channel_facts(tx.conn, actor, channel_id)
    require_manage_channel(actor, facts)
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = names.channel_name(name)
        clash = tx.conn.execute(
            select(channels.c.id).where(
                channels.c.workspace_id == actor.workspace_id,
                channels.c.name == values["name"],
                channels.c.id != channel_id,
            )
        ).first()
        if clash:
            raise AlreadyExists(f'A channel "#{values["name"]}" exists already', field="name")
    if purpose is not None:
        values["purpose"] = _check_purpose(purpose)
    if kind is not None:
        values["kind"] = _check_kind(kind)
    if values:
        tx.conn.execute(update(channels).where(channels.c.id == channel_id).values(**values))
    view = _channel_view(tx, channel_id)
    _announce(tx, facts, "channel.updated", view)
    return view


def set_archived(tx: Tx, actor: Actor, channel_id: int, archived: bool) -> dict[str, Any]:
    facts = channel_facts(tx.conn, actor, channel_id)
    require_manage_channel(actor, facts)
    tx.conn.execute(
        update(channels).where(channels.c.id == channel_id).values(is_archived=archived)
    )
    view = _channel_view(tx, channel_id)
    if archived:
        cancel_in_channel(tx, channel_id, view["name"])
    _announce(tx, facts, "channel.archived" if archived else "channel.unarchived", view)
    return view


def set_channel_muted(tx: Tx, actor: Actor, channel_id: int, muted: bool) -> dict[str, Any]:
    """Mute or unmute a channel for oneself: a muted channel stays out of the Inbox
    (unless one is mentioned) and is dimmed in the sidebar."""
    facts = channel_facts(tx.conn, actor, channel_id)
    require_read_channel(actor, facts)
    if not facts.is_member:
        raise Forbidden("Join the channel before muting it", reason="not_a_channel_member")
    tx.conn.execute(
        update(channel_members)
        .where(
            channel_members.c.channel_id == channel_id,
            channel_members.c.member_id == actor.member_id,
        )
        .values(is_muted=muted)
    )
    payload = {"channel_id": channel_id, "is_muted": muted}
    tx.emit(
        actor.workspace_id, "channel.muted", payload, audience=MEMBERS, member_ids=[actor.member_id]
    )
    return {**_channel_view(tx, channel_id), "is_member": True, "is_muted": muted}


def join_channel(tx: Tx, actor: Actor, channel_id: int) -> dict[str, Any]:
    facts = channel_facts(tx.conn, actor, channel_id)
    require_join(actor, facts)
    return _add(tx, facts, [actor.member_id], actor)


def add_members(tx: Tx, actor: Actor, channel_id: int, member_ids: Iterable[int]) -> dict[str, Any]:
    facts = channel_facts(tx.conn, actor, channel_id)
    require_add_members(actor, facts)
    return _add(tx, facts, active_member_ids(tx.conn, actor.workspace_id, member_ids), actor)


def _add(tx: Tx, facts: ChannelFacts, member_ids: list[int], actor: Actor) -> dict[str, Any]:
    current = set(
        tx.conn.execute(
            select(channel_members.c.member_id).where(channel_members.c.channel_id == facts.id)
        ).scalars()
    )
    new = [i for i in member_ids if i not in current]
    _insert_members(tx, facts.id, new)
    for member_id in new:
        tx.emit(
            facts.workspace_id,
            "channel.member_added",
            {"channel_id": facts.id, "member_id": member_id, "by": actor.member_id},
            audience=CHANNEL,
            channel_id=facts.id,
            member_ids=[member_id],
        )
    return {"channel_id": facts.id, "added": new}


def remove_member(tx: Tx, actor: Actor, channel_id: int, member_id: int) -> dict[str, Any]:
    """Leave a channel (yourself) or remove someone (creator or admin)."""
    facts = channel_facts(tx.conn, actor, channel_id)
    require_remove_member(actor, facts, member_id)
    removed = tx.conn.execute(
        delete(channel_members).where(
            channel_members.c.channel_id == channel_id, channel_members.c.member_id == member_id
        )
    ).rowcount
    if not removed:
        raise NotFound("That member is not in the channel")
    cancel_unreadable(tx, member_id)
    tx.emit(
        facts.workspace_id,
        "channel.member_removed",
        {"channel_id": channel_id, "member_id": member_id, "by": actor.member_id},
        audience=CHANNEL,
        channel_id=channel_id,
        member_ids=[member_id],
    )
    return {"channel_id": channel_id, "removed": [member_id]}


def set_topic_poster(
    tx: Tx, actor: Actor, channel_id: int, member_id: int, allowed: bool
) -> dict[str, Any]:
    """Name who may start topics in an announcements channel."""
    facts = channel_facts(tx.conn, actor, channel_id)
    require_manage_channel(actor, facts)
    changed = tx.conn.execute(
        update(channel_members)
        .where(channel_members.c.channel_id == channel_id, channel_members.c.member_id == member_id)
        .values(can_post_topics=allowed)
    ).rowcount
    if not changed:
        raise NotFound("That member is not in the channel")
    payload = {"channel_id": channel_id, "member_id": member_id, "can_post_topics": allowed}
    _announce(tx, facts, "channel.poster_changed", payload)
    return payload


def change_channel(
    tx: Tx, actor: Actor, channel_id: int, *, is_archived: bool | None = None, **fields: Any
) -> dict[str, Any]:
    """Apply a partial change: name, purpose and kind, then archiving if asked."""
    if is_archived is None or fields:
        result = update_channel(tx, actor, channel_id, **fields)
    if is_archived is not None:
        result = set_archived(tx, actor, channel_id, is_archived)
    return result


def set_response(
    tx: Tx,
    actor: Actor,
    channel_id: int,
    *,
    response_minutes: int | None,
    allow_urgent: bool,
    urgent_budget: int,
    responder_ids: Iterable[int] = (),
    responder_group_ids: Iterable[int] = (),
) -> dict[str, Any]:
    """The channel's response expectation (a working-time window for a first reply to
    new topics), who responds, and whether urgent may bypass working hours here."""
    facts = channel_facts(tx.conn, actor, channel_id)
    require_manage_channel(actor, facts)
    check_response_minutes(response_minutes)
    if not 0 <= urgent_budget <= 50:
        raise InvalidInput("The urgent budget is 0 to 50 a day", field="urgent_budget")
    people = sorted(set(responder_ids))
    groups = sorted(set(responder_group_ids))
    active_member_ids(tx.conn, actor.workspace_id, people)
    known = set(
        tx.conn.execute(
            select(user_groups.c.id).where(
                user_groups.c.id.in_(groups), user_groups.c.workspace_id == actor.workspace_id
            )
        ).scalars()
    )
    if known != set(groups):
        raise InvalidInput("No such group", field="responder_group_ids")
    if response_minutes is not None and not (people or groups):
        raise InvalidInput(
            "Name the responders who owe new topics a first reply", field="responder_ids"
        )
    tx.conn.execute(
        update(channels)
        .where(channels.c.id == channel_id)
        .values(
            response_minutes=response_minutes,
            allow_urgent=allow_urgent,
            urgent_budget=urgent_budget,
        )
    )
    tx.conn.execute(delete(channel_responders).where(channel_responders.c.channel_id == channel_id))
    rows = [{"channel_id": channel_id, "member_id": m, "group_id": None} for m in people]
    rows += [{"channel_id": channel_id, "member_id": None, "group_id": g} for g in groups]
    if rows:
        tx.conn.execute(channel_responders.insert(), rows)
    view = channel_response(tx.conn, channel_id)
    _announce(tx, facts, "channel.response", {"channel_id": channel_id, **view})
    return view


def channel_response(conn: Any, channel_id: int) -> dict[str, Any]:
    row = conn.execute(
        select(
            channels.c.response_minutes, channels.c.allow_urgent, channels.c.urgent_budget
        ).where(channels.c.id == channel_id)
    ).one()
    responders = conn.execute(
        select(channel_responders.c.member_id, channel_responders.c.group_id).where(
            channel_responders.c.channel_id == channel_id
        )
    ).all()
    return {
        "response_minutes": row.response_minutes,
        "allow_urgent": bool(row.allow_urgent),
        "urgent_budget": row.urgent_budget,
        "responder_ids": sorted(r.member_id for r in responders if r.member_id is not None),
        "responder_group_ids": sorted(r.group_id for r in responders if r.group_id is not None),
    }
