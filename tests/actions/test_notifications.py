"""Notification timing through the actions: held to the recipient's day, urgent
bypassing it within a budget, repeated once and escalated when nobody looks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.actions.conftest import Crew
from tidings.actions import availability, channels, messages, reads, topics
from tidings.actions.notifications import UrgentBudgetExceeded
from tidings.store.models import notifications


def notes(crew: Crew, who: str) -> list[dict]:
    member_id = crew.actors[who].member_id
    return [
        dict(r)
        for r in crew.read(
            lambda c: (
                c.execute(
                    select(notifications)
                    .where(notifications.c.member_id == member_id)
                    .order_by(notifications.c.id)
                )
                .mappings()
                .all()
            )
        )
    ]


def urgent_channel(crew: Crew, responders: list[str]) -> int:
    general = crew.channel("general")
    crew.do(
        lambda tx: channels.set_response(
            tx,
            crew.lena,
            general,
            response_minutes=None,
            allow_urgent=True,
            urgent_budget=2,
            responder_ids=[crew.actors[k].member_id for k in responders],
        )
    )
    return general


def test_a_mention_outside_working_hours_is_held_with_its_reason_and_delivered_at_nine(
    crew: Crew,
) -> None:
    crew.clock.advance(timedelta(hours=-4))  # Monday 04:00 UTC: 04:00 in Lisbon
    general = crew.channel("general")
    crew.do(
        lambda tx: topics.create_topic(
            tx, crew.lena, general, title="Deck", body="@ana can you look?"
        )
    )
    [held] = notes(crew, "ana")
    assert held["action"] == "hold" and held["code"] == "outside_hours"
    assert held["reason"] == "held: outside Ana's working hours until 09:00 Europe/Lisbon"
    crew.travel_to(datetime(2026, 12, 7, 8, 59, tzinfo=UTC))
    assert crew.events("notification", "ana") == []
    crew.travel_to(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    [delivered] = crew.events("notification", "ana")
    assert delivered["title"] == "Deck" and delivered["kind"] == "mention"


def test_a_held_notification_waits_again_if_focus_began_meanwhile(crew: Crew) -> None:
    crew.clock.advance(timedelta(hours=-4))
    general = crew.channel("general")
    crew.do(
        lambda tx: topics.create_topic(
            tx, crew.lena, general, title="Plan", body="@ana thoughts by Friday?"
        )
    )
    crew.travel_to(datetime(2026, 12, 7, 8, 55, tzinfo=UTC))
    crew.do(
        lambda tx: availability.set_status(
            tx, crew.ana, "focus", until=datetime(2026, 12, 7, 10, 30, tzinfo=UTC)
        )
    )
    crew.travel_to(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    assert crew.events("notification", "ana") == []
    crew.travel_to(datetime(2026, 12, 7, 10, 30, tzinfo=UTC))
    assert len(crew.events("notification", "ana")) == 1


def test_urgent_bypasses_hours_only_where_allowed_and_within_the_budget(crew: Crew) -> None:
    crew.clock.advance(timedelta(hours=-6))  # Monday 02:00 UTC, night in Lisbon and Berlin
    chat = crew.channel("watercooler")
    crew.do(
        lambda tx: topics.create_topic(
            tx, crew.lena, chat, title="Outage", body="@ana site down", priority="urgent"
        )
    )
    assert notes(crew, "ana")[-1]["action"] == "hold"  # this channel does not allow urgent
    general = urgent_channel(crew, ["joy"])
    for n in range(2):
        crew.do(
            lambda tx, n=n: topics.create_topic(
                tx, crew.lena, general, title=f"Outage {n}", body="@ana now", priority="urgent"
            )
        )
        assert notes(crew, "ana")[-1]["action"] == "now"
    with pytest.raises(UrgentBudgetExceeded, match="2 urgent messages in #general today"):
        crew.do(
            lambda tx: topics.create_topic(
                tx, crew.lena, general, title="Outage 3", body="@ana", priority="urgent"
            )
        )


def test_unseen_urgent_is_repeated_once_then_escalated_to_the_responders(crew: Crew) -> None:
    general = urgent_channel(crew, ["joy", "marcus"])
    made = crew.do(
        lambda tx: topics.create_topic(
            tx,
            crew.lena,
            general,
            title="Payments failing",
            body="@ana please look",
            priority="urgent",
        )
    )
    assert [n["kind"] for n in crew.events("notification", "ana")] == ["mention"]
    crew.travel(timedelta(minutes=15))
    assert [n["kind"] for n in crew.events("notification", "ana")] == ["mention", "repeat"]
    crew.travel(timedelta(minutes=15))
    escalated = [n for n in notes(crew, "joy") + notes(crew, "marcus") if n["kind"] == "escalation"]
    assert len(escalated) == 2
    assert all("Urgent and unseen by Ana Sousa" in n["title"] for n in escalated)
    assert {n["action"] for n in escalated} == {"now"}  # urgent reaches Marcus at 02:00 Chicago
    crew.travel(timedelta(hours=2))
    assert len([n for n in notes(crew, "joy") if n["kind"] == "escalation"]) == 1
    assert made["id"]


def test_reading_an_urgent_message_stops_the_repeat(crew: Crew) -> None:
    general = urgent_channel(crew, ["joy"])
    made = crew.do(
        lambda tx: topics.create_topic(
            tx, crew.lena, general, title="DB full", body="@ana", priority="urgent"
        )
    )
    crew.do(lambda tx: reads.mark_topic_read(tx, crew.ana, made["id"]))
    crew.travel(timedelta(hours=1))
    assert [n["kind"] for n in crew.events("notification", "ana")] == ["mention"]
    assert [n for n in notes(crew, "joy") if n["kind"] == "escalation"] == []


def test_followed_topics_go_to_the_digest_and_muted_ones_nowhere(crew: Crew) -> None:
    crew.clock.advance(timedelta(hours=2))  # 10:00 in Lisbon
    general = crew.channel("general")
    made = crew.do(
        lambda tx: topics.create_topic(tx, crew.lena, general, title="Offsite", body="@ana Lisbon?")
    )
    crew.do(lambda tx: messages.send_to_topic(tx, crew.lena, made["id"], body="Dates are 4-6 May"))
    # The reply goes to her digest: nothing is stored per message for that.
    assert [n["action"] for n in notes(crew, "ana")] == ["now"]
    from tidings.actions import subscriptions

    crew.do(lambda tx: subscriptions.set_subscription(tx, crew.ana, made["id"], "muted"))
    crew.do(lambda tx: messages.send_to_topic(tx, crew.lena, made["id"], body="Hotel booked"))
    assert len(notes(crew, "ana")) == 1
