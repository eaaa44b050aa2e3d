"""Everything that checks or sets a password, shared by the API and the web UI.

Each follows the same order so that argon2 never runs inside the writer: read
what is needed on a read connection, hash or check in ``PasswordWork``'s own
threads, then write in one short transaction that re-checks what it relied on.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tidings.actions import auth, invitations
from tidings.actions.workspaces import set_up_first_workspace
from tidings.api.services import Services
from tidings.core import names
from tidings.core.roles import Actor
from tidings.errors import InvalidCredentials
from tidings.store.lookups import member_row


async def sign_in(
    svc: Services, *, email: str, password: str, workspace: str | None, client: str
) -> dict[str, Any]:
    """Exchange e-mail and password for a login token, within the sign-in limits."""
    key = names.email_key(email)
    svc.login_limiter.check(key, client)
    candidates = await svc.db.aread(lambda c: auth.login_candidates(c, key, workspace))
    matching = [
        row for row in candidates if await svc.passwords.verify(row.password_hash, password)
    ]
    if not candidates:
        await svc.passwords.verify(None, password)  # the same cost as a known e-mail
    try:
        account = auth.choose_account(matching)
    except InvalidCredentials:
        svc.login_limiter.failed(key, client)
        raise
    lifetime = timedelta(days=svc.settings.login_token_days)
    result = await svc.db.awrite(lambda tx: auth.sign_in(tx, account, lifetime))
    svc.login_limiter.succeeded(key, client)
    return result


async def join(
    svc: Services, *, token: str, email: str, display_name: str, password: str, time_zone: str
) -> dict[str, Any]:
    """Accept an invitation. An e-mail that is a member already is checked like a
    sign-in and uses the invitation up, so the answer never tells who is a member."""
    key = names.email(email)
    now = svc.db.clock.now()
    account = await svc.db.aread(lambda c: invitations.account_for(c, token, key, now))
    password_hash, matches = None, False
    if account is None:
        password_hash = await svc.passwords.hash_new(password)
    else:
        matches = await svc.passwords.verify(account.password_hash, password)
    lifetime = timedelta(days=svc.settings.login_token_days)
    result = await svc.db.awrite(
        lambda tx: invitations.accept_invitation(
            tx,
            token=token,
            email=key,
            display_name=display_name,
            password_hash=password_hash,
            time_zone=time_zone,
            lifetime=lifetime,
            account=account,
            password_matches=matches,
        )
    )
    if result.get("refused"):
        raise InvalidCredentials()
    return result


async def set_up(svc: Services, *, owner_password: str, **values: Any) -> dict[str, Any]:
    """First-run setup: the first workspace, its owner and their sign-in token."""
    names.email(values["owner_email"])  # refuse a bad e-mail before paying for a hash
    password_hash = await svc.passwords.hash_new(owner_password)
    lifetime = timedelta(days=svc.settings.login_token_days)
    return await svc.db.awrite(
        lambda tx: set_up_first_workspace(
            tx, owner_password_hash=password_hash, lifetime=lifetime, **values
        )
    )


async def password_change(
    svc: Services, actor: Actor, *, password: str, current_password: str | None
) -> dict[str, str]:
    """The new password's hash and the hash it replaces, once the current password was
    checked: ``update_profile`` takes both and refuses if the password changed since."""
    names.password(password)
    row = await svc.db.aread(lambda c: member_row(c, actor.workspace_id, actor.member_id))
    if not await svc.passwords.verify(row["password_hash"], current_password or ""):
        raise InvalidCredentials("The current password is wrong", field="current_password")
    new_hash = await svc.passwords.hash_new(password)
    return {"password_hash": new_hash, "replaces_hash": row["password_hash"]}


async def chosen_password(svc: Services, password: str | None) -> str | None:
    """The hash of a password someone chose for a new member (none: invite-only)."""
    return await svc.passwords.hash_new(password) if password else None
