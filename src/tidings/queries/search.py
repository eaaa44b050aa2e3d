"""Search: parse the query (core), run it with the permission filter (store), shape hits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tidings.core.roles import Actor
from tidings.core.search_query import parse_search_query
from tidings.queries.clips import spoken_matches
from tidings.queries.messages import _with_reactions
from tidings.queries.paging import check_limit, decode, page
from tidings.store.models import channels, messages, topics
from tidings.store.search import search_messages


def search(
    conn: Connection, actor: Actor, query: str, *, cursor: str | None = None, limit: int = 20
) -> dict[str, Any]:
    parsed = parse_search_query(query)
    limit = check_limit(limit)
    hits = search_messages(conn, actor, parsed, decode(cursor), limit + 1)
    rows = (
        conn.execute(
            select(
                messages, topics.c.title.label("topic_title"), channels.c.name.label("channel_name")
            )
            .select_from(
                messages.outerjoin(topics).outerjoin(
                    channels, channels.c.id == messages.c.channel_id
                )
            )
            .where(messages.c.id.in_([h["id"] for h in hits]))
        )
        .mappings()
        .all()
    )
    by_id = {row["id"]: row for row in rows}
    shown = [hit for hit in hits if hit["id"] in by_id]
    found = _with_reactions(conn, [by_id[h["id"]] for h in shown], actor)
    views_by_id = {v["id"]: v for v in found}
    spoken = spoken_matches(conn, by_id, [*parsed.terms, *parsed.phrases])
    items = [
        {
            "file_id": spoken.get(hit["id"], (None, None))[0],
            "clip_at_ms": spoken.get(hit["id"], (None, None))[1],
            "message": views_by_id[hit["id"]],
            "snippet": hit["snippet"],
            "topic_title": by_id[hit["id"]]["topic_title"],
            "channel_name": by_id[hit["id"]]["channel_name"],
        }
        for hit in shown
    ]
    return page(items, limit, lambda hit: int(hit["message"]["id"]))
