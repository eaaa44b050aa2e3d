"""The sign-in limiter: failed passwords make further tries wait, doubling each time.

Four rules count failures, each on its own key:

- pair: one e-mail from one client address (the strictest: a guesser's own tries);
- account: one e-mail from anywhere (a guesser spread over many addresses);
- address: one client address for any e-mail (spraying many e-mails);
- global: every failure on this node.

Past a rule's free failures, each further failure makes that key wait 1 s, 2 s,
4 s, ... up to a cap; a try while waiting is refused before any password is
checked and does not count. The account rule has a short cap of its own, and it,
the address and the global rules spare an (e-mail, address) pair that signed in
successfully before: an attacker can slow the owner's first sign-in from a new
place, never keep them out for longer than that cap, and not at all from where
they usually sign in. A success clears its pair's failures.

Keys hold e-mails as typed (normalised), known or not, so a refusal says nothing
about whether an account exists. State lives behind ``AttemptStore``: this node's
memory, or Redis when several nodes share the work (``redis_url``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import orjson

from tidings.clock import Clock
from tidings.config import Settings
from tidings.errors import LoginThrottled

KNOWN_PAIR_DAYS = 30
FIRST_WAIT_SECONDS = 1.0


@dataclass(frozen=True)
class Strikes:
    """Failures counted on one key, and until when that key must wait."""

    failures: int
    last_at: datetime
    wait_until: datetime | None = None


@dataclass(frozen=True)
class Rule:
    name: str
    free: int
    max_wait: float
    spares_known: bool

    def wait(self, failures: int) -> float:
        over = failures - self.free
        if over <= 0:
            return 0.0
        return float(min(self.max_wait, FIRST_WAIT_SECONDS * 2 ** min(over - 1, 40)))


class AttemptStore(Protocol):
    """Where strikes live. ``keep`` is how long an entry must be kept at least."""

    def get(self, key: str, now: datetime) -> Strikes | None: ...

    def put(self, key: str, strikes: Strikes, keep: timedelta) -> None: ...

    def delete(self, key: str) -> None: ...


class MemoryAttemptStore:
    """This node's memory; bounded, forgetting expired entries first."""

    def __init__(self, max_entries: int = 200_000) -> None:
        self._entries: dict[str, tuple[Strikes, datetime]] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, key: str, now: datetime) -> Strikes | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or entry[1] <= now:
            return None
        return entry[0]

    def put(self, key: str, strikes: Strikes, keep: timedelta) -> None:
        with self._lock:
            if len(self._entries) >= self._max and key not in self._entries:
                self._forget_expired(strikes.last_at)
            self._entries[key] = (strikes, strikes.last_at + keep)

    def delete(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def _forget_expired(self, now: datetime) -> None:
        for key, (_, until) in list(self._entries.items()):
            if until <= now:
                del self._entries[key]
        if len(self._entries) >= self._max:  # a flood of fresh keys: memory comes first
            self._entries.clear()


class RedisAttemptStore:
    """Strikes shared by every node (``redis_url``). Entries keep their own end time
    (checked against the server's clock) and Redis drops them a little after it."""

    PREFIX = "tidings:login:"

    def __init__(self, url: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def get(self, key: str, now: datetime) -> Strikes | None:
        raw = self._client.get(self.PREFIX + key)
        if raw is None:
            return None
        body = orjson.loads(raw)  # type: ignore[arg-type]
        if datetime.fromisoformat(body["until"]) <= now:
            return None
        wait = body.get("wait_until")
        return Strikes(
            int(body["failures"]),
            datetime.fromisoformat(body["last_at"]),
            datetime.fromisoformat(wait) if wait else None,
        )

    def put(self, key: str, strikes: Strikes, keep: timedelta) -> None:
        body = {
            "failures": strikes.failures,
            "last_at": strikes.last_at.isoformat(),
            "wait_until": strikes.wait_until.isoformat() if strikes.wait_until else None,
            "until": (strikes.last_at + keep).isoformat(),
        }
        # A minute beyond the entry's end, so a clock a little ahead still finds it.
        expire_ms = int((keep + timedelta(minutes=1)).total_seconds() * 1000)
        self._client.set(self.PREFIX + key, orjson.dumps(body), px=expire_ms)

    def delete(self, key: str) -> None:
        self._client.delete(self.PREFIX + key)


class LoginLimiter:
    def __init__(self, settings: Settings, clock: Clock, store: AttemptStore) -> None:
        self._clock = clock
        self._store = store
        self._forget = timedelta(minutes=settings.login_forget_minutes)
        cap = settings.login_max_wait_seconds
        self._pair = Rule("pair", settings.login_pair_failures, cap, spares_known=False)
        self._others = (
            Rule(
                "account",
                settings.login_account_failures,
                min(cap, settings.login_account_max_wait_seconds),
                spares_known=True,
            ),
            Rule("address", settings.login_address_failures, cap, spares_known=True),
            Rule("global", settings.login_global_failures, cap, spares_known=True),
        )

    @classmethod
    def in_memory(cls, settings: Settings, clock: Clock) -> LoginLimiter:
        return cls(settings, clock, MemoryAttemptStore())

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock) -> LoginLimiter:
        """Shared through Redis when the deployment has one, else this node's memory."""
        if settings.redis_url:
            return cls(settings, clock, RedisAttemptStore(settings.redis_url))
        return cls.in_memory(settings, clock)

    def check(self, email: str, address: str) -> None:
        """Refuse (``LoginThrottled``) a try that must wait; otherwise do nothing."""
        now = self._clock.now()
        waits = [self._waiting(key, now) for rule, key in self._keys(email, address, now) if rule]
        longest = max(waits, default=0.0)
        if longest > 0:
            raise LoginThrottled(longest)

    def failed(self, email: str, address: str) -> None:
        now = self._clock.now()
        for rule, key in self._keys(email, address, now, counting=True):
            assert rule is not None
            self._strike(rule, key, now)

    def succeeded(self, email: str, address: str) -> None:
        now = self._clock.now()
        pair = self._pair_key(email, address)
        self._store.delete(pair)
        self._store.put(f"known:{pair}", Strikes(0, now), timedelta(days=KNOWN_PAIR_DAYS))

    def _keys(
        self, email: str, address: str, now: datetime, *, counting: bool = False
    ) -> list[tuple[Rule | None, str]]:
        pair = self._pair_key(email, address)
        known = self._store.get(f"known:{pair}", now) is not None
        keys: list[tuple[Rule | None, str]] = [(self._pair, pair)]
        for rule, key in zip(
            self._others, (f"account:{email}", f"address:{address}", "global"), strict=True
        ):
            # A familiar pair neither waits on nor feeds the wider rules.
            keys.append((None if known and rule.spares_known else rule, key))
        return [(rule, key) for rule, key in keys if rule is not None or not counting]

    @staticmethod
    def _pair_key(email: str, address: str) -> str:
        return f"pair:{address}:{email}"

    def _waiting(self, key: str, now: datetime) -> float:
        strikes = self._store.get(key, now)
        if strikes is None or strikes.wait_until is None:
            return 0.0
        return max(0.0, (strikes.wait_until - now).total_seconds())

    def _strike(self, rule: Rule, key: str, now: datetime) -> None:
        previous = self._store.get(key, now)
        failures = 1
        if previous is not None and now - previous.last_at < self._forget:
            failures = previous.failures + 1
        wait = rule.wait(failures)
        until = now + timedelta(seconds=wait) if wait else None
        keep = self._forget + timedelta(seconds=wait)
        self._store.put(key, Strikes(failures, now, until), keep)
