"""Forkouts: one message sent as separate direct messages to many people and groups,
without a group conversation, and one follow-up to those who have not replied."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, update

from tidings.actions.conversations import open_conversation
from tidings.actions.messages import check_body, send_to_conversation
from tidings.core.permissions import require_not_guest
from tidings.core.roles import Actor
from tidings.errors import InvalidInput, NotFound
from tidings.queries.forkouts import forkout_status
from tidings.store.lookups import active_member_ids
from tidings.store.models import forkout_recipients, forkouts, user_group_members, user_groups
from tidings.store.tx import MEMBERS, Tx

MAX_RECIPIENTS = 200


def recipients_of(
    tx: Tx, actor: Actor, member_ids: Iterable[int], group_ids: Iterable[int]
) -> list[int]:
    groups = sorted(set(group_ids))
    known = set(
        tx.conn.execute(
            select(user_groups.c.id).where(
                user_groups.c.id.in_(groups), user_groups.c.workspace_id == actor.workspace_id
            )
        ).scalars()
    )
    if known != set(groups):
        raise InvalidInput("No such group", field="group_ids")
    people = set(member_ids) | set(
        tx.conn.execute(
            select(user_group_members.c.member_id).where(user_group_members.c.group_id.in_(groups))
        ).scalars()
    )
    people.discard(actor.member_id)
    ids = active_member_ids(tx.conn, actor.workspace_id, people)
    if not ids:
        raise InvalidInput("Choose at least one other person or group", field="member_ids")
    if len(ids) > MAX_RECIPIENTS:
        raise InvalidInput(f"A forkout reaches at most {MAX_RECIPIENTS} people", field="member_ids")
    return ids


def send_forkout(
    tx: Tx,
    actor: Actor,
    *,
    body: str,
    member_ids: Iterable[int] = (),
    group_ids: Iterable[int] = (),
    priority: str = "normal",
    max_length: int = 20_000,
    attachments: Iterable[Any] = (),
) -> dict[str, Any]:
    """Send ``body`` to each person as their own direct message. Each is an ordinary
    DM: it notifies and, when it asks something, expects a reply within the recipient's
    window; it leaves the author's unread messages in those conversations unread. Each
    copy carries the same files (stored once)."""
    files = list(attachments)
    require_not_guest(actor)
    check_body(body, max_length, files=bool(files))  # before the recipients: the text is at fault
    people = recipients_of(tx, actor, member_ids, group_ids)
    forkout_id = tx.insert(
        forkouts,
        workspace_id=actor.workspace_id,
        author_id=actor.member_id,
        body=body,
        priority=priority,
        created_at=tx.now,
        followed_up_at=None,
    )
    rows = []
    for member_id in people:
        conversation = open_conversation(tx, actor, [member_id])
        sent = send_to_conversation(
            tx,
            actor,
            conversation["id"],
            body=body,
            priority=priority,
            max_length=max_length,
            attachments=files,
        )
        rows.append(
            {
                "forkout_id": forkout_id,
                "member_id": member_id,
                "conversation_id": conversation["id"],
                "message_id": sent["id"],
                "followup_message_id": None,
            }
        )
    tx.conn.execute(forkout_recipients.insert(), rows)
    status = forkout_status(tx.conn, actor, forkout_id)
    tx.emit(
        actor.workspace_id,
        "forkout.created",
        {"id": forkout_id},
        audience=MEMBERS,
        member_ids=[actor.member_id],
    )
    return status


def follow_up(
    tx: Tx, actor: Actor, forkout_id: int, body: str, max_length: int = 20_000
) -> dict[str, Any]:
    """One follow-up, in each conversation whose recipient has not replied yet."""
    status = forkout_status(tx.conn, actor, forkout_id)
    if status["followed_up_at"] is not None:
        raise InvalidInput("This forkout was followed up already", field="body")
    waiting = [r for r in status["recipients"] if r["replied_message_id"] is None]
    if not waiting:
        raise InvalidInput("Everyone has replied; there is nobody to follow up", field="body")
    for recipient in waiting:
        sent = send_to_conversation(
            tx, actor, recipient["conversation_id"], body=body, max_length=max_length
        )
        tx.conn.execute(
            update(forkout_recipients)
            .where(
                forkout_recipients.c.forkout_id == forkout_id,
                forkout_recipients.c.member_id == recipient["member_id"],
            )
            .values(followup_message_id=sent["id"])
        )
    changed = tx.conn.execute(
        update(forkouts)
        .where(forkouts.c.id == forkout_id, forkouts.c.followed_up_at.is_(None))
        .values(followed_up_at=tx.now)
    )
    if changed.rowcount != 1:
        raise NotFound("No such forkout")
    return forkout_status(tx.conn, actor, forkout_id)
