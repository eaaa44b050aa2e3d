"""Keys the server makes for itself: made once, kept in the database, so every
node signs and checks with the same one."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from tidings.store.models import server_secrets
from tidings.store.tx import Tx
from tidings.store.upsert import insert_ignore

FILE_LINKS = "file_links"


def server_key(tx: Tx, name: str) -> str:
    """The key called ``name``; the first caller makes it."""
    insert_ignore(
        tx.conn, server_secrets, [{"name": name, "value": secrets.token_hex(32)}], ["name"]
    )
    return str(
        tx.conn.execute(
            select(server_secrets.c.value).where(server_secrets.c.name == name)
        ).scalar_one()
    )
