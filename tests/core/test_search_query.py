from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tidings.core.search_query import (
    HAS_FLAGS,
    IS_FLAGS,
    MAX_QUERY_LENGTH,
    SearchQuery,
    parse_search_query,
)
from tidings.errors import BadSearchQuery

NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")


def rejects(text: str) -> str:
    with pytest.raises(BadSearchQuery) as caught:
        parse_search_query(text)
    return caught.value.detail


# Words, phrases and exclusions


def test_plain_words_become_terms_with_case_preserved() -> None:
    assert parse_search_query("Budget  review\tQ3") == SearchQuery(terms=("Budget", "review", "Q3"))


def test_quoted_phrase_collapses_inner_whitespace() -> None:
    query = parse_search_query('"exact   phrase\there" budget')
    assert query.phrases == ("exact phrase here",)
    assert query.terms == ("budget",)


def test_curly_quotes_work_like_straight_quotes() -> None:
    query = parse_search_query("“exact phrase” topic:“Q3 plan” -“old draft”")
    assert query.phrases == ("exact phrase",)
    assert query.topics == ("Q3 plan",)
    assert query.excluded == ("old draft",)


def test_mixed_straight_and_curly_quotes_pair_up() -> None:
    assert parse_search_query('“exact phrase"').phrases == ("exact phrase",)


def test_quote_inside_a_word_starts_a_phrase() -> None:
    query = parse_search_query('say"hello world"')
    assert (query.terms, query.phrases) == (("say",), ("hello world",))


def test_minus_word_is_excluded() -> None:
    query = parse_search_query("budget -draft")
    assert (query.terms, query.excluded) == (("budget",), ("draft",))


def test_minus_quoted_phrase_is_excluded() -> None:
    assert parse_search_query('budget -"two  words"').excluded == ("two words",)


def test_bare_dashes_are_ignored_as_punctuation() -> None:
    assert parse_search_query("budget - draft -- — plan").terms == ("budget", "draft", "plan")


def test_punctuation_only_terms_are_dropped() -> None:
    query = parse_search_query('budget ? ... !! "..." -?')
    assert query == SearchQuery(terms=("budget",))


def test_emoji_and_symbol_terms_are_kept() -> None:
    assert parse_search_query("🎉 $5").terms == ("🎉", "$5")


def test_hyphenated_and_accented_words_stay_whole() -> None:
    assert parse_search_query("follow-up café").terms == ("follow-up", "café")


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com/a?b=c",
        "http://x",
        "12:30",
        "10:00:00",
        "Note:",
        "std::vector",
        "café:bar",
        "a1:b",
    ],
)
def test_urls_times_and_non_operator_colons_stay_plain_terms(text: str) -> None:
    assert parse_search_query(text).terms == (text,)


def test_excluded_url_is_a_plain_exclusion() -> None:
    assert parse_search_query("budget -https://x.com").excluded == ("https://x.com",)


# Operators


def test_from_strips_at_sign_and_lowercases() -> None:
    assert parse_search_query("from:@Ana from:bob").from_handles == ("ana", "bob")


def test_in_strips_hash_and_lowercases() -> None:
    assert parse_search_query("in:#Design in:ops").in_channels == ("design", "ops")


def test_repeated_from_and_in_keep_every_value() -> None:
    query = parse_search_query("from:@ana from:@bo in:#a in:#b in:#c")
    assert query.from_handles == ("ana", "bo")
    assert query.in_channels == ("a", "b", "c")


def test_quoted_channel_value_is_accepted() -> None:
    assert parse_search_query('in:"#design"').in_channels == ("design",)


def test_handle_allows_dots_underscores_dashes_and_80_characters() -> None:
    long_handle = "a" * 80
    query = parse_search_query(f"from:@a.b_c-d from:{long_handle}")
    assert query.from_handles == ("a.b_c-d", long_handle)


def test_quoted_topic_value_keeps_spaces() -> None:
    assert parse_search_query('topic:"Q3   plan"').topics == ("Q3 plan",)


def test_unquoted_topic_is_one_word_with_case_preserved() -> None:
    query = parse_search_query("topic:Budget review")
    assert (query.topics, query.terms) == (("Budget",), ("review",))


@pytest.mark.parametrize("flag", sorted(IS_FLAGS))
def test_every_is_flag_is_accepted(flag: str) -> None:
    assert parse_search_query(f"is:{flag}").is_flags == {flag}


@pytest.mark.parametrize("flag", sorted(HAS_FLAGS))
def test_every_has_flag_is_accepted(flag: str) -> None:
    assert parse_search_query(f"has:{flag}").has_flags == {flag}


def test_flag_values_are_case_insensitive() -> None:
    query = parse_search_query("is:URGENT is:Unread has:Link")
    assert query.is_flags == {"urgent", "unread"}
    assert query.has_flags == {"link"}


def test_operator_names_are_case_insensitive() -> None:
    query = parse_search_query("FROM:@Ana In:#Design TOPIC:x IS:urgent Has:code BEFORE:2026-01-31")
    assert query == SearchQuery(
        from_handles=("ana",),
        in_channels=("design",),
        topics=("x",),
        is_flags=frozenset({"urgent"}),
        has_flags=frozenset({"code"}),
        before=date(2026, 1, 31),
    )


def test_before_and_after_take_iso_dates() -> None:
    query = parse_search_query("before:2026-01-31 after:2026-01-01")
    assert (query.before, query.after) == (date(2026, 1, 31), date(2026, 1, 1))


def test_before_and_after_both_exclude_the_named_day() -> None:
    query = parse_search_query("after:2026-01-01 before:2026-01-31")
    assert query.since == datetime(2026, 1, 2, tzinfo=UTC)
    assert query.until == datetime(2026, 1, 31, tzinfo=UTC)


def test_one_day_between_after_and_before_is_allowed() -> None:
    query = parse_search_query("after:2026-01-01 before:2026-01-03")
    assert (query.since, query.until) == (
        datetime(2026, 1, 2, tzinfo=UTC),
        datetime(2026, 1, 3, tzinfo=UTC),
    )


def test_repeated_dates_keep_the_strictest_bound() -> None:
    query = parse_search_query(
        "before:2026-03-01 before:2026-02-01 after:2026-01-01 after:2026-01-10"
    )
    assert (query.before, query.after) == (date(2026, 2, 1), date(2026, 1, 10))


def test_mixed_query_fills_every_field() -> None:
    query = parse_search_query(
        'from:@ana in:#design topic:"Q3 plan" is:urgent budget -draft "exact phrase" '
        "before:2026-01-31 after:2026-01-01"
    )
    assert query == SearchQuery(
        terms=("budget",),
        phrases=("exact phrase",),
        excluded=("draft",),
        from_handles=("ana",),
        in_channels=("design",),
        topics=("Q3 plan",),
        is_flags=frozenset({"urgent"}),
        has_flags=frozenset(),
        before=date(2026, 1, 31),
        after=date(2026, 1, 1),
    )


def test_filters_alone_make_a_valid_query_without_text() -> None:
    query = parse_search_query("from:@ana -draft")
    assert not query.has_text
    assert not query.is_empty


def test_has_text_is_true_for_terms_or_phrases() -> None:
    assert parse_search_query("budget").has_text
    assert parse_search_query('"a b"').has_text


def test_default_query_is_empty_and_has_no_bounds() -> None:
    query = SearchQuery()
    assert query.is_empty
    assert not query.has_text
    assert (query.since, query.until) == (None, None)


def test_query_of_exactly_the_maximum_length_is_accepted() -> None:
    assert parse_search_query("a" * MAX_QUERY_LENGTH).terms == ("a" * MAX_QUERY_LENGTH,)


# Errors


@pytest.mark.parametrize("text", ["", "   ", "\t\n", "\u3000"])
def test_blank_query_asks_for_something_to_search(text: str) -> None:
    assert rejects(text) == "Type something to search for"


def test_punctuation_only_query_is_rejected() -> None:
    assert "punctuation alone" in rejects("? ... - --")


def test_too_long_query_names_its_length_and_the_limit() -> None:
    detail = rejects("a" * (MAX_QUERY_LENGTH + 1))
    assert "501 characters" in detail
    assert str(MAX_QUERY_LENGTH) in detail


@pytest.mark.parametrize(
    ("text", "position"),
    [('budget "abc', 8), ('topic:"Q3 plan', 7), ('"a" "b', 5), ("-“draft", 2)],
)
def test_unterminated_quote_names_its_position(text: str, position: int) -> None:
    assert f"Unterminated quote starting at position {position}" in rejects(text)


def test_unknown_operator_is_named_and_known_ones_listed() -> None:
    assert rejects("foo:bar") == (
        'Unknown operator "foo:" — use from:, in:, topic:, is:, has:, type:, before:, after:'
    )


@pytest.mark.parametrize("text", ["form:@ana", "Form:ana", 'form:"ana"', "ni:#design", "-form:x"])
def test_operator_typo_is_caught_not_searched(text: str) -> None:
    detail = rejects(text)
    assert "Unknown operator" in detail
    assert re.search(r'"(form|Form|ni):"', detail)


@pytest.mark.parametrize(
    ("text", "operator"),
    [
        ("from:", "from:"),
        ("budget in:", "in:"),
        ('topic:""', "topic:"),
        ('topic:"   "', "topic:"),
        ("IS:", "is:"),
        ("has:", "has:"),
        ("before:", "before:"),
        ("after: budget", "after:"),
    ],
)
def test_operator_without_value_is_rejected(text: str, operator: str) -> None:
    assert f'"{operator}" needs a value' in rejects(text)


def test_unknown_is_value_is_named_and_allowed_values_listed() -> None:
    detail = rejects("is:urgnt")
    assert '"urgnt"' in detail
    assert all(f"is:{flag}" in detail for flag in IS_FLAGS)


def test_unknown_has_value_is_named_and_allowed_values_listed() -> None:
    detail = rejects("has:files")
    assert '"files"' in detail
    assert all(f"has:{flag}" in detail for flag in HAS_FLAGS)


def test_impossible_date_is_rejected_with_the_expected_format() -> None:
    assert rejects("before:2026-13-01").startswith('"2026-13-01" is not a date; use YYYY-MM-DD')


@pytest.mark.parametrize(
    "value", ["2026-02-30", "yesterday", "20260101", "2026-1-5", "2026-W01-1", "２０２６-01-01"]
)
def test_only_iso_calendar_dates_are_accepted(value: str) -> None:
    assert f'"{value}" is not a date' in rejects(f"after:{value}")


def test_after_later_than_before_is_rejected() -> None:
    detail = rejects("after:2026-02-01 before:2026-01-01")
    assert detail == "after:2026-02-01 is later than before:2026-01-01"


@pytest.mark.parametrize(
    "text",
    ["after:2026-01-01 before:2026-01-01", "after:2026-01-01 before:2026-01-02"],
)
def test_date_range_with_no_day_left_is_rejected(text: str) -> None:
    detail = rejects(text)
    assert "after:2026-01-01" in detail
    assert "leave no day to search" in detail


def test_after_the_last_representable_day_is_rejected() -> None:
    assert "after:9999-12-31" in rejects("after:9999-12-31")


def test_exclusions_alone_are_rejected_naming_one() -> None:
    detail = rejects('-draft -"old plan"')
    assert "besides exclusions" in detail
    assert "-draft" in detail


def test_excluded_phrase_alone_is_shown_quoted() -> None:
    assert '-"old plan"' in rejects('-"old plan"')


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("from:@ana!", "@ana!", "handle"),
        ("from:@-ana", "@-ana", "handle"),
        ("from:@@ana", "@@ana", "handle"),
        ("from:\u212ana", "\u212ana", "handle"),
        (f"from:{'a' * 81}", "a" * 81, "handle"),
        ("in:#", "#", "channel name"),
        ('in:"#two words"', "#two words", "channel name"),
        ("in:@design", "@design", "channel name"),
    ],
)
def test_invalid_handle_or_channel_is_named(text: str, value: str, kind: str) -> None:
    assert f'"{value}" is not a valid {kind}' in rejects(text)


@pytest.mark.parametrize("text", ["budget -from:@ana", '-topic:"Q3 plan" x', "x -IS:urgent"])
def test_filters_cannot_be_excluded(text: str) -> None:
    detail = rejects(text)
    assert 'remove the "-" before' in detail
    assert re.search(r'"(from|topic|IS):"', detail)


def test_errors_carry_the_bad_search_query_code() -> None:
    with pytest.raises(BadSearchQuery) as caught:
        parse_search_query("is:nope")
    assert caught.value.code == "bad_search_query"
    assert caught.value.status == 422


# Properties

OPERATOR_BITS = ["from:", "in:", "topic:", "is:", "has:", "before:", "after:", "FROM:", "Is:"]
PUNCTUATION_BITS = ["foo:", "http://", "12:30", "::", ":", "-", "--", "@", "#", '"', "“", "”"]
VALUE_BITS = ["ana", "urgent", "link", "2026-01-31", "2026-13-01", "9999-12-31", "0001-01-01"]
UNICODE_BITS = ["é", "🎉", "\u212a", "\u0130", "\t", "\n", "\u00a0", "\x00", "\u200b"]
FRAGMENTS = OPERATOR_BITS + PUNCTUATION_BITS + VALUE_BITS + UNICODE_BITS
soup = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=40).flatmap(
    lambda parts: st.sampled_from(["", " "]).map(lambda glue: glue.join(parts))
)


def check_invariants(text: str) -> None:
    try:
        query = parse_search_query(text)
    except BadSearchQuery as error:
        assert error.detail
        return
    assert not query.is_empty
    assert all(NAME.fullmatch(name) for name in (*query.from_handles, *query.in_channels))
    assert query.is_flags <= IS_FLAGS
    assert query.has_flags <= HAS_FLAGS
    assert all(query.topics) and all(query.terms) and all(query.phrases)
    if query.after and query.before:
        assert query.since is not None and query.until is not None
        assert query.since < query.until


@given(st.text())
def test_any_text_parses_or_raises_bad_search_query(text: str) -> None:
    check_invariants(text)


@given(soup)
def test_operator_quote_and_dash_soup_parses_or_raises_bad_search_query(text: str) -> None:
    check_invariants(text)


words = st.lists(st.from_regex(r"[A-Za-z0-9]{1,12}", fullmatch=True), min_size=1, max_size=8)


@given(words, st.sampled_from([" ", "  ", " - ", " -- ", " ? ", "\t...\n"]))
def test_plain_words_come_back_as_terms_in_order(terms: list[str], separator: str) -> None:
    assert parse_search_query(separator.join(terms)).terms == tuple(terms)


@given(words)
def test_quoted_words_come_back_as_one_phrase(parts: list[str]) -> None:
    assert parse_search_query('"' + "  ".join(parts) + '"').phrases == (" ".join(parts),)


@pytest.mark.parametrize("flag", ["file", "image", "clip", "attachment"])
def test_has_file_flags(flag: str) -> None:
    assert parse_search_query(f"has:{flag} budget").has_flags == {flag}


def test_type_names_a_file_type() -> None:
    query = parse_search_query("type:PDF type:.png")
    assert query.file_types == ("pdf", "png")
    assert "is not a file type" in rejects("type:%%")
