"""Working hours, time off, status, replies owed, notifications and a channel's response
expectation in the web UI, over plain HTTP."""

from __future__ import annotations

import html
import re
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx

from tests.support import Team
from tests.web.test_pages import csrf_of, signed_in

LISBON = ZoneInfo("Europe/Lisbon")  # the member's zone in tests.support
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _post(
    client: httpx.Client, page: str, path: str, data: dict | None = None, **kw: object
) -> httpx.Response:
    """Submit a form the way a browser does: with the CSRF token of the page it is on."""
    form = {"csrf_token": csrf_of(client.get(page).text), **(data or {})}
    return client.post(path, data=form, **kw)  # type: ignore[arg-type]


def _hours_form(**fields: str) -> dict[str, str]:
    """The working-hours form as the settings page fills it in by default."""
    form = {f"{kind}_{day}": "" for kind in ("working", "office") for day in DAYS}
    form.update({f"working_{day}": "09:00-17:00" for day in DAYS[:5]})
    form.update(holidays="", dm_reply_hours="8")
    form.update(fields)
    return form


def _mine(team: Team) -> dict:
    return team.member.get("/users/me/availability").json()  # type: ignore[no-any-return]


def _iso_midnight(day: date) -> str:
    return datetime.combine(day, time(), LISBON).astimezone(UTC).isoformat().replace("+00:00", "Z")


def _today() -> date:
    return datetime.now(LISBON).date()


def _text(page: httpx.Response) -> str:
    return html.unescape(page.text)


# --- working hours --------------------------------------------------------------------


def test_working_hours_office_hours_holidays_and_reply_window_are_saved(team: Team) -> None:
    typed = _hours_form(
        working_mon="08:00-12:00, 13:00-16:00",
        working_sat="10:00 - 12:00",
        office_tue="15:00-16:00",
        holidays="2026-12-25 2026-12-24,2027-01-01",
        dm_reply_hours="1.5",
    )
    with signed_in(team.server, team.member.email) as client:
        response = _post(client, "/settings", "/settings/hours", typed)
        assert response.status_code == 303, response.text
        page = client.get(response.headers["location"])
    mine = _mine(team)
    assert mine["working_hours"]["mon"] == [["08:00", "12:00"], ["13:00", "16:00"]]
    assert mine["working_hours"]["sat"] == [["10:00", "12:00"]]
    assert mine["office_hours"]["tue"] == [["15:00", "16:00"]]
    assert mine["holidays"] == ["2026-12-24", "2026-12-25", "2027-01-01"]
    assert mine["dm_reply_minutes"] == 90
    assert "Your hours are saved" in page.text
    assert 'value="08:00-12:00, 13:00-16:00"' in page.text
    assert 'value="15:00-16:00"' in page.text and 'value="1.5"' in page.text
    assert "2026-12-24, 2026-12-25, 2027-01-01</textarea>" in page.text


def test_overlapping_hours_show_the_reason_and_keep_the_text(team: Team) -> None:
    before = _mine(team)
    typed = _hours_form(working_mon="09:00-12:00, 11:00-13:00", holidays="2026-12-24")
    with signed_in(team.server, team.member.email) as client:
        response = _post(client, "/settings", "/settings/hours", typed)
    assert response.status_code == 422
    assert re.search(r'id="hours-error" role="alert">[^<]*overlap', response.text)
    assert 'value="09:00-12:00, 11:00-13:00"' in response.text
    assert "2026-12-24</textarea>" in response.text
    assert _mine(team) == before


def test_a_bad_holiday_date_is_refused_with_the_reason(team: Team) -> None:
    typed = _hours_form(holidays="2026-12-24, 2026-13-01")
    with signed_in(team.server, team.member.email) as client:
        response = _post(client, "/settings", "/settings/hours", typed)
    assert response.status_code == 422
    assert '"2026-13-01" is not a date like 2026-12-25' in _text(response)
    assert "2026-12-24, 2026-13-01</textarea>" in response.text
    assert 'id="holidays" name="holidays" rows="2" maxlength="6000"' in response.text
    assert _mine(team)["holidays"] == []


def test_hours_that_cannot_be_read_say_which_day_and_why(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        vague = _post(client, "/settings", "/settings/hours", _hours_form(working_tue="whenever"))
        assert vague.status_code == 422
        assert 'Tuesday: write hours as a range such as 09:00-17:00, not "whenever"' in _text(vague)
        assert re.search(r'id="working-tue"[^>]*aria-invalid="true"', vague.text)
        clocks = _post(client, "/settings", "/settings/hours", _hours_form(working_mon="9am-5pm"))
        assert clocks.status_code == 422
        assert '"9am" is not a time of day such as 09:00' in _text(clocks)
        backwards = _post(
            client, "/settings", "/settings/hours", _hours_form(office_wed="17:00-09:00")
        )
        assert backwards.status_code == 422 and "ends before it starts" in _text(backwards)
        assert re.search(r'<details class="office-hours" open>', backwards.text)
        empty = _post(
            client,
            "/settings",
            "/settings/hours",
            _hours_form(**{f"working_{d}": "" for d in DAYS}),
        )
        assert empty.status_code == 422 and "at least one working interval" in empty.text


def test_the_reply_window_is_hours_within_the_allowed_range(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        short = _post(client, "/settings", "/settings/hours", _hours_form(dm_reply_hours="0.1"))
        assert short.status_code == 422 and "A reply window is 15 minutes" in short.text
        assert 'value="0.1"' in short.text
        words = _post(client, "/settings", "/settings/hours", _hours_form(dm_reply_hours="soon"))
        assert words.status_code == 422 and "Give a number of hours" in words.text
        comma = _post(client, "/settings", "/settings/hours", _hours_form(dm_reply_hours="2,5"))
        assert comma.status_code == 303
    assert _mine(team)["dm_reply_minutes"] == 150


# --- time off -------------------------------------------------------------------------


def test_time_off_is_whole_local_days_and_can_be_removed(team: Team) -> None:
    first = _today() + timedelta(days=10)
    last = first + timedelta(days=2)
    typed = {"first_day": first.isoformat(), "last_day": last.isoformat(), "note": "Summer"}
    with signed_in(team.server, team.member.email) as client:
        response = _post(client, "/settings", "/settings/absences", typed)
        assert response.status_code == 303, response.text
        [absence] = _mine(team)["absences"]
        assert absence["starts_at"] == _iso_midnight(first)
        assert absence["ends_at"] == _iso_midnight(last + timedelta(days=1))
        assert absence["note"] == "Summer"
        page = client.get("/settings")
        span = f"{first:%a %d %b %Y} to {last:%a %d %b %Y}"
        assert span in page.text and "Summer" in page.text
        assert f'aria-label="Remove time off {span}"' in page.text
        removed = _post(client, "/settings", f"/settings/absences/{absence['id']}/remove")
        assert removed.status_code == 303
        assert "That time off is removed" in client.get(removed.headers["location"]).text
    assert _mine(team)["absences"] == []


def test_time_off_that_ends_before_it_starts_is_refused_and_the_note_kept(team: Team) -> None:
    first = _today() + timedelta(days=5)
    typed = {
        "first_day": first.isoformat(),
        "last_day": (first - timedelta(days=2)).isoformat(),
        "note": "Conference in Porto",
    }
    with signed_in(team.server, team.member.email) as client:
        backwards = _post(client, "/settings", "/settings/absences", typed)
        assert backwards.status_code == 422
        assert re.search(
            r'id="absence-error" role="alert">An absence must end after', backwards.text
        )
        assert 'value="Conference in Porto"' in backwards.text
        assert f'value="{first.isoformat()}"' in backwards.text
        undated = _post(client, "/settings", "/settings/absences", {**typed, "first_day": ""})
        assert undated.status_code == 422
        assert "Give the first day as a date such as 2026-08-03" in undated.text
        past = _today() - timedelta(days=3)
        over = {"first_day": past.isoformat(), "last_day": past.isoformat(), "note": ""}
        gone = _post(client, "/settings", "/settings/absences", over)
        assert gone.status_code == 422 and "The absence is over already" in gone.text
    assert _mine(team)["absences"] == []


# --- status ---------------------------------------------------------------------------


def test_focus_for_an_hour_returns_to_the_page_and_shows_in_the_sidebar(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        page = client.get("/people")
        assert "Status: <span" in page.text and ">Available</span>" in page.text
        started = datetime.now(UTC)
        response = client.post(
            "/status",
            data={"csrf_token": csrf_of(page.text), "preset": "focus_60", "text": "Writing"},
            headers={"referer": f"{team.server.url}/people"},
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/people"
        status = _mine(team)["status"]
        assert status["state"] == "focus" and status["text"] == "Writing"
        until = datetime.fromisoformat(status["until"].replace("Z", "+00:00"))
        assert started + timedelta(minutes=59) < until < started + timedelta(minutes=61)
        shown = until.astimezone(LISBON).strftime("%H:%M")
        sidebar = client.get("/").text
        assert re.search(
            rf"Status: <span[^>]*>Focus until <time[^>]*>(\w{{3}} )?{shown}</time>", sidebar
        )


def test_focus_until_tomorrow_ends_at_the_next_working_days_start(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        response = _post(client, "/", "/status", {"preset": "focus_tomorrow", "text": ""})
        assert response.status_code == 303
    status = _mine(team)["status"]
    until = datetime.fromisoformat(status["until"].replace("Z", "+00:00")).astimezone(LISBON)
    assert status["state"] == "focus"
    assert until.date() > _today() and until.time() == time(9)


def test_out_of_office_needs_a_date_and_then_lasts_until_that_day(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        refused = _post(
            client, "/", "/status", {"preset": "out_of_office", "back_on": "", "text": "Travelling"}
        )
        assert refused.status_code == 422
        assert "Say until when you are in out of office" in refused.text
        assert (
            'id="page-status-text" name="text" maxlength="120" value="Travelling"' in refused.text
        )
        assert _mine(team)["status"]["state"] == "available"
        back_on = _today() + timedelta(days=3)
        away = _post(
            client, "/", "/status", {"preset": "out_of_office", "back_on": back_on.isoformat()}
        )
        assert away.status_code == 303
    status = _mine(team)["status"]
    assert status["state"] == "out_of_office" and status["until"] == _iso_midnight(back_on)


def test_away_and_available_and_an_unknown_choice(team: Team) -> None:
    with signed_in(team.server, team.member.email) as client:
        assert _post(client, "/", "/status", {"preset": "away"}).status_code == 303
        assert _mine(team)["status"] == {"state": "away", "until": None, "text": "", "emoji": ""}
        assert ">Away</span>" in client.get("/").text
        assert _post(client, "/", "/status", {"preset": "available"}).status_code == 303
        assert _mine(team)["status"]["state"] == "available"
        odd = _post(client, "/", "/status", {"preset": "napping"})
        assert odd.status_code == 422 and "Choose a status from the list" in odd.text


# --- replies owed ---------------------------------------------------------------------


def _direct_message(team: Team, body: str, **extra: object) -> tuple[int, int]:
    """The owner writes to the member, who then owes a reply: (conversation, message)."""
    made = team.owner.post("/conversations", json={"member_ids": [team.member.id]})
    assert made.status_code == 200, made.text
    conversation_id = made.json()["id"]
    sent = team.owner.post(
        f"/conversations/{conversation_id}/messages", json={"body": body, **extra}
    )
    assert sent.status_code == 201, sent.text
    return conversation_id, sent.json()["id"]


def _owed_ids(team: Team) -> list[int]:
    return [item["id"] for item in team.member.get("/expectations").json()["items"]]


def test_a_direct_message_is_owed_by_one_and_awaited_by_the_other(team: Team) -> None:
    conversation_id, message_id = _direct_message(team, "Can you check the invoice?")
    with signed_in(team.server, team.member.email) as client:
        page = client.get("/owed")
    assert page.status_code == 200
    owe = page.text.split('id="waiting-heading"')[0]
    assert "Olive Owner" in owe and "Can you check the invoice?" in owe
    assert f'href="/dm/{conversation_id}#m{message_id}">Direct message</a>' in owe
    assert re.search(r"due <time datetime=\"[^\"]+Z\" title=\"[^\"]+\(Europe/Lisbon\)\">", owe)
    assert 'aria-label="1 replies you owe">1</span>' in page.text
    assert "Nobody owes you a reply" in page.text
    with signed_in(team.server, team.owner.email) as client:
        owe, waiting = client.get("/owed").text.split('id="waiting-heading"')
    assert "Member" in waiting and "Can you check the invoice?" in waiting
    assert "You owe nobody a reply" in owe


def test_an_ask_in_a_topic_links_to_the_message_in_the_topic(team: Team) -> None:
    general = team.channel_id("general")
    topic = team.owner.post(
        f"/channels/{general}/topics",
        json={
            "title": "Launch plan",
            "body": "Please review",
            "asks": [{"member_id": team.member.id}],
        },
    ).json()
    with signed_in(team.server, team.member.email) as client:
        page = client.get("/owed").text
    assert f'href="/t/{topic["id"]}#m{topic["first_message"]["id"]}">Launch plan</a>' in page


def test_done_settles_what_is_owed(team: Team) -> None:
    _direct_message(team, "Lunch on Friday?")
    with signed_in(team.server, team.member.email) as client:
        [owed] = _owed_ids(team)
        response = _post(client, "/owed", f"/owed/{owed}/done")
        assert response.status_code == 303
        page = client.get(response.headers["location"]).text
    assert "Marked done." in page and "You owe nobody a reply" in page
    assert _owed_ids(team) == []
    met = team.member.get("/expectations", params={"state": "met"}).json()["items"]
    assert [e["id"] for e in met] == [owed]


def test_decline_needs_a_note_and_keeps_it_open_until_given(team: Team) -> None:
    _direct_message(team, "Can you cover my support shift?")
    [owed] = _owed_ids(team)
    with signed_in(team.server, team.member.email) as client:
        bare = _post(client, "/owed", f"/owed/{owed}/decline", {"note": "   "})
        assert bare.status_code == 422
        assert re.search(rf'id="owed-{owed}-error" role="alert">Say why you decline', bare.text)
        assert '<details class="decline" open>' in bare.text
        assert _owed_ids(team) == [owed]
        response = _post(client, "/owed", f"/owed/{owed}/decline", {"note": "I am off that day"})
        assert response.status_code == 303
    declined = team.owner.get(
        "/expectations", params={"role": "creditor", "state": "declined"}
    ).json()["items"]
    assert [(e["id"], e["note"]) for e in declined] == [(owed, "I am off that day")]


def test_only_the_one_who_owes_may_settle_it(team: Team) -> None:
    _direct_message(team, "Status of the report?")
    [owed] = _owed_ids(team)
    with signed_in(team.server, team.owner.email) as client:
        response = _post(client, "/owed", f"/owed/{owed}/done")
    assert response.status_code == 403
    assert "Only the person who owes the reply can settle it" in response.text
    assert _owed_ids(team) == [owed]


def test_a_reply_past_its_due_time_is_tagged_late(team: Team) -> None:
    deadline = datetime.now(UTC) + timedelta(seconds=2)
    general = team.channel_id("general")
    made = team.owner.post(
        f"/channels/{general}/topics",
        json={
            "title": "Quick check",
            "body": "Numbers?",
            "asks": [{"member_id": team.member.id, "deadline": deadline.isoformat()}],
        },
    )
    assert made.status_code == 201, made.text
    clock.sleep(max(0.0, (deadline - datetime.now(UTC)).total_seconds()) + 0.3)
    with signed_in(team.server, team.member.email) as client:
        page = client.get("/owed").text
    assert 'class="owed-item is-late"' in page and '<span class="tag late">late</span>' in page


# --- notifications --------------------------------------------------------------------


def test_a_message_during_focus_is_held_with_its_reason(team: Team) -> None:
    until = datetime.now(UTC) + timedelta(hours=1)
    assert (
        team.member.put(
            "/users/me/status", json={"state": "focus", "until": until.isoformat()}
        ).status_code
        == 200
    )
    _direct_message(team, "When you have a minute")
    [pending] = team.member.get("/notifications", params={"pending": "true"}).json()["items"]
    assert pending["reason"].startswith("held: Member is in focus until ")
    with signed_in(team.server, team.member.email) as client:
        page = _text(client.get("/notifications"))
    held = page.split('id="held-heading"')[1]
    assert pending["reason"] in held and "Europe/Lisbon" in held
    assert "arrives" in held
    assert "No notifications yet" in page
    assert '<script src="/static/notify.js" defer></script>' in page
    assert "Allow browser notifications" in page


def test_a_delivered_notification_links_to_its_message_and_can_be_marked_seen(
    team: Team,
) -> None:
    conversation_id, message_id = _direct_message(team, "Server is down", priority="urgent")
    [delivered] = team.member.get("/notifications").json()["items"]
    with signed_in(team.server, team.member.email) as client:
        page = client.get("/notifications")
        assert f'href="/go/message/{message_id}"' in page.text
        assert delivered["reason"] in _text(page)
        assert '<span class="tag">new</span>' in page.text
        go = client.get(f"/go/message/{message_id}")
        assert go.status_code == 303
        assert go.headers["location"] == f"/dm/{conversation_id}#m{message_id}"
        seen = _post(client, "/notifications", f"/notifications/{delivered['id']}/seen")
        assert seen.status_code == 303
        assert '<span class="tag">new</span>' not in client.get("/notifications").text
    assert team.member.get("/notifications").json()["items"][0]["seen_at"] is not None


def test_go_to_message_opens_a_topic_and_refuses_what_one_cannot_read(team: Team) -> None:
    general = team.channel_id("general")
    topic = team.owner.post(
        f"/channels/{general}/topics", json={"title": "Roadmap", "body": "Q3 themes"}
    ).json()
    message_id = topic["first_message"]["id"]
    private, _ = _direct_message(team, "Just between us")
    secret = team.owner.get(f"/conversations/{private}/messages").json()["items"][0]["id"]
    with signed_in(team.server, team.member.email) as client:
        go = client.get(f"/go/message/{message_id}")
        assert go.headers["location"] == f"/t/{topic['id']}#m{message_id}"
    with signed_in(team.server, team.admin.email) as client:
        assert client.get(f"/go/message/{secret}").status_code == 404
    with signed_in(team.server, team.outsider.email) as client:
        assert client.get(f"/go/message/{message_id}").status_code == 404


# --- the directory ----------------------------------------------------------------------


def _row(page: str, handle: str) -> str:
    [row] = [li for li in page.split("<li>") if f"@{handle}" in li]
    return row


def test_the_directory_says_who_is_working_and_who_is_away(team: Team) -> None:
    soon = datetime.now(UTC) + timedelta(hours=1)
    later = datetime.now(UTC) + timedelta(days=3)
    team.member.put(
        "/users/me/status", json={"state": "focus", "until": soon.isoformat(), "text": "Deep work"}
    )
    team.admin.put("/users/me/status", json={"state": "out_of_office", "until": later.isoformat()})
    team.guest.put("/users/me/status", json={"state": "away"})
    with signed_in(team.server, team.owner.email) as client:
        page = html.unescape(client.get("/people").text)
    focus = soon.astimezone(LISBON).strftime("%H:%M")
    assert re.search(
        rf"in focus until (\w{{3}} )?{focus} their time · Deep work", _row(page, "member")
    )
    assert "out of office until " in _row(page, "admin")
    assert re.search(r'class="presence">away<', _row(page, "guest"))
    assert re.search(r"working now|off until .+ their time", _row(page, "owner"))


def test_the_profile_shows_office_hours_and_whether_they_are_working(team: Team) -> None:
    team.member.put("/users/me/hours", json={"office_hours": {"tue": [["15:00", "16:00"]]}})
    with signed_in(team.server, team.owner.email) as client:
        page = client.get(f"/people/{team.member.id}").text
    assert "Office hours" in page
    assert re.search(
        r"<th scope=\"row\">Tuesday</th><td>09:00-17:00</td><td>15:00-16:00</td>", page
    )
    assert re.search(r'<dd class="presence( working)?">(working now|off until .+ their time)', page)


# --- a channel's response expectation -------------------------------------------------------


def _response(team: Team, channel_id: int) -> dict:
    return team.owner.get(f"/channels/{channel_id}/response").json()  # type: ignore[no-any-return]


def test_channel_response_settings_are_saved_and_shown_again(team: Team) -> None:
    general = team.channel_id("general")
    group = team.owner.post(
        "/groups", json={"handle": "support", "name": "Support", "member_ids": [team.member.id]}
    ).json()
    page = f"/c/{general}/members"
    with signed_in(team.server, team.owner.email) as client:
        form = {
            "response": "240",
            "custom_hours": "",
            "responder_id": [str(team.member.id)],
            "responder_group_id": [str(group["id"])],
            "allow_urgent": "1",
            "urgent_budget": "5",
        }
        response = _post(client, page, f"/c/{general}/response", form)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == f"{page}?saved=response"
        assert _response(team, general) == {
            "response_minutes": 240,
            "allow_urgent": True,
            "urgent_budget": 5,
            "responder_ids": [team.member.id],
            "responder_group_ids": [group["id"]],
        }
        custom = {**form, "response": "custom", "custom_hours": "6", "allow_urgent": ""}
        assert _post(client, page, f"/c/{general}/response", custom).status_code == 303
        shown = client.get(page).text
    saved = _response(team, general)
    assert (saved["response_minutes"], saved["allow_urgent"]) == (360, False)
    assert 'value="custom" checked' in shown and 'name="custom_hours"' in shown
    assert re.search(r'name="custom_hours"[^>]*value="6"', shown)
    assert f'name="responder_id" value="{team.member.id}" checked' in shown


def test_channel_response_refusals_keep_what_was_chosen(team: Team) -> None:
    general = team.channel_id("general")
    page = f"/c/{general}/members"
    with signed_in(team.server, team.owner.email) as client:
        nobody = {"response": "1440", "custom_hours": "", "urgent_budget": "7"}
        refused = _post(client, page, f"/c/{general}/response", nobody)
        assert refused.status_code == 422
        assert "Name the responders who owe new topics a first reply" in refused.text
        assert 'value="1440" checked' in refused.text
        assert re.search(r'name="urgent_budget"[^>]*value="7"', refused.text)
        vague = {**nobody, "response": "custom", "custom_hours": "soonish"}
        assert "Give a number of hours" in _post(client, page, f"/c/{general}/response", vague).text
        lavish = {"response": "none", "urgent_budget": "99"}
        over = _post(client, page, f"/c/{general}/response", lavish)
        assert over.status_code == 422 and "The urgent budget is 0 to 50 a day" in over.text
    assert _response(team, general)["response_minutes"] is None


def test_only_those_who_manage_the_channel_see_and_change_its_response(team: Team) -> None:
    general = team.channel_id("general")
    page = f"/c/{general}/members"
    with signed_in(team.server, team.member.email) as client:
        assert "Response expectation" not in client.get(page).text
        form = {"response": "240", "responder_id": [str(team.member.id)], "urgent_budget": "3"}
        refused = _post(client, page, f"/c/{general}/response", form)
    assert refused.status_code == 403
    assert _response(team, general)["response_minutes"] is None


def test_the_composer_preview_says_someone_in_focus_is_in_focus_until_its_end(
    team: Team,
) -> None:
    conversation = team.owner.post("/conversations", json={"member_ids": [team.member.id]}).json()
    until = (datetime.now(UTC) + timedelta(hours=2)).replace(second=0, microsecond=0)
    team.member.put("/users/me/status", json={"state": "focus", "until": until.isoformat()})
    with signed_in(team.server, team.owner.email) as client:
        page = f"/dm/{conversation['id']}"
        form = {"place": f"dm:{conversation['id']}", "body": "Can you review?"}
        preview = html.unescape(_post(client, page, "/parts/compose-preview", form).text)
    owner_clock = until.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M")
    assert re.search(rf"Member is in focus until (\w{{3}} )?{owner_clock} your time", preview)
    assert "Member is off" not in preview
