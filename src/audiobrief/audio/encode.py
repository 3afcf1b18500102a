"""Mastering, one encode and one check: the episode file from a :class:`~.timeline.Timeline`.

The timeline is resampled to the episode rate, mastered there in memory
(:func:`~.master.plan_master`: the limiter's true-peak estimate is only right at the rate the file
will have; mastered at hibari's 24 kHz and resampled after, peaks landed 2 dB over the ceiling and
every episode was encoded twice), encoded once (MP3 in-process with pedalboard's LAME: CBR with a LAME Info header; M4A with
ffmpeg's AAC), tagged, and then decoded and measured once: a file that comes out silent, of the
wrong length, or off the loudness target fails the build.
"""

from __future__ import annotations

import contextlib
import logging
import math
import tempfile
from collections.abc import Generator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ..config import AudioSettings
from ..errors import AudioError
from ..ffmpeg import run_ffmpeg
from ..models import Alternate, Chapter, EpisodeAudio
from .dsp import resample
from .loudness import Loudness, measure
from .master import MasterAnalysis, plan_master
from .opus import OPUS_MIME, OpusEncoder, opus_duration_ms
from .tags import EpisodeTags, ffmetadata, tag_m4a, tag_mp3
from .timeline import Timeline

__all__ = ["encode_episode", "measure_file"]

log = logging.getLogger(__name__)

_MP3_LOSS_LU = 0.4


def _ahead(chunks: Iterator[np.ndarray], depth: int = 2) -> Generator[np.ndarray, None, None]:
    """``chunks``, produced by a helper thread ``depth`` ahead: mastering math overlaps the encoder.

    The helper ends with the consumer, whichever way it stops: when the encoder raises, or the
    generator is closed early, the helper is told to stop and joined, so no thread outlives the
    episode (and its audio) in a long-running ``watch``.
    """
    import queue
    import threading

    pipe: queue.Queue[np.ndarray | BaseException | None] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: np.ndarray | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                pipe.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
            put(None)
        except BaseException as exc:  # handed to the consumer, which raises it
            put(exc)

    worker = threading.Thread(target=produce, name="audiobrief-master", daemon=True)
    worker.start()
    try:
        while (item := pipe.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def _tee(chunks: Iterator[np.ndarray], also: Any) -> Iterator[np.ndarray]:
    for chunk in chunks:
        also(chunk)
        yield chunk


def _encode_mp3(chunks: Iterator[np.ndarray], path: Path, settings: AudioSettings) -> None:
    from pedalboard.io import AudioFile

    try:
        with (AudioFile(str(path), "w", settings.sample_rate_hz, 1, quality=f"{settings.bitrate_kbps} kbps") as handle,
              contextlib.closing(_ahead(chunks)) as ahead):
            for chunk in ahead:
                handle.write(np.asarray(chunk, dtype=np.float32)[None, :])
    except (ValueError, RuntimeError) as exc:
        raise AudioError(f"encoding {path.name} as MP3 failed: {exc}") from exc


def _encode_m4a(chunks: Iterator[np.ndarray], path: Path, settings: AudioSettings, tags: EpisodeTags,
                chapters: tuple[Chapter, ...]) -> None:
    pcm = b"".join(np.clip(np.round(c * 32768.0), -32768, 32767).astype("<i2").tobytes() for c in chunks)
    with tempfile.TemporaryDirectory(prefix="audiobrief-") as tmp:
        meta = Path(tmp) / "chapters.txt"
        meta.write_text(ffmetadata(tags, chapters), encoding="utf-8")
        run_ffmpeg(["-loglevel", "error", "-f", "s16le", "-ar", str(settings.sample_rate_hz), "-ac", "1",
                    "-i", "pipe:0", "-i", str(meta), "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1",
                    "-b:a", f"{settings.bitrate_kbps}k", "-c:a", "aac", "-metadata:s:a:0", f"language={tags.language}",
                    "-movflags", "+faststart", "-f", "mp4", str(path)], input_bytes=pcm, what="encoding the episode")


def measure_file(path: Path) -> Loudness:
    """Loudness and true peak of an episode file, decoded (MP3 in-process, others via ffmpeg) and measured
    in two threads (see :func:`~.loudness.measure`)."""
    if path.suffix == ".mp3":
        from pedalboard.io import AudioFile

        with AudioFile(str(path)) as handle:
            rate = int(handle.samplerate)
            samples = handle.read(handle.frames)
        samples = samples[0] if samples.shape[0] == 1 else samples.mean(axis=0)
        return measure(samples, rate)
    proc = run_ffmpeg(["-loglevel", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "pipe:1"],
                      what="decoding the episode")
    from mutagen import File

    rate = int(File(str(path)).info.sample_rate)
    return measure(np.frombuffer(proc.stdout, dtype="<i2") / 32768.0, rate)


def encode_episode(timeline: Timeline, out_path: Path, settings: AudioSettings, tags: EpisodeTags,
                   analysis: MasterAnalysis | None = None) -> EpisodeAudio:
    """Master to the loudness target, encode (MP3: CBR with a LAME Info header; or AAC in M4A), tag, check.

    :param timeline: the joined audio (see :func:`~.timeline.build_timeline`).
    :param out_path: where the file goes (written in place: the pipeline gives a temporary path);
        its suffix should match ``settings.format``.
    :param settings: format, bitrate, sample rate and loudness target.
    :param tags: metadata; chapters go into ID3 CHAP/CTOC (MP3) or the MP4 chapter track and chpl box (M4A).
    :param analysis: the timeline already resampled, compressed and metered as it was being spoken
        (see :class:`~.master.MasterAnalysis`); None: done here.
    :returns: the episode file with its measured duration, size and loudness.
    :raises AudioError: the file came out silent, off target or of the wrong length, or encoding failed.
    """
    rate = settings.sample_rate_hz

    def at_episode_rate() -> np.ndarray:
        samples = np.frombuffer(timeline.pcm, dtype="<i2").astype(np.float32) / 32768.0
        return resample(samples, timeline.sample_rate_hz, rate).astype(np.float32)

    m4a = settings.format == "m4a"
    # LAME at low bitrates reads about 0.4 LU quieter than its input (measured on speech and on a
    # pure tone, with ffmpeg's libmp3lame too); aim that much higher, then check on the file.
    loss_lu = 0.0 if m4a or settings.bitrate_kbps > 128 else _MP3_LOSS_LU
    if analysis is not None and analysis.rate_hz == rate:
        plan = analysis.finish(settings.target_lufs + loss_lu, settings.true_peak_dbtp)
    else:
        plan = plan_master(at_episode_rate(), rate, settings.target_lufs + loss_lu, settings.true_peak_dbtp)
    opus_path = out_path.with_suffix(".opus")
    for attempt in range(2):
        chunks = plan.chunks()
        opus = (OpusEncoder(opus_path, rate, settings.opus_bitrate_kbps, tags, timeline.chapters)
                if "opus" in settings.alternates else None)
        try:
            if opus is not None:
                chunks = _tee(chunks, opus.write)  # the same samples, to the Opus encoder's process
            if m4a:
                _encode_m4a(chunks, out_path, settings, tags, timeline.chapters)
            else:
                _encode_mp3(chunks, out_path, settings)
            measured = measure_file(out_path)  # while ffmpeg finishes the Opus file on the other core
        except BaseException:
            if opus is not None:
                opus.abort()
            raise
        if opus is not None:
            opus.close()
        error = measured.integrated_lufs - settings.target_lufs
        overshoot = measured.true_peak_dbtp - settings.true_peak_dbtp
        if attempt or not math.isfinite(error) or (abs(error) <= 0.3 and overshoot <= 0.0):
            break
        if overshoot > 0.0:
            # The codec raised the peaks more than the margin allows (bright voices with a noisy top
            # octave do): master again under a ceiling lowered by the overshoot.
            log.info("%s: true peak %.1f dB over the ceiling after encoding; mastering again under a lower one",
                     out_path.name, overshoot)
            # on the grains already measured: the same plan as mastering the whole again, without its 0.6 s
            plan = plan.resolve(settings.target_lufs + loss_lu - error, settings.true_peak_dbtp - overshoot - 0.3)
            continue
        log.info("%s: %.1f LU off target after encoding; encoding again with the gain corrected", out_path.name, error)
        plan = replace(plan, grain_gain=plan.grain_gain * 10 ** (-error / 20))
    del plan
    info: Any
    if m4a:
        from mutagen.mp4 import MP4

        info = MP4(str(out_path)).info
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
    chapters = (*timeline.chapters[:-1], Chapter(last.id, last.title, last.start_ms, duration_ms, last.url))
    loudness = Loudness(round(measured.integrated_lufs, 1), round(measured.true_peak_dbtp, 1))
    if not loudness.integrated_lufs > -60:
        raise AudioError(f"{out_path.name}: the encoded episode is silent ({loudness.integrated_lufs} LUFS)")
    if abs(loudness.integrated_lufs - settings.target_lufs) > 1.0 or loudness.true_peak_dbtp > settings.true_peak_dbtp + 0.5:
        raise AudioError(
            f"{out_path.name}: measured {loudness.integrated_lufs} LUFS / {loudness.true_peak_dbtp} dBTP after "
            f"encoding; the target is {settings.target_lufs} LUFS / {settings.true_peak_dbtp} dBTP"
        )
    alternates: tuple[Alternate, ...] = ()
    if "opus" in settings.alternates:
        opus_ms = opus_duration_ms(opus_path)
        if abs(opus_ms - duration_ms) > 100:
            raise AudioError(f"{opus_path.name}: the Opus alternate lasts {opus_ms} ms, the episode {duration_ms} ms; "
                             "the encode is broken")
        size = opus_path.stat().st_size
        alternates = (Alternate(opus_path.name, OPUS_MIME, size, opus_ms, round(size * 8 / max(opus_ms, 1)), "Opus"),)
    if m4a:
        tag_m4a(out_path, tags, loudness)
    else:
        tag_mp3(out_path, tags, chapters, duration_ms, loudness)
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
        alternates=alternates,
    )
