"""The Inbox and search."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from tidings.api import schemas
from tidings.api.deps import current_actor, read
from tidings.core.roles import Actor
from tidings.core.search_query import MAX_QUERY_LENGTH
from tidings.queries.inbox import inbox as build_inbox
from tidings.queries.paging import MAX_LIMIT
from tidings.queries.search import search as run_search

router = APIRouter(tags=["reading"])


@router.get("/inbox", response_model=schemas.Inbox)
async def inbox(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    """Unread topics and conversations: mentions first, then priority, then the oldest."""
    return await read(request, lambda c: build_inbox(c, actor))


@router.get("/search", response_model=schemas.SearchPage)
async def search(
    request: Request,
    q: str = Query(
        ...,
        description='e.g. from:@ana in:#design "exact phrase" -draft',
        # Documented only: the parser checks these itself, answering bad_search_query.
        json_schema_extra={"minLength": 1, "maxLength": MAX_QUERY_LENGTH, "pattern": r"\S"},
    ),
    cursor: str | None = None,
    limit: int = Query(20, ge=1, le=MAX_LIMIT),
    actor: Actor = Depends(current_actor),
) -> Response:
    """Search messages you may read. Operators: from: in: topic: is: has: before: after:."""
    return await read(request, lambda c: run_search(c, actor, q, cursor=cursor, limit=limit))
