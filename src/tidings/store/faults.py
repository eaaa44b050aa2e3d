"""Storage faults: the database is there but cannot take writes right now (disk
full, read-only, locked by another process, connection lost, I/O error).

They are the operator's to fix, not the request's: the API answers them with a
retryable 503 and health reports ``degraded`` until a write succeeds again. Every
other database error (a constraint, a bad statement) stays what it is.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError

LOST = "the database connection was lost"
READ_ONLY = "the database is read-only"
FULL = "the disk is full"
IO_ERROR = "the disk reported an I/O error"

# SQLite result codes by name prefix (extended codes such as SQLITE_IOERR_WRITE
# and SQLITE_READONLY_DBMOVED share their primary code's prefix).
_SQLITE = (
    ("SQLITE_BUSY", "the database is locked by another process"),
    ("SQLITE_LOCKED", "the database is locked by another process"),
    ("SQLITE_READONLY", READ_ONLY),
    ("SQLITE_FULL", FULL),
    ("SQLITE_IOERR", IO_ERROR),
    ("SQLITE_CANTOPEN", "the database file cannot be opened"),
)
# PostgreSQL SQLSTATE codes, most specific first.
_POSTGRES = (
    ("25006", READ_ONLY),
    ("53100", FULL),
    ("53", "the database server is out of resources"),
    ("08", LOST),
    ("57P", LOST),
    ("58", IO_ERROR),
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The error, the driver error it wraps, and what it was raised from or during."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop(0)
        if current is None or id(current) in seen or len(seen) > 8:
            continue
        seen.add(id(current))
        yield current
        orig = current.orig if isinstance(current, DBAPIError) else None
        todo += [orig if isinstance(orig, BaseException) else None]
        todo += [current.__cause__, current.__context__]


def _reason(exc: BaseException) -> str | None:
    name = getattr(exc, "sqlite_errorname", None)
    if isinstance(name, str):
        return next((why for prefix, why in _SQLITE if name.startswith(prefix)), None)
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return LOST
    state = getattr(exc, "sqlstate", None)
    if isinstance(state, str):
        return next((why for prefix, why in _POSTGRES if state.startswith(prefix)), None)
    if type(exc).__module__.startswith("psycopg") and type(exc).__name__ == "OperationalError":
        return LOST  # psycopg has no SQLSTATE for a connection that went away
    return None


def storage_fault(exc: BaseException) -> str | None:
    """Why storage cannot take writes, if ``exc`` says so; ``None`` for other errors."""
    return next((why for e in _chain(exc) if (why := _reason(e)) is not None), None)


def connection_lost(exc: BaseException) -> bool:
    return storage_fault(exc) == LOST


def driver_message(exc: BaseException) -> str:
    """The first line of what the database driver said, without SQLAlchemy's wrapping."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    lines = str(orig).strip().splitlines()
    return " ".join(lines[0].split()) if lines else type(orig).__name__
