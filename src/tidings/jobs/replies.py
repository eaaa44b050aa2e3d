"""Timed work for reply expectations and notifications."""

from __future__ import annotations

from sqlalchemy import select, update

from tidings.actions import expectations as owed
from tidings.actions import notifications as notify
from tidings.core import expectations as rules
from tidings.jobs.registry import handler
from tidings.queries.availability import member_schedule
from tidings.queries.channels import responder_ids
from tidings.store import jobs
from tidings.store.access import may_read_message
from tidings.store.jobs import Job
from tidings.store.models import expectations, members, messages, topics
from tidings.store.tx import Tx


def _title(tx: Tx, message_id: int, reader_id: int) -> str:
    """What the message is about, as ``reader_id`` may see it now."""
    if not may_read_message(tx.conn, reader_id, message_id):
        return "a message you can no longer read"
    row = tx.conn.execute(
        select(topics.c.title)
        .select_from(messages.outerjoin(topics, topics.c.id == messages.c.topic_id))
        .where(messages.c.id == message_id)
    ).first()
    return row.title if row is not None and row.title else "a direct message"


def _name(tx: Tx, member_id: int) -> str:
    return str(
        tx.conn.execute(
            select(members.c.display_name).where(members.c.id == member_id)
        ).scalar_one()
    )


@handler(owed.NUDGE)
def nudge(tx: Tx, job: Job) -> None:
    """At the due time: remind the debtor, and give them one working hour before the
    creditor hears that the reply is late."""
    row = owed.load(tx, job.payload["expectation_id"])
    if row is None or row["state"] != rules.OPEN or row["nudged_at"] is not None:
        return
    if row["due_at"] > tx.now:  # moved later meanwhile; its rescheduled job will come
        return
    if not owed.still_readable(tx, row):
        return
    tx.conn.execute(
        update(expectations).where(expectations.c.id == row["id"]).values(nudged_at=tx.now)
    )
    about = _title(tx, row["message_id"], row["debtor_id"])
    title = f"You owe {_name(tx, row['creditor_id'])} a reply: {about}"
    notify.notify_direct(
        tx,
        row["workspace_id"],
        row["debtor_id"],
        "nudge",
        title,
        expectation_id=row["id"],
        message_id=row["message_id"],
    )
    schedule = member_schedule(tx.conn, row["workspace_id"], row["debtor_id"])
    jobs.enqueue(
        tx,
        owed.BREACH,
        rules.breach_time(row["due_at"], schedule),
        {"expectation_id": row["id"]},
        workspace_id=row["workspace_id"],
        dedupe_key=f"expectation:{row['id']}:breach",
    )


@handler(owed.BREACH)
def breach(tx: Tx, job: Job) -> None:
    """Still open after the grace: the expectation is breached and the creditor told."""
    row = owed.load(tx, job.payload["expectation_id"])
    if row is None or row["state"] != rules.OPEN:
        return
    if not owed.still_readable(tx, row):
        return
    changed = tx.conn.execute(
        update(expectations)
        .where(expectations.c.id == row["id"], expectations.c.state == rules.OPEN)
        .values(state=rules.BREACHED, breached_at=tx.now)
    )
    if changed.rowcount != 1:
        return
    owed.announce(tx, {**row, "state": rules.BREACHED, "breached_at": tx.now})
    about = _title(tx, row["message_id"], row["creditor_id"])
    title = f"{_name(tx, row['debtor_id'])} has not replied yet: {about}"
    notify.notify_direct(
        tx,
        row["workspace_id"],
        row["creditor_id"],
        "breach",
        title,
        expectation_id=row["id"],
        message_id=row["message_id"],
    )


@handler(notify.DELIVER)
def deliver(tx: Tx, job: Job) -> None:
    notify.deliver_held(tx, job.payload["notification_id"])


@handler(notify.URGENT_CHECK)
def urgent(tx: Tx, job: Job) -> None:
    notification_id = job.payload["notification_id"]
    channel_id = tx.conn.execute(
        select(messages.c.channel_id)
        .select_from(messages)
        .join(notify.notifications, notify.notifications.c.message_id == messages.c.id)
        .where(notify.notifications.c.id == notification_id)
    ).scalar()
    escalate_to = responder_ids(tx.conn, channel_id) if channel_id is not None else set()
    notify.check_urgent(tx, notification_id, escalate_to)
