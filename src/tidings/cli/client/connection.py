"""The saved profile and the HTTP connection to a Tidings server."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tidings.errors import NotAuthenticated, TidingsError

if TYPE_CHECKING:
    import httpx  # imported when a command first talks to a server: --help starts without it

PROFILE_ENV = "TIDINGS_PROFILE"
API = "/api/v1"
WRITE_ATTEMPTS = 3
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 30.0


class NotSignedIn(NotAuthenticated):
    code = "not_signed_in"

    def __init__(self) -> None:
        super().__init__("not signed in; run: tidings login URL")


class Unreachable(TidingsError):
    code = "unreachable"

    def __init__(self, url: str) -> None:
        super().__init__(f"cannot reach {url}")


class Refused(TidingsError):
    """The server answered with a problem (``application/problem+json``)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(str(problem["detail"]))
        self.status = status
        self.code = str(problem.get("code", "http_error"))
        self.problem = problem


@dataclass(frozen=True)
class Profile:
    url: str
    token: str
    workspace: str
    member_id: int


def profile_path() -> Path:
    """``$TIDINGS_PROFILE``, else ``~/.config/tidings/profile.json``."""
    configured = os.environ.get(PROFILE_ENV)
    return Path(configured) if configured else Path.home() / ".config/tidings/profile.json"


def load_profile() -> Profile:
    path = profile_path()
    try:
        data = json.loads(path.read_text())
        return Profile(data["url"], data["token"], data["workspace"], int(data["member_id"]))
    except FileNotFoundError:
        raise NotSignedIn() from None
    except (OSError, ValueError, KeyError, TypeError):
        raise TidingsError(f"cannot read the profile {path}; run: tidings login URL") from None


def save_profile(profile: Profile) -> Path:
    """Write the profile with mode 0600: it holds a bearer token."""
    path = profile_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # O_CREAT's mode does not apply to a file left over from before
    with os.fdopen(fd, "w") as file:
        json.dump(asdict(profile), file, indent=2)
    os.replace(temporary, path)
    return path


class Server:
    """The HTTP API of one server, as the signed-in member (or nobody, to sign in)."""

    def __init__(
        self, url: str, token: str | None = None, transport: httpx.BaseTransport | None = None
    ) -> None:
        import httpx

        self.url = url
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(
            base_url=url + API, headers=headers, timeout=30, transport=transport
        )

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def get(self, path: str, **params: Any) -> Any:
        wanted = {key: value for key, value in params.items() if value is not None}
        return self.request("GET", path, params=wanted)

    def send(self, method: str, path: str, body: dict[str, Any]) -> Any:
        """A create with an Idempotency-Key: however often it is retried, it happens once."""
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        for attempt in range(WRITE_ATTEMPTS - 1):
            try:
                return self.request(method, path, json=body, headers=headers)
            except Unreachable:
                time.sleep(BACKOFF_FIRST * 2**attempt)
        return self.request(method, path, json=body, headers=headers)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TransportError:
            raise Unreachable(self.url) from None
        if response.is_error:
            raise Refused(response.status_code, _problem(response))
        try:
            return response.json() if response.content else None
        except ValueError:
            raise TidingsError(f"{self.url} does not answer like a Tidings server") from None


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("detail"):
        return body
    return {"detail": f"HTTP {response.status_code} {response.reason_phrase}".strip()}


@contextmanager
def signed_in() -> Iterator[tuple[Profile, Server]]:
    profile = load_profile()
    with Server(profile.url, profile.token) as server:
        yield profile, server


def base_url(url: str) -> str:
    url = url.strip().rstrip("/").removesuffix(API)
    if "://" not in url:
        local = url.startswith(("localhost", "127.", "[::1]"))
        url = ("http://" if local else "https://") + url
    if not url.startswith(("http://", "https://")):
        raise TidingsError("the server URL starts with http:// or https://")
    return url


# Looking things up by the names people type.
