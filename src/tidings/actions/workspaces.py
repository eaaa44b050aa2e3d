"""Creating a workspace with its owner and the channels every team starts with."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tidings.actions.auth import LOGIN, issue_token
from tidings.actions.members import insert_member
from tidings.core import names
from tidings.core.permissions import ChannelKind
from tidings.core.roles import Role
from tidings.errors import AlreadyExists, Conflict
from tidings.store.models import channel_members, channels, workspaces
from tidings.store.tx import Tx

STARTER_CHANNELS = (
    ("general", ChannelKind.DISCUSSION, "Team-wide questions and discussion"),
    ("announcements", ChannelKind.ANNOUNCEMENTS, "News for everyone; admins start topics"),
    ("watercooler", ChannelKind.WATERCOOLER, "Off-topic chat, pets and weekend plans"),
)


def create_workspace(
    tx: Tx,
    *,
    name: str,
    owner_email: str,
    owner_password_hash: str | None,
    owner_name: str | None = None,
    owner_time_zone: str = "UTC",
) -> dict[str, Any]:
    """A new workspace, its owner, and #general, #announcements and #watercooler."""
    slug = names.slug(name)
    exists = tx.conn.execute(select(workspaces.c.id).where(workspaces.c.slug == slug)).first()
    if exists:
        raise AlreadyExists(f'A workspace "{slug}" exists already')
    workspace_id = tx.insert(workspaces, slug=slug, name=name.strip(), created_at=tx.now)
    owner_id = insert_member(
        tx,
        workspace_id,
        email=owner_email,
        password_hash=owner_password_hash,
        display_name=owner_name or owner_email.split("@")[0],
        role=Role.OWNER,
        time_zone=owner_time_zone,
    )
    for channel_name, kind, purpose in STARTER_CHANNELS:
        channel_id = tx.insert(
            channels,
            workspace_id=workspace_id,
            name=channel_name,
            purpose=purpose,
            kind=kind,
            is_private=False,
            created_by=owner_id,
            created_at=tx.now,
        )
        tx.conn.execute(
            channel_members.insert().values(
                channel_id=channel_id, member_id=owner_id, joined_at=tx.now
            )
        )
    tx.emit(workspace_id, "workspace.created", {"id": workspace_id, "slug": slug})
    return {"id": workspace_id, "slug": slug, "name": name.strip(), "owner_id": owner_id}


def set_up_first_workspace(
    tx: Tx,
    *,
    name: str,
    owner_email: str,
    owner_password_hash: str,
    owner_name: str,
    owner_time_zone: str,
    lifetime: timedelta,
) -> dict[str, Any]:
    """First-run setup from the browser: only while the server has no workspace at all,
    so that nobody can add a workspace to a running server this way."""
    if has_workspace(tx.conn):
        raise Conflict("This server is set up already; sign in instead")
    made = create_workspace(
        tx,
        name=name,
        owner_email=owner_email,
        owner_password_hash=owner_password_hash,
        owner_name=owner_name,
        owner_time_zone=owner_time_zone,
    )
    issued = issue_token(
        tx, made["id"], made["owner_id"], name="sign-in", kind=LOGIN, lifetime=lifetime
    )
    return {**made, "token": issued["token"]}


def has_workspace(conn: Connection) -> bool:
    return conn.execute(select(workspaces.c.id).limit(1)).first() is not None
