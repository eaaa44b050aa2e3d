"""Readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from tidings import __version__
from tidings.api import schemas
from tidings.api.deps import json, services
from tidings.api.problems import problem

router = APIRouter(tags=["health"])
# How long health waits for its write probe; a probe still waiting (a SQLite lock
# held elsewhere) goes on in the writer, and health answers from what it knows.
PROBE_SECONDS = 2.0


@router.get("/health", response_model=schemas.Health)
async def health(request: Request) -> Response:
    """200 with status ``ok`` when the database reads and writes; 200 with status
    ``degraded`` and a ``reason`` when it reads but the last write failed on storage
    (a real write is tried again first); 503 when it does not even read."""
    svc = services(request)
    try:
        await svc.db.aread(lambda c: c.exec_driver_sql("SELECT 1").scalar())
    except Exception as exc:  # any database failure means not ready
        return problem(503, "not_ready", "Not ready", f"database: {type(exc).__name__}")
    answer = {
        "status": "ok",
        "version": __version__,
        "database": svc.db.dialect,
        "node": svc.node,
        "wakeups": svc.wakeups.name if svc.wakeups is not None else "none",
    }
    fault = await svc.db.aprobe(PROBE_SECONDS)
    if fault is not None:
        answer.update(status="degraded", reason=f"writes fail: {fault}")
    return json(answer)


@router.get("/noop", include_in_schema=False)
async def noop() -> Response:
    """The cheapest authenticated-free answer, for comparing against in benchmarks."""
    return json({"ok": True})
