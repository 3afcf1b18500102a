"""Loudness and true peak measured on samples in memory (ITU-R BS.1770-4 / EBU R128).

Integrated loudness: K-weighting (the two biquads of BS.1770, derived for any sample rate with
libebur128's formulas, applied as their impulse response by FFT convolution), mean square over
400 ms blocks with 75 % overlap, then the absolute (-70 LUFS) and relative (-10 LU) gates.
True peak: the signal oversampled four times. Agrees with ffmpeg's ``ebur128`` filter within
0.1 LU / 0.1 dB (tested), without a process or a file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from .dsp import biquad_cascade_ir, fft_filter, interpolator

if TYPE_CHECKING:
    import numpy.typing as npt

    Floats = npt.NDArray[np.float64]

__all__ = [
    "Loudness", "gated_loudness", "integrated_lufs", "k_weighted", "measure", "true_peak_dbtp", "true_peak_envelope",
]

_OVERSAMPLE = 4
_BLOCK = 1024  # true peak is computed only in blocks loud enough to matter
_MARGIN = 16


@dataclass(frozen=True, slots=True)
class Loudness:
    """EBU R128 measurements."""

    integrated_lufs: float
    true_peak_dbtp: float


@cache
def _k_weighting_ir(rate_hz: int) -> Floats:
    # Pre-filter (high shelf, +4 dB at high frequencies) then the RLB high-pass (38 Hz).
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate_hz)
    vh = 10 ** (gain_db / 20)
    vb = vh ** 0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = ((vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0), \
        (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate_hz)
    a0 = 1 + k / q + k * k
    high = (1.0, -2.0, 1.0), (1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0)
    # The high-pass's time constant is 4 ms: after 60 ms (15 of them) the tail is below 1e-6.
    return biquad_cascade_ir((shelf, high), round(0.06 * rate_hz))


def k_weighted(samples: Floats, rate_hz: int) -> Floats:
    """``samples`` through the BS.1770 K-weighting filter."""
    return fft_filter(np.asarray(samples, dtype=np.float64), _k_weighting_ir(rate_hz))


def integrated_lufs(samples: Floats, rate_hz: int) -> float:
    """Integrated loudness of mono ``samples`` (floats, full scale = 1.0) in LUFS; -inf for silence."""
    return gated_loudness(k_weighted(samples, rate_hz), rate_hz)


def gated_loudness(weighted: Floats, rate_hz: int) -> float:
    """Integrated loudness of an already K-weighted signal (the gating half of :func:`integrated_lufs`)."""
    block, step = round(0.4 * rate_hz), round(0.1 * rate_hz)
    if len(weighted) < block:
        return float("-inf")
    energy = np.concatenate(([0.0], np.cumsum(weighted * weighted)))
    starts = np.arange(0, len(weighted) - block + 1, step)
    power = np.maximum((energy[starts + block] - energy[starts]) / block, 0.0)
    with np.errstate(divide="ignore"):
        levels = -0.691 + 10 * np.log10(power)
    gated = power[levels > -70.0]
    if not len(gated):
        return float("-inf")
    relative = -0.691 + 10 * math.log10(float(gated.mean())) - 10.0
    kept = power[(levels > -70.0) & (levels > relative)]
    return -0.691 + 10 * math.log10(float(kept.mean())) if len(kept) else float("-inf")


def true_peak_envelope(samples: Floats, above: float | None = None) -> Floats:
    """Per sample, the largest magnitude of the 4x oversampled signal at or just after it (linear).

    Only blocks whose sample peak reaches half of ``above`` (default: the loudest sample) are
    oversampled, since an inter-sample peak rarely exceeds the samples around it by 6 dB; elsewhere
    the envelope is the sample magnitude.
    """
    x = np.asarray(samples, dtype=np.float64)
    out = np.abs(x)
    if not len(x):
        return out
    count = -(-len(x) // _BLOCK)
    block_peaks = np.pad(out, (0, count * _BLOCK - len(x))).reshape(count, _BLOCK).max(axis=1)
    threshold = min(float(block_peaks.max()), above if above is not None else np.inf) / 2
    loud = np.flatnonzero(block_peaks >= threshold)
    # merge neighbouring loud blocks into runs, oversampling each run once
    runs: list[tuple[int, int]] = []
    for b in loud.tolist():
        if runs and b <= runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], b)
        else:
            runs.append((b, b))
    phases = interpolator(_OVERSAMPLE)
    half = phases.shape[1] // 2
    for first, last in runs:
        start, stop = first * _BLOCK, min(len(x), (last + 1) * _BLOCK)
        lo, hi = max(0, start - _MARGIN), min(len(x), stop + _MARGIN)
        piece = x[lo:hi]
        peak = out[start:stop]
        for p in range(1, _OVERSAMPLE):  # phase 0 falls on the samples themselves
            between = np.convolve(piece, phases[p], mode="full")[half: half + len(piece)]
            np.maximum(peak, np.abs(between[start - lo: stop - lo]), out=peak)
    return out


def true_peak_dbtp(samples: Floats) -> float:
    """True peak of ``samples`` in dBTP (4x oversampling); -inf for silence."""
    if len(samples) == 0:
        return float("-inf")
    peak = float(true_peak_envelope(samples).max())
    return 20 * math.log10(peak) if peak > 0 else float("-inf")


def measure(samples: Floats, rate_hz: int) -> Loudness:
    """Integrated loudness and true peak of ``samples``."""
    return Loudness(integrated_lufs(samples, rate_hz), true_peak_dbtp(samples))
