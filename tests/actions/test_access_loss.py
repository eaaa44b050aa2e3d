"""Work that fires later checks access when it fires: a member removed from a private
channel after an ask, a Later mark with a reminder, a held notification and a
scheduled message there gets none of them, and their daily digest (a real e-mail
through a real SMTP server) says nothing of the channel, old text or new."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from tests.actions.conftest import MONDAY, Crew
from tests.mailbox import Inbox, smtp_server
from tidings import mail
from tidings.actions import channels, digests, later, messages, scheduled, topics
from tidings.config import Settings
from tidings.store.models import (
    channel_members,
    expectations,
    notifications,
    scheduled_messages,
)

OLD_TITLE = "Quarterly board pack"
OLD_BODY = "Draft salaries sheet attached"
NEW_TITLE = "Renamed board pack"
NEW_BODY = "Edited salaries sheet attached"
SECRETS = ("board pack", "salaries")


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text.lower()]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as found:
        yield found


def _rows(crew: Crew, table: Any, **where: Any) -> list[Any]:
    query = select(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    return list(crew.read(lambda c: c.execute(query).mappings().all()))


def test_jobs_and_the_digest_check_access_when_they_fire(
    crew: Crew, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    mail.attach(crew.db, Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False))
    marcus = crew.marcus  # Chicago: 02:00 now, so what reaches him is held until 09:00 there
    board = crew.do(
        lambda tx: channels.create_channel(
            tx, crew.lena, name="board", is_private=True, member_ids=[marcus.member_id]
        )
    )
    made = crew.do(
        lambda tx: topics.create_topic(
            tx,
            crew.lena,
            board["id"],
            title=OLD_TITLE,
            body=f"{OLD_BODY}, @marcus please check",
            asks=[{"member_id": marcus.member_id, "deadline": None}],
        )
    )
    message_id = made["first_message"]["id"]
    crew.do(lambda tx: later.mark_later(tx, marcus, message_id, "1h"))
    waiting = crew.do(
        lambda tx: scheduled.schedule_message(
            tx,
            marcus,
            body="Checked, all fine",
            topic_id=made["id"],
            send_at=MONDAY + timedelta(hours=4),
        )
    )
    crew.do(lambda tx: digests.ensure_scheduled(tx, crew.workspace_id, marcus.member_id))
    general = crew.channel("general")
    crew.do(
        lambda tx: topics.create_topic(
            tx, crew.lena, general, title="Lunch rota", body="Lunch rota for Friday @marcus?"
        )
    )
    [held] = _rows(crew, notifications, member_id=marcus.member_id, message_id=message_id)
    assert held["action"] == "hold" and held["title"] == OLD_TITLE

    crew.do(lambda tx: channels.remove_member(tx, crew.lena, board["id"], marcus.member_id))
    crew.do(lambda tx: topics.rename_topic(tx, crew.lena, made["id"], NEW_TITLE))
    crew.do(lambda tx: messages.edit_message(tx, crew.lena, message_id, NEW_BODY))
    # 09:00 in Chicago: held notifications are due; 10:00: the reminder; 17:00: the digest.
    for hour in (15, 16, 17, 23):
        crew.travel_to(datetime(2026, 12, 7, hour, 1, tzinfo=UTC))

    # The digest came, about the rest of the workspace only.
    [email] = inbox.wait(1)
    text = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = email.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Lunch rota" in text
    assert not _leaks(text) and not _leaks(html) and not _leaks(email["Subject"]), text
    # The held notification and the reminder never reached him.
    delivered = crew.events("notification", "marcus")
    assert not [n for n in delivered if _leaks(orjson.dumps(n).decode())], delivered
    assert not _rows(crew, notifications, member_id=marcus.member_id, kind="reminder")
    # What he owed there was cancelled at once, never nudged.
    [owed] = _rows(crew, expectations, debtor_id=marcus.member_id)
    assert owed["state"] == "cancelled" and owed["nudged_at"] is None
    # His scheduled message did not go out, and says why.
    [row] = _rows(crew, scheduled_messages, id=waiting["id"])
    assert row["state"] == "failed" and row["error"].startswith("Not sent")
    [digest] = crew.events("digest", "marcus")
    assert digest["counts"]["owed"] == 0


def test_a_nudge_due_after_access_was_lost_cancels_instead(crew: Crew) -> None:
    """Access can also be lost without passing through a removal (a row changed by an
    operator): the nudge re-checks when it fires."""
    board = crew.do(
        lambda tx: channels.create_channel(
            tx, crew.lena, name="board", is_private=True, member_ids=[crew.ana.member_id]
        )
    )
    crew.do(
        lambda tx: topics.create_topic(
            tx,
            crew.lena,
            board["id"],
            title=OLD_TITLE,
            body=OLD_BODY,
            asks=[{"member_id": crew.ana.member_id, "deadline": MONDAY + timedelta(hours=2)}],
        )
    )
    crew.do(
        lambda tx: tx.conn.execute(
            channel_members.delete().where(
                channel_members.c.channel_id == board["id"],
                channel_members.c.member_id == crew.ana.member_id,
            )
        )
    )
    crew.travel(timedelta(hours=3))
    [owed] = _rows(crew, expectations, debtor_id=crew.ana.member_id)
    assert owed["state"] == "cancelled" and owed["note"] == "Ana Sousa no longer has access"
    assert not _rows(crew, notifications, member_id=crew.ana.member_id, kind="nudge")
