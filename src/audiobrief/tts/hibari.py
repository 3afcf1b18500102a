"""hibari-tts: small neural voices distilled from Kokoro-82M, offline, 24 kHz.

The voice "heart" (American English) ships inside the wheel; the others (emma, fenrir, fable,
kore) are downloaded by hibari on first use, so here, offline, they must already be in hibari's
cache or the engine says so when it is created. The noise component is seeded from the text and
the engine's settings, so the same text always gives the same samples: an unchanged rebuild is
byte-identical even before the segment cache has it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
import threading
from collections.abc import Iterator
from importlib import metadata
from typing import Any, ClassVar

from ..errors import EngineUnavailable, SynthesisError
from ..languages import primary
from . import AudioChunk

log = logging.getLogger(__name__)

_SAMPLE_RATE_HZ = 24_000


@functools.cache
def _model(voice: str, thread: int) -> Any:
    # One model per voice and thread: onnxruntime sessions are thread-safe, hibari's G2P state is not
    # documented to be, and a model is only ~8 MB.
    from hibari import Hibari

    log.info("loading hibari voice %s", voice)
    return Hibari(voice=voice, threads=1)


def loaded_voices() -> int:
    """How many hibari models this process has loaded (0 when every segment came from the cache)."""
    return _model.cache_info().currsize


def _downloaded(voice: str) -> bool:
    from hibari.voices import voice_path

    try:
        voice_path(voice, download_missing=False)
    except FileNotFoundError:
        return False
    return True


class HibariEngine:
    """hibari. ``voice`` is ``heart`` (bundled, default) or another hibari voice already downloaded;
    ``speed`` is the pace (1.0 the teacher's, 0.5 to 2.0)."""

    name: ClassVar[str] = "hibari"
    description: ClassVar[str] = "hibari neural voices (Kokoro-distilled), offline (default)"
    multithreaded: ClassVar[bool] = False  # one core per call: segments render in parallel

    def __init__(self, voice: str = "heart", speed: float = 1.0) -> None:
        if importlib.util.find_spec("hibari") is None:
            raise EngineUnavailable("hibari: hibari-tts is not installed; run: pip install hibari-tts")
        from hibari.voices import VOICES, cache_dir

        if voice not in VOICES:
            raise EngineUnavailable(f"hibari: unknown voice '{voice}'; voices: {', '.join(VOICES)}")
        if not VOICES[voice].get("bundled") and not _downloaded(voice):
            raise EngineUnavailable(
                f"hibari: voice '{voice}' is not bundled and must be downloaded once "
                f"({VOICES[voice]['bytes'] / 1e6:.1f} MB from huggingface.co) into {cache_dir()}; "
                f"run `hibari --voice {voice} 'test'` with internet access, or use the bundled voice 'heart'")
        if not 0.5 <= speed <= 2.0:
            raise EngineUnavailable(f"hibari: speed {speed} is outside 0.5 to 2.0")
        self.voice = voice
        self.speed = float(speed)

    @classmethod
    def voices(cls) -> list[str]:
        """Every hibari voice; those not bundled and not downloaded are marked ``(download)``."""
        if importlib.util.find_spec("hibari") is None:
            return []
        from hibari.voices import VOICES

        return [v if VOICES[v].get("bundled") or _downloaded(v) else f"{v} (download)" for v in VOICES]

    @classmethod
    def voice_for(cls, language: str) -> str | None:
        """The bundled voice ``heart`` for English (hibari speaks American English only)."""
        if primary(language) != "en" or importlib.util.find_spec("hibari") is None:
            return None
        return "heart"

    @classmethod
    def languages(cls) -> list[str]:
        """English (American)."""
        return ["en"] if cls.voice_for("en") else []

    def fingerprint(self) -> str:
        """hibari version, the voice model's content and the speed."""
        return f"hibari/{metadata.version('hibari-tts')}/{self.voice}/{self._voice_digest}/speed={self.speed}"

    @functools.cached_property
    def _voice_digest(self) -> str:
        from hibari.voices import voice_path

        from ..digests import file_sha256

        return file_sha256(voice_path(self.voice, download_missing=False))[:16]

    def release(self) -> None:
        """Unload every hibari model this process holds."""
        _model.cache_clear()

    def synthesize(self, text: str) -> Iterator[AudioChunk]:
        """Yield one 24 kHz chunk per sentence hibari finds in ``text``."""
        import numpy as np

        seed = int.from_bytes(hashlib.sha256(f"{self.fingerprint()}\n{text}".encode()).digest()[:8], "little")
        model = _model(self.voice, threading.get_ident())
        try:
            for samples in model.stream(text, speed=self.speed, seed=seed):
                pcm = np.clip(np.asarray(samples, dtype=np.float32) * 32767.0, -32768, 32767).astype("<i2")
                if pcm.size:
                    yield AudioChunk(pcm.tobytes(), _SAMPLE_RATE_HZ)
        except Exception as exc:  # onnxruntime and the G2P raise assorted types
            raise SynthesisError(f"hibari failed on {text!r}: {exc}") from exc
