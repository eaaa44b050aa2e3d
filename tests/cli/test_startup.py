"""The terminal client starts without the server's modules: every command's --help,
and the commands themselves until they first talk to a server, load neither
SQLAlchemy, the settings, the store, the web framework nor the HTTP client. (How long
that takes is measured by bench/cli_start.py, not here.)"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "sqlalchemy",
    "alembic",
    "pydantic_settings",
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "tidings.config",
    "tidings.store",
    "tidings.api",
    "tidings.actions",
    "tidings.queries",
)

PROBE = """
import json, sys
from tidings.cli import app
from typer.main import get_command

group = get_command(app)
helped = []
def walk(command, path):
    helped.append(path)
    try:
        app(path + ["--help"], standalone_mode=True)
    except SystemExit as exit:
        assert exit.code in (0, None), (path, exit.code)
    if hasattr(command, "commands"):  # a group: its commands too
        for name, sub in command.commands.items():
            walk(sub, path + [name])
for name, command in group.commands.items():
    walk(command, [name])
loaded = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY_ROOTS or m in HEAVY)
print(json.dumps({"helped": helped, "loaded": loaded}))
"""


def test_every_help_starts_without_the_server_modules() -> None:
    roots = sorted({name.split(".")[0] for name in HEAVY if "." not in name})
    code = f"HEAVY_ROOTS = {roots!r}\nHEAVY = {list(HEAVY)!r}\n" + PROBE
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"serve", "post", "tail", "user", "token", "hours"} <= {p[0] for p in found["helped"]}
    assert ["user", "add"] in found["helped"] and ["owed", "done"] in found["helped"]
    heavy = [m for m in found["loaded"] if m in HEAVY or m.startswith(HEAVY)]
    assert heavy == [], heavy
