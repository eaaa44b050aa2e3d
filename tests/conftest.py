"""Shared fixtures: every test using ``server`` runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2.profiles import CHEAPEST

from tests.support import LiveServer, Team, database_url_for, make_team, server_settings
from tidings.core.credentials import use_hash_parameters

# Real argon2id, at its cheapest cost: hashing strength is not what the suite tests.
use_hash_parameters(CHEAPEST)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def server(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp: Path = tmp_path_factory.mktemp(f"server-{database_kind}")
    with database_url_for(database_kind, tmp) as url:
        live = LiveServer(server_settings(url)).start()
        try:
            yield live
        finally:
            live.stop()


@pytest.fixture
def team(server: LiveServer) -> Iterator[Team]:
    made = make_team(server)
    try:
        yield made
    finally:
        made.close()
