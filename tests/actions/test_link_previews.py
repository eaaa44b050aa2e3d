"""Link previews through the actions and the worker, against a web server on 127.0.0.1;
their images in a blob store of their own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from tests.actions.conftest import Crew
from tests.unfurl.conftest import Site, serve
from tidings.actions import messages, topics
from tidings.actions.link_previews import PREVIEWED, UNFURL, save_previews
from tidings.config import Settings
from tidings.jobs import link_previews as link_preview_job
from tidings.queries import messages as qm
from tidings.store.blobs import LocalBlobs, attach
from tidings.store.models import events, jobs, link_previews
from tidings.unfurl import setup


@pytest.fixture
def web() -> Iterator[Site]:
    with serve() as site:
        yield site


@pytest.fixture(autouse=True)
def blobs(crew: Crew, tmp_path: Path) -> LocalBlobs:
    store = LocalBlobs(tmp_path / "blobs")
    attach(crew.db.write_engine, store)
    return store


def kept(store: LocalBlobs) -> list[Path]:
    return [p for p in store.root.rglob("*") if p.is_file()]


def previews_on(crew: Crew, **settings: Any) -> None:
    values = {
        "link_previews": True,
        "link_preview_allow_loopback": True,
        "link_preview_timeout_seconds": 2.0,
        **settings,
    }
    setup.attach(crew.db, Settings(**values))


def post(crew: Crew, who: str, body: str, **fields: Any) -> dict[str, Any]:
    made = crew.do(
        lambda tx: topics.create_topic(
            tx, crew.actors[who], crew.channel("general"), title="Links", body=body, **fields
        )
    )
    return dict(made["first_message"])


def seen_by(crew: Crew, who: str, message_id: int) -> dict[str, Any]:
    return dict(crew.read(lambda c: qm.get_message(c, crew.actors[who], message_id)))


def unfurl_jobs(crew: Crew) -> list[Any]:
    return list(
        crew.read(
            lambda c: c.execute(
                select(jobs.c.payload, jobs.c.state).where(jobs.c.kind == UNFURL)
            ).all()
        )
    )


def stored(crew: Crew) -> list[Any]:
    return list(crew.read(lambda c: c.execute(select(link_previews)).all()))


def test_a_message_with_links_gets_their_previews_from_a_job(crew: Crew, web: Site) -> None:
    previews_on(crew)
    sent = post(crew, "lena", f"Budget: {web.url}/article and <{web.url}/head-only>, ok?")
    assert sent["previews"] == []
    [(payload, state)] = unfurl_jobs(crew)  # queued with the message, in its transaction
    assert state == "pending" and f"{web.url}/article" in payload
    assert crew.worker.run_due() == 1
    shown = seen_by(crew, "ana", sent["id"])["previews"]
    assert shown == [
        {
            "url": f"{web.url}/article",
            "title": "Q3 budget & plan",
            "description": "What we spend, and why .",
            "site_name": "Acme Docs",
            "image_url": f"/api/v1/messages/{sent['id']}/previews/0/image",
            "image_width": 480,
            "image_height": 320,
        },
        {
            "url": f"{web.url}/head-only",
            "title": "Just a title",
            "description": "",
            "site_name": "127.0.0.1",
            "image_url": None,
            "image_width": None,
            "image_height": None,
        },
    ]
    [event] = crew.events(PREVIEWED)
    assert event["id"] == sent["id"] and event["previews"] == shown
    listed = crew.read(lambda c: qm.topic_messages(c, crew.ana, sent["topic_id"]))
    assert listed["items"][0]["previews"] == shown


def test_previews_are_off_by_default(crew: Crew, web: Site) -> None:
    post(crew, "lena", f"See {web.url}/article")
    assert unfurl_jobs(crew) == []
    crew.worker.run_due()
    assert web.requests == []


def test_at_most_the_configured_number_of_links_is_fetched(crew: Crew, web: Site) -> None:
    previews_on(crew, link_preview_max_links=2)
    links = " ".join(f"{web.url}/article?n={n}" for n in range(5))
    post(crew, "lena", f"Many: {links}")
    crew.worker.run_due()
    assert len(web.pages()) == 2 and len(stored(crew)) == 2


def test_a_link_to_a_private_address_is_never_fetched(crew: Crew, web: Site) -> None:
    previews_on(crew, link_preview_allow_loopback=False)
    sent = post(crew, "lena", f"Internal: {web.url}/article")
    crew.worker.run_due()
    assert web.requests == []
    assert seen_by(crew, "lena", sent["id"])["previews"] == []
    assert [state for _, state in unfurl_jobs(crew)] == ["done"]


def test_a_page_without_a_preview_stores_nothing_and_tells_no_one(crew: Crew, web: Site) -> None:
    previews_on(crew)
    post(crew, "lena", f"A picture: {web.url}/image")
    crew.worker.run_due()
    assert stored(crew) == [] and crew.events(PREVIEWED) == []


def test_deleting_the_message_purges_its_previews_and_their_images(
    crew: Crew, web: Site, blobs: LocalBlobs
) -> None:
    previews_on(crew)
    sent = post(crew, "lena", f"See {web.url}/article")
    crew.worker.run_due()
    assert stored(crew) and len(kept(blobs)) == 1
    crew.do(lambda tx: messages.delete_message(tx, crew.lena, sent["id"]))
    assert stored(crew) == [] and kept(blobs) == []
    assert seen_by(crew, "ana", sent["id"])["previews"] == []


def test_an_image_two_messages_share_stays_until_neither_has_it(
    crew: Crew, web: Site, blobs: LocalBlobs
) -> None:
    previews_on(crew)
    first = post(crew, "lena", f"See {web.url}/article")
    also = f"Also {web.url}/pictured"
    second = crew.do(lambda tx: messages.send_to_topic(tx, crew.ana, first["topic_id"], body=also))
    crew.worker.run_due()
    assert len(stored(crew)) == 2 and len(kept(blobs)) == 1  # the same cover, stored once
    crew.do(lambda tx: messages.delete_message(tx, crew.lena, first["id"]))
    assert len(kept(blobs)) == 1
    crew.do(lambda tx: messages.delete_message(tx, crew.ana, second["id"]))
    assert kept(blobs) == []


@pytest.mark.parametrize(
    "image",
    ["/noise.png", "/noise.png?length=no", "http://10.1.2.3/a.png", "/drawing.svg", "/gone.png"],
)
def test_a_preview_whose_image_is_refused_shows_without_one(
    crew: Crew, web: Site, blobs: LocalBlobs, image: str
) -> None:
    previews_on(crew, link_preview_max_image_bytes=20_000)
    sent = post(crew, "lena", f"See {web.url}/pictured?image={image}")
    crew.worker.run_due()
    [preview] = seen_by(crew, "ana", sent["id"])["previews"]
    assert preview["title"] == "Pictured" and preview["image_url"] is None
    assert kept(blobs) == []


def test_an_image_fetched_for_a_message_deleted_meanwhile_is_let_go(
    crew: Crew, web: Site, blobs: LocalBlobs
) -> None:
    previews_on(crew)
    sent = post(crew, "lena", f"See {web.url}/article")
    job = SimpleNamespace(payload={"message_id": sent["id"], "urls": [f"{web.url}/article"]})
    prepared = link_preview_job.fetch(crew.db, job)  # type: ignore[arg-type]
    assert prepared[0]["image_sha256"] and len(kept(blobs)) == 1
    crew.do(lambda tx: messages.delete_message(tx, crew.lena, sent["id"]))
    assert crew.do(lambda tx: save_previews(tx, sent["id"], prepared)) == 0
    assert stored(crew) == [] and kept(blobs) == []


def test_a_message_deleted_before_the_fetch_gets_none(crew: Crew, web: Site) -> None:
    previews_on(crew)
    sent = post(crew, "lena", f"See {web.url}/article")
    crew.do(lambda tx: messages.delete_message(tx, crew.lena, sent["id"]))
    crew.worker.run_due()
    assert stored(crew) == [] and crew.events(PREVIEWED) == []


def test_expiry_purges_previews_from_the_table_and_the_event_log(crew: Crew, web: Site) -> None:
    previews_on(crew)
    sent = post(crew, "lena", f"Secret plan: {web.url}/article", expires_in_minutes=60)
    crew.worker.run_due()
    assert stored(crew)
    crew.travel(timedelta(minutes=60))
    assert seen_by(crew, "ana", sent["id"])["expired"]
    assert stored(crew) == []
    payloads = crew.read(
        lambda c: c.execute(select(events.c.payload).where(events.c.type == PREVIEWED)).scalars()
    )
    assert all("Q3 budget" not in payload for payload in payloads)


def test_an_edit_drops_previews_of_removed_links_and_fetches_new_ones(
    crew: Crew, web: Site, blobs: LocalBlobs
) -> None:
    previews_on(crew)
    sent = post(crew, "lena", f"See {web.url}/article")
    crew.worker.run_due()
    assert len(kept(blobs)) == 1
    crew.do(lambda tx: messages.edit_message(tx, crew.lena, sent["id"], f"Now {web.url}/head-only"))
    assert seen_by(crew, "ana", sent["id"])["previews"] == [] and kept(blobs) == []
    crew.worker.run_due()
    [preview] = seen_by(crew, "ana", sent["id"])["previews"]
    assert preview["title"] == "Just a title"
    assert web.pages() == ["/article", "/head-only"]


def test_an_edit_that_keeps_the_links_fetches_nothing_again(crew: Crew, web: Site) -> None:
    previews_on(crew)
    sent = post(crew, "lena", f"See {web.url}/article")
    crew.worker.run_due()
    crew.do(lambda tx: messages.edit_message(tx, crew.lena, sent["id"], f"Read {web.url}/article"))
    crew.worker.run_due()
    assert len(web.pages()) == 1 and len(stored(crew)) == 1
