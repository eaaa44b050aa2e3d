"""The security headers reach even a crash's 500, which Starlette answers from outside
every ordinary middleware. (Every other kind of response: tests/web/test_security.py.)"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tidings.api.app import create_app
from tidings.api.headers import CONTENT_SECURITY_POLICY
from tidings.config import Settings


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    made = create_app(Settings(database_url=f"sqlite:///{tmp_path}/crash.db"))

    @made.get("/api/v1/crash")
    async def crash() -> None:
        raise RuntimeError("a bug")

    yield made
    made.state.services.db.close()


async def _get(app: FastAPI, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://tidings.test") as client:
        return await client.get(path)


def test_a_crash_still_carries_the_security_headers(app: FastAPI) -> None:
    response = asyncio.run(_get(app, "/api/v1/crash"))
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in response.headers


def test_only_media_may_come_from_blob_urls() -> None:
    """A recording is reviewed from a blob: URL; scripts, images and frames may not."""
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["media-src"] == "'self' blob:"
    others = [name for name, value in directives.items() if "blob:" in value]
    assert others == ["media-src"]
