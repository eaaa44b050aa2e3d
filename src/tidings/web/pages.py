"""The landing page and the page an invitation link opens."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))


@router.get("/", response_class=HTMLResponse)
async def index(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "index.html")


@router.get("/invite/{token}", response_class=HTMLResponse)
async def invitation(request: Request, token: str) -> HTMLResponse:
    """A form that accepts the invitation through the API; nothing is decided here."""
    return templates.TemplateResponse(request, "invite.html", {"token": token})
