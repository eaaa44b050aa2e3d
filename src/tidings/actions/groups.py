"""User groups such as @design: mention many people with one handle."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select, update

from tidings import views
from tidings.core import names
from tidings.core.permissions import require_admin, require_not_guest
from tidings.core.roles import Actor
from tidings.errors import AlreadyExists, NotFound
from tidings.store.lookups import active_member_ids
from tidings.store.models import members, user_group_members, user_groups
from tidings.store.tx import STAFF, Tx
from tidings.store.upsert import insert_ignore


def _group(tx: Tx, actor: Actor, group_id: int) -> Any:
    row = (
        tx.conn.execute(
            select(user_groups).where(
                user_groups.c.id == group_id, user_groups.c.workspace_id == actor.workspace_id
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("No such group")
    return row


def _member_ids(tx: Tx, group_id: int) -> list[int]:
    return list(
        tx.conn.execute(
            select(user_group_members.c.member_id).where(user_group_members.c.group_id == group_id)
        ).scalars()
    )


def _emit(tx: Tx, actor: Actor, type_: str, group_id: int) -> dict[str, Any]:
    view = views.group(_group(tx, actor, group_id), _member_ids(tx, group_id))
    tx.emit(actor.workspace_id, type_, view, audience=STAFF)
    return view


def create_group(
    tx: Tx,
    actor: Actor,
    *,
    handle: str,
    name: str,
    description: str = "",
    member_ids: Iterable[int] = (),
) -> dict[str, Any]:
    require_not_guest(actor)
    handle = names.handle(handle)
    for table in (user_groups, members):
        clash = tx.conn.execute(
            select(table.c.id).where(
                table.c.workspace_id == actor.workspace_id, table.c.handle == handle
            )
        ).first()
        if clash:
            raise AlreadyExists(f'The handle "@{handle}" is taken', field="handle")
    group_id = tx.insert(
        user_groups,
        workspace_id=actor.workspace_id,
        handle=handle,
        name=names.display_name(name),
        description=description.strip()[:500],
        created_at=tx.now,
    )
    ids = active_member_ids(tx.conn, actor.workspace_id, member_ids)
    insert_ignore(
        tx.conn,
        user_group_members,
        [{"group_id": group_id, "member_id": i} for i in ids],
        ["group_id", "member_id"],
    )
    return _emit(tx, actor, "group.created", group_id)


def change_group(
    tx: Tx,
    actor: Actor,
    group_id: int,
    *,
    name: str | None = None,
    description: str | None = None,
    add: Iterable[int] = (),
    remove: Iterable[int] = (),
) -> dict[str, Any]:
    require_not_guest(actor)
    _group(tx, actor, group_id)
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = names.display_name(name)
    if description is not None:
        values["description"] = description.strip()[:500]
    if values:
        tx.conn.execute(update(user_groups).where(user_groups.c.id == group_id).values(**values))
    added = active_member_ids(tx.conn, actor.workspace_id, add)
    insert_ignore(
        tx.conn,
        user_group_members,
        [{"group_id": group_id, "member_id": i} for i in added],
        ["group_id", "member_id"],
    )
    gone = list(set(remove))
    if gone:
        tx.conn.execute(
            delete(user_group_members).where(
                user_group_members.c.group_id == group_id,
                user_group_members.c.member_id.in_(gone),
            )
        )
    return _emit(tx, actor, "group.updated", group_id)


def delete_group(tx: Tx, actor: Actor, group_id: int) -> dict[str, Any]:
    require_admin(actor)
    view = views.group(_group(tx, actor, group_id), _member_ids(tx, group_id))
    tx.conn.execute(delete(user_groups).where(user_groups.c.id == group_id))
    tx.emit(actor.workspace_id, "group.deleted", view, audience=STAFF)
    return view
