"""Channels: browse, create, a channel's topics, joining, leaving, members, archive."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection
from starlette.responses import Response

from tidings.actions import channels, topics
from tidings.api.deps import services
from tidings.core.permissions import allows, channel_abilities, require_create_channel
from tidings.core.roles import Actor
from tidings.errors import TidingsError
from tidings.queries import channels as qc
from tidings.queries.directory import list_groups
from tidings.store.lookups import channel_facts
from tidings.web.forms import read_form
from tidings.web.hours import response_choice
from tidings.web.render import render_page
from tidings.web.routes.common import run, see_other
from tidings.web.session import web_actor

router = APIRouter()
KINDS = ("discussion", "announcements", "watercooler", "support")


def _channel(conn: Connection, actor: Actor, channel_id: int, cursor: str | None) -> dict:
    channel = qc.get_channel(conn, actor, channel_id)
    return {
        "channel": channel,
        "is_muted": qc.is_channel_muted(conn, actor, channel_id),
        "can": channel_abilities(actor, channel_facts(conn, actor, channel_id)),
        "topics": qc.list_topics(conn, actor, channel_id, cursor=cursor),
    }


@router.get("/c/{channel_id}", response_class=HTMLResponse)
async def channel_page(
    request: Request,
    channel_id: int,
    cursor: str | None = None,
    actor: Actor = Depends(web_actor),
) -> Response:
    return await render_page(
        request, actor, "channel.html", lambda c: _channel(c, actor, channel_id, cursor)
    )


@router.post("/c/{channel_id}/topics", response_class=HTMLResponse)
async def new_topic(
    request: Request, channel_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    form = await read_form(request)
    max_length = services(request).settings.max_message_length
    try:
        title = form.text("title", max_length=200, required=True)
        body = form.text("body", max_length=max_length, required=True)
        priority = form.text("priority", max_length=16) or "normal"
        made = await run(
            request,
            actor,
            lambda tx: topics.create_topic(
                tx,
                actor,
                channel_id,
                title=title,
                body=body,
                priority=priority,
                max_length=max_length,
            ),
            form.text("form_key", max_length=200) or None,
        )
    except TidingsError as exc:
        return await render_page(
            request,
            actor,
            "channel.html",
            lambda c: _channel(c, actor, channel_id, None),
            status=exc.status,
            error=exc,
            values=form.values(),
        )
    return see_other(request, f"/t/{made['id']}")


@router.post("/c/{channel_id}/join")
async def join(request: Request, channel_id: int, actor: Actor = Depends(web_actor)) -> Response:
    await run(request, actor, lambda tx: channels.join_channel(tx, actor, channel_id))
    return see_other(request, f"/c/{channel_id}")


@router.post("/c/{channel_id}/leave")
async def leave(request: Request, channel_id: int, actor: Actor = Depends(web_actor)) -> Response:
    await run(
        request, actor, lambda tx: channels.remove_member(tx, actor, channel_id, actor.member_id)
    )
    return see_other(request, "/channels")


@router.post("/c/{channel_id}/mute")
async def mute(request: Request, channel_id: int, actor: Actor = Depends(web_actor)) -> Response:
    form = await read_form(request)
    muted = form.flag("muted")
    await run(request, actor, lambda tx: channels.set_channel_muted(tx, actor, channel_id, muted))
    return see_other(request, f"/c/{channel_id}")


@router.post("/c/{channel_id}/archive")
async def archive(request: Request, channel_id: int, actor: Actor = Depends(web_actor)) -> Response:
    form = await read_form(request)
    archived = form.flag("archived")
    await run(request, actor, lambda tx: channels.set_archived(tx, actor, channel_id, archived))
    return see_other(request, f"/c/{channel_id}")


def members_context(conn: Connection, actor: Actor, channel_id: int) -> dict[str, Any]:
    """The members page; those who manage the channel also see its response settings."""
    context = {
        **_channel(conn, actor, channel_id, None),
        "member_ids": [m["member_id"] for m in qc.channel_member_ids(conn, actor, channel_id)],
    }
    if context["can"]["manage"]:
        context["response"] = channels.channel_response(conn, channel_id)
        context["response_choice"] = response_choice(context["response"]["response_minutes"])
        context["groups"] = list_groups(conn, actor)
    return context


@router.get("/c/{channel_id}/members", response_class=HTMLResponse)
async def members_page(
    request: Request, channel_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    return await render_page(
        request, actor, "channel_members.html", lambda c: members_context(c, actor, channel_id)
    )


@router.post("/c/{channel_id}/members", response_class=HTMLResponse)
async def add_members(
    request: Request, channel_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    form = await read_form(request)
    try:
        ids = form.ids("member_id")
        await run(request, actor, lambda tx: channels.add_members(tx, actor, channel_id, ids))
    except TidingsError as exc:
        return await render_page(
            request,
            actor,
            "channel_members.html",
            lambda c: members_context(c, actor, channel_id),
            status=exc.status,
            error=exc,
        )
    return see_other(request, f"/c/{channel_id}/members")


@router.post("/c/{channel_id}/members/{member_id}/remove")
async def remove_member(
    request: Request, channel_id: int, member_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    await run(request, actor, lambda tx: channels.remove_member(tx, actor, channel_id, member_id))
    return see_other(request, f"/c/{channel_id}/members")


@router.post("/c/{channel_id}/settings", response_class=HTMLResponse)
async def change(request: Request, channel_id: int, actor: Actor = Depends(web_actor)) -> Response:
    form = await read_form(request)
    try:
        fields = {
            "name": form.text("name", max_length=80, required=True),
            "purpose": form.text("purpose", max_length=500),
            "kind": form.text("kind", max_length=16, required=True),
        }
        await run(
            request, actor, lambda tx: channels.update_channel(tx, actor, channel_id, **fields)
        )
    except TidingsError as exc:
        return await render_page(
            request,
            actor,
            "channel_members.html",
            lambda c: members_context(c, actor, channel_id),
            status=exc.status,
            settings_error=exc,
            values=form.values(),
        )
    return see_other(request, f"/c/{channel_id}")


def _browse(conn: Connection, actor: Actor) -> dict[str, Any]:
    return {
        "all_channels": qc.list_channels(conn, actor, include_archived=True),
        "kinds": KINDS,
        "can_create": allows(require_create_channel, actor),
    }


@router.get("/channels", response_class=HTMLResponse)
async def browse(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    return await render_page(request, actor, "channels.html", lambda c: _browse(c, actor))


@router.post("/channels", response_class=HTMLResponse)
async def create(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    form = await read_form(request)
    try:
        fields = {
            "name": form.text("name", max_length=80, required=True),
            "purpose": form.text("purpose", max_length=500),
            "kind": form.text("kind", max_length=16) or "discussion",
            "is_private": form.flag("is_private"),
        }
        made = await run(
            request,
            actor,
            lambda tx: channels.create_channel(tx, actor, **fields),
            form.text("form_key", max_length=200) or None,
        )
    except TidingsError as exc:
        return await render_page(
            request,
            actor,
            "channels.html",
            lambda c: _browse(c, actor),
            status=exc.status,
            error=exc,
            values=form.values(),
        )
    return see_other(request, f"/c/{made['id']}")
