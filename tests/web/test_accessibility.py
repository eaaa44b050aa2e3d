"""axe-core finds no serious or critical accessibility problem on the main pages,
in the light and the dark colour scheme."""

from __future__ import annotations

import pytest

from tests.support import Team
from tests.web.conftest import Opener, serious_violations


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_main_pages_have_no_serious_accessibility_violations(
    team: Team, open_browser: Opener, scheme: str
) -> None:
    general = team.channel_id("general")
    topic = team.owner.post(
        f"/channels/{general}/topics",
        json={"title": "Accessibility", "body": "Check **contrast** and labels, @member"},
    ).json()
    team.member.put(f"/messages/{topic['first_message']['id']}/reactions/👍")
    page = open_browser(team.server, team.admin, color_scheme=scheme)
    pages = [
        "/",
        f"/c/{general}",
        f"/t/{topic['id']}",
        "/search?q=contrast",
        "/channels",
        "/dm",
        "/people",
        "/groups",
        "/settings",
        "/admin",
        "/admin/channels",
    ]
    found = {}
    for path in pages:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        violations = serious_violations(page)
        if violations:
            found[path] = violations
    assert not found, found
