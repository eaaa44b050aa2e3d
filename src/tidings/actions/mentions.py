"""Resolving @handles in a body to members and groups."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tidings.store.models import members, user_group_members, user_groups


@dataclass(frozen=True)
class Resolved:
    known: dict[str, str]  # handle -> "member" | "group", for rendering
    member_ids: frozenset[int]  # everyone mentioned, groups expanded


def resolve_mentions(conn: Connection, workspace_id: int, handles: frozenset[str]) -> Resolved:
    if not handles:
        return Resolved({}, frozenset())
    people = conn.execute(
        select(members.c.id, members.c.handle).where(
            members.c.workspace_id == workspace_id,
            members.c.handle.in_(handles),
            members.c.is_active.is_(True),
        )
    ).all()
    groups = conn.execute(
        select(user_groups.c.handle, user_group_members.c.member_id)
        .select_from(user_groups.outerjoin(user_group_members))
        .where(user_groups.c.workspace_id == workspace_id, user_groups.c.handle.in_(handles))
    ).all()
    known = {row.handle: "member" for row in people}
    known.update({row.handle: "group" for row in groups})
    ids = {row.id for row in people} | {row.member_id for row in groups if row.member_id}
    return Resolved(known, frozenset(ids))
