"""The one validated settings object, loaded at start-up.

Every field is a ``TIDINGS_<NAME>`` environment variable, and the ones an
operator changes per run (host, port, demo, database URL) are also ``tidings
serve`` flags; secret fields may also come from ``TIDINGS_<NAME>_FILE``. The
settings reference in ``docs/settings.md`` is generated from this class.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./tidings-data/tidings.db"
SECRET_FIELDS = ("database_url", "redis_url", "smtp_password")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIDINGS_", extra="ignore")

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite:///path or postgresql://user@host/db",
    )
    host: str = Field("127.0.0.1", description="Interface to listen on")
    port: int = Field(8000, ge=0, le=65535, description="TCP port to listen on")
    base_url: str | None = Field(
        None, description="Public URL used in invitation links (default http://host:port)"
    )
    demo: bool = Field(False, description="Seed the demo workspace 'Acme' on start")
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Application log level"
    )
    access_log: bool = Field(True, description="Write one access-log line per request")
    run_jobs: bool = Field(
        True,
        description="Run due jobs (reminders, scheduled work) inside `tidings serve`; "
        "turn off when `tidings worker` processes run them instead",
    )
    job_lease_seconds: int = Field(
        300,
        ge=1,
        description="Seconds a worker holds a claimed job; a job whose worker died "
        "is run again once its lease runs out",
    )
    max_message_length: int = Field(
        20_000, ge=100, description="Longest message body, in characters"
    )
    max_request_bytes: int = Field(
        1_048_576, ge=1024, description="Largest accepted request body, in bytes"
    )
    rate_limit_per_minute: int = Field(
        1200, ge=0, description="Requests per minute per token (0 disables)"
    )
    rate_limit_burst: int = Field(200, ge=1, description="Requests a token may burst")
    login_token_days: int = Field(30, ge=1, description="Lifetime of tokens from login")
    invitation_hours: int = Field(168, ge=1, description="Lifetime of invitation links")
    event_retention_days: int = Field(
        14, ge=1, description="Days of the event log kept for clients to resume from"
    )
    heartbeat_seconds: float = Field(
        20.0, gt=0, description="Seconds between heartbeats on idle event streams"
    )
    writer_batch_max: int = Field(
        128, ge=1, le=10_000, description="Most write actions committed in one transaction"
    )
    sqlite_synchronous: Literal["full", "normal"] = Field(
        "full", description="SQLite fsync policy: full survives power loss, normal is faster"
    )
    sqlite_busy_timeout_ms: int = Field(
        10_000,
        ge=0,
        le=600_000,
        description="Milliseconds a SQLite write waits for a lock held by another process "
        "before it is refused with 503 storage_unavailable",
    )
    keep_alive_seconds: float = Field(
        5.0, gt=0, description="Seconds an idle keep-alive connection stays open"
    )
    header_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="Seconds a client has to send a request's line and headers; "
        "a connection still sending them then is closed (slow-loris guard)",
    )
    max_header_bytes: int = Field(
        65_536,
        ge=1024,
        description="Largest request line plus headers, in bytes; more closes the connection",
    )
    max_connections: int = Field(
        2048,
        ge=1,
        description="Cap on open connections (event streams included) and requests in "
        "progress; a request arriving when the cap is reached, counting its own "
        "connection, gets 503",
    )
    redis_url: str | None = Field(
        None, description="Redis URL for cross-node wake-ups (several app nodes)"
    )
    smtp_host: str | None = Field(
        None, description="SMTP server for the daily digest e-mails (unset: no e-mail)"
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP server port")
    smtp_username: str | None = Field(None, description="SMTP user name, if it needs one")
    smtp_password: str | None = Field(None, description="SMTP password, if it needs one")
    smtp_starttls: bool = Field(
        True, description="Upgrade the SMTP connection with STARTTLS before sending"
    )
    mail_from: str = Field(
        "Tidings <tidings@localhost>", description="Sender address of Tidings e-mails"
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            raise ValueError("database_url must start with sqlite: or postgresql:")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:")

    @property
    def public_url(self) -> str:
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")


def _secrets_from_files(environ: dict[str, str]) -> dict[str, Any]:
    """Read ``TIDINGS_<NAME>_FILE`` for secret fields (Docker/systemd secrets)."""
    values: dict[str, Any] = {}
    for name in SECRET_FIELDS:
        path = environ.get(f"TIDINGS_{name.upper()}_FILE")
        if path and f"TIDINGS_{name.upper()}" not in environ:
            values[name] = Path(path).read_text().strip()
    return values


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with explicit flag values taking precedence."""
    given = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**{**_secrets_from_files(dict(os.environ)), **given})
