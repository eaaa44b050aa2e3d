"""Clips over real HTTP and WebSockets: who watched, where to resume, asks settled by
watching, and comments pinned to a moment."""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from websockets.sync.client import ClientConnection, connect

from tests.support import Person, Team

SECONDS = 10


def wav(seconds: int = SECONDS, tone: int = 0) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(bytes([tone % 256, 0]) * 8000 * seconds)
    return out.getvalue()


def upload(person: Person, data: bytes, filename: str) -> int:
    made = person.post(
        "/uploads",
        json={"filename": filename, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()},
    )
    assert made.status_code == 201, made.text
    sent = person.patch(
        f"/uploads/{made.json()['id']}",
        content=data,
        headers={"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    assert sent.status_code == 200 and sent.json()["state"] == "complete", sent.text
    return int(made.json()["id"])


def clip_topic(
    team: Team, author: Person, *, channel: str = "general", title: str = "Standup", **extra: Any
) -> dict[str, Any]:
    """A new topic whose first message carries a 10-second voice note."""
    upload_id = upload(author, wav(tone=len(extra)), "standup.wav")
    made = author.post(
        f"/channels/{team.channel_id(channel)}/topics",
        json={"title": title, "body": "Listen", "attachments": [upload_id], **extra},
    )
    assert made.status_code == 201, made.text
    return dict(made.json()["first_message"])


def progress(person: Person, file_id: int, position_ms: int, ended: bool = False) -> Any:
    return person.put(
        f"/files/{file_id}/progress", json={"position_ms": position_ms, "ended": ended}
    )


def counts(person: Person, file_id: int) -> dict[str, int]:
    found = person.get(f"/files/{file_id}/views").json()
    return {key: found[key] for key in ("watched", "finished", "audience")}


def test_progress_records_who_watched_how_far_and_who_finished(team: Team) -> None:
    message = clip_topic(team, team.member)
    file_id = message["attachments"][0]["id"]
    audience = counts(team.member, file_id)["audience"]
    assert audience >= 2  # owner and admin at least; never the author
    first = progress(team.owner, file_id, 3000)
    assert first.status_code == 200, first.text
    assert first.json() == {"position_ms": 3000, "furthest_ms": 3000, "completed": False}
    assert counts(team.member, file_id) == {"watched": 1, "finished": 0, "audience": audience}
    back = progress(team.owner, file_id, 1000).json()
    assert back == {"position_ms": 1000, "furthest_ms": 3000, "completed": False}
    near_end = progress(team.owner, file_id, SECONDS * 1000 - 800).json()
    assert near_end["completed"] is True
    again = progress(team.owner, file_id, 500).json()
    assert again == {"position_ms": 500, "furthest_ms": SECONDS * 1000 - 800, "completed": True}
    progress(team.admin, file_id, 2000, ended=True)
    assert counts(team.member, file_id) == {"watched": 2, "finished": 2, "audience": audience}
    own = progress(team.member, file_id, 4000)
    assert own.status_code == 200
    assert counts(team.member, file_id)["watched"] == 2  # the author's viewing is not counted
    seen = team.member.get(f"/files/{file_id}/views").json()
    assert seen["my_progress"] == {"position_ms": 4000, "furthest_ms": 4000, "completed": False}
    rows = {row["member_id"]: row for row in seen["viewers"]}
    assert set(rows) == {team.owner.id, team.admin.id}
    assert rows[team.owner.id]["furthest_ms"] == SECONDS * 1000 - 800
    assert rows[team.owner.id]["completed_at"] is not None


def test_positions_are_clamped_and_bad_reports_refused(team: Team) -> None:
    message = clip_topic(team, team.member)
    file_id = message["attachments"][0]["id"]
    past = progress(team.owner, file_id, 999_999).json()
    assert past == {"position_ms": SECONDS * 1000, "furthest_ms": SECONDS * 1000, "completed": True}
    negative = progress(team.owner, file_id, -5)
    assert negative.status_code == 422 and negative.json()["code"] == "bad_clip_position"
    text_upload = upload(team.member, b"just notes " * 20, "notes.txt")
    plain = team.member.post(
        f"/topics/{message['topic_id']}/messages",
        json={"body": "doc", "attachments": [text_upload]},
    ).json()
    not_clip = progress(team.owner, plain["attachments"][0]["id"], 100)
    assert not_clip.status_code == 422 and not_clip.json()["code"] == "not_a_clip"
    assert team.owner.get(f"/files/{plain['attachments'][0]['id']}/views").status_code == 422
    assert progress(team.outsider, file_id, 100).status_code == 404
    assert team.outsider.get(f"/files/{file_id}/views").status_code == 404
    assert progress(team.owner, 10_000_000, 100).status_code == 404


def test_a_private_channels_clip_counts_and_serves_only_its_readers(team: Team) -> None:
    made = team.owner.post(
        "/channels", json={"name": "crew", "is_private": True, "member_ids": [team.member.id]}
    )
    assert made.status_code == 201, made.text
    message = clip_topic(team, team.member, channel="crew")
    file_id = message["attachments"][0]["id"]
    assert counts(team.member, file_id) == {"watched": 0, "finished": 0, "audience": 1}
    assert progress(team.admin, file_id, 100).status_code == 404
    assert team.admin.get(f"/files/{file_id}/comments").status_code == 404
    crew = made.json()["id"]
    added = team.owner.post(f"/channels/{crew}/members", json={"member_ids": [team.guest.id]})
    assert added.status_code in (200, 201), added.text
    assert counts(team.member, file_id)["audience"] == 2  # a guest counts where they can read
    assert progress(team.guest, file_id, 100).status_code == 200
    assert counts(team.member, file_id)["watched"] == 1
    team.owner.delete(f"/channels/{crew}/members/{team.guest.id}")
    assert counts(team.member, file_id) == {"watched": 0, "finished": 0, "audience": 1}
    assert progress(team.guest, file_id, 200).status_code == 404


def test_readers_outside_a_public_channel_see_counts_not_names(team: Team) -> None:
    made = team.owner.post("/channels", json={"name": "plaza", "member_ids": [team.member.id]})
    assert made.status_code == 201, made.text
    file_id = clip_topic(team, team.member, channel="plaza")["attachments"][0]["id"]
    progress(team.owner, file_id, 100)
    outside = team.admin.get(f"/files/{file_id}/views").json()
    assert outside["watched"] == 1 and outside["viewers"] is None
    inside = team.owner.get(f"/files/{file_id}/views").json()
    assert [row["member_id"] for row in inside["viewers"]] == [team.owner.id]


@contextmanager
def statements(team: Team) -> Iterator[list[str]]:
    """Every SQL statement the server runs meanwhile."""
    seen: list[str] = []
    engine = team.server.db.read_engine

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_message_lists_carry_views_and_my_progress_in_a_fixed_number_of_queries(
    team: Team,
) -> None:
    message = clip_topic(team, team.member)
    topic_id, file_id = message["topic_id"], message["attachments"][0]["id"]
    progress(team.owner, file_id, 2500)
    listed = team.owner.get(f"/topics/{topic_id}/messages").json()["items"]
    clip = listed[0]["attachments"][0]
    assert clip["views"]["watched"] == 1 and clip["views"]["finished"] == 0
    assert clip["my_progress"] == {"position_ms": 2500, "furthest_ms": 2500, "completed": False}
    settle_jobs(team, topic_id)
    with statements(team) as one:
        team.owner.get(f"/topics/{topic_id}/messages")
    for tone in range(3):
        upload_id = upload(team.member, wav(tone=tone + 7), f"more-{tone}.wav")
        team.member.post(
            f"/topics/{topic_id}/messages", json={"body": "more", "attachments": [upload_id]}
        )
    settle_jobs(team, topic_id)  # the clips' processing and transcripts run on the server
    with statements(team) as four:
        page = team.owner.get(f"/topics/{topic_id}/messages").json()["items"]
    assert len(page) == 4 and all(m["attachments"][0]["views"] for m in page)
    assert one and sorted(_listing(four)) == sorted(_listing(one)), (one, four)


PARAM = r"(\?|%\(\w+\)s(::\w+)?)"  # SQLite's and PostgreSQL's placeholders


def _listing(seen: list[str]) -> list[str]:
    """The statements of the listing itself, their IN lists folded: the engine is the
    server's, so the live feed reading the event log after some commit, or a token
    looked up again after the cache was cleared, may run meanwhile."""
    return [
        re.sub(rf"IN \({PARAM}(, {PARAM})*\)", "IN (…)", statement)
        for statement in seen
        if "FROM events" not in statement and "FROM api_tokens" not in statement
    ]


def settle_jobs(team: Team, topic_id: int) -> None:
    """Wait (bounded) until the server's jobs for these clips are done: statements
    are counted engine-wide, and a job running meanwhile would be counted too."""
    for _ in range(300):
        clips = [
            a
            for m in team.owner.get(f"/topics/{topic_id}/messages").json()["items"]
            for a in m["attachments"]
        ]
        states = [team.owner.get(f"/files/{a['id']}/transcript") for a in clips]
        if all(a["processing"] != "pending" for a in clips) and all(
            r.status_code != 200 or r.json()["state"] != "pending" for r in states
        ):
            return
        time.sleep(0.05)
    raise AssertionError("the clips' jobs did not finish")


def ws(team: Team, person: Person) -> ClientConnection:
    url = team.server.url.replace("http://", "ws://") + f"/api/v1/events?token={person.token}"
    return connect(url)


def views_events(socket: ClientConnection, quiet: float = 0.8) -> list[dict[str, Any]]:
    found = []
    deadline = time.monotonic() + quiet
    while (left := deadline - time.monotonic()) > 0:
        try:
            item = json.loads(socket.recv(timeout=left))
        except TimeoutError:
            break
        if item["type"] == "file.views":
            found.append(item["data"])
    return found


def test_the_summary_goes_live_to_readers_only_when_it_changes(team: Team) -> None:
    message = clip_topic(team, team.member)
    file_id = message["attachments"][0]["id"]
    with ws(team, team.member) as author, ws(team, team.outsider) as outsider:
        progress(team.owner, file_id, 1000)
        [started] = views_events(author)
        assert started == {
            "id": file_id,
            "message_id": message["id"],
            "views": counts(team.member, file_id),
        }
        assert started["views"]["watched"] == 1
        progress(team.owner, file_id, 2000)
        progress(team.owner, file_id, 3000)
        progress(team.member, file_id, 3000)  # the author's own viewing
        assert views_events(author) == []
        progress(team.owner, file_id, 0, ended=True)
        [finished] = views_events(author)
        assert finished["views"]["finished"] == 1
        assert views_events(outsider) == []


def test_an_ask_on_a_clip_is_met_by_watching_it_to_the_end(team: Team) -> None:
    message = clip_topic(team, team.member, asks=[{"member_id": team.owner.id}])
    file_id = message["attachments"][0]["id"]
    progress(team.owner, file_id, SECONDS * 500)  # half
    [owed] = team.owner.get("/expectations").json()["items"]
    assert owed["state"] == "open" and owed["message_id"] == message["id"]
    progress(team.owner, file_id, SECONDS * 1000, ended=True)
    assert team.owner.get("/expectations").json()["items"] == []
    [met] = team.member.get("/expectations", params={"role": "creditor", "state": "met"}).json()[
        "items"
    ]
    assert met["id"] == owed["id"] and met["note"] == "watched"
    assert met["resolved_by_message_id"] is None
    # A second clip without an ask: watching it owes and settles nothing.
    upload_id = upload(team.member, wav(tone=3), "second.wav")
    second = team.member.post(
        f"/topics/{message['topic_id']}/messages", json={"body": "2", "attachments": [upload_id]}
    ).json()
    assert second["expectations"] == []
    progress(team.owner, second["attachments"][0]["id"], 0, ended=True)
    still = team.owner.get("/expectations", params={"state": "met"}).json()["items"]
    assert [e["id"] for e in still] == [owed["id"]]


def test_a_reply_meets_a_clip_ask_before_any_watching(team: Team) -> None:
    message = clip_topic(team, team.member, asks=[{"member_id": team.owner.id}])
    team.owner.post(f"/topics/{message['topic_id']}/messages", json={"body": "Will watch"})
    [met] = team.member.get("/expectations", params={"role": "creditor", "state": "met"}).json()[
        "items"
    ]
    assert met["note"] == "" and met["resolved_by_message_id"] is not None
    progress(team.owner, message["attachments"][0]["id"], 0, ended=True)
    [still] = team.member.get("/expectations", params={"role": "creditor", "state": "met"}).json()[
        "items"
    ]
    assert still["note"] == ""


def test_a_comment_is_pinned_to_a_moment_of_a_clip(team: Team) -> None:
    team.member.at_work_around_the_clock()  # so the mention's notification goes out at once
    message = clip_topic(team, team.member)
    topic_id, file_id = message["topic_id"], message["attachments"][0]["id"]
    path = f"/topics/{topic_id}/messages"
    late = team.owner.post(
        path, json={"body": "Nice ending", "clip_file_id": file_id, "clip_at_ms": 9000}
    )
    assert late.status_code == 201, late.text
    assert (late.json()["clip_file_id"], late.json()["clip_at_ms"]) == (file_id, 9000)
    early = team.admin.post(
        path, json={"body": "@member what is this?", "clip_file_id": file_id, "clip_at_ms": 42}
    )
    assert early.status_code == 201
    plain = team.owner.post(path, json={"body": "Unpinned"}).json()
    assert plain["clip_file_id"] is None and plain["clip_at_ms"] is None
    listed = team.member.get(f"/files/{file_id}/comments").json()["items"]
    assert [(c["body"], c["clip_at_ms"]) for c in listed] == [
        ("@member what is this?", 42),
        ("Nice ending", 9000),
    ]
    fetched = team.member.get(f"/messages/{early.json()['id']}").json()
    assert fetched["clip_at_ms"] == 42
    mentioned = team.member.get("/notifications").json()["items"]
    assert any(n["message_id"] == early.json()["id"] for n in mentioned)
    team.admin.delete(f"/messages/{early.json()['id']}")
    left = team.member.get(f"/files/{file_id}/comments").json()["items"]
    assert [c["body"] for c in left] == ["Nice ending"]
    assert team.outsider.get(f"/files/{file_id}/comments").status_code == 404


def test_bad_pins_are_refused_with_their_code(team: Team) -> None:
    message = clip_topic(team, team.member)
    topic_id, file_id = message["topic_id"], message["attachments"][0]["id"]
    path = f"/topics/{topic_id}/messages"
    other = clip_topic(team, team.member, title="Another")
    text_upload = upload(team.member, b"plain words " * 20, "words.txt")
    doc = team.member.post(path, json={"body": "doc", "attachments": [text_upload]}).json()
    cases = [
        {"clip_file_id": file_id},
        {"clip_at_ms": 100},
        {"clip_file_id": file_id, "clip_at_ms": SECONDS * 1000 + 1},
        {"clip_file_id": file_id, "clip_at_ms": -1},
        {"clip_file_id": other["attachments"][0]["id"], "clip_at_ms": 100},
        {"clip_file_id": doc["attachments"][0]["id"], "clip_at_ms": 100},
        {"clip_file_id": 99_999_999, "clip_at_ms": 100},
    ]
    for pin in cases:
        refused = team.owner.post(path, json={"body": "at", **pin})
        assert refused.status_code == 422, (pin, refused.text)
        assert refused.json()["code"] == "bad_clip_comment", pin
