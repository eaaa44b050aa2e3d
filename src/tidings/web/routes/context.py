"""The composer's context hints: the context check on the draft as it is typed."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from tidings.api.deps import services
from tidings.core.context import check_draft
from tidings.core.roles import Actor
from tidings.web.forms import read_form
from tidings.web.render import respond
from tidings.web.routes.threads import ask_fields
from tidings.web.session import web_actor

router = APIRouter()


@router.post("/parts/context-check", response_class=HTMLResponse)
async def context_check(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    """Hints only: the asks are counted, not resolved, so a half-typed @handle costs
    no lookup and never turns into an error here."""
    form = await read_form(request)
    handles, by = ask_fields(form)
    findings = check_draft(
        form.text("body", max_length=services(request).settings.max_message_length),
        priority=form.text("priority", max_length=16) or "normal",
        asks=len(handles),
        has_deadline=bool(by),
    )
    return respond(request, "parts/context_hints.html", {"findings": findings})
