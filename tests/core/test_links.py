from __future__ import annotations

import ipaddress

import pytest

from tidings.core.links import domains, host_allowed, is_public, links_in, may_connect


def test_links_are_the_web_links_of_the_rendered_body_in_order_without_repeats() -> None:
    html = (
        '<p><a href="https://b.example/x?a=1&amp;b=2">x</a> <a href="mailto:a@b.c">m</a>'
        '<a href="https://a.example/">a</a><a href="https://b.example/x?a=1&amp;b=2">x</a>'
        '<a href="http://user:pw@c.example/">c</a><a href="/relative">r</a></p>'
    )
    assert links_in(html, 5) == ["https://b.example/x?a=1&b=2", "https://a.example/"]
    assert links_in(html, 1) == ["https://b.example/x?a=1&b=2"]


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("255.255.255.255", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fd12:3456::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("64:ff9b::7f00:1", False),
        ("2002:a00:1::1", False),
        ("ff02::1", False),
    ],
)
def test_only_globally_routable_unicast_addresses_are_public(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


def test_allowing_loopback_admits_nothing_else_private() -> None:
    assert may_connect(ipaddress.ip_address("127.0.0.1"), allow_loopback=True)
    assert may_connect(ipaddress.ip_address("::1"), allow_loopback=True)
    assert not may_connect(ipaddress.ip_address("10.0.0.1"), allow_loopback=True)
    assert not may_connect(ipaddress.ip_address("127.0.0.1"), allow_loopback=False)


def test_domain_lists_cover_subdomains_and_deny_wins() -> None:
    allow, deny = domains(" Example.com, docs.example.org ,"), domains("secret.example.com")
    assert allow == ("example.com", "docs.example.org")
    assert host_allowed("www.example.com", allow, deny)
    assert host_allowed("example.com.", allow, deny)
    assert not host_allowed("notexample.com", allow, deny)
    assert not host_allowed("a.secret.example.com", allow, deny)
    assert not host_allowed("example.org", allow, deny)
    assert host_allowed("anything.test", (), deny)
