"""Self-destructing messages: scheduling their end, and purging them when it comes.

A message may expire at a time, once every recipient has read it, or at whichever
comes first. Its recipients, for the after-read rule, are the participants of its
conversation, or the members of its channel who had joined by the time it was
sent; deactivated members and those who left since do not hold it back.

Expiry purges rather than hides: the body, its rendering, every earlier version,
reactions, mentions, the search entry, the copies in idempotent responses and in
the event log. A placeholder row stays, so the thread keeps its shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import and_, bindparam, case, delete, func, or_, select, text, update

from tidings.actions.attachments import remove_files
from tidings.actions.link_previews import PREVIEWED, purge_previews
from tidings.core.expiry import expiry_time
from tidings.errors import InvalidInput
from tidings.store import jobs
from tidings.store.lookups import conversation_member_ids
from tidings.store.models import (
    attachments,
    channel_members,
    conversation_members,
    conversation_reads,
    events,
    idempotency_keys,
    members,
    mentions,
    message_edits,
    messages,
    reactions,
    topic_reads,
)
from tidings.store.search_index import unindex_message
from tidings.store.tx import CHANNEL, MEMBERS, Tx

EXPIRE = "message.expire"
EXPIRED = "message.expired"
# Any event that could carry a message's text, whatever its type, is rewritten; these
# are the ones known to, and are found by their leading id even after an edit.
_CARRIERS = (
    "message.created",
    "message.updated",
    "message.deleted",
    "message.files_changed",
    PREVIEWED,
)


def expiry_values(
    now: datetime, expires_in_minutes: int | None, expire_after_read: bool
) -> dict[str, Any]:
    """The message columns for the expiry a sender chose."""
    if not isinstance(expire_after_read, bool):
        raise InvalidInput("expire_after_read is true or false", field="expire_after_read")
    return {
        "expires_at": expiry_time(now, expires_in_minutes),
        "expire_after_read": expire_after_read,
        "expired_at": None,
    }


def _key(message_id: int) -> str:
    return f"message:{message_id}:expire"


def schedule_expiry(tx: Tx, row: Mapping[Any, Any]) -> None:
    """On sending: the job at the expiry time, if there is one."""
    if row["expires_at"] is not None:
        jobs.enqueue(
            tx,
            EXPIRE,
            row["expires_at"],
            {"message_id": row["id"]},
            workspace_id=row["workspace_id"],
            dedupe_key=_key(row["id"]),
        )


def _expire_now(tx: Tx, row: Mapping[Any, Any]) -> None:
    # One job per message: a timed one still pending is brought forward.
    if not jobs.reschedule(tx, _key(row["id"]), tx.now):
        jobs.enqueue(
            tx,
            EXPIRE,
            tx.now,
            {"message_id": row["id"]},
            workspace_id=row["workspace_id"],
            dedupe_key=_key(row["id"]),
        )


# Built once: every message sent moves its author's pointer and looks here.
_WAITING_FOR_READERS = select(messages).where(
    messages.c.expire_after_read.is_(True),
    messages.c.expired_at.is_(None),
    messages.c.workspace_id == bindparam("ws"),
)


def expire_when_read(
    tx: Tx,
    workspace_id: int,
    topic_ids: Iterable[int] = (),
    conversation_ids: Iterable[int] = (),
) -> int:
    """After read pointers moved in these places: start the expiry of every after-read
    message there that all its recipients have now read. Returns how many."""
    topics_, conversations_ = set(topic_ids), set(conversation_ids)
    if not topics_ and not conversations_:
        return 0
    # Only messages still waiting are looked at (a few, found by their index),
    # so marking everything read costs no more than marking one topic.
    waiting = tx.conn.execute(_WAITING_FOR_READERS, {"ws": workspace_id}).mappings().all()
    started = 0
    for row in waiting:
        here = row["topic_id"] in topics_ or row["conversation_id"] in conversations_
        if here and _everyone_read(tx, row):
            _expire_now(tx, row)
            started += 1
    return started


def _everyone_read(tx: Tx, row: Mapping[Any, Any]) -> bool:
    if row["conversation_id"] is not None:
        link, reads = conversation_members, conversation_reads
        place = link.c.conversation_id == row["conversation_id"]
        read_here = reads.c.conversation_id == row["conversation_id"]
    else:
        link, reads = channel_members, topic_reads
        place = and_(link.c.channel_id == row["channel_id"], link.c.joined_at <= row["created_at"])
        read_here = reads.c.topic_id == row["topic_id"]
    # The author has read their own message even when their pointer stayed behind
    # unread messages of others (see ``messages._mark_own_read``).
    has_read = case((or_(link.c.member_id == row["author_id"], reads.c.member_id.is_not(None)), 1))
    query = (
        select(func.count(link.c.member_id), func.count(has_read))
        .select_from(
            link.join(
                members, and_(members.c.id == link.c.member_id, members.c.is_active)
            ).outerjoin(
                reads,
                and_(
                    reads.c.member_id == link.c.member_id,
                    read_here,
                    reads.c.last_read_id >= row["id"],
                ),
            )
        )
        .where(place)
    )
    recipients, have_read = tx.conn.execute(query).one()
    return bool(recipients) and recipients == have_read


def _is_due(tx: Tx, row: Mapping[Any, Any]) -> bool:
    if row["expires_at"] is not None and row["expires_at"] <= tx.now:
        return True
    return bool(row["expire_after_read"]) and _everyone_read(tx, row)


def check_edit(row: Mapping[Any, Any], changes: Mapping[str, Any]) -> None:
    """An edit keeps the expiry chosen when sending: a self-destructing message cannot be
    edited into permanence (nor given a new lifetime), and expiry is not added later."""
    asked_time = "expires_in_minutes" in changes and (
        changes["expires_in_minutes"] is not None or row["expires_at"] is not None
    )
    asked_read = "expire_after_read" in changes and bool(changes["expire_after_read"]) != bool(
        row["expire_after_read"]
    )
    if not (asked_time or asked_read):
        return
    if row["expires_at"] is not None or row["expire_after_read"]:
        raise InvalidInput(
            "A self-destructing message keeps its expiry: it cannot be edited into permanence",
            field="expires_in_minutes" if asked_time else "expire_after_read",
        )
    raise InvalidInput(
        "Expiry is chosen when sending; an edit cannot add it",
        field="expires_in_minutes" if asked_time else "expire_after_read",
    )


def expire_message(tx: Tx, message_id: int) -> bool:
    """Purge a self-destructing message whose time has come; True if this call did it.

    The guarded update on ``expired_at`` makes it happen once, however often the job
    runs: a second run, or one racing it on another node, finds nothing to change."""
    row = tx.conn.execute(select(messages).where(messages.c.id == message_id)).mappings().first()
    if row is None or row["expired_at"] is not None or not _is_due(tx, row):
        return False
    versions = [row["body"], *_earlier_versions(tx, message_id)]
    names = _file_texts(tx, message_id)
    claimed = tx.conn.execute(
        update(messages)
        .where(messages.c.id == message_id, messages.c.expired_at.is_(None))
        .values(body="", html="", expired_at=tx.now)
    )
    if claimed.rowcount != 1:
        return False
    for table in (message_edits, reactions, mentions):
        tx.conn.execute(delete(table).where(table.c.message_id == message_id))
    remove_files(tx, [message_id])
    unindex_message(tx.conn, message_id)
    purge_previews(tx, message_id)
    _compact_search_index(tx)
    needles = [_needle(v) for v in dict.fromkeys(versions) if v] + names
    _scrub_idempotent_responses(tx, row["author_id"], message_id, needles)
    _scrub_events(tx, row["workspace_id"], message_id, needles)
    _announce(tx, row)
    return True


def _earlier_versions(tx: Tx, message_id: int) -> list[str]:
    return list(
        tx.conn.execute(
            select(message_edits.c.body).where(message_edits.c.message_id == message_id)
        ).scalars()
    )


def _file_texts(tx: Tx, message_id: int) -> list[str]:
    """The files' names and alt texts as they appear inside stored JSON."""
    rows = tx.conn.execute(
        select(attachments.c.filename, attachments.c.alt_text).where(
            attachments.c.message_id == message_id
        )
    ).all()
    found = [f'"filename":{orjson.dumps(name).decode()}' for name, _ in rows]
    found += [f'"alt_text":{orjson.dumps(alt).decode()}' for _, alt in rows if alt]
    return found


def _compact_search_index(tx: Tx) -> None:
    """FTS5 deletes by appending tombstones: the terms stay in older index segments until
    they are merged. Merging them all now is what takes the words out of the file."""
    if tx.dialect == "sqlite":
        tx.conn.execute(text("INSERT INTO message_search(message_search) VALUES ('optimize')"))


def _needle(body: str) -> str:
    """The body as it appears inside stored JSON (orjson, like every writer here)."""
    return '"body":' + orjson.dumps(body).decode()


def _blank(value: Any, message_id: int) -> Any:
    """The JSON with this message's text, rendering and reactions emptied, anywhere."""
    if isinstance(value, dict):
        blanked = {k: _blank(v, message_id) for k, v in value.items()}
        if blanked.get("id") == message_id and ("body" in blanked or "previews" in blanked):
            blanked.update(
                body="", html="", reactions=[], previews=[], attachments=[], expired=True
            )
        return blanked
    if isinstance(value, list):
        return [_blank(v, message_id) for v in value]
    return value


def _scrubbed(stored: str, message_id: int, needles: list[str]) -> str:
    cleaned = orjson.dumps(_blank(orjson.loads(stored), message_id)).decode()
    if any(n in cleaned for n in needles):  # the text in a shape not known here
        return orjson.dumps({"id": message_id, "expired": True}).decode()
    return cleaned


def _scrub_idempotent_responses(
    tx: Tx, author_id: int, message_id: int, needles: list[str]
) -> None:
    """A retry of the send still gets its answer, now the placeholder, not the text."""
    if not needles:
        return
    table = idempotency_keys
    found = tx.conn.execute(
        select(table.c.member_id, table.c.key, table.c.response).where(
            table.c.member_id == author_id,
            or_(*(table.c.response.contains(n, autoescape=True) for n in needles)),
        )
    ).all()
    for member_id, key, response in found:
        tx.conn.execute(
            update(table)
            .where(table.c.member_id == member_id, table.c.key == key)
            .values(response=_scrubbed(response, message_id, needles))
        )


def _scrub_events(tx: Tx, workspace_id: int, message_id: int, needles: list[str]) -> None:
    """Clients resuming from the log see the placeholder instead of the text."""
    leading_id = '{"id":' + str(message_id) + ","
    carriers = and_(
        events.c.type.in_(_CARRIERS), events.c.payload.startswith(leading_id, autoescape=True)
    )
    found = tx.conn.execute(
        select(events.c.id, events.c.payload).where(
            events.c.workspace_id == workspace_id,
            or_(carriers, *(events.c.payload.contains(n, autoescape=True) for n in needles)),
        )
    ).all()
    for event_id, payload in found:
        tx.conn.execute(
            update(events)
            .where(events.c.id == event_id)
            .values(payload=_scrubbed(payload, message_id, needles))
        )


def _announce(tx: Tx, row: Mapping[Any, Any]) -> None:
    payload = {
        "id": row["id"],
        "channel_id": row["channel_id"],
        "topic_id": row["topic_id"],
        "conversation_id": row["conversation_id"],
    }
    if row["channel_id"] is not None:
        tx.emit(
            row["workspace_id"], EXPIRED, payload, audience=CHANNEL, channel_id=row["channel_id"]
        )
    else:
        participants = sorted(conversation_member_ids(tx.conn, row["conversation_id"]))
        tx.emit(row["workspace_id"], EXPIRED, payload, audience=MEMBERS, member_ids=participants)
