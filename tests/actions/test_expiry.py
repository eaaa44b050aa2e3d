"""Self-destructing messages through the actions, on a clock that moves only when told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.actions.conftest import Crew
from tidings.actions import channels, conversations, expiry, messages, reactions, reads, topics
from tidings.errors import Gone, InvalidInput
from tidings.queries import messages as qm
from tidings.store.models import jobs, message_edits
from tidings.store.models import reactions as reaction_rows


def dm(crew: Crew, sender: str, to: str, body: str, **fields: object) -> dict:
    def send(tx):  # type: ignore[no-untyped-def]
        conversation = conversations.open_conversation(
            tx, crew.actors[sender], [crew.actors[to].member_id]
        )
        return messages.send_to_conversation(
            tx, crew.actors[sender], conversation["id"], body=body, **fields
        )

    return crew.do(send)


def seen_by(crew: Crew, who: str, message_id: int) -> dict:
    return crew.read(lambda c: qm.get_message(c, crew.actors[who], message_id))


def expire_jobs(crew: Crew, message_id: int) -> list[str]:
    return crew.read(
        lambda c: (
            c.execute(
                select(jobs.c.state).where(jobs.c.dedupe_key == f"message:{message_id}:expire")
            )
            .scalars()
            .all()
        )
    )


def test_a_timed_message_expires_at_its_time_and_not_before(crew: Crew) -> None:
    sent = dm(crew, "lena", "ana", "The door code is 4711", expires_in_minutes=60)
    assert sent["expires_at"] == "2026-12-07T09:00:00Z" and not sent["expired"]
    crew.travel(timedelta(minutes=59))
    assert seen_by(crew, "ana", sent["id"])["body"] == "The door code is 4711"
    crew.travel(timedelta(minutes=1))
    gone = seen_by(crew, "ana", sent["id"])
    assert gone["expired"] and gone["body"] == gone["html"] == ""
    assert gone["author_id"] == crew.lena.member_id and gone["created_at"] == sent["created_at"]
    [event] = crew.events("message.expired", "ana")
    assert event == {
        "id": sent["id"],
        "channel_id": None,
        "topic_id": None,
        "conversation_id": sent["conversation_id"],
    }


def test_after_read_it_expires_when_the_last_recipient_reads_it(crew: Crew) -> None:
    general = crew.channel("general")
    made = crew.do(
        lambda tx: topics.create_topic(
            tx,
            crew.lena,
            general,
            title="Wifi",
            body="Guest password: hunter2",
            expire_after_read=True,
        )
    )
    message_id = made["first_message"]["id"]
    everyone_else = [name for name in crew.actors if name != "lena"]
    for name in everyone_else[:-1]:
        crew.do(lambda tx, name=name: reads.mark_topic_read(tx, crew.actors[name], made["id"]))
        crew.travel(timedelta(seconds=1))
        assert not seen_by(crew, "lena", message_id)["expired"], name
    last = everyone_else[-1]
    crew.do(lambda tx: reads.mark_message_read(tx, crew.actors[last], message_id))
    crew.travel(timedelta(seconds=1))
    assert seen_by(crew, "lena", message_id)["expired"]
    assert expire_jobs(crew, message_id) == ["done"]


def test_members_who_join_later_do_not_hold_it_back(crew: Crew) -> None:
    room = crew.do(
        lambda tx: channels.create_channel(
            tx, crew.lena, name="pair", member_ids=[crew.ana.member_id]
        )
    )
    made = crew.do(
        lambda tx: topics.create_topic(
            tx, crew.lena, room["id"], title="Key", body="Under the mat", expire_after_read=True
        )
    )
    crew.travel(timedelta(minutes=1))
    crew.do(lambda tx: channels.join_channel(tx, crew.joy, room["id"]))
    crew.do(lambda tx: reads.mark_all_read(tx, crew.ana))
    crew.travel(timedelta(seconds=1))
    assert seen_by(crew, "ana", made["first_message"]["id"])["expired"]


def test_a_timed_after_read_message_goes_at_whichever_comes_first(crew: Crew) -> None:
    sent = dm(crew, "lena", "ana", "Read me", expires_in_minutes=600, expire_after_read=True)
    crew.do(lambda tx: reads.mark_conversation_read(tx, crew.ana, sent["conversation_id"]))
    crew.travel(timedelta(seconds=1))
    assert seen_by(crew, "lena", sent["id"])["expired"]
    assert expire_jobs(crew, sent["id"]) == ["done"]  # the timed job, brought forward


def test_an_after_read_reply_expires_though_its_author_left_earlier_messages_unread(
    crew: Crew,
) -> None:
    dm(crew, "ana", "lena", "Numbers are in")
    sent = dm(crew, "lena", "ana", "Door code 4711", expire_after_read=True)
    # Lena has not read Ana's message, so her pointer stays behind it; her own
    # message still counts as read by her.
    crew.do(lambda tx: reads.mark_conversation_read(tx, crew.ana, sent["conversation_id"]))
    crew.travel(timedelta(seconds=1))
    assert seen_by(crew, "lena", sent["id"])["expired"]


def test_edits_keep_the_expiry_and_cannot_remove_it(crew: Crew) -> None:
    sent = dm(crew, "lena", "ana", "Draft numbers", expires_in_minutes=30, expire_after_read=True)
    edited = crew.do(lambda tx: messages.edit_message(tx, crew.lena, sent["id"], "Final numbers"))
    assert edited["expires_at"] == sent["expires_at"] and edited["expire_after_read"]
    for change in (
        {"expires_in_minutes": None},
        {"expire_after_read": False},
        {"expires_in_minutes": 60},
    ):
        with pytest.raises(InvalidInput, match="cannot be edited into permanence"):
            crew.do(
                lambda tx, change=change: messages.edit_message(
                    tx, crew.lena, sent["id"], "Forever", **change
                )
            )
    same = crew.do(
        lambda tx: messages.edit_message(
            tx, crew.lena, sent["id"], "Final numbers, checked", expire_after_read=True
        )
    )
    assert same["expires_at"] == sent["expires_at"]
    plain = dm(crew, "lena", "ana", "Hello")
    with pytest.raises(InvalidInput, match="cannot add it"):
        crew.do(
            lambda tx: messages.edit_message(
                tx, crew.lena, plain["id"], "Hello!", expires_in_minutes=5
            )
        )


def test_expiry_purges_history_reactions_and_refuses_later_changes(crew: Crew) -> None:
    sent = dm(crew, "lena", "ana", "v1", expires_in_minutes=5)
    crew.do(lambda tx: messages.edit_message(tx, crew.lena, sent["id"], "v2"))
    crew.do(lambda tx: reactions.add_reaction(tx, crew.ana, sent["id"], "eyes"))
    crew.travel(timedelta(minutes=5))
    for table in (message_edits, reaction_rows):
        left = crew.read(
            lambda c, t=table: c.execute(select(t).where(t.c.message_id == sent["id"])).all()
        )
        assert left == []
    assert crew.read(lambda c: qm.message_history(c, crew.ana, sent["id"])) == []
    with pytest.raises(Gone):
        crew.do(lambda tx: messages.edit_message(tx, crew.lena, sent["id"], "back"))
    with pytest.raises(Gone):
        crew.do(lambda tx: reactions.add_reaction(tx, crew.ana, sent["id"], "eyes"))


def test_it_expires_exactly_once_when_the_job_runs_twice(crew: Crew) -> None:
    sent = dm(crew, "lena", "ana", "Once", expires_in_minutes=1)
    crew.clock.advance(timedelta(minutes=1))
    assert crew.do(lambda tx: expiry.expire_message(tx, sent["id"])) is True
    assert crew.do(lambda tx: expiry.expire_message(tx, sent["id"])) is False
    crew.worker.run_due()  # the scheduled job itself, after the fact
    assert len(crew.events("message.expired")) == 1
    assert expire_jobs(crew, sent["id"]) == ["done"]


def test_a_job_that_comes_too_early_changes_nothing(crew: Crew) -> None:
    sent = dm(crew, "lena", "ana", "Later", expires_in_minutes=10, expire_after_read=True)
    assert crew.do(lambda tx: expiry.expire_message(tx, sent["id"])) is False
    assert not seen_by(crew, "ana", sent["id"])["expired"]


@pytest.mark.parametrize("minutes", [0, -5, 30 * 24 * 60 + 1])
def test_a_lifetime_outside_one_minute_to_thirty_days_is_refused(crew: Crew, minutes: int) -> None:
    with pytest.raises(InvalidInput, match="1 minute to 30 days"):
        dm(crew, "lena", "ana", "Nope", expires_in_minutes=minutes)
