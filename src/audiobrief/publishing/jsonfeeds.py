"""JSON feeds: JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/) and an Alexa flash briefing feed.

Alexa (flash-briefing-skill-api-feed-reference): 1-5 items, newest first, each with ``uid``,
``updateDate`` (ISO 8601 UTC), ``titleText``, ``mainText`` (ignored for audio), ``streamUrl`` and
``redirectionUrl``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from ..languages import Words, words_for
from ..models import Episode, Show, newest_first
from .feed import audio_mime, folder_url, public_url
from .notes import strip_unsafe_links

__all__ = ["ALEXA_MAX_ITEMS", "build_alexa_feed", "build_json_feed", "json_feed_pages"]

ALEXA_MAX_ITEMS = 5


def build_json_feed(show: Show, episodes: Sequence[Episode], base_url: str, *, image_file: str | None,
                    words: Words | None = None, next_page: str | None = None) -> bytes:
    """JSON Feed 1.1 with each episode's audio (and its other encodings) as attachments, newest first.

    :param next_page: the file of the page with the older items (``next_url``), for a paged feed.
    """
    base = folder_url(base_url)
    disclosure = (words or words_for("en")).disclosure.channel
    description = show.description if disclosure.casefold() in show.description.casefold() \
        else f"{show.description} {disclosure}"
    doc: dict[str, object] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": show.title,
        "home_page_url": show.link or base,
        "feed_url": public_url(base, "feed.json"),
        **({"next_url": public_url(base, next_page)} if next_page else {}),
        "description": description,
        "authors": [{"name": show.author}],
        "language": show.language,
        "items": [
            {
                "id": e.guid,
                "url": public_url(base, f"index.html#{e.brief_id}"),
                "title": e.title,
                "summary": e.summary or e.title,
                "content_html": strip_unsafe_links(e.show_notes_html),
                "date_published": e.published.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
                "attachments": [{
                    "url": public_url(base, e.audio_file),
                    "mime_type": audio_mime(e.audio_file),
                    "size_in_bytes": e.size_bytes,
                    "duration_in_seconds": round(e.duration_ms / 1000),
                    "title": e.title,
                }] + [{
                    "url": public_url(base, a.file),
                    "mime_type": a.mime,
                    "size_in_bytes": a.size_bytes,
                    "duration_in_seconds": round(a.duration_ms / 1000),
                    "title": e.title,  # the same title: JSON Feed's mark of another format of one attachment
                } for a in e.alternates],
                **({"language": e.language} if e.language and e.language != show.language else {}),
            }
            for e in newest_first(episodes)
        ],
    }
    if image_file:
        doc["icon"] = public_url(base, image_file)
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode()  # compact: it grows with the show


def json_feed_pages(show: Show, episodes: Sequence[Episode], base_url: str, *, image_file: str | None,
                    page_size: int, words: Words | None = None) -> list[tuple[str, bytes]]:
    """Every page of the JSON Feed, newest first (``feed.json``, ``feed-2.json``, ...), each with
    ``next_url`` to the one after it."""
    from .feed import page_count, page_name

    ordered = newest_first(episodes)
    pages = page_count(len(ordered), page_size)
    return [(page_name(n, "json"),
             build_json_feed(show, ordered[(n - 1) * page_size: n * page_size], base_url, image_file=image_file,
                             words=words, next_page=page_name(n + 1, "json") if n < pages else None))
            for n in range(1, pages + 1)]


def build_alexa_feed(show: Show, episodes: Sequence[Episode], base_url: str) -> bytes:
    """The Alexa flash briefing JSON feed: the newest one to five episodes as audio items."""
    base = folder_url(base_url)
    newest = newest_first(episodes)[:ALEXA_MAX_ITEMS]
    items = [
        {
            "uid": e.guid.removeprefix("urn:uuid:"),
            "updateDate": e.published.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.0Z"),
            "titleText": e.title,
            "mainText": "",
            "streamUrl": public_url(base, e.audio_file),
            "redirectionUrl": public_url(base, f"index.html#{e.brief_id}"),
        }
        for e in newest
    ]
    return (json.dumps(items, indent=2, ensure_ascii=False) + "\n").encode()
