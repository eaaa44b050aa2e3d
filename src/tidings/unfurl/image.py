"""A preview's image, fetched by the server so that browsers never load it from
the linked site: under the same rules as the page, read whole up to a size cap,
accepted only if its bytes are a raster image (never SVG, whatever it claims to
be), and kept only as a small WebP thumbnail, which re-encoding leaves without
the original's metadata (EXIF, XMP, comments)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from io import BytesIO

from PIL import Image

from tidings.core.files import SAFE_IMAGES
from tidings.media.sniff import detect_type_of, thumbnail
from tidings.unfurl.fetch import FetchPolicy, Refused, Resolver, fetch_image, resolve

log = logging.getLogger(__name__)
MIME_TYPE = "image/webp"
# A few megabytes of PNG can decode to far more pixels than a preview is worth; the
# decoded picture, not the download, is what takes a worker's memory.
MAX_PIXELS = 24_000_000


@dataclass(frozen=True)
class PreviewImage:
    data: bytes
    width: int
    height: int


def preview_image(
    url: str, policy: FetchPolicy, resolver: Resolver = resolve
) -> PreviewImage | None:
    """The thumbnail of the image at ``url``; ``None`` if it is refused, fails or is
    not a raster image."""
    import httpx

    if policy.max_image_bytes <= 0:
        return None
    try:
        fetched = fetch_image(url, policy, resolver)
    except Refused as refused:
        log.info("no preview image from %s: %s", url, refused)
        return None
    except (httpx.HTTPError, OSError, ValueError) as failed:
        log.info("no preview image from %s: %s: %s", url, type(failed).__name__, failed)
        return None
    found = detect_type_of(fetched.body)
    if found not in SAFE_IMAGES:
        log.info("no preview image from %s: its bytes are %s", url, found)
        return None
    pixels = _pixels(fetched.body)
    if pixels is None or pixels > MAX_PIXELS:
        log.info("no preview image from %s: %s pixels", url, pixels)
        return None
    made = thumbnail(fetched.body)
    return None if made is None else PreviewImage(*made)


def _pixels(data: bytes) -> int | None:
    """The picture's size from its header, without decoding it."""
    try:
        with Image.open(BytesIO(data)) as image:
            width, height = image.size
    except Exception:
        return None
    return width * height
