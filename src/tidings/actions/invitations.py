"""Invitations: a link token with an expiry, accepted once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from tidings import views
from tidings.actions.auth import LOGIN, issue_token
from tidings.actions.members import insert_member
from tidings.core import names
from tidings.core.credentials import new_token, token_hash
from tidings.core.permissions import require_invite
from tidings.core.roles import Actor, Role
from tidings.errors import Gone, InvalidInput, NotFound
from tidings.store.lookups import member_row
from tidings.store.models import invitations, workspaces
from tidings.store.tx import Tx


def create_invitation(
    tx: Tx, actor: Actor, *, role: Role, email: str | None, lifetime: timedelta
) -> dict[str, Any]:
    """An invitation link; the secret is returned once and stored only hashed."""
    require_invite(actor, role)
    secret = new_token("inv")
    values: dict[str, Any] = {
        "workspace_id": actor.workspace_id,
        "token_hash": token_hash(secret),
        "email": names.email(email) if email else None,
        "role": role.value,
        "invited_by": actor.member_id,
        "created_at": tx.now,
        "expires_at": tx.now + lifetime,
    }
    invitation_id = tx.insert(invitations, **values)
    return {
        "id": invitation_id,
        "token": secret,
        "role": role.value,
        "email": values["email"],
        "expires_at": views.iso(values["expires_at"]),
    }


def accept_invitation(
    tx: Tx,
    *,
    token: str,
    email: str,
    display_name: str,
    password: str,
    time_zone: str,
    lifetime: timedelta,
) -> dict[str, Any]:
    """Join a workspace through an invitation; returns the new member and a token."""
    row = (
        tx.conn.execute(select(invitations).where(invitations.c.token_hash == token_hash(token)))
        .mappings()
        .first()
    )
    if row is None or row["revoked_at"] is not None:
        raise NotFound("No such invitation")
    if row["accepted_at"] is not None:
        raise Gone("This invitation has been used already")
    if row["expires_at"] <= tx.now:
        raise Gone("This invitation has expired; ask for a new one")
    if row["email"] and names.email(email) != row["email"]:
        raise InvalidInput("This invitation is for another e-mail address", field="email")
    member_id = insert_member(
        tx,
        row["workspace_id"],
        email=email,
        password=password,
        display_name=display_name,
        role=Role(row["role"]),
        time_zone=time_zone,
    )
    guarded = tx.conn.execute(
        update(invitations)
        .where(invitations.c.id == row["id"], invitations.c.accepted_at.is_(None))
        .values(accepted_at=tx.now, accepted_by=member_id)
    )
    if guarded.rowcount != 1:
        raise Gone("This invitation has been used already")
    slug = tx.conn.execute(
        select(workspaces.c.slug).where(workspaces.c.id == row["workspace_id"])
    ).scalar_one()
    issued = issue_token(
        tx, row["workspace_id"], member_id, name="sign-in", kind=LOGIN, lifetime=lifetime
    )
    member = views.member(member_row(tx.conn, row["workspace_id"], member_id))
    return {"member": member, "token": issued["token"], "workspace": slug}
