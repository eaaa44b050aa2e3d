"""The daily digest on a frozen clock: when it fires, when it stays quiet, exactly once
a day; and its e-mail, received by a real SMTP server and unsubscribed from."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.actions.conftest import Crew
from tests.mailbox import Inbox, smtp_server
from tests.support import LiveServer, database_url_for, make_team, server_settings
from tidings import mail
from tidings.actions import conversations, digests, messages, topics
from tidings.actions.activity import touch_activity
from tidings.config import Settings
from tidings.store.jobs import enqueue
from tidings.store.models import digest_preferences, jobs, members
from tidings.store.models import digests as digest_rows

TUESDAY = datetime(2026, 12, 8, 0, 0, tzinfo=UTC)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as found:
        yield found


def mention(crew: Crew, who: str, text: str = "Can you look at the rota") -> dict:
    general = crew.channel("general")
    body = f"{text} @{crew.actors[who].handle}?"
    title = f"Rota {crew.clock.now().isoformat()}"
    return crew.do(lambda tx: topics.create_topic(tx, crew.lena, general, title=title, body=body))


def schedule(crew: Crew, who: str) -> None:
    actor = crew.actors[who]
    crew.do(lambda tx: digests.ensure_scheduled(tx, actor.workspace_id, actor.member_id))


def sent(crew: Crew, who: str) -> list[Any]:
    return crew.read(
        lambda c: c.execute(
            select(digest_rows)
            .where(digest_rows.c.member_id == crew.actors[who].member_id)
            .order_by(digest_rows.c.id)
        ).all()
    )


def pending_digest_jobs(crew: Crew, who: str) -> list[Any]:
    return crew.read(
        lambda c: c.execute(
            select(jobs.c.dedupe_key, jobs.c.run_at).where(
                jobs.c.kind == digests.SEND,
                jobs.c.state == "pending",
                jobs.c.dedupe_key.like(f"digest:{crew.actors[who].member_id}:%"),
            )
        ).all()
    )


def test_the_digest_comes_at_the_local_time_once_then_the_next_day_is_scheduled(
    crew: Crew,
) -> None:
    schedule(crew, "ana")  # Lisbon: 17:00 local is 17:00 UTC in December
    [(key, run_at)] = pending_digest_jobs(crew, "ana")
    assert run_at == datetime(2026, 12, 7, 17, 0, tzinfo=UTC) and "2026-12-07" in key
    mention(crew, "ana")
    crew.travel_to(datetime(2026, 12, 7, 16, 59, tzinfo=UTC))
    assert sent(crew, "ana") == []
    crew.travel(timedelta(minutes=1))
    [digest] = sent(crew, "ana")
    assert digest.local_date == "2026-12-07" and digest.email_status == "no_server"
    [event] = crew.events("digest", "ana")
    assert event["counts"]["mentions"] == 1 and event["counts"]["topics"] == 1
    assert [n["kind"] for n in crew.events("notification", "ana")][-1] == "digest"
    # Running the day's job again, or scheduling it again, sends nothing more.
    again = crew.do(lambda tx: digests.send_digest(tx, crew.ana.member_id, "2026-12-07"))
    assert again == "already"
    schedule(crew, "ana")
    crew.travel(timedelta(hours=1))
    assert len(sent(crew, "ana")) == 1
    [(key, run_at)] = pending_digest_jobs(crew, "ana")
    assert run_at == datetime(2026, 12, 8, 17, 0, tzinfo=UTC) and "2026-12-08" in key


def test_nothing_new_means_nothing_sent(crew: Crew) -> None:
    schedule(crew, "marcus")
    crew.travel_to(TUESDAY + timedelta(hours=1))  # past 17:00 in Chicago
    assert sent(crew, "marcus") == []
    assert pending_digest_jobs(crew, "marcus")  # but tomorrow is still planned


def test_a_member_active_since_the_last_digest_gets_none_unless_they_opted_in(
    crew: Crew,
) -> None:
    schedule(crew, "ana")
    mention(crew, "ana")
    crew.clock.advance(timedelta(hours=1))
    crew.do(lambda tx: touch_activity(tx, crew.ana))
    crew.travel_to(datetime(2026, 12, 7, 17, 30, tzinfo=UTC))
    assert sent(crew, "ana") == []

    crew.do(lambda tx: digests.set_preferences(tx, crew.ana, send_if_active=True))
    mention(crew, "ana", "And the holiday plan")
    crew.do(lambda tx: touch_activity(tx, crew.ana))
    crew.travel_to(datetime(2026, 12, 8, 17, 30, tzinfo=UTC))
    [digest] = sent(crew, "ana")
    assert digest.local_date == "2026-12-08"


def test_changing_the_time_moves_the_pending_digest(crew: Crew) -> None:
    schedule(crew, "ana")
    crew.do(lambda tx: digests.set_preferences(tx, crew.ana, digest_time="09:30"))
    [(key, run_at)] = pending_digest_jobs(crew, "ana")
    assert run_at == datetime(2026, 12, 7, 9, 30, tzinfo=UTC) and key.endswith(":v1")
    crew.do(lambda tx: digests.set_preferences(tx, crew.ana, digest_time="17:00"))
    crew.do(lambda tx: digests.set_preferences(tx, crew.ana, digest_time="09:30"))
    [(_, run_at)] = pending_digest_jobs(crew, "ana")
    assert run_at == datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    mention(crew, "ana")
    crew.travel_to(datetime(2026, 12, 7, 18, 0, tzinfo=UTC))
    assert len(sent(crew, "ana")) == 1
    with pytest.raises(Exception, match="HH:MM"):
        crew.do(lambda tx: digests.set_preferences(tx, crew.ana, digest_time="25:00"))


def test_held_notifications_are_in_the_digest(crew: Crew) -> None:
    schedule(crew, "marcus")  # Chicago: asleep at 02:00, a DM is held until 09:00 there

    def send(tx):  # type: ignore[no-untyped-def]
        made = conversations.open_conversation(tx, crew.lena, [crew.marcus.member_id])
        return messages.send_to_conversation(tx, crew.lena, made["id"], body="Rota for Q1?")

    crew.do(send)
    crew.travel_to(TUESDAY + timedelta(hours=1))  # 17:00 Monday in Chicago
    [digest] = sent(crew, "marcus")
    assert '"notifications":1' in digest.summary and '"unread":1' in digest.summary


def test_the_email_has_both_parts_and_a_one_click_unsubscribe(
    crew: Crew, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    settings = Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    mail.attach(crew.db, settings)
    schedule(crew, "ana")
    mention(crew, "ana", "Please <review> the rota")
    crew.travel_to(datetime(2026, 12, 7, 17, 0, tzinfo=UTC))
    [message] = inbox.wait(1)
    assert message["To"] == "ana@acme.test"
    assert message.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in message.iter_parts()]
    assert kinds == ["text/plain", "text/html"]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Please <review> the rota" in text and "Please &lt;review&gt; the rota" in html
    link = re.fullmatch(r"<(.+)>", message["List-Unsubscribe"])
    assert link is not None and link[1] in text and link[1].startswith("http://127.0.0.1:8000/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    deadline = time.monotonic() + 5
    while sent(crew, "ana")[0].email_status != "sent" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sent(crew, "ana")[0].email_status == "sent"


@pytest.fixture
def mailing_server(
    database_kind: str, tmp_path: Path, smtp: tuple[Inbox, int]
) -> Iterator[tuple[LiveServer, Inbox]]:
    inbox, port = smtp
    with database_url_for(database_kind, tmp_path) as url:
        settings = server_settings(url, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
        live = LiveServer(settings).start()
        try:
            yield live, inbox
        finally:
            live.stop()


def _due_now(live: LiveServer, member_id: int, workspace_id: int, day: str) -> None:
    """A digest job due at once for ``day``, as the daily schedule would make it."""
    live.db.write(
        lambda tx: enqueue(
            tx,
            digests.SEND,
            tx.now,
            {"member_id": member_id, "workspace_id": workspace_id, "local_date": day},
            workspace_id=workspace_id,
            dedupe_key=f"digest:{member_id}:{day}:test",
        )
    )


def test_following_the_unsubscribe_link_turns_email_off(
    mailing_server: tuple[LiveServer, Inbox],
) -> None:
    live, inbox = mailing_server
    team = make_team(live)
    try:
        member = team.member
        workspace_id = _workspace_of(live, member.id)
        general = team.channel_id("general")
        made = team.owner.post(
            f"/channels/{general}/topics", json={"title": "Rota", "body": "Rota for Q1 @member?"}
        )
        assert made.status_code == 201, made.text
        _due_now(live, member.id, workspace_id, "2026-01-01")
        [message] = inbox.wait(1)
        link = re.fullmatch(r"<(.+)>", message["List-Unsubscribe"])
        assert link is not None
        path = link[1].removeprefix(live.settings.public_url)
        with httpx.Client(base_url=live.url, timeout=10) as browser:
            page = browser.get(path)
            assert page.status_code == 200 and "member@" in page.text
            assert "<form" in page.text
            # What a mail client does for RFC 8058 one-click: no cookie, no CSRF token.
            done = browser.post(path, data={"List-Unsubscribe": "One-Click"})
            assert done.status_code == 200 and "turned off" in done.text
            assert browser.get("/unsubscribe/tdu_nonsense").status_code == 404
        prefs = live.db.read(
            lambda c: c.execute(
                select(digest_preferences.c.email_enabled).where(
                    digest_preferences.c.member_id == member.id
                )
            ).scalar_one()
        )
        assert prefs is False
        team.owner.post(
            f"/channels/{general}/topics", json={"title": "Rota 2", "body": "And Q2 @member?"}
        )
        _due_now(live, member.id, workspace_id, "2026-01-02")
        deadline = time.monotonic() + 10
        while len(_statuses(live, member.id)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _statuses(live, member.id) == ["sent", "off"]
        time.sleep(0.5)
        assert len(inbox.received) == 1
    finally:
        team.close()


def _workspace_of(live: LiveServer, member_id: int) -> int:
    return int(
        live.db.read(
            lambda c: c.execute(
                select(members.c.workspace_id).where(members.c.id == member_id)
            ).scalar_one()
        )
    )


def _statuses(live: LiveServer, member_id: int) -> list[str]:
    return list(
        live.db.read(
            lambda c: c.execute(
                select(digest_rows.c.email_status)
                .where(digest_rows.c.member_id == member_id)
                .order_by(digest_rows.c.id)
            ).scalars()
        )
    )
