"""Idempotent creates: a retry with the same key returns the original result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import select

from tidings.core.roles import Actor
from tidings.errors import Conflict, InvalidInput
from tidings.store.models import idempotency_keys
from tidings.store.tx import Tx

MAX_KEY_LENGTH = 200


class KeyReused(Conflict):
    code = "idempotency_key_reused"
    title = "This Idempotency-Key was used for a different request"


def idempotent(
    tx: Tx,
    actor: Actor,
    key: str,
    fingerprint: str,
    status: int,
    action: Callable[[Tx], Any],
) -> tuple[int, Any]:
    """Run ``action`` once per (member, key); later calls get the stored answer.

    The key row is written in the same transaction as the action's rows, so
    either both exist or neither does, whatever crashes in between.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    stored = (
        tx.conn.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.member_id == actor.member_id, idempotency_keys.c.key == key
            )
        )
        .mappings()
        .first()
    )
    if stored is not None:
        if stored["fingerprint"] != fingerprint:
            raise KeyReused()
        return stored["status"], orjson.loads(stored["response"])
    result = action(tx)
    tx.conn.execute(
        idempotency_keys.insert().values(
            member_id=actor.member_id,
            key=key,
            fingerprint=fingerprint,
            status=status,
            response=orjson.dumps(result).decode(),
            created_at=tx.now,
        )
    )
    return status, result
