"""Housekeeping of the event log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from tidings.store.models import events, idempotency_keys
from tidings.store.tx import Tx


def purge_events(tx: Tx, older_than: datetime) -> int:
    """Drop events created before ``older_than``; clients resuming past them get a reset."""
    return int(tx.conn.execute(delete(events).where(events.c.created_at < older_than)).rowcount)


def purge_idempotency_keys(tx: Tx, older_than: datetime) -> int:
    """Forget idempotency keys older than ``older_than``: retries come within minutes."""
    table = idempotency_keys
    return int(tx.conn.execute(delete(table).where(table.c.created_at < older_than)).rowcount)
