"""What a running node holds: settings, the database, the live hub and caches."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from tidings.api.activity import ActivityThrottle
from tidings.api.authn import TokenCache
from tidings.api.loginlimit import LoginLimiter
from tidings.api.passwords import PasswordWork
from tidings.api.ratelimit import RateLimiter
from tidings.config import Settings
from tidings.live.hub import Hub
from tidings.live.wakeup import Wakeups
from tidings.store.blobs import BlobStore
from tidings.store.database import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    hub: Hub
    tokens: TokenCache
    limiter: RateLimiter
    login_limiter: LoginLimiter
    passwords: PasswordWork
    blobs: BlobStore
    staging: Path
    link_key: bytes
    wakeups: Wakeups | None = None
    activity: ActivityThrottle = field(default_factory=ActivityThrottle)
    node: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
