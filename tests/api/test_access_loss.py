"""Access is always the current one: a member removed from a private channel sees
nothing of it any more, neither the text they were shown before nor what was
edited after, through any list that joins a message in (replies owed, Later,
notifications, catch-up, search, the Inbox), over the API and on the web pages.
What they owed there is cancelled, and the person waiting is told why."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from websockets.sync.client import connect

from tests.live.test_events import drain, ws_url
from tests.support import Person, Team
from tests.web.test_pages import signed_in

OLD_TITLE = "Quarterly board pack"
OLD_BODY = "Draft salaries sheet attached"
NEW_TITLE = "Renamed board pack"
NEW_BODY = "Edited salaries sheet attached"
SECRETS = (OLD_TITLE, OLD_BODY, NEW_TITLE, NEW_BODY, "salaries", "board pack")


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret.lower() in text.lower()]


def _private_ask(team: Team, debtor: Person) -> tuple[int, int, int]:
    """A private channel with ``debtor`` in it, and a topic asking them for a reply and
    mentioning them; returns the channel, topic and message ids."""
    channel = team.owner.post(
        "/channels", json={"name": "board", "is_private": True, "member_ids": [debtor.id]}
    )
    assert channel.status_code == 201, channel.text
    made = team.owner.post(
        f"/channels/{channel.json()['id']}/topics",
        json={
            "title": OLD_TITLE,
            "body": f"{OLD_BODY}, @{debtor.handle} please check by Friday",
            "asks": [{"member_id": debtor.id}],
        },
    )
    assert made.status_code == 201, made.text
    topic_id = made.json()["id"]
    message_id = made.json()["first_message"]["id"]
    return channel.json()["id"], topic_id, message_id


def _rename_and_edit(team: Team, topic_id: int, message_id: int) -> None:
    renamed = team.owner.patch(f"/topics/{topic_id}", json={"title": NEW_TITLE})
    assert renamed.status_code == 200, renamed.text
    edited = team.owner.patch(f"/messages/{message_id}", json={"body": NEW_BODY})
    assert edited.status_code == 200, edited.text


def _assert_sees_nothing(person: Person) -> None:
    since = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    answers = {
        "expectations": person.get("/expectations"),
        "expectations as creditor": person.get("/expectations", params={"role": "creditor"}),
        "catchup": person.get("/catchup", params={"since": since}),
        "later": person.get("/later"),
        "notifications": person.get("/notifications"),
        "notifications held": person.get("/notifications", params={"pending": True}),
        "search": person.get("/search", params={"q": "salaries"}),
        "inbox": person.get("/inbox"),
        "expectations cancelled": person.get("/expectations", params={"state": "cancelled"}),
    }
    for name, answer in answers.items():
        assert not _leaks(answer.text), (name, _leaks(answer.text), answer.text)
        assert answer.status_code == 200, (name, answer.text)


@pytest.mark.parametrize("who", ["member", "guest"])
def test_a_removed_member_sees_neither_old_nor_new_text_anywhere(team: Team, who: str) -> None:
    debtor = team.people[who]
    channel_id, topic_id, message_id = _private_ask(team, debtor)
    marked = debtor.put(f"/messages/{message_id}/later", json={"remind": None})
    assert marked.status_code == 200, marked.text
    # Before: the debtor sees the ask, its title and its text.
    [owed] = debtor.get("/expectations").json()["items"]
    assert owed["topic_title"] == OLD_TITLE and OLD_BODY in owed["excerpt"]
    assert OLD_TITLE in debtor.get("/later").text
    held_before = debtor.get("/notifications").json()["items"]
    held_before += debtor.get("/notifications", params={"pending": True}).json()["items"]
    assert any(n["title"] == OLD_TITLE for n in held_before), held_before

    removed = team.owner.delete(f"/channels/{channel_id}/members/{debtor.id}")
    assert removed.status_code == 200, removed.text
    _rename_and_edit(team, topic_id, message_id)

    _assert_sees_nothing(debtor)
    for path in (
        f"/messages/{message_id}",
        f"/messages/{message_id}/history",
        f"/topics/{topic_id}",
        f"/topics/{topic_id}/messages",
    ):
        direct = debtor.get(path)
        assert direct.status_code == 404 and not _leaks(direct.text), (path, direct.text)
    for held in held_before:
        again = debtor.post(f"/notifications/{held['id']}/seen")
        assert again.status_code == 404 and not _leaks(again.text), again.text
    # An outsider sees nothing of it either, through the same lists.
    _assert_sees_nothing(team.outsider)
    # The owner, who still reads the channel, sees the new title and why it closed.
    [cancelled] = team.owner.get(
        "/expectations", params={"role": "creditor", "state": "cancelled"}
    ).json()["items"]
    assert cancelled["debtor_id"] == debtor.id and cancelled["state"] == "cancelled"
    assert cancelled["note"] == f"{who.title()} no longer has access"
    assert cancelled["topic_title"] == NEW_TITLE
    told = team.owner.get("/notifications").json()["items"]
    told += team.owner.get("/notifications", params={"pending": True}).json()["items"]
    assert any(
        n["kind"] == "cancelled" and n["title"].endswith(f"{who.title()} no longer has access")
        for n in told
    ), told
    assert team.owner.get("/expectations", params={"role": "creditor"}).json()["items"] == []


def test_the_removed_members_web_pages_show_nothing_of_the_channel(team: Team) -> None:
    channel_id, topic_id, message_id = _private_ask(team, team.member)
    team.member.put(f"/messages/{message_id}/later", json={"remind": None})
    with signed_in(team.server, team.member.email) as client:
        assert OLD_TITLE in client.get("/owed").text
        team.owner.delete(f"/channels/{channel_id}/members/{team.member.id}")
        _rename_and_edit(team, topic_id, message_id)
        for path in ("/owed", "/catchup", "/later", "/notifications", "/", "/scheduled"):
            page = client.get(path)
            assert page.status_code == 200, (path, page.status_code)
            assert not _leaks(page.text), (path, _leaks(page.text))
    with signed_in(team.server, team.owner.email) as client:
        owed = client.get("/owed").text
        assert "No longer expected" in owed and "cancelled: Member no longer has access" in owed
        assert NEW_TITLE in owed


def test_deactivating_a_member_cancels_what_they_owe(team: Team) -> None:
    general = team.channel_id("general")
    made = team.owner.post(
        f"/channels/{general}/topics",
        json={"title": "Rota", "body": "Rota for Q1?", "asks": [{"member_id": team.member.id}]},
    )
    assert made.status_code == 201, made.text
    assert team.owner.post(f"/users/{team.member.id}/deactivate").status_code == 200
    [cancelled] = team.owner.get(
        "/expectations", params={"role": "creditor", "state": "cancelled"}
    ).json()["items"]
    assert cancelled["note"] == "Member no longer has access"


def test_making_a_member_a_guest_cancels_asks_in_public_channels_they_did_not_join(
    team: Team,
) -> None:
    """A member who left a public channel still reads it, so an ask there stays open;
    as a guest they read only channels they belong to, so it is cancelled."""
    design = team.owner.post("/channels", json={"name": "design", "member_ids": [team.member.id]})
    channel_id = design.json()["id"]
    made = team.owner.post(
        f"/channels/{channel_id}/topics",
        json={"title": OLD_TITLE, "body": OLD_BODY, "asks": [{"member_id": team.member.id}]},
    )
    assert made.status_code == 201, made.text
    # Leaving a public channel keeps reading rights for a member: the ask stays open.
    assert team.member.post(f"/channels/{channel_id}/leave").status_code == 200
    assert len(team.member.get("/expectations").json()["items"]) == 1
    made_guest = team.owner.put(f"/users/{team.member.id}/role", json={"role": "guest"})
    assert made_guest.status_code == 200, made_guest.text
    assert team.member.get("/expectations").json()["items"] == []
    [cancelled] = team.owner.get(
        "/expectations", params={"role": "creditor", "state": "cancelled"}
    ).json()["items"]
    assert cancelled["note"] == "Member no longer has access"


def test_archiving_a_channel_cancels_the_replies_owed_there(team: Team) -> None:
    design = team.owner.post("/channels", json={"name": "design", "member_ids": [team.member.id]})
    channel_id = design.json()["id"]
    team.owner.post(
        f"/channels/{channel_id}/topics",
        json={"title": "Logo", "body": "Which logo?", "asks": [{"member_id": team.member.id}]},
    )
    archived = team.owner.patch(f"/channels/{channel_id}", json={"is_archived": True})
    assert archived.status_code == 200, archived.text
    assert team.member.get("/expectations").json()["items"] == []
    [cancelled] = team.member.get("/expectations", params={"state": "cancelled"}).json()["items"]
    assert cancelled["note"] == "#design was archived"


def test_compose_preview_answers_alike_for_a_private_topic_and_a_missing_one(
    team: Team,
) -> None:
    _channel_id, topic_id, _message_id = _private_ask(team, team.guest)
    for person in (team.member, team.outsider):
        private = person.post("/compose/preview", json={"topic_id": topic_id, "body": "Hi"})
        missing = person.post("/compose/preview", json={"topic_id": 999_999_999, "body": "Hi"})
        assert private.status_code == missing.status_code == 404
        assert private.json() == missing.json()
        assert private.headers["content-type"] == missing.headers["content-type"]
    seen = team.guest.post("/compose/preview", json={"topic_id": topic_id, "body": "Hi"})
    assert seen.status_code == 200, seen.text


def test_a_removed_follower_hears_nothing_of_new_messages(team: Team) -> None:
    channel_id, topic_id, _message_id = _private_ask(team, team.member)
    follows = team.member.get(f"/topics/{topic_id}").json()["subscription"]
    assert follows == "following"
    team.owner.delete(f"/channels/{channel_id}/members/{team.member.id}")
    with connect(ws_url(team, team.member)) as member_ws:
        time.sleep(0.2)
        _rename_and_edit(team, topic_id, _message_id)
        posted = team.owner.post(
            f"/topics/{topic_id}/messages", json={"body": "More salaries news", "priority": "high"}
        )
        assert posted.status_code == 201, posted.text
        seen = drain(member_ws)
    assert not [event for event in seen if _leaks(str(event))], seen
    _assert_sees_nothing(team.member)


def test_replaying_the_event_log_leaves_out_notifications_now_out_of_reach(team: Team) -> None:
    team.member.at_work_around_the_clock()  # so the ask's notification goes out at once
    with connect(ws_url(team, team.member)) as member_ws:
        time.sleep(0.2)
        channel_id, _topic_id, _message_id = _private_ask(team, team.member)
        before = drain(member_ws)
    assert any(e["type"] == "notification" and _leaks(str(e)) for e in before), before
    with connect(ws_url(team, team.owner)) as owner_ws:
        time.sleep(0.2)
        team.owner.delete(f"/channels/{channel_id}/members/{team.member.id}")
        # Once the owner hears of it, the node's feed has applied the removal too.
        heard = drain(owner_ws)
        assert any(e["type"] == "channel.member_removed" for e in heard), heard
    first = min(e["id"] for e in before)
    with connect(ws_url(team, team.member, since=first - 1)) as member_ws:
        replayed = drain(member_ws)
    assert replayed, "the replay delivers the member's other events"
    assert not [e for e in replayed if _leaks(str(e))], replayed
