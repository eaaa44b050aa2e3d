"""Working hours, holidays, status and absences over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support import Team


def test_defaults_are_weekday_office_hours_and_a_one_day_dm_window(team: Team) -> None:
    mine = team.member.get("/users/me/availability").json()
    assert mine["working_hours"]["mon"] == [["09:00", "17:00"]]
    assert mine["working_hours"]["sat"] == []
    assert mine["dm_reply_minutes"] == 480
    assert mine["status"]["state"] == "available"
    assert mine["time_zone"] == "Europe/Lisbon"
    assert isinstance(mine["working_now"], bool)
    assert (mine["next_working_start"] is None) == mine["working_now"]


def test_set_hours_holidays_and_window_and_others_see_them(team: Team) -> None:
    answer = team.member.put(
        "/users/me/hours",
        json={
            "working_hours": {
                "mon": [["08:00", "12:00"], ["13:00", "16:00"]],
                "sun": [["10:00", "12:00"]],
            },
            "office_hours": {"tue": [["15:00", "16:00"]]},
            "holidays": ["2026-12-25", "2026-12-24", "2026-12-25"],
            "dm_reply_minutes": 240,
        },
    )
    assert answer.status_code == 200, answer.text
    seen = team.owner.get(f"/users/{team.member.id}/availability").json()
    assert seen["working_hours"]["mon"] == [["08:00", "12:00"], ["13:00", "16:00"]]
    assert seen["working_hours"]["tue"] == []
    assert seen["office_hours"]["tue"] == [["15:00", "16:00"]]
    assert seen["holidays"] == ["2026-12-24", "2026-12-25"]
    assert seen["dm_reply_minutes"] == 240


def test_bad_hours_are_refused_with_the_reason(team: Team) -> None:
    cases = [
        ({"working_hours": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}, "overlap"),
        ({"working_hours": {"mon": [["17:00", "09:00"]]}}, "before"),
        ({"working_hours": {"funday": [["09:00", "10:00"]]}}, "day"),
        ({"working_hours": {"mon": [["9am", "10:00"]]}}, ""),
        ({"working_hours": {}}, "at least one"),
        ({"holidays": ["2026-13-01"]}, "date"),
        ({"dm_reply_minutes": 1}, "reply window"),
    ]
    before = team.member.get("/users/me/availability").json()
    for body, words in cases:
        answer = team.member.put("/users/me/hours", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert words.lower() in answer.json()["detail"].lower(), (body, answer.json())
    assert team.member.get("/users/me/availability").json() == before


def test_focus_needs_an_end_in_the_future_and_ends_by_itself(team: Team) -> None:
    assert team.member.put("/users/me/status", json={"state": "focus"}).status_code == 422
    past = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    assert (
        team.member.put("/users/me/status", json={"state": "focus", "until": past}).status_code
        == 422
    )
    naive = team.member.put(
        "/users/me/status", json={"state": "focus", "until": "2030-01-01T10:00"}
    )
    assert naive.status_code == 422
    until = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    answer = team.member.put(
        "/users/me/status", json={"state": "focus", "until": until, "text": "Writing the plan"}
    )
    assert answer.status_code == 200, answer.text
    seen = team.owner.get(f"/users/{team.member.id}/availability").json()
    assert seen["status"]["state"] == "focus" and seen["status"]["text"] == "Writing the plan"
    assert team.member.put("/users/me/status", json={"state": "weekend"}).status_code == 422


def test_absences_are_listed_and_can_be_removed(team: Team) -> None:
    start = datetime.now(UTC) + timedelta(days=2)
    made = team.member.post(
        "/users/me/absences",
        json={
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(days=5)).isoformat(),
            "note": "Lisbon trip",
        },
    )
    assert made.status_code == 201, made.text
    [absence] = made.json()["absences"]
    assert absence["note"] == "Lisbon trip"
    inverted = team.member.post(
        "/users/me/absences",
        json={"starts_at": start.isoformat(), "ends_at": (start - timedelta(days=1)).isoformat()},
    )
    assert inverted.status_code == 422
    other = team.owner.delete(f"/users/me/absences/{absence['id']}")
    assert other.status_code == 404
    gone = team.member.delete(f"/users/me/absences/{absence['id']}")
    assert gone.status_code == 200 and gone.json()["absences"] == []


def test_availability_is_private_to_the_workspace(team: Team) -> None:
    assert team.outsider.get(f"/users/{team.member.id}/availability").status_code == 404
