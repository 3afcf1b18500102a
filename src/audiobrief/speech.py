"""Stage 3: speak the planned segments, from the cache where it can, on an executor where it must.

Every segment is synthesized sentence by sentence (exact sentence timings for transcripts; the
audio stage sets the pauses), checked (present, not silent, of a plausible length for its words;
a bad one fails the build naming the segment and the text), leveled to the target RMS, and then
stored in the segment cache, so leveling happens once per segment, ever.

Rendering runs on any :class:`concurrent.futures.Executor` (threads, processes, or a distributed
one such as dask's ``Client.get_executor()``): the task is a module-level function of picklable
arguments. Engines that keep every core busy by themselves (Piper) get one worker, which still
lets the pipeline master one episode while the next is being spoken.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from .cache import Cache
from .errors import SynthesisError
from .models import Script, SpokenSegment
from .speakable import said_as, split_sentences
from .tts import TTSEngine

__all__ = ["Progress", "RenderEvent", "Renderer", "check_speech", "level", "render_into_cache", "render_segment",
           "synthesize_script"]

log = logging.getLogger(__name__)

#: Called after each segment with (segments done, segments in all, segment id).
Progress = Callable[[int, int, str], None]

# Slowest and fastest speech we accept, in words per minute (newsreaders speak ~150-180).
_MIN_WPM, _MAX_WPM = 50, 450
_SILENCE_RMS = 30  # of 32767: below this a sentence is silence, whatever its length


def _rms(pcm: bytes) -> float:
    import numpy as np

    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2")[::4].astype(np.float64)
    return math.sqrt(float(np.mean(samples * samples))) if len(samples) else 0.0


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


def level(pcms: Sequence[bytes], target_dbfs: float) -> tuple[bytes, ...]:
    """Bring speech to ``target_dbfs`` RMS, the gain capped so that peaks stay under -1 dBFS.

    Leveling each segment makes voices and engines sound level with each other; the whole
    episode is then mastered to the loudness target.
    """
    import numpy as np

    arrays = [np.frombuffer(p, dtype="<i2").astype(np.float64) for p in pcms]
    joined = np.concatenate(arrays) if arrays else np.zeros(0)
    if not len(joined) or not np.any(joined):
        return tuple(pcms)
    rms_db = 20 * math.log10(math.sqrt(float(np.mean(joined * joined))) / 32768)
    peak_db = 20 * math.log10(float(np.max(np.abs(joined))) / 32768)
    gain = 10 ** (min(target_dbfs - rms_db, -1.0 - peak_db) / 20)
    return tuple(np.clip(np.round(a * gain), -32768, 32767).astype("<i2").tobytes() for a in arrays)


def render_segment(engine: TTSEngine, segment_id: str, sentences: Sequence[str], level_dbfs: float | None,
                   spoken: Sequence[str] | None = None) -> SpokenSegment:
    """Synthesize ``sentences`` one by one with ``engine``, check each, and level them together.

    ``spoken``, when given, is what the engine reads for each sentence (names respelled); the
    result carries ``sentences``, which the transcripts show. A module-level function of
    picklable arguments, so that any executor can run it.

    :raises SynthesisError: a sentence failed or failed its checks (names the segment and text).
    """
    buffers: list[bytes] = []
    rate: int | None = None
    for sentence in spoken or sentences:
        chunks = list(engine.synthesize(sentence))
        rates = {c.sample_rate_hz for c in chunks}
        if len(rates) > 1 or (rate is not None and rates and rates != {rate}):
            raise SynthesisError(f"segment {segment_id}: engine {engine.name} changed sample rate mid-segment")
        rate = rate or (rates.pop() if rates else None)
        pcm = b"".join(c.pcm for c in chunks)
        check_speech(segment_id, sentence, pcm, rate or 1)
        buffers.append(pcm)
    if rate is None:
        raise SynthesisError(f"segment {segment_id}: nothing to say (empty text)")
    leveled = level(buffers, level_dbfs) if level_dbfs is not None else tuple(buffers)
    return SpokenSegment(segment_id, tuple(sentences), leveled, rate)


def render_into_cache(cache: Cache, key: str, engine: TTSEngine, segment_id: str, sentences: Sequence[str],
                      level_dbfs: float | None, spoken: Sequence[str] | None = None) -> int:
    """:func:`render_segment`, stored by the worker itself into the shared ``cache`` under ``key``: the
    audio does not travel back through the executor, the builder reads it from the cache. Returns
    the bytes of audio stored."""
    made = render_segment(engine, segment_id, sentences, level_dbfs, spoken)
    cache.put(key, made)
    return sum(len(p) for p in made.pcm)


@dataclass(frozen=True, slots=True)
class RenderEvent:
    """One segment ready: from the cache or synthesized; counts so far over every submitted segment."""

    segment_id: str
    cached: bool
    done: int
    total: int
    cached_count: int
    synthesized_count: int


class Renderer:
    """Speaks segments by cache key, each unique key once, on an executor; results in any order.

    :param engines: role -> engine (``host`` is the fallback).
    :param cache: the segment cache, or None to synthesize everything.
    :param executor: where synthesis runs; default: a thread pool with ``jobs`` workers (one when
        every engine is multithreaded), shut down by :meth:`close`.
    :param through_cache: the executor's workers write each segment into ``cache`` themselves (a cache
        they share: object storage), and the renderer reads it back, instead of the audio coming back
        with the task's result.
    """

    def __init__(self, engines: Mapping[str, TTSEngine], *, level_dbfs: float, cache: Cache | None = None,
                 executor: Executor | None = None, jobs: int = 1,
                 progress: Callable[[RenderEvent], None] | None = None, through_cache: bool = False) -> None:
        self.engines = engines
        self.level_dbfs = level_dbfs
        self.cache = cache
        self.through_cache = through_cache and cache is not None
        self.progress = progress
        self._own_executor = executor is None
        if executor is None:
            inside = all(getattr(e, "multithreaded", False) for e in engines.values())
            executor = ThreadPoolExecutor(max_workers=1 if inside else max(1, jobs),
                                          thread_name_prefix="audiobrief-speech")
        self.executor = executor
        # Done-callbacks run on executor threads: counts and events go through one lock, and no
        # per-segment event is sent before announce() has said what is planned.
        self._lock = threading.Lock()
        self._announced = False
        self._futures: dict[str, Future[Any]] = {}
        self._callbacks: dict[str, threading.Event] = {}  # set when a future's done-callback has finished
        self._wanted: dict[str, int] = {}  # results still to be collected per key
        self._ready: dict[str, SpokenSegment] = {}
        self.total = self.cached = self.synthesized = 0

    def _event(self, segment_id: str, cached: bool) -> None:
        with self._lock:
            if cached:
                self.cached += 1
            else:
                self.synthesized += 1
            if self.progress is not None and self._announced:
                self.progress(RenderEvent(segment_id, cached, self.cached + self.synthesized, self.total,
                                          self.cached, self.synthesized))

    def announce(self, planned: Callable[[int, int, int], None]) -> None:
        """Call ``planned(total, cached, synthesized)`` with the counts so far, then let per-segment events
        through: every event after it counts on from those figures, in order."""
        with self._lock:
            planned(self.total, self.cached, self.synthesized)
            self._announced = True

    def _on_done(self, key: str, segment_id: str) -> Callable[[Future[Any]], None]:
        finished = self._callbacks[key] = threading.Event()

        def done(future: Future[Any]) -> None:
            try:
                if not future.cancelled() and future.exception() is None:
                    # Stored as soon as it is spoken, so a build that fails or is killed later keeps it.
                    if self.cache is not None and not self.through_cache:
                        self.cache.put(key, future.result())
                    self._event(segment_id, cached=False)
            finally:
                finished.set()

        return done

    def submit(self, segments: Sequence[tuple[str, str, str, Sequence[str], Sequence[str]]]) -> None:
        """Queue ``(key, segment id, role, sentences, spoken)`` items (``spoken``: what the engine reads, or
        empty for the sentences themselves): cache hits are ready at once, misses go to the executor."""
        for key, segment_id, role, sentences, spoken in segments:
            self._wanted[key] = self._wanted.get(key, 0) + 1
            if key in self._futures or key in self._ready:
                continue
            self.total += 1
            hit = self.cache.get(key, segment_id) if self.cache is not None else None
            if hit is not None and hit.sentences == tuple(sentences):
                self._ready[key] = hit
                self._event(segment_id, cached=True)
                continue
            engine = self.engines.get(role) or self.engines["host"]
            future: Future[Any]
            if self.through_cache and self.cache is not None:
                future = self.executor.submit(render_into_cache, self.cache, key, engine, segment_id, tuple(sentences),
                                              self.level_dbfs, tuple(spoken) or None)
            else:
                future = self.executor.submit(render_segment, engine, segment_id, tuple(sentences), self.level_dbfs,
                                              tuple(spoken) or None)
            future.add_done_callback(self._on_done(key, segment_id))
            self._futures[key] = future

    def result(self, key: str, segment_id: str) -> SpokenSegment:
        """The spoken segment for ``key`` (waiting for it), named ``segment_id``.

        Synthesized segments reach the cache as soon as they are spoken (see :meth:`_on_done`).

        :raises SynthesisError: its synthesis failed.
        """
        spoken = self._ready.get(key)
        if spoken is None:
            made = self._futures[key].result()
            if self.through_cache:
                assert self.cache is not None
                made = self.cache.get(key, segment_id)
                if made is None:
                    raise SynthesisError(f"segment {segment_id}: a worker spoke it into the cache at "
                                         f"{self.cache.location}, but it cannot be read back from there")
            spoken = made
            self._ready[key] = spoken
        self._wanted[key] -= 1
        if self._wanted[key] <= 0:  # nobody will ask again: let the audio go
            self._ready.pop(key, None)
            self._futures.pop(key, None)
        if spoken.segment_id != segment_id:
            spoken = SpokenSegment(segment_id, spoken.sentences, spoken.pcm, spoken.sample_rate_hz)
        return spoken

    def idle(self) -> bool:
        """Whether every synthesis submitted so far has finished."""
        return self.speaking() == 0

    def speaking(self) -> int:
        """How many syntheses submitted so far have not finished (queued or running)."""
        return sum(not future.done() for future in self._futures.values())

    def release_engines(self) -> None:
        """Let engines unload their models (those that can), once nothing more is to be synthesized."""
        for engine in {id(e): e for e in self.engines.values()}.values():
            release = getattr(engine, "release", None)
            if callable(release):
                release()

    def close(self) -> None:
        """Cancel what has not started, stop the executor this renderer created, and wait until every
        segment already spoken is in the cache and counted (done-callbacks run on the executor's threads)."""
        for future in self._futures.values():
            future.cancel()
        if self._own_executor:
            self.executor.shutdown(wait=True, cancel_futures=True)
        for key, finished in self._callbacks.items():
            pending = self._futures.get(key)
            if pending is None or pending.done():
                finished.wait(timeout=60)


def synthesize_script(
    script: Script,
    engines: Mapping[str, TTSEngine],
    progress: Progress | None = None,
    level_dbfs: float | None = -20.0,
) -> tuple[SpokenSegment, ...]:
    """Speak every segment of ``script`` with the engine for its role, in order, without a cache.

    :param script: the rendered script (stage 2).
    :param engines: role -> engine; ``host`` is the fallback for roles not listed.
    :param progress: called after each segment.
    :param level_dbfs: leveling target (None: as the engine made it).
    :returns: one :class:`SpokenSegment` per segment, in order.
    :raises SynthesisError: a sentence failed or failed its checks (names the segment and text).
    """
    spoken: list[SpokenSegment] = []
    total = len(script.segments)
    for done, segment in enumerate(script.segments, start=1):
        engine = engines.get(segment.role) or engines["host"]
        language = segment.language or script.language
        sentences = split_sentences(segment.text, language)
        spoken.append(render_segment(engine, segment.id, sentences, level_dbfs, [said_as(s, language) for s in sentences]))
        log.debug("spoke %s", segment.id)
        if progress is not None:
            progress(done, total, segment.id)
    return tuple(spoken)
