"""The pure file rules: names, types, what may be inline, ranges, link signatures."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tidings.core.files import (
    MAX_FILENAME,
    ByteRange,
    byte_range,
    clean_filename,
    content_disposition,
    content_type_from,
    kind_of,
    link_is_valid,
    link_signature,
    served_type,
    shown_inline,
)
from tidings.errors import RangeNotSatisfiable


@given(st.text(max_size=600))
def test_a_cleaned_name_is_safe_whatever_came_in(name: str) -> None:
    cleaned = clean_filename(name)
    assert cleaned and len(cleaned) <= MAX_FILENAME
    assert "/" not in cleaned and "\\" not in cleaned and not cleaned.startswith(".")
    assert all(unicodedata.category(c) not in ("Cc", "Cf") for c in cleaned)


@pytest.mark.parametrize(
    ("given_name", "expected"),
    [
        ("C:\\Users\\ana\\plan.pdf", "plan.pdf"),
        ("../../.bashrc", "bashrc"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("  two\tspaces  .txt", "two spaces .txt"),
        ("", "file"),
    ],
)
def test_names_lose_paths_controls_and_bidi_overrides(given_name: str, expected: str) -> None:
    assert clean_filename(given_name) == expected


def test_a_long_name_keeps_its_extension() -> None:
    cleaned = clean_filename("x" * 300 + ".tar.gz")
    assert len(cleaned) == MAX_FILENAME and cleaned.endswith(".gz")


@pytest.mark.parametrize(
    ("candidates", "head", "expected"),
    [
        (["image/png"], b"\x89PNG\r\n", "image/png"),
        (["image/png"], b"\x89PNG <html><script>", "text/html"),
        ([], b"<!DOCTYPE html><p>x", "text/html"),
        (["image/svg+xml"], b"<svg onload=x>", "image/svg+xml"),
        ([], b"just some words", "text/plain"),
        ([], b"\x00\x01\x02binary", "application/octet-stream"),
    ],
)
def test_the_type_comes_from_the_bytes(candidates: list[str], head: bytes, expected: str) -> None:
    assert content_type_from(candidates, head) == expected


def test_only_raster_images_audio_and_video_are_inline() -> None:
    assert shown_inline("image/png") and shown_inline("audio/ogg") and shown_inline("video/mp4")
    for kind in ("image/svg+xml", "text/html", "application/pdf", "text/plain", "image/bmp"):
        assert not shown_inline(kind)
    assert served_type("text/html") == "application/octet-stream"
    assert served_type("image/svg+xml") == "application/octet-stream"
    assert kind_of("image/svg+xml") == "file" and kind_of("video/webm") == "video"


def test_the_disposition_carries_the_exact_name() -> None:
    header = content_disposition('Résumé "final".pdf', inline=False)
    assert header.startswith('attachment; filename="Resume _final_.pdf"')
    assert "filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22.pdf" in header


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-9", ByteRange(0, 9)),
        ("bytes=90-", ByteRange(90, 99)),
        ("bytes=-5", ByteRange(95, 99)),
        ("bytes=50-500", ByteRange(50, 99)),
        ("bytes=0-1,5-6", None),
        ("items=0-1", None),
    ],
)
def test_byte_ranges(header: str | None, expected: ByteRange | None) -> None:
    assert byte_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=5-2", "bytes=-0"])
def test_ranges_outside_the_file_are_not_satisfiable(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        byte_range(header, 100)


def test_a_link_is_bound_to_file_member_part_and_time() -> None:
    key = b"k" * 32
    sig = link_signature(key, 7, 3, 1000, "file")
    assert link_is_valid(key, 7, 3, 1000, "file", sig, now=999)
    assert not link_is_valid(key, 7, 3, 1000, "file", sig, now=1001)
    assert not link_is_valid(key, 8, 3, 1000, "file", sig, now=999)
    assert not link_is_valid(key, 7, 4, 1000, "file", sig, now=999)
    assert not link_is_valid(key, 7, 3, 1000, "thumbnail", sig, now=999)
    assert not link_is_valid(b"other" * 8, 7, 3, 1000, "file", sig, now=999)
