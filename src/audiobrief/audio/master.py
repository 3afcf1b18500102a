"""Mastering in one pass, in memory: compressor, gain, true-peak limiter, fitted to the target.

TTS voices come peak-normalized sentence by sentence, so speech at -16 LUFS would peak near
0 dBFS; a gentle compressor (pedalboard's) narrows the peak-to-loudness ratio. One metering pass
over the compressed speech gives the energy and true peak of every grain (see
:class:`~.loudness.Meter`); the gain that reaches the target and the limiter's gain curve are then
worked out on those grains alone, so no trial encodes and no refiltering. The limiter is
non-causal and has no latency: its gain is the sliding minimum of what each grain needs, smoothed
by a moving average narrower than the minimum's window, which can never exceed what any sample
needs. So chapter times stay on the samples they were computed from. Everything runs chunk by
chunk: memory stays flat however long the episode (a digest is several episodes long).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import AudioError
from .dsp import sliding_min
from .loudness import CHUNK, Loudness, Meter, gated_loudness

if TYPE_CHECKING:
    import numpy.typing as npt

    Floats = npt.NDArray[Any]

__all__ = ["Master", "MasterAnalysis", "compress", "plan_master"]

log = logging.getLogger(__name__)

_LIMITER_MS = 5.0  # look-ahead and release of the limiter, each side of a peak
_ENCODE_MARGIN_DB = 1.0  # MP3/AAC encoding can add inter-sample overshoot; leave room for it
_TOLERANCE_LU = 0.1
_COMPRESSOR = {"threshold_db": -18.0, "ratio": 2.5, "attack_ms": 15.0, "release_ms": 200.0}


def compress(samples: Floats, rate_hz: int) -> npt.NDArray[np.float32]:
    """Gentle speech compression: 2.5:1 above -18 dBFS, 15 ms attack, 200 ms release (float32 out)."""
    from pedalboard import Compressor

    compressor = Compressor(**_COMPRESSOR)
    out = np.empty(len(samples), dtype=np.float32)
    for start in range(0, len(samples), CHUNK):
        piece = np.asarray(samples[start:start + CHUNK], dtype=np.float32)[None, :]
        out[start:start + piece.shape[1]] = compressor.process(piece, rate_hz, reset=False)[0]
    return out


def _moving_average(x: Floats, radius: int) -> Floats:
    width = 2 * radius + 1
    sums = np.cumsum(np.pad(x, (radius + 1, radius), mode="edge"))
    result: Floats = (sums[width:] - sums[:-width]) / width
    return result


@dataclass(frozen=True, slots=True)
class Master:
    """The mastered episode, ready to stream out: compressed samples times a per-grain gain curve."""

    compressed: tuple[npt.NDArray[np.float32], ...]
    """The compressed samples, in the pieces they were made in (joining them would double the memory)."""
    grain_gain: Floats
    """Gain per grain, at grain centres; linearly interpolated between them."""
    grain: int
    rate_hz: int
    estimate: Loudness
    """Loudness and true peak the plan expects (confirmed on the encoded file)."""
    energy: Floats
    """K-weighted energy of every grain of the compressed samples (before the gain)."""
    peaks: Floats
    """True-peak magnitude of every grain of the compressed samples (before the gain)."""

    def resolve(self, target_lufs: float, true_peak_ceiling_dbtp: float) -> Master:
        """The plan for other targets, worked out on the grains alone: what :func:`plan_master` would give for
        them, without compressing and metering the episode again (0.57 s for 3 minutes)."""
        return _solve(self.compressed, self.energy, self.peaks, self.grain, self.rate_hz, target_lufs,
                      true_peak_ceiling_dbtp)

    def chunks(self) -> Iterator[Floats]:
        """The mastered samples, a piece at a time."""
        centres = np.arange(len(self.grain_gain)) * self.grain + (self.grain - 1) / 2
        start = 0
        for part in self.compressed:
            piece = part.astype(np.float64)
            positions = np.arange(start, start + len(piece))
            start += len(piece)
            yield piece * np.interp(positions, centres, self.grain_gain)


class MasterAnalysis:
    """The expensive half of :func:`plan_master` (resampling to the episode rate, compressing,
    metering), fed chunk by chunk while the episode is still being spoken; :meth:`finish` then
    solves the gain curve on the grains alone. The result equals :func:`plan_master` on the whole.

    With ``threaded``, the metering (the larger half: the K-weighting and the true peak of every
    block) runs on a thread of its own, a chunk behind the compressor, so the analysis uses two cores
    when the speech does not: an edit, whose segments come from the cache, or a digest of built briefs
    (a 4.5-minute digest took 2.73-2.99 s against 2.92-3.22 s). While speech keeps every core busy (a
    cold build), the thread only competed with it (3.25-3.43 s against 3.00-3.30 s), so it is asked for
    only when the cores are free.
    """

    def __init__(self, timeline_rate_hz: int, rate_hz: int, *, threaded: bool = False) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from pedalboard import Compressor

        from .dsp import Resampler

        self.rate_hz = rate_hz
        self._resampler = Resampler(timeline_rate_hz, rate_hz)
        self._compressor = Compressor(**_COMPRESSOR)
        self._meter = Meter(rate_hz, every_block=True)
        self._parts: list[npt.NDArray[np.float32]] = []
        self._pending = np.zeros(0, dtype=np.float32)
        # One worker: the chunks are metered in order. Its thread ends when the analysis is finished, or
        # when an abandoned analysis is collected (a failed build in a long-running watch).
        self._metering = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audiobrief-meter") if threaded else None
        self._metered: list[Future[None]] = []

    def add_pcm(self, pcm: bytes) -> None:
        """The next piece of the timeline, as signed 16-bit PCM at its own rate."""
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        self._compress(self._resampler.push(samples))

    def _compress(self, samples: Floats, final: bool = False) -> None:
        # whole CHUNKs through the compressor, as compress() does, so the output is the same sample for sample
        pending = np.concatenate([self._pending, np.asarray(samples, dtype=np.float32)])
        whole = len(pending) if final else len(pending) // CHUNK * CHUNK
        for start in range(0, whole, CHUNK):
            piece = pending[start:start + CHUNK][None, :]
            out = self._compressor.process(piece, self.rate_hz, reset=False)[0].astype(np.float32)
            if self._metering is not None:
                self._metered.append(self._metering.submit(self._meter.add, out))  # its error is raised by finish()
            else:
                self._meter.add(out)
            self._parts.append(out)
        self._pending = pending[whole:]

    def finish(self, target_lufs: float, true_peak_ceiling_dbtp: float) -> Master:
        """The plan, once the last piece was added (see :func:`plan_master`)."""
        try:
            self._compress(self._resampler.flush(), final=True)
            for future in self._metered:
                future.result()
        finally:
            if self._metering is not None:
                self._metering.shutdown(cancel_futures=True)
        compressed, self._parts = tuple(self._parts), []
        energy, peaks = self._meter.grains()
        return _solve(compressed, energy, peaks, self._meter.grain, self.rate_hz, target_lufs, true_peak_ceiling_dbtp)


def plan_master(samples: Floats, rate_hz: int, target_lufs: float, true_peak_ceiling_dbtp: float) -> Master:
    """Work out how to bring ``samples`` to ``target_lufs`` with true peaks under the ceiling (minus an encoding margin).

    :raises AudioError: the input is silent, or the targets cannot be met together.
    """
    compressed = compress(samples, rate_hz)
    meter = Meter(rate_hz, every_block=True)
    for start in range(0, len(compressed), CHUNK):
        meter.add(compressed[start:start + CHUNK])
    pieces = tuple(compressed[start:start + CHUNK] for start in range(0, len(compressed), CHUNK))
    energy, peaks = meter.grains()
    return _solve(pieces, energy, peaks, meter.grain, rate_hz, target_lufs, true_peak_ceiling_dbtp)


def _solve(compressed: tuple[npt.NDArray[np.float32], ...], energy: Floats, peaks: Floats, grain: int, rate_hz: int,
           target_lufs: float, true_peak_ceiling_dbtp: float) -> Master:
    loudness = gated_loudness(energy, rate_hz)
    if not math.isfinite(loudness) or loudness < -60:
        raise AudioError(f"the assembled audio is silent ({loudness:.1f} LUFS); the engine produced no speech")
    ceiling = 10 ** ((true_peak_ceiling_dbtp - _ENCODE_MARGIN_DB) / 20)
    radius = max(1, round(_LIMITER_MS * rate_hz / 1000 / grain))
    gain_db = target_lufs - loudness
    curve = np.ones(len(energy))
    estimate = loudness
    for _ in range(8):
        gain = 10 ** (gain_db / 20)
        with np.errstate(divide="ignore"):
            needed = np.minimum(1.0, ceiling / (gain * peaks))
        # the hold is one grain wider than the smoothing, so interpolating between grains stays under `needed`
        curve = gain * np.minimum(_moving_average(sliding_min(needed, radius + 1), radius), 1.0)
        estimate = gated_loudness(energy * curve * curve, rate_hz)
        if abs(estimate - target_lufs) <= _TOLERANCE_LU:
            break
        gain_db += target_lufs - estimate
    peak = 20 * math.log10(float((peaks * curve).max()))
    log.debug("mastering plan: %.2f LUFS, %.2f dBTP (gain %.1f dB)", estimate, peak, gain_db)
    if abs(estimate - target_lufs) > 0.5:
        raise AudioError(
            f"could not reach {target_lufs} LUFS under {true_peak_ceiling_dbtp} dBTP "
            f"(got {estimate:.1f} LUFS); lower target_lufs or raise true_peak_dbtp"
        )
    return Master(compressed, curve, grain, rate_hz, Loudness(estimate, peak), energy, peaks)
