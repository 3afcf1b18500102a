"""The Opus alternate: the episode's own mastered samples, encoded by ffmpeg's libopus in a process of
its own while LAME encodes the MP3, so it costs the build little wall time on a second core.

Speech at 32 kb/s in Opus sounds as good as 96 kb/s MP3 at a third of the bytes; podcast apps that
read ``podcast:alternateEnclosure`` and browsers (the show page's ``<source>``) pick it. pedalboard
cannot write Opus; of the two ffmpeg builds at hand, the imageio-ffmpeg one encoded the example
episode faster (0.55 s against 0.69 s at complexity 5; complexity 10 took 1.7 s and 2.6 s).
The file carries the title, show, date and the chapters (as Ogg ``CHAPTERnnn`` comments).
"""

from __future__ import annotations

import functools
import logging
import queue
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import IO, Any

import numpy as np

from ..errors import AudioError
from ..models import Chapter
from .tags import EpisodeTags, ffmetadata

__all__ = ["OPUS_MIME", "OpusEncoder", "opus_duration_ms", "opus_ffmpeg"]

log = logging.getLogger(__name__)

#: The type the feed and the show page give an Ogg Opus file (``audio/opus`` alone was refused by
#: Firefox's player in one report; the codecs parameter names what is inside the Ogg).
OPUS_MIME = "audio/ogg; codecs=opus"
#: libopus's complexity (0-10): 5 encodes the example episode in 0.55 s, 10 in 1.7 s.
_COMPLEXITY = 5
#: Chunks of mastered samples waiting for ffmpeg at most (the mastering yields 2**17 floats, 512 kB, at a time).
_QUEUED_CHUNKS = 128


@functools.cache
def opus_ffmpeg() -> str:
    """An ffmpeg that has libopus: imageio-ffmpeg's (faster here), else the system's.

    :raises AudioError: neither has libopus.
    """
    import shutil

    candidates = []
    try:
        import imageio_ffmpeg

        candidates.append(str(imageio_ffmpeg.get_ffmpeg_exe()))
    except (ImportError, RuntimeError):
        pass
    if shutil.which("ffmpeg"):
        candidates.append(str(shutil.which("ffmpeg")))
    for binary in candidates:
        encoders = subprocess.run([binary, "-hide_banner", "-encoders"], capture_output=True, text=True, check=False)
        if " libopus " in encoders.stdout:
            return binary
    raise AudioError("no ffmpeg here can encode Opus (libopus); install imageio-ffmpeg or an ffmpeg built with "
                     "libopus, or turn the Opus alternate off with [audio] alternates = []")


class OpusEncoder:
    """An Ogg Opus file written by ffmpeg from float samples pushed with :meth:`write`."""

    def __init__(self, path: Path, rate_hz: int, bitrate_kbps: int, tags: EpisodeTags,
                 chapters: tuple[Chapter, ...]) -> None:
        self.path = path
        self._folder = tempfile.TemporaryDirectory(prefix="audiobrief-opus-")
        meta = Path(self._folder.name) / "metadata.txt"
        meta.write_text(ffmetadata(tags, chapters), encoding="utf-8")
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115  (closed by close() or abort())
        self._proc = subprocess.Popen(
            [opus_ffmpeg(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-f", "f32le", "-ar", str(rate_hz),
             "-ac", "1", "-i", "pipe:0", "-i", str(meta), "-map", "0:a", "-map_metadata", "1", "-map_chapters", "1",
             "-c:a", "libopus", "-b:a", f"{bitrate_kbps}k", "-application", "audio",
             "-compression_level", str(_COMPLEXITY),
             # the same samples make the same bytes: a fixed Ogg stream serial (ffmpeg draws a random one) and no
             # encoder version in the tags, so an episode built on two machines has one name
             "-serial_offset", "1", "-fflags", "+bitexact", "-flags:a", "+bitexact", "-f", "ogg", str(path)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._stderr)
        # Its own thread writes to ffmpeg, so the mastering thread that feeds LAME never waits on libopus's pace
        # (a blocked pipe starved LAME: the alternate cost 8.8% of a cold build, 3.7% with the thread, medians of
        # 8 builds each). The queue is bounded (64 MB) in case ffmpeg falls far behind.
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=_QUEUED_CHUNKS)
        self._broken = False
        self._feeder = threading.Thread(target=self._feed, name="audiobrief-opus-feed", daemon=True)
        self._feeder.start()

    def write(self, samples: Any) -> None:
        """The next mastered samples (floats, full scale 1.0)."""
        if self._broken:
            raise AudioError(f"encoding {self.path.name} as Opus failed: {self._error()}")
        self._queue.put(np.asarray(samples, dtype="<f4").tobytes())

    def _feed(self) -> None:
        assert self._proc.stdin is not None
        while (data := self._queue.get()) is not None:
            if self._broken:
                continue
            try:
                self._proc.stdin.write(data)
            except (BrokenPipeError, ValueError, OSError):
                self._broken = True
        try:
            self._proc.stdin.close()
        except OSError:
            self._broken = True

    def _error(self) -> str:
        self._stderr.seek(0)
        tail = self._stderr.read().decode("utf-8", "replace").strip().splitlines()[-3:]
        return " | ".join(tail) or f"ffmpeg exit {self._proc.poll()}"

    def close(self) -> None:
        """Finish the file.

        :raises AudioError: ffmpeg failed.
        """
        try:
            self._queue.put(None)
            self._feeder.join()
            code = self._proc.wait()
            if code != 0 or self._broken:
                raise AudioError(f"encoding {self.path.name} as Opus failed: {self._error()}")
        finally:
            self._cleanup()

    def abort(self) -> None:
        """Stop ffmpeg and drop the partial file (the MP3's encode failed)."""
        import contextlib

        self._proc.kill()
        self._queue.put(None)
        self._feeder.join()
        if self._proc.stdin is not None:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
        self._proc.wait()
        self.path.unlink(missing_ok=True)
        self._cleanup()

    def _cleanup(self) -> None:
        self._stderr.close()
        self._folder.cleanup()


def opus_duration_ms(path: Path) -> int:
    """The playing time of an Ogg Opus file (its last granule position, less the pre-skip).

    :raises AudioError: not an Ogg Opus file.
    """
    from mutagen import MutagenError
    from mutagen.oggopus import OggOpus

    try:
        length: float = OggOpus(str(path)).info.length  # type: ignore[attr-defined]
    except MutagenError as exc:
        raise AudioError(f"{path.name}: not a readable Ogg Opus file ({exc})") from exc
    return round(length * 1000)
