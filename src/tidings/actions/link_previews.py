"""Link previews of the web links in a message: asked for when it is sent or
edited, stored when the job has fetched them, purged with the message.

A preview is part of its message: it is read only along with the message,
through the same access checks, and gone when the message is deleted or expires,
its image's bytes with it (unless something else still names them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from sqlalchemy import delete, select, update

from tidings.actions.blobs import release
from tidings.core.links import links_in
from tidings.queries.link_previews import previews_of
from tidings.store import jobs
from tidings.store.lookups import conversation_member_ids
from tidings.store.models import jobs as job_rows
from tidings.store.models import link_previews, messages
from tidings.store.tx import CHANNEL, MEMBERS, Tx
from tidings.store.upsert import insert_ignore
from tidings.unfurl.setup import setup_for

UNFURL = "message.unfurl"
PREVIEWED = "message.previews"
# Each attempt fetches every link again; a page that failed twice is left alone.
MAX_ATTEMPTS = 2


def request_previews(tx: Tx, row: Mapping[str, Any]) -> list[str]:
    """In the transaction that stores or edits the message: the job that fetches
    previews of its links not previewed yet, when previews are on. Returns the links."""
    setup = setup_for(tx.conn.engine)
    if setup is None:
        return []
    have = set(_previewed_urls(tx, row["id"]))
    wanted = [url for url in links_in(row["html"], setup.max_links) if url not in have]
    if not wanted:
        return []
    digest = hashlib.sha256("\n".join(wanted).encode()).hexdigest()[:16]
    jobs.enqueue(
        tx,
        UNFURL,
        tx.now,
        {"message_id": row["id"], "urls": wanted},
        workspace_id=row["workspace_id"],
        dedupe_key=f"message:{row['id']}:unfurl:{digest}",
        max_attempts=MAX_ATTEMPTS,
    )
    return wanted


def drop_unlinked(tx: Tx, message_id: int, html: str) -> None:
    """After an edit: previews of links the message no longer has go."""
    linked = set(links_in(html, 1000))
    stale = [url for url in _previewed_urls(tx, message_id) if url not in linked]
    if stale:
        _delete(tx, message_id, link_previews.c.url.in_(stale))


def purge_previews(tx: Tx, message_id: int) -> None:
    """With the message's text, on delete and on expiry; its jobs forget its links
    (finished jobs are kept, and their payloads would keep the message's URLs)."""
    _delete(tx, message_id)
    tx.conn.execute(
        update(job_rows)
        .where(
            job_rows.c.kind == UNFURL,
            job_rows.c.dedupe_key.like(f"message:{message_id}:unfurl:%"),
        )
        .values(payload=orjson.dumps({"message_id": message_id, "urls": []}).decode())
    )


def _delete(tx: Tx, message_id: int, *where: Any) -> None:
    chosen = (link_previews.c.message_id == message_id, *where)
    images = tx.conn.execute(
        select(link_previews.c.image_sha256).where(
            *chosen, link_previews.c.image_sha256.is_not(None)
        )
    ).scalars()
    digests = list(images)
    tx.conn.execute(delete(link_previews).where(*chosen))
    release(tx, digests)


def save_previews(tx: Tx, message_id: int, found: Iterable[Mapping[str, Any]]) -> int:
    """Store what the job fetched and tell the message's readers; returns how many.

    Nothing is stored for a message deleted or expired in the meantime, nor for a
    link an edit has taken out since the job was asked for."""
    found = list(found)
    images = [item["image_sha256"] for item in found if item.get("image_sha256")]
    saved = _save(tx, message_id, found)
    release(tx, images)  # the images of previews not kept: their bytes go
    return saved


def _save(tx: Tx, message_id: int, found: list[Mapping[str, Any]]) -> int:
    row = tx.conn.execute(select(messages).where(messages.c.id == message_id)).mappings().first()
    if row is None or row["deleted_at"] is not None or row["expired_at"] is not None:
        return 0
    linked = links_in(row["html"], 1000)
    rows = [
        {
            "message_id": message_id,
            "workspace_id": row["workspace_id"],
            "url": item["url"],
            "position": linked.index(item["url"]),
            "title": item["title"],
            "description": item["description"],
            "site_name": item["site_name"],
            "image_url": item["image_url"],
            "image_sha256": item.get("image_sha256"),
            "image_width": item.get("image_width"),
            "image_height": item.get("image_height"),
            "fetched_at": tx.now,
        }
        for item in found
        if item["url"] in linked
    ]
    if not rows:
        return 0
    insert_ignore(tx.conn, link_previews, rows, ["message_id", "url"])
    _announce(tx, row, previews_of(tx.conn, [message_id]).get(message_id, []))
    return len(rows)


def _previewed_urls(tx: Tx, message_id: int) -> list[str]:
    return list(
        tx.conn.execute(
            select(link_previews.c.url).where(link_previews.c.message_id == message_id)
        ).scalars()
    )


def _announce(tx: Tx, row: Mapping[Any, Any], previews: list[dict[str, Any]]) -> None:
    payload = {
        "id": row["id"],
        "channel_id": row["channel_id"],
        "topic_id": row["topic_id"],
        "conversation_id": row["conversation_id"],
        "previews": previews,
    }
    if row["channel_id"] is not None:
        tx.emit(
            row["workspace_id"], PREVIEWED, payload, audience=CHANNEL, channel_id=row["channel_id"]
        )
    else:
        readers = sorted(conversation_member_ids(tx.conn, row["conversation_id"]))
        tx.emit(row["workspace_id"], PREVIEWED, payload, audience=MEMBERS, member_ids=readers)
