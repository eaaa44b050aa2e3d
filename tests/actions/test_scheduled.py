"""Scheduled send: posted once at its time, as its author; edited, cancelled, refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.actions.conftest import Crew
from tidings.actions import channels, conversations, members, scheduled, topics
from tidings.actions import messages as messages_actions
from tidings.errors import Conflict, Forbidden, InvalidInput, NotFound
from tidings.queries.inbox import inbox
from tidings.queries.later import list_scheduled
from tidings.store.models import jobs, messages


def dm_id(crew: Crew, sender: str, *to: str) -> int:
    ids = [crew.actors[t].member_id for t in to]
    return int(
        crew.do(lambda tx: conversations.open_conversation(tx, crew.actors[sender], ids))["id"]
    )


def bodies(crew: Crew, conversation_id: int) -> list[str]:
    return list(
        crew.read(
            lambda c: c.execute(
                select(messages.c.body)
                .where(messages.c.conversation_id == conversation_id)
                .order_by(messages.c.id)
            ).scalars()
        )
    )


def schedule(crew: Crew, who: str, **fields: Any) -> dict:
    return crew.do(lambda tx: scheduled.schedule_message(tx, crew.actors[who], **fields))  # type: ignore[no-any-return]


def test_a_scheduled_dm_is_sent_once_at_its_time_and_not_before(crew: Crew) -> None:
    conversation = dm_id(crew, "lena", "ana")
    at = crew.clock.now() + timedelta(hours=2)
    made = schedule(crew, "lena", conversation_id=conversation, body="Morning!", send_at=at)
    assert made["state"] == "scheduled" and made["send_at"] == "2026-12-07T10:00:00Z"
    crew.travel(timedelta(hours=1, minutes=59, seconds=59))
    assert bodies(crew, conversation) == []
    crew.travel(timedelta(seconds=1))
    assert bodies(crew, conversation) == ["Morning!"]
    crew.travel(timedelta(days=2))
    assert bodies(crew, conversation) == ["Morning!"]
    [done] = crew.read(lambda c: list_scheduled(c, crew.lena, include_done=True))["items"]
    assert done["state"] == "sent" and done["sent_message_id"] is not None
    assert crew.read(lambda c: list_scheduled(c, crew.lena))["items"] == []
    # It went out as Lena's message, with the usual effects: Ana owes a reply.
    created = [e for e in crew.events("message.created", "ana") if e["body"] == "Morning!"]
    assert [e["author_id"] for e in created] == [crew.lena.member_id]


def test_a_scheduled_send_leaves_what_arrived_since_unread_for_its_author(crew: Crew) -> None:
    conversation = dm_id(crew, "lena", "ana")
    schedule(
        crew,
        "lena",
        conversation_id=conversation,
        body="Morning!",
        send_at=crew.clock.now() + timedelta(hours=2),
    )
    crew.travel(timedelta(hours=1))
    asked = crew.do(
        lambda tx: messages_actions.send_to_conversation(
            tx, crew.ana, conversation, body="Did you see the new rota?"
        )
    )
    crew.travel(timedelta(hours=1))
    assert bodies(crew, conversation) == ["Did you see the new rota?", "Morning!"]
    [entry] = [
        e
        for e in crew.read(lambda c: inbox(c, crew.lena))["items"]
        if e.get("conversation_id") == conversation
    ]
    assert (entry["unread"], entry["first_unread_id"]) == (1, asked["id"])


def test_editing_moves_it_and_only_the_new_time_sends(crew: Crew) -> None:
    conversation = dm_id(crew, "lena", "ana")
    made = schedule(
        crew,
        "lena",
        conversation_id=conversation,
        body="Draft",
        send_at=crew.clock.now() + timedelta(hours=1),
    )
    later_at = crew.clock.now() + timedelta(hours=3)
    edited = crew.do(
        lambda tx: scheduled.edit_scheduled(
            tx, crew.lena, made["id"], body="Final words", send_at=later_at
        )
    )
    assert edited["body"] == "Final words" and edited["send_at"] == "2026-12-07T11:00:00Z"
    crew.travel(timedelta(hours=2))
    assert bodies(crew, conversation) == []
    crew.travel(timedelta(hours=1))
    assert bodies(crew, conversation) == ["Final words"]
    with pytest.raises(Conflict):
        crew.do(lambda tx: scheduled.edit_scheduled(tx, crew.lena, made["id"], body="Too late"))
    states = crew.read(
        lambda c: sorted(
            c.execute(select(jobs.c.state).where(jobs.c.kind == scheduled.SEND)).scalars()
        )
    )
    assert states == ["cancelled", "done"]


def test_a_cancelled_message_never_goes(crew: Crew) -> None:
    made = schedule(
        crew,
        "lena",
        topic_id=crew.do(
            lambda tx: topics.create_topic(
                tx, crew.lena, crew.channel("general"), title="Plans", body="Start"
            )
        )["id"],
        body="Reminder: plans due Friday",
        send_at=crew.clock.now() + timedelta(minutes=30),
    )
    with pytest.raises(NotFound):  # only its author sees or changes it
        crew.do(lambda tx: scheduled.cancel_scheduled(tx, crew.ana, made["id"]))
    crew.do(lambda tx: scheduled.cancel_scheduled(tx, crew.lena, made["id"]))
    crew.travel(timedelta(hours=1))
    count = crew.read(
        lambda c: c.execute(
            select(messages.c.id).where(messages.c.body == "Reminder: plans due Friday")
        ).all()
    )
    assert count == []


def test_at_the_start_of_a_manila_recipients_working_day(crew: Crew) -> None:
    # Monday 08:00 UTC is 16:00 in Manila: Joy is working, so her next day's start,
    # Tuesday 09:00 Manila, 01:00 UTC.
    conversation = dm_id(crew, "lena", "joy")
    made = schedule(
        crew, "lena", conversation_id=conversation, body="Ready?", at_recipient_day=True
    )
    assert made["send_at"] == "2026-12-08T01:00:00Z" and made["at_recipient_day"]
    # From Monday 12:00 UTC (20:00 Manila, her day over) it is the same start.
    crew.travel(timedelta(hours=4))
    other = schedule(crew, "lena", conversation_id=conversation, body="Also", at_recipient_day=True)
    assert other["send_at"] == "2026-12-08T01:00:00Z"
    crew.travel_to(datetime(2026, 12, 8, 1, 0, tzinfo=UTC))
    assert bodies(crew, conversation) == ["Ready?", "Also"]


def test_bad_schedules_are_refused(crew: Crew) -> None:
    conversation = dm_id(crew, "lena", "ana")
    group = dm_id(crew, "lena", "ana", "joy")
    soon = crew.clock.now() + timedelta(hours=1)
    with pytest.raises(InvalidInput, match="passed"):
        schedule(crew, "lena", conversation_id=conversation, body="x", send_at=crew.clock.now())
    with pytest.raises(InvalidInput, match="one-to-one"):
        schedule(crew, "lena", conversation_id=group, body="x", at_recipient_day=True)
    with pytest.raises(InvalidInput):
        schedule(crew, "lena", conversation_id=conversation, body="x")
    with pytest.raises(InvalidInput):
        schedule(crew, "lena", conversation_id=conversation, body="  ", send_at=soon)
    with pytest.raises(NotFound):  # not one of its people
        schedule(crew, "marcus", conversation_id=conversation, body="x", send_at=soon)
    board = crew.do(lambda tx: channels.create_channel(tx, crew.lena, name="news"))
    news = crew.do(
        lambda tx: topics.create_topic(tx, crew.lena, board["id"], title="Launch", body="Soon")
    )
    crew.do(lambda tx: channels.join_channel(tx, crew.ana, board["id"]))
    crew.do(lambda tx: channels.set_archived(tx, crew.lena, board["id"], True))
    with pytest.raises(Forbidden):
        schedule(crew, "ana", topic_id=news["id"], body="x", send_at=soon)
    assert crew.read(lambda c: list_scheduled(c, crew.lena, include_done=True))["items"] == []


def test_it_fails_with_the_reason_when_the_author_can_no_longer_post(crew: Crew) -> None:
    general = crew.channel("general")
    made_topic = crew.do(
        lambda tx: topics.create_topic(tx, crew.lena, general, title="Ops", body="Start")
    )
    made = schedule(
        crew,
        "ana",
        topic_id=made_topic["id"],
        body="Weekly numbers",
        send_at=crew.clock.now() + timedelta(hours=1),
    )
    gone = schedule(
        crew,
        "marcus",
        conversation_id=dm_id(crew, "marcus", "ana"),
        body="Bye",
        send_at=crew.clock.now() + timedelta(hours=1),
    )
    crew.do(lambda tx: channels.set_archived(tx, crew.lena, general, True))
    crew.do(lambda tx: members.deactivate_member(tx, crew.lena, crew.marcus.member_id))
    crew.travel(timedelta(hours=1))
    rows = {
        item["id"]: item
        for who in ("ana", "marcus")
        for item in crew.read(
            lambda c, who=who: list_scheduled(c, crew.actors[who], include_done=True)
        )["items"]
    }
    assert rows[made["id"]]["state"] == "failed" and "archived" in rows[made["id"]]["error"]
    assert rows[gone["id"]]["state"] == "failed" and "deactivated" in rows[gone["id"]]["error"]
    assert (
        crew.read(
            lambda c: c.execute(
                select(messages.c.id).where(messages.c.body == "Weekly numbers")
            ).all()
        )
        == []
    )
