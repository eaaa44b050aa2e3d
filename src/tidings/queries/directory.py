"""Members, groups and tokens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tidings import views
from tidings.core.roles import Actor
from tidings.errors import InvalidInput
from tidings.store.lookups import member_row
from tidings.store.models import api_tokens, members, user_group_members, user_groups


def list_members(conn: Connection, actor: Actor, include_inactive: bool = False) -> list[dict]:
    query = select(members).where(members.c.workspace_id == actor.workspace_id)
    if not include_inactive:
        query = query.where(members.c.is_active.is_(True))
    rows = conn.execute(query.order_by(members.c.display_name)).mappings()
    return [views.member(row) for row in rows]


def get_member(conn: Connection, actor: Actor, member_id: int) -> dict[str, Any]:
    return views.member(member_row(conn, actor.workspace_id, member_id))


def list_groups(conn: Connection, actor: Actor) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(user_groups)
        .where(user_groups.c.workspace_id == actor.workspace_id)
        .order_by(user_groups.c.handle)
    ).mappings()
    groups = list(rows)
    links = conn.execute(
        select(user_group_members).where(
            user_group_members.c.group_id.in_([g["id"] for g in groups])
        )
    ).all()
    by_group: dict[int, list[int]] = {}
    for link in links:
        by_group.setdefault(link.group_id, []).append(link.member_id)
    return [views.group(g, by_group.get(g["id"], [])) for g in groups]


def list_tokens(conn: Connection, actor: Actor) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(api_tokens)
        .where(api_tokens.c.member_id == actor.member_id)
        .order_by(api_tokens.c.id)
    ).mappings()
    return [views.token(row) for row in rows]


def member_ids_by_handle(conn: Connection, actor: Actor, handles: list[str]) -> list[int]:
    """Active members named by @handle, in the order given; unknown handles are refused."""
    wanted = [h.strip().lstrip("@").lower() for h in handles if h.strip().lstrip("@")]
    rows = dict(
        conn.execute(
            select(members.c.handle, members.c.id).where(
                members.c.workspace_id == actor.workspace_id,
                members.c.handle.in_(wanted),
                members.c.is_active.is_(True),
            )
        ).all()
    )
    unknown = [h for h in wanted if h not in rows]
    if unknown:
        raise InvalidInput(f"No one here is called @{unknown[0]}", field="asks")
    return [rows[h] for h in dict.fromkeys(wanted)]
