"""The generated references in docs/ match the code, so they cannot drift.

When a test here fails after a change to routes, schemas or settings, run
``make docs`` and commit the regenerated files.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tidings.config import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GENERATED = ("api.md", "settings.md", "openapi.json")


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_docs", ROOT / "scripts/generate_docs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return _load_generator()


@pytest.fixture(scope="module")
def fresh(generator: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs")
    assert generator.main([str(out)]) == 0
    return out


@pytest.mark.parametrize("name", GENERATED)
def test_committed_reference_is_current(fresh: Path, name: str) -> None:
    committed = DOCS / name
    assert committed.exists(), f"docs/{name} is missing; run `make docs`"
    assert committed.read_text(encoding="utf-8") == (fresh / name).read_text(encoding="utf-8"), (
        f"docs/{name} is out of date; run `make docs`"
    )


def test_generator_is_deterministic(generator: ModuleType, fresh: Path, tmp_path: Path) -> None:
    assert generator.main([str(tmp_path)]) == 0
    for name in GENERATED:
        assert (tmp_path / name).read_bytes() == (fresh / name).read_bytes(), name


def test_every_route_is_in_the_api_reference(
    generator: ModuleType, fresh: Path, tmp_path: Path
) -> None:
    api = (fresh / "api.md").read_text(encoding="utf-8")
    app = generator.build_app(tmp_path)
    try:
        routes = generator.app_routes(app)
        paths = app.openapi()["paths"]
    finally:
        app.state.services.db.close()
    assert any(route.method == "WEBSOCKET" for route in routes)
    missing = [f"{r.method} {r.path}" for r in routes if f"{r.method} {r.path}" not in api]
    assert not missing, f"routes missing from docs/api.md: {missing}"
    for path, operations in paths.items():
        for method in operations:
            assert f"### {method.upper()} {path}\n" in api


def test_every_setting_is_in_the_settings_reference(fresh: Path) -> None:
    text = (fresh / "settings.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"| `{name}` |" in text, name
        assert f"`TIDINGS_{name.upper()}`" in text, name


def test_settings_called_reserved_are_really_unused(generator: ModuleType) -> None:
    """The reference says these have no effect; true only while no code reads them."""
    sources = [
        path.read_text(encoding="utf-8")
        for path in (ROOT / "src" / "tidings").rglob("*.py")
        if path.name != "config.py"
    ]
    for name in generator.NOT_YET_USED:
        used = re.compile(rf"\.{name}\b")
        assert not any(used.search(text) for text in sources), (
            f"{name} is used now: remove it from NOT_YET_USED in scripts/generate_docs.py"
        )
