"""The API's routers are tried busiest first (api/app.py). That is safe only while no
request could match routes of two routers: then the order decides how soon a request
finds its route, never which route answers it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tidings.api.app import create_app
from tidings.config import Settings

PARAM = re.compile(r"{([^}:]+)(?::([^}]+))?}")


def _routes(tmp_path: Path) -> list[tuple[int, str, set[str], Any]]:
    """(router index, path, methods, compiled path) of every route under /api/v1."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/routes.db"))
    found = []
    for index, router in enumerate(app.routes):
        for context in getattr(router, "effective_route_contexts", list)():
            path = context.path
            regex = getattr(context, "path_regex", None)
            if not path.startswith("/api/v1/") or regex is None:
                continue
            found.append((index, path, set(getattr(context, "methods", None) or {"WS"}), regex))
    return found


def _sample(path: str) -> str:
    """A concrete path the route answers: each parameter filled in."""
    return PARAM.sub(lambda m: "a/b" if m.group(2) == "path" else "7", path)


def test_no_request_matches_routes_of_two_routers(tmp_path: Path) -> None:
    routes = _routes(tmp_path)
    assert len({index for index, *_ in routes}) > 10, "the API's routers were not found"
    clashes = [
        (path, other)
        for index, path, methods, _ in routes
        for other_index, other, other_methods, regex in routes
        if other_index != index and methods & other_methods and regex.match(_sample(path))
    ]
    assert clashes == []


def test_a_clash_would_be_seen(tmp_path: Path) -> None:
    """The check above finds overlaps: a literal segment matches another's parameter."""
    routes = _routes(tmp_path)
    users = [r for r in routes if r[1] == "/api/v1/users/{member_id}" and "GET" in r[2]]
    assert users, "the route the check relies on is gone"
    assert users[0][3].match(_sample("/api/v1/users/me"))
