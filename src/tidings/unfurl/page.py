"""A preview read from a page's head: Open Graph, Twitter cards, <title>, description.

Every value is plain text when it leaves here: entities decoded, anything shaped
like a tag removed, control and bidirectional-override characters dropped,
whitespace collapsed and the length capped. Templates escape it again anyway.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from tidings.core.links import is_web_url

MAX_TITLE = 200
MAX_DESCRIPTION = 500
MAX_SITE_NAME = 100
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# The first name found wins: Open Graph, then a Twitter card, then plain HTML.
_FIELDS = {
    "title": ("og:title", "twitter:title"),
    "description": ("og:description", "twitter:description", "description"),
    "site_name": ("og:site_name", "application-name"),
    "image": ("og:image:secure_url", "og:image", "og:image:url", "twitter:image"),
}


@dataclass(frozen=True)
class Preview:
    url: str
    title: str
    description: str
    site_name: str
    image_url: str | None


class _Head(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title: list[str] = []
        self._in_title = False
        self._titles_seen = 0
        self._svg_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self._svg_depth += 1
        elif tag == "title" and not self._svg_depth and not self._titles_seen:
            self._in_title = True
        elif tag == "meta":
            values = {k.lower(): v or "" for k, v in attrs}
            key = (values.get("property") or values.get("name") or "").strip().lower()
            if key and "content" in values:
                self.meta.setdefault(key, values["content"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self._svg_depth:
            self._svg_depth -= 1
        elif tag == "title" and self._in_title:
            self._in_title = False
            self._titles_seen += 1

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)

    def first(self, field: str) -> str:
        return next((self.meta[k] for k in _FIELDS[field] if self.meta.get(k, "").strip()), "")


def decode(body: bytes, charset: str | None) -> str:
    """The page as text: the charset the server named, else the one the page
    declares, else UTF-8; undecodable bytes become replacement characters."""
    declared = _META_CHARSET.search(body[:4096])
    for name in (charset, declared.group(1).decode() if declared else None, "utf-8"):
        if not name:
            continue
        try:
            return body.decode(name, errors="replace")
        except LookupError:
            continue
    return body.decode("utf-8", errors="replace")


def read_preview(url: str, html: str) -> Preview | None:
    """The preview of the page at ``url``; ``None`` if it has neither title nor description."""
    head = _Head()
    head.feed(html)
    head.close()
    title = clean(head.first("title") or "".join(head.title), MAX_TITLE)
    description = clean(head.first("description"), MAX_DESCRIPTION)
    if not title and not description:
        return None
    site_name = clean(head.first("site_name"), MAX_SITE_NAME) or _host(url)
    image = urljoin(url, head.first("image").strip()) if head.first("image") else ""
    return Preview(url, title, description, site_name, image if is_web_url(image) else None)


def clean(text: str, limit: int) -> str:
    """Plain, single-line text of at most ``limit`` characters."""
    text = _TAG.sub(" ", text)
    text = "".join(" " if _dropped(ch) else ch for ch in text)
    text = _SPACE.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _dropped(ch: str) -> bool:
    # Cc: control characters; Cf: format characters, the bidi overrides among them.
    return unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\t\n"


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")
