from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tidings.core.context import CODES, check_draft, has_deadline_text

CORPUS = json.loads((Path(__file__).with_name("context_corpus.json")).read_text())


def codes(body: str, **options: object) -> set[str]:
    return {finding.code for finding in check_draft(body, **options)}  # type: ignore[arg-type]


def options_of(item: dict) -> dict[str, object]:
    return {k: item[k] for k in ("priority", "asks", "has_deadline", "has_attachment") if k in item}


def score(corpus: list[dict]) -> dict[str, tuple[int, int, int]]:
    """Per code: (true positives, false positives, false negatives)."""
    counts: dict[str, Counter[str]] = {code: Counter() for code in CODES}
    for item in corpus:
        got, want = codes(item["body"], **options_of(item)), set(item["expected"])
        for code in CODES:
            counts[code]["tp"] += code in got and code in want
            counts[code]["fp"] += code in got and code not in want
            counts[code]["fn"] += code not in got and code in want
    return {code: (c["tp"], c["fp"], c["fn"]) for code, c in counts.items()}


# The corpus


def test_corpus_is_big_and_mostly_good_messages() -> None:
    assert len(CORPUS) >= 80
    assert sum(not item["expected"] for item in CORPUS) >= 40
    for code in CODES:
        assert sum(code in item["expected"] for item in CORPUS) >= 6, code


@pytest.mark.parametrize("code", CODES)
def test_precision_on_the_corpus_is_at_least_0_9(code: str) -> None:
    tp, fp, fn = score(CORPUS)[code]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    assert precision >= 0.9, f"{code}: precision {precision:.2f}, recall {recall:.2f}"


def test_good_messages_in_the_corpus_get_no_findings() -> None:
    nagged = [
        item["body"][:60]
        for item in CORPUS
        if not item["expected"] and codes(item["body"], **options_of(item))
    ]
    assert len(nagged) <= 1, nagged


# NO_HELLO


@pytest.mark.parametrize(
    "body",
    [
        "hi",
        "Hello @ana",
        "quick question?",
        "got a minute?",
        "Hey Marcus! :wave:",
        "Olá @joão, tudo bem?",
    ],
)
def test_greeting_only_is_no_hello(body: str) -> None:
    assert codes(body) == {"NO_HELLO"}


def test_no_hello_stands_alone_and_suggests_writing_to_the_mentioned_person() -> None:
    [finding] = check_draft("@ana got a minute?", priority="urgent", asks=1)
    assert finding.code == "NO_HELLO"
    assert finding.suggestion.startswith("Say it all in one message: “@ana")


def test_a_real_greeting_followed_by_content_is_fine() -> None:
    assert (
        codes("Hi @ana! The Q3 numbers are in https://sheets.example.com/q3, all checked.") == set()
    )
    assert codes("Good morning Lisbon 🌅 The office printer is fixed.") == set()


# NO_DEADLINE


def test_a_request_without_a_deadline_is_no_deadline() -> None:
    found = check_draft("@priya can you review the Terraform change?")
    assert [f.code for f in found] == ["NO_DEADLINE"]
    assert "review the Terraform change by Thu 15:00 CET?" in found[0].suggestion


def test_an_explicit_ask_without_a_deadline_is_no_deadline() -> None:
    assert codes("Notes from the vendor call: https://docs.example.com/d/v", asks=1) == {
        "NO_DEADLINE"
    }


@pytest.mark.parametrize(
    "deadline",
    [
        "by Thu 15:00 CET",
        "before 15:00",
        "by EOD",
        "tomorrow",
        "by 2026-12-09",
        "by Friday",
        "by end of week",
        "within 2 working hours",
        "before the standup",
        "by Dec 9",
        "by 3pm",
    ],
)
def test_a_written_deadline_stands_the_ask_down(deadline: str) -> None:
    assert has_deadline_text(deadline)
    assert codes(f"Could you review https://git.example.com/pull/9 {deadline}?") == set()


def test_a_given_deadline_stands_the_ask_down() -> None:
    assert (
        codes("Can you review https://git.example.com/pull/9?", asks=1, has_deadline=True) == set()
    )


@pytest.mark.parametrize(
    "body",
    [
        "Can you believe it's December?",
        "Will you be at the offsite?",
        "Would you like to join?",
        "Can anyone recommend a dentist in Austin?",
        "Please ignore the alert, it's known.",
    ],
)
def test_questions_that_are_not_requests_need_no_deadline(body: str) -> None:
    assert codes(body) == set()


# VAGUE_ASK


@pytest.mark.parametrize(
    "body",
    [
        "thoughts?",
        "Draft: https://docs.example.com/d/x — let me know what you think",
        "New logos: https://drive.example.com/f/l. Any feedback?",
        "wdyt",
    ],
)
def test_an_open_thoughts_is_vague(body: str) -> None:
    assert codes(body) == {"VAGUE_ASK"}


@pytest.mark.parametrize(
    "body",
    [
        "Thoughts? Especially on the pricing in section 2: https://docs.example.com/d/p",
        "https://docs.example.com/d/p — thoughts? Should we drop the free tier for big teams?",
        "Any thoughts on the new onboarding flow for Manila?",
    ],
)
def test_a_specific_question_is_not_vague(body: str) -> None:
    assert "VAGUE_ASK" not in codes(body)


# MISSING_LINK


@pytest.mark.parametrize(
    "body",
    [
        "Please see the attached deck.",
        "I left comments on this doc.",
        "The link is in the invite.",
        "Here's the updated report for November.",
    ],
)
def test_a_thing_referenced_without_a_link_is_missing_link(body: str) -> None:
    assert "MISSING_LINK" in codes(body)


@pytest.mark.parametrize(
    "body",
    [
        "I left comments on this doc: https://docs.example.com/d/1",
        "I left comments on [this doc](https://docs.example.com/d/1).",
        "Can you review this PR (#1204) by EOD?",
        "This ticket, OPS-311, is done.",
        "See the attached report, churn.pdf.",
        "This doc is great, thanks!",
    ],
)
def test_a_link_identifier_or_file_name_stands_missing_link_down(body: str) -> None:
    assert "MISSING_LINK" not in codes(body)


def test_an_attachment_stands_missing_link_down() -> None:
    assert codes("See the attached deck.", has_attachment=True) == set()


def test_references_inside_code_and_quotes_are_ignored() -> None:
    assert codes("```\nsee this doc\n```\nFixed on staging.") == set()
    assert codes("> can you review this doc?\nDone, comments on section 2.") == set()


# URGENT_NO_REASON


def test_urgent_without_a_reason() -> None:
    assert codes("Need everyone in the ops room now", priority="urgent") == {"URGENT_NO_REASON"}


@pytest.mark.parametrize(
    "body",
    [
        "payments are failing",
        "The API is down for EU customers",
        "I'm blocked on the release",
        "Urgent because the bank cut-off is 15:00",
    ],
)
def test_urgent_with_a_reason_is_fine(body: str) -> None:
    assert codes(body, priority="urgent") == set()


def test_normal_and_high_priority_need_no_reason() -> None:
    assert codes("Need everyone in the ops room now", priority="high") == set()


# NO_SUMMARY

FILLER_LINE = "the retry queue requeues failed jobs with the original run_at, not the backoff. "


def test_a_long_message_opening_with_filler_has_no_summary() -> None:
    assert codes("So I was looking at the logs and " + FILLER_LINE * 8) == {"NO_SUMMARY"}
    assert codes("Hi all,\n\nJust wanted to share this.\n" + "- a point\n" * 7) == {"NO_SUMMARY"}


def test_a_long_first_line_is_no_summary() -> None:
    assert codes("The retry queue " + FILLER_LINE * 8) == {"NO_SUMMARY"}


@pytest.mark.parametrize(
    "first",
    [
        "TL;DR: failed jobs retry too early; fix in review.",
        "## Retry queue bug",
        "Hi all,\n\nFailed jobs retry too early; the fix is in review.",
        "Hey team, failed jobs retry too early; the fix is in review.",
    ],
)
def test_a_long_message_with_a_summary_first_is_fine(first: str) -> None:
    assert codes(first + "\n\n" + FILLER_LINE * 8) == set()


def test_short_messages_need_no_summary() -> None:
    assert codes("So the deploy is done.") == set()


def test_empty_drafts_have_no_findings() -> None:
    assert check_draft("") == [] and check_draft("   \n") == []


def test_findings_serialize_with_stable_keys() -> None:
    [finding] = check_draft("hi")
    assert set(finding.as_dict()) == {"code", "message", "suggestion"}
