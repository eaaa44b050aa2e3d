"""Prometheus metrics at ``GET /metrics``, through ``prometheus-client``.

Counted in each process: requests by route and status, their latency, errors,
writer batch sizes, open live streams, and how long events take from commit to
delivery. Under ``serve --workers`` every process writes its values to files in
``PROMETHEUS_MULTIPROC_DIR`` (set by the supervisor before the processes start)
and a scrape of any process adds them up. Jobs due and late are read from the
database at scrape time, so they are the deployment's, not a process's.

Who may scrape: with ``metrics_token`` set, a request bearing it; without, only
clients on this machine (loopback), as a reverse proxy in front would not
forward ``/metrics`` unless told to.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tidings.api.headers import with_security_headers
from tidings.store.models import jobs

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATE_SECONDS = 60.0

REQUESTS = Counter("tidings_http_requests", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "tidings_http_request_seconds",
    "Time from a request's arrival to the end of its answer's headers",
    ["route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
ERRORS = Counter("tidings_http_errors", "Answers with a 5xx status", ["route"])
WRITER_BATCH = Histogram(
    "tidings_writer_batch_size",
    "Actions committed together in one writer transaction",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
STREAMS = Gauge("tidings_live_streams", "Open live event streams", multiprocess_mode="livesum")
DELIVERY = Histogram(
    "tidings_event_delivery_seconds",
    "From an event's commit to this process's feed handing it to its streams",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


def observe_batch(size: int) -> None:
    WRITER_BATCH.observe(size)


def observe_delivery(committed_at: datetime, now: datetime) -> None:
    DELIVERY.observe(max(0.0, (now - committed_at).total_seconds()))


class Edge:
    """The outermost layer of every HTTP answer, in one pass: the security headers
    (api/headers.py) and the request's metrics. It counts every answer by its route's
    template (``/topics/{topic_id}``), never by the raw path, so the number of series
    stays fixed. Outside Starlette's error middleware, so a crash's 500 has the
    headers and is counted as what it was."""

    def __init__(self, app: ASGIApp, api_prefix: str) -> None:
        self.app = app
        self.prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = with_security_headers(message.get("headers", ()), scope)
                LATENCY.labels(self._route(scope)).observe(time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            route = self._route(scope)
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            if status >= 500:
                ERRORS.labels(route).inc()

    def _route(self, scope: Scope) -> str:
        # Routes of an included router know their path within it, not the prefix.
        path = getattr(scope.get("route"), "path", None)
        if not path:
            return "unmatched"
        if scope["path"].startswith(self.prefix + "/") and not path.startswith(self.prefix):
            return f"{self.prefix}{path}"
        return str(path)


def jobs_due_and_late(conn: Connection, now: datetime) -> tuple[int, int]:
    """Pending jobs whose time has come, and those of them overdue by a minute."""

    def pending_since(when: datetime) -> int:
        return int(
            conn.execute(
                select(func.count()).where(jobs.c.state == "pending", jobs.c.run_at <= when)
            ).scalar_one()
        )

    return pending_since(now), pending_since(now - timedelta(seconds=LATE_SECONDS))


class _Jobs(Collector):
    def __init__(self, due: int, late: int) -> None:
        self.due, self.late = due, late

    def collect(self) -> Iterable[GaugeMetricFamily]:
        yield GaugeMetricFamily("tidings_jobs_due", "Jobs whose time has come", value=self.due)
        yield GaugeMetricFamily(
            "tidings_jobs_late",
            f"Jobs due for more than {LATE_SECONDS:.0f} s and not yet run",
            value=self.late,
        )


def exposition(due: int, late: int) -> bytes:
    """The metrics text: this process's values (or, under ``--workers``, every
    process's, added up), then the jobs."""
    if os.environ.get(MULTIPROCESS_ENV):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)  # type: ignore[no-untyped-call]
    else:
        counted = REGISTRY
    extra = CollectorRegistry()
    extra.register(_Jobs(due, late))
    return generate_latest(counted) + generate_latest(extra)


def may_scrape(token: str | None, authorization: str | None, client: str | None) -> bool:
    if token:
        given = (authorization or "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    try:
        return client is not None and ipaddress.ip_address(client).is_loopback
    except ValueError:
        return False
