"""Respond later: reminders in the member's working time, sent once; cleared by a reply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.actions.conftest import Crew
from tidings.actions import channels, conversations, later, messages, topics
from tidings.errors import InvalidInput, NotFound
from tidings.queries.later import later_count, list_later
from tidings.store.models import jobs, later_marks
from tidings.store.models import notifications as notification_rows


def topic(crew: Crew, author: str = "lena", body: str = "Can someone review the Q3 plan?") -> dict:
    made = crew.do(
        lambda tx: topics.create_topic(
            tx, crew.actors[author], crew.channel("general"), title="Q3 plan", body=body
        )
    )
    return made["first_message"]  # type: ignore[no-any-return]


def mark(crew: Crew, who: str, message_id: int, remind: Any = None) -> dict:
    return crew.do(lambda tx: later.mark_later(tx, crew.actors[who], message_id, remind))  # type: ignore[no-any-return]


def reminders(crew: Crew, who: str) -> list[Any]:
    return crew.read(
        lambda c: (
            c.execute(
                select(notification_rows).where(
                    notification_rows.c.member_id == crew.actors[who].member_id,
                    notification_rows.c.kind == "reminder",
                )
            )
            .mappings()
            .all()
        )
    )


def test_a_reminder_in_three_working_hours_fires_once_at_that_time(crew: Crew) -> None:
    message = topic(crew)
    # Ana works 09-17 Lisbon (UTC+0 in December): Monday 08:00 UTC plus three working
    # hours, counted from 09:00, is 12:00.
    marked = mark(crew, "ana", message["id"], "3h")
    assert marked["remind_at"] == "2026-12-07T12:00:00Z"
    crew.travel(timedelta(hours=3, minutes=59))
    assert reminders(crew, "ana") == []
    crew.travel(timedelta(minutes=1))
    [note] = reminders(crew, "ana")
    assert note["action"] == "now" and note["message_id"] == message["id"]
    assert "Q3 plan" in note["title"]
    crew.travel(timedelta(days=3))
    assert len(reminders(crew, "ana")) == 1
    # Reminded, but still on the list until dealt with.
    [item] = crew.read(lambda c: list_later(c, crew.ana))["items"]
    assert item["reminded_at"] == "2026-12-07T12:00:00Z" and item["topic_title"] == "Q3 plan"


def test_next_working_day_and_next_week_start_in_the_members_own_hours(crew: Crew) -> None:
    message = topic(crew)
    # Joy in Manila (UTC+8): Monday 16:00 there; her next day starts Tuesday 09:00,
    # 01:00 UTC.
    assert mark(crew, "joy", message["id"], "next_day")["remind_at"] == "2026-12-08T01:00:00Z"
    # Marcus in Chicago (UTC-6): it is Monday 02:00 there, so "next week" is the
    # following Monday 09:00, 15:00 UTC.
    assert mark(crew, "marcus", message["id"], "next_week")["remind_at"] == "2026-12-14T15:00:00Z"
    # Friday afternoon plus three working hours crosses the weekend.
    crew.travel_to(datetime(2026, 12, 11, 16, 0, tzinfo=UTC))
    assert mark(crew, "ana", message["id"], "3h")["remind_at"] == "2026-12-14T11:00:00Z"


def test_a_reminder_due_outside_working_hours_is_held_to_the_members_day(crew: Crew) -> None:
    message = topic(crew)
    mark(crew, "ana", message["id"], datetime(2026, 12, 7, 21, 0, tzinfo=UTC))
    crew.travel_to(datetime(2026, 12, 7, 21, 0, tzinfo=UTC))
    [note] = reminders(crew, "ana")
    assert note["action"] == "hold" and note["delivered_at"] is None
    crew.travel_to(datetime(2026, 12, 8, 9, 0, tzinfo=UTC))
    [note] = reminders(crew, "ana")
    assert note["delivered_at"] is not None


def test_marking_again_replaces_the_reminder_and_only_the_new_one_fires(crew: Crew) -> None:
    message = topic(crew)
    first = mark(crew, "ana", message["id"], "1h")
    again = mark(crew, "ana", message["id"], "3h")
    assert again["id"] == first["id"]
    crew.travel(timedelta(hours=2, minutes=30))  # past the first time
    assert reminders(crew, "ana") == []
    crew.travel(timedelta(hours=2))
    assert len(reminders(crew, "ana")) == 1
    assert crew.read(lambda c: later_count(c, crew.ana)) == {"later_count": 1}


def test_a_reply_in_the_topic_clears_the_mark_and_its_reminder(crew: Crew) -> None:
    message = topic(crew)
    mark(crew, "ana", message["id"], "2h")
    crew.do(lambda tx: messages.send_to_topic(tx, crew.ana, message["topic_id"], body="Looks good"))
    assert crew.read(lambda c: list_later(c, crew.ana))["items"] == []
    reason = crew.read(lambda c: c.execute(select(later_marks.c.cleared_reason)).scalar_one())
    assert reason == "replied"
    assert (
        crew.read(
            lambda c: c.execute(
                select(jobs.c.state).where(jobs.c.kind == later.REMIND)
            ).scalar_one()
        )
        == "cancelled"
    )
    crew.travel(timedelta(days=1))
    assert reminders(crew, "ana") == []
    # Someone else's reply clears nothing of Ana's.
    mark(crew, "ana", message["id"])
    crew.do(lambda tx: messages.send_to_topic(tx, crew.lena, message["topic_id"], body="Thanks"))
    assert len(crew.read(lambda c: list_later(c, crew.ana))["items"]) == 1


def test_a_reply_in_a_conversation_clears_marks_there_only(crew: Crew) -> None:
    def dm(tx):  # type: ignore[no-untyped-def]
        conversation = conversations.open_conversation(tx, crew.lena, [crew.ana.member_id])
        return messages.send_to_conversation(tx, crew.lena, conversation["id"], body="Lunch?")

    sent = crew.do(dm)
    in_topic = topic(crew)
    mark(crew, "ana", sent["id"], "next_day")
    mark(crew, "ana", in_topic["id"], "next_day")
    crew.do(
        lambda tx: messages.send_to_conversation(tx, crew.ana, sent["conversation_id"], body="Yes")
    )
    [left] = crew.read(lambda c: list_later(c, crew.ana))["items"]
    assert left["message_id"] == in_topic["id"]


def test_clearing_by_hand_stops_the_reminder(crew: Crew) -> None:
    message = topic(crew)
    marked = mark(crew, "ana", message["id"], "1h")
    cleared = crew.do(lambda tx: later.clear_later_by_id(tx, crew.ana, marked["id"]))
    assert cleared["cleared_reason"] == "done"
    crew.travel(timedelta(hours=5))
    assert reminders(crew, "ana") == []
    with pytest.raises(NotFound):
        crew.do(lambda tx: later.clear_later(tx, crew.ana, message["id"]))
    # It can be marked again afterwards: one active mark, old ones kept.
    mark(crew, "ana", message["id"])
    assert crew.read(lambda c: later_count(c, crew.ana)) == {"later_count": 1}


def test_bad_reminders_and_unreadable_messages_are_refused(crew: Crew) -> None:
    message = topic(crew)
    for bad in ("soon", "0h", "999h", "2026-12-07T09:00", datetime(2026, 12, 7, 7, 0, tzinfo=UTC)):
        with pytest.raises(InvalidInput):
            mark(crew, "ana", message["id"], bad)
    board = crew.do(
        lambda tx: channels.create_channel(tx, crew.lena, name="board", is_private=True)
    )
    secret = crew.do(
        lambda tx: topics.create_topic(tx, crew.lena, board["id"], title="Salaries", body="Draft")
    )["first_message"]
    with pytest.raises(NotFound):
        mark(crew, "ana", secret["id"], "1h")
    with pytest.raises(NotFound):
        mark(crew, "ana", 999_999)
    assert crew.read(lambda c: later_count(c, crew.ana)) == {"later_count": 0}
