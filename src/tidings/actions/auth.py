"""Signing in and API tokens.

Passwords are checked outside the writer (see ``tidings.api.signin``): here a
sign-in only reads its candidate accounts and, once a password matched, issues
the token in a short write that re-checks the account did not change meanwhile.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from tidings import views
from tidings.core.credentials import new_token, token_hash
from tidings.core.permissions import require_revoke_token
from tidings.core.roles import Actor, Role
from tidings.errors import InvalidCredentials, InvalidInput, NotFound
from tidings.store.models import api_tokens, members, workspaces
from tidings.store.tx import MEMBERS, Tx

LOGIN = "login"
API = "api"


def new_public_id() -> str:
    """A token's name in URLs and lists: random, so knowing one tells nothing of others
    (never starting with "-", which a command line would take for an option)."""
    while (public_id := secrets.token_urlsafe(12)).startswith("-"):
        pass
    return public_id


@dataclass(frozen=True)
class Candidate:
    """An active account an e-mail may sign in to."""

    member_id: int
    workspace_id: int
    workspace: str
    password_hash: str | None


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
        "public_id": new_public_id(),
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


def login_candidates(conn: Connection, email: str, workspace: str | None) -> list[Candidate]:
    """The active accounts of ``email`` (in its stored form), in one workspace if named."""
    query = (
        select(members.c.id, members.c.workspace_id, members.c.password_hash, workspaces.c.slug)
        .join(workspaces, workspaces.c.id == members.c.workspace_id)
        .where(func.lower(members.c.email) == email, members.c.is_active.is_(True))
    )
    if workspace:
        query = query.where(workspaces.c.slug == workspace.strip().lower())
    return [
        Candidate(row.id, row.workspace_id, row.slug, row.password_hash)
        for row in conn.execute(query)
    ]


def choose_account(matching: Sequence[Candidate]) -> Candidate:
    """The one account whose password matched. Only matching accounts count, so the
    workspace list is never shown to someone who does not know the password."""
    if len(matching) > 1:
        raise InvalidInput(
            "This e-mail belongs to several workspaces; name one with 'workspace'",
            field="workspace",
            workspaces=sorted(row.workspace for row in matching),
        )
    if not matching:
        raise InvalidCredentials()
    return matching[0]


def sign_in(tx: Tx, account: Candidate, lifetime: timedelta) -> dict[str, Any]:
    """Issue a login token for an account whose password was checked a moment ago,
    unless it was deactivated or its password changed since."""
    current = tx.conn.execute(
        select(members.c.password_hash).where(
            members.c.id == account.member_id, members.c.is_active.is_(True)
        )
    ).first()
    if current is None or current.password_hash != account.password_hash:
        raise InvalidCredentials()
    token = issue_token(
        tx, account.workspace_id, account.member_id, name="sign-in", kind=LOGIN, lifetime=lifetime
    )
    return {**token, "member_id": account.member_id, "workspace": account.workspace}


def create_api_token(tx: Tx, actor: Actor, name: str, days: int | None) -> dict[str, Any]:
    if days is not None and not 1 <= days <= 3650:
        raise InvalidInput("A token lives 1 to 3650 days, or forever", field="days")
    lifetime = timedelta(days=days) if days else None
    return issue_token(
        tx, actor.workspace_id, actor.member_id, name=name, kind=API, lifetime=lifetime
    )


def _token_row(tx: Tx, workspace_id: int, public_id: str) -> Any:
    return (
        tx.conn.execute(
            select(api_tokens, members.c.role.label("holder_role"))
            .join(members, members.c.id == api_tokens.c.member_id)
            .where(api_tokens.c.public_id == public_id, api_tokens.c.workspace_id == workspace_id)
        )
        .mappings()
        .first()
    )


def revoke_token(tx: Tx, actor: Actor, public_id: str) -> dict[str, Any]:
    """Revoke one's own token, or one of someone the actor outranks."""
    row = _token_row(tx, actor.workspace_id, public_id)
    if row is None:
        raise NotFound("No such token")
    require_revoke_token(actor, row["member_id"], Role(row["holder_role"]))
    return _revoke(tx, row)


def revoke_token_as_operator(tx: Tx, workspace_id: int, public_id: str) -> dict[str, Any]:
    """The server's operator (who holds the database) may revoke any token."""
    row = _token_row(tx, workspace_id, public_id)
    if row is None:
        raise NotFound("No such token")
    return _revoke(tx, row)


def _revoke(tx: Tx, row: Any) -> dict[str, Any]:
    if row["revoked_at"] is None:
        tx.conn.execute(
            update(api_tokens).where(api_tokens.c.id == row["id"]).values(revoked_at=tx.now)
        )
    view = views.token({**row, "revoked_at": row["revoked_at"] or tx.now})
    tx.emit(
        row["workspace_id"],
        "token.revoked",
        {"id": row["public_id"], "token_hash": row["token_hash"]},
        audience=MEMBERS,
        member_ids=[row["member_id"]],
    )
    return view


def revoke_token_by_secret(tx: Tx, actor: Actor, secret: str) -> None:
    """Sign out: revoke the token the request came with."""
    row = tx.conn.execute(
        select(api_tokens.c.public_id).where(api_tokens.c.token_hash == token_hash(secret))
    ).first()
    if row is not None:
        revoke_token(tx, actor, row.public_id)
