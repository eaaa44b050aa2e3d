"""The one place that answers "may this member do this?" for every surface.

Pure rules over small facts; the store fetches the facts, adapters never
decide. A rule that says no raises ``Forbidden`` or ``NotFound``: objects a
member may not read are reported as not found, so that probing ids reveals
nothing about private channels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tidings.core.roles import RANK, Actor, Role
from tidings.errors import Forbidden, NotFound


class ChannelKind:
    DISCUSSION = "discussion"
    ANNOUNCEMENTS = "announcements"
    WATERCOOLER = "watercooler"
    SUPPORT = "support"
    ALL = (DISCUSSION, ANNOUNCEMENTS, WATERCOOLER, SUPPORT)


@dataclass(frozen=True)
class ChannelFacts:
    id: int
    workspace_id: int
    is_private: bool
    is_archived: bool
    kind: str
    created_by: int
    is_member: bool
    can_post_topics: bool = False
    response_minutes: int | None = None  # a new topic's first reply is owed within this
    allow_urgent: bool = False
    urgent_budget: int = 3


def can_read_channel(actor: Actor, channel: ChannelFacts) -> bool:
    if channel.workspace_id != actor.workspace_id:
        return False
    if channel.is_private or actor.is_guest:
        return channel.is_member
    return True


def require_read_channel(actor: Actor, channel: ChannelFacts) -> None:
    if not can_read_channel(actor, channel):
        raise NotFound("No such channel")


def require_post(actor: Actor, channel: ChannelFacts) -> None:
    require_read_channel(actor, channel)
    if channel.is_archived:
        raise Forbidden("The channel is archived", reason="channel_archived")
    if not channel.is_member:
        raise Forbidden("Join the channel before posting in it", reason="not_a_channel_member")


def require_start_topic(actor: Actor, channel: ChannelFacts) -> None:
    require_post(actor, channel)
    if channel.kind == ChannelKind.ANNOUNCEMENTS and not (
        actor.is_admin or channel.can_post_topics
    ):
        raise Forbidden("Only admins and named posters may start topics in announcements")


def require_manage_channel(actor: Actor, channel: ChannelFacts) -> None:
    require_read_channel(actor, channel)
    if not (actor.is_admin or channel.created_by == actor.member_id):
        raise Forbidden("Only the channel's creator or an admin may manage it")


def require_join(actor: Actor, channel: ChannelFacts) -> None:
    require_read_channel(actor, channel)
    if channel.is_archived:
        raise Forbidden("The channel is archived", reason="channel_archived")


def require_add_members(actor: Actor, channel: ChannelFacts) -> None:
    """Members of a channel may bring others in; guests may not."""
    require_join(actor, channel)
    if actor.is_guest or not (channel.is_member or actor.is_admin):
        raise Forbidden("Only channel members may add people to it")


def require_remove_member(actor: Actor, channel: ChannelFacts, member_id: int) -> None:
    if member_id == actor.member_id:
        require_read_channel(actor, channel)
        return
    require_manage_channel(actor, channel)


def require_create_channel(actor: Actor) -> None:
    if actor.is_guest:
        raise Forbidden("Guests cannot create channels")


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins may do this")


def require_not_guest(actor: Actor) -> None:
    if actor.is_guest:
        raise Forbidden("Guests cannot do this")


def require_edit_message(actor: Actor, author_id: int) -> None:
    if author_id != actor.member_id:
        raise Forbidden("Only the author may edit a message")


def require_delete_message(actor: Actor, author_id: int) -> None:
    if author_id != actor.member_id and not actor.is_admin:
        raise Forbidden("Only the author or an admin may delete a message")


def require_assign_role(actor: Actor, current: Role, wanted: Role) -> None:
    """Admins manage members and guests; only owners make or unmake admins and owners."""
    require_admin(actor)
    top = max(RANK[current], RANK[wanted])
    if top >= RANK[Role.ADMIN] and actor.role is not Role.OWNER:
        raise Forbidden("Only an owner may grant or remove admin and owner roles")


def require_invite(actor: Actor, role: Role) -> None:
    require_admin(actor)
    if RANK[role] >= RANK[Role.ADMIN] and actor.role is not Role.OWNER:
        raise Forbidden("Only an owner may invite admins or owners")


def require_revoke_token(actor: Actor, holder_id: int, holder_role: Role) -> None:
    """A token is revoked by its holder, or by an admin whose role outranks theirs (an
    admin may not sign out another admin or an owner). Others learn nothing of it."""
    if holder_id != actor.member_id and not (
        actor.is_admin and RANK[actor.role] > RANK[holder_role]
    ):
        raise NotFound("No such token")


def allows(rule: Callable[..., None], *args: Any) -> bool:
    """A rule asked as a question, so a surface can offer only what it would permit."""
    try:
        rule(*args)
    except (Forbidden, NotFound):
        return False
    return True


def channel_abilities(actor: Actor, channel: ChannelFacts) -> dict[str, bool]:
    """What the member may do in one channel, for showing the right controls."""
    return {
        "post": allows(require_post, actor, channel),
        "start_topic": allows(require_start_topic, actor, channel),
        "manage": allows(require_manage_channel, actor, channel),
        "join": not channel.is_member and allows(require_join, actor, channel),
        "add_members": allows(require_add_members, actor, channel),
    }


def may_see_private_notes(actor: Actor, member_id: int) -> bool:
    """Absence notes and status text are for colleagues: a guest sees only that
    someone is away and until when (their own notes excepted)."""
    return not actor.is_guest or actor.member_id == member_id


def without_private_notes(availability: dict[str, Any]) -> dict[str, Any]:
    """A member's availability as a guest may see it."""
    status = {**availability["status"], "text": ""}
    shown = [{**absence, "note": ""} for absence in availability["absences"]]
    return {**availability, "status": status, "absences": shown}


def message_abilities(actor: Actor, author_id: int) -> dict[str, bool]:
    return {
        "edit": allows(require_edit_message, actor, author_id),
        "delete": allows(require_delete_message, actor, author_id),
    }
