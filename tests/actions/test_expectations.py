"""Reply expectations through the actions, on a clock that moves only when told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.actions.conftest import Crew
from tidings.actions import (
    availability,
    channels,
    conversations,
    expectations,
    messages,
    reactions,
    topics,
)
from tidings.errors import Forbidden, InvalidInput
from tidings.queries.expectations import list_expectations
from tidings.store.models import expectations as expectation_rows
from tidings.store.models import jobs
from tidings.store.models import notifications as notification_rows


def dm(crew: Crew, sender: str, to: str, body: str, **fields: object) -> dict:
    def send(tx):  # type: ignore[no-untyped-def]
        conversation = conversations.open_conversation(
            tx, crew.actors[sender], [crew.actors[to].member_id]
        )
        return messages.send_to_conversation(
            tx, crew.actors[sender], conversation["id"], body=body, **fields
        )

    return crew.do(send)


def owed_by(crew: Crew, who: str) -> list[dict]:
    return crew.read(lambda c: list_expectations(c, crew.actors[who], "debtor"))["items"]


def test_a_dm_is_owed_within_the_recipients_window_counted_in_their_working_time(
    crew: Crew,
) -> None:
    crew.clock.advance(timedelta(hours=9))  # Monday 17:00 UTC: 17:00 in Lisbon, day over
    sent = dm(crew, "lena", "ana", "Can you check the Q3 numbers?")
    [owed] = sent["expectations"]
    assert owed["debtor_id"] == crew.ana.member_id and owed["creditor_id"] == crew.lena.member_id
    # Eight working hours from Monday 17:00 Lisbon: all of Tuesday, 09:00-17:00 Lisbon (UTC+0).
    assert owed["due_at"] == "2026-12-08T17:00:00Z"
    assert [e["id"] for e in owed_by(crew, "ana")] == [owed["id"]]
    waiting = crew.read(lambda c: list_expectations(c, crew.lena, "creditor"))["items"]
    assert [e["id"] for e in waiting] == [owed["id"]]


def test_a_reply_meets_it_and_opens_none_the_other_way(crew: Crew) -> None:
    sent = dm(crew, "lena", "ana", "Lunch tomorrow?")
    answer = dm(crew, "ana", "lena", "Yes, 12:30 works")
    state = crew.read(
        lambda c: c.execute(
            select(expectation_rows.c.state, expectation_rows.c.resolved_by_message_id).where(
                expectation_rows.c.id == sent["expectations"][0]["id"]
            )
        ).one()
    )
    assert tuple(state) == ("met", answer["id"])
    # The answer settles Ana's debt: it puts nobody in debt in return.
    assert answer["expectations"] == []
    jobs_left = crew.read(
        lambda c: c.execute(
            select(jobs.c.state).where(
                jobs.c.dedupe_key == f"expectation:{sent['expectations'][0]['id']}:nudge"
            )
        ).scalar_one()
    )
    assert jobs_left == "cancelled"


def test_an_acknowledging_reaction_meets_it_but_another_does_not(crew: Crew) -> None:
    sent = dm(crew, "lena", "ana", "Can you check the deck in the drive? https://example.com/deck")
    crew.do(lambda tx: reactions.add_reaction(tx, crew.ana, sent["id"], "🎉"))
    assert len(owed_by(crew, "ana")) == 1
    crew.do(lambda tx: reactions.add_reaction(tx, crew.ana, sent["id"], "✅"))
    assert owed_by(crew, "ana") == []


def test_asks_with_deadlines_done_and_decline(crew: Crew) -> None:
    general = crew.channel("general")
    deadline = datetime(2026, 12, 9, 15, 0, tzinfo=UTC)
    made = crew.do(
        lambda tx: topics.create_topic(
            tx,
            crew.lena,
            general,
            title="Budget",
            body="Numbers by Wednesday, please",
            asks=[
                {"member_id": crew.ana.member_id, "deadline": deadline},
                {"member_id": crew.marcus.member_id},
            ],
        )
    )
    owed = {e["debtor_id"]: e for e in made["first_message"]["expectations"]}
    assert owed[crew.ana.member_id]["due_at"] == "2026-12-09T15:00:00Z"
    assert owed[crew.ana.member_id]["kind"] == "ask"
    # Marcus (Chicago, 09-17) has no deadline: his DM window of 8 working hours from
    # Monday 02:00 Chicago is Monday 09:00-17:00 there, 23:00 UTC.
    assert owed[crew.marcus.member_id]["due_at"] == "2026-12-07T23:00:00Z"
    with pytest.raises(Forbidden):
        crew.do(lambda tx: expectations.mark_done(tx, crew.lena, owed[crew.ana.member_id]["id"]))
    done = crew.do(lambda tx: expectations.mark_done(tx, crew.ana, owed[crew.ana.member_id]["id"]))
    assert done["state"] == "met"
    with pytest.raises(InvalidInput):
        crew.do(
            lambda tx: expectations.decline(tx, crew.marcus, owed[crew.marcus.member_id]["id"], " ")
        )
    declined = crew.do(
        lambda tx: expectations.decline(
            tx, crew.marcus, owed[crew.marcus.member_id]["id"], "Not my area; ask Joy"
        )
    )
    assert declined["state"] == "declined" and declined["note"] == "Not my area; ask Joy"


def test_bad_asks_are_refused_and_nothing_is_stored(crew: Crew) -> None:
    private = crew.do(
        lambda tx: channels.create_channel(tx, crew.lena, name="board", is_private=True)
    )
    past = crew.clock.now() - timedelta(hours=1)
    cases = [
        [{"member_id": crew.ana.member_id, "deadline": past}],
        [{"member_id": crew.ana.member_id}],  # not in the private channel
        [{"member_id": crew.lena.member_id}],  # oneself
        [{"member_id": crew.joy.member_id}, {"member_id": crew.joy.member_id}],
    ]
    for asks in cases:
        with pytest.raises(InvalidInput):
            crew.do(
                lambda tx, asks=asks: topics.create_topic(
                    tx,
                    crew.lena,
                    private["id"],
                    title="Plans",
                    body="Thoughts by Friday?",
                    asks=asks,
                )
            )
    assert crew.read(lambda c: c.execute(select(expectation_rows.c.id)).all()) == []


def test_a_new_topic_in_a_channel_with_a_response_expectation_is_owed_by_its_responders(
    crew: Crew,
) -> None:
    support = crew.channel("general")
    crew.do(
        lambda tx: channels.set_response(
            tx,
            crew.lena,
            support,
            response_minutes=240,
            allow_urgent=False,
            urgent_budget=3,
            responder_ids=[crew.ana.member_id, crew.joy.member_id],
        )
    )
    made = crew.do(
        lambda tx: topics.create_topic(
            tx, crew.marcus, support, title="VPN down", body="Since 10:00, from home"
        )
    )
    owed = made["first_message"]["expectations"]
    assert sorted(e["debtor_id"] for e in owed) == sorted([crew.ana.member_id, crew.joy.member_id])
    assert {e["kind"] for e in owed} == {"channel"}
    crew.do(lambda tx: messages.send_to_topic(tx, crew.joy, made["id"], body="Looking now"))
    assert owed_by(crew, "ana") == [] and owed_by(crew, "joy") == []


def test_response_settings_are_checked(crew: Crew) -> None:
    general = crew.channel("general")
    with pytest.raises(InvalidInput):
        crew.do(
            lambda tx: channels.set_response(
                tx,
                crew.lena,
                general,
                response_minutes=5,
                allow_urgent=False,
                urgent_budget=3,
                responder_ids=[crew.ana.member_id],
            )
        )
    with pytest.raises(InvalidInput):
        crew.do(
            lambda tx: channels.set_response(
                tx, crew.lena, general, response_minutes=240, allow_urgent=False, urgent_budget=3
            )
        )
    with pytest.raises(Forbidden):
        crew.do(
            lambda tx: channels.set_response(
                tx, crew.ana, general, response_minutes=None, allow_urgent=True, urgent_budget=3
            )
        )


def test_due_nudges_the_debtor_then_a_working_hour_later_tells_the_creditor_once(
    crew: Crew,
) -> None:
    sent = dm(crew, "lena", "ana", "Please send the contract")
    [owed] = sent["expectations"]
    assert owed["due_at"] == "2026-12-07T17:00:00Z"  # the end of Ana's Monday
    crew.travel_to(datetime(2026, 12, 7, 16, 59, tzinfo=UTC))
    assert not notes(crew, "ana", "nudge")
    crew.travel_to(datetime(2026, 12, 7, 17, 0, tzinfo=UTC))
    [nudge] = notes(crew, "ana", "nudge")
    # Due at the end of her day: the nudge waits for her next morning.
    assert nudge["action"] == "hold" and nudge["delivered_at"] is None
    assert nudge["deliver_at"] == datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    assert nudge["reason"] == "held: outside Ana's working hours until Tue 09:00 Europe/Lisbon"
    crew.travel_to(datetime(2026, 12, 8, 9, 0, tzinfo=UTC))
    [delivered] = [n for n in crew.events("notification", "ana") if n["kind"] == "nudge"]
    assert "You owe Lena Hoffmann a reply" in delivered["title"]
    crew.travel(timedelta(minutes=59))
    assert not notes(crew, "lena", "breach")
    crew.travel(timedelta(minutes=1))  # one working hour after the due time
    [breach] = notes(crew, "lena", "breach")
    assert breach["action"] == "now" and "Ana Sousa has not replied yet" in breach["title"]
    assert owed_by(crew, "ana")[0]["state"] == "breached"
    crew.travel(timedelta(days=3))
    assert len(notes(crew, "lena", "breach")) == 1
    dm(crew, "ana", "lena", "Sorry, here it is")
    assert owed_by(crew, "ana") == []


def notes(crew: Crew, who: str, kind: str) -> list[dict]:
    return [
        dict(row)
        for row in crew.read(
            lambda c: (
                c.execute(
                    select(notification_rows).where(
                        notification_rows.c.member_id == crew.actors[who].member_id,
                        notification_rows.c.kind == kind,
                    )
                )
                .mappings()
                .all()
            )
        )
    ]


def test_due_times_move_when_the_debtor_changes_hours_or_goes_away(crew: Crew) -> None:
    sent = dm(crew, "lena", "ana", "Review when you can")
    [owed] = sent["expectations"]
    assert owed["due_at"] == "2026-12-07T17:00:00Z"  # Monday 08:00 Lisbon + 8 working hours
    crew.do(
        lambda tx: availability.set_hours(
            tx, crew.ana, working_hours={"mon": [["08:00", "12:00"]], "tue": [["08:00", "12:00"]]}
        )
    )
    assert owed_by(crew, "ana")[0]["due_at"] == "2026-12-08T12:00:00Z"
    crew.do(
        lambda tx: availability.add_absence(
            tx,
            crew.ana,
            datetime(2026, 12, 8, 0, 0, tzinfo=UTC),
            datetime(2026, 12, 10, 0, 0, tzinfo=UTC),
            "Conference",
        )
    )
    # Monday 08:00-12:00 gives 4 hours; Tuesday is away; nothing on Wednesday or Thursday
    # in her new hours; so the next Monday's 4 hours finish it.
    assert owed_by(crew, "ana")[0]["due_at"] == "2026-12-14T12:00:00Z"
    crew.travel_to(datetime(2026, 12, 8, 12, 0, tzinfo=UTC))
    assert [n for n in crew.events("notification", "ana") if n["kind"] == "nudge"] == []
