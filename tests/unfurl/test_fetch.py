from __future__ import annotations

import ipaddress

import httpx
import pytest

from tests.unfurl.conftest import Site
from tidings.core.links import IPAddress
from tidings.unfurl import FetchPolicy, unfurl
from tidings.unfurl.fetch import Refused, fetch_page

LOCAL = FetchPolicy(allow_loopback=True, timeout_seconds=2.0)


def test_a_page_gives_its_open_graph_preview(site: Site) -> None:
    preview = unfurl(f"{site.url}/article", LOCAL)
    assert preview is not None
    assert preview.title == "Q3 budget & plan"
    assert preview.description == "What we spend, and why ."
    assert preview.site_name == "Acme Docs"
    assert preview.image_url == f"{site.url}/cover.png"


def test_a_redirect_within_public_reach_is_followed(site: Site) -> None:
    link = f"{site.url}/redirect?to=/article"
    preview = unfurl(link, LOCAL)
    assert preview is not None and preview.title == "Q3 budget & plan"
    assert preview.url == link  # stored under the link as it was written
    assert [path for path, _ in site.requests] == ["/redirect", "/article"]


def test_the_charset_the_server_names_is_used(site: Site) -> None:
    preview = unfurl(f"{site.url}/latin1", LOCAL)
    assert preview is not None and preview.title == "Café menu"


@pytest.mark.parametrize("path", ["/image", "/json", "/gzip", "/missing"])
def test_only_html_pages_are_previewed(site: Site, path: str) -> None:
    assert unfurl(f"{site.url}{path}", LOCAL) is None


def test_a_huge_page_is_read_only_up_to_the_cap(site: Site) -> None:
    policy = FetchPolicy(allow_loopback=True, max_bytes=64 * 1024, timeout_seconds=2.0)
    page = fetch_page(f"{site.url}/huge", policy)
    assert len(page.body) == 64 * 1024
    preview = unfurl(f"{site.url}/huge", policy)
    assert preview is not None and preview.title == "Huge page"


def test_a_slow_server_runs_into_the_read_timeout(site: Site) -> None:
    policy = FetchPolicy(allow_loopback=True, timeout_seconds=0.2)
    assert unfurl(f"{site.url}/slow?delay=5", policy) is None


def test_a_trickling_server_runs_into_the_deadline(site: Site) -> None:
    # Every byte comes well within the read timeout; the whole fetch has a deadline.
    policy = FetchPolicy(allow_loopback=True, timeout_seconds=0.25)
    with pytest.raises(Refused, match="deadline"):
        fetch_page(f"{site.url}/trickle?every=0.02", policy)


def test_redirects_are_followed_only_so_far(site: Site) -> None:
    with pytest.raises(Refused, match="redirects"):
        fetch_page(f"{site.url}/loop", LOCAL)
    assert len(site.requests) == LOCAL.max_redirects + 1


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "[::1]",
        "localhost",
        "2130706433",  # 127.0.0.1 in decimal
        "0x7f.1",  # in hexadecimal, shortened
        "0177.0.0.1",  # in octal
        "127.1",
        "[::ffff:127.0.0.1]",  # IPv4-mapped IPv6
    ],
)
def test_loopback_is_refused_in_any_spelling(site: Site, host: str) -> None:
    port = site.server_address[1]
    with pytest.raises(Refused, match="non-public|does not resolve"):
        fetch_page(f"http://{host}:{port}/article", FetchPolicy())
    assert site.requests == []


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/",
        "http://192.168.1.1/admin",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://2852039166/latest/meta-data/",  # the same, in decimal
        "http://[::ffff:a9fe:a9fe]/",  # and IPv4-mapped
        "http://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
        "http://[2002:c0a8:0101::1]/",  # 6to4 of 192.168.1.1
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://0.0.0.0/",
    ],
)
def test_a_redirect_to_a_private_address_is_refused(site: Site, target: str) -> None:
    """Loopback is allowed here (the test site is on it); nothing else private is."""
    with pytest.raises(Refused, match="non-public"):
        fetch_page(f"{site.url}/redirect?to={target}", LOCAL)


def test_a_redirect_to_an_octal_address_is_not_followed(site: Site) -> None:
    # The HTTP client rejects this spelling in a Location header before we see it;
    # in a link itself it resolves, and is refused (above).
    with pytest.raises((Refused, httpx.HTTPError)):
        fetch_page(f"{site.url}/redirect?to=http://0251.0376.0251.0376/", LOCAL)
    with pytest.raises(Refused, match="non-public"):
        fetch_page("http://0251.0376.0251.0376/", LOCAL)


def test_a_name_resolving_to_any_private_address_is_refused(site: Site) -> None:
    def mixed(host: str, port: int) -> list[IPAddress]:
        return [ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address("10.1.2.3")]

    with pytest.raises(Refused, match="non-public"):
        fetch_page("http://docs.example.test/", FetchPolicy(), resolver=mixed)


def _to_site(site: Site):  # type: ignore[no-untyped-def]
    def resolver(host: str, port: int) -> list[IPAddress]:
        return [ipaddress.ip_address("127.0.0.1")]

    return resolver


def test_the_checked_address_is_the_one_connected_to(site: Site) -> None:
    """The name is resolved once, by us; the request carries the name in Host."""
    port = site.server_address[1]
    preview = unfurl(f"http://docs.example.test:{port}/article", LOCAL, _to_site(site))
    assert preview is not None
    assert site.requests == [("/article", f"docs.example.test:{port}")]


def test_denied_domains_and_their_subdomains_are_not_fetched(site: Site) -> None:
    port = site.server_address[1]
    policy = FetchPolicy(allow_loopback=True, deny=("example.test",))
    assert unfurl(f"http://docs.example.test:{port}/article", policy, _to_site(site)) is None
    assert site.requests == []


def test_with_an_allow_list_only_those_domains_are_fetched(site: Site) -> None:
    port = site.server_address[1]
    policy = FetchPolicy(allow_loopback=True, allow=("example.test",))
    assert unfurl(f"http://docs.example.test:{port}/article", policy, _to_site(site))
    assert unfurl(f"http://other.test:{port}/article", policy, _to_site(site)) is None
    redirect_out = f"http://docs.example.test:{port}/redirect?to=http://other.test:{port}/article"
    assert unfurl(redirect_out, policy, _to_site(site)) is None
    assert [path for path, _ in site.requests] == ["/article", "/redirect"]


@pytest.mark.parametrize(
    "link", ["ftp://example.com/", "http://user:secret@example.com/", "javascript:alert(1)"]
)
def test_only_plain_web_links_are_fetched(link: str) -> None:
    with pytest.raises(Refused):
        fetch_page(link, FetchPolicy())
