"""Mastering in one pass, in memory: compressor, gain, true-peak limiter, fitted to the target.

TTS voices come peak-normalized sentence by sentence, so speech at -16 LUFS would peak near
0 dBFS; a gentle compressor (pedalboard's) narrows the peak-to-loudness ratio, then the gain
that reaches the target is computed from the measured loudness (not found by trial encodes), and
a look-ahead limiter holds the true peak under the ceiling. The limiter is non-causal and has no
latency: its gain is the sliding minimum of the gain each sample needs, smoothed by a moving
average of the same width, which can never exceed what any sample needs. So chapter times stay
on the samples they were computed from.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

import numpy as np

from ..errors import AudioError
from .dsp import sliding_min
from .loudness import Loudness, gated_loudness, integrated_lufs, k_weighted, true_peak_dbtp, true_peak_envelope

if TYPE_CHECKING:
    import numpy.typing as npt

    Floats = npt.NDArray[np.float64]

__all__ = ["Limiter", "compress", "master"]

log = logging.getLogger(__name__)

_LIMITER_MS = 5.0  # look-ahead and release of the limiter, each side of a peak
_GRAIN = 16  # samples per limiter gain step (0.7 ms at 22.05 kHz)
_ENCODE_MARGIN_DB = 1.0  # MP3/AAC encoding can add inter-sample overshoot; leave room for it
_TOLERANCE_LU = 0.2


def compress(samples: Floats, rate_hz: int) -> Floats:
    """Gentle speech compression: 2.5:1 above -18 dBFS, 15 ms attack, 200 ms release."""
    from pedalboard import Compressor

    compressor = Compressor(threshold_db=-18.0, ratio=2.5, attack_ms=15.0, release_ms=200.0)
    out = compressor(np.asarray(samples, dtype=np.float32)[None, :], rate_hz)[0]
    return np.asarray(out, dtype=np.float64)


def _moving_average(x: Floats, radius: int) -> Floats:
    width = 2 * radius + 1
    sums = np.cumsum(np.pad(x, (radius + 1, radius), mode="edge"))
    return (sums[width:] - sums[:-width]) / width


class Limiter:
    """A look-ahead true-peak limiter for one signal, reusable at different gains.

    The gain is worked out per block of ``_GRAIN`` samples (the least any sample in it needs), held
    over the look-ahead on both sides, smoothed, and interpolated back to the samples; the hold
    is one block wider than the smoothing so that interpolation never exceeds what a sample needs.
    """

    def __init__(self, samples: Floats, envelope: Floats, rate_hz: int) -> None:
        self.samples = samples
        blocks = -(-len(samples) // _GRAIN)
        padded = np.pad(envelope, (0, blocks * _GRAIN - len(envelope)))
        self.block_peaks = padded.reshape(blocks, _GRAIN).max(axis=1)
        self.radius = max(1, round(_LIMITER_MS * rate_hz / 1000 / _GRAIN))
        self.centres = np.arange(blocks) * _GRAIN + (_GRAIN - 1) / 2
        self.positions = np.arange(len(samples))

    def gain_curve(self, gain: float, ceiling: float) -> Floats:
        """Per sample, the gain to apply: ``gain`` except where peaks would pass ``ceiling``."""
        with np.errstate(divide="ignore"):
            needed = np.minimum(1.0, ceiling / (gain * self.block_peaks))
        smooth = _moving_average(sliding_min(needed, self.radius + 1), self.radius)
        return gain * np.interp(self.positions, self.centres, np.minimum(smooth, 1.0))


def master(samples: Floats, rate_hz: int, target_lufs: float, true_peak_ceiling_dbtp: float) -> tuple[Floats, Loudness]:
    """Bring ``samples`` to ``target_lufs`` with true peaks under ``true_peak_ceiling_dbtp`` minus an encoding margin.

    :returns: the mastered samples and what was measured on them.
    :raises AudioError: the input is silent, or the targets cannot be met together.
    """
    compressed = compress(samples, rate_hz)
    loudness = integrated_lufs(compressed, rate_hz)
    if not math.isfinite(loudness) or loudness < -60:
        raise AudioError(f"the assembled audio is silent ({loudness:.1f} LUFS); the engine produced no speech")
    ceiling_db = true_peak_ceiling_dbtp - _ENCODE_MARGIN_DB
    gain_db = target_lufs - loudness
    envelope = true_peak_envelope(compressed, above=10 ** ((ceiling_db - gain_db - 3) / 20))
    limiter = Limiter(compressed, envelope, rate_hz)
    weighted = k_weighted(compressed, rate_hz)
    # The limiter's gain moves slowly next to the K-weighting filter's memory, so the loudness of
    # the limited signal is that of the weighted signal times the gain curve: no refiltering.
    for _ in range(8):
        curve = limiter.gain_curve(10 ** (gain_db / 20), 10 ** (ceiling_db / 20))
        estimate = gated_loudness(weighted * curve, rate_hz)
        if abs(estimate - target_lufs) <= _TOLERANCE_LU / 2:
            break
        gain_db += target_lufs - estimate
    mastered = compressed * curve
    measured = integrated_lufs(mastered, rate_hz)
    peak = true_peak_dbtp(mastered)
    log.debug("mastered: %.2f LUFS, %.2f dBTP (gain %.1f dB)", measured, peak, gain_db)
    if abs(measured - target_lufs) > 0.5 or peak > true_peak_ceiling_dbtp - _ENCODE_MARGIN_DB / 2:
        raise AudioError(
            f"could not reach {target_lufs} LUFS under {true_peak_ceiling_dbtp} dBTP "
            f"(got {measured:.1f} LUFS, {peak:.1f} dBTP); lower target_lufs or raise true_peak_dbtp"
        )
    return mastered, Loudness(measured, peak)
