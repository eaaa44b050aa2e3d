"""Search with the API's operators; hits grouped by topic or conversation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection
from starlette.responses import Response

from tidings.core.roles import Actor
from tidings.errors import TidingsError
from tidings.queries.search import search
from tidings.web.render import render_page
from tidings.web.session import web_actor

router = APIRouter()


def group_hits(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive ranking kept: a group sits where its best hit ranked."""
    groups: dict[tuple[str, int], dict[str, Any]] = {}
    for hit in items:
        message = hit["message"]
        if message["topic_id"] is not None:
            key = ("topic", message["topic_id"])
            link = f"/t/{message['topic_id']}"
        else:
            key = ("conversation", message["conversation_id"])
            link = f"/dm/{message['conversation_id']}"
        group = groups.setdefault(
            key,
            {
                "kind": key[0],
                "link": link,
                "title": hit["topic_title"],
                "channel_name": hit["channel_name"],
                "conversation_id": message["conversation_id"],
                "hits": [],
            },
        )
        group["hits"].append(hit)
    return list(groups.values())


def _results(conn: Connection, actor: Actor, query: str, cursor: str | None) -> dict[str, Any]:
    found = search(conn, actor, query, cursor=cursor, limit=50)
    return {"groups": group_hits(found["items"]), "next_cursor": found["next_cursor"]}


@router.get("/search", response_class=HTMLResponse)
async def search_page(
    request: Request, q: str = "", cursor: str | None = None, actor: Actor = Depends(web_actor)
) -> Response:
    query = q.strip()
    if not query:
        return await render_page(request, actor, "search.html", q="", groups=None)
    try:
        return await render_page(
            request, actor, "search.html", lambda c: _results(c, actor, query, cursor), q=q
        )
    except TidingsError as exc:
        return await render_page(
            request, actor, "search.html", status=exc.status, q=q, groups=None, error=exc
        )
