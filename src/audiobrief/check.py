"""``audiobrief check``: apply the podcast checklist (../shared/STANDARDS.md, last section) to a show.

Works on a built output folder (files read directly) or on a feed URL (files fetched over HTTP,
with HEAD and byte-range checks). Each problem names where it is and how to fix it; errors make
the check fail, warnings do not.
"""

from __future__ import annotations

import email.utils
import io
import json
import logging
import tempfile
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from .publishing.feed import ATOM_NS, AUDIO_MIME, CONTENT_NS, ITUNES_NS, PODCAST_NS, PODCAST_NS_ALIASES, PSC_NS
from .standards import EPISODE_TYPES, LANGUAGE_CODE, SHOW_TYPES, is_apple_category

__all__ = ["CheckReport", "Problem", "check_show"]

log = logging.getLogger(__name__)

Severity = Literal["error", "warning"]
_NAMESPACES = {"itunes": ITUNES_NS, "podcast": PODCAST_NS, "psc": PSC_NS, "content": CONTENT_NS}
_MAX_TEXT_BYTES = 4000
_CHAPTER_TOLERANCE_MS = 10


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding: where, what, and how to fix it."""

    severity: Severity
    where: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.severity.upper():7} {self.where}: {self.message}\n        fix: {self.fix}"


@dataclass
class CheckReport:
    """Everything a check found, and what it looked at."""

    target: str
    problems: list[Problem] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Problems that make the show fail."""
        return [p for p in self.problems if p.severity == "error"]

    def add(self, severity: Severity, where: str, message: str, fix: str) -> None:
        """Record a problem."""
        self.problems.append(Problem(severity, where, message, fix))


#: The most ``check`` downloads of one file: a feed or a chapters file, and an episode.
MAX_DOCUMENT_BYTES = 20_000_000
MAX_MEDIA_BYTES = 1_000_000_000
#: Seconds a connection may stall, and the most one download may take in all.
TIMEOUT_S = 30.0
DOWNLOAD_DEADLINE_S = 300.0


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to http(s) URLs (urllib's default also follows them to ftp)."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise urllib.error.URLError(f"redirected to {newurl[:100]!r}, which is not an http(s) URL")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    """An opener that speaks http and https only (no file:, ftp: or data: handlers)."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(),
                    urllib.request.HTTPDefaultErrorHandler(), _HttpOnlyRedirects(),
                    urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


def _require_http(url: str) -> None:
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise OSError(f"{url[:100]!r} is not an http(s) URL; check fetches nothing else")


class _Fetcher:
    """Reads what the feed points at: local files for a folder, HTTP(S) for a URL (capped in size and time)."""

    def __init__(self, target: str) -> None:
        self.remote = target.startswith(("http://", "https://"))
        self.folder = None if self.remote else Path(target)
        self._downloads: dict[str, Path] = {}
        self._tmp = tempfile.TemporaryDirectory(prefix="audiobrief-check-")
        self._opener = _opener()

    def feed_bytes(self, target: str) -> bytes:
        if self.remote:
            path = Path(self._tmp.name) / "feed.xml"
            self.download(target, path, MAX_DOCUMENT_BYTES)
            return path.read_bytes()
        assert self.folder is not None
        return (self.folder / "feed.xml").read_bytes()

    def local(self, url: str) -> Path | None:
        """A local copy of ``url`` (the folder's file, or a download), None when it cannot be had."""
        if not self.remote:
            assert self.folder is not None
            path = self.folder / Path(urlsplit(url).path).name
            return path if path.is_file() else None
        if url not in self._downloads:
            path = Path(self._tmp.name) / f"{len(self._downloads)}-{Path(urlsplit(url).path).name[:100]}"
            media = Path(urlsplit(url).path).suffix.lower() in AUDIO_MIME
            try:
                self.download(url, path, MAX_MEDIA_BYTES if media else MAX_DOCUMENT_BYTES)
            except (OSError, ValueError) as exc:
                log.info("cannot fetch %s: %s", url, exc)
                return None
            self._downloads[url] = path
        return self._downloads[url]

    def download(self, url: str, path: Path, max_bytes: int) -> None:
        """Stream ``url`` into ``path``: http(s) only, at most ``max_bytes``, within the deadline.

        :raises OSError: not http(s), unreachable, an HTTP error, too large or too slow.
        """
        import time

        _require_http(url)
        deadline = time.monotonic() + DOWNLOAD_DEADLINE_S
        with self._opener.open(urllib.request.Request(url), timeout=TIMEOUT_S) as response, path.open("wb") as out:
            received = 0
            while chunk := response.read(1 << 16):
                received += len(chunk)
                if received > max_bytes:
                    raise OSError(f"{url}: larger than {max_bytes / 1e6:g} MB; check stops reading there")
                if time.monotonic() > deadline:
                    raise OSError(f"{url}: took longer than {DOWNLOAD_DEADLINE_S:g} s")
                out.write(chunk)

    def request(self, url: str, method: str = "GET", headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """(status, headers) of one request; at most 64 KiB of the body is read."""
        _require_http(url)
        request = urllib.request.Request(url, method=method, headers=headers or {})
        try:
            with self._opener.open(request, timeout=TIMEOUT_S) as response:
                response.read(1 << 16)
                return response.status, response.headers
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers

    def close(self) -> None:
        self._tmp.cleanup()


def _text(element: Any, path: str) -> str | None:
    found = element.find(path, _NAMESPACES)
    return found.text.strip() if found is not None and found.text else None


def _npt_ms(value: str) -> float:
    total = 0.0
    for part, scale in zip(reversed(value.split(":")), (1000, 60_000, 3_600_000)):
        total += float(part) * scale
    return total


def _check_channel(report: CheckReport, channel: Any, fetch: _Fetcher, feed_url: str | None) -> None:
    where = "channel"
    for tag, fix in (("title", "set [show] title"), ("description", "set [show] description"),
                     ("language", "set [show] language")):
        if not _text(channel, tag):
            report.add("error", where, f"<{tag}> is missing or empty", fix)
    description = _text(channel, "description") or ""
    if len(description.encode()) > _MAX_TEXT_BYTES:
        report.add("error", where, f"<description> is {len(description.encode())} bytes (Apple's limit: 4000)",
                   "shorten [show] description")
    language = _text(channel, "language")
    if language and not LANGUAGE_CODE.match(language):
        report.add("error", where, f"<language> {language!r} is not an ISO 639 code", "use e.g. en or en-us")
    explicit = _text(channel, "itunes:explicit")
    if explicit not in ("true", "false"):
        report.add("error", where, f"<itunes:explicit> is {explicit!r}; Apple accepts true or false", "set [show] explicit")
    show_type = _text(channel, "itunes:type")
    if show_type is not None and show_type not in SHOW_TYPES:
        report.add("error", where, f"<itunes:type> {show_type!r} is not episodic or serial", "rebuild the feed")
    category = channel.find("itunes:category", _NAMESPACES)
    if category is None:
        report.add("error", where, "<itunes:category> is missing", "set [show] category (News / Daily News)")
    else:
        sub = category.find("itunes:category", _NAMESPACES)
        name, sub_name = category.get("text"), sub.get("text") if sub is not None else None
        if not is_apple_category(name or "", sub_name):
            report.add("error", where, f"<itunes:category> {name!r} / {sub_name!r} is not in Apple's list",
                       "set [show] category and subcategory to an Apple category, e.g. News / Daily News")
    image = channel.find("itunes:image", _NAMESPACES)
    href = image.get("href") if image is not None else None
    if not href:
        report.add("error", where, "<itunes:image> is missing", "set [show] image or let audiobrief generate one")
    else:
        _check_artwork(report, href, fetch)
    for tag in ("itunes:author", "itunes:owner/itunes:email"):
        if not _text(channel, tag):
            report.add("warning", where, f"<{tag}> is missing", "set [show] author / owner_email")
    guid = _text(channel, "podcast:guid")
    # UUIDv5 of the feed URL when the show began; it must not follow the show when it moves.
    try:
        version = uuid.UUID(guid or "").version
    except ValueError:
        report.add("error", where, f"<podcast:guid> is {guid!r}, not a UUID",
                   "rebuild (audiobrief records the show's guid in .audiobrief/show.json)")
    else:
        if version != 5:
            report.add("warning", where, f"<podcast:guid> {guid} is a version {version} UUID; Podcasting 2.0 "
                       "expects UUIDv5 of the feed URL", "keep it if the show already has subscribers")
    if feed_url:
        if not feed_url.startswith("https://"):
            report.add("warning", where, f"the feed URL {feed_url} is not HTTPS (Alexa and Podcasting 2.0 require it)",
                       "publish behind HTTPS and rebuild with --base-url https://...")
    else:
        report.add("error", where, "no <atom:link rel=\"self\"> gives the feed's own URL", "rebuild the feed")


def _check_artwork(report: CheckReport, href: str, fetch: _Fetcher) -> None:
    from PIL import Image, UnidentifiedImageError

    path = fetch.local(href)
    if path is None:
        report.add("error", "artwork", f"{href} cannot be read", "make sure the image is published next to the feed")
        return
    try:
        with Image.open(path) as img:
            fmt, (width, height), mode = img.format, img.size, img.mode
    except (OSError, UnidentifiedImageError):
        report.add("error", "artwork", f"{href} is not an image", "use a JPEG or PNG")
        return
    if fmt not in ("JPEG", "PNG") or width != height or not 1400 <= width <= 3000 or mode != "RGB":
        report.add("error", "artwork", f"{href} is a {width}x{height} {mode} {fmt}",
                   "use a square RGB JPEG or PNG of 1400 to 3000 pixels")
    report.checked.append("artwork")


def _check_item(report: CheckReport, index: int, item: Any, fetch: _Fetcher, seen: dict[str, set[str]],
                loudness: Loudness | None) -> None:
    title = _text(item, "title")
    where = f"item {index} ({(title or '?')[:50]})"
    if not title:
        report.add("error", where, "<title> is missing", "give the brief a headline")
    elif len(title) > 255:
        report.add("error", where, f"<title> is {len(title)} characters (limit 255)", "shorten the headline")
    guid = _text(item, "guid")
    if not guid:
        report.add("error", where, "<guid> is missing", "rebuild the episode")
    elif guid in seen["guid"]:
        report.add("error", where, f"<guid> {guid} is used by another item too", "give each brief its own id")
    else:
        seen["guid"].add(guid)
    pub = _text(item, "pubDate")
    try:
        email.utils.parsedate_to_datetime(pub or "")
    except (TypeError, ValueError):
        report.add("error", where, f"<pubDate> {pub!r} is not an RFC 2822 date", "rebuild the episode")
    episode_type = _text(item, "itunes:episodeType")
    if episode_type is not None and episode_type not in EPISODE_TYPES:
        report.add("error", where, f"<itunes:episodeType> {episode_type!r} is not full, trailer or bonus", "rebuild")
    description = _text(item, "description") or ""
    if len(description.encode()) > _MAX_TEXT_BYTES:
        report.add("error", where, f"<description> is {len(description.encode())} bytes (limit 4000)", "rebuild")
    enclosures = item.findall("enclosure")
    if len(enclosures) != 1:
        report.add("error", where, f"{len(enclosures)} enclosures; Apple needs exactly one", "rebuild the episode")
        return
    enclosure = enclosures[0]
    url, length, mime = enclosure.get("url") or "", enclosure.get("length") or "", enclosure.get("type") or ""
    if url in seen["url"]:
        report.add("error", where, f"enclosure URL {url} is shared with another item", "rebuild the episode")
    seen["url"].add(url)
    if not url.isascii():
        report.add("error", where, f"enclosure URL {url!r} is not ASCII", "rename the file")
    suffix = Path(urlsplit(url).path).suffix.lower()
    if AUDIO_MIME.get(suffix) != mime:
        report.add("error", where, f"enclosure type {mime!r} does not match the file's {suffix!r}",
                   f"use {AUDIO_MIME.get(suffix, 'audio/mpeg')!r}")
    path = fetch.local(url)
    if path is None:
        missing = "cannot be fetched" if fetch.remote else "does not exist in the folder"
        report.add("error", where, f"enclosure {url} {missing}",
                   "rebuild the episode, or publish its file (and check --base-url matches where it is served)")
        return
    if not length.isdigit() or int(length) != path.stat().st_size:
        report.add("error", where, f"enclosure length {length} but the file has {path.stat().st_size} bytes",
                   "rebuild the feed (audiobrief build) so the length is the file's")
    if fetch.remote:
        _check_http(report, where, url, mime, fetch)
    duration_s = _check_audio(report, where, path, loudness)
    declared = _text(item, "itunes:duration")
    if duration_s is not None and declared and declared.isdigit() and abs(int(declared) - duration_s) > 1:
        report.add("error", where, f"itunes:duration {declared} s but the audio lasts {duration_s:.1f} s",
                   "rebuild the feed")
    _check_chapters(report, where, item, path, fetch, duration_s)
    _check_alternates(report, where, item, url, fetch, duration_s)
    _check_soundbites(report, where, item, duration_s)


def _page_links(channel: Any) -> dict[str, str]:
    return {link.get("rel"): link.get("href", "") for link in channel.findall(f"{{{ATOM_NS}}}link")}


def _older_pages(report: CheckReport, channel: Any, fetch: _Fetcher, feed_url: str | None) -> list[Any]:
    """The items of a paged feed's older pages (RFC 5005 section 3), each page checked to be linked both ways
    and to name the same first and last page; at most 1,000 pages."""
    from lxml import etree

    links = _page_links(channel)
    if "next" not in links:
        return []
    first, last = links.get("first"), links.get("last")
    if not first or not last or (feed_url and first != feed_url):
        report.add("error", "feed", "a paged feed needs rel=\"first\" (this feed) and rel=\"last\" links",
                   "rebuild the feed")
    items: list[Any] = []
    previous: str | None = feed_url
    url: str | None = links["next"]
    visited: set[str] = set()
    while url and url not in visited and len(visited) < 1000:
        visited.add(url)
        where = f"page {url}"
        path = fetch.local(url)
        if path is None:
            report.add("error", where, "is linked as rel=\"next\" but cannot be read", "rebuild the feed")
            return items
        try:
            page = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        except etree.XMLSyntaxError as exc:
            report.add("error", where, f"not well-formed XML: {exc}", "rebuild the feed")
            return items
        page_channel = page.find("channel")
        if page_channel is None:
            report.add("error", where, "has no <channel>", "rebuild the feed")
            return items
        page_links = _page_links(page_channel)
        if page_links.get("previous") != previous or page_links.get("first") != first or page_links.get("last") != last:
            report.add("error", where, "its first/last/previous links do not match the pages around it",
                       "rebuild the feed")
        if not _text(page_channel, "title") or page_channel.find("podcast:guid", _NAMESPACES) is None:
            report.add("error", where, "is not a whole podcast feed on its own (title, podcast:guid)", "rebuild the feed")
        items += page_channel.findall("item")
        previous, url = url, page_links.get("next")
    if previous != last:
        report.add("error", "feed", f"the chain of rel=\"next\" pages ends at {previous}, not at rel=\"last\" {last}",
                   "rebuild the feed")
    report.checked.append("pages")
    return items


def _check_alternates(report: CheckReport, where: str, item: Any, enclosure_url: str, fetch: _Fetcher,
                      duration_s: float | None) -> None:
    """Each ``podcast:alternateEnclosure`` points at a file that exists, of its declared length, playing as
    long as the main one (within 0.1 s); exactly one is the default."""
    alternates = item.findall("podcast:alternateEnclosure", _NAMESPACES)
    if not alternates:
        return
    if sum(a.get("default") == "true" for a in alternates) != 1:
        report.add("error", where, "podcast:alternateEnclosure: not exactly one default", "rebuild the feed")
    for alternate in alternates:
        source = alternate.find("podcast:source", _NAMESPACES)
        uri = source.get("uri", "") if source is not None else ""
        if not uri:
            report.add("error", where, "podcast:alternateEnclosure without a podcast:source uri", "rebuild the feed")
            continue
        if uri == enclosure_url:
            continue  # the main file, checked above
        path = fetch.local(uri)
        if path is None:
            report.add("error", where, f"alternate {uri} {'cannot be fetched' if fetch.remote else 'does not exist'}",
                       "rebuild the episode, or publish its file")
            continue
        length = alternate.get("length") or ""
        if length and (not length.isdigit() or int(length) != path.stat().st_size):
            report.add("error", where, f"alternate {uri}: length {length} but the file has {path.stat().st_size} bytes",
                       "rebuild the feed")
        audio = _readable_audio(path)
        if audio is None:
            report.add("error", where, f"alternate {uri} is not audio mutagen can read", "rebuild the episode")
            continue
        if duration_s is not None and abs(float(audio.info.length) - duration_s) > 0.1:
            report.add("error", where, f"alternate {uri} lasts {audio.info.length:.2f} s, the episode {duration_s:.2f} s",
                       "rebuild the episode")
    report.checked.append("alternates")


def _check_soundbites(report: CheckReport, where: str, item: Any, duration_s: float | None) -> None:
    """Each ``podcast:soundbite`` lies inside the episode; the namespace recommends 15 to 120 s."""
    for bite in item.findall("podcast:soundbite", _NAMESPACES):
        try:
            start, length = float(bite.get("startTime", "")), float(bite.get("duration", ""))
        except ValueError:
            report.add("error", where, "podcast:soundbite without a numeric startTime and duration", "rebuild the feed")
            continue
        if start < 0 or length <= 0 or (duration_s is not None and start + length > duration_s + 0.05):
            report.add("error", where, f"soundbite {start:.1f}+{length:.1f} s is not inside the episode",
                       "rebuild the episode")
        elif not 15 <= length <= 120:
            report.add("warning", where, f"soundbite of {length:.1f} s (the namespace recommends 15 to 120 s)",
                       "nothing to do unless apps refuse it")
    report.checked.append("soundbites")


def _check_http(report: CheckReport, where: str, url: str, mime: str, fetch: _Fetcher) -> None:
    try:
        _check_requests(report, where, url, mime, fetch)
    except OSError as exc:
        report.add("error", where, f"requests to {url} failed ({exc})", "check that the server is up and serves it")


def _check_requests(report: CheckReport, where: str, url: str, mime: str, fetch: _Fetcher) -> None:
    status, headers = fetch.request(url, "HEAD")
    if status != 200:
        report.add("error", where, f"HEAD {url} answered {status}", "serve the file with a server that answers HEAD")
    elif headers.get("Content-Type", "").split(";")[0] not in (mime, "audio/mp4" if mime == "audio/x-m4a" else mime):
        report.add("error", where, f"HEAD {url}: Content-Type {headers.get('Content-Type')!r}, feed says {mime!r}",
                   "configure the server's MIME types (audiobrief serve does)")
    status, headers = fetch.request(url, "GET", {"Range": "bytes=0-1"})
    if status != 206 or not headers.get("Content-Range", "").startswith("bytes 0-1/"):
        report.add("error", where, f"a Range: bytes=0-1 request answered {status}, not 206",
                   "serve with byte-range support (audiobrief serve, nginx, any CDN)")
    report.checked.append("http")


def _readable_audio(path: Path) -> Any | None:
    """The file as mutagen reads it (its ``info`` has the length), or None when it is not audio mutagen knows."""
    from mutagen import File as MutagenFile
    from mutagen import MutagenError

    try:
        return MutagenFile(str(path))
    except MutagenError:
        return None


def _check_audio(report: CheckReport, where: str, path: Path, loudness: Loudness | None) -> float | None:
    from mutagen.mp3 import MP3, BitrateMode

    audio = _readable_audio(path)
    if audio is None:
        report.add("error", where, f"{path.name} is not audio mutagen can read", "rebuild the episode")
        return None
    info = audio.info
    if info.sample_rate not in (44100, 48000):
        report.add("error", where, f"sample rate {info.sample_rate} Hz", "encode at 44.1 or 48 kHz")
    kbps = round(info.bitrate / 1000)
    low, high = (96, 128) if info.channels == 1 else (128, 256)
    if not low <= kbps <= high:
        report.add("warning", where, f"{kbps} kbps {'mono' if info.channels == 1 else 'stereo'} (recommended {low}-{high})",
                   "set [audio] bitrate_kbps")
    if isinstance(audio, MP3) and info.bitrate_mode not in (BitrateMode.CBR, BitrateMode.UNKNOWN):
        report.add("warning", where, "the MP3 is not CBR", "encode CBR")
    if loudness is not None:
        from .errors import AudioError
        from .ffmpeg import measure_loudness

        try:
            measured = measure_loudness(path)
        except AudioError as exc:
            report.add("error", where, f"loudness cannot be measured: {exc}", "install ffmpeg")
        else:
            if (abs(measured.integrated_lufs - loudness.target_lufs) > 1
                    or measured.true_peak_dbtp > loudness.true_peak_dbtp):
                report.add("error", where, f"loudness {measured.integrated_lufs} LUFS, true peak "
                           f"{measured.true_peak_dbtp} dBTP (want {loudness.target_lufs:g} ±1 LUFS, at most "
                           f"{loudness.true_peak_dbtp:g} dBTP, {loudness.source})",
                           "rebuild the episode with these [audio] targets")
            report.checked.append("loudness")
    report.checked.append("audio")
    return float(info.length)


def _id3_chapters(path: Path) -> list[tuple[float, str]] | None:
    from mutagen import MutagenError
    from mutagen.id3 import ID3, ID3NoHeaderError

    try:
        tags = ID3(str(path))
    except (ID3NoHeaderError, MutagenError):
        return None
    return [(float(c.start_time), c.sub_frames["TIT2"].text[0] if "TIT2" in c.sub_frames else "")
            for c in tags.getall("CHAP")]


def _check_chapters(report: CheckReport, where: str, item: Any, audio: Path, fetch: _Fetcher,
                    duration_s: float | None) -> None:
    sources: dict[str, list[tuple[float, str]]] = {}
    psc = item.find("psc:chapters", _NAMESPACES)
    if psc is not None:
        try:
            sources["psc"] = [(_npt_ms(c.get("start", "")), c.get("title", "")) for c in psc.findall("psc:chapter", _NAMESPACES)]
        except ValueError:
            report.add("error", where, "psc:chapters has a start that is not Normal Play Time", "rebuild the feed")
    link = item.find("podcast:chapters", _NAMESPACES)
    if link is not None:
        if link.get("type") != "application/json+chapters":
            report.add("error", where, f"podcast:chapters type {link.get('type')!r}", "use application/json+chapters")
        path = fetch.local(link.get("url", ""))
        if path is None:
            report.add("error", where, f"podcast:chapters {link.get('url')} cannot be read", "publish the chapters file")
        else:
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
                sources["json"] = [(float(c["startTime"]) * 1000, c.get("title", "")) for c in doc["chapters"]]
            except (ValueError, KeyError, TypeError) as exc:
                report.add("error", where, f"chapters JSON is invalid ({exc})", "rebuild the episode")
    if audio.suffix.lower() == ".mp3":
        id3 = _id3_chapters(audio)
        if id3:
            sources["id3"] = id3
            _check_ctoc(report, where, audio)
    for name, chapters in sources.items():
        starts = [start for start, _ in chapters]
        if starts != sorted(starts):
            report.add("error", where, f"{name} chapters are not in time order", "rebuild the episode")
        if duration_s is not None and starts and max(starts) >= duration_s * 1000:
            report.add("error", where, f"a {name} chapter starts after the audio ends", "rebuild the episode")
    if len(sources) > 1:
        names = list(sources)
        reference = sorted(sources[names[0]])
        for other in names[1:]:
            compared = sorted(sources[other])
            if len(compared) != len(reference) or any(
                abs(a[0] - b[0]) > _CHAPTER_TOLERANCE_MS or a[1] != b[1] for a, b in zip(reference, compared)
            ):
                report.add("error", where, f"{names[0]} and {other} chapters disagree (titles or starts beyond 10 ms)",
                           "rebuild the episode so all chapter formats come from one timeline")
    report.checked.append("chapters")


def _check_ctoc(report: CheckReport, where: str, audio: Path) -> None:
    from mutagen.id3 import ID3

    tocs = ID3(str(audio)).getall("CTOC")
    top = [t for t in tocs if int(t.flags) & 0x02]
    if len(top) != 1 or not int(top[0].flags) & 0x01:
        report.add("error", where, "ID3 needs exactly one top-level, ordered CTOC", "rebuild the episode")


@dataclass(frozen=True, slots=True)
class Loudness:
    """The loudness an episode must meet, and where that target came from."""

    target_lufs: float = -16.0
    true_peak_dbtp: float = -2.0
    source: str = "Apple's recommendation"


def show_targets(folder: Path) -> Loudness:
    """The targets a show folder was built with (its publication record), else Apple's recommendation."""
    from .errors import PublishError
    from .publishing.publication import load_publication

    try:
        record = load_publication(folder, infer=False)
    except PublishError:
        return Loudness()
    if record is None:
        return Loudness()
    return Loudness(record.target_lufs, record.true_peak_dbtp, "the show's [audio] targets")


def check_show(target: str | Path, *, loudness: bool | Loudness = True,
               progress: Callable[[str], None] | None = None) -> CheckReport:
    """Check a built show folder or a feed URL against the podcast checklist.

    :param target: an output folder (with ``feed.xml``) or a feed URL.
    :param loudness: measure loudness (decodes every episode; the slowest check) against these
        targets; True: the targets the folder was built with (else -16 LUFS / -2 dBTP).
    :returns: the report; ``report.errors`` empty means the show passes.
    """
    if loudness is True:
        is_url = str(target).startswith(("http://", "https://"))
        targets: Loudness | None = Loudness() if is_url else show_targets(Path(target))
    else:
        targets = loudness if isinstance(loudness, Loudness) else None
    from lxml import etree

    text = str(target)
    report = CheckReport(text)
    fetch = _Fetcher(text)
    try:
        try:
            raw = fetch.feed_bytes(text)
        except OSError as exc:
            report.add("error", "feed", f"cannot read the feed ({exc})", "build the show first, or check the URL")
            return report
        for alias in PODCAST_NS_ALIASES:  # the Podcasting 2.0 namespace has two addresses; either will do
            raw = raw.replace(f'"{alias}"'.encode(), f'"{PODCAST_NS}"'.encode())
        try:
            root = etree.parse(io.BytesIO(raw), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        except etree.XMLSyntaxError as exc:
            report.add("error", "feed", f"not well-formed XML: {exc}", "rebuild the feed with audiobrief build")
            return report
        if root.tag != "rss" or root.get("version") != "2.0":
            report.add("error", "feed", f"root is <{root.tag} version={root.get('version')!r}>, not <rss version=\"2.0\">",
                       "rebuild the feed")
            return report
        for prefix, uri in _NAMESPACES.items():
            if root.nsmap.get(prefix) != uri:
                report.add("error", "feed", f"namespace {prefix!r} is {root.nsmap.get(prefix)!r}, must be {uri}",
                           "rebuild the feed")
        channel = root.find("channel")
        if channel is None:
            report.add("error", "feed", "no <channel>", "rebuild the feed")
            return report
        self_link = channel.find("{http://www.w3.org/2005/Atom}link[@rel='self']")
        feed_url = self_link.get("href") if self_link is not None else (text if fetch.remote else None)
        _check_channel(report, channel, fetch, feed_url)
        items = [*channel.findall("item"), *_older_pages(report, channel, fetch, feed_url)]
        if not items:
            report.add("warning", "feed", "no episodes", "build an episode")
        seen: dict[str, set[str]] = {"guid": set(), "url": set()}
        for index, item in enumerate(items, start=1):
            if progress:
                progress(f"item {index}/{len(items)}")
            _check_item(report, index, item, fetch, seen, targets)
        report.checked.append("feed")
    finally:
        fetch.close()
    return report

