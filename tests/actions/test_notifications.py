"""Notification timing through the actions: held to the recipient's day, urgent
bypassing it within a budget, repeated once and escalated when nobody looks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.actions.conftest import Crew
from tidings.actions import availability, channels, conversations, members, messages, reads, topics
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


# --- held notifications follow the recipient's changes ------------------------------------


def dm_to_joy(crew: Crew, body: str = "Can you send the Manila figures?") -> None:
    def send(tx):  # type: ignore[no-untyped-def]
        conversation = conversations.open_conversation(tx, crew.lena, [crew.joy.member_id])
        messages.send_to_conversation(tx, crew.lena, conversation["id"], body=body)

    crew.do(send)


def held_for_joy(crew: Crew) -> dict:
    [held] = notes(crew, "joy")
    assert held["action"] == "hold"
    return held


def delivered_to_joy(crew: Crew) -> int:
    """Notifications of Lena's messages delivered to Joy (not the nudges about them)."""
    return sum(e["kind"] == "dm" for e in crew.events("notification", "joy"))


def test_a_notification_held_for_manila_moves_with_her_hours_and_zone(crew: Crew) -> None:
    crew.travel_to(datetime(2026, 12, 7, 12, 0, tzinfo=UTC))  # Monday 20:00 in Manila
    dm_to_joy(crew)
    held = held_for_joy(crew)
    assert held["deliver_at"] == datetime(2026, 12, 8, 1, 0, tzinfo=UTC)  # Tue 09:00 Manila
    crew.do(
        lambda tx: availability.set_hours(
            tx, crew.joy, working_hours={d: [["11:00", "19:00"]] for d in ("tue", "wed")}
        )
    )
    held = held_for_joy(crew)
    assert held["deliver_at"] == datetime(2026, 12, 8, 3, 0, tzinfo=UTC)  # Tue 11:00 Manila
    assert held["reason"] == "held: outside Joy's working hours until Tue 11:00 Asia/Manila"
    crew.travel_to(datetime(2026, 12, 8, 1, 0, tzinfo=UTC))
    assert delivered_to_joy(crew) == 0  # the old time passes without a delivery
    # She moves to Lisbon before that: 11:00 there is 11:00 UTC.
    crew.do(lambda tx: members.update_profile(tx, crew.joy, time_zone="Europe/Lisbon"))
    assert held_for_joy(crew)["deliver_at"] == datetime(2026, 12, 8, 11, 0, tzinfo=UTC)
    crew.travel_to(datetime(2026, 12, 8, 10, 59, tzinfo=UTC))
    assert delivered_to_joy(crew) == 0
    crew.travel_to(datetime(2026, 12, 8, 11, 0, tzinfo=UTC))
    assert delivered_to_joy(crew) == 1
    crew.travel(timedelta(days=2))
    assert delivered_to_joy(crew) == 1


def test_an_absence_over_the_delivery_time_moves_it_past_the_absence(crew: Crew) -> None:
    crew.travel_to(datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    dm_to_joy(crew)
    # All of Tuesday in Manila: from Mon 16:00 to Tue 16:00 UTC.
    crew.do(
        lambda tx: availability.add_absence(
            tx,
            crew.joy,
            datetime(2026, 12, 7, 16, 0, tzinfo=UTC),
            datetime(2026, 12, 8, 16, 0, tzinfo=UTC),
        )
    )
    held = held_for_joy(crew)
    assert held["deliver_at"] == datetime(2026, 12, 9, 1, 0, tzinfo=UTC)  # Wed 09:00 Manila
    assert held["code"] == "outside_hours"
    crew.travel_to(datetime(2026, 12, 8, 1, 0, tzinfo=UTC))
    assert delivered_to_joy(crew) == 0
    crew.travel_to(datetime(2026, 12, 9, 1, 0, tzinfo=UTC))
    assert delivered_to_joy(crew) == 1


def test_ending_focus_early_releases_what_it_held(crew: Crew) -> None:
    # Monday 08:00 UTC is 16:00 in Manila: Joy is working, but in focus until 18:00.
    crew.do(
        lambda tx: availability.set_status(
            tx, crew.joy, "focus", until=datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
        )
    )
    dm_to_joy(crew)
    dm_to_joy(crew, "And the Cebu ones too, please")
    assert [n["code"] for n in notes(crew, "joy")] == ["focus", "focus"]
    crew.travel(timedelta(minutes=20))
    assert delivered_to_joy(crew) == 0
    crew.do(lambda tx: availability.set_status(tx, crew.joy, "available"))
    assert delivered_to_joy(crew) == 2
    assert all(n["delivered_at"] == crew.clock.now() for n in notes(crew, "joy"))
    crew.travel_to(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    assert delivered_to_joy(crew) == 2  # the old jobs deliver nothing twice


def test_a_later_focus_end_holds_them_longer(crew: Crew) -> None:
    crew.do(
        lambda tx: availability.set_status(
            tx, crew.joy, "focus", until=datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
        )
    )
    dm_to_joy(crew)
    crew.do(
        lambda tx: availability.set_status(
            tx, crew.joy, "focus", until=datetime(2026, 12, 7, 8, 45, tzinfo=UTC)
        )
    )
    assert held_for_joy(crew)["deliver_at"] == datetime(2026, 12, 7, 8, 45, tzinfo=UTC)
    crew.travel_to(datetime(2026, 12, 7, 8, 30, tzinfo=UTC))
    assert delivered_to_joy(crew) == 0
    crew.travel_to(datetime(2026, 12, 7, 8, 45, tzinfo=UTC))
    assert delivered_to_joy(crew) == 1


def test_a_holiday_on_the_delivery_day_moves_it_to_the_next_working_day(crew: Crew) -> None:
    crew.travel_to(datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    dm_to_joy(crew)
    crew.do(lambda tx: availability.set_hours(tx, crew.joy, holidays=["2026-12-08"]))
    held = held_for_joy(crew)
    assert held["deliver_at"] == datetime(2026, 12, 9, 1, 0, tzinfo=UTC)  # Wed 09:00 Manila
    crew.do(lambda tx: availability.set_hours(tx, crew.joy, holidays=[]))
    assert held_for_joy(crew)["deliver_at"] == datetime(2026, 12, 8, 1, 0, tzinfo=UTC)
    crew.travel_to(datetime(2026, 12, 8, 1, 0, tzinfo=UTC))
    assert delivered_to_joy(crew) == 1
    crew.travel_to(datetime(2026, 12, 9, 1, 0, tzinfo=UTC))
    assert delivered_to_joy(crew) == 1
