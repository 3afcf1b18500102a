"""Stages 4-6 with the fake engine (exact timings): timeline, MP3, chapters, transcripts, store, feed."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import feedparser
import podcastparser
import pytest
import webvtt
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from PIL import Image

from audiobrief.audio import build_timeline
from audiobrief.brief import load_brief
from audiobrief.config import AudioSettings, Settings
from audiobrief.errors import AudiobriefError, BriefError
from audiobrief.models import Show
from audiobrief.pipeline import build
from audiobrief.publishing.feed import podcast_guid
from audiobrief.publishing.store import load_episodes
from audiobrief.script import render_script
from audiobrief.speech import synthesize_script
from audiobrief.tts.fake import FakeEngine

from .conftest import DATE, EXAMPLES, needs_ffprobe

BASE = "http://127.0.0.1:8000/"


def _seed_timeline(fake_engines):
    script = render_script(load_brief(EXAMPLES / "seed-brief.txt"), Show(), published=DATE)
    return script, build_timeline(script, synthesize_script(script, fake_engines), AudioSettings())


def test_timeline_chapters_come_from_exact_sample_positions(fake_engines) -> None:
    script, timeline = _seed_timeline(fake_engines)
    s = AudioSettings()
    words = [len(sentence.split()) for seg in script.segments for sentence in __import__(
        "audiobrief.speakable", fromlist=["x"]).split_sentences(seg.text)]
    # every sentence is 400 ms a word; the timeline adds lead-in, pauses and tail
    assert [t.end_ms - t.start_ms for t in timeline.sentences] == [w * 400 for w in words]
    chapters = timeline.chapters
    assert [c.id for c in chapters] == ["intro", "facts", "narrative-1", "narrative-2", "outro"]
    assert chapters[0].start_ms == 0 and chapters[-1].end_ms == timeline.duration_ms
    for before, after in zip(chapters, chapters[1:]):
        assert before.end_ms == after.start_ms
    # a narrative chapter starts exactly where its introduction starts to be spoken
    first_narrative = next(t for t in timeline.sentences if t.segment_id == "narrative-01")
    assert chapters[2].start_ms == first_narrative.start_ms
    # section pauses are longer than the pauses between sentences
    intro_end = max(t.end_ms for t in timeline.sentences if t.segment_id in ("intro", "headline"))
    assert chapters[1].start_ms - intro_end == s.section_pause_ms


@pytest.fixture(scope="module")
def fake_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("show")
    engine = FakeEngine(ms_per_word=300)
    build([EXAMPLES / "seed-brief.txt"], out, Settings(), engines={"host": engine, "narrative": engine}, published=DATE)
    return out


def _only_episode(out: Path):
    (episode,) = load_episodes(out)
    return episode


def test_mp3_is_44k_mono_cbr_with_ordered_id3_chapters(fake_build: Path) -> None:
    episode = _only_episode(fake_build)
    mp3 = MP3(fake_build / episode.audio_file)
    from mutagen.mp3 import BitrateMode

    assert (mp3.info.sample_rate, mp3.info.channels, mp3.info.bitrate_mode) == (44100, 1, BitrateMode.CBR)
    assert mp3.info.bitrate == 96000
    # LAME writes its Xing-format header as "Info" in CBR files: players seek and time by it
    data = (fake_build / episode.audio_file).read_bytes()
    audio_start = ID3(fake_build / episode.audio_file).size  # the first MPEG frame follows the tag
    assert b"Info" in data[audio_start : audio_start + 200]
    tags = ID3(fake_build / episode.audio_file)
    chaps = tags.getall("CHAP")
    assert [(c.start_time, c.end_time) for c in chaps] == [(c.start_ms, c.end_ms) for c in episode.chapters]
    assert [c.sub_frames["TIT2"].text[0] for c in chaps] == [c.title for c in episode.chapters]
    (toc,) = tags.getall("CTOC")
    assert toc.child_element_ids == [c.element_id for c in chaps] and int(toc.flags) == 3
    assert tags["TIT2"].text[0] == episode.title and tags.getall("APIC")
    assert abs(episode.chapters[-1].end_ms - mp3.info.length * 1000) < 1


def test_loudness_is_on_target(fake_build: Path) -> None:
    from audiobrief.ffmpeg import measure_loudness

    episode = _only_episode(fake_build)
    loudness = measure_loudness(fake_build / episode.audio_file)
    assert -17.0 <= loudness.integrated_lufs <= -15.0
    assert loudness.true_peak_dbtp <= -2.0
    assert episode.integrated_lufs == pytest.approx(loudness.integrated_lufs, abs=0.05)


@needs_ffprobe
def test_ffprobe_lists_the_chapters_in_order(fake_build: Path) -> None:
    episode = _only_episode(fake_build)
    out = subprocess.run(["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(fake_build / episode.audio_file)],
                         capture_output=True, text=True, check=True).stdout
    chapters = json.loads(out)["chapters"]
    assert [c["tags"]["title"] for c in chapters] == [c.title for c in episode.chapters]
    assert [round(float(c["start_time"]) * 1000) for c in chapters] == [c.start_ms for c in episode.chapters]


def test_transcripts_and_json_chapters_agree_with_the_audio(fake_build: Path, golden) -> None:
    episode = _only_episode(fake_build)
    t = episode.transcripts
    assert t is not None
    vtt = webvtt.read(str(fake_build / t.vtt))
    starts = [c.start_in_seconds for c in vtt]
    assert starts == sorted(starts) and vtt[0].start_in_seconds < 1
    # the cues cover the audio from the first words to the last (only the closing pad is uncaptioned)
    assert episode.duration_ms - 2000 < vtt[-1].end_in_seconds * 1000 <= episode.duration_ms
    assert all(c.text for c in vtt) and all("<v " in c.raw_text for c in vtt)
    assert all(len(line) <= 42 for c in vtt for line in c.text.splitlines())
    doc = json.loads((fake_build / t.chapters_json).read_text())
    assert doc["version"] == "1.2.0"
    assert [(c["startTime"], c["title"]) for c in doc["chapters"]] == [(c.start_ms / 1000, c.title) for c in episode.chapters]
    golden("seed-brief.fake.vtt", (fake_build / t.vtt).read_text())
    golden("seed-brief.fake.chapters.json", (fake_build / t.chapters_json).read_text())
    assert "Pro-Russia narrative (TASS)" in (fake_build / t.text).read_text()


def test_feed_parses_strictly_and_tells_the_truth_about_the_file(fake_build: Path) -> None:
    episode = _only_episode(fake_build)
    xml = (fake_build / "feed.xml").read_bytes()
    parsed = feedparser.parse(xml)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.feed.podcast_guid == podcast_guid(BASE + "feed.xml")
    assert xml.count(b"<itunes:explicit>false</itunes:explicit>") == 2  # channel and item, Apple's true|false
    entry = parsed.entries[0]
    assert entry.id == episode.guid
    assert [e.href for e in entry.enclosures] == [BASE + episode.audio_file]
    pod = podcastparser.parse(BASE + "feed.xml", __import__("io").BytesIO(xml))
    (ep,) = pod["episodes"]
    (enclosure,) = ep["enclosures"]
    assert enclosure["file_size"] == (fake_build / episode.audio_file).stat().st_size
    assert enclosure["mime_type"] == "audio/mpeg"
    assert abs(ep["total_time"] - MP3(fake_build / episode.audio_file).info.length) <= 1
    assert [(c["title"]) for c in ep["chapters"]] == [c.title for c in episode.chapters]
    assert ep["published"] == int(DATE.timestamp())
    # podcastparser reads psc starts in whole seconds; the feed itself has them to the millisecond
    assert all(abs(c["start"] * 1000 - ch.start_ms) < 1000 for c, ch in zip(ep["chapters"], episode.chapters))
    from lxml import etree

    psc = etree.fromstring(xml).findall(".//{http://podlove.org/simple-chapters}chapter")
    starts_ms = [sum(float(p) * m for p, m in zip(reversed(c.get("start").split(":")), (1000, 60_000, 3_600_000)))
                 for c in psc]
    assert all(abs(a - ch.start_ms) <= 10 for a, ch in zip(starts_ms, episode.chapters, strict=True))
    assert [c.get("title") for c in psc] == [c.title for c in episode.chapters]
    assert pod["type"] == "episodic"
    notes = entry.description
    for expected in (episode.title, "The facts:", "as provided by TASS", "Sources:", "Al Jazeera", "Chapters:", "0:00 "):
        assert expected in notes
    for needle in (b'<itunes:category text="News">', b'<itunes:category text="Daily News"/>',
                   b"application/json+chapters", b'type="text/vtt"', b'<podcast:txt purpose="ai-content">true'):
        assert needle in xml


def test_cover_is_square_rgb_and_in_range(fake_build: Path) -> None:
    with Image.open(fake_build / "cover.png") as img:
        assert img.mode == "RGB" and img.size[0] == img.size[1] and 1400 <= img.size[0] <= 3000


def test_rebuild_keeps_one_episode_and_guid_and_a_second_brief_adds_one(tmp_path: Path) -> None:
    engine = FakeEngine(ms_per_word=150)
    engines = {"host": engine, "narrative": engine}
    first = build([EXAMPLES / "seed-brief.txt"], tmp_path, Settings(), engines=engines, published=DATE)
    engine2 = FakeEngine(ms_per_word=160)  # different audio: a new file name, same guid
    again = build([EXAMPLES / "seed-brief.txt"], tmp_path, Settings(), engines={"host": engine2, "narrative": engine2})
    assert first.episodes[0].guid == again.episodes[0].guid
    assert again.episodes[0].published == DATE, "a rebuild keeps the original date"
    assert again.episodes[0].audio_file != first.episodes[0].audio_file
    assert not (tmp_path / first.episodes[0].audio_file).exists(), "the replaced audio is retired"
    assert len(feedparser.parse(str(tmp_path / "feed.xml")).entries) == 1
    build([EXAMPLES / "seed-brief.json"], tmp_path, Settings(), engines=engines)
    parsed = feedparser.parse(str(tmp_path / "feed.xml"))
    assert parsed.bozo == 0 and len(parsed.entries) == 2
    assert len({e.id for e in parsed.entries}) == 2
    assert sorted(int(e.itunes_episode) for e in parsed.entries) == [1, 2]


def test_failed_build_leaves_the_published_show_untouched(tmp_path: Path) -> None:
    engine = FakeEngine()
    build([EXAMPLES / "seed-brief.txt"], tmp_path, Settings(), engines={"host": engine, "narrative": engine}, published=DATE)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    bad = FakeEngine(fail_on="TASS")
    with pytest.raises(AudiobriefError):
        build([EXAMPLES / "seed-brief.json"], tmp_path, Settings(), engines={"host": bad, "narrative": bad})
    broken = tmp_path / "broken.txt"
    broken.write_text("only a headline\n")
    with pytest.raises(BriefError):
        build([broken], tmp_path, Settings(), engines={"host": engine, "narrative": engine})
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file() and p.name != "broken.txt"}
    assert after == before
    assert not list(tmp_path.glob(".build-*"))


def test_hostile_titles_still_make_a_valid_feed(tmp_path: Path) -> None:
    brief = tmp_path / "weird.json"
    title = "Tom & Jerry <script> \"quoted\" \u0007 🚀 " + "long " * 80
    brief.write_text(json.dumps({"title": title, "facts": ["A fact & more < less."],
                                 "narratives": [{"label": "Left narrative", "text": "Yes & no."}]}))
    engine = FakeEngine()
    build([brief], tmp_path, Settings(), engines={"host": engine, "narrative": engine}, published=DATE)
    parsed = feedparser.parse(str(tmp_path / "feed.xml"))
    assert parsed.bozo == 0
    assert len(parsed.entries[0].title) <= 255 and parsed.entries[0].title.startswith("Tom & Jerry <script>")


def test_published_date_override(tmp_path: Path) -> None:
    engine = FakeEngine()
    when = dt.datetime(2024, 5, 31, 6, tzinfo=dt.UTC)
    result = build([EXAMPLES / "seed-brief.txt"], tmp_path, Settings(), engines={"host": engine, "narrative": engine},
                   published=when)
    assert result.episodes[0].published == when


def test_bundled_ffmpeg_is_used_when_the_system_has_none(monkeypatch, tmp_path: Path) -> None:
    import shutil

    from audiobrief import ffmpeg

    monkeypatch.setattr(shutil, "which", lambda name: None)
    ffmpeg.find_ffmpeg.cache_clear()
    try:
        assert "imageio_ffmpeg" in ffmpeg.find_ffmpeg()
        engine = FakeEngine(ms_per_word=100)
        result = build([EXAMPLES / "seed-brief.txt"], tmp_path, Settings(), engines={"host": engine, "narrative": engine})
        assert MP3(tmp_path / result.episodes[0].audio_file).info.sample_rate == 44100
    finally:
        ffmpeg.find_ffmpeg.cache_clear()


def _rms_dbfs(pcm: bytes) -> float:
    from pydub import AudioSegment

    return AudioSegment(data=pcm, sample_width=2, frame_rate=22050, channels=1).dBFS


def _slice(timeline, start_ms: int, end_ms: int) -> bytes:
    rate = timeline.sample_rate_hz
    return timeline.pcm[start_ms * rate // 1000 * 2 : end_ms * rate // 1000 * 2]


def test_voices_of_different_levels_come_out_level() -> None:
    script = render_script(load_brief(EXAMPLES / "seed-brief.txt"), Show(), published=DATE)
    quiet, loud = FakeEngine(amplitude=1500), FakeEngine(amplitude=20000)
    timeline = build_timeline(script, synthesize_script(script, {"host": quiet, "narrative": loud}), AudioSettings())
    host = next(t for t in timeline.sentences if t.speaker == "host")
    narrator = next(t for t in timeline.sentences if t.speaker == "narrative")
    levels = [_rms_dbfs(_slice(timeline, t.start_ms, t.end_ms)) for t in (host, narrator)]
    assert abs(levels[0] - levels[1]) < 1.0, levels
    assert abs(levels[0] - AudioSettings().segment_level_dbfs) < 1.0


def test_a_cue_sounds_before_each_narrative_and_nowhere_else(fake_engines) -> None:
    script, timeline = _seed_timeline(fake_engines)
    by_id = {c.id: c for c in timeline.chapters}
    speech_end = {seg: max(t.end_ms for t in timeline.sentences if t.segment_id == seg) for seg in
                  ("headline", "transition", "narrative-01")}

    def loudest(start: int, end: int) -> float:
        from pydub import AudioSegment

        return AudioSegment(data=_slice(timeline, start, end), sample_width=2, frame_rate=22050, channels=1).max_dBFS

    assert loudest(speech_end["transition"] + 5, by_id["narrative-1"].start_ms - 5) > -40  # the chime
    assert loudest(speech_end["narrative-01"] + 5, by_id["narrative-2"].start_ms - 5) > -40
    assert loudest(speech_end["headline"] + 5, by_id["facts"].start_ms - 5) == float("-inf")  # plain pause
    no_cue = build_timeline(script, synthesize_script(script, fake_engines), AudioSettings(cue="none"))
    assert no_cue.duration_ms < timeline.duration_ms


def test_music_bed_plays_under_the_intro_only(fake_engines, tmp_path: Path) -> None:
    from audiobrief.audio import Sounds

    script = render_script(load_brief(EXAMPLES / "seed-brief.txt"), Show(), published=DATE)
    spoken = synthesize_script(script, fake_engines)
    bed = FakeEngine(sample_rate_hz=22050, amplitude=12000)
    bed_pcm = next(iter(bed.synthesize("la " * 10))).pcm
    timeline = build_timeline(script, spoken, AudioSettings(), Sounds(bed=bed_pcm))
    intro_end = max(t.end_ms for t in timeline.sentences if t.segment_id == "headline")
    facts = next(c for c in timeline.chapters if c.id == "facts")
    under = _slice(timeline, intro_end + 50, intro_end + 400)
    after = _slice(timeline, facts.start_ms - 150, facts.start_ms - 5)
    assert _rms_dbfs(under) > -60 and _rms_dbfs(after) == float("-inf")


def test_producer_sound_files_from_config(tmp_path: Path) -> None:
    import wave

    from audiobrief.config import load_settings

    tone = next(iter(FakeEngine(amplitude=10000).synthesize("one two three"))).pcm
    with wave.open(str(tmp_path / "sting.wav"), "wb") as wav:
        wav.setnchannels(1), wav.setsampwidth(2), wav.setframerate(22050), wav.writeframes(tone)
    config = tmp_path / "audiobrief.toml"
    config.write_text('[audio]\ncue = "sting.wav"\nintro_music = "sting.wav"\nmusic_bed = "sting.wav"\n')
    settings = load_settings(config)
    assert settings.audio.cue == str(tmp_path / "sting.wav")
    engine = FakeEngine()
    result = build([EXAMPLES / "seed-brief.txt"], tmp_path / "out", settings, engines={"host": engine, "narrative": engine})
    episode = result.episodes[0]
    assert episode.chapters[0].start_ms == 0 and len(episode.chapters) == 5
    config.write_text('[audio]\ncue = "missing.wav"\n')
    with pytest.raises(AudiobriefError, match="missing.wav.*no such file"):
        load_settings(config)


@needs_ffprobe
def test_m4a_output_carries_the_same_chapters(tmp_path: Path) -> None:
    from dataclasses import replace

    from mutagen.mp4 import MP4

    settings = replace(Settings(), audio=AudioSettings(format="m4a"))
    engine = FakeEngine()
    result = build([EXAMPLES / "seed-brief.txt"], tmp_path, settings, engines={"host": engine, "narrative": engine})
    episode = result.episodes[0]
    assert episode.audio_file.endswith(".m4a")
    mp4 = MP4(tmp_path / episode.audio_file)
    assert [c.title for c in mp4.chapters] == [c.title for c in episode.chapters]
    assert all(abs(c.start * 1000 - ch.start_ms) <= 10 for c, ch in zip(mp4.chapters, episode.chapters))
    probe = json.loads(subprocess.run(["ffprobe", "-v", "error", "-show_chapters", "-show_entries", "stream=codec_name",
                                       "-of", "json", str(tmp_path / episode.audio_file)],
                                      capture_output=True, text=True, check=True).stdout)
    assert probe["streams"][0]["codec_name"] == "aac" and len(probe["chapters"]) == 5
    parsed = feedparser.parse(str(tmp_path / "feed.xml"))
    assert parsed.entries[0].enclosures[0].type == "audio/x-m4a"


def test_chapter_links_from_source_urls_reach_id3_json_and_psc(tmp_path: Path) -> None:
    doc = json.loads((EXAMPLES / "seed-brief.json").read_text())
    doc["sources"][2]["url"] = "https://tass.example/story"
    brief = tmp_path / "linked.json"
    brief.write_text(json.dumps(doc))
    engine = FakeEngine()
    result = build([brief], tmp_path, Settings(), engines={"host": engine, "narrative": engine}, published=DATE)
    episode = result.episodes[0]
    tass = next(c for c in episode.chapters if "TASS" in c.title)
    assert tass.url == "https://tass.example/story"
    chap = next(c for c in ID3(tmp_path / episode.audio_file).getall("CHAP") if "TASS" in c.sub_frames["TIT2"].text[0])
    assert chap.sub_frames.getall("WXXX")[0].url == tass.url
    assert b'href="https://tass.example/story"' in (tmp_path / "feed.xml").read_bytes()
    chapters = json.loads((tmp_path / episode.transcripts.chapters_json).read_text())["chapters"]
    assert [c.get("url") for c in chapters].count(tass.url) == 1


def test_long_show_notes_fit_apples_limit_as_whole_html() -> None:
    from html.parser import HTMLParser

    from audiobrief.models import Brief, Chapter, Fact, Narrative, Source
    from audiobrief.publishing.notes import render_show_notes

    long = "A sentence that goes on and on about the matter at hand. " * 12
    brief = Brief("b", "Headline", long, tuple(Fact(long, (1,)) for _ in range(8)),
                  tuple(Narrative(f"Narrative {i}", long, "Outlet") for i in range(4)), (Source(1, "Outlet", "https://x.example/a"),))
    chapters = tuple(Chapter(str(i), f"Chapter {i}", i * 1000, i * 1000 + 1000) for i in range(8))
    notes = render_show_notes(brief, chapters)
    assert len(notes.encode()) <= 4000
    assert notes.count("<li>") == notes.count("</li>") == 12 and notes.count("<ul>") == notes.count("</ul>")
    assert "Narrative 3, as provided by Outlet:" in notes

    class Strict(HTMLParser):
        stack: list[str] = []

        def handle_starttag(self, tag, attrs):
            self.stack.append(tag)

        def handle_endtag(self, tag):
            assert self.stack.pop() == tag

    parser = Strict()
    parser.feed(notes)
    assert parser.stack == []
    short = render_show_notes(brief, chapters, limit_bytes=100_000)
    assert "Chapters:" in short and "Sources:" in short
