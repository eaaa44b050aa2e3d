"""Signing in and API tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from tidings import views
from tidings.core.credentials import new_token, token_hash, verify_password
from tidings.core.roles import Actor
from tidings.errors import InvalidCredentials, InvalidInput, NotFound
from tidings.store.models import api_tokens, members, workspaces
from tidings.store.tx import MEMBERS, Tx

LOGIN = "login"
API = "api"


def issue_token(
    tx: Tx,
    workspace_id: int,
    member_id: int,
    *,
    name: str,
    kind: str,
    lifetime: timedelta | None,
) -> dict[str, Any]:
    """A new bearer token; the secret is in the result and never stored."""
    secret = new_token("tdg")
    values = {
        "workspace_id": workspace_id,
        "member_id": member_id,
        "token_hash": token_hash(secret),
        "name": name.strip()[:120] or kind,
        "kind": kind,
        "created_at": tx.now,
        "expires_at": tx.now + lifetime if lifetime else None,
        "revoked_at": None,
    }
    token_id = tx.insert(api_tokens, **values)
    return {**views.token({**values, "id": token_id}), "token": secret}


def login(
    tx: Tx,
    *,
    email: str,
    password: str,
    workspace: str | None,
    lifetime: timedelta,
) -> dict[str, Any]:
    """Exchange e-mail and password for a bearer token."""
    query = (
        select(members.c.id, members.c.workspace_id, members.c.password_hash, workspaces.c.slug)
        .join(workspaces, workspaces.c.id == members.c.workspace_id)
        .where(func.lower(members.c.email) == email.strip().lower(), members.c.is_active.is_(True))
    )
    if workspace:
        query = query.where(workspaces.c.slug == workspace.strip().lower())
    rows = tx.conn.execute(query).all()
    # Only accounts whose password matches count, so that the workspace list below is
    # never shown to someone who does not know the password.
    matching = [row for row in rows if verify_password(row.password_hash, password)]
    if not rows:
        verify_password(None, password)  # same cost as a known e-mail
    if len(matching) > 1:
        raise InvalidInput(
            "This e-mail belongs to several workspaces; name one with 'workspace'",
            field="workspace",
            workspaces=sorted(row.slug for row in matching),
        )
    if not matching:
        raise InvalidCredentials()
    row = matching[0]
    token = issue_token(tx, row.workspace_id, row.id, name="sign-in", kind=LOGIN, lifetime=lifetime)
    return {**token, "member_id": row.id, "workspace": row.slug}


def create_api_token(tx: Tx, actor: Actor, name: str, days: int | None) -> dict[str, Any]:
    if days is not None and not 1 <= days <= 3650:
        raise InvalidInput("A token lives 1 to 3650 days, or forever", field="days")
    lifetime = timedelta(days=days) if days else None
    return issue_token(
        tx, actor.workspace_id, actor.member_id, name=name, kind=API, lifetime=lifetime
    )


def revoke_token(tx: Tx, actor: Actor, token_id: int) -> dict[str, Any]:
    """Revoke one's own token; admins may revoke any token in the workspace."""
    row = (
        tx.conn.execute(
            select(api_tokens).where(
                api_tokens.c.id == token_id,
                api_tokens.c.workspace_id == actor.workspace_id,
            )
        )
        .mappings()
        .first()
    )
    if row is None or (row["member_id"] != actor.member_id and not actor.is_admin):
        raise NotFound("No such token")
    if row["revoked_at"] is None:
        tx.conn.execute(
            update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=tx.now)
        )
    view = views.token({**row, "revoked_at": row["revoked_at"] or tx.now})
    tx.emit(
        actor.workspace_id,
        "token.revoked",
        {"id": token_id, "token_hash": row["token_hash"]},
        audience=MEMBERS,
        member_ids=[row["member_id"]],
    )
    return view


def revoke_token_by_secret(tx: Tx, actor: Actor, secret: str) -> None:
    """Sign out: revoke the token the request came with."""
    row = tx.conn.execute(
        select(api_tokens.c.id).where(api_tokens.c.token_hash == token_hash(secret))
    ).first()
    if row is not None:
        revoke_token(tx, actor, row.id)
