"""Who may receive an event, answered from memory.

Each node keeps, per workspace, every member's role and each channel's
privacy and membership. The events that change them pass through the same
feed in order, so the answer for event N reflects every change before N.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tidings.store.models import channel_members, channels, members
from tidings.store.tx import CHANNEL, GUESTS, STAFF, WORKSPACE


@dataclass
class ChannelAccess:
    is_private: bool
    member_ids: set[int]


@dataclass
class WorkspaceAccess:
    workspace_id: int
    roles: dict[int, str] = field(default_factory=dict)
    channels: dict[int, ChannelAccess] = field(default_factory=dict)

    def load(self, conn: Connection) -> None:
        """Everything, as of the transaction's snapshot: later changes arrive as events."""
        self.load_members(conn)
        ids = set(
            conn.execute(
                select(channels.c.id).where(channels.c.workspace_id == self.workspace_id)
            ).scalars()
        )
        self.load_channels(conn, ids)

    def load_members(self, conn: Connection) -> None:
        rows = conn.execute(
            select(members.c.id, members.c.role, members.c.is_active).where(
                members.c.workspace_id == self.workspace_id
            )
        ).all()
        self.roles = {row.id: row.role for row in rows if row.is_active}

    def missing_channels(self, channel_ids: set[int]) -> set[int]:
        return channel_ids - self.channels.keys()

    def load_channels(self, conn: Connection, channel_ids: set[int]) -> None:
        if not channel_ids:
            return
        privacy = dict(
            conn.execute(
                select(channels.c.id, channels.c.is_private).where(channels.c.id.in_(channel_ids))
            ).all()
        )
        found: dict[int, set[int]] = {cid: set() for cid in privacy}
        for row in conn.execute(
            select(channel_members.c.channel_id, channel_members.c.member_id).where(
                channel_members.c.channel_id.in_(channel_ids)
            )
        ):
            found[row.channel_id].add(row.member_id)
        for cid, is_private in privacy.items():
            self.channels[cid] = ChannelAccess(bool(is_private), found[cid])

    def apply(self, type_: str, payload: dict[str, Any]) -> None:
        """Keep the cache in step with the event about to be delivered."""
        if type_ in ("member.created", "member.updated"):
            if payload.get("is_active", True):
                self.roles[payload["id"]] = payload["role"]
        elif type_ == "member.deactivated":
            self.roles.pop(payload["id"], None)
        elif type_ == "channel.created":
            ids = set(payload.get("member_ids", ()))
            self.channels[payload["id"]] = ChannelAccess(payload["is_private"], ids)
        elif type_ == "channel.member_added":
            self._channel(payload).member_ids.add(payload["member_id"])
        elif type_ == "channel.member_removed":
            self._channel(payload).member_ids.discard(payload["member_id"])

    def _channel(self, payload: dict[str, Any]) -> ChannelAccess:
        return self.channels.setdefault(payload["channel_id"], ChannelAccess(True, set()))

    def may_receive(
        self,
        member_id: int,
        audience: str,
        channel_id: int | None,
        member_ids: frozenset[int],
        viewing: frozenset[int] = frozenset(),
    ) -> bool:
        """``viewing``: the channels the stream's client has open. A public channel's
        events go to its members and to those viewing it, not to every connected
        member of the workspace (the others see them in counts and the Inbox)."""
        if member_id in member_ids:
            return True
        role = self.roles.get(member_id)
        if role is None:
            return False
        if audience == WORKSPACE:
            return True
        if audience == STAFF:
            return role != "guest"
        if audience == GUESTS:
            return role == "guest"
        if audience == CHANNEL and channel_id is not None:
            access = self.channels.get(channel_id)
            if access is None:
                return False
            if member_id in access.member_ids:
                return True
            return channel_id in viewing and not access.is_private and role != "guest"
        return False
