"""A web server on 127.0.0.1, started by the test, serving what link previews meet:
pages with and without previews, redirects (to private addresses too), huge,
slow and trickling bodies, what is not HTML, and the images pages name: a photo
with its camera's metadata, images too large, SVG, and HTML dressed as an image."""

from __future__ import annotations

import contextlib
import gzip
import html
import io
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from tests.support import LiveServer, Person, database_url_for, server_settings

ARTICLE = b"""<!doctype html><html><head>
<meta charset="utf-8"><title>Plain title</title>
<meta property="og:title" content="Q3 budget &amp; plan">
<meta property="og:description" content="What we spend, and <b>why</b>.">
<meta property="og:site_name" content="Acme Docs">
<meta property="og:image" content="/cover.png">
</head><body><p>Body</p></body></html>"""
HEAD_ONLY = b"<html><head><title>Just a title</title></head>"
IMAGE_PATHS = (
    "/cover.png",
    "/photo.jpg",
    "/noise.png",
    "/vast.png",
    "/drawing.svg",
    "/disguised.png",
)


def picture(size: tuple[int, int], fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, fmt, **options)
    return out.getvalue()


def camera_photo() -> bytes:
    """A JPEG whose EXIF says which camera took it, when, and where."""
    exif = Image.Exif()
    exif[0x010F] = "Acme Camera Co"  # Make
    exif[0x9003] = "2026:12:01 09:30:00"  # DateTimeOriginal
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}  # GPS
    return picture((1200, 900), "JPEG", exif=exif)


def noise_png(side: int) -> bytes:
    """A PNG that does not compress: about 3 bytes a pixel."""
    pixels = random.Random(side).randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(out, "PNG")
    return out.getvalue()


COVER = picture((600, 400), "PNG")
PHOTO = camera_photo()
NOISE = noise_png(200)


def vast_png() -> bytes:
    """36 million one-bit pixels, in a few kilobytes."""
    out = io.BytesIO()
    Image.new("1", (6000, 6000)).save(out, "PNG")
    return out.getvalue()


VAST = vast_png()
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>'


class Site(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[tuple[str, str]] = []  # (path, Host header)
        self.sent: dict[str, int] = {}
        self.release = threading.Event()  # ends the slow responses at teardown

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def pages(self) -> list[str]:
        """The paths asked for, images left out."""
        return [path for path, _ in self.requests if path not in IMAGE_PATHS]


class Handler(BaseHTTPRequestHandler):
    server: Site

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        parts = urlsplit(self.path)
        self.server.requests.append((parts.path, self.headers.get("Host", "")))
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        name = parts.path.strip("/").replace("-", "_").replace(".", "_")
        route = getattr(self, "page_" + name, None)
        if route is None:
            self.send_error(404)
            return
        route(query)

    def _send(self, body: bytes, kind: str = "text/html; charset=utf-8", **headers: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def page_article(self, query: dict[str, str]) -> None:
        self._send(ARTICLE)

    def page_pictured(self, query: dict[str, str]) -> None:
        """A page whose image is wherever ``image`` says."""
        image = html.escape(query.get("image", "/cover.png"))
        self._send(
            f"""<html><head><meta property="og:title" content="Pictured">
            <meta property="og:image" content="{image}"></head></html>""".encode()
        )

    def page_cover_png(self, query: dict[str, str]) -> None:
        self._send(COVER, "image/png")

    def page_photo_jpg(self, query: dict[str, str]) -> None:
        self._send(PHOTO, "image/jpeg")

    def page_noise_png(self, query: dict[str, str]) -> None:
        """Sent without a length when asked: the reader cannot tell its size up front."""
        if query.get("length") == "no":
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            with contextlib.suppress(OSError):
                self.wfile.write(NOISE)
            return
        self._send(NOISE, "image/png")

    def page_vast_png(self, query: dict[str, str]) -> None:
        """Small to download, 36 million pixels to decode."""
        self._send(VAST, "image/png")

    def page_drawing_svg(self, query: dict[str, str]) -> None:
        self._send(SVG, "image/svg+xml")

    def page_disguised_png(self, query: dict[str, str]) -> None:
        self._send(b"<html><script>alert(1)</script></html>", "image/png")

    def page_head_only(self, query: dict[str, str]) -> None:
        self._send(HEAD_ONLY)

    def page_latin1(self, query: dict[str, str]) -> None:
        self._send("<title>Café menu</title>".encode("latin-1"), "text/html; charset=iso-8859-1")

    def page_image(self, query: dict[str, str]) -> None:
        self._send(b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png")

    def page_json(self, query: dict[str, str]) -> None:
        self._send(b'{"title": "not a page"}', "application/json")

    def page_gzip(self, query: dict[str, str]) -> None:
        self._send(gzip.compress(ARTICLE), Content_Encoding="gzip")

    def page_redirect(self, query: dict[str, str]) -> None:
        self.send_response(int(query.get("status", "302")))
        self.send_header("Location", query["to"])
        self.send_header("Content-Length", "0")
        self.end_headers()

    def page_loop(self, query: dict[str, str]) -> None:
        self.page_redirect({"to": "/loop"})

    def page_huge(self, query: dict[str, str]) -> None:
        """A title, then 200 MB of body: the reader must stop long before the end."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        sent = 0
        try:
            self.wfile.write(b"<html><head><title>Huge page</title></head><body>")
            chunk = b"<p>" + b"x" * 65_536 + b"</p>"
            while sent < 200 * 1024 * 1024:
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the reader hung up: what it should do
        self.server.sent["huge"] = sent

    def page_slow(self, query: dict[str, str]) -> None:
        """Headers at once, the body only after the server's own delay."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.flush()
        self.server.release.wait(float(query.get("delay", "5")))
        with contextlib.suppress(OSError):
            self.wfile.write(ARTICLE)

    def page_trickle(self, query: dict[str, str]) -> None:
        """A byte at a time, each in good time, the whole never."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        try:
            for _ in range(200):
                self.wfile.write(b" ")
                self.wfile.flush()
                if self.server.release.wait(float(query.get("every", "0.05"))):
                    return
        except OSError:
            pass


@contextmanager
def serve() -> Iterator[Site]:
    server = Site()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def site() -> Iterator[Site]:
    with serve() as server:
        yield server


@contextmanager
def server_with_previews(database_kind: str, tmp: Path) -> Iterator[LiveServer]:
    """A Tidings server that previews links, loopback allowed (the test site is on it)."""
    with database_url_for(database_kind, tmp) as url:
        settings = server_settings(
            url,
            link_previews=True,
            link_preview_allow_loopback=True,
            link_preview_timeout_seconds=2.0,
        )
        live = LiveServer(settings).start()
        try:
            yield live
        finally:
            live.stop()


def wait_for_previews(person: Person, message_id: int, seconds: float = 20) -> list[Any]:
    """The message's previews, once the server's worker has stored them."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        previews = person.get(f"/messages/{message_id}").json()["previews"]
        if previews:
            return list(previews)
        time.sleep(0.05)
    raise AssertionError(f"no previews for message {message_id} within {seconds} s")
