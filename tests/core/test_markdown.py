import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tidings.core.markdown import (
    _CLEANER,
    _PARSER,
    HANDLE_PATTERN,
    ParsedBody,
    extract_mentions,
    is_plain_sentence,
    plain_text,
    render_markdown,
)

KNOWN = {"ana": "member", "design": "group"}
ANA = '<span class="mention" data-handle="ana" data-kind="member">@ana</span>'

# Markup that a hostile or careless sender might mix into a message.
FRAGMENTS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))", "[x](java&#115;cript:alert(1))", "<javascript:alert(1)>",
    '<a href="javascript:x" onclick="y">', "```js\n", "`", "@ana", "@", "**", "~~", "|a|\n|-|\n",
    "\n", " ", "[", "](", ")", "<", ">", '"', "'", "&", "https://example.com", "ana@example.com",
]  # fmt: skip


def assert_inert(rendered: str) -> None:
    # Text may say 'onload=' or 'href="javascript:' harmlessly: only tags matter, and a
    # "<" in text is always escaped, so every "<" starts a real tag.
    for tag in re.findall(r"<[^>]*>", rendered):
        assert not tag.lower().startswith("<script")
        assert not re.search(r"\son\w+=", tag, re.IGNORECASE)
        for url in re.findall(r'(?:href|src)="([^"]*)"', tag):
            assert url_scheme(url) in {None, "http", "https", "mailto"}


def url_scheme(url: str) -> str | None:
    # Browsers ignore control characters and spaces when reading a scheme.
    normalized = re.sub(r"[\x00-\x20]", "", html.unescape(url)).lower()
    scheme = re.match(r"([a-z][a-z0-9+.-]*):", normalized)
    return scheme.group(1) if scheme else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@ana hello", {"ana"}),
        ("hi (@ana)", {"ana"}),
        ("thanks,@ana!", {"ana"}),
        ("ask @Ana", {"ana"}),
        ("that is @ana's call", {"ana"}),
        ("ping @ana.", {"ana"}),
        ("@ana.b and @x_y-z", {"ana.b", "x_y-z"}),
        ("**@ana** and _@design is here_", {"ana", "design"}),
        ("mail ana@example.com or @ana@example.com or ana_@example.com", set()),
        ("`@ana` in code", set()),
        ("```\n@ana\n```", set()),
        ("text\n\n    @ana indented", set()),
        ("[profile](https://social.example/@ana) https://social.example/@bob", set()),
        ("www.example.com/@ana", set()),
        ("@** junk @ and @@ana", set()),
        (r"\@ana escaped", set()),
        ("@" + "a" * 81, set()),
    ],
)
def test_extract_mentions(text: str, expected: set[str]) -> None:
    assert extract_mentions(text) == expected


def test_known_member_mention_renders_as_span() -> None:
    assert render_markdown("@ana hi", KNOWN) == f"<p>{ANA} hi</p>\n"


def test_group_mention_renders_group_kind() -> None:
    assert 'data-handle="design" data-kind="group">@design</span>' in render_markdown(
        "cc @design", KNOWN
    )


def test_mention_keeps_written_case_and_lowercases_handle() -> None:
    assert 'data-handle="ana" data-kind="member">@Ana</span>)' in render_markdown("(@Ana)", KNOWN)


def test_unknown_handle_stays_text() -> None:
    assert render_markdown("hi @bob", KNOWN) == "<p>hi @bob</p>\n"
    assert render_markdown("hi @ana") == "<p>hi @ana</p>\n"


def test_mention_in_code_is_not_rendered() -> None:
    rendered = render_markdown("`@ana`\n\n```\n@ana\n```", KNOWN)
    assert "mention" not in rendered
    assert "<code>@ana</code>" in rendered


def test_raw_html_is_escaped() -> None:
    rendered = render_markdown("<script>alert(1)</script> <img src=x onerror=alert(1)>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert "<img" not in rendered
    assert_inert(rendered)


def test_javascript_link_gets_no_href() -> None:
    rendered = render_markdown("[x](javascript:alert(1)) [y](JAVASCRIPT:alert(1))")
    assert "href" not in rendered


def test_table_and_strikethrough() -> None:
    rendered = render_markdown("| a | b |\n|:--|--:|\n| 1 | ~~2~~ |")
    assert '<th style="text-align:left">a</th>' in rendered
    assert '<td style="text-align:right"><s>2</s></td>' in rendered


def test_fenced_code_keeps_language_class() -> None:
    rendered = render_markdown("```python\nprint('<b>')\n```")
    assert '<pre><code class="language-python">' in rendered
    assert "&lt;b&gt;" in rendered


def test_hostile_language_class_is_dropped() -> None:
    rendered = render_markdown('```x"onclick="alert(1)\ncode\n```')
    assert "<pre><code>code" in rendered
    assert_inert(rendered)


def test_autolink_gets_rel() -> None:
    rendered = render_markdown("see https://example.com")
    assert (
        '<a href="https://example.com" rel="nofollow noopener noreferrer">https://example.com</a>'
        in rendered
    )


def test_images_render_without_img_tag() -> None:
    assert "<img" not in render_markdown("![cat](https://example.com/cat.png)")


def test_plain_text_strips_markup_and_keeps_words() -> None:
    text = (
        "# Plan\n\nRead **the docs** at [our wiki](https://wiki.example/plan) "
        "or https://example.com\n\n- one\n- `two`\n\n```python\nprint(1)\n```\n"
    )
    assert plain_text(text) == (
        "Plan Read the docs at our wiki https://wiki.example/plan "
        "or https://example.com one two print(1)"
    )


def test_plain_text_keeps_mentions_and_joins_inline_markup() -> None:
    assert plain_text("hey @ana,\nso**me**thing") == "hey @ana, something"


@given(st.text() | st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=3)).map("".join))
def test_render_is_always_inert(text: str) -> None:
    assert_inert(render_markdown(text, KNOWN))


@given(st.text() | st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=3)).map("".join))
def test_extracted_mentions_are_handles(text: str) -> None:
    for handle in extract_mentions(text):
        assert re.fullmatch(HANDLE_PATTERN, handle)
        assert not handle.endswith(".")


PLAIN_ALPHABET = st.text(alphabet="abcXYZ019 ,.?!", min_size=1, max_size=60)


@given(PLAIN_ALPHABET)
@settings(max_examples=500)
def test_plain_sentence_fast_path_matches_the_full_parse(text: str) -> None:
    parsed = ParsedBody(text)
    if not is_plain_sentence(text):
        return
    full = _PARSER.parse(text, {"known_handles": {}})
    slow_html = _CLEANER.clean(_PARSER.renderer.render(full, _PARSER.options, {}))
    assert parsed.html() == slow_html
    assert parsed.mentions == frozenset()
    assert parsed.plain_text() == " ".join(text.split())


@pytest.mark.parametrize(
    "text",
    ["Sounds good, see you at 3pm!", "Thanks. Done?", "Ship it"],
)
def test_everyday_sentences_take_the_fast_path(text: str) -> None:
    assert is_plain_sentence(text)


@pytest.mark.parametrize(
    "text",
    ["1. first", "see example.com", "a  b", " lead", "**bold**", "@ana hi", "x\ny", "tl;dr"],
)
def test_anything_markdown_could_change_takes_the_full_parse(text: str) -> None:
    assert not is_plain_sentence(text)
