"""Lists of expectations: what a member owes, and what they are waiting for."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tidings.core.expectations import STATES, UNSETTLED
from tidings.core.roles import Actor
from tidings.errors import InvalidInput
from tidings.queries.paging import check_limit, decode, page
from tidings.store.access import readable_message, readable_message_id
from tidings.store.models import expectations, messages, topics
from tidings.views import expectation as view

ROLES = ("debtor", "creditor")


def list_expectations(
    conn: Connection,
    actor: Actor,
    role: str,
    state: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> dict[str, Any]:
    """Open and breached ones by default, soonest due first."""
    if role not in ROLES:
        raise InvalidInput("role is debtor or creditor", field="role")
    if state is not None and state not in STATES:
        raise InvalidInput(f"state is one of {', '.join(STATES)}", field="state")
    limit = check_limit(limit)
    mine = expectations.c.debtor_id if role == "debtor" else expectations.c.creditor_id
    query = (
        select(expectations, topics.c.title.label("topic_title"), messages.c.body.label("excerpt"))
        .join(messages, messages.c.id == expectations.c.message_id)
        .outerjoin(topics, topics.c.id == expectations.c.topic_id)
        .where(
            mine == actor.member_id,
            expectations.c.workspace_id == actor.workspace_id,
            readable_message(actor),
        )
        .order_by(expectations.c.id)
        .limit(limit + 1)
    )
    states = (state,) if state else UNSETTLED
    query = query.where(expectations.c.state.in_(states))
    after = decode(cursor)
    if after is not None:
        query = query.where(expectations.c.id > after)
    rows = conn.execute(query).mappings().all()
    items = [
        {**view(row), "topic_title": row["topic_title"], "excerpt": row["excerpt"][:200]}
        for row in rows
    ]
    shown = page(items, limit)
    shown["items"].sort(key=lambda item: item["due_at"])
    return shown


def for_messages(conn: Connection, actor: Actor, message_ids: list[int]) -> dict[int, list[dict]]:
    """Expectations on these messages that the actor is part of, for chips on messages."""
    if not message_ids:
        return {}
    rows = conn.execute(
        select(expectations).where(
            expectations.c.message_id.in_(message_ids),
            (expectations.c.debtor_id == actor.member_id)
            | (expectations.c.creditor_id == actor.member_id),
            readable_message_id(actor, expectations.c.message_id),
        )
    ).mappings()
    found: dict[int, list[dict]] = {}
    for row in rows:
        found.setdefault(row["message_id"], []).append(view(row))
    return found
