"""Joining spoken segments into one timeline: pauses, cues and music, every chapter and sentence timed.

Chapter and sentence times come from the real sample positions of the joined audio, so the
chapters written to the file, the JSON chapters and the transcripts agree by construction.
Segments arrive leveled (see :mod:`audiobrief.speech`); joining them is array concatenation.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import AudioSettings
from ..errors import AudioError
from ..ffmpeg import decode_to_pcm
from ..models import Chapter, Script, Segment, SentenceTiming, SpokenSegment

__all__ = ["Sounds", "Timeline", "TimelineBuilder", "build_timeline", "chime", "load_sounds"]

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


def _resample(pcm: bytes, from_hz: int, to_hz: int) -> bytes:
    if from_hz == to_hz:
        return pcm
    import numpy as np

    from .dsp import resample

    samples = resample(np.frombuffer(pcm, dtype="<i2") / 32768.0, from_hz, to_hz)
    return bytes(np.clip(np.round(samples * 32768.0), -32768, 32767).astype("<i2").tobytes())


def _silence(ms: int, rate_hz: int) -> bytes:
    return b"\x00\x00" * (ms * rate_hz // 1000)


@functools.cache
def chime(rate_hz: int) -> bytes:
    """A short two-note chime (generated, so nothing copyrighted ships): about 0.6 s."""
    notes = ((784.0, 420, 0), (1046.5, 460, 140))
    length = max(start_ms * rate_hz // 1000 + ms * rate_hz // 1000 for _, ms, start_ms in notes)
    samples = np.zeros(length, dtype=np.int64)
    for freq, ms, start_ms in notes:
        offset = start_ms * rate_hz // 1000
        t = np.arange(ms * rate_hz // 1000) / rate_hz
        value = 0.22 * np.exp(-t * 7.0) * (np.sin(2 * np.pi * freq * t) + 0.3 * np.sin(4 * np.pi * freq * t))
        samples[offset:offset + len(t)] += np.trunc(value * 32767).astype(np.int64)
    return bytes(np.clip(samples, -32767, 32767).astype("<i2").tobytes())


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
    import warnings

    with warnings.catch_warnings():
        # pydub warns at import when no ffmpeg is on PATH; raw PCM needs none (and ours is bundled)
        warnings.simplefilter("ignore", RuntimeWarning)
        from pydub import AudioSegment

    length_ms = (end_frame - start_frame) * 1000 // rate_hz
    music = AudioSegment(data=bed, sample_width=2, frame_rate=rate_hz, channels=1)
    while len(music) < length_ms:
        music += music
    music = music[:length_ms].apply_gain(gain_db).fade_in(min(500, length_ms // 4)).fade_out(min(1500, length_ms // 2))
    whole = AudioSegment(data=pcm, sample_width=2, frame_rate=rate_hz, channels=1)
    return bytes(whole.overlay(music, position=start_frame * 1000 // rate_hz).raw_data)


class TimelineBuilder:
    """Joins spoken segments one at a time, in script order: pauses, cues and music, every chapter
    and sentence timed (see :func:`build_timeline`).

    :meth:`take` hands out the PCM joined since it was last called, so a later stage can work on
    the episode while its last segments are still being spoken; only with a music bed (mixed under
    the intro once the intro's end is known) is the PCM final only after :meth:`finish`
    (:attr:`streamable` is then False).
    """

    def __init__(self, script: Script, settings: AudioSettings, rate_hz: int, sounds: Sounds | None = None) -> None:
        self.script, self.settings, self.rate_hz = script, settings, rate_hz
        self.sounds = sounds if sounds is not None else load_sounds(settings, rate_hz)
        self.streamable = not self.sounds.bed
        self._parts: list[bytes] = []
        self._taken = 0
        self._frames = 0
        self._sentences: list[SentenceTiming] = []
        self._chapter_starts: list[tuple[Segment, int]] = []  # (first segment, start frame)
        self._previous: Segment | None = None
        self._count = 0
        self._add(_silence(_LEAD_IN_MS, rate_hz))
        if self.sounds.intro:
            self._add(self.sounds.intro)
            self._add(_silence(settings.segment_pause_ms, rate_hz))

    def _add(self, pcm: bytes) -> None:
        self._parts.append(pcm)
        self._frames += len(pcm) // 2

    def _ms(self, frame: int) -> int:
        return round(frame * 1000 / self.rate_hz)

    def add(self, segment: Segment, speech: SpokenSegment) -> None:
        """Append the next segment of the script, spoken."""
        settings, sounds, rate, previous = self.settings, self.sounds, self.rate_hz, self._previous
        expected = self.script.segments[self._count] if self._count < len(self.script.segments) else None
        if expected is None or segment.id != expected.id or speech.segment_id != segment.id:
            raise AudioError(f"spoken segment {speech.segment_id} does not match script segment "
                             f"{expected.id if expected else '(none left)'}")
        self._count += 1
        new_chapter = previous is None or segment.chapter_id != previous.chapter_id
        if previous is not None and not new_chapter and previous.kind == segment.kind == "intro":
            self._add(_silence(settings.sentence_pause_ms, rate))  # greeting and headline read as one paragraph
        elif previous is not None and not new_chapter:
            self._add(_silence(settings.segment_pause_ms, rate))
        elif previous is not None and segment.kind == "narrative" and sounds.cue:
            self._add(_silence(settings.section_pause_ms // 2, rate))
            self._add(sounds.cue)
            self._add(_silence(settings.section_pause_ms // 2, rate))
        elif previous is not None:
            self._add(_silence(settings.section_pause_ms, rate))
        if new_chapter:
            self._chapter_starts.append((segment, 0 if not self._chapter_starts else self._frames))
        for i, (text, pcm) in enumerate(zip(speech.sentences, speech.pcm, strict=True)):
            if i:
                self._add(_silence(settings.sentence_pause_ms, rate))
            start = self._frames
            self._add(_resample(pcm, speech.sample_rate_hz, rate))
            self._sentences.append(SentenceTiming(segment.id, segment.role, text, self._ms(start), self._ms(self._frames)))
        self._previous = segment

    def take(self) -> bytes:
        """The PCM joined since the last call (only meaningful when :attr:`streamable`)."""
        taken = b"".join(self._parts[self._taken:])
        self._taken = len(self._parts)
        return taken

    def finish(self) -> Timeline:
        """Close the episode (outro music, tail) and return the whole timeline."""
        if self._count != len(self.script.segments) or not self._count:
            raise AudioError(f"{self._count} spoken segments for a script of {len(self.script.segments)}")
        settings, sounds, rate = self.settings, self.sounds, self.rate_hz
        if sounds.outro:
            self._add(_silence(settings.segment_pause_ms, rate))
            self._add(sounds.outro)
        self._add(_silence(_TAIL_MS, rate))
        pcm = b"".join(self._parts)
        starts, sentences = self._chapter_starts, self._sentences
        if sounds.bed and len(starts) > 1:
            first_chapter = {seg.id for seg in self.script.segments if seg.chapter_id == starts[0][0].chapter_id}
            intro_end = max(t.end_ms for t in sentences if t.segment_id in first_chapter)
            pcm = _mix_bed(pcm, sounds.bed, rate, 0, (intro_end + 1000) * rate // 1000, settings.music_bed_gain_db)
        end_ms = self._ms(self._frames)
        chapters = tuple(
            Chapter(seg.chapter_id, seg.chapter_title, self._ms(start),
                    self._ms(starts[i + 1][1]) if i + 1 < len(starts) else end_ms, seg.chapter_url)
            for i, (seg, start) in enumerate(starts)
        )
        return Timeline(pcm, rate, chapters, tuple(sentences))


def build_timeline(script: Script, spoken: tuple[SpokenSegment, ...], settings: AudioSettings,
                   sounds: Sounds | None = None) -> Timeline:
    """Join the spoken segments with pauses, cues and music, and time every chapter and sentence.

    Pauses: ``sentence_pause_ms`` between sentences, ``segment_pause_ms`` between segments of one
    chapter, ``section_pause_ms`` between chapters, with the cue in the middle of the pause before
    each narrative chapter. Segments come leveled from the speech stage. A chapter
    starts where its first words start (the pause and cue before it belong to the chapter before);
    the first starts at 0.

    :param script: the script the audio was spoken from (for chapter ids, titles and links).
    :param spoken: one spoken segment per script segment, in order (stage 3).
    :param settings: pause lengths, cue and music.
    :param sounds: cue and music (default: the settings', see :func:`load_sounds`).
    :returns: the joined PCM at the first segment's sample rate, chapters and sentence timings.
    """
    if len(spoken) != len(script.segments) or not spoken:
        raise AudioError(f"{len(spoken)} spoken segments for a script of {len(script.segments)}")
    builder = TimelineBuilder(script, settings, spoken[0].sample_rate_hz, sounds)
    for segment, speech in zip(script.segments, spoken, strict=True):
        builder.add(segment, speech)
    return builder.finish()
