"""Apply migrations: on start and with ``tidings migrate``."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def migrate(engine: Engine) -> tuple[str | None, str | None]:
    """Upgrade to the newest revision; returns (before, after)."""
    before = current_revision(engine)
    config = alembic_config(engine)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Nodes starting together must not race to create the same tables.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7151001)")
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    after = current_revision(engine)
    if before != after:
        log.info("migrated database from %s to %s", before, after)
    return before, after
