"""The reply preview: before sending, for each person a draft concerns, their local
time, whether they are working, when they would be notified, and by when a reply can
be expected, in their zone and the sender's."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.engine import Connection

from tidings import views
from tidings.actions.mentions import resolve_mentions
from tidings.actions.notifications import recipient
from tidings.core import expectations as rules
from tidings.core.context import check_composed
from tidings.core.markdown import extract_mentions
from tidings.core.notify import Event, decide
from tidings.core.permissions import require_read_channel
from tidings.core.reach import Viewpoint, clock, reach_line
from tidings.core.roles import Actor
from tidings.core.worktime import is_working
from tidings.errors import InvalidInput, NotFound
from tidings.queries.availability import stored
from tidings.queries.channels import responder_ids
from tidings.store.lookups import (
    active_member_ids,
    channel_facts,
    conversation_member_ids,
    topic_row,
)
from tidings.store.models import members

MAX_SHOWN = 20


def _target(conn: Connection, actor: Actor, draft: Mapping[str, Any]) -> dict[str, Any]:
    """Who is in the place the draft goes to, and its reply window."""
    if draft.get("conversation_id"):
        ids = conversation_member_ids(conn, draft["conversation_id"])
        if actor.member_id not in ids:
            raise InvalidInput("No such conversation", field="conversation_id")
        return {
            "dm": True,
            "members": set(ids),
            "window": None,
            "responders": set(),
            "urgent": True,
        }
    if draft.get("member_ids"):
        active_member_ids(conn, actor.workspace_id, draft["member_ids"])
        return {
            "dm": True,
            "members": set(draft["member_ids"]) | {actor.member_id},
            "window": None,
            "responders": set(),
            "urgent": True,
        }
    channel_id = draft.get("channel_id")
    if draft.get("topic_id"):
        channel_id = topic_row(conn, actor.workspace_id, draft["topic_id"])["channel_id"]
    if channel_id is None:
        raise InvalidInput(
            "Give topic_id, channel_id, conversation_id or member_ids", field="topic_id"
        )
    facts = channel_facts(conn, actor, channel_id)
    try:
        require_read_channel(actor, facts)
    except NotFound:
        # Worded like topic_row's answer, so a private topic looks exactly like a missing one.
        raise NotFound("No such topic" if draft.get("topic_id") else "No such channel") from None
    new_topic = not draft.get("topic_id")
    owed = responder_ids(conn, channel_id) if new_topic and facts.response_minutes else set()
    return {
        "dm": False,
        "members": set(),
        "window": facts.response_minutes,
        "responders": owed,
        "urgent": facts.allow_urgent,
    }


def reply_preview(
    conn: Connection, actor: Actor, draft: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    target = _target(conn, actor, draft)
    asks: dict[int, datetime | None] = {
        int(a["member_id"]): a.get("deadline") for a in draft.get("asks", ())
    }
    for deadline in asks.values():
        rules.check_deadline(deadline, now)
    handles = extract_mentions(draft.get("body", ""))
    mentioned = set(resolve_mentions(conn, actor.workspace_id, handles).member_ids)
    people = (target["members"] | set(asks) | mentioned | target["responders"]) - {actor.member_id}
    sender_zone = conn.execute(
        select(members.c.time_zone).where(members.c.id == actor.member_id)
    ).scalar_one()
    shown = [
        _person(conn, actor, member_id, draft, target, asks, mentioned, now, sender_zone)
        for member_id in sorted(people)[:MAX_SHOWN]
    ]
    return {
        "sender_zone": sender_zone,
        "recipients": shown,
        "more": max(0, len(people) - MAX_SHOWN),
        "findings": [finding.as_dict() for finding in check_composed(draft)],
    }


def _person(
    conn: Connection,
    actor: Actor,
    member_id: int,
    draft: Mapping[str, Any],
    target: Mapping[str, Any],
    asks: Mapping[int, datetime | None],
    mentioned: Iterable[int],
    now: datetime,
    sender_zone: str,
) -> dict[str, Any]:
    person = recipient(conn, actor.workspace_id, member_id)
    zone = person.schedule.zone
    event = Event(
        author_id=actor.member_id,
        priority=draft.get("priority", "normal"),
        is_dm=target["dm"],
        mentions_recipient=member_id in set(mentioned),
        asks_recipient=member_id in asks,
        subscription="following",
        urgent_allowed=target["urgent"],
    )
    decision = decide(person, event, now)
    asking = target["dm"] and rules.expects_reply(str(draft.get("body") or ""))
    expects = asking or member_id in asks or member_id in target["responders"]
    due = None
    if expects:
        window = target["window"] if not target["dm"] else None
        if window is None and asks.get(member_id) is None:
            window = stored(conn, member_id)["dm_reply_minutes"]
        due = rules.due_time(now, window, asks.get(member_id), person.schedule)
    status = person.status.at(now)
    name = conn.execute(
        select(members.c.display_name).where(members.c.id == member_id)
    ).scalar_one()
    notify_at = (
        decision.until if decision.action == "hold" else (now if decision.action == "now" else None)
    )
    return {
        "member_id": member_id,
        "display_name": name,
        "time_zone": zone,
        "local_time": now.astimezone(ZoneInfo(zone)).strftime("%H:%M"),
        "working_now": is_working(now, person.schedule),
        "status": status,
        "notify": {
            "action": decision.action,
            "at": views.iso(notify_at),
            "code": decision.code,
            "reason": decision.reason,
        },
        "reply_by": views.iso(due),
        "reply_by_their_time": f"{clock(due, zone, now)} {zone}" if due else None,
        "reply_by_your_time": clock(due, sender_zone, now) if due else None,
        "summary": reach_line(
            name, decision, person.status, Viewpoint(zone, sender_zone, now), due
        ),
    }
