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
from sqlalchemy.engine import make_url

from tidings.cores import MAX_WORKERS, usable_cores

DEFAULT_DATABASE_URL = "sqlite:///./tidings-data/tidings.db"
SECRET_FIELDS = (
    "database_url",
    "redis_url",
    "smtp_password",
    "s3_secret_access_key",
    "file_url_secret",
    "metrics_token",
)
MIB = 1024 * 1024


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
        1200,
        ge=0,
        description="Requests per minute per token (0 disables); with redis_url, counted "
        "over all nodes in any sliding minute",
    )
    rate_limit_burst: int = Field(
        200, ge=1, description="Requests a token may burst (one node; unused with redis_url)"
    )
    password_hash_threads: int = Field(
        2,
        ge=1,
        le=64,
        description="Passwords hashed or checked at once, in threads of their own "
        "(never in the writer); more sign-ins than this wait their turn",
    )
    login_pair_failures: int = Field(
        5,
        ge=1,
        description="Failed sign-ins for one e-mail from one address before each "
        "further try must wait (1 s, doubling)",
    )
    login_account_failures: int = Field(
        20,
        ge=1,
        description="Failed sign-ins for one e-mail from anywhere before new addresses "
        "must wait (addresses it signed in from before are spared)",
    )
    login_address_failures: int = Field(
        30,
        ge=1,
        description="Failed sign-ins from one client address, for any e-mail, before "
        "its further tries must wait",
    )
    login_global_failures: int = Field(
        1000,
        ge=1,
        description="Failed sign-ins on this node, for any e-mail, before tries from "
        "unfamiliar (e-mail, address) pairs must wait",
    )
    login_max_wait_seconds: int = Field(
        900, ge=1, description="Longest wait after repeated failed sign-ins"
    )
    login_account_max_wait_seconds: int = Field(
        300,
        ge=1,
        description="Longest wait the per-e-mail rule imposes, so an attacker cannot "
        "keep the owner out for longer than this",
    )
    login_forget_minutes: int = Field(
        60, ge=1, description="Minutes without a failure after which failures are forgotten"
    )
    login_token_days: int = Field(30, ge=1, description="Lifetime of tokens from login")
    invitation_hours: int = Field(168, ge=1, description="Lifetime of invitation links")
    event_retention_days: int = Field(
        14, ge=1, description="Days of the event log kept for clients to resume from"
    )
    heartbeat_seconds: float = Field(
        20.0, gt=0, description="Seconds between heartbeats on idle event streams"
    )
    stream_backlog_limit: int = Field(
        500,
        ge=1,
        description="Events queued for a live stream whose client has stopped reading "
        "before the stream is closed (code 1013) for the client to resume with since",
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
        description="Milliseconds a SQLite write waits for a lock held by another "
        "program before it is refused with 503 storage_unavailable (the processes of "
        "Tidings take turns and wait for each other)",
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
        None,
        description="Redis URL shared by several nodes: commits wake every node's live "
        "streams, revoked sign-ins end everywhere, sign-in limits are counted together "
        "(unset on PostgreSQL: LISTEN/NOTIFY wakes the nodes, limits stay per node)",
    )
    workers: int | None = Field(
        None,
        ge=1,
        le=MAX_WORKERS,
        description="Server processes sharing the listening port (tidings serve "
        "--workers); each serves HTTP and live streams, the first also runs jobs "
        f"(unset: one per core this process may use, at most {MAX_WORKERS}; one on an "
        "in-memory SQLite database, which lives inside one process)",
    )
    wakeup_dir: Path | None = Field(
        None,
        description="Folder of the local sockets by which the processes using one "
        "SQLite file (serve, its --workers, operator commands) wake each other "
        "(default: one in the temporary directory named after the file; leave unset)",
    )
    metrics_token: str | None = Field(
        None,
        description="Bearer token that may read GET /metrics (unset: only clients on "
        "this machine may)",
    )
    live_poll_seconds: float = Field(
        2.0,
        gt=0,
        le=3600,
        description="How often live streams also look at the event log for writes "
        "whose wake-up was lost (or, on SQLite without Redis, made by another process)",
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

    transcription_engine: Literal["pocketsphinx", "faster-whisper", "off"] = Field(
        "pocketsphinx",
        description="Speech-to-text engine for voice notes and clips: pocketsphinx (bundled "
        "English model, rough), faster-whisper (needs a model directory), or off",
    )
    transcription_model_dir: Path | None = Field(
        None,
        description="Directory of a local CTranslate2 Whisper model for faster-whisper; "
        "nothing is ever downloaded",
    )
    link_previews: bool = Field(
        False, description="Fetch a title and description for web links in messages"
    )
    link_preview_max_links: int = Field(
        3, ge=1, le=10, description="Most links previewed in one message"
    )
    link_preview_timeout_seconds: float = Field(
        5.0, gt=0, le=60, description="Connect and read timeout of each link preview fetch"
    )
    link_preview_max_bytes: int = Field(
        524_288, ge=1024, description="Most bytes of a page read for its preview"
    )
    link_preview_max_image_bytes: int = Field(
        5 * 1024 * 1024,
        ge=0,
        description="Largest page image fetched for a preview (kept as a small thumbnail); "
        "0: previews without images",
    )
    link_preview_allow_domains: str = Field(
        "",
        description="Comma-separated domains whose links are previewed (and their "
        "subdomains); empty: any public site",
    )
    link_preview_deny_domains: str = Field(
        "", description="Comma-separated domains (and subdomains) never previewed"
    )
    link_preview_allow_loopback: bool = Field(
        False,
        description="Also fetch previews from loopback addresses (127.0.0.0/8, ::1): for "
        "tests only, never in production; private networks stay refused",
    )
    storage_dir: str | None = Field(
        None,
        description="Directory for uploaded files and upload staging (default: files/ "
        "beside the SQLite database, else ./tidings-data/files)",
    )
    storage_backend: Literal["local", "s3"] = Field(
        "local", description="Where file bytes live: the storage directory, or an S3 bucket"
    )
    s3_endpoint_url: str | None = Field(
        None, description="S3-compatible endpoint URL (unset: AWS's own endpoints)"
    )
    s3_bucket: str | None = Field(None, description="S3 bucket for file bytes")
    s3_region: str = Field("us-east-1", description="S3 region")
    s3_prefix: str = Field("", description="Key prefix for file bytes in the S3 bucket")
    s3_access_key_id: str | None = Field(None, description="S3 access key id")
    s3_secret_access_key: str | None = Field(None, description="S3 secret access key")
    max_file_bytes: int = Field(
        100 * MIB, ge=1, description="Largest file one upload may hold, in bytes"
    )
    workspace_quota_bytes: int = Field(
        10 * 1024 * MIB,
        ge=0,
        description="Bytes of files a workspace may hold, uploads in progress included "
        "(0 disables)",
    )
    upload_chunk_bytes: int = Field(
        16 * MIB, ge=1024, description="Largest chunk one upload request may carry, in bytes"
    )
    upload_session_hours: int = Field(
        24, ge=1, description="Hours an upload (finished or not) waits to be attached"
    )
    file_url_secret: str | None = Field(
        None,
        description="Key that signs short-lived file links (unset: one is made and kept "
        "in the database)",
    )
    file_url_seconds: int = Field(
        600, ge=10, description="Lifetime of a signed file link, in seconds"
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
    def in_memory(self) -> bool:
        """A SQLite database that lives inside one process (and is lost with it)."""
        if not self.is_sqlite:
            return False
        database = make_url(self.database_url).database
        return not database or database == ":memory:" or "mode=memory" in self.database_url

    @property
    def server_processes(self) -> int:
        """How many processes ``tidings serve`` runs: ``workers``, or one per usable core."""
        if self.workers is not None:
            return self.workers
        return 1 if self.in_memory else min(usable_cores(), MAX_WORKERS)

    @property
    def files_dir(self) -> Path:
        if self.storage_dir:
            return Path(self.storage_dir)
        if self.is_sqlite:
            database = self.database_url.split("///", 1)[-1]
            if database and database != ":memory:":
                return Path(database).parent / "files"
        return Path("tidings-data") / "files"

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
