"""The ASGI application: one explicit assembly of settings, database, hub and routes."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

from fastapi import Depends, FastAPI
from starlette.types import ASGIApp

from tidings import __version__
from tidings.actions.events import purge_events, purge_idempotency_keys
from tidings.actions.server_keys import FILE_LINKS, server_key
from tidings.api import metrics, openapi, problems
from tidings.api.authn import TokenCache
from tidings.api.deps import ids_in_range
from tidings.api.express import Express
from tidings.api.limits import BodyLimit
from tidings.api.loginlimit import LoginLimiter
from tidings.api.metrics import Edge
from tidings.api.passwords import PasswordWork
from tidings.api.ratelimit import limiter_for
from tidings.api.routes import (
    auth,
    availability,
    catchup,
    channels,
    clips,
    context,
    conversations,
    events,
    expectations,
    files,
    forkouts,
    groups,
    health,
    inbox,
    later,
    messages,
    previews,
    topics,
    uploads,
    users,
)
from tidings.api.routes import metrics as metrics_route
from tidings.api.services import Services
from tidings.clock import Clock
from tidings.config import Settings
from tidings.errors import TidingsError
from tidings.jobs import Worker
from tidings.live.hub import Hub
from tidings.live.wakeup import Heard, wakeups_for
from tidings.media import setup as speech
from tidings.store.blobs import attach_from_settings, staging_dir
from tidings.store.database import Database
from tidings.store.faults import LOST, driver_message, storage_fault
from tidings.store.tx import PendingEvent
from tidings.unfurl import setup as link_previews
from tidings.web import pages
from tidings.web.errors import render_error

log = logging.getLogger(__name__)
PREFIX = "/api/v1"
RETENTION_SWEEP_SECONDS = 3600.0


def build_services(settings: Settings, clock: Clock | None = None) -> Services:
    db = Database(
        settings.database_url,
        clock=clock,
        synchronous=settings.sqlite_synchronous,
        batch_max=settings.writer_batch_max,
        busy_timeout_ms=settings.sqlite_busy_timeout_ms,
    )
    open_writable(db)
    hub = Hub(
        db,
        on_delivered=metrics.observe_delivery,
        stalled_limit=settings.stream_backlog_limit,
    )
    db.writer.on_batch = metrics.observe_batch
    tokens = TokenCache()

    wakeups = wakeups_for(settings.database_url, settings.redis_url, settings.wakeup_dir)

    def committed(pending: list[PendingEvent]) -> None:
        tokens.committed(pending)
        hub.committed({event.workspace_id for event in pending})
        if wakeups is not None:
            wakeups.announce(pending)

    db.add_commit_listener(committed)
    limiter = limiter_for(settings)
    login_limiter = LoginLimiter.from_settings(settings, db.clock)
    passwords = PasswordWork(settings.password_hash_threads)
    blobs = attach_from_settings(db.write_engine, settings)
    link_key = settings.file_url_secret or db.write(lambda tx: server_key(tx, FILE_LINKS))
    return Services(
        settings,
        db,
        hub,
        tokens,
        limiter,
        login_limiter,
        passwords,
        blobs,
        staging_dir(settings),
        link_key.encode(),
        wakeups,
    )


def open_writable(db: Database) -> None:
    """Migrate, then write once for real: a node that cannot write refuses to start
    rather than answer every write with an error."""
    try:
        db.migrate()
        db.check_writable()
    except Exception as exc:
        reason = storage_fault(exc)
        if reason is None:
            raise
        db.close()
        if reason == LOST:  # or never made: say what the driver says
            reason = f"no working connection: {driver_message(exc)}"
        raise TidingsError(f"cannot start: the database cannot be written ({reason})") from exc


async def _sweep_events(svc: Services) -> None:
    """Drop events older than the retention window, now and every hour."""
    while True:
        cutoff = svc.db.clock.now() - timedelta(days=svc.settings.event_retention_days)
        try:
            await svc.db.awrite(lambda tx, cutoff=cutoff: purge_events(tx, cutoff))
            await svc.db.awrite(lambda tx, cutoff=cutoff: purge_idempotency_keys(tx, cutoff))
        except Exception:
            log.exception("event retention sweep failed")
        await asyncio.sleep(RETENTION_SWEEP_SECONDS)


def _heard(svc: Services) -> Callable[[Heard], None]:
    """A commit on another node: forget the sign-ins it made stale, then wake the
    feeds it names (in that order, so a revoked token's stream cannot be reopened
    from the cache while its feed catches up)."""

    def heard(wakeup: Heard) -> None:
        svc.tokens.forget(wakeup.tokens, wakeup.members, wakeup.all_sign_ins)
        svc.hub.wake(wakeup.workspace_ids)

    return heard


class Tidings(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        # Outside Starlette's own error middleware, so even a crash's 500 has the
        # security headers and is counted.
        return Edge(super().build_middleware_stack(), api_prefix=PREFIX)


async def _close_all(svc: Services) -> None:
    """Close every part, each even if one before it fails (a database that went away,
    Redis unreachable): the database's connections are always released."""
    parts: list[tuple[str, Callable[[], Any]]] = [
        ("live streams", svc.hub.close),
        ("rate limits", svc.limiter.close),
        ("wake-ups", svc.wakeups.close if svc.wakeups is not None else lambda: None),
        ("password work", svc.passwords.close),
        ("database", svc.db.close),
    ]
    for name, close in parts:
        try:
            done = close()
            if inspect.isawaitable(done):
                await done
        except Exception:
            log.exception("closing the %s failed", name)


def create_app(settings: Settings, clock: Clock | None = None) -> FastAPI:
    svc = build_services(settings, clock)
    link_previews.attach(svc.db, settings)  # sending asks for previews when they are on
    speech.attach(svc.db, settings)  # processing a clip asks for its transcript when on

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        svc.hub.start()
        background = [
            asyncio.create_task(svc.hub.poll(settings.live_poll_seconds), name="hub-poll"),
            asyncio.create_task(_sweep_events(svc), name="event-retention"),
        ]
        if svc.wakeups is not None:
            background.append(asyncio.create_task(svc.wakeups.listen(_heard(svc)), name="wakeups"))
        if svc.settings.run_jobs:
            worker = Worker.from_settings(svc.db, svc.settings)
            background.append(asyncio.create_task(worker.run_forever(), name="jobs"))
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            # Let them finish (a job in hand, a listener's clean-up) before what they
            # use is closed below.
            await asyncio.wait(background, timeout=10)
            await _close_all(svc)

    app = Tidings(
        title="Tidings",
        version=__version__,
        summary="An async-first team communication hub",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,  # served from the package by tidings.web.routes.apidocs
        redoc_url=None,
        lifespan=lifespan,
        dependencies=[Depends(ids_in_range)],
        # Tidings reports through GET /metrics (Prometheus). Left on, FastAPI asks on
        # every request whether an OpenTelemetry provider has been set up since.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.services = svc
    problems.install(app, PREFIX, render_error)
    # A request is matched against the routers in this order, route by route, so the
    # busiest come first. No two routes overlap (tests/api/test_routes.py), so the
    # order decides only how soon a request finds its route, never which one.
    for module in (
        health,  # load balancers' checks and the no-op: two routes, asked often
        topics,
        messages,
        conversations,
        inbox,
        events,
        channels,
        catchup,
        later,
        expectations,
        files,
        uploads,
        context,
        users,
        availability,
        forkouts,
        groups,
        clips,
        previews,
        auth,
    ):
        app.include_router(module.router, prefix=PREFIX)
    app.include_router(metrics_route.router)
    openapi.install(app, PREFIX)
    pages.install(app)
    # Innermost of ours: inside the body limit and the outermost layer (metrics.Edge).
    app.add_middleware(Express, services=svc, api_prefix=PREFIX, handlers=app.exception_handlers)
    # Upload chunks stream to disk under their own limit (api/routes/uploads.py).
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes, exempt=f"{PREFIX}/uploads/")
    return app
