"""Readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from tidings import __version__
from tidings.api import schemas
from tidings.api.deps import json, services
from tidings.api.problems import problem

router = APIRouter(tags=["health"])


@router.get("/health", response_model=schemas.Health)
async def health(request: Request) -> Response:
    """200 when the database answers; 503 otherwise."""
    svc = services(request)
    try:
        await svc.db.aread(lambda c: c.exec_driver_sql("SELECT 1").scalar())
    except Exception as exc:  # any database failure means not ready
        return problem(503, "not_ready", "Not ready", f"database: {type(exc).__name__}")
    return json({"status": "ok", "version": __version__, "database": svc.db.dialect})


@router.get("/noop", include_in_schema=False)
async def noop() -> Response:
    """The cheapest authenticated-free answer, for comparing against in benchmarks."""
    return json({"ok": True})
