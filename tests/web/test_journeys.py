"""Journeys through the web UI in real Chromium, two people at once where it matters."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Locator, Page, WebSocketRoute, expect

from tests.support import Team
from tests.web.conftest import Opener, sign_in


def new_topic(team: Team, title: str, body: str = "Kick-off", channel: str = "general") -> int:
    made = team.owner.post(
        f"/channels/{team.channel_id(channel)}/topics", json={"title": title, "body": body}
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def wait_live(page: Page) -> None:
    expect(page.locator("body")).to_have_attribute("data-live", "up")


def message(page: Page, text: str) -> Locator:
    return page.locator("article.message").filter(has_text=text)


def send(page: Page, body: str) -> None:
    page.get_by_label("Message", exact=True).fill(body)
    page.get_by_role("button", name="Send").click()


def test_sign_in_says_why_it_failed_then_opens_the_inbox(team: Team, open_browser: Opener) -> None:
    page = open_browser(team.server)
    sign_in(page, team.member.email, "not my password")
    expect(page.get_by_role("alert")).to_contain_text("Email or password is wrong")
    expect(page.get_by_label("E-mail")).to_have_value(team.member.email)
    sign_in(page, team.member.email)
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    expect(page.get_by_role("navigation")).to_contain_text("#general")


def test_accepting_an_invitation_signs_the_newcomer_in_with_the_browser_zone(
    team: Team, open_browser: Opener
) -> None:
    invitation = team.owner.post("/invitations", json={"role": "member"}).json()
    page = open_browser(team.server, timezone_id="Asia/Manila")
    page.goto(invitation["url"])
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Manila")
    page.get_by_label("Your name").fill("Nina Newcomer")
    page.get_by_label("E-mail").fill(f"nina@{team.slug}.test")
    page.get_by_label("Password (8 characters or more)").fill("a fine long password")
    page.get_by_label("Time zone").fill("Mars/Olympus_Mons")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("alert")).to_contain_text("time zone")
    expect(page.get_by_label("Your name")).to_have_value("Nina Newcomer")
    expect(page.get_by_label("Time zone")).to_have_value("Mars/Olympus_Mons")
    page.get_by_label("Password (8 characters or more)").fill("a fine long password")
    page.get_by_label("Time zone").fill("Asia/Manila")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    expect(page.get_by_text("Welcome to Tidings, Nina Newcomer")).to_be_visible()
    people = {p["display_name"]: p for p in team.owner.get("/users").json()}
    assert people["Nina Newcomer"]["time_zone"] == "Asia/Manila"


def test_create_a_channel_and_a_topic_with_errors_that_keep_the_text(
    team: Team, open_browser: Opener
) -> None:
    page = open_browser(team.server, team.member)
    page.goto("/channels")
    page.get_by_label("Name").fill("Launch Plan!")
    page.get_by_label("Purpose").fill("Everything about the May launch")
    page.get_by_role("button", name="Create channel").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("Purpose")).to_have_value("Everything about the May launch")
    page.get_by_label("Name").fill("launch-plan")
    page.get_by_role("button", name="Create channel").click()
    expect(page.get_by_role("heading", name="#launch-plan")).to_be_visible()
    expect(page.get_by_text("Everything about the May launch")).to_be_visible()

    page.get_by_label("Title").fill("Launch checklist")
    page.get_by_label("First message").fill("We ship on **Friday**.")
    page.get_by_role("button", name="Start topic").click()
    expect(page.get_by_role("heading", name="Launch checklist")).to_be_visible()
    expect(message(page, "We ship on").locator("strong")).to_have_text("Friday")

    page.locator("#main").get_by_role("link", name="#launch-plan").click()
    page.get_by_label("Title").fill("launch CHECKLIST")
    page.get_by_label("First message").fill("A second copy of the same topic")
    page.get_by_role("button", name="Start topic").click()
    expect(page.get_by_role("alert")).to_contain_text("exists")
    expect(page.get_by_label("First message")).to_have_value("A second copy of the same topic")


def test_a_post_with_markdown_and_a_mention_reaches_another_browser_live_and_so_does_the_reaction(
    team: Team, open_browser: Opener
) -> None:
    topic_id = new_topic(team, "Deck review")
    author = open_browser(team.server, team.owner)
    reader = open_browser(team.server, team.member)
    for page in (author, reader):
        page.goto(f"/t/{topic_id}")
        wait_live(page)

    box = author.get_by_label("Message", exact=True)
    box.press_sequentially("Please review the **deck** by Thu 15:00 CET, @mem")
    expect(author.get_by_role("option", name="Member (@member)")).to_be_visible()
    box.press("Enter")
    expect(box).to_have_value(re.compile(r"@member $"))
    expect(author.locator("#composer-preview strong")).to_have_text("deck")
    box.press("Control+Enter")
    expect(box).to_have_value("")

    seen = message(reader, "Please review the")
    expect(seen.locator("strong")).to_have_text("deck")
    expect(seen.locator(".mention")).to_contain_text("member")
    seen.get_by_text("React", exact=True).click()
    seen.get_by_role("button", name="React with 👍").click()
    expect(seen.get_by_role("button", name=re.compile("👍 1"))).to_have_attribute(
        "aria-pressed", "true"
    )
    mine = message(author, "Please review the")
    expect(mine.get_by_role("button", name=re.compile("👍 1, from Member"))).to_be_visible()
    assert message(author, "Please review the").count() == 1


def test_edit_a_message_and_read_its_history_while_the_other_browser_follows(
    team: Team, open_browser: Opener
) -> None:
    topic_id = new_topic(team, "Offsite", "Lisbon in May?")
    author = open_browser(team.server, team.owner)
    reader = open_browser(team.server, team.member)
    for page in (author, reader):
        page.goto(f"/t/{topic_id}")
        wait_live(page)
    original = message(author, "Lisbon in May?")
    original.get_by_role("button", name="Edit").click()
    author.get_by_label("Edit message").fill("Lisbon in **June**?")
    author.get_by_role("button", name="Save").click()
    edited = message(author, "Lisbon in")
    expect(edited.locator("strong")).to_have_text("June")
    edited.get_by_role("button", name="(edited)").click()
    expect(edited.locator(".history-panel")).to_contain_text("Lisbon in May?")
    expect(edited.locator(".history-panel")).to_contain_text("Lisbon in **June**?")
    expect(message(reader, "Lisbon in").locator("strong")).to_have_text("June")


def test_search_with_an_operator_and_open_the_hit_in_its_topic(
    team: Team, open_browser: Opener
) -> None:
    topic_id = new_topic(team, "Budget", "The budget for Q3 is approved")
    team.member.post(f"/topics/{topic_id}/messages", json={"body": "Which budget line?"})
    page = open_browser(team.server, team.member)
    page.get_by_role("searchbox", name="Search messages").fill("from:@owner budget")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Results for"))).to_be_visible()
    hits = page.locator(".hit")
    expect(hits).to_have_count(1)
    expect(hits.locator("mark")).to_have_text(re.compile("budget", re.I))
    hits.first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/t/{topic_id}#m\d+$"))
    expect(page.locator("article.message:target")).to_contain_text("The budget for Q3")


def test_mark_read_from_the_inbox_and_watch_it_change_live(
    team: Team, open_browser: Opener
) -> None:
    topic_id = new_topic(team, "Release notes", "Draft is in the doc")
    page = open_browser(team.server, team.member)
    wait_live(page)
    item = page.locator(f".inbox-item[data-topic='{topic_id}']")
    expect(item).to_contain_text("Release notes")
    item.get_by_role("button", name="Mark read “Release notes”").click()
    expect(item).to_have_count(0)
    assert team.member.get("/inbox").json()["total_unread"] == 0
    team.owner.post(f"/topics/{topic_id}/messages", json={"body": "Final version attached"})
    expect(item).to_contain_text("Release notes")
    expect(
        page.get_by_role("navigation").get_by_role("link", name=re.compile("Inbox"))
    ).to_contain_text("1")


def test_a_dropped_socket_resumes_with_nothing_missed_and_the_draft_kept(
    team: Team, open_browser: Opener
) -> None:
    topic_id = new_topic(team, "Incident", "Sign-in fails for some")
    page = open_browser(team.server, team.member)
    network: dict[str, Any] = {"down": False, "sockets": []}

    def route(socket: WebSocketRoute) -> None:
        if network["down"]:
            socket.close()
            return
        socket.connect_to_server()
        network["sockets"].append(socket)

    page.route_web_socket(re.compile(r".*/api/v1/events.*"), route)
    page.goto(f"/t/{topic_id}")
    wait_live(page)
    page.get_by_label("Message", exact=True).fill("half-written thought")

    network["down"] = True
    for socket in network["sockets"]:
        socket.close()
    expect(page.get_by_role("status").filter(has_text="Reconnecting")).to_be_visible()
    for n in range(5):
        team.owner.post(f"/topics/{topic_id}/messages", json={"body": f"update number {n}"})
    page.wait_for_timeout(600)
    network["down"] = False

    expect(page.locator("body")).to_have_attribute("data-live", "up", timeout=20_000)
    bodies = page.locator("article.message .body")
    expect(bodies).to_have_count(6)
    assert [t.strip() for t in bodies.all_inner_texts()[1:]] == [
        f"update number {n}" for n in range(5)
    ]
    expect(page.get_by_label("Message", exact=True)).to_have_value("half-written thought")


def test_a_draft_survives_a_reload(team: Team, open_browser: Opener) -> None:
    topic_id = new_topic(team, "Hiring")
    page = open_browser(team.server, team.member)
    page.goto(f"/t/{topic_id}")
    page.get_by_label("Message", exact=True).fill("Candidate notes: strong on async")
    expect(page.get_by_text("Draft saved")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Message", exact=True)).to_have_value(
        "Candidate notes: strong on async"
    )


def test_a_refused_message_shows_why_and_keeps_the_text(team: Team, open_browser: Opener) -> None:
    topic_id = new_topic(team, "Long reads")
    page = open_browser(team.server, team.member)
    page.goto(f"/t/{topic_id}")
    too_long = "x" * (team.server.settings.max_message_length + 1)
    page.get_by_label("Message", exact=True).fill(too_long)
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#composer-error")).to_contain_text("characters")
    expect(page.get_by_label("Message", exact=True)).to_have_value(too_long)
    assert message(page, "xxxx").count() == 0


def test_a_guest_cannot_open_a_private_channel_by_url(team: Team, open_browser: Opener) -> None:
    secret = team.owner.post("/channels", json={"name": "board", "is_private": True}).json()
    topic = team.owner.post(
        f"/channels/{secret['id']}/topics", json={"title": "Salaries", "body": "Confidential"}
    ).json()
    page = open_browser(team.server, team.guest)
    for path in (f"/c/{secret['id']}", f"/t/{topic['id']}"):
        page.goto(path)
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text("Confidential")
        expect(page.locator("body")).not_to_contain_text("Salaries")


def test_phone_width_collapses_to_one_column_with_a_menu(team: Team, open_browser: Opener) -> None:
    page = open_browser(team.server, team.member, viewport={"width": 390, "height": 844})
    navigation = page.get_by_role("navigation")
    expect(navigation).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(navigation).to_be_visible()
    expect(navigation.get_by_role("link", name=re.compile("#general"))).to_be_visible()


def test_a_group_dm_reaches_both_others_live_and_shows_their_local_time(
    team: Team, open_browser: Opener
) -> None:
    sender = open_browser(team.server, team.owner)
    reader = open_browser(team.server, team.member)
    wait_live(reader)
    sender.goto("/dm")
    sender.get_by_role("checkbox", name=re.compile(r"@member\b")).check()
    sender.get_by_role("checkbox", name=re.compile(r"@admin\b")).check()
    sender.get_by_role("button", name="Open conversation").click()
    expect(
        sender.get_by_role("heading", name=re.compile(r"^(Admin, Member|Member, Admin)$"))
    ).to_be_visible()
    expect(sender.locator(".lede")).to_contain_text("in Lisbon")
    send(sender, "Can you both look at the *pricing* page by Friday?")
    expect(message(sender, "pricing")).to_have_count(1)
    link = reader.get_by_role("navigation").get_by_role("link", name=re.compile("Olive Owner"))
    expect(link).to_contain_text("1")
    link.click()
    expect(message(reader, "pricing").locator("em")).to_have_text("pricing")


def test_renaming_and_resolving_a_topic_shows_in_the_other_browser(
    team: Team, open_browser: Opener
) -> None:
    topic_id = new_topic(team, "Q3 plan")
    owner = open_browser(team.server, team.owner)
    reader = open_browser(team.server, team.member)
    for page in (owner, reader):
        page.goto(f"/t/{topic_id}")
        wait_live(page)
    owner.get_by_text("Rename", exact=True).click()
    owner.get_by_label("New title").fill("Q3 plan (final)")
    owner.get_by_role("button", name="Rename topic").click()
    expect(owner.get_by_role("heading", name="Q3 plan (final)")).to_be_visible()
    owner.get_by_role("button", name="Mark resolved").click()
    expect(reader.get_by_role("heading", name=re.compile(r"Q3 plan \(final\)"))).to_contain_text(
        "resolved"
    )
    reader.get_by_role("button", name="Follow").click()
    expect(reader.get_by_role("button", name="Following")).to_have_attribute("aria-pressed", "true")


def test_join_mute_and_leave_a_channel(team: Team, open_browser: Opener) -> None:
    made = team.owner.post("/channels", json={"name": "design", "purpose": "Pixels"}).json()
    page = open_browser(team.server, team.member)
    page.goto("/channels")
    page.get_by_role("button", name="Join #design").click()
    expect(page.get_by_role("heading", name="#design")).to_be_visible()
    sidebar_link = page.get_by_role("navigation").get_by_role("link", name=re.compile("#design"))
    expect(sidebar_link).to_be_visible()
    page.get_by_role("button", name="Mute channel").click()
    expect(page.get_by_role("button", name="Muted")).to_have_attribute("aria-pressed", "true")
    expect(
        page.locator("#sidebar li.muted").get_by_role("link", name=re.compile("#design"))
    ).to_be_visible()
    page.get_by_role("button", name="Leave").click()
    expect(page.get_by_role("heading", name="Channels", level=1)).to_be_visible()
    expect(sidebar_link).to_have_count(0)
    listed = {c["name"]: c for c in team.member.get("/channels").json()}
    assert listed["design"]["is_member"] is False and made["id"] == listed["design"]["id"]


def test_keyboard_shortcuts_and_their_help(team: Team, open_browser: Opener) -> None:
    topic_id = new_topic(team, "Shortcuts")
    page = open_browser(team.server, team.member)
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    page.keyboard.press("/")
    expect(page.get_by_role("searchbox", name="Search messages")).to_be_focused()
    page.locator("#main").click()
    page.keyboard.press("n")
    expect(page).to_have_url(re.compile(rf"/t/{topic_id}"))
    page.wait_for_load_state()  # the shortcuts are the page script's
    page.keyboard.press("r")
    expect(page.get_by_label("Message", exact=True)).to_be_focused()


def test_ask_for_a_reply_from_the_composer_with_a_preview_and_chips_on_both_sides(
    team: Team, open_browser: Opener
) -> None:
    topic_id = new_topic(team, "Contract review")
    author = open_browser(team.server, team.owner)
    reader = open_browser(team.server, team.member)
    for page in (author, reader):
        page.goto(f"/t/{topic_id}")
        wait_live(page)
    author.get_by_text("Ask for a reply", exact=True).click()
    author.get_by_label("From").fill("@member")
    author.get_by_label("Message", exact=True).fill("Please check clause 4 by Thursday")
    preview = author.locator("#reply-preview")
    expect(preview).to_contain_text("Member is")
    expect(preview).to_contain_text("expect a reply by")
    author.get_by_role("button", name="Send").click()
    sent = message(author, "clause 4")
    expect(sent.locator(".chip")).to_contain_text("Waiting for Member")
    seen = message(reader, "clause 4")
    expect(seen.locator(".chip")).to_contain_text("You owe Olive Owner a reply")
    [owed] = team.member.get("/expectations").json()["items"]
    assert owed["kind"] == "ask" and owed["creditor_id"] == team.owner.id
    send(reader, "Clause 4 is fine")
    expect(message(author, "clause 4").locator(".chip")).to_contain_text("Member replied")


def test_an_ask_for_someone_unknown_is_refused_and_keeps_the_text(
    team: Team, open_browser: Opener
) -> None:
    topic_id = new_topic(team, "Typos")
    page = open_browser(team.server, team.owner)
    page.goto(f"/t/{topic_id}")
    page.get_by_text("Ask for a reply", exact=True).click()
    page.get_by_label("From").fill("@nobody")
    page.get_by_label("Message", exact=True).fill("Who owns this?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#composer-error")).to_contain_text("No one here is called @nobody")
    expect(page.get_by_label("Message", exact=True)).to_have_value("Who owns this?")
    expect(page.get_by_label("From")).to_have_value("@nobody")
