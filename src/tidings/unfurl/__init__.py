"""Link previews ("unfurling"): fetch a linked page under strict limits
(``fetch``) and read its title, description, site name and image (``page``);
fetch that image and keep a small, clean copy of it (``image``). Nothing here
touches the database; the job in ``tidings.jobs.link_previews`` calls ``unfurl``
and ``preview_image`` outside any transaction and stores what they return."""

from __future__ import annotations

import logging
from dataclasses import replace

from tidings.unfurl.fetch import FetchPolicy, Refused, Resolver, fetch_page, resolve
from tidings.unfurl.page import Preview, decode, read_preview

log = logging.getLogger(__name__)

__all__ = ["FetchPolicy", "Preview", "Refused", "unfurl"]


def unfurl(url: str, policy: FetchPolicy, resolver: Resolver = resolve) -> Preview | None:
    """The preview of ``url``, or ``None`` when it is refused, fails or has none."""
    import httpx

    try:
        page = fetch_page(url, policy, resolver)
    except Refused as refused:
        log.info("no preview for %s: %s", url, refused)
        return None
    except (httpx.HTTPError, OSError, ValueError) as failed:
        log.info("no preview for %s: %s: %s", url, type(failed).__name__, failed)
        return None
    found = read_preview(page.url, decode(page.body, page.charset))
    # Kept under the link as written in the message, whatever it redirected to.
    return None if found is None else replace(found, url=url)
