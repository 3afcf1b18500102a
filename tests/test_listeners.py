"""Every listener, every app: the Opus alternate, soundbites, paged feeds, AI disclosure, update frequency
and the synthetic host, read by the parsers apps use (podcastparser, feedparser and, through node,
podcast-partytime and feedsmith) and held to account by ``check``."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import feedparser
import podcastparser
import pytest

from audiobrief.check import check_show
from audiobrief.config import FeedSettings, Settings
from audiobrief.pipeline import build
from audiobrief.tts.fake import FakeEngine

from .conftest import DATE, EXAMPLES, ROOT

JS = ROOT / "tests" / "js"
needs_node = pytest.mark.skipif(shutil.which("node") is None or not (JS / "node_modules").is_dir(),
                                reason="node and tests/js/node_modules (scripts/test runs npm ci there)")
BASE = "https://pod.example.org/show/"


@pytest.fixture(scope="module")
def show(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three episodes, two to a page; the seed briefs' narratives last long enough for soundbites."""
    folder = tmp_path_factory.mktemp("listeners")
    tiny = folder.parent / "tiny.json"
    tiny.write_text(json.dumps({"id": "tiny", "title": "Toll approved", "published": "2023-09-10T06:00:00Z",
                                "facts": ["The council voted on Tuesday."],
                                "narratives": [{"label": "Narrative A", "text": "It is fair."}]}))
    settings = replace(Settings(), base_url=BASE, feed=FeedSettings(page_size=2),
                       show=replace(Settings().show, update_frequency="weekdays"))
    engine = FakeEngine()  # 400 ms a word: the seed's narratives last 16-20 s
    build([EXAMPLES / "seed-brief.txt", EXAMPLES / "seed-brief.json", tiny], folder, settings,
          engines={"host": engine, "narrative": engine}, published=DATE)
    return folder


def _episodes(folder: Path) -> list[dict]:
    return json.loads((folder / "episodes.json").read_text())["episodes"]


def _follow(folder: Path) -> list[feedparser.FeedParserDict]:
    """Every item of the paged feed, following rel="next" from feed.xml, as feedparser reads each page."""
    entries, name, pages = [], "feed.xml", 0
    while name and pages < 10:
        parsed = feedparser.parse((folder / name).read_bytes())
        assert parsed.bozo == 0, name
        entries += parsed.entries
        pages += 1
        nxt = [link.href for link in parsed.feed.links if link.rel == "next"]
        name = nxt[0].removeprefix(BASE) if nxt else ""
    return entries


def test_a_paged_feed_holds_page_size_items_and_its_pages_lead_to_every_episode(show: Path) -> None:
    first = feedparser.parse((show / "feed.xml").read_bytes())
    assert len(first.entries) == 2
    rels = {link.rel: link.href for link in first.feed.links}
    assert rels["next"] == BASE + "feed-2.xml" and rels["first"] == BASE + "feed.xml" and rels["last"] == BASE + "feed-2.xml"
    second = feedparser.parse((show / "feed-2.xml").read_bytes())
    assert len(second.entries) == 1 and {link.rel: link.href for link in second.feed.links}["previous"] == BASE + "feed.xml"
    assert {e.id for e in _follow(show)} == {e["guid"] for e in _episodes(show)}
    for page in ("feed.xml", "feed-2.xml"):  # each page a podcast feed on its own
        parsed = podcastparser.parse(BASE + page, io.BytesIO((show / page).read_bytes()))
        assert parsed["title"] and parsed["episodes"]
    pages = [json.loads((show / name).read_text()) for name in ("feed.json", "feed-2.json")]
    assert pages[0]["next_url"] == BASE + "feed-2.json" and "next_url" not in pages[1]
    assert len(pages[0]["items"]) + len(pages[1]["items"]) == 3


def test_every_episode_has_an_opus_alternate_of_the_same_length(show: Path) -> None:
    from mutagen.mp3 import MP3
    from mutagen.oggopus import OggOpus

    for episode in _episodes(show):
        (alternate,) = episode["alternates"]
        assert alternate["mime"] == "audio/ogg; codecs=opus" and alternate["file"].endswith(".opus")
        mp3_s = MP3(str(show / episode["audio_file"])).info.length
        opus_s = OggOpus(str(show / alternate["file"])).info.length
        assert abs(mp3_s - opus_s) <= 0.1
        assert (show / alternate["file"]).stat().st_size < (show / episode["audio_file"]).stat().st_size * 0.6


@needs_node
def test_podcast_partytime_reads_the_alternates_with_their_sources_and_the_soundbites(show: Path) -> None:
    seen = {}
    for page in ("feed.xml", "feed-2.xml"):
        run = subprocess.run(["node", str(JS / "read_feed.mjs"), str(show / page)], capture_output=True, text=True,
                             check=True, cwd=JS)
        report = json.loads(run.stdout)
        for parser in ("podcast-partytime", "feedsmith"):
            seen.setdefault(parser, []).extend(report[parser]["items"])
        if page == "feed.xml":
            assert report["feedsmith"]["updateFrequency"] == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
            assert report["feedsmith"]["ai"] == "true"
    store = {e["guid"]: e for e in _episodes(show)}
    for item in seen["podcast-partytime"]:
        episode = store[item["guid"]]
        types = {a["type"]: a["sources"] for a in item["alternates"]}
        assert types["audio/ogg; codecs=opus"] == [BASE + episode["alternates"][0]["file"]]
        assert types["audio/mpeg"] == [BASE + episode["audio_file"]]
        bites = item["soundbites"]
        assert len(bites) == len(episode["soundbites"])
        for bite in bites:
            assert 15 <= bite["duration"] <= 120 and bite["start"] > 0 and bite["start"] + bite["duration"] <= \
                episode["duration_ms"] / 1000
    assert sum(len(i["soundbites"]) for i in seen["podcast-partytime"]) == 4  # two narratives in each seed episode


def test_soundbites_hold_the_narratives_own_words_not_the_cue(show: Path) -> None:
    for episode in _episodes(show):
        narratives = [c for c in episode["chapters"] if c["id"].startswith("narrative")]
        for bite in episode["soundbites"]:
            chapter = next(c for c in narratives if c["title"] == bite["title"])
            assert chapter["start_ms"] <= bite["start_ms"] < chapter["start_ms"] + 300  # its first word, after the chime
            assert bite["start_ms"] + bite["duration_ms"] <= chapter["end_ms"]


def test_what_it_is_is_said_where_people_read(show: Path) -> None:
    from audiobrief.languages import words_for

    words = words_for("en")
    feed = feedparser.parse((show / "feed.xml").read_bytes())
    assert feed.feed.description.endswith(words.disclosure.channel)
    for entry in feed.entries:  # the episode description's last line
        assert entry.description.endswith(f"<p>{words.notes.credit}</p>")
    page = (show / "index.html").read_text()
    assert words.disclosure.line in page
    for vtt in show.glob("*.vtt"):
        assert vtt.read_text().splitlines()[2] == f"NOTE {words.disclosure.line}"
    for text in show.glob("*.txt"):
        assert words.disclosure.line in text.read_text().splitlines()[:3]
    raw = (show / "feed.xml").read_text()
    assert 'podcast:updateFrequency rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR">Weekdays<' in raw


def test_check_passes_and_holds_each_new_tag_to_account(show: Path, tmp_path: Path) -> None:
    report = check_show(show, loudness=False)
    assert report.errors == [], [str(p) for p in report.errors]
    assert {"alternates", "soundbites", "pages"} <= set(report.checked)
    breakages = {
        "opus missing": (lambda f: next(f.glob("*.opus")).unlink(), "does not exist"),
        "opus short": (lambda f: _truncate_opus(next(f.glob("*.opus"))), "lasts"),
        "soundbite outside": (lambda f: _edit(f / "feed.xml", 'duration="', 'duration="9'), "not inside the episode"),
        "page missing": (lambda f: (f / "feed-2.xml").unlink(), "cannot be read"),
    }
    for name, (breakage, message) in breakages.items():
        broken = tmp_path / name.replace(" ", "-")
        shutil.copytree(show, broken)
        breakage(broken)
        errors = [str(p) for p in check_show(broken, loudness=False).errors]
        assert any(message in e for e in errors), (name, errors)


def _edit(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new, 1))


def _truncate_opus(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _opus_threads() -> list[str]:
    import threading

    return [t.name for t in threading.enumerate() if t.name == "audiobrief-opus-feed"]


def test_the_opus_encoder_finishes_a_file_and_a_failed_one_is_one_error_with_no_thread_left(tmp_path: Path) -> None:
    import numpy as np

    from audiobrief.audio.opus import OpusEncoder, opus_duration_ms
    from audiobrief.audio.tags import EpisodeTags
    from audiobrief.errors import AudioError

    tags = EpisodeTags(title="t", show="s", author="a", date="2023-09-13", description="d")
    tone = (0.1 * np.sin(np.arange(44_100 * 3) * 2 * np.pi * 440 / 44_100)).astype(np.float32)
    good = OpusEncoder(tmp_path / "good.opus", 44_100, 32, tags, ())
    for start in range(0, len(tone), 1 << 15):
        good.write(tone[start:start + (1 << 15)])
    good.close()
    assert abs(opus_duration_ms(tmp_path / "good.opus") - 3000) < 60

    bad = OpusEncoder(tmp_path / "no-such-folder" / "bad.opus", 44_100, 32, tags, ())  # ffmpeg cannot open it
    with pytest.raises(AudioError, match=r"bad\.opus as Opus failed"):
        for _ in range(200):  # far more than a pipe holds: ffmpeg is gone long before
            bad.write(tone)
        bad.close()
    bad.abort()
    assert not (tmp_path / "no-such-folder").exists() and not _opus_threads()
