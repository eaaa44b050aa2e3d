"""Fetching a page for its preview, with strict limits and no way into private networks.

Each hop of a fetch resolves the host itself, refuses it unless every address it
resolves to is public (``core.links``), and connects to that checked address, so
that DNS cannot answer differently between the check and the connection. TLS
still verifies the certificate against the host name (SNI). Redirects are
followed by hand, each hop checked again. Only ``text/html`` is read, and only
its first ``max_bytes``: the head, where previews live, comes first. A preview's
image (``fetch_image``) is read whole or not at all, up to ``max_image_bytes``;
what it is, the bytes decide later, whatever the server declared.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from tidings.config import Settings
from tidings.core.links import IPAddress, domains, host_allowed, is_web_url, may_connect

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)
HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECTS = (301, 302, 303, 307, 308)
USER_AGENT = "Tidings-LinkPreview/1 (+link previews for a team chat)"
ACCEPT_HTML = "text/html,application/xhtml+xml;q=0.9"
ACCEPT_IMAGE = "image/webp,image/png,image/jpeg,image/gif;q=0.9"

Resolver = Callable[[str, int], list[IPAddress]]


class Refused(Exception):
    """The link is not previewed; the message says why (for the log, not for users)."""


@dataclass(frozen=True)
class FetchPolicy:
    timeout_seconds: float = 5.0
    max_bytes: int = 524_288
    max_image_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 3
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    allow_loopback: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchPolicy:
        return cls(
            timeout_seconds=settings.link_preview_timeout_seconds,
            max_bytes=settings.link_preview_max_bytes,
            max_image_bytes=settings.link_preview_max_image_bytes,
            allow=domains(settings.link_preview_allow_domains),
            deny=domains(settings.link_preview_deny_domains),
            allow_loopback=settings.link_preview_allow_loopback,
        )

    @property
    def deadline_seconds(self) -> float:
        """The whole fetch, redirects included: a server trickling bytes slower than
        the read timeout still cannot hold a worker longer than this."""
        return self.timeout_seconds * 2


@dataclass(frozen=True)
class Page:
    url: str
    content_type: str
    charset: str | None
    body: bytes


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to. A literal address in any spelling the C
    library accepts ("2130706433", "0177.1") comes back as the address it means."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"{host} does not resolve: {exc}") from None
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]


def fetch_page(url: str, policy: FetchPolicy, resolver: Resolver = resolve) -> Page:
    """The start of the HTML page at ``url``, after at most ``max_redirects`` hops."""
    return _fetch(url, policy, resolver, ACCEPT_HTML, _read_html)


def fetch_image(url: str, policy: FetchPolicy, resolver: Resolver = resolve) -> Page:
    """All the bytes at ``url`` if there are at most ``max_image_bytes`` of them,
    under the same rules as a page; a larger body is refused, not cut."""
    return _fetch(url, policy, resolver, ACCEPT_IMAGE, _read_whole)


# How a response's body is read: the start of a page, or a whole image.
Reader = Callable[[str, "httpx.Response", FetchPolicy, float], Page]


def _fetch(url: str, policy: FetchPolicy, resolver: Resolver, accept: str, reader: Reader) -> Page:
    deadline = time.monotonic() + policy.deadline_seconds
    for _ in range(policy.max_redirects + 1):
        address = _checked_address(url, policy, resolver)
        outcome = _get(url, address, policy, deadline, accept, reader)
        if isinstance(outcome, Page):
            return outcome
        url = outcome
    raise Refused(f"more than {policy.max_redirects} redirects")


def _checked_address(url: str, policy: FetchPolicy, resolver: Resolver) -> IPAddress:
    if not is_web_url(url):
        raise Refused("not an http(s) URL")
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host_allowed(host, policy.allow, policy.deny):
        raise Refused(f"{host} is not on the allowed domains")
    addresses = resolver(host, _port(parts))
    if not addresses:
        raise Refused(f"{host} has no address")
    refused = [a for a in addresses if not may_connect(a, allow_loopback=policy.allow_loopback)]
    if refused:
        raise Refused(f"{host} resolves to a non-public address ({refused[0]})")
    return addresses[0]


def _port(parts: Any) -> int:
    return int(parts.port or (443 if parts.scheme == "https" else 80))


def _get(
    url: str, address: IPAddress, policy: FetchPolicy, deadline: float, accept: str, reader: Reader
) -> Page | str:
    """The page, or the URL a redirect points to."""
    import httpx  # only where previews are on: it is not needed to start a server

    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{address}]" if address.version == 6 else str(address)
    direct = urlunsplit(
        (parts.scheme, f"{literal}:{_port(parts)}", parts.path or "/", parts.query, "")
    )
    headers = {
        "Host": parts.netloc.rsplit("@", 1)[-1],
        "User-Agent": USER_AGENT,
        "Accept": accept,
        # Compressed bodies could inflate far past the cap inside a single chunk.
        "Accept-Encoding": "identity",
    }
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    timeout = httpx.Timeout(policy.timeout_seconds)
    # A client per hop: its pool must never hand a connection made for one host
    # name to another that resolved to the same address. No proxies from the environment.
    with (
        httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
        client.stream("GET", direct, headers=headers, extensions=extensions) as response,
    ):
        if response.status_code in REDIRECTS and "location" in response.headers:
            return urljoin(url, response.headers["location"])
        if response.status_code != 200:
            raise Refused(f"status {response.status_code}")
        return reader(url, response, policy, deadline)


def _declared_type(response: httpx.Response) -> str:
    if response.headers.get("content-encoding", "identity").lower() != "identity":
        raise Refused("compressed although asked not to be")
    return str(response.headers.get("content-type", "")).split(";")[0].strip().lower()


def _read_html(url: str, response: httpx.Response, policy: FetchPolicy, deadline: float) -> Page:
    kind = _declared_type(response)
    if kind not in HTML_TYPES:
        raise Refused(f"not HTML ({kind or 'no type'})")
    body = bytearray()
    for chunk in response.iter_raw():
        body += chunk
        if len(body) >= policy.max_bytes:
            del body[policy.max_bytes :]
            break
        if time.monotonic() > deadline:
            raise Refused("took longer than the deadline")
    return Page(url, kind, response.charset_encoding, bytes(body))


def _read_whole(url: str, response: httpx.Response, policy: FetchPolicy, deadline: float) -> Page:
    kind = _declared_type(response)
    limit = policy.max_image_bytes
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Refused(f"larger than {limit} bytes ({declared})")
    body = bytearray()
    for chunk in response.iter_raw():
        body += chunk
        if len(body) > limit:
            raise Refused(f"larger than {limit} bytes")
        if time.monotonic() > deadline:
            raise Refused("took longer than the deadline")
    return Page(url, kind, None, bytes(body))
