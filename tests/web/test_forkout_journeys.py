"""Forkouts in the browser: send to several people, watch the replies tick in."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.support import Team
from tests.web.conftest import Opener, serious_violations


def test_send_a_forkout_and_watch_replies_tick_in(team: Team, open_browser: Opener) -> None:
    author = open_browser(team.server, team.owner)
    author.goto("/forkouts")
    author.get_by_role("checkbox", name=re.compile(r"@member\b")).check()
    author.get_by_role("checkbox", name=re.compile(r"@admin\b")).check()
    author.get_by_label("Message", exact=True).fill("Which week suits you for the offsite?")
    author.get_by_role("button", name="Send forkout").click()
    expect(author.get_by_role("heading", name="0 of 2 replied")).to_be_visible()
    assert serious_violations(author) == []

    reader = open_browser(team.server, team.member)
    dm = reader.get_by_role("navigation").get_by_role("link", name=re.compile("Olive Owner"))
    dm.click()
    expect(reader.locator("article.message").filter(has_text="offsite")).to_be_visible()
    reader.get_by_label("Message", exact=True).fill("Week 19, please")
    reader.get_by_role("button", name="Send").click()

    expect(author.get_by_role("heading", name="1 of 2 replied")).to_be_visible()
    row = author.locator("tr", has_text="Member")
    expect(row.get_by_role("link", name="Replied")).to_be_visible()
    author.get_by_label("One reminder to those who have not replied").fill("By Friday, please")
    author.get_by_role("button", name="Send follow-up").click()
    expect(author.get_by_text(re.compile("Followed up"))).to_be_visible()
    admin_dm = [
        c for c in team.admin.get("/conversations").json() if team.owner.id in c["member_ids"]
    ]
    bodies = [
        m["body"]
        for m in team.admin.get(f"/conversations/{admin_dm[0]['id']}/messages").json()["items"]
    ]
    assert bodies == ["Which week suits you for the offsite?", "By Friday, please"]
