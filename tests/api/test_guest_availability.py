"""Guests see that a colleague is away and until when, never the note they left:
not over the API, not on the people pages, not in live events."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from websockets.sync.client import connect

from tests.live.test_events import drain, ws_url
from tests.support import Team
from tests.web.test_pages import signed_in

NOTE = "Surgery at Santa Maria"
STATUS_TEXT = "Recovering from surgery"


def _away(team: Team) -> dict:
    start = datetime.now(UTC) + timedelta(days=2)
    made = team.member.post(
        "/users/me/absences",
        json={
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(days=5)).isoformat(),
            "note": NOTE,
        },
    )
    assert made.status_code == 201, made.text
    until = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    status = team.member.put(
        "/users/me/status", json={"state": "away", "until": until.isoformat(), "text": STATUS_TEXT}
    )
    assert status.status_code == 200, status.text
    return dict(status.json())


def test_a_guest_sees_absences_and_status_without_their_notes(team: Team) -> None:
    _away(team)
    path = f"/users/{team.member.id}/availability"
    seen = team.guest.get(path).json()
    [absence] = seen["absences"]
    assert absence["note"] == "" and absence["ends_at"]
    assert seen["status"]["state"] == "away" and seen["status"]["until"]
    assert seen["status"]["text"] == ""
    assert NOTE not in team.guest.get(path).text and STATUS_TEXT not in team.guest.get(path).text
    # Colleagues and the member themselves still read the notes.
    for person in (team.owner, team.admin, team.member):
        full = person.get(path).json()
        assert full["absences"][0]["note"] == NOTE and full["status"]["text"] == STATUS_TEXT
    assert team.outsider.get(path).status_code == 404


def test_the_people_pages_show_a_guest_no_notes(team: Team) -> None:
    _away(team)
    with signed_in(team.server, team.guest.email) as client:
        for path in ("/people", f"/people/{team.member.id}"):
            page = client.get(path)
            assert page.status_code == 200, path
            assert NOTE not in page.text and STATUS_TEXT not in page.text, path
        assert "Out of office from" in client.get(f"/people/{team.member.id}").text
    with signed_in(team.server, team.owner.email) as client:
        assert NOTE in client.get(f"/people/{team.member.id}").text


def test_live_availability_events_reach_guests_without_notes(team: Team) -> None:
    with (
        connect(ws_url(team, team.guest)) as guest_ws,
        connect(ws_url(team, team.admin)) as admin_ws,
        connect(ws_url(team, team.member)) as member_ws,
    ):
        time.sleep(0.2)
        _away(team)
        for_guest = [e for e in drain(guest_ws) if e["type"] == "member.availability"]
        for_admin = [e for e in drain(admin_ws) if e["type"] == "member.availability"]
        for_member = [e for e in drain(member_ws) if e["type"] == "member.availability"]
    assert len(for_guest) == 2  # the absence, then the status
    for event in for_guest:
        assert NOTE not in str(event) and STATUS_TEXT not in str(event), event
    assert for_guest[-1]["data"]["status"]["state"] == "away"
    assert len(for_admin) == 2 and for_admin[-1]["data"]["absences"][0]["note"] == NOTE
    assert for_member[-1]["data"]["status"]["text"] == STATUS_TEXT
