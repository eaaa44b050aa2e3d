"""The demo workspace "Acme" (filled in below)."""

from __future__ import annotations

from tidings.store.database import Database

DEMO_PASSWORD = "tidings-demo"


def seed_demo(db: Database) -> list[tuple[str, str, str]]:
    return []
