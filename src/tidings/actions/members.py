"""Members: adding, profiles, roles and deactivation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from tidings import views
from tidings.actions.expectations import cancel_unreadable, recompute_due
from tidings.actions.notifications import move_held
from tidings.core import names
from tidings.core.permissions import require_assign_role
from tidings.core.roles import Actor, Role
from tidings.errors import AlreadyExists, Conflict, Forbidden, InvalidInput
from tidings.store.lookups import member_row
from tidings.store.models import (
    api_tokens,
    channel_members,
    channels,
    members,
    messages,
    user_groups,
)
from tidings.store.tx import STAFF, WORKSPACE, Tx


def _free_handle(tx: Tx, workspace_id: int, wanted: str) -> str:
    taken = set(
        tx.conn.execute(
            select(members.c.handle).where(
                members.c.workspace_id == workspace_id, members.c.handle.like(f"{wanted}%")
            )
        ).scalars()
    ) | set(
        tx.conn.execute(
            select(user_groups.c.handle).where(
                user_groups.c.workspace_id == workspace_id,
                user_groups.c.handle.like(f"{wanted}%"),
            )
        ).scalars()
    )
    candidate, n = wanted, 1
    while candidate in taken:
        n += 1
        candidate = f"{wanted}{n}"
    return candidate


def handle_from_email(email: str) -> str:
    local = email.split("@")[0].lower()
    cleaned = "".join(ch if ch.isalnum() or ch in "._-" else "." for ch in local).strip("._-")
    return names.handle(cleaned or "member")


def insert_member(
    tx: Tx,
    workspace_id: int,
    *,
    email: str,
    password_hash: str | None,
    display_name: str,
    role: Role,
    time_zone: str = "UTC",
    title: str = "",
    handle: str | None = None,
) -> int:
    """Insert a member row and join them to the workspace's public starter channels.
    The password comes hashed: hashing is too slow for the writer."""
    email = names.email(email)
    exists = tx.conn.execute(
        select(members.c.id).where(
            members.c.workspace_id == workspace_id, func.lower(members.c.email) == email
        )
    ).first()
    if exists:
        raise AlreadyExists(f"{email} is a member already", field="email")
    wanted = names.handle(handle) if handle else handle_from_email(email)
    values = {
        "workspace_id": workspace_id,
        "email": email,
        "handle": _free_handle(tx, workspace_id, wanted),
        "display_name": names.display_name(display_name),
        "password_hash": password_hash,
        "role": Role(role).value,
        "time_zone": names.time_zone(time_zone),
        "title": title.strip()[:120],
        "is_active": True,
        "created_at": tx.now,
    }
    member_id = tx.insert(members, **values)
    if role is not Role.GUEST:
        _join_starter_channels(tx, workspace_id, member_id)
    tx.emit(workspace_id, "member.created", views.member({**values, "id": member_id}))
    return int(member_id)


def _join_starter_channels(tx: Tx, workspace_id: int, member_id: int) -> None:
    from tidings.actions.workspaces import STARTER_CHANNELS

    starter = [name for name, _, _ in STARTER_CHANNELS]
    ids = tx.conn.execute(
        select(channels.c.id).where(
            channels.c.workspace_id == workspace_id,
            channels.c.name.in_(starter),
            channels.c.is_private.is_(False),
        )
    ).scalars()
    # Like any join: what was written before counts as read.
    floor = tx.conn.execute(select(func.coalesce(func.max(messages.c.id), 0))).scalar_one()
    rows = [
        {"channel_id": cid, "member_id": member_id, "joined_at": tx.now, "read_floor": floor}
        for cid in ids
    ]
    if rows:
        tx.conn.execute(channel_members.insert(), rows)


def add_member(
    tx: Tx,
    actor: Actor,
    *,
    email: str,
    display_name: str,
    password_hash: str | None,
    role: Role = Role.MEMBER,
    time_zone: str = "UTC",
) -> dict[str, Any]:
    require_assign_role(actor, Role.GUEST, role)
    member_id = insert_member(
        tx,
        actor.workspace_id,
        email=email,
        password_hash=password_hash,
        display_name=display_name,
        role=role,
        time_zone=time_zone,
    )
    return views.member(member_row(tx.conn, actor.workspace_id, member_id))


def update_profile(
    tx: Tx,
    actor: Actor,
    *,
    display_name: str | None = None,
    time_zone: str | None = None,
    title: str | None = None,
    password_hash: str | None = None,
    replaces_hash: str | None = None,
) -> dict[str, Any]:
    """Change one's own display name, time zone, title or password. A new password
    comes hashed, with the hash its current password was checked against: if that
    changed meanwhile, the change is refused."""
    values: dict[str, Any] = {}
    if display_name is not None:
        values["display_name"] = names.display_name(display_name)
    if time_zone is not None:
        values["time_zone"] = names.time_zone(time_zone)
    if title is not None:
        if len(title) > 120:
            raise InvalidInput("A title is at most 120 characters", field="title")
        values["title"] = title.strip()
    if password_hash is not None:
        row = member_row(tx.conn, actor.workspace_id, actor.member_id)
        if row["password_hash"] != replaces_hash:
            raise Conflict("The password was changed meanwhile; try again")
        values["password_hash"] = password_hash
    if values:
        tx.conn.execute(update(members).where(members.c.id == actor.member_id).values(**values))
    view = views.member(member_row(tx.conn, actor.workspace_id, actor.member_id))
    if "time_zone" in values:
        recompute_due(tx, actor.workspace_id, actor.member_id)
        move_held(tx, actor.workspace_id, actor.member_id)
    if values.keys() - {"password_hash"}:
        tx.emit(actor.workspace_id, "member.updated", view, audience=WORKSPACE)
    return view


def change_role(tx: Tx, actor: Actor, member_id: int, role: Role) -> dict[str, Any]:
    row = member_row(tx.conn, actor.workspace_id, member_id)
    current = Role(row["role"])
    require_assign_role(actor, current, role)
    if current is Role.OWNER and role is not Role.OWNER:
        _keep_an_owner(tx, actor.workspace_id, member_id)
    tx.conn.execute(update(members).where(members.c.id == member_id).values(role=role.value))
    if role is Role.GUEST:
        cancel_unreadable(tx, member_id)
    view = views.member({**row, "role": role.value})
    tx.emit(actor.workspace_id, "member.updated", view)
    return view


def deactivate_member(tx: Tx, actor: Actor, member_id: int) -> dict[str, Any]:
    """Deactivate: sign-in stops, tokens stop working, history stays."""
    row = member_row(tx.conn, actor.workspace_id, member_id)
    if member_id == actor.member_id:
        raise Forbidden("You cannot deactivate yourself")
    require_assign_role(actor, Role(row["role"]), Role.GUEST)
    if row["role"] == Role.OWNER:
        _keep_an_owner(tx, actor.workspace_id, member_id)
    tx.conn.execute(update(members).where(members.c.id == member_id).values(is_active=False))
    tx.conn.execute(
        update(api_tokens)
        .where(api_tokens.c.member_id == member_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=tx.now)
    )
    cancel_unreadable(tx, member_id)
    view = views.member({**row, "is_active": False})
    tx.emit(actor.workspace_id, "member.deactivated", view, audience=STAFF)
    return view


def _keep_an_owner(tx: Tx, workspace_id: int, leaving_id: int) -> None:
    others = tx.conn.execute(
        select(func.count())
        .select_from(members)
        .where(
            members.c.workspace_id == workspace_id,
            members.c.role == Role.OWNER.value,
            members.c.is_active.is_(True),
            members.c.id != leaving_id,
        )
    ).scalar_one()
    if not others:
        raise Conflict("A workspace must keep at least one active owner")
