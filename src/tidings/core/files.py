"""Rules about files: names, types, kinds, what a browser may show inline,
byte ranges, and signed links. Pure: the bytes are read elsewhere."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from tidings.errors import InvalidInput, RangeNotSatisfiable

MAX_FILENAME = 200
MAX_ALT_TEXT = 1000
OCTET_STREAM = "application/octet-stream"

# Raster images a browser may show inline; their bytes cannot carry script.
SAFE_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# Never rendered by us, never served as themselves: markup that a browser would run.
ACTIVE_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "application/xml",
        "text/xml",
        "application/javascript",
        "text/javascript",
    }
)
_ACTIVE_MARKERS = (b"<html", b"<!doctype", b"<script", b"<svg", b"<?xml", b"<body", b"<iframe")
# Detectors' names for types browsers know under another.
_CANONICAL = {
    "audio/wave": "audio/wav",
    "audio/x-wav": "audio/wav",
    "application/ogg": "audio/ogg",  # nearly always audio; Ogg video is rare
    "application/x-matroska": "video/x-matroska",
}
# Bidirectional overrides and isolates turn "gpj.exe" into what reads as "exe.jpg".
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


class Kind:
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    FILE = "file"
    CLIPS = (AUDIO, VIDEO)


def clean_filename(name: str) -> str:
    """A name safe to show and to offer for saving: the last path part only, no
    control, format or bidirectional characters, no leading dots, at most
    ``MAX_FILENAME`` characters with the extension kept."""
    if not isinstance(name, str):
        raise InvalidInput("A file needs a name", field="filename")
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[\\/]", name)[-1]
    spaced = "".join(" " if ch.isspace() else ch for ch in name)
    kept = "".join(
        ch
        for ch in spaced
        if ch not in _BIDI and unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    kept = " ".join(kept.split()).lstrip(".").strip()
    if not kept:
        return "file"
    if len(kept) > MAX_FILENAME:
        stem, dot, ext = kept.rpartition(".")
        if dot and 0 < len(ext) <= 16 and stem:
            kept = stem[: MAX_FILENAME - len(ext) - 1].rstrip() + "." + ext
        else:
            kept = kept[:MAX_FILENAME]
    return kept


def clean_alt_text(text: str) -> str:
    if not isinstance(text, str):
        raise InvalidInput("Alt text is text", field="alt_text")
    text = " ".join(text.split())
    if len(text) > MAX_ALT_TEXT:
        raise InvalidInput(f"Alt text is at most {MAX_ALT_TEXT} characters", field="alt_text")
    return text


def content_type_from(candidates: Iterable[str], head: bytes) -> str:
    """The type of the bytes, from a detector's candidate types (best first) and
    the first bytes. Markup wins over anything else it could also be, so that an
    HTML page dressed as an image is never taken for one."""
    found = [c.lower() for c in candidates if c]
    lowered = head[:4096].lower()
    if any(c in ACTIVE_TYPES for c in found) or any(m in lowered for m in _ACTIVE_MARKERS):
        svg = "image/svg+xml" in found or b"<svg" in lowered
        return "image/svg+xml" if svg else "text/html"
    if found:
        return _CANONICAL.get(found[0], found[0])
    return "text/plain" if _looks_like_text(head) else OCTET_STREAM


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte character cut at the end is fine
        return exc.start >= len(head) - 3
    return True


def kind_of(content_type: str) -> str:
    if content_type in SAFE_IMAGES:
        return Kind.IMAGE
    major = content_type.split("/", 1)[0]
    if major == "audio":
        return Kind.AUDIO
    if major == "video":
        return Kind.VIDEO
    return Kind.FILE


def shown_inline(content_type: str) -> bool:
    """Safe raster images, audio and video play in the page; everything else is
    offered for saving."""
    return content_type not in ACTIVE_TYPES and kind_of(content_type) != Kind.FILE


def served_type(content_type: str) -> str:
    """The Content-Type a download carries: active markup never goes out as itself."""
    return OCTET_STREAM if content_type in ACTIVE_TYPES else content_type


def content_disposition(filename: str, inline: bool) -> str:
    """RFC 6266 with an ASCII fallback and the exact name as RFC 5987 ``filename*``."""
    ascii_name = (
        unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode() or "file"
    )
    ascii_name = re.sub(r'["\\;%]', "_", ascii_name)
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def byte_range(header: str | None, size: int) -> ByteRange | None:
    """The one range a ``Range`` header asks for, or None for the whole file.

    Several ranges, or a header that is not a bytes range, are answered with the
    whole file (allowed by RFC 9110); a range past the end is not satisfiable."""
    if not header:
        return None
    match = re.fullmatch(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", header)
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # a suffix: the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(f"The file has {size} bytes")
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise RangeNotSatisfiable(f"The file has {size} bytes")
    return ByteRange(start, end)


def link_signature(secret: bytes, file_id: int, member_id: int, expires: int, part: str) -> str:
    """What a short-lived link carries: an HMAC over the file, the member it was made
    for, what it shows (the file or its thumbnail) and when it stops working."""
    message = f"{file_id}:{member_id}:{part}:{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def link_is_valid(
    secret: bytes, file_id: int, member_id: int, expires: int, part: str, signature: str, now: int
) -> bool:
    if expires < now:
        return False
    expected = link_signature(secret, file_id, member_id, expires, part)
    return hmac.compare_digest(expected, signature)
