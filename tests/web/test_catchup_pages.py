"""Catch-up, the Inbox's "while you were away" banner, and the digest settings form,
over HTTP and in Chromium."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select, update

from tests.support import Team
from tests.web.conftest import Opener, serious_violations
from tests.web.test_pages import csrf_of, signed_in
from tidings.store.models import digest_preferences, member_activity


def _mention(team: Team) -> dict:
    general = team.channel_id("general")
    return team.owner.post(
        f"/channels/{general}/topics",
        json={"title": "Rota", "body": "We will go with Friday, ok @member?"},
    ).json()


def _away_for_hours(team: Team, hours: int) -> None:
    """As if the member's previous visit ended ``hours`` before this one began."""

    def rewrite(tx):  # type: ignore[no-untyped-def]
        row = tx.conn.execute(
            select(member_activity).where(member_activity.c.member_id == team.member.id)
        ).one()
        tx.conn.execute(
            update(member_activity)
            .where(member_activity.c.member_id == team.member.id)
            .values(away_since=row.visit_started_at - timedelta(hours=hours))
        )

    team.server.db.write(rewrite)


def test_the_catchup_page_and_the_banner_after_an_absence(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        assert "While you were away" not in client.get("/").text
        _mention(team)
        _away_for_hours(team, 9)
        inbox = client.get("/").text
        assert "While you were away: 0 replies owed, 0 asks, 1 active topic." in inbox
        assert 'href="/catchup"' in inbox
        page = client.get("/catchup")
        assert page.status_code == 200
        assert "We will go with Friday" in page.text and "decided" in page.text
        assert client.get("/catchup", params={"since": "yesterday"}).status_code == 422


def test_a_short_absence_shows_no_banner(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        client.get("/")
        _mention(team)
        _away_for_hours(team, 2)
        assert "While you were away" not in client.get("/").text


def test_the_digest_settings_form_saves_and_refuses_a_bad_time(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        page = client.get("/settings")
        assert 'id="digest-form"' in page.text and 'value="17:00"' in page.text
        token = csrf_of(page.text)
        bad = client.post("/settings/digest", data={"csrf_token": token, "digest_time": "7pm"})
        assert bad.status_code == 422 and "HH:MM" in bad.text and 'value="7pm"' in bad.text
        saved = client.post(
            "/settings/digest",
            data={"csrf_token": token, "digest_time": "08:30", "send_if_active": "1"},
        )
        assert saved.status_code == 303
    row = team.server.db.read(
        lambda c: c.execute(
            select(digest_preferences).where(digest_preferences.c.member_id == team.member.id)
        ).one()
    )
    assert (row.digest_time, row.email_enabled, row.send_if_active) == ("08:30", False, True)


def test_catchup_in_the_browser_with_no_serious_accessibility_violations(
    team: Team, open_browser: Opener
) -> None:
    _mention(team)
    page = open_browser(team.server, team.member)
    _away_for_hours(team, 12)
    page.goto("/")
    banner = page.get_by_role("status").filter(has_text="While you were away")
    expect(banner).to_contain_text("1 active topic")
    banner.get_by_role("link", name="Catch up").click()
    expect(page.get_by_role("heading", name="Catch-up", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Busiest topics you follow")).to_be_visible()
    expect(page.locator(".catchup-topic")).to_contain_text("We will go with Friday")
    page.wait_for_load_state("networkidle")
    assert serious_violations(page) == []
