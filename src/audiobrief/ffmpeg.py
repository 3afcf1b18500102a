"""Finding and running ffmpeg: the system's when installed, else the one inside imageio-ffmpeg."""

from __future__ import annotations

import functools
import logging
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import AudioError

__all__ = ["Loudness", "decode_to_pcm", "find_ffmpeg", "fit_loudness", "measure_loudness", "run_ffmpeg"]

log = logging.getLogger(__name__)


@functools.cache
def find_ffmpeg() -> str:
    """Path of the ffmpeg binary to use.

    :raises AudioError: neither a system ffmpeg nor imageio-ffmpeg is available.
    """
    system = shutil.which("ffmpeg")
    if system:
        return system
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as exc:
        raise AudioError(
            "ffmpeg not found; install it (Debian/Ubuntu: apt-get install ffmpeg) or pip install imageio-ffmpeg"
        ) from exc


def run_ffmpeg(args: list[str], *, input_bytes: bytes | None = None, what: str = "ffmpeg") -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg with ``args`` (no banner, errors only on stderr unless a filter prints).

    :raises AudioError: with the tail of ffmpeg's stderr when it fails.
    """
    cmd = [find_ffmpeg(), "-hide_banner", "-nostdin", "-y", *args]
    log.debug("running %s", " ".join(cmd))
    proc = subprocess.run(cmd, input=input_bytes, capture_output=True, check=False)
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise AudioError(f"{what} failed (ffmpeg exit {proc.returncode}): {' | '.join(tail)}")
    return proc


def decode_to_pcm(data: bytes, sample_rate_hz: int) -> bytes:
    """Decode any audio ffmpeg reads (MP3 from gTTS) into 16-bit mono PCM at ``sample_rate_hz``."""
    proc = run_ffmpeg(
        ["-loglevel", "error", "-i", "pipe:0", "-f", "s16le", "-ac", "1", "-ar", str(sample_rate_hz), "pipe:1"],
        input_bytes=data,
        what="decoding audio",
    )
    return proc.stdout


@dataclass(frozen=True, slots=True)
class Loudness:
    """EBU R128 measurements of a file."""

    integrated_lufs: float
    true_peak_dbtp: float
    lra_lu: float
    threshold_lufs: float


def measure_loudness(path: Path, audio_filter: str | None = None) -> Loudness:
    """Integrated loudness and true peak of ``path``, after ``audio_filter`` if given (ebur128)."""
    chain = f"{audio_filter},ebur128=peak=true" if audio_filter else "ebur128=peak=true"
    proc = run_ffmpeg(
        ["-nostats", "-i", str(path), "-filter_complex", chain, "-f", "null", "-"],
        what="measuring loudness",
    )
    text = proc.stderr.decode("utf-8", "replace")
    summary = text[text.rfind("Summary:"):]

    def number(label: str) -> float:
        m = re.search(label + r":\s*(-?[\d.]+|-inf)", summary)
        if m is None:
            raise AudioError(f"ffmpeg ebur128 summary has no {label}")
        return float("-inf") if m.group(1) == "-inf" else float(m.group(1))

    return Loudness(number("I"), number("Peak"), number("LRA"), number("Threshold"))


def _mastering_chain(sample_rate_hz: int, gain_db: float, limit_db: float) -> str:
    # Gentle compression narrows speech's peak-to-loudness ratio (TTS voices come peak-normalized
    # per sentence), then gain, then a look-ahead limiter with its delay compensated so that
    # chapter times stay on the samples they were computed from.
    return (
        f"aresample={sample_rate_hz},"
        "acompressor=threshold=0.125:ratio=2.5:attack=15:release=200,"
        f"volume={gain_db:.2f}dB,"
        f"alimiter=limit={10 ** (limit_db / 20):.4f}:attack=5:release=50:level=false:latency=1"
    )


def fit_loudness(path: Path, target_lufs: float, true_peak_dbtp: float, sample_rate_hz: int,
                 tolerance_lu: float = 0.3, max_passes: int = 8) -> tuple[str, Loudness]:
    """Find the ffmpeg filter chain that brings ``path`` to ``target_lufs`` under ``true_peak_dbtp``.

    Each pass measures the chain's output and corrects gain (and the limiter ceiling, for
    inter-sample peaks) until both targets are met; a few passes suffice for speech.

    :returns: the filter chain and what the last pass measured.
    :raises AudioError: the targets could not be met (e.g. a silent input).
    """
    first = measure_loudness(path)
    if first.integrated_lufs < -60:
        raise AudioError(f"{path.name}: the assembled audio is silent ({first.integrated_lufs} LUFS)")
    gain_db = target_lufs - first.integrated_lufs
    limit_db = true_peak_dbtp - 1.0
    for _ in range(max_passes):
        chain = _mastering_chain(sample_rate_hz, gain_db, limit_db)
        measured = measure_loudness(path, chain)
        peak_excess = measured.true_peak_dbtp - (true_peak_dbtp - 0.3)
        if abs(measured.integrated_lufs - target_lufs) <= tolerance_lu and peak_excess <= 0:
            return chain, measured
        if peak_excess > 0:
            limit_db -= peak_excess + 0.2
        gain_db += target_lufs - measured.integrated_lufs
    raise AudioError(
        f"{path.name}: could not reach {target_lufs} LUFS under {true_peak_dbtp} dBTP "
        f"(last pass: {measured.integrated_lufs} LUFS, {measured.true_peak_dbtp} dBTP)"
    )
