"""The daily digest: preferences, its daily job, building and sending it, and
unsubscribing from its e-mail.

Each member has one pending ``digest.send`` job at their next local digest
time, keyed by member, local day and preferences version. The handler sends at
most one digest per member and local day (the ``digests`` row is unique on
both), then schedules the next day. A change of preferences cancels the pending
job and schedules a new one under the new version.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import select, update

from tidings import views
from tidings.actions.notifications import record
from tidings.core import digests as rules
from tidings.core.credentials import new_token, token_hash
from tidings.core.notify import NOW, Decision
from tidings.core.roles import Actor, Role
from tidings.digest_email import digest_email
from tidings.errors import NotFound
from tidings.mail import Mailer, mailer_for
from tidings.queries.catchup import catchup
from tidings.queries.inbox import inbox
from tidings.queries.notifications import about_readable
from tidings.store import jobs
from tidings.store.models import (
    digest_preferences,
    digests,
    member_activity,
    members,
    notifications,
)
from tidings.store.models import jobs as job_rows
from tidings.store.tx import MEMBERS, Tx
from tidings.store.upsert import upsert

log = logging.getLogger(__name__)
SEND = "digest.send"
# The first digest looks back this far; later ones cover the time since the last.
FIRST_PERIOD = timedelta(days=1)
SECTION_LIMIT = 20
DEFAULTS: dict[str, Any] = {
    "digest_time": rules.DEFAULT_TIME,
    "email_enabled": True,
    "send_if_active": False,
    "version": 0,
    "last_digest_at": None,
    "last_digest_date": None,
}
UNSUBSCRIBE_PREFIX = "tdu"


def preferences(conn: Any, member_id: int) -> dict[str, Any]:
    row = (
        conn.execute(select(digest_preferences).where(digest_preferences.c.member_id == member_id))
        .mappings()
        .first()
    )
    return {**DEFAULTS, **(dict(row) if row else {}), "member_id": member_id}


def preferences_view(prefs: dict[str, Any]) -> dict[str, Any]:
    return {
        "digest_time": prefs["digest_time"],
        "email_enabled": prefs["email_enabled"],
        "send_if_active": prefs["send_if_active"],
        "last_digest_at": views.iso(prefs["last_digest_at"]),
    }


def _save(tx: Tx, prefs: dict[str, Any]) -> None:
    values = {key: prefs[key] for key in (*DEFAULTS, "member_id")}
    upsert(tx.conn, digest_preferences, values, ["member_id"], list(DEFAULTS))


def _zone(tx: Tx, member_id: int) -> str:
    return str(
        tx.conn.execute(select(members.c.time_zone).where(members.c.id == member_id)).scalar_one()
    )


def _key(member_id: int, day: date, version: int) -> str:
    return f"digest:{member_id}:{day.isoformat()}:v{version}"


def schedule_next(
    tx: Tx, workspace_id: int, member_id: int, prefs: dict[str, Any], after: datetime
) -> int:
    """The member's digest job for their first digest time after ``after``."""
    done = date.fromisoformat(prefs["last_digest_date"]) if prefs["last_digest_date"] else None
    day, at = rules.next_digest(after, prefs["digest_time"], _zone(tx, member_id), skip=done)
    return jobs.enqueue(
        tx,
        SEND,
        at,
        {"member_id": member_id, "workspace_id": workspace_id, "local_date": day.isoformat()},
        workspace_id=workspace_id,
        dedupe_key=_key(member_id, day, prefs["version"]),
    )


def ensure_scheduled(tx: Tx, workspace_id: int, member_id: int) -> None:
    """Idempotent: the dedupe key makes a second call a no-op."""
    schedule_next(tx, workspace_id, member_id, preferences(tx.conn, member_id), tx.now)


def _cancel_pending(tx: Tx, member_id: int) -> None:
    pending = tx.conn.execute(
        select(job_rows.c.id).where(
            job_rows.c.kind == SEND,
            job_rows.c.dedupe_key.like(f"digest:{member_id}:%"),
            job_rows.c.state == jobs.PENDING,
        )
    ).scalars()
    for job_id in list(pending):
        jobs.cancel(tx, job_id)


def set_preferences(
    tx: Tx,
    actor: Actor,
    *,
    digest_time: str | None = None,
    email_enabled: bool | None = None,
    send_if_active: bool | None = None,
) -> dict[str, Any]:
    """Change when the digest comes and how; its job moves with the time."""
    prefs = preferences(tx.conn, actor.member_id)
    if digest_time is not None:
        at = rules.parse_digest_time(digest_time)
        prefs["digest_time"] = at.strftime("%H:%M")
    if email_enabled is not None:
        prefs["email_enabled"] = email_enabled
    if send_if_active is not None:
        prefs["send_if_active"] = send_if_active
    prefs["version"] += 1
    _save(tx, prefs)
    _cancel_pending(tx, actor.member_id)
    schedule_next(tx, actor.workspace_id, actor.member_id, prefs, tx.now)
    shown = preferences_view(prefs)
    tx.emit(
        actor.workspace_id,
        "digest.preferences",
        shown,
        audience=MEMBERS,
        member_ids=[actor.member_id],
    )
    return shown


def unsubscribe(tx: Tx, token: str) -> dict[str, Any]:
    """Turn the digest e-mail off for the member an e-mail's link was sent to.
    The token is the only credential: no sign-in, and repeating it is harmless."""
    row = tx.conn.execute(
        select(digests.c.member_id, digests.c.workspace_id).where(
            digests.c.unsubscribe_token_hash == token_hash(token)
        )
    ).first()
    if row is None:
        raise NotFound("This unsubscribe link is not valid")
    prefs = preferences(tx.conn, row.member_id)
    if prefs["email_enabled"]:
        prefs["email_enabled"] = False
        _save(tx, prefs)
        tx.emit(
            row.workspace_id,
            "digest.preferences",
            preferences_view(prefs),
            audience=MEMBERS,
            member_ids=[row.member_id],
        )
    email = tx.conn.execute(
        select(members.c.email).where(members.c.id == row.member_id)
    ).scalar_one()
    return {"email": email, "email_enabled": False}


def check_token(conn: Any, token: str) -> dict[str, Any]:
    """Who an unsubscribe link is for, to show on its confirmation page."""
    row = conn.execute(
        select(members.c.email, digest_preferences.c.email_enabled)
        .select_from(
            digests.join(members, members.c.id == digests.c.member_id).outerjoin(
                digest_preferences, digest_preferences.c.member_id == digests.c.member_id
            )
        )
        .where(digests.c.unsubscribe_token_hash == token_hash(token))
    ).first()
    if row is None:
        raise NotFound("This unsubscribe link is not valid")
    return {"email": row.email, "email_enabled": row.email_enabled is not False}


# --- the daily job ----------------------------------------------------------------------


def _held(tx: Tx, actor: Actor, since: datetime) -> list[dict[str, Any]]:
    """Notifications since the last digest that were held, or delivered while the
    member was away, that they have not seen and may still read."""
    rows = tx.conn.execute(
        select(notifications)
        .where(
            notifications.c.member_id == actor.member_id,
            about_readable(actor),
            notifications.c.created_at > since,
            notifications.c.kind != "digest",
            notifications.c.seen_at.is_(None),
            (notifications.c.action == "hold") | notifications.c.delivered_at.is_not(None),
        )
        .order_by(notifications.c.id)
        .limit(SECTION_LIMIT)
    ).mappings()
    return [views.notification(row) for row in rows]


def build(tx: Tx, actor: Actor, since: datetime) -> dict[str, Any]:
    """What a digest would hold; ``has_news`` is False when it would say nothing new
    (replies still owed from before are shown, but are not news on their own)."""
    found = catchup(tx.conn, actor, since, tx.now)
    held = _held(tx, actor, since)
    unread = inbox(tx.conn, actor)["items"][:SECTION_LIMIT]
    counts = {**found["counts"], "notifications": len(held), "unread": len(unread)}
    news = any(n for key, n in counts.items() if key != "owed")
    headline = ", ".join(
        f"{n} {label}"
        for n, label in (
            (counts["owed"], "replies owed"),
            (counts["asks"], "asks"),
            (counts["mentions"], "mentions"),
            (counts["topics"], "active topics"),
            (counts["clips"], "new clips"),
            (counts["unread"], "unread"),
        )
        if n
    )
    return {
        "catchup": found,
        "notifications": held,
        "unread": unread,
        "counts": counts,
        "has_news": news,
        "headline": headline or "nothing new",
    }


def _actor(tx: Tx, member_id: int) -> tuple[Actor, Any] | None:
    row = tx.conn.execute(select(members).where(members.c.id == member_id)).first()
    if row is None or not row.is_active:
        return None
    return Actor(row.id, row.workspace_id, Role(row.role), row.handle), row


def _last_seen(tx: Tx, member_id: int) -> datetime | None:
    return tx.conn.execute(
        select(member_activity.c.last_seen_at).where(member_activity.c.member_id == member_id)
    ).scalar()


def send_digest(tx: Tx, member_id: int, local_date: str) -> str:
    """The job at a member's digest time; returns what it did, for logs and tests."""
    found = _actor(tx, member_id)
    if found is None:
        return "inactive"
    actor, member = found
    prefs = preferences(tx.conn, member_id)
    if prefs["last_digest_date"] is not None and prefs["last_digest_date"] >= local_date:
        return "already"
    since = prefs["last_digest_at"] or tx.now - FIRST_PERIOD
    content = build(tx, actor, since)
    seen = _last_seen(tx, member_id)
    active = seen is not None and seen > since
    prefs.update(last_digest_at=tx.now, last_digest_date=local_date)
    _save(tx, prefs)
    schedule_next(tx, actor.workspace_id, member_id, prefs, tx.now)
    if not rules.should_send(content["has_news"], active, prefs["send_if_active"]):
        return "active" if content["has_news"] else "empty"
    mailer = mailer_for(tx.conn.engine)
    status = "sending" if prefs["email_enabled"] and mailer else "off"
    if prefs["email_enabled"] and mailer is None:
        status = "no_server"
    token = new_token(UNSUBSCRIBE_PREFIX)
    digest_id = tx.insert(
        digests,
        workspace_id=actor.workspace_id,
        member_id=member_id,
        local_date=local_date,
        period_start=since,
        period_end=tx.now,
        sent_at=tx.now,
        email_status=status,
        summary=orjson.dumps(content["counts"]).decode(),
        unsubscribe_token_hash=token_hash(token),
    )
    _announce(tx, actor, digest_id, since, content)
    if status == "sending" and mailer is not None:
        _mail_after_commit(tx, mailer, digest_id, member, content, token)
    return "sent"


def _announce(
    tx: Tx, actor: Actor, digest_id: int, since: datetime, content: dict[str, Any]
) -> None:
    decision = Decision(NOW, None, "digest", "your daily digest, at the time you chose")
    record(
        tx,
        actor.workspace_id,
        actor.member_id,
        "digest",
        decision,
        title=f"Your digest: {content['headline']}",
    )
    tx.emit(
        actor.workspace_id,
        "digest",
        {
            "id": digest_id,
            "period_start": views.iso(since),
            "period_end": views.iso(tx.now),
            "counts": content["counts"],
        },
        audience=MEMBERS,
        member_ids=[actor.member_id],
    )


def _mail_after_commit(
    tx: Tx, mailer: Mailer, digest_id: int, member: Any, content: dict[str, Any], token: str
) -> None:
    base = mailer.public_url
    message = digest_email(
        content,
        to=member.email,
        name=member.display_name,
        sender=mailer.sender,
        base=base,
        unsubscribe=f"{base}/unsubscribe/{token}",
    )

    def recorded(sent: bool) -> None:
        mailer.db.write(lambda tx: record_email(tx, digest_id, sent))

    tx.after_commit(lambda: mailer.send(message, recorded))


def record_email(tx: Tx, digest_id: int, sent: bool) -> None:
    """What the SMTP server said about a digest's e-mail."""
    tx.conn.execute(
        update(digests)
        .where(digests.c.id == digest_id, digests.c.email_status == "sending")
        .values(email_status="sent" if sent else "failed")
    )
