"""Message bodies: @mentions, safe HTML rendering, and plain text for search.

All three read the same markdown-it token stream, so a mention is found exactly where it
would be rendered: never inside code, link URLs, autolinks or e-mail addresses.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererProtocol
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

HANDLE_PATTERN = r"[a-z0-9](?:[a-z0-9._-]{0,78}[a-z0-9_-])?"

# The handle must run to its end: no prefix of an over-long handle, a trailing "." is
# punctuation, and "@ana@example.com" is an address. ASCII so "K" (Kelvin) never matches "k".
_MENTION_RE = re.compile(rf"@({HANDLE_PATTERN})(?!\.?[a-z0-9_-]|@)", re.IGNORECASE | re.ASCII)
_GLUED_BEFORE_RE = re.compile(r"[\w.+\-/@]")
_LANGUAGE_CLASS_RE = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")

_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "span",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "code": {"class"},
    "span": {"class", "data-handle"},
}
_ALIGNMENTS = {"text-align:left", "text-align:center", "text-align:right"}
_ATTRIBUTE_VALUES = {
    "span": {"data-kind": {"member", "group"}},
    "th": {"style": _ALIGNMENTS},
    "td": {"style": _ALIGNMENTS},
}


def _glued_to_word(src: str, pos: int) -> bool:
    """An "@" glued to a word or path ("ana@example.com", "x.org/@ana") is no mention.
    Underscores are looked through: "_@ana said_" is emphasis, "ana_@x.org" an address."""
    start = pos
    while start > 0 and src[start - 1] == "_":
        start -= 1
    return start > 0 and _GLUED_BEFORE_RE.match(src[start - 1]) is not None


def _mention_rule(state: StateInline, silent: bool) -> bool:
    pos = state.pos
    if state.src[pos] != "@" or _glued_to_word(state.src, pos):
        return False
    match = _MENTION_RE.match(state.src, pos, state.posMax)
    if match is None:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.content = match.group(0)
        token.meta = {"handle": match.group(1).lower()}
    state.pos = match.end()
    return True


def _render_mention(
    self: RendererProtocol, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    handle: str = token.meta["handle"]
    kind = env["known_handles"].get(handle)
    text = escapeHtml(token.content)
    if kind is None:
        return text
    attributes = f'class="mention" data-handle="{handle}" data-kind="{escapeHtml(kind)}"'
    return f"<span {attributes}>{text}</span>"


def _build_parser() -> MarkdownIt:
    # html=False: raw HTML in a message is shown as text, never passed to the sanitizer.
    # Images are off: a remote <img> in chat would leak readers' IPs to whoever posts it.
    # Chat bodies are typed line by line: a single newline is a line break.
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True})
    md.enable(["table", "strikethrough", "linkify"]).disable("image")
    md.inline.ruler.push("mention", _mention_rule)
    md.add_render_rule("mention", _render_mention)
    return md


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute != "class":
        return value
    if tag == "span":
        return value if value == "mention" else None
    return value if _LANGUAGE_CLASS_RE.fullmatch(value) else None


_PARSER = _build_parser()
_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    attributes=_ATTRIBUTES,
    tag_attribute_values=_ATTRIBUTE_VALUES,
    attribute_filter=_filter_attribute,
    link_rel="nofollow noopener noreferrer",
    url_schemes={"http", "https", "mailto"},
)


_PLAIN_CHARACTERS = frozenset(string.ascii_letters + string.digits + " ,.?!")


def is_plain_sentence(text: str) -> bool:
    """True for one line of words and plain punctuation, which Markdown leaves as it is.

    Most chat messages are like that ("Sounds good, see you at 3pm!"), and for them
    the full parse is the costliest step of sending. The rules keep out everything
    the parser would change: markup characters, line starts that open a list,
    "name.tld" that autolinking would turn into a link, and surrounding spaces.
    """
    return (
        0 < len(text) <= 2000
        and text[0].isascii()
        and text[0].isalpha()
        and text == text.strip()
        and "  " not in text
        and _PLAIN_CHARACTERS.issuperset(text)
        and all(text[i + 1] == " " for i in _dots(text) if i + 1 < len(text))
    )


def _dots(text: str) -> list[int]:
    return [i for i, ch in enumerate(text) if ch == "."]


class ParsedBody:
    """One parse of a message body, read three ways: mentions, HTML and plain text.

    Sending a message needs all three; parsing once keeps that to one pass.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._env: dict[str, Any] = {"known_handles": {}}
        self._plain = text if is_plain_sentence(text) else None
        self._tokens = [] if self._plain is not None else _PARSER.parse(text, self._env)

    @property
    def mentions(self) -> frozenset[str]:
        """Lowercased handles mentioned as @handle outside code, URLs and e-mail addresses."""
        return frozenset(
            child.meta["handle"]
            for token in self._tokens
            for child in token.children or ()
            if child.type == "mention"
        )

    def html(self, known_handles: Mapping[str, str] | None = None) -> str:
        """Sanitized HTML; @handles found in known_handles (lowercased handle -> kind)
        become <span class="mention">, others stay text."""
        if self._plain is not None:
            return f"<p>{self._plain}</p>\n"
        env = {**self._env, "known_handles": known_handles or {}}
        return _CLEANER.clean(_PARSER.renderer.render(self._tokens, _PARSER.options, env))

    def plain_text(self) -> str:
        """Words of the body for search and snippets: code kept, link URLs kept once."""
        if self._plain is not None:
            return " ".join(self._plain.split())
        parts: list[str] = []
        for token in self._tokens:
            if token.type in ("code_block", "fence"):
                parts.append(token.content)
            elif token.children is not None:
                parts.append(_inline_text(token.children))
        return " ".join(" ".join(parts).split())


def extract_mentions(text: str) -> frozenset[str]:
    return ParsedBody(text).mentions


def render_markdown(text: str, known_handles: Mapping[str, str] | None = None) -> str:
    return ParsedBody(text).html(known_handles)


def plain_text(text: str) -> str:
    return ParsedBody(text).plain_text()


def _inline_text(children: Sequence[Token]) -> str:
    parts: list[str] = []
    href = ""
    for child in children:
        if child.type == "link_open":
            # Autolinks already show their URL as the link text.
            href = "" if child.info == "auto" else str(child.attrGet("href") or "")
        elif child.type == "link_close" and href:
            parts.append(f" {href}")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type in ("text", "code_inline", "mention"):
            parts.append(child.content)
    return "".join(parts)
