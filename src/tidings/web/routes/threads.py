"""Reading and writing: a topic or a conversation, its messages and the composer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Connection
from starlette.responses import Response

from tidings.actions import messages, reactions, reads, subscriptions, topics
from tidings.api.deps import services
from tidings.core import names
from tidings.core.markdown import render_markdown
from tidings.core.roles import Actor
from tidings.errors import InvalidInput, StorageUnavailable, TidingsError
from tidings.queries import channels as qc
from tidings.queries import messages as qm
from tidings.queries.directory import get_member, member_ids_by_handle
from tidings.queries.expectations import for_messages
from tidings.queries.inbox import inbox
from tidings.queries.paging import encode
from tidings.queries.preview import reply_preview
from tidings.web.forms import Form, read_form
from tidings.web.render import render_page, render_part, respond
from tidings.web.routes import later
from tidings.web.routes.common import back, is_htmx, run, see_other
from tidings.web.session import web_actor

router = APIRouter()
SHOWN = 200  # messages a thread page shows; older ones page in with ?cursor=


def _messages(conn: Connection, actor: Actor, kind: str, place_id: int, cursor: str | None):
    load = qm.topic_messages if kind == "topic" else qm.conversation_messages
    if cursor:
        return load(conn, actor, place_id, cursor=cursor, limit=SHOWN)
    return load(conn, actor, place_id, limit=SHOWN, newest=True)


def _with_owed(conn: Connection, actor: Actor, page: dict[str, Any]) -> dict[str, Any]:
    """The page of messages and the expectations on them that concern the viewer."""
    ids = [m["id"] for m in page["items"]]
    return {"page": page, "owed": for_messages(conn, actor, ids)}


def _unread_here(conn: Connection, actor: Actor, **place: int) -> dict[str, Any] | None:
    """Where the viewer's unread messages of this place begin, as the Inbox counts them
    (before the page marks them read): the unread divider's place and words."""
    for item in inbox(conn, actor)["items"]:
        if all(item.get(key) == value for key, value in place.items()):
            return item
    return None


def _one_message(conn: Connection, actor: Actor, message_id: int) -> dict[str, Any]:
    return {
        "message": qm.get_message(conn, actor, message_id),
        "owed": for_messages(conn, actor, [message_id]),
    }


def _topic(conn: Connection, actor: Actor, topic_id: int, cursor: str | None) -> dict[str, Any]:
    topic = qc.get_topic(conn, actor, topic_id)
    return {
        "topic": topic,
        "channel": qc.get_channel(conn, actor, topic["channel_id"]),
        **_with_owed(conn, actor, _messages(conn, actor, "topic", topic_id, cursor)),
        "unread_here": _unread_here(conn, actor, topic_id=topic_id),
        "post_to": f"/t/{topic_id}/messages",
        "draft_key": f"topic:{topic_id}",
        "start_cursor": encode(0),
    }


def _conversation(
    conn: Connection, actor: Actor, conversation_id: int, cursor: str | None
) -> dict[str, Any]:
    return {
        "conversation": qm.get_conversation(conn, actor, conversation_id),
        **_with_owed(conn, actor, _messages(conn, actor, "conversation", conversation_id, cursor)),
        "unread_here": _unread_here(conn, actor, conversation_id=conversation_id),
        "post_to": f"/dm/{conversation_id}/messages",
        "draft_key": f"dm:{conversation_id}",
    }


def _compose_context(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"form_key": uuid.uuid4().hex, **(extra or {})}


@router.get("/t/{topic_id}", response_class=HTMLResponse)
async def topic_page(
    request: Request,
    topic_id: int,
    cursor: str | None = None,
    actor: Actor = Depends(web_actor),
) -> Response:
    return await render_page(
        request,
        actor,
        "thread.html",
        lambda c: _topic(c, actor, topic_id, cursor),
        **_compose_context(),
    )


@router.get("/dm/{conversation_id}", response_class=HTMLResponse)
async def conversation_page(
    request: Request,
    conversation_id: int,
    cursor: str | None = None,
    actor: Actor = Depends(web_actor),
) -> Response:
    return await render_page(
        request,
        actor,
        "thread.html",
        lambda c: _conversation(c, actor, conversation_id, cursor),
        **_compose_context(),
    )


def attachment_fields(form: Form) -> list[dict[str, Any]]:
    """The composer's finished uploads (hidden ``attachment`` inputs) and alt texts."""
    return [
        {"upload_id": upload_id, "alt_text": form.text(f"alt_{upload_id}", max_length=1000)}
        for upload_id in form.ids("attachment")
    ]


def _message_fields(form: Form, max_length: int) -> dict[str, Any]:
    files = attachment_fields(form)
    return {
        "body": form.text("body", max_length=max_length, required=not files),
        "attachments": files,
        "priority": form.text("priority", max_length=16) or "normal",
        "reply_to_id": form.number("reply_to_id"),
        "quote_of_id": form.number("quote_of_id"),
        "clip_file_id": form.number("clip_file_id"),
        "clip_at_ms": form.number("clip_at_ms"),
        "max_length": max_length,
        **expiry_fields(form),
    }


# The composer's "Expires" choices: minutes, or "read" for after everyone has read it.
EXPIRY_CHOICES = {"": None, "60": 60, "1440": 1440, "10080": 10080, "read": None}


def expiry_fields(form: Form) -> dict[str, Any]:
    choice = form.text("expires", max_length=16)
    if choice not in EXPIRY_CHOICES:
        raise InvalidInput("Choose when the message expires from the list", field="expires")
    return {"expires_in_minutes": EXPIRY_CHOICES[choice], "expire_after_read": choice == "read"}


def ask_fields(form: Form) -> tuple[list[str], str]:
    """The composer's "ask for a reply from" handles and the "by" local date-time."""
    handles = form.text("ask", max_length=2000).replace(",", " ").split()
    return handles, form.text("ask_by", max_length=40).strip()


def resolve_asks(conn: Connection, actor: Actor, handles: list[str], by: str) -> list[dict]:
    """@handles to members, and the deadline typed in the viewer's local time to UTC."""
    if not handles:
        if by:
            raise InvalidInput("Name who you ask for a reply by then", field="asks")
        return []
    deadline = None
    if by:
        zone = get_member(conn, actor, actor.member_id)["time_zone"]
        try:
            deadline = datetime.fromisoformat(by).replace(tzinfo=ZoneInfo(zone))
        except ValueError:
            raise InvalidInput(
                "The deadline is a date and time like 2026-12-09T15:00", field="asks"
            ) from None
    ids = member_ids_by_handle(conn, actor, handles)
    return [{"member_id": member_id, "deadline": deadline} for member_id in ids]


async def _post(request: Request, actor: Actor, kind: str, place_id: int) -> Response:
    form = await read_form(request)
    max_length = services(request).settings.max_message_length
    send = messages.send_to_topic if kind == "topic" else messages.send_to_conversation
    try:
        fields = _message_fields(form, max_length)
        handles, by = ask_fields(form)
        key = form.text("form_key", max_length=200) or None
        if later.wants_schedule(form):
            return await later.schedule_from_composer(
                request,
                actor,
                kind,
                place_id,
                form,
                fields,
                lambda tx: resolve_asks(tx.conn, actor, handles, by),
                lambda exc: _refused(request, actor, kind, place_id, form, exc),
            )

        def deliver(tx: Any) -> Any:
            asks = resolve_asks(tx.conn, actor, handles, by)
            return send(tx, actor, place_id, asks=asks, **fields)

        made = await run(request, actor, deliver, key)
    except TidingsError as exc:
        return await _refused(request, actor, kind, place_id, form, exc)
    if is_htmx(request):
        return await render_part(
            request,
            actor,
            "parts/sent.html",
            lambda c: {**_one_message(c, actor, made["id"]), **_compose_context()},
        )
    path = f"/t/{place_id}" if kind == "topic" else f"/dm/{place_id}"
    return see_other(request, f"{path}#m{made['id']}")


async def _refused(
    request: Request, actor: Actor, kind: str, place_id: int, form: Form, exc: TidingsError
) -> Response:
    """Show why, and keep every word the user typed."""
    extra = {"error": exc, "values": form.values(), **_compose_context()}
    if is_htmx(request):
        response: Response = respond(request, "parts/composer_error.html", extra, exc.status)
        response.headers["HX-Retarget"] = "#composer-error"
        response.headers["HX-Reswap"] = "innerHTML"
    else:
        load = _topic if kind == "topic" else _conversation
        response = await render_page(
            request,
            actor,
            "thread.html",
            lambda c: load(c, actor, place_id, None),
            status=exc.status,
            **extra,
        )
    if isinstance(exc, StorageUnavailable):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


@router.post("/t/{topic_id}/messages")
async def post_to_topic(
    request: Request, topic_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    return await _post(request, actor, "topic", topic_id)


@router.post("/dm/{conversation_id}/messages")
async def post_to_conversation(
    request: Request, conversation_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    return await _post(request, actor, "conversation", conversation_id)


async def _message_part(request: Request, actor: Actor, message_id: int, **extra: Any) -> Response:
    return await render_part(
        request,
        actor,
        "parts/message.html",
        lambda c: {**_one_message(c, actor, message_id), **extra},
    )


@router.get("/parts/messages/{message_id}", response_class=HTMLResponse)
async def message_part(
    request: Request, message_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    return await _message_part(request, actor, message_id)


@router.get("/parts/messages/{message_id}/edit", response_class=HTMLResponse)
async def edit_form(
    request: Request, message_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    return await _message_part(request, actor, message_id, editing=True)


@router.post("/messages/{message_id}/edit", response_class=HTMLResponse)
async def edit(request: Request, message_id: int, actor: Actor = Depends(web_actor)) -> Response:
    form = await read_form(request)
    max_length = services(request).settings.max_message_length
    try:
        body = form.text("body", max_length=max_length, required=True)
        await run(
            request,
            actor,
            lambda tx: messages.edit_message(tx, actor, message_id, body, max_length),
        )
    except TidingsError as exc:
        refused = {"editing": True, "error": exc, "values": form.values()}
        return await render_part(
            request,
            actor,
            "parts/message.html",
            lambda c: {**_one_message(c, actor, message_id), **refused},
            status=exc.status,
        )
    return await _message_part(request, actor, message_id)


@router.post("/messages/{message_id}/delete", response_class=HTMLResponse)
async def delete(request: Request, message_id: int, actor: Actor = Depends(web_actor)) -> Response:
    """Delete the message's text; its files too when the author (or an admin) says so."""
    files = (await read_form(request)).flag("delete_files")
    await run(
        request,
        actor,
        lambda tx: messages.delete_message(tx, actor, message_id, delete_files=files),
    )
    if is_htmx(request):
        return await _message_part(request, actor, message_id)
    return back(request, "/")


@router.get("/parts/messages/{message_id}/history", response_class=HTMLResponse)
async def history(request: Request, message_id: int, actor: Actor = Depends(web_actor)) -> Response:
    return await render_part(
        request,
        actor,
        "parts/history.html",
        lambda c: {
            "message": qm.get_message(c, actor, message_id),
            "versions": qm.message_history(c, actor, message_id),
        },
    )


@router.post("/messages/{message_id}/reactions", response_class=HTMLResponse)
async def toggle_reaction(
    request: Request, message_id: int, actor: Actor = Depends(web_actor)
) -> Response:
    """Add the emoji, or take it back if this member had already reacted with it."""
    form = await read_form(request)
    emoji = form.text("emoji", max_length=64, required=True)

    def toggle(tx: Any) -> Any:
        current = qm.get_message(tx.conn, actor, message_id)
        chosen = names.emoji(emoji)
        mine = any(
            r["emoji"] == chosen and actor.member_id in r["member_ids"]
            for r in current["reactions"]
        )
        change = reactions.remove_reaction if mine else reactions.add_reaction
        return change(tx, actor, message_id, emoji)

    await run(request, actor, toggle)
    if is_htmx(request):
        return await _message_part(request, actor, message_id)
    return back(request, "/")


@router.post("/parts/preview", response_class=HTMLResponse)
async def preview(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    """The composer's live preview: the same renderer and sanitizer as a sent message."""
    form = await read_form(request)
    max_length = services(request).settings.max_message_length
    body = form.text("body", max_length=max_length)
    html = render_markdown(body) if body.strip() else ""
    return respond(request, "parts/preview.html", {"html": html})


@router.post("/t/{topic_id}/resolve")
async def resolve(request: Request, topic_id: int, actor: Actor = Depends(web_actor)) -> Response:
    form = await read_form(request)
    resolved = form.flag("resolved")
    await run(request, actor, lambda tx: topics.set_resolved(tx, actor, topic_id, resolved))
    return see_other(request, f"/t/{topic_id}")


@router.post("/t/{topic_id}/rename", response_class=HTMLResponse)
async def rename(request: Request, topic_id: int, actor: Actor = Depends(web_actor)) -> Response:
    form = await read_form(request)
    try:
        title = form.text("title", max_length=200, required=True)
        await run(request, actor, lambda tx: topics.rename_topic(tx, actor, topic_id, title))
    except TidingsError as exc:
        return await render_page(
            request,
            actor,
            "thread.html",
            lambda c: _topic(c, actor, topic_id, None),
            status=exc.status,
            rename_error=exc,
            rename_value=form.values().get("title", ""),
            **_compose_context(),
        )
    return see_other(request, f"/t/{topic_id}")


@router.post("/t/{topic_id}/subscription")
async def subscribe(request: Request, topic_id: int, actor: Actor = Depends(web_actor)) -> Response:
    form = await read_form(request)
    state = form.text("state", max_length=16)
    await run(request, actor, lambda tx: subscriptions.set_subscription(tx, actor, topic_id, state))
    return back(request, f"/t/{topic_id}")


@router.post("/read")
async def mark_read(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    """Mark a topic, a conversation or everything read (from the Inbox or a thread)."""
    form = await read_form(request)
    topic_id, conversation_id = form.number("topic_id"), form.number("conversation_id")
    if topic_id is not None:
        await run(request, actor, lambda tx: reads.mark_topic_read(tx, actor, topic_id))
    elif conversation_id is not None:
        await run(
            request, actor, lambda tx: reads.mark_conversation_read(tx, actor, conversation_id)
        )
    elif form.flag("all"):
        await run(request, actor, lambda tx: reads.mark_all_read(tx, actor))
    if is_htmx(request):
        return Response(status_code=204)
    return back(request, "/")


@router.post("/parts/compose-preview", response_class=HTMLResponse)
async def compose_preview(request: Request, actor: Actor = Depends(web_actor)) -> Response:
    """The composer's reply preview: who is working, when each person hears of it, and
    by when to expect their reply. Asks that cannot be resolved yet show as a hint."""
    form = await read_form(request)
    kind, _, place_id = form.text("place", max_length=40).partition(":")
    if not place_id.isdigit() or kind not in ("topic", "dm"):
        return respond(request, "parts/reply_preview.html", {"preview": None})
    handles, by = ask_fields(form)
    max_length = services(request).settings.max_message_length
    draft: dict[str, Any] = {
        "topic_id" if kind == "topic" else "conversation_id": int(place_id),
        "priority": form.text("priority", max_length=16) or "normal",
        "body": form.text("body", max_length=max_length),
    }
    now = services(request).db.clock.now()

    def load(conn: Connection) -> dict[str, Any]:
        try:
            draft["asks"] = resolve_asks(conn, actor, handles, by)
            return {"preview": reply_preview(conn, actor, draft, now), "problem": None}
        except TidingsError as exc:
            draft["asks"] = []
            return {"preview": reply_preview(conn, actor, draft, now), "problem": exc.detail}

    return respond(request, "parts/reply_preview.html", await services(request).db.aread(load))
