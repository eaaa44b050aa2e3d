"""Operator commands: run the server, create workspaces, manage members and tokens."""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import shutil
import signal
import sys
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from tidings.core.roles import Actor, Role
from tidings.cores import MAX_WORKERS
from tidings.errors import NotFound, TidingsError

# The server's modules (settings, SQLAlchemy, the store) are imported by the commands
# that use them: a client command or --help starts without them.
if TYPE_CHECKING:
    from tidings.config import Settings
    from tidings.store.database import Database
    from tidings.store.tx import Tx

T = TypeVar("T")
console = Console()
DB_OPTION = typer.Option(None, "--database-url", help="Overrides TIDINGS_DATABASE_URL")


@contextmanager
def open_database(database_url: str | None) -> Iterator[Database]:
    """The database for one operator command. Its commits wake running servers the way
    theirs wake each other (Redis, PostgreSQL notices, or local sockets beside a SQLite
    file), so a token revoked here ends streams at once."""
    from tidings.config import load_settings
    from tidings.live.wakeup import wakeups_for
    from tidings.store.database import Database

    settings = load_settings(database_url=database_url)
    db = Database(settings.database_url, synchronous=settings.sqlite_synchronous)
    wakeups = wakeups_for(settings.database_url, settings.redis_url)
    if wakeups is not None:
        db.add_commit_listener(wakeups.announce)
    try:
        db.migrate()
        yield db
    finally:
        db.close()  # commits what it holds, then the wake-up goes out
        if wakeups is not None:
            wakeups.close()


def run_action(database_url: str | None, fn: Callable[[Tx], T]) -> T:
    with open_database(database_url) as db:
        return db.write(fn)


def owner_actor(tx: Tx, workspace: str) -> Actor:
    """Operator commands act with the authority of the workspace's first owner."""
    from sqlalchemy import select

    from tidings.store.models import members, workspaces

    row = tx.conn.execute(
        select(members.c.id, members.c.workspace_id, members.c.handle)
        .join(workspaces, workspaces.c.id == members.c.workspace_id)
        .where(
            workspaces.c.slug == workspace,
            members.c.role == Role.OWNER.value,
            members.c.is_active.is_(True),
        )
        .order_by(members.c.id)
    ).first()
    if row is None:
        raise NotFound(f'No workspace "{workspace}" (see: tidings init)')
    return Actor(row.id, row.workspace_id, Role.OWNER, row.handle)


def _table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    table = Table(*columns)
    for row in rows:
        table.add_row(*(str(row.get(c, "")) for c in columns))
    console.print(table)


def serve(
    host: str = typer.Option(None, help="Interface to listen on [TIDINGS_HOST]"),
    port: int = typer.Option(None, help="TCP port [TIDINGS_PORT]"),
    demo: bool = typer.Option(None, "--demo/--no-demo", help="Seed the demo workspace"),
    workers: int = typer.Option(
        None,
        min=1,
        max=MAX_WORKERS,
        help="Server processes sharing the port; default one per core [TIDINGS_WORKERS]",
    ),
    database_url: str = DB_OPTION,
) -> None:
    """Run the server (migrates the database first)."""
    from tidings.api.app import create_app
    from tidings.api.serving import listen, run_app
    from tidings.config import load_settings

    settings = load_settings(
        host=host, port=port, demo=demo, workers=workers, database_url=database_url
    )
    processes = settings.server_processes
    if processes > 1 and settings.in_memory:
        raise TidingsError(
            "an in-memory database lives inside one process: use --workers 1, or a database file"
        )
    if processes > 1:
        _serve_processes(settings.model_copy(update={"workers": processes}))
        return
    sock = listen(settings.host, settings.port)  # a taken port fails before any work
    settings = settings.model_copy(update={"port": sock.getsockname()[1]})
    app = create_app(settings)
    hint = None
    if settings.demo:
        from tidings.demo import DEMO_PASSWORD, seed_demo

        logins = seed_demo(app.state.services.db)
        hint = _print_demo(settings, logins, DEMO_PASSWORD)

    def listening() -> None:
        console.print(f"Tidings is at [bold]{settings.public_url}/[/bold]  (Ctrl-C stops it)")
        if hint:
            console.print(hint, markup=False, soft_wrap=True)

    run_app(app, settings, [sock], listening)


def _serve_processes(settings: Settings) -> None:
    from tidings.api.serving import listen_shared
    from tidings.api.supervisor import Supervisor, prepare_database
    from tidings.logs import configure

    configure(settings.log_level)
    sockets = listen_shared(settings.host, settings.port, settings.server_processes)
    settings = settings.model_copy(update={"port": sockets[0].getsockname()[1]})
    prepare_database(settings)
    hint = None
    if settings.demo:
        from tidings.demo import DEMO_PASSWORD, seed_demo

        with open_database(settings.database_url) as db:
            hint = _print_demo(settings, seed_demo(db), DEMO_PASSWORD)

    def listening() -> None:
        console.print(
            f"Tidings is at [bold]{settings.public_url}/[/bold]  "
            f"({settings.server_processes} processes; Ctrl-C stops it)"
        )
        if hint:
            console.print(hint, markup=False, soft_wrap=True)

    Supervisor(settings, sockets).run(listening)


def worker(database_url: str = DB_OPTION) -> None:
    """Run due jobs until SIGTERM or Ctrl-C, then finish the jobs in hand and stop."""
    from tidings.config import load_settings
    from tidings.jobs import Worker
    from tidings.logs import configure
    from tidings.store.database import Database

    settings = load_settings(database_url=database_url)
    configure(settings.log_level)
    db = Database(
        settings.database_url,
        synchronous=settings.sqlite_synchronous,
        batch_max=settings.writer_batch_max,
    )
    try:
        db.migrate()
        console.print("Tidings worker running  (Ctrl-C stops it)")
        asyncio.run(_until_signalled(Worker.from_settings(db, settings).run_forever()))
    finally:
        db.close()  # the writer commits what it holds first
    console.print("Tidings worker stopped")


async def _until_signalled(work: Coroutine[Any, Any, None]) -> None:
    task = asyncio.create_task(work)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _print_demo(settings: Settings, logins: list[tuple[str, str, str]], password: str) -> str:
    """Print the demo logins; return the sign-in command to show once the server listens."""
    table = Table("name", "e-mail", "time zone", title="Demo logins (workspace acme)")
    for name, email, zone in logins:
        table.add_row(name, email, zone)
    console.print(table)
    console.print(f"Every demo password is [bold]{password}[/bold]")
    command = shlex.join(
        [*typed_command(), "login", settings.public_url, "--email", logins[0][1]]
        + ["--password", password]
    )
    return f"Try: {command}"


def typed_command() -> list[str]:
    """This program as it can be typed again from the current directory: its bare
    name when that is what the PATH finds, else its path (relative when below here)."""
    program = Path(sys.argv[0])
    if program.name == "__main__.py":  # python -m tidings
        return [_typed_path(Path(sys.executable)), "-m", "tidings"]
    found = shutil.which(program.name)
    if found and program.exists() and Path(found).resolve() == program.resolve():
        return [program.name]
    return [_typed_path(program)]


def _typed_path(path: Path) -> str:
    absolute = path.absolute()
    try:
        relative = absolute.relative_to(Path.cwd())
    except ValueError:
        return str(absolute)
    return str(relative) if relative.parent != Path() else f"./{relative}"


def init(
    workspace: str = typer.Option(None, help="Workspace name, e.g. Acme"),
    owner_email: str = typer.Option(None, help="The owner's e-mail"),
    owner_password: str = typer.Option(None, help="The owner's password (8+ characters)"),
    owner_name: str = typer.Option(None, help="The owner's display name"),
    time_zone: str = typer.Option("UTC", help="The owner's IANA time zone"),
    database_url: str = DB_OPTION,
) -> None:
    """Create a workspace and its owner. Asks for what the flags leave out."""
    from tidings.actions.workspaces import create_workspace

    workspace = workspace or typer.prompt("Workspace name")
    owner_email = owner_email or typer.prompt("Owner e-mail")
    owner_password = owner_password or typer.prompt(
        "Owner password", hide_input=True, confirmation_prompt=True
    )
    # Hashed before the write: a running server shares the database's write lock.
    password_hash = _hashed(owner_password)
    created = run_action(
        database_url,
        lambda tx: create_workspace(
            tx,
            name=workspace,
            owner_email=owner_email,
            owner_password_hash=password_hash,
            owner_name=owner_name,
            owner_time_zone=time_zone,
        ),
    )
    console.print(f"Created workspace [bold]{created['slug']}[/bold] owned by {owner_email}")


def migrate(database_url: str = DB_OPTION) -> None:
    """Bring the database schema up to date."""
    from tidings.config import load_settings
    from tidings.store.database import Database
    from tidings.store.schema import migrate as run_migrations

    settings = load_settings(database_url=database_url)
    db = Database(settings.database_url)
    try:
        before, after = run_migrations(db.write_engine)
    finally:
        db.close()
    console.print(f"schema: {before or 'empty'} -> {after}")


user_app = typer.Typer(help="Manage members of a workspace.", no_args_is_help=True)
token_app = typer.Typer(help="Issue and revoke API tokens.", no_args_is_help=True)


@user_app.command("add")
def user_add(
    email: str,
    workspace: str = typer.Option(..., help="Workspace slug"),
    name: str = typer.Option(None, help="Display name"),
    password: str = typer.Option(None, help="Password (8+ characters); none = invite-only"),
    role: str = typer.Option("member", help="admin, member or guest"),
    time_zone: str = typer.Option("UTC", help="IANA time zone"),
    database_url: str = DB_OPTION,
) -> None:
    """Add a member."""
    from tidings.actions.members import add_member

    chosen = _role(role)
    password_hash = _hashed(password) if password else None
    member = run_action(
        database_url,
        lambda tx: add_member(
            tx,
            owner_actor(tx, workspace),
            email=email,
            display_name=name or email.split("@")[0],
            password_hash=password_hash,
            role=chosen,
            time_zone=time_zone,
        ),
    )
    console.print(f"Added @{member['handle']} ({member['role']}) id {member['id']}")


def _hashed(password: str) -> str:
    from tidings.core.credentials import new_password_hash
    from tidings.errors import TidingsError

    try:
        return new_password_hash(password)
    except TidingsError as exc:
        raise typer.BadParameter(exc.detail) from None


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise typer.BadParameter("role is one of owner, admin, member, guest") from None


@user_app.command("list")
def user_list(
    workspace: str = typer.Option(..., help="Workspace slug"), database_url: str = DB_OPTION
) -> None:
    """List members."""
    from tidings.queries.directory import list_members

    with open_database(database_url) as db:
        actor = db.write(lambda tx: owner_actor(tx, workspace))
        rows = db.read(lambda c: list_members(c, actor, include_inactive=True))
    _table(rows, ["id", "handle", "display_name", "email", "role", "time_zone", "is_active"])


@user_app.command("deactivate")
def user_deactivate(
    email: str,
    workspace: str = typer.Option(..., help="Workspace slug"),
    database_url: str = DB_OPTION,
) -> None:
    """Deactivate a member: their sign-in and tokens stop working."""
    from tidings.actions.members import deactivate_member

    def act(tx: Tx) -> dict[str, Any]:
        actor = owner_actor(tx, workspace)
        return deactivate_member(tx, actor, _member_id(tx, actor, email))

    member = run_action(database_url, act)
    console.print(f"Deactivated @{member['handle']}")


def _member_id(tx: Tx, actor: Actor, email: str) -> int:
    from sqlalchemy import select

    from tidings.core import names
    from tidings.store.models import members

    found = tx.conn.execute(
        select(members.c.id).where(
            members.c.workspace_id == actor.workspace_id, members.c.email == names.email_key(email)
        )
    ).scalar()
    if found is None:
        raise NotFound(f"No member {email}")
    return int(found)


@token_app.command("create")
def token_create(
    email: str,
    workspace: str = typer.Option(..., help="Workspace slug"),
    name: str = typer.Option("cli", help="A name to recognise the token by"),
    days: int = typer.Option(None, help="Lifetime in days (default: no expiry)"),
    database_url: str = DB_OPTION,
) -> None:
    """Create an API token for a member; it is shown only once."""
    from tidings.actions.auth import API, issue_token

    def act(tx: Tx) -> dict[str, Any]:
        actor = owner_actor(tx, workspace)
        lifetime = timedelta(days=days) if days else None
        member_id = _member_id(tx, actor, email)
        return issue_token(
            tx, actor.workspace_id, member_id, name=name, kind=API, lifetime=lifetime
        )

    token = run_action(database_url, act)
    console.print(f"token id {token['id']}: {token['token']}")


@token_app.command("revoke")
def token_revoke(
    token_id: str,
    workspace: str = typer.Option(..., help="Workspace slug"),
    database_url: str = DB_OPTION,
) -> None:
    """Revoke a token by its id (any member's: the operator holds the database)."""
    from tidings.actions.auth import revoke_token_as_operator

    run_action(
        database_url,
        lambda tx: revoke_token_as_operator(tx, owner_actor(tx, workspace).workspace_id, token_id),
    )
    console.print(f"Revoked token {token_id}")


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(worker)
    app.command()(init)
    app.command()(migrate)
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
