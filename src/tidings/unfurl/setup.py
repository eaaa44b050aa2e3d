"""Whether this node makes link previews, and under which limits.

The settings are read once, when a node starts: ``attach`` hangs them on the
database (by its write engine, as ``tidings.mail`` does), so that sending a
message, inside its transaction, can tell whether to ask for previews, and the
job's preparation step knows how to fetch them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from tidings.config import Settings
from tidings.unfurl.fetch import FetchPolicy


@dataclass(frozen=True)
class PreviewSetup:
    policy: FetchPolicy
    max_links: int


_setups: WeakKeyDictionary[Any, PreviewSetup] = WeakKeyDictionary()


def attach(db: Any, settings: Settings) -> None:
    """Turn link previews on for ``db`` if the settings say so, off otherwise."""
    if settings.link_previews:
        policy = FetchPolicy.from_settings(settings)
        _setups[db.write_engine] = PreviewSetup(policy, settings.link_preview_max_links)
    else:
        _setups.pop(db.write_engine, None)


def setup_for(engine: Any) -> PreviewSetup | None:
    """The setup of the database ``engine`` writes to; ``None`` while previews are off."""
    return _setups.get(engine)
