"""Bearer tokens to actors, with a per-node cache invalidated by events."""

from __future__ import annotations

import threading
import time
from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tidings.core.credentials import token_hash
from tidings.core.roles import Actor, Role
from tidings.errors import NotAuthenticated, TokenInvalid
from tidings.live.wakeup import STALE_SIGN_INS
from tidings.store.models import api_tokens, members
from tidings.store.tx import PendingEvent

# Changes made in this process drop entries at once (see ``committed``), changes
# on other nodes when their wake-up arrives (``forget``); changes made where no
# wake-up comes from (the CLI on SQLite) take effect within this many seconds.
CACHE_SECONDS = 10.0


@dataclass(frozen=True)
class _Entry:
    actor: Actor
    expires_at: datetime | None
    cached_at: float


class TokenCache:
    """token hash -> actor. Dropped on revocation, role change and deactivation."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        # Bumped by every invalidation: a lookup that started before one must not be
        # cached after it, or a token revoked meanwhile would live on for a while.
        self.generation = 0

    def get(self, digest: str, now: datetime) -> Actor | None:
        entry = self._entries.get(digest)
        if entry is None or time.monotonic() - entry.cached_at > CACHE_SECONDS:
            return None
        if entry.expires_at is not None and entry.expires_at <= now:
            return None
        return entry.actor

    def put(self, digest: str, actor: Actor, expires_at: datetime | None, generation: int) -> None:
        with self._lock:
            if generation == self.generation:
                self._entries[digest] = _Entry(actor, expires_at, time.monotonic())

    def committed(self, committed: list[PendingEvent]) -> None:
        """Commit listener: forget what the committed events made stale."""
        tokens = {e.payload["token_hash"] for e in committed if e.type == "token.revoked"}
        members = {e.payload["id"] for e in committed if e.type in STALE_SIGN_INS}
        self.forget(tokens, members)

    def forget(self, tokens: Set[str], members: Set[int], everything: bool = False) -> None:
        """Drop these tokens' and members' entries (or all of them)."""
        if everything:
            self._drop(lambda _d, _e: True)
        elif tokens or members:
            self._drop(lambda d, e: d in tokens or e.actor.member_id in members)

    def _drop(self, doomed: object) -> None:
        with self._lock:
            self.generation += 1
            for digest, entry in list(self._entries.items()):
                if doomed(digest, entry):  # type: ignore[operator]
                    del self._entries[digest]


def lookup_token(conn: Connection, digest: str, now: datetime) -> tuple[Actor, datetime | None]:
    row = conn.execute(
        select(
            api_tokens.c.expires_at,
            api_tokens.c.revoked_at,
            members.c.id,
            members.c.workspace_id,
            members.c.role,
            members.c.handle,
            members.c.is_active,
        )
        .join(members, members.c.id == api_tokens.c.member_id)
        .where(api_tokens.c.token_hash == digest)
    ).first()
    if row is None or row.revoked_at is not None or not row.is_active:
        raise TokenInvalid()
    if row.expires_at is not None and row.expires_at <= now:
        raise TokenInvalid("The token has expired; sign in again")
    actor = Actor(row.id, row.workspace_id, Role(row.role), row.handle)
    return actor, row.expires_at


def bearer(header: str | None) -> str:
    if not header:
        raise NotAuthenticated("Send 'Authorization: Bearer <token>'")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise NotAuthenticated("Send 'Authorization: Bearer <token>'")
    return value.strip()


def digest_of(token: str) -> str:
    return token_hash(token)
