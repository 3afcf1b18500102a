"""Stage 3: synthesize a :class:`~audiobrief.models.Script`, sentence by sentence, and check it.

Sentence-level synthesis gives exact sentence timings (for transcripts) and lets the audio stage
set the pauses. Every sentence's audio is checked: present, not silent, and of a plausible length
for its words; a bad one fails the build naming the segment and the text, never silently.
"""

from __future__ import annotations

import array
import logging
import math
import sys
from collections.abc import Callable, Mapping

from .errors import SynthesisError
from .models import Script, SpokenSegment
from .speakable import split_sentences
from .tts import TTSEngine

__all__ = ["Progress", "check_speech", "synthesize_script"]

log = logging.getLogger(__name__)

#: Called after each segment with (segments done, segments in all, segment id).
Progress = Callable[[int, int, str], None]

# Slowest and fastest speech we accept, in words per minute (newsreaders speak ~150-180).
_MIN_WPM, _MAX_WPM = 50, 450
_SILENCE_RMS = 30  # of 32767: below this a sentence is silence, whatever its length


def _rms(pcm: bytes) -> float:
    samples = array.array("h")
    samples.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    if sys.byteorder == "big":
        samples.byteswap()
    sparse = samples[::4]  # every 4th sample is plenty to tell speech from silence
    if not sparse:
        return 0.0
    return math.sqrt(sum(s * s for s in sparse) / len(sparse))


def check_speech(segment_id: str, text: str, pcm: bytes, sample_rate_hz: int) -> None:
    """Raise :class:`SynthesisError` unless ``pcm`` is plausible speech for ``text``."""
    words = max(1, len(text.split()))
    duration_s = (len(pcm) // 2) / sample_rate_hz
    where = f"segment {segment_id}, sentence {text[:80]!r}"
    if duration_s == 0:
        raise SynthesisError(f"{where}: the engine returned no audio")
    if _rms(pcm) < _SILENCE_RMS:
        raise SynthesisError(f"{where}: the engine returned silence ({duration_s:.2f} s)")
    shortest = words / _MAX_WPM * 60
    longest = words / _MIN_WPM * 60 + 2.0
    if not shortest * 0.5 <= duration_s <= longest:
        raise SynthesisError(
            f"{where}: {duration_s:.2f} s of audio for {words} words is implausible "
            f"(expected {shortest:.1f} to {longest:.1f} s)"
        )


def synthesize_script(
    script: Script,
    engines: Mapping[str, TTSEngine],
    progress: Progress | None = None,
) -> tuple[SpokenSegment, ...]:
    """Speak every segment of ``script`` with the engine for its role.

    :param script: the rendered script (stage 2).
    :param engines: role -> engine; ``host`` is the fallback for roles not listed.
    :param progress: called after each segment.
    :returns: one :class:`SpokenSegment` per segment, in order.
    :raises SynthesisError: a sentence failed or failed its checks (names the segment and text).
    """
    spoken: list[SpokenSegment] = []
    total = len(script.segments)
    for done, segment in enumerate(script.segments, start=1):
        engine = engines.get(segment.role) or engines["host"]
        sentences = split_sentences(segment.text)
        buffers: list[bytes] = []
        rate: int | None = None
        for sentence in sentences:
            chunks = list(engine.synthesize(sentence))
            rates = {c.sample_rate_hz for c in chunks}
            if len(rates) > 1 or (rate is not None and rates and rates != {rate}):
                raise SynthesisError(f"segment {segment.id}: engine {engine.name} changed sample rate mid-segment")
            rate = rate or (rates.pop() if rates else None)
            pcm = b"".join(c.pcm for c in chunks)
            check_speech(segment.id, sentence, pcm, rate or 1)
            buffers.append(pcm)
        if rate is None:
            raise SynthesisError(f"segment {segment.id}: nothing to say (empty text)")
        spoken.append(SpokenSegment(segment.id, sentences, tuple(buffers), rate))
        log.debug("spoke %s: %d sentences", segment.id, len(sentences))
        if progress is not None:
            progress(done, total, segment.id)
    return tuple(spoken)
