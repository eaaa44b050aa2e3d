"""A preview's image, fetched by the server under the page's rules: whole or not at
all, a raster image by its bytes, and kept only as a small WebP without metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.unfurl.conftest import NOISE, Site
from tidings.unfurl import FetchPolicy
from tidings.unfurl.image import preview_image

LOCAL = FetchPolicy(allow_loopback=True, timeout_seconds=2.0)


def test_an_image_becomes_a_small_webp_without_its_metadata(site: Site) -> None:
    made = preview_image(f"{site.url}/photo.jpg", LOCAL)
    assert made is not None
    assert (made.width, made.height) == (480, 360)
    with Image.open(io.BytesIO(made.data)) as image:
        assert image.format == "WEBP" and image.size == (480, 360)
        assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info
    assert b"Acme Camera" not in made.data


@pytest.mark.parametrize("length", ["yes", "no"])
def test_an_image_past_the_cap_is_not_fetched_whole(site: Site, length: str) -> None:
    small = FetchPolicy(allow_loopback=True, timeout_seconds=2.0, max_image_bytes=len(NOISE) - 1)
    assert preview_image(f"{site.url}/noise.png?length={length}", small) is None
    assert preview_image(f"{site.url}/noise.png?length={length}", LOCAL) is not None


def test_an_image_of_too_many_pixels_is_not_decoded(site: Site) -> None:
    assert preview_image(f"{site.url}/vast.png", LOCAL) is None


@pytest.mark.parametrize("path", ["/drawing.svg", "/disguised.png", "/article", "/missing.png"])
def test_only_raster_images_by_their_bytes_are_kept(site: Site, path: str) -> None:
    assert preview_image(f"{site.url}{path}", LOCAL) is None


def test_an_image_on_a_private_address_is_never_fetched(site: Site) -> None:
    refusing = FetchPolicy(timeout_seconds=2.0)
    assert preview_image(f"{site.url}/cover.png", refusing) is None
    assert preview_image("http://10.1.2.3/cover.png", LOCAL) is None
    assert site.requests == []


def test_a_redirect_of_an_image_is_checked_again(site: Site) -> None:
    assert preview_image(f"{site.url}/redirect?to=/cover.png", LOCAL) is not None
    assert preview_image(f"{site.url}/redirect?to=http://10.1.2.3/cover.png", LOCAL) is None
    assert [path for path, _ in site.requests] == ["/redirect", "/cover.png", "/redirect"]


def test_a_cap_of_zero_fetches_no_image(site: Site) -> None:
    off = FetchPolicy(allow_loopback=True, max_image_bytes=0)
    assert preview_image(f"{site.url}/cover.png", off) is None
    assert site.requests == []
