"""Clips in real Chromium: a recorded clip's author sees who watched it, live; the
viewer resumes where they left off; a comment at a moment seeks the player."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Locator, Page, Response, expect

from tests.api.test_clip_views import upload, wav
from tests.support import Team
from tests.web.conftest import Opener
from tests.web.test_journeys import message, new_topic
from tests.web.test_recorder_journeys import chromium, open_record_menu, record

__all__ = ["chromium"]  # the recorder tests' browser, with fake capture devices

PUT_PROGRESS = re.compile(r"/api/v1/files/\d+/progress$")


def record_and_send(page: Page, button: str, text: str) -> None:
    record(page, button)
    page.get_by_role("region", name="Recorder").get_by_role(
        "button", name="Attach recording"
    ).click()
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_role("button", name="Send").click()
    expect(message(page, text).locator("figure.file-clip")).to_have_count(1)


def player(page: Page, text: str) -> Locator:
    return message(page, text).locator("figure.file-clip").locator("audio, video")


def reported(page: Page, action: str, media: Locator, at_least: int = 0) -> dict[str, object]:
    """Run ``action`` on the player and return the progress the page reported (the
    first report at ``at_least`` ms or beyond: one sent while playing may come first)."""

    def wanted(r: Response) -> bool:
        if r.request.method != "PUT" or not PUT_PROGRESS.search(r.url):
            return False
        return int(json.loads(r.request.post_data or "{}").get("position_ms", 0)) >= at_least

    with page.expect_response(wanted) as answer:
        media.evaluate(action)
    return dict(answer.value.json())


def test_the_author_sees_who_watched_live_and_the_viewer_resumes(
    team: Team, open_browser: Opener
) -> None:
    topic = new_topic(team, "Demo")
    page = open_browser(team.server, team.member, permissions=["microphone", "camera"])
    page.goto(f"/t/{topic}")
    record_and_send(page, "Record voice", "Voice update")
    open_record_menu(page)
    page.get_by_label("Screen with microphone").uncheck()
    record_and_send(page, "Record screen", "Screen demo")
    # Processing (poster, an MP4 copy) re-renders the message when done: let it finish.
    for sent in ("Voice update", "Screen demo"):
        expect(message(page, sent).locator(".clip-status")).to_have_count(0, timeout=90_000)
    views = message(page, "Screen demo").locator("[data-clip-views]")
    expect(views).to_have_text(re.compile(r"^Watched by 0 of \d+ · 0 finished$"))

    owner = open_browser(team.server, team.owner)
    owner.goto(f"/t/{topic}")
    reported(owner, "m => { m.muted = true; return m.play(); }", player(owner, "Screen demo"))
    # A clip this short may already have played to its end: finished or not.
    expect(views).to_have_text(re.compile(r"^Watched by 1 of \d+ · [01] finished$"))
    demo = message(page, "Screen demo")
    demo.get_by_role("button", name="Who watched").click()
    expect(demo.locator(".clip-viewers")).to_contain_text("Olive Owner")

    # Resuming: a longer voice note, left at 4 s.
    upload_id = upload(team.member, wav(), "walkthrough.wav")
    team.member.post(
        f"/topics/{topic}/messages", json={"body": "Walkthrough", "attachments": [upload_id]}
    )
    walk = player(owner, "Walkthrough")
    expect(walk).to_have_count(1)
    # Its processing re-renders the message when done; a player replaced between the
    # play and the pause below would report nothing: let it finish first.
    status = message(owner, "Walkthrough").locator(".clip-status")
    expect(status).to_have_count(0, timeout=90_000)
    reported(owner, "m => { m.muted = true; return m.play(); }", walk)
    left = reported(owner, "m => { m.currentTime = 4; m.pause(); }", walk, at_least=4000)
    assert 4000 <= int(str(left["position_ms"])) < 5000
    owner.reload()
    walk = player(owner, "Walkthrough")
    walk.evaluate("m => { m.muted = true; return m.play(); }")
    owner.wait_for_function("m => m.currentTime >= 4", arg=walk.element_handle())


def test_a_comment_at_a_moment_seeks_the_player_and_the_pin_resets(
    team: Team, open_browser: Opener
) -> None:
    topic = new_topic(team, "Review")
    upload_id = upload(team.member, wav(), "walkthrough.wav")
    sent = team.member.post(
        f"/topics/{topic}/messages", json={"body": "Walkthrough", "attachments": [upload_id]}
    ).json()
    file_id = sent["attachments"][0]["id"]
    owner = open_browser(team.server, team.owner)
    owner.goto(f"/t/{topic}")
    walk = player(owner, "Walkthrough")
    walk.evaluate("m => { m.currentTime = 6; }")
    clip = message(owner, "Walkthrough")
    clip.get_by_role("button", name=re.compile(r"^Comment at")).click()
    expect(owner.locator("#clip-pin")).to_contain_text("Commenting at 0:06 of walkthrough.wav")
    owner.get_by_label("Message", exact=True).fill("Look here")
    owner.get_by_role("button", name="Send").click()
    # The clip's own message lists the comment too: the comment is the newest match.
    expect(message(owner, "Look here").last).to_contain_text("at 0:06 of walkthrough.wav")
    expect(owner.locator("#clip-pin")).to_be_hidden()
    owner.get_by_label("Message", exact=True).fill("Plain words")
    owner.get_by_role("button", name="Send").click()
    expect(message(owner, "Plain words")).to_have_count(1)
    listed = team.owner.get(f"/topics/{topic}/messages").json()["items"]
    pins = {m["body"]: (m["clip_file_id"], m["clip_at_ms"]) for m in listed}
    assert pins["Look here"] == (file_id, 6000)
    assert pins["Plain words"] == (None, None)

    member = open_browser(team.server, team.member)
    member.goto(f"/t/{topic}")
    timeline = message(member, "Walkthrough").locator(".clip-comments")
    expect(timeline).to_contain_text("0:06 Olive Owner: Look here")
    media = player(member, "Walkthrough")
    message(member, "Walkthrough").locator(".clip-marker").click()
    member.wait_for_function("m => m.currentTime >= 6", arg=media.element_handle())
    media.evaluate("m => { m.pause(); m.currentTime = 0; }")
    message(member, "Look here").last.get_by_role("button", name=re.compile("at 0:06")).click()
    member.wait_for_function("m => m.currentTime >= 6", arg=media.element_handle())


def test_a_paused_clip_keeps_its_place_when_its_message_is_refreshed(
    team: Team, open_browser: Opener
) -> None:
    topic = new_topic(team, "Keep my place")
    upload_id = upload(team.member, wav(), "walkthrough.wav")
    sent = team.member.post(
        f"/topics/{topic}/messages", json={"body": "Walkthrough", "attachments": [upload_id]}
    ).json()
    owner = open_browser(team.server, team.owner)
    owner.goto(f"/t/{topic}")
    walk = player(owner, "Walkthrough")
    walk.evaluate("m => { m.currentTime = 6; }")
    owner.wait_for_function("m => m.currentTime >= 6", arg=walk.element_handle())
    reacted = team.member.put(f"/messages/{sent['id']}/reactions/thumbs_up")
    assert reacted.status_code in (200, 201), reacted.text
    expect(message(owner, "Walkthrough").locator(".reactions")).to_be_visible()  # re-rendered
    again = player(owner, "Walkthrough")
    assert again.evaluate("m => m.currentTime") >= 6  # the new player, at the same place
    clip = message(owner, "Walkthrough")
    expect(clip.get_by_role("button", name="Comment at 0:06")).to_be_visible()
