"""The context check on a draft: hints, never a refusal."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.responses import Response

from tidings.api import schemas
from tidings.api.deps import current_actor, json
from tidings.core.context import check_composed
from tidings.core.roles import Actor

router = APIRouter(tags=["compose"])


@router.post("/compose/check", response_model=schemas.ContextCheck)
async def check(body: schemas.ContextCheckIn, actor: Actor = Depends(current_actor)) -> Response:
    """Findings on a draft that would need a follow-up to act on: a bare greeting
    (``NO_HELLO``), an ask with no deadline (``NO_DEADLINE``), an open "thoughts?"
    (``VAGUE_ASK``), "this doc" with no link or attachment (``MISSING_LINK``), urgent with
    no reason (``URGENT_NO_REASON``), a long message with no summary first
    (``NO_SUMMARY``). Each has a stable code, a message and a suggestion. Sending is
    never refused for them."""
    findings = check_composed(body.model_dump())
    return json({"findings": [finding.as_dict() for finding in findings]})
