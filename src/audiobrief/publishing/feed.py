"""Stage 6: the podcast feed (RSS 2.0 + iTunes + Podcasting 2.0 + Podlove Simple Chapters).

Built with feedgen. What feedgen's own iTunes extension cannot say (``itunes:explicit`` as
``true``/``false``, which Apple and the W3C validator require) and the Podcasting 2.0 / psc tags go
through :class:`Podcast20Extension`, a feedgen extension (``fg.register_extension``), not string
patching. Namespaces: Podcasting 2.0 (declared with the address the most parsers read, see
:data:`PODCAST_NS`), http://podlove.org/simple-chapters.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator  # imports lxml.etree, which feedgen.util needs first
from feedgen.util import xml_elem

from ..errors import FeedError
from ..languages import Words
from ..models import Alternate, Chapter, Episode, Show, newest_first
from ..sanitize import safe_url
from ..timefmt import npt
from .notes import MAX_NOTES_BYTES, strip_unsafe_links

__all__ = [
    "PODCAST_GUID_NAMESPACE",
    "PODCAST_NS",
    "PODCAST_NS_ALIASES",
    "Podcast20EntryExtension",
    "Podcast20Extension",
    "audio_mime",
    "build_feed",
    "feed_pages",
    "folder_url",
    "page_count",
    "page_name",
    "podcast_guid",
    "public_url",
    "safe_show",
    "voice_person",
]

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
#: The Podcasting 2.0 namespace as we declare it. Its spec gives two addresses and asks clients to
#: accept both; parsers do not: gPodder's podcastparser knows only this one, pg-podcast-toolkit only
#: the other, and the rest read either. Measured in tests/test_feed_readers.py (the README keeps the
#: matrix): this address is read by five of the six parsers, and by the one a real app ships with.
PODCAST_NS = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
#: Both addresses of the namespace: feeds we read (``check``, a folder's identity) may use either.
PODCAST_NS_ALIASES = ("https://podcastindex.org/namespace/1.0", PODCAST_NS)
PSC_NS = "http://podlove.org/simple-chapters"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
_MAX_DESCRIPTION_BYTES = MAX_NOTES_BYTES


def folder_url(base_url: str) -> str:
    """``base_url`` with the trailing slash that makes it a folder."""
    return base_url if base_url.endswith("/") else base_url + "/"


def public_url(base: str, name: str) -> str:
    """The public URL of file ``name`` in the folder published at ``base`` (see :func:`folder_url`)."""
    # Our file names are plain (slug, hash, suffix): joining needs no parsing (urljoin costs 5x).
    return base + quote(name, safe="/#")


def podcast_guid(feed_url: str) -> str:
    """The Podcasting 2.0 ``podcast:guid``: UUIDv5 of the feed URL without scheme and trailing slashes.

    >>> podcast_guid("https://podnews.net/rss")
    '9b024349-ccf0-5f69-a609-6b82873eab3c'
    """
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def _text(value: str) -> str:
    # as lxml escapes text; a bare CR would otherwise be read back as LF
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _attr(value: str) -> str:
    quoted = _text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    return f'"{quoted}"'


@dataclass(frozen=True, slots=True)
class Item:
    """One feed item, written straight into the channel with lxml.

    feedgen's entry API costs ~0.2 ms an item in setters and validation, which made a 1,000-episode
    feed take 0.3 s; the channel is still built by feedgen and the items go in through this
    extension, with the same tags in the same order as feedgen's entries plus ours, every value
    escaped, and the result parsed (so it is well-formed or the build fails).
    """

    episode: Episode
    base: str
    link: str
    explicit: bool
    person: str = "{voice}"
    """How ``podcast:person`` names a synthetic host (``language.toml``'s ``[disclosure] person``)."""

    def xml(self) -> str:
        """The ``<item>`` element as XML text (prefixes itunes, psc and podcast; every value escaped)."""
        from email.utils import format_datetime

        escape, quoteattr = _text, _attr
        e, base = self.episode, self.base
        parts = [
            f"<item><title>{escape(_xml_safe(e.title)[:255])}</title><link>{escape(self.link)}</link>",
            f"<description>{escape(_truncate_bytes(_xml_safe(strip_unsafe_links(e.show_notes_html)), _MAX_DESCRIPTION_BYTES))}"
            "</description>",
            f"<guid isPermaLink=\"false\">{escape(e.guid)}</guid>",
            f"<enclosure url={quoteattr(public_url(base, e.audio_file))} length=\"{int(e.size_bytes)}\" "
            f"type={quoteattr(audio_mime(e.audio_file))}/>",
            f"<pubDate>{format_datetime(e.published.astimezone(dt.UTC))}</pubDate>",
            f"<itunes:duration>{round(e.duration_ms / 1000)}</itunes:duration>",
            f"<itunes:summary>{escape(_truncate_bytes(_xml_safe(e.summary or e.title), _MAX_DESCRIPTION_BYTES))}"
            "</itunes:summary>",
            f"<itunes:explicit>{'true' if self.explicit else 'false'}</itunes:explicit>",
            f"<itunes:episodeType>full</itunes:episodeType><itunes:episode>{int(e.number)}</itunes:episode>",
        ]
        if e.chapters:
            parts.append('<psc:chapters version="1.2">')
            for c in e.chapters:
                link = safe_url(c.url)
                href = f" href={quoteattr(link)}" if link else ""
                parts.append(f"<psc:chapter start={quoteattr(npt(c.start_ms))} title={quoteattr(_xml_safe(c.title))}"
                             f"{href}/>")
            parts.append("</psc:chapters>")
        if e.transcripts:
            t = e.transcripts
            parts.append(f"<podcast:chapters url={quoteattr(public_url(base, t.chapters_json))} "
                         'type="application/json+chapters"/>')
            for name, mime, rel in ((t.vtt, "text/vtt", "captions"), (t.srt, "application/x-subrip", "captions"),
                                    (t.text, "text/plain", None)):
                extra = f' rel="{rel}"' if rel else ""
                parts.append(f"<podcast:transcript url={quoteattr(public_url(base, name))} type=\"{mime}\"{extra}/>")
        if e.alternates:
            # the main file too, as the default alternate, as the namespace's own examples do
            main = (Alternate(e.audio_file, audio_mime(e.audio_file), e.size_bytes, e.duration_ms,
                              round(e.size_bytes * 8 / max(e.duration_ms, 1)), e.audio_file.rsplit(".", 1)[-1].upper()),)
            for alternate in main + e.alternates:
                default = ' default="true"' if alternate.file == e.audio_file else ""
                url = public_url(base, alternate.file)
                parts.append(f"<podcast:alternateEnclosure type={quoteattr(alternate.mime)} "
                             f"length=\"{int(alternate.size_bytes)}\" bitrate=\"{int(alternate.bitrate_kbps) * 1000}\""
                             f" title={quoteattr(alternate.title[:32])}{default}>"
                             f"<podcast:source uri={quoteattr(url)} contentType={quoteattr(alternate.mime)}/>"
                             "</podcast:alternateEnclosure>")
        for bite in e.soundbites:
            parts.append(f"<podcast:soundbite startTime=\"{bite.start_ms / 1000:.3f}\" "
                         f"duration=\"{bite.duration_ms / 1000:.3f}\">{escape(_xml_safe(bite.title)[:128])}</podcast:soundbite>")
        if e.host_voice:
            parts.append(f'<podcast:person role="host">{escape(voice_person(e.host_voice, self.person))}</podcast:person>')
        parts.append("</item>")
        return "".join(parts)


def voice_person(voice_key: str, template: str = "{voice}") -> str:
    """The name of a synthetic host for ``podcast:person``: ``hibari:heart`` -> ``Heart (hibari)``, in the
    language's words (``template``, e.g. ``"{voice}, a synthetic voice"``), at most 128 characters.

    >>> voice_person("hibari:heart", "{voice}, a synthetic voice")
    'Heart (hibari), a synthetic voice'
    """
    engine, _, voice = voice_key.partition(":")
    name = Path(voice).stem if "/" in voice else voice
    return template.format(voice=f"{name[:1].upper()}{name[1:]} ({engine})")[:128]


class Podcast20Extension(BaseExtension):  # type: ignore[misc]
    """Channel-level tags feedgen lacks: podcast:guid/locked/txt, itunes:explicit true|false, itunes:type."""

    def __init__(self) -> None:
        self.guid: str | None = None
        self.locked: tuple[bool, str | None] | None = None
        self.txt: list[tuple[str, str]] = []
        self.explicit: bool | None = None
        self.show_type = "episodic"
        self.update_frequency: tuple[str, str] | None = None
        """``(rrule, text)`` of ``podcast:updateFrequency``."""
        self.page_links: list[tuple[str, str]] = []
        """``(rel, href)`` of a paged feed's ``atom:link`` elements (first, last, previous, next)."""
        self.items: list[Item] = []
        """Items written by this extension, newest first (see :class:`Item`)."""

    def extend_ns(self) -> dict[str, str]:
        """Every namespace our feeds use, with its exact URI."""
        return {"podcast": PODCAST_NS, "psc": PSC_NS, "content": CONTENT_NS, "itunes": ITUNES_NS}

    def extend_rss(self, rss_feed: Any) -> Any:
        """Append the channel tags."""
        channel = rss_feed[0]
        if self.explicit is not None:
            xml_elem(f"{{{ITUNES_NS}}}explicit", channel).text = "true" if self.explicit else "false"
        xml_elem(f"{{{ITUNES_NS}}}type", channel).text = self.show_type
        if self.guid:
            xml_elem(f"{{{PODCAST_NS}}}guid", channel).text = self.guid
        if self.locked is not None:
            locked = xml_elem(f"{{{PODCAST_NS}}}locked", channel)
            locked.text = "yes" if self.locked[0] else "no"
            if self.locked[1]:
                locked.set("owner", self.locked[1])
        for purpose, text in self.txt:
            element = xml_elem(f"{{{PODCAST_NS}}}txt", channel)
            element.set("purpose", purpose)
            element.text = text
        for rel, href in self.page_links:
            xml_elem(f"{{{ATOM_NS}}}link", channel, href=href, rel=rel)
        if self.update_frequency is not None:
            element = xml_elem(f"{{{PODCAST_NS}}}updateFrequency", channel)
            element.set("rrule", self.update_frequency[0])
            element.text = self.update_frequency[1][:128]
        if self.items:
            # One parse of every item's escaped text: lxml's C parser makes the elements 5x faster
            # than building them one SubElement at a time; a malformed item fails right here.
            from lxml import etree

            wrapper = (f'<items xmlns:itunes="{ITUNES_NS}" xmlns:psc="{PSC_NS}" xmlns:podcast="{PODCAST_NS}">'
                       + "".join(item.xml() for item in self.items) + "</items>")
            channel.extend(list(etree.fromstring(wrapper.encode("utf-8"))))
        return rss_feed

    def extend_atom(self, atom_feed: Any) -> Any:
        """Nothing for Atom."""
        return atom_feed


class Podcast20EntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """Item-level tags: psc:chapters, podcast:chapters/transcript, itunes:explicit/episodeType/episode."""

    def __init__(self) -> None:
        self.chapters_url: str | None = None
        self.transcripts: list[tuple[str, str, str | None]] = []
        self.psc_chapters: list[Chapter] = []
        self.explicit: bool | None = None
        self.episode_type = "full"
        self.episode_number: int | None = None

    def extend_ns(self) -> dict[str, str]:
        """Same namespaces as the channel extension."""
        return {"podcast": PODCAST_NS, "psc": PSC_NS, "itunes": ITUNES_NS}

    def extend_rss(self, item: Any) -> Any:
        """Append the item tags."""
        if self.explicit is not None:
            xml_elem(f"{{{ITUNES_NS}}}explicit", item).text = "true" if self.explicit else "false"
        xml_elem(f"{{{ITUNES_NS}}}episodeType", item).text = self.episode_type
        if self.episode_number:
            xml_elem(f"{{{ITUNES_NS}}}episode", item).text = str(self.episode_number)
        if self.psc_chapters:
            container = xml_elem(f"{{{PSC_NS}}}chapters", item)
            container.set("version", "1.2")
            for chapter in self.psc_chapters:
                element = xml_elem(f"{{{PSC_NS}}}chapter", container)
                element.set("start", npt(chapter.start_ms))
                element.set("title", _xml_safe(chapter.title))
                if safe_url(chapter.url):
                    element.set("href", chapter.url)
        if self.chapters_url:
            element = xml_elem(f"{{{PODCAST_NS}}}chapters", item)
            element.set("url", self.chapters_url)
            element.set("type", "application/json+chapters")
        for url, mime, rel in self.transcripts:
            element = xml_elem(f"{{{PODCAST_NS}}}transcript", item)
            element.set("url", url)
            element.set("type", mime)
            if rel:
                element.set("rel", rel)
        return item

    def extend_atom(self, entry: Any) -> Any:
        """Nothing for Atom."""
        return entry


#: Audio file suffix -> the enclosure type Apple expects.
AUDIO_MIME = {".mp3": "audio/mpeg", ".m4a": "audio/x-m4a"}


def audio_mime(file_name: str) -> str:
    """The enclosure MIME type for an episode file."""
    return AUDIO_MIME.get(file_name[file_name.rfind("."):].lower(), "audio/mpeg")


def _truncate_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore").rstrip() + "..."


_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml_safe(text: str) -> str:
    # XML 1.0 forbids most control characters; a scraped brief can carry them.
    return _XML_FORBIDDEN.sub("", text)


def safe_show(show: Show) -> Show:
    """``show`` with characters XML cannot carry removed, and an empty description replaced by the title.

    :raises FeedError: the title has nothing printable left.
    """
    import dataclasses

    cleaned: dict[str, Any] = {f.name: _xml_safe(value).strip() for f in dataclasses.fields(show)
               if isinstance(value := getattr(show, f.name), str)}
    if not cleaned["title"]:
        raise FeedError("show metadata: [show] title is empty; give the show a title in audiobrief.toml")
    cleaned["description"] = cleaned["description"] or cleaned["title"]
    return dataclasses.replace(show, **cleaned)


ATOM_NS = "http://www.w3.org/2005/Atom"


def page_name(number: int, suffix: str = "xml") -> str:
    """The file of page ``number`` of a paged feed: ``feed.xml``, then ``feed-2.xml``, ...

    >>> page_name(1), page_name(2), page_name(3, "json")
    ('feed.xml', 'feed-2.xml', 'feed-3.json')
    """
    return f"feed.{suffix}" if number == 1 else f"feed-{number}.{suffix}"


def page_count(episodes: int, page_size: int) -> int:
    """How many pages ``episodes`` take (at least one, which may be empty)."""
    return max(1, -(-episodes // page_size))


def build_feed(show: Show, episodes: Sequence[Episode], base_url: str, *, image_file: str | None,
               guid: str | None = None, new_feed_url: str | None = None, words: Words | None = None,
               page: int = 1, pages: int = 1) -> bytes:
    """Render the RSS feed for ``episodes`` (newest first): one page of a paged feed when ``pages`` > 1.

    :param show: channel metadata.
    :param episodes: the episodes of this page (all of them for an unpaged feed).
    :param base_url: the public URL of the output folder; enclosures and links are made absolute with it.
    :param image_file: the artwork's file name in the output folder.
    :param guid: the show's recorded ``podcast:guid`` (default: derived from the feed URL).
    :param new_feed_url: ``itunes:new-feed-url``, for a show that moved.
    :param words: the show language's words (the AI-voice disclosure; default English).
    :param page: which page this is (1: ``feed.xml``), of ``pages``; pages link to each other as RFC 5005
        section 3 says (``first``, ``last``, ``next`` to older, ``previous`` to newer), and each is a
        whole podcast feed on its own.
    :returns: UTF-8 XML.
    :raises FeedError: a required value is missing or invalid.
    """
    from ..languages import words_for

    if not base_url.startswith(("http://", "https://")):
        raise FeedError(f"base URL {base_url!r} must start with http:// or https:// (use --base-url)")
    show = safe_show(show)
    words = words or words_for("en")
    base = folder_url(base_url)
    feed_url = public_url(base, "feed.xml")
    link = show.link or base
    description = show.description
    if words.disclosure.channel.casefold() not in description.casefold():
        description = f"{description} {words.disclosure.channel}"  # say what it is, where people read
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("podcast20", Podcast20Extension, Podcast20EntryExtension)
    try:
        fg.title(_xml_safe(show.title)[:255])
        fg.link(href=public_url(base, page_name(page)), rel="self")
        fg.link(href=link, rel="alternate")  # after "self": feedgen's <link> is the last one set
        fg.description(_truncate_bytes(_xml_safe(description), _MAX_DESCRIPTION_BYTES))
        fg.language(show.language)
        fg.generator("audiobrief")
        if show.copyright:
            fg.copyright(show.copyright)
        fg.podcast.itunes_author(show.author)
        fg.podcast.itunes_owner(name=show.owner_name, email=show.owner_email)
        fg.podcast.itunes_summary(_truncate_bytes(_xml_safe(description), _MAX_DESCRIPTION_BYTES))
        categories: dict[str, Any] = {"cat": show.category}
        if show.subcategory:
            categories["sub"] = show.subcategory
        fg.podcast.itunes_category(categories)
        if image_file:
            image_url = public_url(base, image_file)
            fg.podcast.itunes_image(image_url)
            fg.image(url=image_url, title=show.title[:255], link=link)
        if new_feed_url:
            fg.podcast.itunes_new_feed_url(new_feed_url)
    except ValueError as exc:
        raise FeedError(f"show metadata: {exc}") from exc
    fg.podcast20.guid = guid or podcast_guid(feed_url)
    fg.podcast20.locked = (True, show.owner_email)
    fg.podcast20.explicit = show.explicit
    fg.podcast20.txt = [("ai-content", "true")]
    if pages > 1:  # RFC 5005 section 3; feedgen writes only rel="self" into RSS, so these go in by the extension
        fg.podcast20.page_links = [("first", feed_url), ("last", public_url(base, page_name(pages)))]
        if page > 1:
            fg.podcast20.page_links.append(("previous", public_url(base, page_name(page - 1))))
        if page < pages:
            fg.podcast20.page_links.append(("next", public_url(base, page_name(page + 1))))
    if show.update_frequency:
        from ..config import UPDATE_FREQUENCIES, update_frequency_rrule

        rule = update_frequency_rrule(show.update_frequency)
        named = show.update_frequency.strip().lower()
        fg.podcast20.update_frequency = (rule, named.capitalize() if named in UPDATE_FREQUENCIES else rule)
    if episodes:
        fg.lastBuildDate(max(e.published for e in episodes))
    fg.podcast20.items = [Item(episode, base, link, show.explicit, words.disclosure.person)
                          for episode in newest_first(episodes)]
    return bytes(fg.rss_str(pretty=False, xml_declaration=True, encoding="UTF-8"))


def feed_pages(show: Show, episodes: Sequence[Episode], base_url: str, *, image_file: str | None, page_size: int,
               guid: str | None = None, new_feed_url: str | None = None,
               words: Words | None = None) -> list[tuple[str, bytes]]:
    """Every page of the feed, newest first: ``[("feed.xml", xml), ("feed-2.xml", xml), ...]``."""
    ordered = newest_first(episodes)
    pages = page_count(len(ordered), page_size)
    return [(page_name(n), build_feed(show, ordered[(n - 1) * page_size: n * page_size], base_url,
                                      image_file=image_file, guid=guid, new_feed_url=new_feed_url, words=words,
                                      page=n, pages=pages))
            for n in range(1, pages + 1)]
