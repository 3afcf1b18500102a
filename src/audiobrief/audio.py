"""Stage 4: join spoken segments into an episode: pauses, chapters, loudness, MP3, ID3 tags.

Chapter and sentence times come from the real sample positions of the joined audio (the
:class:`Timeline`), so the chapters written to the MP3 (ID3v2 CHAP/CTOC,
http://id3.org/id3v2-chapters-1.0), the JSON chapters and the transcripts agree by construction.
Loudness is fitted to the target (compressor, gain, true-peak limiter; see
:func:`~audiobrief.ffmpeg.fit_loudness`) and then measured again on the encoded file.
"""

from __future__ import annotations

import logging
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

from .config import AudioSettings
from .errors import AudioError
from .ffmpeg import fit_loudness, measure_loudness, run_ffmpeg
from .models import Chapter, EpisodeAudio, Script, SentenceTiming, SpokenSegment

__all__ = ["EpisodeTags", "Timeline", "build_timeline", "encode_episode"]

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


def build_timeline(script: Script, spoken: tuple[SpokenSegment, ...], settings: AudioSettings) -> Timeline:
    """Join the spoken segments with pauses and time every chapter and sentence.

    Pauses: ``sentence_pause_ms`` between sentences, ``segment_pause_ms`` between segments of one
    chapter, ``section_pause_ms`` between chapters. A chapter starts where its first words start
    (the pause before it belongs to the chapter before); the first starts at 0.

    :param script: the script the audio was spoken from (for chapter ids and titles).
    :param spoken: one spoken segment per script segment, in order (stage 3).
    :param settings: pause lengths.
    :returns: the joined PCM at the first segment's sample rate, chapters and sentence timings.
    """
    if len(spoken) != len(script.segments) or not spoken:
        raise AudioError(f"{len(spoken)} spoken segments for a script of {len(script.segments)}")
    rate = spoken[0].sample_rate_hz
    parts: list[bytes] = [_silence(_LEAD_IN_MS, rate)]
    frames = len(parts[0]) // 2
    sentences: list[SentenceTiming] = []
    chapter_starts: list[tuple[str, str, int]] = []  # (id, title, start frame)
    previous_chapter: str | None = None

    def add(pcm: bytes) -> None:
        nonlocal frames
        parts.append(pcm)
        frames += len(pcm) // 2

    def ms(frame: int) -> int:
        return round(frame * 1000 / rate)

    for segment, speech in zip(script.segments, spoken, strict=True):
        if speech.segment_id != segment.id:
            raise AudioError(f"spoken segment {speech.segment_id} does not match script segment {segment.id}")
        if previous_chapter is not None:
            pause = settings.section_pause_ms if segment.chapter_id != previous_chapter else settings.segment_pause_ms
            add(_silence(pause, rate))
        if segment.chapter_id != previous_chapter:
            chapter_starts.append((segment.chapter_id, segment.chapter_title, 0 if not chapter_starts else frames))
            previous_chapter = segment.chapter_id
        for i, (text, pcm) in enumerate(zip(speech.sentences, speech.pcm, strict=True)):
            if i:
                add(_silence(settings.sentence_pause_ms, rate))
            start = frames
            add(_resample(pcm, speech.sample_rate_hz, rate))
            sentences.append(SentenceTiming(segment.id, segment.role, text, ms(start), ms(frames)))
    add(_silence(_TAIL_MS, rate))
    end_ms = ms(frames)
    chapters = tuple(
        Chapter(cid, title, ms(start), ms(chapter_starts[i + 1][2]) if i + 1 < len(chapter_starts) else end_ms)
        for i, (cid, title, start) in enumerate(chapter_starts)
    )
    return Timeline(b"".join(parts), rate, chapters, tuple(sentences))


def _write_wav(path: Path, pcm: bytes, rate_hz: int) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate_hz)
        wav.writeframes(pcm)


def _write_tags(path: Path, tags: EpisodeTags, chapters: tuple[Chapter, ...], duration_ms: int) -> None:
    from mutagen.id3 import (
        APIC, CHAP, COMM, CTOC, TALB, TCON, TDRC, TIT2, TLAN, TLEN, TPE1, WXXX, CTOCFlags,
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
    if tags.artwork:
        id3.add(APIC(encoding=3, mime=tags.artwork_mime, type=3, desc="Cover", data=tags.artwork))
    ids = [f"chp{i}" for i in range(len(chapters))]
    id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids,
                 sub_frames=[TIT2(encoding=3, text="Chapters")]))
    for element_id, chapter in zip(ids, chapters, strict=True):
        sub_frames = [TIT2(encoding=3, text=chapter.title)]
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


def encode_episode(timeline: Timeline, out_path: Path, settings: AudioSettings, tags: EpisodeTags) -> EpisodeAudio:
    """Normalize loudness, encode to MP3 (CBR, Xing header), tag, and check the result.

    :param timeline: the joined audio (see :func:`build_timeline`).
    :param out_path: where the MP3 goes (written in place: the pipeline gives a temporary path).
    :param settings: bitrate, sample rate and loudness target.
    :param tags: ID3 metadata.
    :returns: the episode file with its measured duration, size and loudness.
    :raises AudioError: ffmpeg failed, or the file came out silent or of the wrong length.
    """
    from mutagen.mp3 import MP3

    with tempfile.TemporaryDirectory(prefix="audiobrief-") as tmp:
        wav = Path(tmp) / "episode.wav"
        _write_wav(wav, timeline.pcm, timeline.sample_rate_hz)
        chain, _ = fit_loudness(wav, settings.target_lufs, settings.true_peak_dbtp, settings.sample_rate_hz)
        run_ffmpeg(
            ["-loglevel", "error", "-i", str(wav), "-af", chain,
             "-ar", str(settings.sample_rate_hz), "-ac", "1",
             "-c:a", "libmp3lame", "-b:a", f"{settings.bitrate_kbps}k", "-write_xing", "1",
             "-id3v2_version", "0", "-map_metadata", "-1", "-f", "mp3", str(out_path)],
            what="encoding the episode",
        )
    info = MP3(str(out_path)).info
    duration_ms = round(info.length * 1000)
    if abs(duration_ms - timeline.duration_ms) > 100:
        raise AudioError(
            f"{out_path.name}: encoded duration {duration_ms} ms differs from the assembled "
            f"{timeline.duration_ms} ms; the encode is broken"
        )
    chapters = timeline.chapters[:-1] + (
        Chapter(timeline.chapters[-1].id, timeline.chapters[-1].title, timeline.chapters[-1].start_ms,
                duration_ms, timeline.chapters[-1].url),
    )
    loudness = measure_loudness(out_path)
    if loudness.integrated_lufs < -60:
        raise AudioError(f"{out_path.name}: the encoded episode is silent ({loudness.integrated_lufs} LUFS)")
    _write_tags(out_path, tags, chapters, duration_ms)
    log.info("encoded %s: %.1f s, %.1f LUFS, %.1f dBTP", out_path.name, duration_ms / 1000,
             loudness.integrated_lufs, loudness.true_peak_dbtp)
    return EpisodeAudio(
        path=out_path,
        duration_ms=duration_ms,
        size_bytes=out_path.stat().st_size,
        sample_rate_hz=info.sample_rate,
        bitrate_kbps=info.bitrate // 1000,
        chapters=chapters,
        sentences=timeline.sentences,
        integrated_lufs=loudness.integrated_lufs,
        true_peak_dbtp=loudness.true_peak_dbtp,
    )
