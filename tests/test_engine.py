"""The cached, parallel, incremental engine: plan keys, segment cache, unchanged rebuilds, digests.

The fake engine counts its calls, so "synthesized nothing" and "synthesized one fact" are exact.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import os
import shutil
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import feedparser
import numpy as np
import podcastparser
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from mutagen.id3 import ID3

from audiobrief.audio.dsp import sliding_min, upsample
from audiobrief.audio.loudness import measure
from audiobrief.audio.master import plan_master
from audiobrief.cache import SegmentCache
from audiobrief.cli import cli
from audiobrief.config import Settings
from audiobrief.ffmpeg import find_ffmpeg, measure_loudness
from audiobrief.models import SpokenSegment
from audiobrief.pipeline import build
from audiobrief.publishing.store import load_episodes
from audiobrief.tts.fake import FakeEngine

from .conftest import DATA, DATE, EXAMPLES


def _fake(**options) -> FakeEngine:
    return FakeEngine(ms_per_word=120, **options)  # short audio: these tests are about what gets made, not how it sounds


def _engines(engine: FakeEngine) -> dict[str, FakeEngine]:
    return {"host": engine, "narrative": engine}


def _build(paths, out: Path, cache: SegmentCache | None, engine: FakeEngine, **kwargs):
    return build(paths, out, Settings(), engines=_engines(engine), cache=cache, published=DATE, **kwargs)


def _enclosures(feed: Path) -> list[str]:
    return [e.enclosures[0].href for e in feedparser.parse(str(feed)).entries]


# --- unchanged, edited, corrupted ----------------------------------------------------------------


def test_unchanged_rebuild_calls_the_engine_zero_times_and_changes_no_byte(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path / "cache")
    out = tmp_path / "show"
    first = _build([EXAMPLES / "seed-brief.txt"], out, cache, _fake())
    mp3 = out / first.episodes[0].audio_file
    audio, feed, urls = mp3.read_bytes(), (out / "feed.xml").read_bytes(), _enclosures(out / "feed.xml")
    engine = _fake()
    again = _build([EXAMPLES / "seed-brief.txt"], out, cache, engine)
    assert engine.calls == []
    assert again.unchanged == ("seed-brief",) and again.episodes == first.episodes
    assert mp3.read_bytes() == audio and _enclosures(out / "feed.xml") == urls
    assert (out / "feed.xml").read_bytes() == feed, "nothing changed, so not even the build date"


def test_a_copied_brief_with_new_bytes_but_the_same_content_is_recognized_by_its_plan(tmp_path: Path) -> None:
    brief = tmp_path / "seed-brief.txt"
    brief.write_text((EXAMPLES / "seed-brief.txt").read_text() + "\n\n\n")  # same brief, other bytes
    cache = SegmentCache(tmp_path / "cache")
    first = _build([EXAMPLES / "seed-brief.txt"], tmp_path / "show", cache, _fake())
    engine = _fake()
    again = _build([brief], tmp_path / "show", cache, engine)
    assert engine.calls == [] and again.episodes[0].audio_file == first.episodes[0].audio_file


def test_editing_one_fact_synthesizes_exactly_that_segment(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path / "cache")
    brief = tmp_path / "brief.txt"
    text = (EXAMPLES / "seed-brief.txt").read_text(encoding="utf-8")
    brief.write_text(text, encoding="utf-8")
    first = _build([brief], tmp_path / "show", cache, _fake())
    old = "There were no reports of damage to vessels or aircraft."
    assert old in text
    brief.write_text(text.replace(old, "Nobody reported damage to ships or planes."), encoding="utf-8")
    engine = _fake()
    again = _build([brief], tmp_path / "show", cache, engine)
    assert again.segments_synthesized == 1 and again.segments_cached == first.segments_synthesized - 1
    assert len(engine.calls) == 3 and engine.calls[-1] == "Nobody reported damage to ships or planes."
    assert engine.calls[0].startswith("Meanwhile, just hours before the talks"), "the edited fact, sentence by sentence"
    assert again.episodes[0].guid == first.episodes[0].guid
    assert again.episodes[0].audio_file != first.episodes[0].audio_file


def test_a_corrupted_or_truncated_cache_entry_is_synthesized_again(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path / "cache")
    first = _build([EXAMPLES / "seed-brief.txt"], tmp_path / "a", cache, _fake())
    entries = sorted((tmp_path / "cache").rglob("*.seg"))
    assert len(entries) == first.segments_synthesized
    data = entries[0].read_bytes()
    entries[0].write_bytes(data[: len(data) // 2])  # truncated
    flipped = bytearray(entries[1].read_bytes())
    flipped[-10] ^= 0xFF  # one corrupt sample
    entries[1].write_bytes(bytes(flipped))
    engine = _fake()
    again = _build([EXAMPLES / "seed-brief.txt"], tmp_path / "b", cache, engine)
    assert again.segments_synthesized == 2 and engine.calls
    assert again.episodes[0].audio_file == first.episodes[0].audio_file, "same audio as before the damage"
    assert len(sorted((tmp_path / "cache").rglob("*.seg"))) == len(entries), "the damaged entries were replaced"


def test_cache_entries_round_trip_and_prune_by_age(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path)
    spoken = SpokenSegment("s", ("One.", "Two."), (b"\x01\x00" * 10, b"\x02\x00" * 5), 22050)
    cache.put("a" * 64, spoken)
    cache.put("b" * 64, spoken)
    assert cache.get("a" * 64, "other") == SpokenSegment("other", spoken.sentences, spoken.pcm, 22050)
    old = time.time() - 40 * 86400
    os.utime(tmp_path / "bb" / f"{'b' * 64}.seg", (old, old))
    assert cache.info().entries == 2
    assert cache.prune(30 * 86400) == (1, (tmp_path / "aa" / f"{'a' * 64}.seg").stat().st_size)
    assert cache.get("b" * 64, "s") is None and cache.get("a" * 64, "s") is not None


def test_an_unwritable_cache_is_a_warning_not_a_failure(tmp_path: Path, caplog) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    result = _build([EXAMPLES / "seed-brief.txt"], tmp_path / "show", SegmentCache(blocker), _fake())
    assert result.episodes and "cannot write the segment cache" in caplog.text


# --- parallel ---------------------------------------------------------------------------------------


def test_parallel_and_serial_rendering_give_identical_episodes(tmp_path: Path) -> None:
    briefs = [DATA / "briefs" / "forum-repost.txt", DATA / "briefs" / "story-page.txt"]
    serial = _build(briefs, tmp_path / "serial", None, _fake(), jobs=1)
    threads = _build(briefs, tmp_path / "threads", None, _fake(), jobs=2)
    with ProcessPoolExecutor(2) as pool:
        processes = _build(briefs, tmp_path / "processes", None, _fake(), executor=pool)
    with ThreadPoolExecutor(3) as pool:
        given_pool = _build(briefs, tmp_path / "pool", None, _fake(), executor=pool)
    for other in (threads, processes, given_pool):
        assert [e.audio_file for e in other.episodes] == [e.audio_file for e in serial.episodes]
        for episode in serial.episodes:
            assert (other.out_dir / episode.audio_file).read_bytes() == (serial.out_dir / episode.audio_file).read_bytes()


def test_a_failing_segment_fails_the_build_and_publishes_nothing(tmp_path: Path) -> None:
    from audiobrief.errors import SynthesisError

    with pytest.raises(SynthesisError, match="fail on 'Kremlin'"):
        _build([EXAMPLES / "seed-brief.txt"], tmp_path, None, _fake(fail_on="Kremlin"), jobs=2)
    assert not (tmp_path / "feed.xml").exists() and not list(tmp_path.glob("*.mp3"))


# --- digest -----------------------------------------------------------------------------------------


DIGEST = [EXAMPLES / "seed-brief.txt", DATA / "briefs" / "story-page.txt", DATA / "briefs" / "forum-repost.txt"]


def test_digest_is_one_item_whose_chapters_name_every_story_and_reuses_the_cache(tmp_path: Path) -> None:
    from audiobrief.brief import load_brief

    cache = SegmentCache(tmp_path / "cache")
    out = tmp_path / "show"
    _build(DIGEST, out, cache, _fake())  # the stories' own episodes fill the cache
    engine = _fake()
    result = _build(DIGEST, tmp_path / "digest", cache, engine, digest_title="Morning briefing")
    assert len(result.episodes) == 1
    digest = result.episodes[0]
    titles = [load_brief(p).title for p in DIGEST]
    chapter_titles = [c.title for c in digest.chapters]
    assert chapter_titles[0] == "Morning briefing" and chapter_titles[-1] == "Sources and credits"
    for title in titles:
        assert title in chapter_titles, "each story opens with a chapter named after its headline"
        assert f"{title}: The facts" in chapter_titles
    # only the greeting and the sign-off are new speech
    assert result.segments_synthesized == 2, engine.calls
    parsed = podcastparser.parse("file://" + str(tmp_path / "digest" / "feed.xml"),
                                 (tmp_path / "digest" / "feed.xml").open("rb"))
    assert len(parsed["episodes"]) == 1 and parsed["episodes"][0]["title"] == "Morning briefing"
    notes = digest.show_notes_html
    for title in titles:
        assert title in html.unescape(notes)
    assert "Sources:" in notes
    id3 = ID3(tmp_path / "digest" / digest.audio_file)
    assert [f.sub_frames["TIT2"].text[0] for f in sorted(id3.getall("CHAP"), key=lambda f: f.start_time)] == chapter_titles


def test_digest_guid_is_stable_for_the_same_briefs_and_date(tmp_path: Path) -> None:
    briefs = DIGEST[1:]
    one = _build(briefs, tmp_path / "a", None, _fake(), digest_title="Morning")
    two = _build(list(reversed(briefs)), tmp_path / "b", None, _fake(), digest_title="Morning")
    three = build(briefs, tmp_path / "c", Settings(), engines=_engines(_fake()), digest_title="Morning",
                  published=DATE + dt.timedelta(days=1))
    assert one.episodes[0].guid == two.episodes[0].guid != three.episodes[0].guid


# --- mastering --------------------------------------------------------------------------------------


def _speech_like(seconds: float, rate: int = 22050, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    loudness = np.repeat(0.2 + 0.8 * rng.random(int(seconds * 4) + 1), rate // 4)[: len(t)]  # syllable to syllable
    syllables = np.clip(np.sin(2 * np.pi * 4 * t), 0, None) * loudness
    voice = np.sin(2 * np.pi * 140 * t) + 0.5 * np.sin(2 * np.pi * 280 * t) + 0.05 * rng.standard_normal(len(t))
    x = syllables * voice
    return 0.9 * x / np.abs(x).max()  # peak-normalized, as TTS voices come


def test_meter_agrees_with_ffmpeg_ebur128(tmp_path: Path) -> None:
    x = _speech_like(20) * 0.5
    wav = tmp_path / "x.wav"
    import wave

    with wave.open(str(wav), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(22050)
        handle.writeframes((x * 32767).astype("<i2").tobytes())
    ours = measure((x * 32767).astype("<i2") / 32768.0, 22050)
    theirs = measure_loudness(wav)
    assert ours.integrated_lufs == pytest.approx(theirs.integrated_lufs, abs=0.1)
    assert ours.true_peak_dbtp == pytest.approx(theirs.true_peak_dbtp, abs=0.15)


@pytest.mark.parametrize("target, ceiling", [(-16.0, -2.0), (-14.0, -1.0), (-19.0, -3.0)])
def test_one_pass_mastering_meets_loudness_and_true_peak(target: float, ceiling: float) -> None:
    plan = plan_master(_speech_like(30), 22050, target, ceiling)
    mastered = np.concatenate(list(plan.chunks()))
    result = measure(mastered, 22050)
    assert result.integrated_lufs == pytest.approx(target, abs=0.2)
    assert result.true_peak_dbtp <= ceiling - 0.5


@pytest.mark.parametrize("threaded", [False, True], ids=["metered inline", "metered on its own thread"])
def test_mastering_analysed_while_speaking_is_the_plan_of_the_whole(threaded: bool) -> None:
    from audiobrief.audio.dsp import resample
    from audiobrief.audio.master import MasterAnalysis

    pcm = (_speech_like(20, rate=24000) * 32767).astype("<i2")
    analysis = MasterAnalysis(24000, 44100, threaded=threaded)
    for start in range(0, len(pcm), 7001):  # pieces of any size, as segments arrive
        analysis.add_pcm(pcm[start:start + 7001].tobytes())
    streamed = analysis.finish(-16.0, -1.0)
    whole = plan_master(resample(pcm / 32768.0, 24000, 44100).astype(np.float32), 44100, -16.0, -1.0)
    assert np.array_equal(streamed.grain_gain, whole.grain_gain) and streamed.estimate == whole.estimate
    assert np.array_equal(np.concatenate(list(streamed.chunks())), np.concatenate(list(whole.chunks())))


def test_a_plan_worked_out_again_on_its_grains_is_the_plan_for_the_new_targets() -> None:
    x = _speech_like(20)
    again = plan_master(x, 22050, -16.0, -1.0).resolve(-15.5, -2.4)
    fresh = plan_master(x, 22050, -15.5, -2.4)
    assert np.array_equal(again.grain_gain, fresh.grain_gain) and again.estimate == fresh.estimate
    assert np.array_equal(np.concatenate(list(again.chunks())), np.concatenate(list(fresh.chunks())))


def test_when_lame_lifts_a_peak_over_the_ceiling_the_episode_is_mastered_again_from_its_grains(
        tmp_path: Path, monkeypatch, caplog) -> None:
    """With no margin for the codec (the limiter aims 1 dB over the ceiling) every encode overshoots: the
    second pass re-solves the plan on the grains measured while speaking, never analysing the episode again,
    and the file it publishes meets the ceiling."""
    import logging

    from audiobrief.audio import encode, master

    monkeypatch.setattr(master, "_ENCODE_MARGIN_DB", -1.0)

    def analyse_again(*args, **kwargs):
        raise AssertionError("the episode was analysed again")

    monkeypatch.setattr(encode, "plan_master", analyse_again)
    caplog.set_level(logging.INFO, logger="audiobrief.audio.encode")
    loud = dataclasses.replace(Settings(), audio=dataclasses.replace(Settings().audio, target_lufs=-10.0))  # limited
    result = build([EXAMPLES / "seed-brief.txt"], tmp_path / "show", loud, engines={"host": _fake()}, published=DATE)
    assert any("mastering again under a lower one" in r.getMessage() for r in caplog.records)
    (episode,) = result.episodes
    ceiling = loud.audio.true_peak_dbtp
    assert episode.true_peak_dbtp <= ceiling and abs(episode.integrated_lufs - loud.audio.target_lufs) <= 0.5
    ours = measure_loudness(tmp_path / "show" / episode.audio_file)  # ffmpeg's reading of the published file
    assert ours.true_peak_dbtp <= ceiling + 0.2


@given(st.lists(st.floats(0, 1), min_size=1, max_size=300), st.integers(0, 20))
def test_sliding_min_is_the_minimum_of_each_window(values: list[float], radius: int) -> None:
    x = np.array(values)
    expected = [x[max(0, i - radius): i + radius + 1].min() for i in range(len(x))]
    assert np.array_equal(sliding_min(x, radius), np.array(expected))


def test_upsampling_finds_the_peak_between_samples() -> None:
    n = np.arange(4000)
    x = np.sin(2 * np.pi * n / 4 + np.pi / 4)  # samples at 0.707, the wave reaches 1.0 between them
    assert np.abs(x).max() == pytest.approx(0.7071, abs=1e-3)
    assert np.abs(upsample(x, 4))[200:-200].max() == pytest.approx(1.0, abs=0.01)


# --- the command line ---------------------------------------------------------------------------------


def test_cli_build_twice_then_cache_info_and_prune(tmp_path: Path) -> None:
    runner = CliRunner()
    cache = tmp_path / "cache"
    args = ["build", str(EXAMPLES / "seed-brief.txt"), "--out", str(tmp_path / "show"), "--engine", "fake",
            "--cache", str(cache), "--date", "2023-09-13"]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "12 segment(s) synthesized, 0 from the cache" in first.output
    second = runner.invoke(cli, args)
    assert second.exit_code == 0 and "(unchanged)" in second.output, second.output
    info = runner.invoke(cli, ["cache", "info", "--cache", str(cache)])
    assert info.exit_code == 0 and "Segments: 12" in info.output
    kept = runner.invoke(cli, ["cache", "prune", "--older-than", "30d", "--cache", str(cache)])
    assert kept.exit_code == 0 and "Removed 0 segment(s)" in kept.output
    bad = runner.invoke(cli, ["cache", "prune", "--older-than", "soon", "--cache", str(cache)])
    assert bad.exit_code == 2 and "not an age" in bad.output
    emptied = runner.invoke(cli, ["cache", "prune", "--cache", str(cache)])
    assert "Removed 12 segment(s)" in emptied.output
    third = runner.invoke(cli, [*args, "--no-cache"])
    assert third.exit_code == 0 and "(unchanged)" in third.output, "the episode key does not need the cache"


def test_cli_digest(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "--digest", "--title", "Evening news", *map(str, DIGEST), "--out",
                                      str(tmp_path), "--engine", "fake", "--date", "2023-09-13"])
    assert result.exit_code == 0, result.output
    assert len(load_episodes(tmp_path)) == 1 and load_episodes(tmp_path)[0].title == "Evening news"


def test_template_change_is_not_mistaken_for_an_unchanged_build(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    cache = SegmentCache(tmp_path / "cache")
    _build([EXAMPLES / "seed-brief.txt"], tmp_path / "show", cache, _fake(), templates_dir=templates)
    (templates / "outro.txt.j2").write_text("Goodbye from {{ show.title }}.")
    engine = _fake()
    again = _build([EXAMPLES / "seed-brief.txt"], tmp_path / "show", cache, engine, templates_dir=templates)
    assert engine.calls == ["Goodbye from audiobrief."] and not again.unchanged


def test_ffmpeg_is_not_needed_to_build_an_mp3(tmp_path: Path, monkeypatch) -> None:
    # One in-process encode: the build runs no ffmpeg at all for MP3 (producer sound files aside).
    calls: list[list[str]] = []
    real = subprocess.run

    def spy(cmd, *args, **kwargs):
        calls.append(list(cmd))
        return real(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", spy)
    _build([EXAMPLES / "seed-brief.txt"], tmp_path, None, _fake())
    assert not [c for c in calls if c and c[0] == find_ffmpeg()]
    assert shutil.which("ffprobe") is None or calls == []


def test_speech_made_before_a_failure_is_kept_for_the_rerun(tmp_path: Path) -> None:
    from audiobrief.errors import SynthesisError

    cache = SegmentCache(tmp_path / "cache")
    with pytest.raises(SynthesisError):
        _build([EXAMPLES / "seed-brief.txt"], tmp_path / "show", cache, _fake(fail_on="pro-Russia narrative"), jobs=1)
    kept = cache.info().entries
    assert kept >= 9, "the intro, headline, facts, transition and first narrative were cached as they were spoken"
    engine = _fake()
    again = _build([EXAMPLES / "seed-brief.txt"], tmp_path / "show", cache, engine)
    assert again.segments_cached == kept and again.segments_synthesized == 12 - kept


def test_new_content_in_a_producer_sound_file_rebuilds_the_episode(tmp_path: Path) -> None:
    import dataclasses
    import wave

    cue = tmp_path / "cue.wav"

    def write_cue(amplitude: int) -> None:
        with wave.open(str(cue), "wb") as handle:
            handle.setnchannels(1)
            handle.setsampwidth(2)
            handle.setframerate(22050)
            handle.writeframes(next(iter(FakeEngine(amplitude=amplitude).synthesize("ding"))).pcm)

    write_cue(8000)
    settings = Settings()
    settings = dataclasses.replace(settings, audio=dataclasses.replace(settings.audio, cue=str(cue)))
    engines = _engines(_fake())
    first = build([EXAMPLES / "seed-brief.txt"], tmp_path / "show", settings, engines=engines, published=DATE)
    write_cue(3000)  # same path, other sound
    again = build([EXAMPLES / "seed-brief.txt"], tmp_path / "show", settings, engines=engines, published=DATE)
    assert not again.unchanged and again.episodes[0].audio_file != first.episodes[0].audio_file


@given(st.text(min_size=1, max_size=60), st.text(max_size=200), st.text(min_size=1, max_size=40))
def test_items_written_as_text_are_well_formed_and_round_trip(title: str, notes: str, chapter: str) -> None:
    from lxml import etree

    from audiobrief.models import Chapter, Episode, Show
    from audiobrief.publishing.feed import _xml_safe, build_feed

    if not _xml_safe(title).strip():
        title = "x"
    episode = Episode(guid="urn:uuid:1", brief_id="b", title=title, summary=notes, show_notes_html=notes,
                      published=DATE, audio_file="b-1.mp3", size_bytes=10, duration_ms=1000,
                      chapters=(Chapter("c", chapter, 0, 1000, "https://example.org/?a=1&b=\"2\""),))
    xml = build_feed(Show(), [episode], "https://example.org/show/", image_file=None)
    item = etree.fromstring(xml).find("channel/item")
    assert item.findtext("title") == _xml_safe(title)[:255]
    chapter_element = item.find("{http://podlove.org/simple-chapters}chapters")[0]
    assert chapter_element.get("title") == _xml_safe(chapter)
    assert chapter_element.get("href") == "https://example.org/?a=1&b=\"2\""
    assert feedparser.parse(xml).bozo == 0


# --- running unattended: threads, progress, temporary files, failing early ------------------------------


def test_pruning_keeps_another_builds_write_in_progress_and_drops_stale_ones(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path)
    (tmp_path / "ab").mkdir()
    fresh, stale = tmp_path / "ab" / ".abcdef012345.x1.tmp", tmp_path / "ab" / ".abcdef012345.x2.tmp"
    fresh.write_bytes(b"being written")
    stale.write_bytes(b"left by a killed build")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    cache.prune()
    assert fresh.exists() and not stale.exists()


def test_progress_events_arrive_in_order_planned_first_then_counting_up(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path / "cache")
    _build([EXAMPLES / "seed-brief.txt"], tmp_path / "a", cache, _fake())
    edited = tmp_path / "edited.txt"
    edited.write_text((EXAMPLES / "seed-brief.txt").read_text().replace("Vostochny", "Vostochny Cosmodrome"))
    events = []
    _build([edited, EXAMPLES / "seed-brief.json"], tmp_path / "b", cache, _fake(), jobs=2, progress=events.append)
    stages = [e.stage for e in events if e.stage in ("planned", "segment")]
    assert stages[0] == "planned" and stages.count("planned") == 1, stages[:5]
    planned = next(e for e in events if e.stage == "planned")
    done = [planned.done] + [e.done for e in events if e.stage == "segment"]
    assert done == sorted(done) and len(set(done)) == len(done) and done[-1] == planned.total
    assert planned.cached > 0  # the cache hits are counted in "planned", not sent before it


def test_when_the_encoder_fails_every_thread_of_the_build_ends(tmp_path: Path, monkeypatch) -> None:
    import threading

    import pedalboard.io

    from audiobrief.errors import AudioError

    real = pedalboard.io.AudioFile

    class Failing:
        def __init__(self, *args, **kwargs) -> None:
            self.handle = real(*args, **kwargs)
            self.writes = 0

        def __enter__(self):
            self.handle.__enter__()
            return self

        def __exit__(self, *exc) -> None:
            self.handle.__exit__(*exc)

        def write(self, samples) -> None:
            self.writes += 1
            if self.writes == 2:
                raise RuntimeError("disk on fire")
            self.handle.write(samples)

    before = {t.ident for t in threading.enumerate()}
    monkeypatch.setattr(pedalboard.io, "AudioFile", Failing)
    with pytest.raises(AudioError, match="disk on fire"):
        _build([EXAMPLES / "seed-brief.txt"], tmp_path / "show", None, _fake(), jobs=2)
    left = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]
    assert left == [], [t.name for t in left]
    assert not list((tmp_path / "show").glob("*.mp3"))


def test_a_feed_that_cannot_be_made_fails_before_any_speech(tmp_path: Path, monkeypatch) -> None:
    import audiobrief.publishing.feed
    from audiobrief.errors import FeedError

    real = audiobrief.publishing.feed.build_feed

    def refuse_items(show, episodes, *args, **kwargs):  # an item the feed cannot carry (say, its chapter)
        if episodes:
            raise FeedError("this feed cannot carry that chapter")
        return real(show, episodes, *args, **kwargs)

    monkeypatch.setattr(audiobrief.publishing.feed, "build_feed", refuse_items)
    engine = _fake()
    with pytest.raises(FeedError):
        _build([EXAMPLES / "seed-brief.txt"], tmp_path / "show", None, engine)
    assert engine.calls == []


def test_the_local_cache_and_the_object_store_cache_answer_the_same_protocol(tmp_path: Path) -> None:
    from audiobrief.cache import Cache, ObjectStoreCache, open_cache

    local = open_cache(tmp_path / "c")
    assert isinstance(local, SegmentCache) and isinstance(local, Cache)
    spoken = SpokenSegment("s", ("One.",), (b"\x01\x00" * 10,), 8000)
    local.put("cd" * 8, spoken)
    assert list(local.keys()) == ["cd" * 8] and local.has("cd" * 8) and local.location == str(tmp_path / "c")
    assert open_cache(f"file://{tmp_path / 'c'}").get("cd" * 8, "s") == spoken  # file:// is a folder
    assert all(hasattr(ObjectStoreCache, name) for name in ("get", "put", "has", "keys", "info", "prune", "require"))
