"""Looking into uploaded bytes: their type (from the bytes, never the name),
an image's size, removing an image's metadata, and making thumbnails.

Every function reads from a path or bounded bytes; Pillow refuses images past
its decompression-bomb limit, which bounds the memory one image can take.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
import warnings
import wave
from dataclasses import dataclass
from pathlib import Path

import puremagic
from PIL import Image, ImageOps

from tidings.core.files import Kind, content_type_from, kind_of

log = logging.getLogger(__name__)
HEAD_BYTES = 8192
THUMBNAIL_BOX = (480, 480)
# Metadata keys that can say where, when and with what a photo was taken.
_REVEALING = ("exif", "xmp", "XML:com.adobe.xmp", "comment", "photoshop", "iptc")
_PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


@dataclass(frozen=True)
class Inspected:
    content_type: str
    kind: str
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None


def detect_type(path: Path) -> str:
    with path.open("rb") as source:
        head = source.read(HEAD_BYTES)
    try:
        candidates = [m.mime_type for m in puremagic.magic_file(str(path))]
    except (puremagic.PureError, ValueError):
        candidates = []
    return content_type_from(candidates, head)


def detect_type_of(data: bytes) -> str:
    """``detect_type`` for bytes held in memory (a fetched preview image)."""
    try:
        candidates = [m.mime_type for m in puremagic.magic_string(data)] if data else []
    except (puremagic.PureError, ValueError):
        candidates = []
    return content_type_from(candidates, data[:HEAD_BYTES])


def inspect(path: Path) -> Inspected:
    content_type = detect_type(path)
    kind = kind_of(content_type)
    if content_type == "audio/wav":
        return Inspected(content_type, kind, duration_ms=wav_duration_ms(path))
    if kind != Kind.IMAGE:
        return Inspected(content_type, kind)
    size = image_size(path)
    if size is None:  # it starts like an image but is not one
        return Inspected(content_type, Kind.FILE)
    return Inspected(content_type, kind, *size)


def wav_duration_ms(path: Path) -> int | None:
    """A WAV file's length from its header; other clips get theirs from a media tool."""
    try:
        with wave.open(str(path), "rb") as audio:
            return round(audio.getnframes() * 1000 / audio.getframerate())
    except (wave.Error, EOFError, ZeroDivisionError, OSError):
        return None


def _open(path: Path) -> Image.Image | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
            image.verify()
        return Image.open(path)
    except Exception:
        return None


def image_size(path: Path) -> tuple[int, int] | None:
    image = _open(path)
    if image is None:
        return None
    with image:
        width, height = image.size
        if _turned(image):
            width, height = height, width
        return width, height


def _turned(image: Image.Image) -> bool:
    return image.getexif().get(0x0112) in (5, 6, 7, 8)


def has_metadata(image: Image.Image) -> bool:
    if any(key in image.info for key in _REVEALING):
        return True
    if len(image.getexif()):
        return True
    return bool(getattr(image, "text", None))


def strip_metadata(path: Path, content_type: str) -> Path | None:
    """A copy of the image without EXIF, XMP or comments, turned the way its EXIF
    said to show it; None if there was nothing to remove (or it is not a format
    rewritten here: GIF keeps no location and is served as sent)."""
    fmt = _PILLOW_FORMATS.get(content_type)
    if fmt is None:
        return None
    image = _open(path)
    if image is None:
        return None
    with image:
        if not has_metadata(image):
            return None
        upright = ImageOps.exif_transpose(image)
        options: dict[str, object] = {}
        if "icc_profile" in image.info:  # colour, not location: kept
            options["icc_profile"] = image.info["icc_profile"]
        if fmt == "JPEG":
            options.update(quality=95, subsampling="keep" if upright is image else 0)
            if upright.mode not in ("RGB", "L", "CMYK"):
                upright = upright.convert("RGB")
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".clean-")
        try:
            with os.fdopen(fd, "wb") as out:
                upright.save(out, fmt, **options)
        except BaseException:
            os.unlink(temp)
            raise
        return Path(temp)


def thumbnail(data: bytes) -> tuple[bytes, int, int] | None:
    """A WebP that fits ``THUMBNAIL_BOX`` (never enlarged), or None if the bytes are
    not an image Pillow can read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image.draft("RGB", THUMBNAIL_BOX)  # JPEG decodes at a fraction of its size
            image = ImageOps.exif_transpose(image)
            image.thumbnail(THUMBNAIL_BOX)
            if image.mode not in ("RGB", "RGBA"):
                image = image.convert("RGBA" if "transparency" in image.info else "RGB")
            out = io.BytesIO()
            image.save(out, "WEBP", quality=80)
    except Exception:
        log.warning("no thumbnail: the image could not be read", exc_info=True)
        return None
    return out.getvalue(), image.width, image.height
