"""Settings: defaults, TIDINGS_* variables, *_FILE secrets and flags taking precedence."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tidings.config import DEFAULT_DATABASE_URL, MAX_WORKERS, load_settings, usable_cores


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TIDINGS_DATABASE_URL", "TIDINGS_DATABASE_URL_FILE", "TIDINGS_PORT"):
        monkeypatch.delenv(name, raising=False)


def test_database_defaults_to_a_sqlite_file_under_tidings_data() -> None:
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.database_url.startswith("sqlite:///./tidings-data/")
    assert settings.is_sqlite


def test_environment_variables_set_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_PORT", "9001")
    monkeypatch.setenv("TIDINGS_DATABASE_URL", "postgresql://app@db/tidings")
    settings = load_settings()
    assert settings.port == 9001
    assert not settings.is_sqlite


def test_flags_take_precedence_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_PORT", "9001")
    assert load_settings(port=9002).port == 9002
    assert load_settings(port=None).port == 9001


def test_secret_may_come_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "database_url"
    secret.write_text("postgresql://app:s3cret@db/tidings\n")
    monkeypatch.setenv("TIDINGS_DATABASE_URL_FILE", str(secret))
    assert load_settings().database_url == "postgresql://app:s3cret@db/tidings"


def test_a_direct_variable_wins_over_its_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = tmp_path / "database_url"
    secret.write_text("postgresql://from-file/x")
    monkeypatch.setenv("TIDINGS_DATABASE_URL_FILE", str(secret))
    monkeypatch.setenv("TIDINGS_DATABASE_URL", "postgresql://from-env/x")
    assert load_settings().database_url == "postgresql://from-env/x"


@pytest.mark.parametrize(
    ("name", "value"),
    [("TIDINGS_PORT", "70000"), ("TIDINGS_PORT", "eighty"), ("TIDINGS_DATABASE_URL", "mysql://x")],
)
def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        load_settings()


def test_serve_runs_one_process_per_usable_core_unless_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TIDINGS_WORKERS", raising=False)
    monkeypatch.setenv("TIDINGS_DATABASE_URL", "sqlite:////var/lib/tidings/tidings.db")
    assert load_settings().server_processes == min(usable_cores(), MAX_WORKERS)
    assert load_settings(workers=3).server_processes == 3
    monkeypatch.setenv("TIDINGS_DATABASE_URL", "postgresql://app@db/tidings")
    assert load_settings().server_processes == min(usable_cores(), MAX_WORKERS)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_is_served_by_one_process(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.delenv("TIDINGS_WORKERS", raising=False)
    settings = load_settings(database_url=url)
    assert settings.in_memory and settings.server_processes == 1
