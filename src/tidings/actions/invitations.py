"""Invitations: a link token with an expiry, accepted once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, RowMapping

from tidings import views
from tidings.actions.auth import LOGIN, Candidate, issue_token
from tidings.actions.members import insert_member
from tidings.core import names
from tidings.core.credentials import new_token, token_hash
from tidings.core.permissions import require_invite
from tidings.core.roles import Actor, Role
from tidings.errors import Conflict, Gone, InvalidInput, NotFound
from tidings.store.lookups import member_row
from tidings.store.models import invitations, members, workspaces
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


def account_for(conn: Connection, token: str, email: str, now: datetime) -> Candidate | None:
    """Before any password is hashed: refuse an invitation that cannot be accepted (the
    same answers as ``accept_invitation``), and find the member already in its
    workspace under ``email`` (stored form), whose password is then checked instead."""
    row = conn.execute(select(invitations).where(invitations.c.token_hash == token_hash(token)))
    _require_open(row.mappings().first(), email, now)
    found = conn.execute(
        select(members.c.id, members.c.workspace_id, members.c.password_hash, workspaces.c.slug)
        .join(invitations, invitations.c.workspace_id == members.c.workspace_id)
        .join(workspaces, workspaces.c.id == members.c.workspace_id)
        .where(invitations.c.token_hash == token_hash(token), func.lower(members.c.email) == email)
    ).first()
    if found is None:
        return None
    return Candidate(found.id, found.workspace_id, found.slug, found.password_hash)


def _require_open(row: RowMapping | None, email: str, now: datetime) -> RowMapping:
    if row is None or row["revoked_at"] is not None:
        raise NotFound("No such invitation")
    if row["accepted_at"] is not None:
        raise Gone("This invitation has been used already")
    if row["expires_at"] <= now:
        raise Gone("This invitation has expired; ask for a new one")
    if row["email"] and email != row["email"]:
        raise InvalidInput("This invitation is for another e-mail address", field="email")
    return row


def accept_invitation(
    tx: Tx,
    *,
    token: str,
    email: str,
    display_name: str,
    password_hash: str | None,
    time_zone: str,
    lifetime: timedelta,
    account: Candidate | None = None,
    password_matches: bool = False,
) -> dict[str, Any]:
    """Join a workspace through an invitation; returns the new member and a token.

    Whether the e-mail belongs to a member already must not show (an open link would
    tell who works here), so the invitation is used up either way: a member who gave
    their own password is signed in; anyone else gets ``{"refused": True}``, which the
    caller answers exactly like a wrong password at sign-in. ``account`` and
    ``password_matches`` come from ``account_for`` and a password check made before.
    """
    found = (
        tx.conn.execute(select(invitations).where(invitations.c.token_hash == token_hash(token)))
        .mappings()
        .first()
    )
    email = names.email(email)
    row = _require_open(found, email, tx.now)
    existing = tx.conn.execute(
        select(members.c.id, members.c.password_hash, members.c.is_active).where(
            members.c.workspace_id == row["workspace_id"], func.lower(members.c.email) == email
        )
    ).first()
    if existing is not None:
        _use_up(tx, row["id"], existing.id)
        checked = account is not None and (account.member_id, account.password_hash) == (
            existing.id,
            existing.password_hash,
        )
        if not (checked and password_matches and existing.is_active):
            return {"refused": True}
        member_id = existing.id
    else:
        if password_hash is None:  # someone joined with this e-mail a moment ago
            raise Conflict("Something changed meanwhile; try again")
        member_id = insert_member(
            tx,
            row["workspace_id"],
            email=email,
            password_hash=password_hash,
            display_name=display_name,
            role=Role(row["role"]),
            time_zone=time_zone,
        )
        _use_up(tx, row["id"], member_id)
    slug = tx.conn.execute(
        select(workspaces.c.slug).where(workspaces.c.id == row["workspace_id"])
    ).scalar_one()
    issued = issue_token(
        tx, row["workspace_id"], member_id, name="sign-in", kind=LOGIN, lifetime=lifetime
    )
    member = views.member(member_row(tx.conn, row["workspace_id"], member_id))
    return {"member": member, "token": issued["token"], "workspace": slug}


def _use_up(tx: Tx, invitation_id: int, member_id: int) -> None:
    guarded = tx.conn.execute(
        update(invitations)
        .where(invitations.c.id == invitation_id, invitations.c.accepted_at.is_(None))
        .values(accepted_at=tx.now, accepted_by=member_id)
    )
    if guarded.rowcount != 1:
        raise Gone("This invitation has been used already")
