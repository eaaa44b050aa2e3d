"""The web UI: its routes, static files, and CSRF protection on every form."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from tidings.web.routes import (
    admin,
    apidocs,
    availability,
    catchup,
    channels,
    clips,
    context,
    forkouts,
    groups,
    home,
    later,
    notifications,
    owed,
    people,
    search,
    settings,
    signin,
    threads,
)
from tidings.web.session import check_csrf

STATIC = Path(__file__).with_name("static")


def install(app: FastAPI) -> None:
    router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
    modules = (signin, home, threads, channels, search, people, groups, settings, admin, clips)
    for module in (*modules, availability, owed, notifications, forkouts, context, later, catchup):
        router.include_router(module.router)
    app.include_router(router)
    app.include_router(catchup.unsubscribe_router)
    app.include_router(apidocs.router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
