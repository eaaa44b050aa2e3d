"""Catch-up through the real actions: ranking, what counts as a decision, and
"since your last visit"."""

from __future__ import annotations

from datetime import timedelta

from tests.actions.conftest import Crew
from tidings.actions import conversations, messages, reactions, subscriptions, topics
from tidings.actions.activity import touch_activity
from tidings.queries.catchup import catchup, is_decision, last_visit


def topic(crew: Crew, who: str, title: str, body: str, **fields: object) -> dict:
    general = crew.channel("general")
    return crew.do(
        lambda tx: topics.create_topic(
            tx, crew.actors[who], general, title=title, body=body, **fields
        )
    )


def reply(crew: Crew, who: str, topic_id: int, body: str, **fields: object) -> dict:
    return crew.do(
        lambda tx: messages.send_to_topic(tx, crew.actors[who], topic_id, body=body, **fields)
    )


def caught_up(crew: Crew, who: str, since=None) -> dict:  # type: ignore[no-untyped-def]
    start = since or crew.clock.now() - timedelta(days=1)
    return crew.read(lambda c: catchup(c, crew.actors[who], start, crew.clock.now()))


def test_sections_are_ranked_owed_asks_urgent_mentions_then_busiest_topics(crew: Crew) -> None:
    asked = topic(
        crew, "lena", "Budget", "Numbers by Wednesday?", asks=[{"member_id": crew.ana.member_id}]
    )
    quiet = topic(crew, "marcus", "Lunch", "Pizza on Friday @ana?")
    busy = topic(crew, "joy", "Launch plan", "Draft is up")
    for who in ("ana", "ana"):
        crew.do(
            lambda tx, who=who: subscriptions.set_subscription(
                tx, crew.actors[who], busy["id"], "following"
            )
        )
    for n in range(3):
        reply(crew, "joy", busy["id"], f"update {n}")
    decided = reply(crew, "marcus", busy["id"], "We will go with the blue theme")
    ticked = reply(crew, "joy", busy["id"], "Ship on the 14th")
    for who in ("lena", "marcus"):
        crew.do(
            lambda tx, who=who: reactions.add_reaction(tx, crew.actors[who], ticked["id"], "✅")
        )

    def urgent_dm(tx):  # type: ignore[no-untyped-def]
        made = conversations.open_conversation(tx, crew.lena, [crew.ana.member_id])
        return messages.send_to_conversation(
            tx, crew.lena, made["id"], body="The site is down, can you look?", priority="urgent"
        )

    urgent = crew.do(urgent_dm)

    found = caught_up(crew, "ana")
    assert list(found)[:7] == ["since", "until", "owed", "asks", "urgent", "mentions", "topics"]
    assert [m["id"] for m in found["asks"]] == [asked["first_message"]["id"]]
    assert [m["id"] for m in found["urgent"]] == [urgent["id"]]
    assert [m["id"] for m in found["mentions"]] == [quiet["first_message"]["id"]]
    # Owed: the ask and the urgent DM, soonest due first.
    dues = [e["due_at"] for e in found["owed"]]
    assert dues == sorted(dues) and len(dues) == 2
    [first, *rest] = found["topics"]
    assert first["topic_id"] == busy["id"] and first["message_count"] == 6
    assert {p["display_name"] for p in first["participants"]} == {"Joy Santos", "Marcus Reed"}
    assert first["latest"]["id"] == ticked["id"]
    assert first["most_reacted"]["id"] == ticked["id"]
    assert first["most_reacted"]["reactions"] == 2
    assert [d["id"] for d in first["decisions"]] == [decided["id"], ticked["id"]]
    assert [t["topic_id"] for t in rest] == [quiet["id"]]  # followed, as she was mentioned
    assert found["counts"] == {
        "owed": 2,
        "asks": 1,
        "urgent": 1,
        "mentions": 1,
        "topics": 2,
        "clips": 0,
    }


def test_one_check_mark_is_not_a_decision_but_the_words_are() -> None:
    assert not is_decision("Ship on the 14th", 1)
    assert is_decision("Ship on the 14th", 2)
    assert is_decision("Decision: we ship Monday", 0)
    assert is_decision("OK, agreed.", 0)
    assert not is_decision("Who decides this?", 0)


def test_only_what_happened_after_since_and_not_ones_own(crew: Crew) -> None:
    old = topic(crew, "lena", "Old news", "Hello @ana")
    crew.clock.advance(timedelta(hours=2))
    cutoff = crew.clock.now()
    crew.clock.advance(timedelta(minutes=1))
    reply(crew, "ana", old["id"], "I wrote this myself @lena")
    found = caught_up(crew, "ana", since=cutoff)
    assert found["mentions"] == [] and found["topics"] == []
    assert caught_up(crew, "lena", since=cutoff)["counts"]["mentions"] == 1


def test_last_visit_is_when_the_previous_visit_ended(crew: Crew) -> None:
    assert crew.read(lambda c: last_visit(c, crew.ana.member_id)) is None
    crew.do(lambda tx: touch_activity(tx, crew.ana))
    first_seen = crew.clock.now()
    crew.clock.advance(timedelta(minutes=10))
    crew.do(lambda tx: touch_activity(tx, crew.ana))
    left = crew.clock.now()
    assert crew.read(lambda c: last_visit(c, crew.ana.member_id)) is None  # the same visit
    crew.clock.advance(timedelta(hours=9))
    crew.do(lambda tx: touch_activity(tx, crew.ana))
    assert crew.read(lambda c: last_visit(c, crew.ana.member_id)) == left
    assert left > first_seen
