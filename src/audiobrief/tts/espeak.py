"""espeak-ng as a subprocess: robotic but tiny, offline, and in every Linux distribution."""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from collections.abc import Iterator
from typing import ClassVar

from ..errors import EngineUnavailable, SynthesisError
from . import AudioChunk


class EspeakEngine:
    """espeak-ng. ``voice`` is an espeak-ng voice (``en-us``), ``rate_wpm`` its speed."""

    name: ClassVar[str] = "espeak"
    description: ClassVar[str] = "espeak-ng formant synthesis, offline"
    multithreaded: ClassVar[bool] = False  # one espeak-ng process per call

    #: The voice a build speaks English with when none is configured (and what ``voice_for("en")`` answers).
    default_voice: ClassVar[str] = "en-us"

    def __init__(self, voice: str = default_voice, rate_wpm: int = 165) -> None:
        binary = shutil.which("espeak-ng")
        if binary is None:
            raise EngineUnavailable(
                "espeak: espeak-ng is not installed; install it (Debian/Ubuntu: apt-get install espeak-ng)"
            )
        self.binary = binary
        self.voice = voice
        self.rate_wpm = int(rate_wpm)
        self._version = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()

    @classmethod
    def voices(cls) -> list[str]:
        """English voices espeak-ng offers here."""
        return _listed("en")

    @classmethod
    def voice_for(cls, language: str) -> str | None:
        """espeak-ng's voice for ``language`` (``es-mx`` -> ``es-419``), or None; MBROLA voices are skipped."""
        wanted = language.lower().replace("_", "-")
        for ask in dict.fromkeys((wanted, wanted.split("-")[0])):
            names = _listed(ask)
            if names:
                if wanted in names:
                    return wanted
                # English is en-us, as a build without [engine.espeak] voice speaks it (espeak lists en-gb first)
                return cls.default_voice if cls.default_voice in names and ask == wanted else names[0]
        return None

    @classmethod
    def languages(cls) -> list[str]:
        """Every language espeak-ng has a voice for here (MBROLA voices, which need more installed, left out)."""
        codes = set(_listed())
        return sorted(codes | {code.split("-")[0] for code in codes})  # en-us and en-gb: English, "en"

    def fingerprint(self) -> str:
        """espeak-ng version, voice and rate."""
        return f"espeak/{self._version}/{self.voice}/{self.rate_wpm}"

    def synthesize(self, text: str) -> Iterator[AudioChunk]:
        """Run espeak-ng once for ``text`` and yield its WAV as one chunk."""
        proc = subprocess.run(
            [self.binary, "-v", self.voice, "-s", str(self.rate_wpm), "--stdout"],
            input=text.encode("utf-8"),
            capture_output=True,
            check=False,
        )
        if proc.returncode != 0 or not proc.stdout:
            message = proc.stderr.decode("utf-8", "replace").strip() or f"exit code {proc.returncode}"
            raise SynthesisError(f"espeak-ng failed on {text!r}: {message}")
        try:
            with wave.open(io.BytesIO(proc.stdout)) as wav:
                rate, width, channels = wav.getframerate(), wav.getsampwidth(), wav.getnchannels()
                frames = wav.readframes(wav.getnframes())
        except (wave.Error, EOFError) as exc:
            # espeak-ng writes a streaming header with a bogus length; fall back to the raw data.
            if proc.stdout[:4] != b"RIFF":
                raise SynthesisError(f"espeak-ng returned no WAV for {text!r}") from exc
            rate, width, channels, frames = 22050, 2, 1, proc.stdout[44:]
        if width != 2 or channels != 1:
            raise SynthesisError(f"espeak-ng produced {width * 8}-bit/{channels}ch audio; expected 16-bit mono")
        yield AudioChunk(frames, rate)


def _listed(language: str | None = None) -> list[str]:
    """The voice names ``espeak-ng --voices[=language]`` lists, in its order, without repeats.

    MBROLA voices (``mb/...``) need MBROLA installed as well, and "variant" rows are voice
    variants (``!v/...``), not names ``-v`` accepts: both are left out.
    """
    binary = shutil.which("espeak-ng")
    if binary is None:
        return []
    ask = f"--voices={language}" if language else "--voices"
    out = subprocess.run([binary, ask], capture_output=True, text=True, check=False).stdout
    rows = [line.split() for line in out.splitlines()[1:]]
    return list(dict.fromkeys(row[1] for row in rows if len(row) > 4 and not row[4].startswith("mb/")
                              and row[1] != "variant"))
