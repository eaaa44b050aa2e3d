"""Migration 0012 gives every existing token a random public id, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from tests.support import database_url_for
from tidings.store.engine import normalize_url
from tidings.store.schema import alembic_config, current_revision, migrate

WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_existing_tokens_get_distinct_random_public_ids(database_kind: str, tmp_path: Path) -> None:
    with database_url_for(database_kind, tmp_path) as url:
        engine = create_engine(normalize_url(url))
        try:
            config = alembic_config(engine)
            with engine.begin() as conn:
                config.attributes["connection"] = conn
                command.upgrade(config, "0011")
                conn.execute(
                    text(
                        "INSERT INTO workspaces (id, slug, name, created_at)"
                        " VALUES (1, 'w', 'W', :t)"
                    ),
                    {"t": WHEN},
                )
                conn.execute(
                    text(
                        "INSERT INTO members (id, workspace_id, email, handle, display_name, role,"
                        " time_zone, title, is_active, created_at)"
                        " VALUES (1, 1, 'a@w.test', 'a', 'A', 'owner', 'UTC', '', true, :t)"
                    ),
                    {"t": WHEN},
                )
                for n in range(1, 4):
                    conn.execute(
                        text(
                            "INSERT INTO api_tokens (id, workspace_id, member_id, token_hash, name,"
                            " kind, created_at) VALUES (:n, 1, 1, :h, 'old', 'api', :t)"
                        ),
                        {"n": n, "h": f"{n:064d}", "t": WHEN},
                    )
            before, after = migrate(engine)
            assert before == "0011" and after == current_revision(engine)
            with engine.connect() as conn:
                ids = conn.execute(text("SELECT public_id FROM api_tokens")).scalars().all()
        finally:
            engine.dispose()
    assert len(ids) == 3 and len(set(ids)) == 3
    for public_id in ids:
        assert len(public_id) >= 16 and not public_id.isdigit()
