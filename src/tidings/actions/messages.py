"""Sending, editing and deleting messages, in topics and conversations."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, delete, false, func, literal_column, select, update

from tidings import views
from tidings.actions.attachments import attach_uploads, check_refs, filenames, remove_files
from tidings.actions.clip_comments import check_clip_pin
from tidings.actions.expectations import check_asks, expect_replies, settle_by_reply
from tidings.actions.expiry import check_edit, expire_when_read, expiry_values, schedule_expiry
from tidings.actions.later import clear_on_reply
from tidings.actions.link_previews import (
    drop_unlinked,
    purge_previews,
    request_previews,
)
from tidings.actions.mentions import resolve_mentions
from tidings.actions.notifications import check_urgent_budget, notify_message
from tidings.actions.places import (
    Place,
    conversation_place,
    followers_outside_query,
    place_of_message,
    topic_place,
)
from tidings.actions.subscriptions import follow_topic
from tidings.core.expectations import UNSETTLED
from tidings.core.markdown import ParsedBody
from tidings.core.permissions import require_delete_message, require_edit_message
from tidings.core.roles import Actor
from tidings.errors import Gone, InvalidInput, MessageTooLong, NotFound
from tidings.queries.channels import read_pointer
from tidings.queries.link_previews import previews_of
from tidings.store.file_refs import attachments_by_message
from tidings.store.lookups import message_row
from tidings.store.models import (
    channel_members,
    channels,
    conversation_reads,
    conversations,
    expectations,
    later_marks,
    members,
    mentions,
    message_edits,
    messages,
    reactions,
    topic_reads,
    topic_subscriptions,
    topics,
)
from tidings.store.search_index import index_message, reindex_message, unindex_message
from tidings.store.tx import Tx
from tidings.store.upsert import insert_ignore, raise_pointer

DEFAULT_MAX_LENGTH = 20_000
_PUNCTUATION = re.compile(r"[\W_]+")


class Priority(StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


def check_body(body: str, max_length: int = DEFAULT_MAX_LENGTH, *, files: bool = False) -> str:
    if not isinstance(body, str):
        raise InvalidInput("A message needs some text", field="body")
    if not body.strip() and not files:
        raise InvalidInput("A message needs some text", field="body")
    if len(body) > max_length:
        raise MessageTooLong(f"A message is at most {max_length} characters; this has {len(body)}")
    return body


def _check_priority(priority: str) -> Priority:
    try:
        return Priority(priority)
    except ValueError:
        raise InvalidInput(
            f'"{priority}" is not a priority: normal, high or urgent', field="priority"
        ) from None


def _check_reference(
    tx: Tx, actor: Actor, place: Place, message_id: int | None, field: str
) -> None:
    """A reply must point into the same place; a quote anywhere the author can read."""
    if message_id is None:
        return
    try:
        row = message_row(tx.conn, actor.workspace_id, message_id)
        target = place_of_message(tx, actor, row)
    except NotFound:
        raise InvalidInput(f"No message {message_id} to refer to", field=field) from None
    if field == "reply_to_id" and target.columns != place.columns:
        raise InvalidInput("A reply must be in the same topic or conversation", field=field)


def post_message(
    tx: Tx,
    actor: Actor,
    place: Place,
    *,
    body: str,
    priority: str = "normal",
    reply_to_id: int | None = None,
    quote_of_id: int | None = None,
    max_length: int = DEFAULT_MAX_LENGTH,
    asks: Iterable[Mapping[str, Any]] = (),
    first_in_topic: bool = False,
    title: str = "",
    expires_in_minutes: int | None = None,
    expire_after_read: bool = False,
    attachments: Iterable[Any] = (),
    clip_file_id: int | None = None,
    clip_at_ms: int | None = None,
    parsed: ParsedBody | None = None,
) -> dict[str, Any]:
    """Store a message where ``place`` says, with mentions, counters and its event;
    settle the replies it gives, record the replies it expects, and notify.
    A self-destructing one also gets its expiry scheduled. ``attachments`` name
    finished uploads of the author's (ids, or ``{"upload_id", "alt_text"}``);
    ``clip_file_id`` and ``clip_at_ms`` pin it to a moment of a clip here."""
    refs = check_refs(attachments)
    body = check_body(body, max_length, files=bool(refs))
    expiry = expiry_values(tx.now, expires_in_minutes, expire_after_read)
    level = _check_priority(priority)
    _check_reference(tx, actor, place, reply_to_id, "reply_to_id")
    _check_reference(tx, actor, place, quote_of_id, "quote_of_id")
    checked_asks = check_asks(tx, actor, place, asks)
    pinned = check_clip_pin(tx, actor, place, clip_file_id, clip_at_ms)
    urgent_allowed = level is Priority.URGENT and check_urgent_budget(
        tx, actor.member_id, place, _zone(tx, actor.member_id)
    )
    if parsed is None or parsed.text != body:
        parsed = ParsedBody(body)
    resolved = resolve_mentions(tx.conn, actor.workspace_id, parsed.mentions)
    values = {
        "workspace_id": actor.workspace_id,
        **place.columns,
        "author_id": actor.member_id,
        "body": body,
        "html": parsed.html(resolved.known),
        "priority": level.value,
        "reply_to_id": reply_to_id,
        "quote_of_id": quote_of_id,
        "created_at": tx.now,
        "edited_at": None,
        "deleted_at": None,
        **expiry,
        **pinned,
    }
    message_id = _insert_message(tx, place, values)
    files = attach_uploads(tx, actor, message_id, refs)
    names = [f["filename"] for f in files]
    index_message(tx.conn, message_id, searchable(parsed, names), files=bool(files))
    mentioned = place.readers_among(tx, resolved.member_ids - {actor.member_id})
    _record_mentions(tx, place, message_id, mentioned)
    _bump_counters(tx, place, message_id)
    around = _around(tx, actor, place, message_id)
    _mark_own_read(tx, actor, place, message_id, unseen_before=around.unseen)
    schedule_expiry(tx, {**values, "id": message_id})
    request_previews(tx, {**values, "id": message_id})
    # The author's pointer moved too: this message, or an earlier one, may now be read
    # by all (the author may be its only reader).
    if around.waiting:
        topic_ids, conversation_ids = _ids(place.topic_id), _ids(place.conversation_id)
        expire_when_read(tx, actor.workspace_id, topic_ids, conversation_ids)
    # Who follows from outside the channel is known when nobody new starts following.
    outsiders: tuple[int, ...] | None = None if around.outsiders else ()
    if place.topic_id is not None and (mentioned or not around.subscribed):
        follow_topic(tx, place.topic_id, [actor.member_id, *mentioned])
        outsiders = None
    view = {
        **views.message({**values, "id": message_id}, (), files),
        "mentions": sorted(mentioned),
    }
    place.emit(tx, "message.created", view, followers_outside=outsiders)
    settled = settle_by_reply(tx, actor, place, message_id) if around.owes else []
    if around.parked:
        clear_on_reply(tx, actor, place, message_id)
    owed = expect_replies(
        tx,
        actor,
        place,
        message_id,
        checked_asks,
        first_in_topic=first_in_topic,
        body=body,
        settles=bool(settled),
    )
    asked = {a["member_id"] for a in checked_asks}
    notify_message(tx, place, view, mentioned, asked, urgent_allowed, title or None)
    return {**view, "expectations": owed}


def _around_query(here_expected: Any, here_parked: Any, unseen: Any, topic: bool) -> Any:
    owes = select(expectations.c.id).where(
        here_expected,
        # The states written into the statement: an IN list of bound values would be
        # expanded into the SQL again on every execution.
        expectations.c.state.in_([literal_column(f"'{state}'") for state in UNSETTLED]),
        expectations.c.message_id < bindparam("message_id"),
    )
    parked = (
        select(later_marks.c.id)
        .join(messages, messages.c.id == later_marks.c.message_id)
        .where(
            later_marks.c.member_id == bindparam("member_id"),
            later_marks.c.cleared_at.is_(None),
            here_parked,
        )
    )
    waiting = select(messages.c.id).where(
        messages.c.expire_after_read.is_(True),
        messages.c.expired_at.is_(None),
        messages.c.workspace_id == bindparam("workspace_id"),
    )
    asked = [owes.exists(), parked.exists(), waiting.exists(), unseen.exists()]
    if not topic:
        return select(*asked, false(), false())
    subscribed = select(topic_subscriptions.c.member_id).where(
        topic_subscriptions.c.topic_id == bindparam("place_id"),
        topic_subscriptions.c.member_id == bindparam("member_id"),
    )
    outsiders = followers_outside_query(bindparam("place_id"), bindparam("channel_id"))
    return select(*asked, subscribed.exists(), outsiders.exists())


def _unseen_query(here: Any, pointer: Any) -> Any:
    """Messages by others before the new one and past the author's read pointer."""
    return select(messages.c.id).where(
        here,
        messages.c.id < bindparam("message_id"),
        messages.c.id > pointer,
        messages.c.author_id != bindparam("member_id"),
        messages.c.deleted_at.is_(None),
    )


# What is around a new message where it is sent, asked in one statement: replies
# still expected there, the author's Later marks there, messages that expire once
# read, whether something by others before it is unread for the author, whether the
# author has a subscription to the topic, and whether anyone follows it from outside
# the channel. Usually nothing (but the unread), and then the lookups and writes
# that act on them are skipped.
_AROUND_IN_TOPIC = _around_query(
    expectations.c.topic_id == bindparam("place_id"),
    messages.c.topic_id == bindparam("place_id"),
    _unseen_query(
        messages.c.topic_id == bindparam("place_id"),
        read_pointer(
            select(topic_reads.c.last_read_id)
            .where(
                topic_reads.c.member_id == bindparam("member_id"),
                topic_reads.c.topic_id == bindparam("place_id"),
            )
            .scalar_subquery(),
            select(channel_members.c.read_floor)
            .where(
                channel_members.c.member_id == bindparam("member_id"),
                channel_members.c.channel_id == bindparam("channel_id"),
            )
            .scalar_subquery(),
        ),
    ),
    topic=True,
)
_AROUND_IN_CONVERSATION = _around_query(
    expectations.c.conversation_id == bindparam("place_id"),
    messages.c.conversation_id == bindparam("place_id"),
    _unseen_query(
        messages.c.conversation_id == bindparam("place_id"),
        func.coalesce(
            select(conversation_reads.c.last_read_id)
            .where(
                conversation_reads.c.member_id == bindparam("member_id"),
                conversation_reads.c.conversation_id == bindparam("place_id"),
            )
            .scalar_subquery(),
            0,
        ),
    ),
    topic=False,
)


@dataclass(frozen=True)
class _Around:
    owes: bool  # replies are still expected here
    parked: bool  # the author has Later marks here
    waiting: bool  # messages in the workspace wait to be read by all before expiring
    unseen: bool  # a message by others before this one is unread for the author
    subscribed: bool  # the author has a subscription (following or muted) to the topic
    outsiders: bool  # someone follows the topic from outside its channel


def _around(tx: Tx, actor: Actor, place: Place, message_id: int) -> _Around:
    params: dict[str, Any] = {
        "member_id": actor.member_id,
        "message_id": message_id,
        "workspace_id": actor.workspace_id,
    }
    if place.topic_id is not None and place.channel is not None:
        query = _AROUND_IN_TOPIC
        params.update(place_id=place.topic_id, channel_id=place.channel.id)
    else:
        query, params["place_id"] = _AROUND_IN_CONVERSATION, place.conversation_id
    return _Around(*(bool(found) for found in tx.conn.execute(query, params).one()))


def parse_ahead(body: Any, max_length: int = DEFAULT_MAX_LENGTH) -> ParsedBody | None:
    """The body parsed before the action runs (in the request, not in the writer,
    whose serial section then holds little more than SQL); None for what the action
    will refuse anyway. ``post_message(parsed=...)`` uses it."""
    if not isinstance(body, str) or len(body) > max_length:
        return None
    return ParsedBody(body)


def searchable(parsed: ParsedBody, names: Iterable[str]) -> str:
    """The text the search index holds: the body's words, then the files' names, also
    split at punctuation (PostgreSQL reads "q3-plan.pdf" as one word otherwise)."""
    words = [f"{name} {_PUNCTUATION.sub(' ', name)}" for name in names]
    return "\n".join([parsed.plain_text(), *words])


def _ids(place_id: int | None) -> list[int]:
    return [] if place_id is None else [place_id]


def _zone(tx: Tx, member_id: int) -> str:
    return str(
        tx.conn.execute(select(members.c.time_zone).where(members.c.id == member_id)).scalar_one()
    )


def send_to_topic(tx: Tx, actor: Actor, topic_id: int, **fields: Any) -> dict[str, Any]:
    place, _ = topic_place(tx, actor, topic_id, posting=True)
    return post_message(tx, actor, place, **fields)


def send_to_conversation(
    tx: Tx, actor: Actor, conversation_id: int, **fields: Any
) -> dict[str, Any]:
    return post_message(tx, actor, conversation_place(tx, actor, conversation_id), **fields)


def _record_mentions(tx: Tx, place: Place, message_id: int, member_ids: set[int]) -> None:
    rows = [
        {
            "message_id": message_id,
            "member_id": member_id,
            "topic_id": place.topic_id,
            "conversation_id": place.conversation_id,
        }
        for member_id in member_ids
    ]
    insert_ignore(tx.conn, mentions, rows, ["message_id", "member_id"])


_BUMP_TOPIC = (
    update(topics)
    .where(topics.c.id == bindparam("place_id"))
    .values(
        last_message_id=bindparam("message_id"),
        last_message_at=bindparam("now"),
        message_count=topics.c.message_count + 1,
    )
)
_BUMP_CHANNEL = (
    update(channels)
    .where(channels.c.id == bindparam("place_id"))
    .values(last_message_id=bindparam("message_id"))
)
_BUMP_CONVERSATION = (
    update(conversations)
    .where(conversations.c.id == bindparam("place_id"))
    .values(
        last_message_id=bindparam("message_id"),
        last_message_at=bindparam("now"),
        message_count=conversations.c.message_count + 1,
    )
)


def _numbered_insert(count: Any) -> Any:
    """Insert a message at its place's next position (its count before the bump that
    follows, plus one): positions run 1, 2, 3… without gaps, since one writer at a
    time sends there (see store/writer.py)."""
    position = select(count + 1).where(count.table.c.id == bindparam("numbered_in"))
    return messages.insert().values(seq=position.scalar_subquery())


_INSERT_IN_TOPIC = _numbered_insert(topics.c.message_count)
_INSERT_IN_CONVERSATION = _numbered_insert(conversations.c.message_count)


def _insert_message(tx: Tx, place: Place, values: dict[str, Any]) -> int:
    in_topic = place.topic_id is not None
    statement = _INSERT_IN_TOPIC if in_topic else _INSERT_IN_CONVERSATION
    numbered_in = place.topic_id if in_topic else place.conversation_id
    key = tx.conn.execute(statement, {**values, "numbered_in": numbered_in}).inserted_primary_key
    assert key is not None
    return int(key[0])


def _bump_counters(tx: Tx, place: Place, message_id: int) -> None:
    params = {"message_id": message_id, "now": tx.now}
    if place.topic_id is not None and place.channel is not None:
        tx.conn.execute(_BUMP_TOPIC, {**params, "place_id": place.topic_id})
        tx.conn.execute(_BUMP_CHANNEL, {"message_id": message_id, "place_id": place.channel.id})
    else:
        tx.conn.execute(_BUMP_CONVERSATION, {**params, "place_id": place.conversation_id})


def _mark_own_read(
    tx: Tx, actor: Actor, place: Place, message_id: int, *, unseen_before: bool
) -> None:
    """The author has read what they wrote, and what came before it only if nothing
    from others lies unread in between (``unseen_before``): sending is not reading.
    Their own messages never count as unread for them, so a pointer left behind costs
    them nothing."""
    if unseen_before:
        return
    values: dict[str, Any]
    if place.topic_id is not None:
        values = {"member_id": actor.member_id, "topic_id": place.topic_id}
        table, key = topic_reads, "topic_id"
    else:
        values = {"member_id": actor.member_id, "conversation_id": place.conversation_id}
        table, key = conversation_reads, "conversation_id"
    raise_pointer(
        tx.conn, table, {**values, "last_read_id": message_id}, ["member_id", key], "last_read_id"
    )


def edit_message(
    tx: Tx,
    actor: Actor,
    message_id: int,
    body: str,
    max_length: int = DEFAULT_MAX_LENGTH,
    **expiry: Any,
) -> dict[str, Any]:
    """Replace the body; the previous version goes to the edit history. The expiry
    stays as sent: ``expiry`` may only repeat it (see ``expiry.check_edit``)."""
    row = message_row(tx.conn, actor.workspace_id, message_id)
    place = place_of_message(tx, actor, row)
    require_edit_message(actor, row["author_id"])
    if row["deleted_at"] is not None:
        raise Gone("The message was deleted")
    if row["expired_at"] is not None:
        raise Gone("The message expired")
    check_edit(row, expiry)
    body = check_body(body, max_length)
    if body == row["body"]:
        return _view(tx, row)
    tx.conn.execute(
        message_edits.insert().values(
            message_id=message_id, editor_id=actor.member_id, body=row["body"], replaced_at=tx.now
        )
    )
    parsed = ParsedBody(body)
    resolved = resolve_mentions(tx.conn, actor.workspace_id, parsed.mentions)
    html = parsed.html(resolved.known)
    tx.conn.execute(
        update(messages)
        .where(messages.c.id == message_id)
        .values(body=body, html=html, edited_at=tx.now)
    )
    reindex_message(tx.conn, message_id, searchable(parsed, filenames(tx, message_id)))
    drop_unlinked(tx, message_id, html)
    request_previews(tx, {**row, "html": html})
    mentioned = place.readers_among(tx, resolved.member_ids - {actor.member_id})
    # The mentions follow the text: those edited out go, those edited in follow the topic.
    tx.conn.execute(
        delete(mentions).where(
            mentions.c.message_id == message_id, mentions.c.member_id.not_in(mentioned)
        )
    )
    _record_mentions(tx, place, message_id, mentioned)
    if place.topic_id is not None:
        follow_topic(tx, place.topic_id, mentioned)
    view = _view(tx, {**row, "body": body, "html": html, "edited_at": tx.now})
    place.emit(tx, "message.updated", view)
    return view


def delete_message(
    tx: Tx, actor: Actor, message_id: int, *, delete_files: bool = False
) -> dict[str, Any]:
    """Delete, leaving a tombstone: the text, its history and reactions are removed.
    Its files stay with the tombstone unless ``delete_files`` asks for them to go too
    (their bytes go once nothing else has them)."""
    row = message_row(tx.conn, actor.workspace_id, message_id)
    place = place_of_message(tx, actor, row)
    require_delete_message(actor, row["author_id"])
    if delete_files:
        remove_files(tx, [message_id])
    if row["deleted_at"] is None:
        tx.conn.execute(
            update(messages)
            .where(messages.c.id == message_id)
            .values(body="", html="", deleted_at=tx.now)
        )
        for table in (message_edits, reactions, mentions):
            tx.conn.execute(delete(table).where(table.c.message_id == message_id))
        unindex_message(tx.conn, message_id)
        purge_previews(tx, message_id)
    files = attachments_by_message(tx.conn, [message_id]).get(message_id, [])
    view = views.message(
        {**row, "body": "", "html": "", "deleted_at": row["deleted_at"] or tx.now}, (), files
    )
    place.emit(tx, "message.deleted", view)
    return view


def _view(tx: Tx, row: Any) -> dict[str, Any]:
    reaction_rows = tx.conn.execute(
        select(reactions.c.emoji, reactions.c.member_id)
        .where(reactions.c.message_id == row["id"])
        .order_by(reactions.c.created_at)
    ).mappings()
    files = attachments_by_message(tx.conn, [row["id"]]).get(row["id"], [])
    previews = previews_of(tx.conn, [row["id"]]).get(row["id"], [])
    return views.message(row, reaction_rows, files, previews)
