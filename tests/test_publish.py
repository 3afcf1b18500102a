"""Publishing: the server, the checker, JSON feeds, the site, keep/remove/publish."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import re
import shutil
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import feedparser
import podcastparser
import pytest
from click.testing import CliRunner

from audiobrief.check import check_show
from audiobrief.cli import cli
from audiobrief.config import Settings
from audiobrief.pipeline import build
from audiobrief.publishing.publish import publish_folder
from audiobrief.publishing.store import load_episodes
from audiobrief.tts.fake import FakeEngine

from .conftest import DATE, EXAMPLES, serving


def _build(folder: Path, base_url: str, briefs=("seed-brief.txt", "seed-brief.json"), **kwargs) -> Settings:
    settings = replace(Settings(), base_url=base_url)
    engine = FakeEngine(ms_per_word=120)
    build([EXAMPLES / b for b in briefs], folder, settings, engines={"host": engine, "narrative": engine},
          published=DATE, **kwargs)
    return settings


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("served")
    outside = tmp_path_factory.mktemp("outside") / "secret.txt"

    def prepare(base: str) -> None:
        _build(folder, base)
        (folder / "sub").mkdir()
        (folder / "sub" / "note.txt").write_text("inside")
        outside.write_text("secret")
        os.symlink(outside, folder / "escape.txt")

    with serving(folder, prepare) as base:
        yield base, folder


def _request(base: str, method: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    host, port = base.split("//")[1].rstrip("/").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.putrequest(method, path, skip_accept_encoding=True)  # the path goes out exactly as given
    for key, value in (headers or {}).items():
        conn.putheader(key, value)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def test_podcast_clients_read_the_served_feed(served) -> None:
    base, folder = served
    url = base + "feed.xml"
    parsed = feedparser.parse(urllib.request.urlopen(url).read())
    assert parsed.bozo == 0 and len(parsed.entries) == 2
    for entry in parsed.entries:
        assert entry.psc_chapters["chapters"] and len(entry.psc_chapters["chapters"]) == 5
        assert entry.podcast_transcript["url"].startswith(base)  # feedparser keeps one; podcastparser below
    with urllib.request.urlopen(url) as response:
        assert response.headers["Content-Type"].startswith("application/rss+xml")
        pod = podcastparser.parse(url, response)
    assert len(pod["episodes"]) == 2
    for episode in pod["episodes"]:
        assert [c["title"] for c in episode["chapters"]][2:4] == ["Pro-establishment narrative (Guardian)", "Pro-Russia narrative (TASS)"]
        (enclosure,) = episode["enclosures"]
        status, headers, body = _request(base, "HEAD", "/" + enclosure["url"].rsplit("/", 1)[1])
        assert status == 200 and body == b""
        assert int(headers["content-length"]) == enclosure["file_size"]
        assert headers["accept-ranges"] == "bytes" and headers["content-type"] == "audio/mpeg"
        status, headers, body = _request(base, "GET", "/" + enclosure["url"].rsplit("/", 1)[1], {"Range": "bytes=0-1"})
        assert status == 206 and len(body) == 2
        assert headers["content-range"] == f"bytes 0-1/{enclosure['file_size']}"
        downloaded = urllib.request.urlopen(enclosure["url"]).read()
        assert len(downloaded) == enclosure["file_size"]
        assert downloaded == (folder / enclosure["url"].rsplit("/", 1)[1]).read_bytes()


def test_ranges_conditional_requests_types_and_cors(served) -> None:
    base, folder = served
    mp3 = "/" + next(folder.glob("*.mp3")).name
    size = (folder / mp3[1:]).stat().st_size
    assert _request(base, "GET", mp3, {"Range": "bytes=-10"})[1]["content-range"] == f"bytes {size - 10}-{size - 1}/{size}"
    assert _request(base, "GET", mp3, {"Range": "bytes=100-"})[1]["content-length"] == str(size - 100)
    status, headers, _ = _request(base, "GET", mp3, {"Range": f"bytes={size}-"})
    assert status == 416 and headers["content-range"] == f"bytes */{size}"
    assert _request(base, "GET", mp3, {"Range": "lines=1-2"})[0] == 200  # another unit: ignored (RFC 9110)
    status, headers, _ = _request(base, "GET", "/feed.xml")
    assert _request(base, "GET", "/feed.xml", {"If-None-Match": headers["etag"]})[0] == 304
    assert _request(base, "GET", "/feed.xml", {"If-Modified-Since": headers["last-modified"]})[0] == 304
    assert _request(base, "GET", "/feed.xml", {"If-None-Match": '"other"'})[0] == 200
    stem = next(folder.glob("*.vtt")).name.removesuffix(".vtt")  # transcripts are named by their own content
    expected = {
        f"/{stem}.chapters.json": "application/json+chapters",
        f"/{stem}.vtt": "text/vtt",
        f"/{stem}.srt": "application/x-subrip",
        "/feed.json": "application/feed+json",
        "/alexa.json": "application/json",
        "/index.html": "text/html",
        "/cover.png": "image/png",
    }
    for path, mime in expected.items():
        status, headers, _ = _request(base, "GET", path)
        assert status == 200 and headers["content-type"].split(";")[0] == mime, path
    for path in (f"/{stem}.chapters.json", f"/{stem}.vtt", "/feed.json"):
        assert _request(base, "GET", path)[1]["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("path", ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc/passwd",
                                  "/sub/../../escape", "/escape.txt", "/episodes.json/../../x", "/.build-x/a",
                                  "/%00", "/sub/", "/nothing.mp3"])
def test_nothing_outside_the_folder_and_no_listings(served, path: str) -> None:
    base, _ = served
    assert _request(base, "GET", path)[0] == 404


def test_root_serves_the_site(served) -> None:
    base, _ = served
    status, headers, body = _request(base, "GET", "/")
    assert status == 200 and b"<audio" in body


def test_many_concurrent_clients(served) -> None:
    base, folder = served
    mp3 = "/" + next(folder.glob("*.mp3")).name

    def fetch(i: int) -> int:
        return _request(base, "GET", mp3, {"Range": f"bytes={i * 1000}-{i * 1000 + 999}"})[0]

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert set(pool.map(fetch, range(64))) == {206}


def test_check_passes_on_the_served_show_and_the_folder(served) -> None:
    base, folder = served
    for target in (base + "feed.xml", str(folder)):
        report = check_show(target, loudness=target == str(folder))
        assert report.errors == [], [str(p) for p in report.errors]
        assert {"feed", "audio", "chapters", "artwork"} <= set(report.checked)
    assert "http" in check_show(base + "feed.xml", loudness=False).checked


def _broken_copy(served, tmp_path: Path) -> Path:
    _, folder = served
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy, symlinks=True)
    (copy / "escape.txt").unlink()
    return copy


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        ("length", "enclosure length"),
        ("missing", "does not exist"),
        ("unsorted", "not in time order"),
        ("category", "not in Apple's list"),
        ("guid", "is used by another item"),
        ("xml", "not well-formed"),
    ],
)
def test_check_fails_naming_the_problem(served, tmp_path: Path, breakage: str, expected: str) -> None:
    copy = _broken_copy(served, tmp_path)
    feed = (copy / "feed.xml").read_text()
    if breakage == "length":
        feed = re.sub(r'length="(\d+)"', lambda m: f'length="{int(m.group(1)) + 1}"', feed, count=1)
    elif breakage == "missing":
        next(copy.glob("*.mp3")).unlink()
    elif breakage == "unsorted":
        starts = re.findall(r'<psc:chapter start="([^"]+)"', feed)
        feed = feed.replace(f'start="{starts[1]}"', 'start="TMP"', 1).replace(f'start="{starts[2]}"', f'start="{starts[1]}"', 1)
        feed = feed.replace('start="TMP"', f'start="{starts[2]}"', 1)
    elif breakage == "category":
        feed = feed.replace('text="Daily News"', 'text="Weather"')
    elif breakage == "guid":
        guids = re.findall(r"<guid isPermaLink=\"false\">([^<]+)</guid>", feed)
        feed = feed.replace(guids[1], guids[0])
    elif breakage == "xml":
        feed = feed.replace("<channel>", "<channel><broken & >", 1)
    (copy / "feed.xml").write_text(feed)
    result = CliRunner().invoke(cli, ["check", str(copy), "--no-loudness"])
    assert result.exit_code == 1
    assert expected in result.output and "fix:" in result.output


def test_json_feed_and_alexa_feed(served) -> None:
    base, folder = served
    doc = json.loads((folder / "feed.json").read_text())
    assert doc["version"] == "https://jsonfeed.org/version/1.1" and len(doc["items"]) == 2
    item = doc["items"][0]
    assert item["content_html"] and item["date_published"].endswith("Z")
    attachment = item["attachments"][0]
    assert attachment["mime_type"] == "audio/mpeg"
    assert attachment["size_in_bytes"] == (folder / attachment["url"].rsplit("/", 1)[1]).stat().st_size
    alexa = json.loads((folder / "alexa.json").read_text())
    assert 1 <= len(alexa) <= 5
    for entry in alexa:
        assert set(entry) == {"uid", "updateDate", "titleText", "mainText", "streamUrl", "redirectionUrl"}
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.0Z", entry["updateDate"])
        assert entry["streamUrl"].startswith(base)


def test_site_is_self_contained(served) -> None:
    _, folder = served
    html = (folder / "index.html").read_text()
    assert html.count("<audio") == 2 and html.count('data-start="') == 10
    assert not re.search(r'<(script|link|img|audio)[^>]+(src|href)="(https?:)?//', html), "external resource"
    assert "Pro-Russia narrative (TASS)" in html and "Al Jazeera" in html and "Transcript" in html


def test_keep_retires_old_episodes_and_remove_withdraws_one(tmp_path: Path) -> None:
    settings = _build(tmp_path, "http://127.0.0.1:8000/", briefs=("seed-brief.txt",))
    first = load_episodes(tmp_path)[0]
    later = replace(settings)
    engine = FakeEngine(ms_per_word=120)
    build([EXAMPLES / "seed-brief.json"], tmp_path, later, engines={"host": engine, "narrative": engine}, keep=1,
          published=DATE + dt.timedelta(days=1))
    (only,) = load_episodes(tmp_path)
    assert only.brief_id == "seed-brief-json"
    assert not (tmp_path / first.audio_file).exists() and not (tmp_path / first.transcripts.vtt).exists()
    assert len(feedparser.parse(str(tmp_path / "feed.xml")).entries) == 1
    result = CliRunner().invoke(cli, ["remove", only.guid, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert load_episodes(tmp_path) == [] and not (tmp_path / only.audio_file).exists()
    assert feedparser.parse(str(tmp_path / "feed.xml")).entries == []
    missing = CliRunner().invoke(cli, ["remove", "nope", "--out", str(tmp_path)])
    assert missing.exit_code == 1 and "no episode 'nope'" in missing.output


def test_publish_copies_the_show_feed_last(served, tmp_path: Path) -> None:
    _, folder = served
    dest = tmp_path / "www"
    count = publish_folder(folder, dest)
    assert (dest / "feed.xml").read_bytes() == (folder / "feed.xml").read_bytes()
    assert count == len([p for p in dest.iterdir() if not p.name.startswith(".")])
    assert sorted(p.name for p in dest.iterdir() if p.name.startswith(".")) == [".audiobrief"]  # the lock, never served
    assert not (dest / "escape.txt").exists() and [p.name for p in dest.glob(".*")] == [".audiobrief"]
    for episode in load_episodes(folder):
        assert (dest / episode.audio_file).stat().st_size == episode.size_bytes
    result = CliRunner().invoke(cli, ["publish", str(tmp_path / "nothing-built"), str(dest)])
    assert result.exit_code == 2  # not an existing folder: a usage error
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(cli, ["publish", str(tmp_path / "empty"), str(dest)])
    assert result.exit_code == 1 and "not a built show folder" in result.output


@pytest.fixture
def hostile_host() -> Iterator[tuple[str, dict[str, tuple[int, dict[str, str], bytes]]]]:
    """A web server answering whatever the test puts in its table: path -> (status, headers, body)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    table: dict[str, tuple[int, dict[str, str], bytes]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, headers, body = table.get(self.path, (404, {}, b"not here"))
            self.send_response(status)
            for key, value in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        do_HEAD = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", table
    finally:
        server.shutdown()
        server.server_close()


def _feed(base: str, *items: tuple[str, str]) -> bytes:
    """A small feed whose items have these (enclosure URL, chapters URL)."""
    entries = "".join(f"""<item><title>E{i}</title><guid>g{i}</guid><pubDate>Wed, 13 Sep 2023 06:00:00 +0000</pubDate>
<enclosure url="{enclosure}" length="10" type="audio/mpeg"/>
<podcast:chapters url="{chapters}" type="application/json+chapters"/></item>""" for i, (enclosure, chapters) in
                      enumerate(items))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
     xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>T</title><description>D</description><language>en</language>
<atom:link href="{base}feed.xml" rel="self"/>{entries}</channel></rss>""".encode()


def test_check_fetches_only_http_links_never_files_or_redirects_elsewhere(hostile_host, monkeypatch) -> None:
    base, table = hostile_host

    def no_files(*args: object, **kwargs: object) -> None:
        raise AssertionError("check opened a file: URL")

    monkeypatch.setattr(urllib.request.FileHandler, "file_open", no_files)
    table["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"},
                          _feed(base, ("file:///etc/passwd", base + "c.json"), (base + "e.mp3", base + "moved.json")))
    table["/e.mp3"] = (200, {"Content-Type": "audio/mpeg"}, b"0123456789")
    table["/moved.json"] = (302, {"Location": "file:///etc/hostname"}, b"")
    report = check_show(base + "feed.xml", loudness=False)
    messages = "\n".join(str(p) for p in report.errors)
    assert "enclosure file:///etc/passwd cannot be fetched" in messages
    assert f"podcast:chapters {base}moved.json cannot be read" in messages


def test_check_caps_what_it_downloads(hostile_host, monkeypatch) -> None:
    import audiobrief.check as check

    base, table = hostile_host
    table["/feed.xml"] = (200, {}, _feed(base, (base + "e.mp3", base + "c.json")) + b"<!--" + b"x" * 50_000 + b"-->")
    monkeypatch.setattr(check, "MAX_DOCUMENT_BYTES", 20_000)
    report = check_show(base + "feed.xml", loudness=False)
    assert [p.message for p in report.errors] == [f"cannot read the feed ({base}feed.xml: larger than 0.02 MB; "
                                                  "check stops reading there)"]
