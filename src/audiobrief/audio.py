"""Stage 4: join spoken segments into an episode: pauses, chapters, loudness, MP3, ID3 tags.

Chapter and sentence times come from the real sample positions of the joined audio (the
:class:`Timeline`), so the chapters written to the MP3 (ID3v2 CHAP/CTOC,
http://id3.org/id3v2-chapters-1.0), the JSON chapters and the transcripts agree by construction.
Loudness is fitted to the target (compressor, gain, true-peak limiter; see
:func:`~audiobrief.ffmpeg.fit_loudness`) and then measured again on the encoded file.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import AudioSettings
from .errors import AudioError
from .ffmpeg import Loudness, decode_to_pcm, fit_loudness, measure_loudness, run_ffmpeg
from .models import Chapter, EpisodeAudio, Script, Segment, SentenceTiming, SpokenSegment

__all__ = ["EpisodeTags", "Sounds", "Timeline", "build_timeline", "chime", "encode_episode", "level_gain_db", "load_sounds"]

log = logging.getLogger(__name__)

_LEAD_IN_MS = 250  # some players clip the first moments of a file
_TAIL_MS = 800


@dataclass(frozen=True, slots=True)
class Timeline:
    """The joined episode audio before encoding, with everything timed on it."""

    pcm: bytes
    """Signed 16-bit mono PCM."""
    sample_rate_hz: int
    chapters: tuple[Chapter, ...]
    sentences: tuple[SentenceTiming, ...]

    @property
    def duration_ms(self) -> int:
        """Total length in milliseconds."""
        return round((len(self.pcm) // 2) * 1000 / self.sample_rate_hz)


@dataclass(frozen=True, slots=True)
class EpisodeTags:
    """What goes into the MP3's ID3 tag besides the chapters."""

    title: str
    show: str
    author: str
    date: str  # ISO date, YYYY-MM-DD
    description: str
    language: str = "eng"
    artwork: bytes | None = None
    artwork_mime: str = "image/png"


def _resample(pcm: bytes, from_hz: int, to_hz: int) -> bytes:
    if from_hz == to_hz:
        return pcm
    from pydub import AudioSegment

    segment = AudioSegment(data=pcm, sample_width=2, frame_rate=from_hz, channels=1)
    return bytes(segment.set_frame_rate(to_hz).raw_data)


def _silence(ms: int, rate_hz: int) -> bytes:
    return b"\x00\x00" * (ms * rate_hz // 1000)


def level_gain_db(pcms: tuple[bytes, ...], target_dbfs: float) -> float:
    """Gain that brings speech to ``target_dbfs`` RMS, capped so peaks stay under -1 dBFS.

    Leveling each segment before joining makes voices and engines sound level with each other;
    the whole episode is then mastered to the loudness target.
    """
    from pydub import AudioSegment

    speech = AudioSegment(data=b"".join(pcms), sample_width=2, frame_rate=8000, channels=1)
    if speech.rms == 0:
        return 0.0
    return min(target_dbfs - speech.dBFS, -1.0 - speech.max_dBFS)


def _apply_gain(pcm: bytes, gain_db: float) -> bytes:
    if abs(gain_db) < 0.05:
        return pcm
    from pydub import AudioSegment

    return bytes(AudioSegment(data=pcm, sample_width=2, frame_rate=8000, channels=1).apply_gain(gain_db).raw_data)


def chime(rate_hz: int) -> bytes:
    """A short two-note chime (generated, so nothing copyrighted ships): about 0.6 s."""
    import array
    import math

    samples = array.array("h")
    for freq, ms, start_ms in ((784.0, 420, 0), (1046.5, 460, 140)):
        offset = start_ms * rate_hz // 1000
        count = ms * rate_hz // 1000
        while len(samples) < offset + count:
            samples.append(0)
        for i in range(count):
            t = i / rate_hz
            value = 0.22 * math.exp(-t * 7.0) * (math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t))
            samples[offset + i] = max(-32767, min(32767, samples[offset + i] + int(value * 32767)))
    return samples.tobytes() if sys.byteorder == "little" else _byteswapped(samples)


def _byteswapped(samples: Any) -> bytes:
    samples.byteswap()
    return bytes(samples.tobytes())


@dataclass(frozen=True, slots=True)
class Sounds:
    """Non-speech audio for the episode, as PCM at the timeline's rate (empty bytes: none)."""

    cue: bytes = b""
    intro: bytes = b""
    outro: bytes = b""
    bed: bytes = b""


def load_sounds(settings: AudioSettings, rate_hz: int) -> Sounds:
    """The cue, intro/outro music and music bed the settings ask for, decoded to ``rate_hz``."""

    def decode(path: str | None) -> bytes:
        if not path:
            return b""
        pcm = decode_to_pcm(Path(path).read_bytes(), rate_hz)
        if not pcm:
            raise AudioError(f"{path}: decodes to no audio; give a WAV, MP3 or other file ffmpeg reads")
        return pcm

    cue = b"" if settings.cue == "none" else chime(rate_hz) if settings.cue == "chime" else decode(settings.cue)
    return Sounds(cue=cue, intro=decode(settings.intro_music), outro=decode(settings.outro_music),
                  bed=decode(settings.music_bed))


def _mix_bed(pcm: bytes, bed: bytes, rate_hz: int, start_frame: int, end_frame: int, gain_db: float) -> bytes:
    from pydub import AudioSegment

    length_ms = (end_frame - start_frame) * 1000 // rate_hz
    music = AudioSegment(data=bed, sample_width=2, frame_rate=rate_hz, channels=1)
    while len(music) < length_ms:
        music += music
    music = music[:length_ms].apply_gain(gain_db).fade_in(min(500, length_ms // 4)).fade_out(min(1500, length_ms // 2))
    whole = AudioSegment(data=pcm, sample_width=2, frame_rate=rate_hz, channels=1)
    return bytes(whole.overlay(music, position=start_frame * 1000 // rate_hz).raw_data)


def build_timeline(script: Script, spoken: tuple[SpokenSegment, ...], settings: AudioSettings,
                   sounds: Sounds | None = None) -> Timeline:
    """Join the spoken segments with pauses, cues and music, and time every chapter and sentence.

    Pauses: ``sentence_pause_ms`` between sentences, ``segment_pause_ms`` between segments of one
    chapter, ``section_pause_ms`` between chapters, with the cue in the middle of the pause before
    each narrative chapter. Each segment is leveled to ``segment_level_dbfs`` first. A chapter
    starts where its first words start (the pause and cue before it belong to the chapter before);
    the first starts at 0.

    :param script: the script the audio was spoken from (for chapter ids, titles and links).
    :param spoken: one spoken segment per script segment, in order (stage 3).
    :param settings: pause lengths and levels.
    :param sounds: cue and music (default: the settings', see :func:`load_sounds`).
    :returns: the joined PCM at the first segment's sample rate, chapters and sentence timings.
    """
    if len(spoken) != len(script.segments) or not spoken:
        raise AudioError(f"{len(spoken)} spoken segments for a script of {len(script.segments)}")
    rate = spoken[0].sample_rate_hz
    if sounds is None:
        sounds = load_sounds(settings, rate)
    parts: list[bytes] = []
    frames = 0
    sentences: list[SentenceTiming] = []
    chapter_starts: list[tuple[Segment, int]] = []  # (first segment, start frame)
    previous: Segment | None = None

    def add(pcm: bytes) -> None:
        nonlocal frames
        parts.append(pcm)
        frames += len(pcm) // 2

    def ms(frame: int) -> int:
        return round(frame * 1000 / rate)

    add(_silence(_LEAD_IN_MS, rate))
    if sounds.intro:
        add(sounds.intro)
        add(_silence(settings.segment_pause_ms, rate))
    for segment, speech in zip(script.segments, spoken, strict=True):
        if speech.segment_id != segment.id:
            raise AudioError(f"spoken segment {speech.segment_id} does not match script segment {segment.id}")
        new_chapter = previous is None or segment.chapter_id != previous.chapter_id
        if previous is not None and not new_chapter:
            add(_silence(settings.segment_pause_ms, rate))
        elif previous is not None and segment.kind == "narrative" and sounds.cue:
            add(_silence(settings.section_pause_ms // 2, rate))
            add(sounds.cue)
            add(_silence(settings.section_pause_ms // 2, rate))
        elif previous is not None:
            add(_silence(settings.section_pause_ms, rate))
        if new_chapter:
            chapter_starts.append((segment, 0 if not chapter_starts else frames))
        gain_db = level_gain_db(speech.pcm, settings.segment_level_dbfs)
        for i, (text, pcm) in enumerate(zip(speech.sentences, speech.pcm, strict=True)):
            if i:
                add(_silence(settings.sentence_pause_ms, rate))
            start = frames
            add(_apply_gain(_resample(pcm, speech.sample_rate_hz, rate), gain_db))
            sentences.append(SentenceTiming(segment.id, segment.role, text, ms(start), ms(frames)))
        previous = segment
    if sounds.outro:
        add(_silence(settings.segment_pause_ms, rate))
        add(sounds.outro)
    add(_silence(_TAIL_MS, rate))
    pcm = b"".join(parts)
    if sounds.bed and len(chapter_starts) > 1:
        intro_end = max(t.end_ms for t in sentences if t.segment_id == chapter_starts[0][0].id)
        pcm = _mix_bed(pcm, sounds.bed, rate, 0, (intro_end + 1000) * rate // 1000, settings.music_bed_gain_db)
    end_ms = ms(frames)
    chapters = tuple(
        Chapter(seg.chapter_id, seg.chapter_title, ms(start),
                ms(chapter_starts[i + 1][1]) if i + 1 < len(chapter_starts) else end_ms, seg.chapter_url)
        for i, (seg, start) in enumerate(chapter_starts)
    )
    return Timeline(pcm, rate, chapters, tuple(sentences))


def _write_wav(path: Path, pcm: bytes, rate_hz: int) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate_hz)
        wav.writeframes(pcm)


def _write_tags(path: Path, tags: EpisodeTags, chapters: tuple[Chapter, ...], duration_ms: int,
                loudness: Loudness) -> None:
    from mutagen.id3 import (
        APIC, CHAP, COMM, CTOC, TALB, TCON, TDRC, TIT2, TLAN, TLEN, TPE1, TXXX, WXXX, CTOCFlags,
    )

    id3 = _ordered_id3()()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TALB(encoding=3, text=tags.show))
    id3.add(TPE1(encoding=3, text=tags.author))
    id3.add(TDRC(encoding=3, text=tags.date))
    id3.add(TCON(encoding=3, text="Podcast"))
    id3.add(TLAN(encoding=3, text=tags.language))
    id3.add(TLEN(encoding=3, text=str(duration_ms)))
    id3.add(COMM(encoding=3, lang=tags.language, desc="", text=tags.description))
    id3.add(TXXX(encoding=3, desc="integrated_lufs", text=f"{loudness.integrated_lufs:.1f}"))
    id3.add(TXXX(encoding=3, desc="true_peak_dbtp", text=f"{loudness.true_peak_dbtp:.1f}"))
    if tags.artwork:
        id3.add(APIC(encoding=3, mime=tags.artwork_mime, type=3, desc="Cover", data=tags.artwork))
    ids = [f"chp{i}" for i in range(len(chapters))]
    id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids,
                 sub_frames=[TIT2(encoding=3, text="Chapters")]))
    for element_id, chapter in zip(ids, chapters, strict=True):
        sub_frames: list[Any] = [TIT2(encoding=3, text=chapter.title)]
        if chapter.url:
            sub_frames.append(WXXX(encoding=3, desc="chapter url", url=chapter.url))
        id3.add(CHAP(element_id=element_id, start_time=chapter.start_ms, end_time=chapter.end_ms,
                     start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF, sub_frames=sub_frames))
    # ID3v2.3 is what the widest range of players (and Apple) read chapters from.
    id3.save(str(path), v2_version=3)


def _ordered_id3() -> type:
    from mutagen.id3 import ID3
    from mutagen.id3._tags import save_frame

    class OrderedChaptersID3(ID3):  # type: ignore[misc]
        """ID3 that writes CHAP frames last and in time order.

        mutagen sorts frames by size, and some readers (ffmpeg 5) list chapters in file order.
        """

        def _write(self, config: object) -> bytes:
            chapters = sorted(self.getall("CHAP"), key=lambda frame: frame.start_time)
            self.delall("CHAP")
            try:
                data = super()._write(config)
            finally:
                for frame in chapters:
                    self.add(frame)
            return bytes(data) + b"".join(save_frame(frame, config=config) for frame in chapters)

    return OrderedChaptersID3


def _ffmetadata(tags: EpisodeTags, chapters: tuple[Chapter, ...]) -> str:
    def esc(text: str) -> str:
        for ch in "\\=;#\n":
            text = text.replace(ch, "\\" + ch)
        return text

    lines = [";FFMETADATA1", f"title={esc(tags.title)}", f"album={esc(tags.show)}", f"artist={esc(tags.author)}",
             f"date={tags.date}", f"comment={esc(tags.description)}", "genre=Podcast"]
    for chapter in chapters:
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={chapter.start_ms}", f"END={chapter.end_ms}",
                  f"title={esc(chapter.title)}"]
    return "\n".join(lines) + "\n"


def _tag_m4a(path: Path, tags: EpisodeTags, loudness: Loudness) -> None:
    from mutagen.mp4 import MP4, MP4Cover

    mp4 = MP4(str(path))
    mp4["\xa9nam"] = tags.title
    mp4["\xa9alb"] = tags.show
    mp4["\xa9ART"] = tags.author
    mp4["\xa9day"] = tags.date
    mp4["\xa9gen"] = "Podcast"
    mp4["desc"] = tags.description
    mp4["----:com.apple.iTunes:integrated_lufs"] = f"{loudness.integrated_lufs:.1f}".encode()
    if tags.artwork:
        kind = MP4Cover.FORMAT_PNG if tags.artwork_mime == "image/png" else MP4Cover.FORMAT_JPEG
        mp4["covr"] = [MP4Cover(tags.artwork, imageformat=kind)]
    mp4.save()


def encode_episode(timeline: Timeline, out_path: Path, settings: AudioSettings, tags: EpisodeTags) -> EpisodeAudio:
    """Master to the loudness target, encode (MP3: CBR with Xing header; or AAC in M4A), tag, check.

    :param timeline: the joined audio (see :func:`build_timeline`).
    :param out_path: where the file goes (written in place: the pipeline gives a temporary path);
        its suffix should match ``settings.format``.
    :param settings: format, bitrate, sample rate and loudness target.
    :param tags: metadata; chapters go into ID3 CHAP/CTOC (MP3) or the MP4 chapter track and chpl box (M4A).
    :returns: the episode file with its measured duration, size and loudness.
    :raises AudioError: ffmpeg failed, or the file came out silent, off target or of the wrong length.
    """
    m4a = settings.format == "m4a"
    with tempfile.TemporaryDirectory(prefix="audiobrief-") as tmp:
        wav = Path(tmp) / "episode.wav"
        _write_wav(wav, timeline.pcm, timeline.sample_rate_hz)
        chain, _ = fit_loudness(wav, settings.target_lufs, settings.true_peak_dbtp, settings.sample_rate_hz)
        common = ["-af", chain, "-ar", str(settings.sample_rate_hz), "-ac", "1", "-b:a", f"{settings.bitrate_kbps}k"]
        if m4a:
            meta = Path(tmp) / "chapters.txt"
            meta.write_text(_ffmetadata(tags, timeline.chapters), encoding="utf-8")
            args = ["-loglevel", "error", "-i", str(wav), "-i", str(meta), "-map", "0:a", "-map_metadata", "1",
                    "-map_chapters", "1", *common, "-c:a", "aac", "-movflags", "+faststart", "-f", "mp4", str(out_path)]
        else:
            args = ["-loglevel", "error", "-i", str(wav), *common, "-c:a", "libmp3lame", "-write_xing", "1",
                    "-id3v2_version", "0", "-map_metadata", "-1", "-f", "mp3", str(out_path)]
        run_ffmpeg(args, what="encoding the episode")
    if m4a:
        from mutagen.mp4 import MP4

        info: Any = MP4(str(out_path)).info
    else:
        from mutagen.mp3 import MP3

        info = MP3(str(out_path)).info
    duration_ms = round(info.length * 1000)
    if abs(duration_ms - timeline.duration_ms) > 100:
        raise AudioError(
            f"{out_path.name}: encoded duration {duration_ms} ms differs from the assembled "
            f"{timeline.duration_ms} ms; the encode is broken"
        )
    last = timeline.chapters[-1]
    chapters = timeline.chapters[:-1] + (Chapter(last.id, last.title, last.start_ms, duration_ms, last.url),)
    loudness = measure_loudness(out_path)
    if loudness.integrated_lufs < -60:
        raise AudioError(f"{out_path.name}: the encoded episode is silent ({loudness.integrated_lufs} LUFS)")
    if abs(loudness.integrated_lufs - settings.target_lufs) > 1.0 or loudness.true_peak_dbtp > settings.true_peak_dbtp + 0.5:
        raise AudioError(
            f"{out_path.name}: measured {loudness.integrated_lufs} LUFS / {loudness.true_peak_dbtp} dBTP after "
            f"encoding; the target is {settings.target_lufs} LUFS / {settings.true_peak_dbtp} dBTP"
        )
    if m4a:
        _tag_m4a(out_path, tags, loudness)
    else:
        _write_tags(out_path, tags, chapters, duration_ms, loudness)
    log.info("encoded %s: %.1f s, %.1f LUFS, %.1f dBTP", out_path.name, duration_ms / 1000,
             loudness.integrated_lufs, loudness.true_peak_dbtp)
    return EpisodeAudio(
        path=out_path,
        duration_ms=duration_ms,
        size_bytes=out_path.stat().st_size,
        sample_rate_hz=info.sample_rate,
        bitrate_kbps=round(info.bitrate / 1000),
        chapters=chapters,
        sentences=timeline.sentences,
        integrated_lufs=loudness.integrated_lufs,
        true_peak_dbtp=loudness.true_peak_dbtp,
    )
