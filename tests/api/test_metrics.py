"""GET /metrics: Prometheus text with requests by route template, errors, writer
batches, live streams, event delivery and jobs; only for this machine or a bearer
of the metrics token."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import connect

from tests.live.test_events import new_topic, ws_url
from tests.support import LiveServer, Team, database_url_for, server_settings


def scrape(url: str, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = httpx.get(f"{url}/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return sum(
        v for (n, ls), v in found.items() if n == name and labels.items() <= dict(ls).items()
    )


def test_requests_are_counted_by_route_template_with_batches_streams_and_jobs(
    team: Team,
) -> None:
    url = team.server.url
    route = "/api/v1/channels/{channel_id}/topics"
    before = scrape(url)
    general = team.channel_id("general")
    with connect(ws_url(team, team.member)) as ws:
        time.sleep(0.2)
        for i in range(3):
            new_topic(team.owner, general, f"counted {i}")
        assert team.owner.get("/topics/999999999").status_code == 404
        ws.recv(timeout=5)
        during = scrape(url)
    open_during = value(during, "tidings_live_streams")
    assert open_during >= 1
    for _ in range(100):  # the server notices the close a moment later (bounded)
        if value(scrape(url), "tidings_live_streams") < open_during:
            break
        time.sleep(0.02)
    else:
        pytest.fail("the closed stream is still counted")
    made = value(during, "tidings_http_requests_total", route=route, status="201")
    assert made - value(before, "tidings_http_requests_total", route=route, status="201") == 3
    assert (
        value(
            during, "tidings_http_requests_total", route="/api/v1/topics/{topic_id}", status="404"
        )
        >= 1
    )
    assert not any("999999999" in dict(labels).get("route", "") for _, labels in during)
    assert value(during, "tidings_http_request_seconds_count", route=route) >= 3
    assert value(during, "tidings_writer_batch_size_count") > value(
        before, "tidings_writer_batch_size_count"
    )
    assert value(during, "tidings_event_delivery_seconds_count") >= 3
    assert ("tidings_jobs_due", ()) in during and ("tidings_jobs_late", ()) in during


@pytest.fixture
def guarded(database_kind: str, tmp_path: Path) -> Iterator[LiveServer]:
    with database_url_for(database_kind, tmp_path) as url:
        live = LiveServer(server_settings(url, metrics_token="scrape-me")).start()
        try:
            yield live
        finally:
            live.stop()


def test_with_a_metrics_token_only_its_bearer_may_scrape(guarded: LiveServer) -> None:
    assert httpx.get(f"{guarded.url}/metrics").status_code == 404
    wrong = httpx.get(f"{guarded.url}/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 404
    assert "tidings_http_requests_total" in str(
        scrape(guarded.url, Authorization="Bearer scrape-me")
    )


def test_a_client_elsewhere_may_not_scrape_without_the_token(server: LiveServer) -> None:
    forwarded = httpx.get(f"{server.url}/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert forwarded.status_code == 404  # as from a proxy on this machine, for someone else
    assert "tidings_http_requests_total" not in forwarded.text
