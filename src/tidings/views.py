"""The JSON shape of each domain object, shared by the API, events and the CLI."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import orjson


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def member(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "handle": row["handle"],
        "display_name": row["display_name"],
        "email": row["email"],
        "role": row["role"],
        "time_zone": row["time_zone"],
        "title": row["title"],
        "is_active": bool(row["is_active"]),
    }


def channel(row: Mapping[Any, Any], *, is_member: bool | None = None) -> dict[str, Any]:
    view = {
        "id": row["id"],
        "name": row["name"],
        "purpose": row["purpose"],
        "kind": row["kind"],
        "is_private": bool(row["is_private"]),
        "is_archived": bool(row["is_archived"]),
        "created_by": row["created_by"],
        "created_at": iso(row["created_at"]),
    }
    if is_member is not None:
        view["is_member"] = is_member
    return view


def topic(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "channel_id": row["channel_id"],
        "title": row["title"],
        "is_resolved": bool(row["is_resolved"]),
        "created_by": row["created_by"],
        "created_at": iso(row["created_at"]),
        "last_message_id": row["last_message_id"],
        "last_message_at": iso(row["last_message_at"]),
        "message_count": row["message_count"],
    }


def reactions(rows: Iterable[Mapping[Any, Any]]) -> list[dict[str, Any]]:
    grouped: dict[str, list[int]] = {}
    for row in rows:
        grouped.setdefault(row["emoji"], []).append(row["member_id"])
    return [
        {"emoji": emoji, "count": len(ids), "member_ids": sorted(ids)}
        for emoji, ids in grouped.items()
    ]


def link_preview(row: Mapping[Any, Any]) -> dict[str, Any]:
    # The image comes from this server, never from the linked site (see unfurl/image.py).
    has_image = bool(row.get("image_sha256"))
    image = f"/api/v1/messages/{row['message_id']}/previews/{row['position']}/image"
    return {
        "url": row["url"],
        "title": row["title"],
        "description": row["description"],
        "site_name": row["site_name"],
        "image_url": image if has_image else None,
        "image_width": row.get("image_width") if has_image else None,
        "image_height": row.get("image_height") if has_image else None,
    }


def message(
    row: Mapping[Any, Any],
    reaction_rows: Iterable[Mapping[Any, Any]] = (),
    files: Iterable[Mapping[str, Any]] = (),
    previews: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    deleted = row["deleted_at"] is not None
    expired = row.get("expired_at") is not None
    gone = deleted or expired
    return {
        "id": row["id"],
        "channel_id": row["channel_id"],
        "topic_id": row["topic_id"],
        "conversation_id": row["conversation_id"],
        "author_id": row["author_id"],
        "body": "" if gone else row["body"],
        "html": "" if gone else row["html"],
        "priority": row["priority"],
        "reply_to_id": row["reply_to_id"],
        "quote_of_id": row["quote_of_id"],
        "created_at": iso(row["created_at"]),
        "edited_at": iso(row["edited_at"]),
        "deleted": deleted,
        "reactions": [] if gone else reactions(reaction_rows),
        "previews": [] if gone else list(previews),
        "expires_at": iso(row.get("expires_at")),
        "expire_after_read": bool(row.get("expire_after_read")),
        "expired": expired,
        "attachments": [] if expired else [dict(f) for f in files],
        "clip_file_id": row.get("clip_file_id"),
        "clip_at_ms": row.get("clip_at_ms"),
    }


def conversation(row: Mapping[Any, Any], member_ids: Iterable[int]) -> dict[str, Any]:
    ids = sorted(member_ids)
    return {
        "id": row["id"],
        "kind": "dm" if len(ids) <= 2 else "group",
        "member_ids": ids,
        "created_at": iso(row["created_at"]),
        "last_message_id": row["last_message_id"],
        "last_message_at": iso(row["last_message_at"]),
    }


def group(row: Mapping[Any, Any], member_ids: Iterable[int]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "handle": row["handle"],
        "name": row["name"],
        "description": row["description"],
        "member_ids": sorted(member_ids),
    }


def token(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": row["public_id"],
        "name": row["name"],
        "kind": row["kind"],
        "created_at": iso(row["created_at"]),
        "expires_at": iso(row["expires_at"]),
        "revoked_at": iso(row["revoked_at"]),
    }


def expectation(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "message_id": row["message_id"],
        "channel_id": row["channel_id"],
        "topic_id": row["topic_id"],
        "conversation_id": row["conversation_id"],
        "debtor_id": row["debtor_id"],
        "creditor_id": row["creditor_id"],
        "kind": row["kind"],
        "deadline": iso(row["deadline"]),
        "due_at": iso(row["due_at"]),
        "state": row["state"],
        "created_at": iso(row["created_at"]),
        "nudged_at": iso(row["nudged_at"]),
        "breached_at": iso(row["breached_at"]),
        "resolved_at": iso(row["resolved_at"]),
        "resolved_by_message_id": row["resolved_by_message_id"],
        "note": row["note"],
    }


def notification(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "kind": row["kind"],
        "message_id": row["message_id"],
        "expectation_id": row["expectation_id"],
        "priority": row["priority"],
        "title": row["title"],
        "action": row["action"],
        "code": row["code"],
        "reason": row["reason"],
        "deliver_at": iso(row["deliver_at"]),
        "delivered_at": iso(row["delivered_at"]),
        "seen_at": iso(row["seen_at"]),
        "created_at": iso(row["created_at"]),
    }


def later_mark(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "message_id": row["message_id"],
        "remind_at": iso(row["remind_at"]),
        "reminded_at": iso(row["reminded_at"]),
        "created_at": iso(row["created_at"]),
        "cleared_at": iso(row["cleared_at"]),
        "cleared_reason": row["cleared_reason"],
    }


def scheduled_message(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "author_id": row["author_id"],
        "topic_id": row["topic_id"],
        "conversation_id": row["conversation_id"],
        "body": row["body"],
        "priority": row["priority"],
        "asks": orjson.loads(row["asks"]),
        "send_at": iso(row["send_at"]),
        "at_recipient_day": bool(row["at_recipient_day"]),
        "state": row["state"],
        "sent_message_id": row["sent_message_id"],
        "forkout_member_ids": orjson.loads(row["forkout"])["member_ids"]
        if row.get("forkout")
        else None,
        "sent_forkout_id": row.get("sent_forkout_id"),
        "error": row["error"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }
