"""Fixtures for the terminal client's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.terminal import Cli, make_cli


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return make_cli(tmp_path)
