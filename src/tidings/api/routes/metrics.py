"""``GET /metrics``: Prometheus text, for this machine or a bearer of ``metrics_token``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import Response

from tidings.api.deps import client_address, services
from tidings.api.metrics import exposition, jobs_due_and_late, may_scrape
from tidings.errors import NotFound

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    svc = services(request)
    token = svc.settings.metrics_token
    if not may_scrape(token, request.headers.get("authorization"), client_address(request)):
        raise NotFound("No such page")
    now = svc.db.clock.now()
    due, late = await svc.db.aread(lambda c: jobs_due_and_late(c, now))
    return Response(exposition(due, late), media_type=CONTENT_TYPE_LATEST)
