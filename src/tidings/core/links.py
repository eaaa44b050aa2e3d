"""Rules for link previews: which links of a message are looked at, and which
hosts and addresses a preview may be fetched from.

A preview is fetched by the server on behalf of whoever posted the link, so a
link must never make the server reach what only it can reach: its own loopback,
the private network it sits in, a cloud metadata service. Addresses are judged
after resolution, in every spelling (IPv4-mapped and NAT64 IPv6, 6to4, Teredo),
and decimal or octal forms such as ``http://2130706433/`` resolve to the
address they mean before they are judged.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from html.parser import HTMLParser
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2000
SCHEMES = ("http", "https")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_in(html: str, limit: int) -> list[str]:
    """The first ``limit`` distinct web links a rendered message body points to."""
    parser = _Anchors()
    parser.feed(html)
    parser.close()
    found: list[str] = []
    for href in parser.hrefs:
        url = href.strip()
        if is_web_url(url) and url not in found:
            found.append(url)
    return found[:limit]


def is_web_url(url: str) -> bool:
    """An absolute http(s) URL with a host and no credentials in it."""
    if len(url) > MAX_URL_LENGTH:
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError:
        return False
    return parts.scheme in SCHEMES and bool(parts.hostname) and not parts.username


def domains(listed: str) -> tuple[str, ...]:
    """A comma-separated setting as bare lower-case domain names."""
    names = (d.strip().lower().strip(".") for d in listed.split(","))
    return tuple(name for name in names if name)


def in_domains(host: str, names: Iterable[str]) -> bool:
    """Whether ``host`` is one of ``names`` or a subdomain of one."""
    host = host.lower().rstrip(".")
    return any(host == name or host.endswith("." + name) for name in names)


def host_allowed(host: str, allow: Iterable[str], deny: Iterable[str]) -> bool:
    """Deny wins; an empty allow list lets every other host through."""
    allow = tuple(allow)
    if in_domains(host, deny):
        return False
    return not allow or in_domains(host, allow)


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for, if it is a translation of one."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's own address
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """A globally routable unicast address: not loopback, private, link-local,
    shared (carrier NAT), reserved, multicast or unspecified."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None and not is_public(inner):
            return False
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


def may_connect(address: IPAddress, *, allow_loopback: bool) -> bool:
    """Whether a preview may be fetched from ``address``. ``allow_loopback`` (for
    tests, which serve pages on 127.0.0.1) admits loopback and nothing else private."""
    if allow_loopback and address.is_loopback:
        return True
    return is_public(address)
