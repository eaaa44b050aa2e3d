"""Full-text search over messages: one interface, two engines.

SQLite uses FTS5 (``MATCH`` with ``snippet``), PostgreSQL a stored tsvector
with ``websearch``-free, explicitly built tsqueries and ``ts_headline``. The
permission filter is part of the same SQL statement, so a member can never
receive a hit, a count or a snippet from a place they may not read.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from tidings.core.names import title_key
from tidings.core.roles import Actor
from tidings.core.search_query import SearchQuery
from tidings.store.access import readable_message
from tidings.store.models import messages
from tidings.store.types import UTCDateTime

START, STOP = "\x02", "\x03"
_WORD = re.compile(r"\w", re.UNICODE)


@dataclass
class _Sql:
    where: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def add(self, clause: str, **params: Any) -> None:
        self.where.append(clause)
        self.params.update(params)


def _fts5_phrase(words: str) -> str:
    return '"' + words.replace('"', '""') + '"'


def _searchable(values: tuple[str, ...]) -> list[str]:
    return [v for v in values if _WORD.search(v)]


def _literal_only(values: tuple[str, ...]) -> list[str]:
    """Terms the tokenizers drop (emoji, "$5"): matched as substrings instead."""
    return [v for v in values if not _WORD.search(v)]


def _permission(sql: _Sql, actor: Actor, dialect: Any) -> None:
    """The shared read rule (``store.access``), rendered into this statement's text.
    Its only values are the actor's ids, integers, so they are inlined."""
    rule = readable_message(actor, messages.alias("m")).compile(
        dialect=dialect, compile_kwargs={"literal_binds": True}
    )
    sql.add(
        f"m.workspace_id = :ws AND m.deleted_at IS NULL AND ({rule})",
        ws=actor.workspace_id,
        me=actor.member_id,  # the filters below refer to it too
    )


def _in_list(sql: _Sql, prefix: str, values: tuple[str, ...] | list[str]) -> str:
    names = []
    for i, value in enumerate(values):
        sql.params[f"{prefix}{i}"] = value
        names.append(f":{prefix}{i}")
    return ", ".join(names)


def _filters(sql: _Sql, actor: Actor, q: SearchQuery) -> None:
    if q.from_handles:
        handles = _in_list(sql, "h", q.from_handles)
        sql.add(
            f"m.author_id IN (SELECT id FROM members WHERE workspace_id = :ws AND handle IN ({handles}))"
        )
    if q.in_channels:
        chans = _in_list(sql, "c", q.in_channels)
        sql.add(
            f"m.channel_id IN (SELECT id FROM channels WHERE workspace_id = :ws AND name IN ({chans}))"
        )
    if q.topics:
        keys = _in_list(sql, "t", [title_key(t) for t in q.topics])
        sql.add(
            f"m.topic_id IN (SELECT id FROM topics WHERE workspace_id = :ws AND title_key IN ({keys}))"
        )
    for value in _literal_only(q.terms) + _literal_only(q.phrases):
        sql.add(f"m.body LIKE :lit{len(sql.params)}", **{f"lit{len(sql.params)}": f"%{value}%"})
    if q.since:
        sql.add("m.created_at >= :since", since=q.since)
    if q.until:
        sql.add("m.created_at < :until", until=q.until)
    _flags(sql, q)


_IS = {
    "urgent": "m.priority = 'urgent'",
    "high": "m.priority = 'high'",
    "edited": "m.edited_at IS NOT NULL",
    "mentioned": "EXISTS (SELECT 1 FROM mentions x WHERE x.message_id = m.id AND x.member_id = :me)",
    "resolved": "m.topic_id IN (SELECT id FROM topics WHERE workspace_id = :ws AND is_resolved = TRUE)",
    "unresolved": "m.topic_id IN (SELECT id FROM topics WHERE workspace_id = :ws AND is_resolved = FALSE)",
    # Past both the topic's read pointer and the channel's read floor (set on joining).
    "unread": (
        "m.author_id != :me AND CASE WHEN m.topic_id IS NOT NULL THEN"
        " m.id > COALESCE((SELECT last_read_id FROM topic_reads r WHERE r.member_id = :me AND r.topic_id = m.topic_id), 0)"
        " AND m.id > COALESCE((SELECT read_floor FROM channel_members f WHERE f.member_id = :me AND f.channel_id = m.channel_id), 0)"
        " ELSE m.id > COALESCE((SELECT last_read_id FROM conversation_reads r"
        "  WHERE r.member_id = :me AND r.conversation_id = m.conversation_id), 0) END"
    ),
}
_HAS = {
    "link": "(m.body LIKE '%http://%' OR m.body LIKE '%https://%')",
    "code": "m.body LIKE '%`%'",
    "mention": "EXISTS (SELECT 1 FROM mentions x WHERE x.message_id = m.id)",
    "reaction": "EXISTS (SELECT 1 FROM reactions x WHERE x.message_id = m.id)",
    "file": "EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id)",
    "attachment": "EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id)",
    "image": "EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id AND a.kind = 'image')",
    "clip": "EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id AND a.kind IN ('audio', 'video'))",
    "audio": "EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id AND a.kind = 'audio')",
    "video": "EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id AND a.kind = 'video')",
}


def _file_types(sql: _Sql, q: SearchQuery) -> None:
    """type:pdf: a file whose detected type is …/pdf, of that kind, or named *.pdf."""
    if not q.file_types:
        return
    either = []
    for i, kind in enumerate(q.file_types):
        either.append(
            f"(a.content_type = :ft{i} OR a.content_type LIKE :fts{i} OR a.kind = :ft{i}"
            f" OR lower(a.filename) LIKE :fte{i})"
        )
        sql.params.update({f"ft{i}": kind, f"fts{i}": f"%/{kind}", f"fte{i}": f"%.{kind}"})
    sql.add(
        "EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id AND ("
        + " OR ".join(either)
        + "))"
    )


def _flags(sql: _Sql, q: SearchQuery) -> None:
    for flag in sorted(q.is_flags):
        sql.add(_IS[flag])
    for flag in sorted(q.has_flags):
        sql.add(_HAS[flag])
    _file_types(sql, q)


def _sqlite(sql: _Sql, q: SearchQuery) -> tuple[str, str, str]:
    """(FROM clause, snippet expression, order column) for SQLite."""
    positive = [_fts5_phrase(t) for t in _searchable(q.terms) + _searchable(q.phrases)]
    negative = [_fts5_phrase(t) for t in _searchable(q.excluded)]
    if positive:
        expression = " ".join(positive) + "".join(f" NOT {n}" for n in negative)
        sql.add("message_search MATCH :match", match=expression)
        snippet = "snippet(message_search, 0, char(2), char(3), '…', 16)"
        return (
            "message_search JOIN messages m ON m.id = message_search.rowid",
            snippet,
            "message_search.rowid",
        )
    if negative:
        sql.add(
            "m.id NOT IN (SELECT rowid FROM message_search WHERE message_search MATCH :nmatch)",
            nmatch=" OR ".join(negative),
        )
    return "messages m", "substr(m.body, 1, 200)", "m.id"


def _postgres(sql: _Sql, q: SearchQuery) -> tuple[str, str, str]:
    parts = []
    for i, term in enumerate(_searchable(q.terms)):
        parts.append(f"plainto_tsquery('english', :pt{i})")
        sql.params[f"pt{i}"] = term
    for i, phrase in enumerate(_searchable(q.phrases)):
        parts.append(f"phraseto_tsquery('english', :pp{i})")
        sql.params[f"pp{i}"] = phrase
    negative = []
    for i, term in enumerate(_searchable(q.excluded)):
        negative.append(f"phraseto_tsquery('english', :pn{i})")
        sql.params[f"pn{i}"] = term
    if negative:
        either = " || ".join(negative)
        sql.add(f"NOT (s.document @@ ({either}))")
    if parts:
        tsquery = " && ".join(parts)
        sql.add(f"s.document @@ ({tsquery})")
        snippet = (
            f"ts_headline('english', s.body, ({tsquery}), "
            "'StartSel=\x02, StopSel=\x03, MaxWords=24, MinWords=8, MaxFragments=2, "
            'FragmentDelimiter=" … "\')'
        )
        return "message_search s JOIN messages m ON m.id = s.message_id", snippet, "m.id"
    return (
        "message_search s JOIN messages m ON m.id = s.message_id",
        "substr(s.body, 1, 200)",
        "m.id",
    )


def highlight(snippet: str) -> str:
    """Escape the snippet for HTML and turn the engine's markers into <mark>."""
    return html.escape(snippet).replace(START, "<mark>").replace(STOP, "</mark>")


def search_messages(
    conn: Connection, actor: Actor, q: SearchQuery, before_id: int | None, limit: int
) -> list[dict[str, Any]]:
    """Matching message ids with highlighted snippets, newest first."""
    sql = _Sql()
    _permission(sql, actor, conn.dialect)
    _filters(sql, actor, q)
    engine = _sqlite if conn.dialect.name == "sqlite" else _postgres
    source, snippet, order = engine(sql, q)
    if before_id is not None:
        sql.add(f"{order} < :before", before=before_id)
    statement = (
        f"SELECT m.id AS id, {snippet} AS snippet FROM {source} "
        f"WHERE {' AND '.join(sql.where)} ORDER BY {order} DESC LIMIT :limit"
    )
    bound = text(statement).bindparams(
        *(bindparam(name, type_=UTCDateTime()) for name in ("since", "until") if name in sql.params)
    )
    rows = conn.execute(bound, {**sql.params, "limit": limit}).mappings().all()
    return [{"id": row["id"], "snippet": highlight(row["snippet"] or "")} for row in rows]
