"""Catch-up's "New clips" section: voice notes and video clips others posted since
a moment, in places the member may read now, each with the first words of its
transcript when there is one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection

from tidings import views
from tidings.core.files import Kind
from tidings.core.roles import Actor
from tidings.store.access import readable_message
from tidings.store.clips import DONE
from tidings.store.models import attachments, messages, transcripts

SECTION_LIMIT = 20
FIRST_WORDS = 12


def first_words(text: str, count: int = FIRST_WORDS) -> str:
    words = text.split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")


def new_clips(
    conn: Connection, actor: Actor, since: datetime, names: dict[int, str]
) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(
            attachments.c.id.label("file_id"),
            attachments.c.filename,
            attachments.c.kind,
            attachments.c.duration_ms,
            messages.c.id,
            messages.c.author_id,
            messages.c.topic_id,
            messages.c.conversation_id,
            messages.c.created_at,
            transcripts.c.text.label("transcript"),
        )
        .select_from(
            attachments.join(messages, messages.c.id == attachments.c.message_id).outerjoin(
                transcripts,
                and_(
                    transcripts.c.source_sha256 == attachments.c.sha256,
                    transcripts.c.state == DONE,
                ),
            )
        )
        .where(
            attachments.c.kind.in_(Kind.CLIPS),
            messages.c.workspace_id == actor.workspace_id,
            messages.c.created_at > since,
            messages.c.author_id != actor.member_id,
            messages.c.deleted_at.is_(None),
            messages.c.expired_at.is_(None),
            readable_message(actor),
        )
        .order_by(messages.c.id, attachments.c.position)
        .limit(SECTION_LIMIT)
    ).all()
    return [
        {
            "file_id": row.file_id,
            "message_id": row.id,
            "author_id": row.author_id,
            "author_name": names.get(row.author_id, "someone"),
            "topic_id": row.topic_id,
            "conversation_id": row.conversation_id,
            "created_at": views.iso(row.created_at),
            "filename": row.filename,
            "kind": row.kind,
            "duration_ms": row.duration_ms,
            "first_words": first_words(row.transcript or ""),
        }
        for row in rows
    ]
