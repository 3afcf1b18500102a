"""Finding and running ffmpeg: the system's when installed, else the one inside imageio-ffmpeg.

Used to decode producer sound files and gTTS's MP3s, to encode M4A, and by ``check`` (and the
tests) as an independent loudness meter (``ebur128``).
"""

from __future__ import annotations

import functools
import logging
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import AudioError

__all__ = ["Loudness", "decode_to_pcm", "find_ffmpeg", "measure_loudness", "run_ffmpeg"]

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
